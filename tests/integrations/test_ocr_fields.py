"""Field extraction from OCR text lines and the cross-checks — plain Python, no engine.

The lines below are shaped like the engine's output for a card of 1000 × 630 pixels:
labels and values in separate boxes or merged, boxes that overlap, characters misread.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from lowlend.integrations.ocr import ALL_FIELDS, FieldValue, IdCardResult, OcrError, Problem
from lowlend.integrations.ocr.checks import back_problems, front_problems
from lowlend.integrations.ocr.fields import (
    FIX_FACTOR,
    OcrLine,
    group_rows,
    normalize_id_number,
    parse_cn_date,
    parse_validity,
    read_back,
    read_front,
)
from lowlend.services.message_tables.ocr import TABLE
from lowlend.services.messages import message

VALID = "360426199101010071"  # male, born 1991-01-01


def line(text: str, box: tuple[float, float, float, float], score: float = 0.99) -> OcrLine:
    return OcrLine(text, score, box)


def front_lines(**overrides: list[OcrLine]) -> list[OcrLine]:
    """A front read cleanly, labels and values in separate boxes; rows replaceable."""
    rows = {
        "name": [line("姓名", (60, 70, 150, 100)), line("张三丰", (180, 66, 300, 104))],
        "sex": [line("性别", (60, 150, 150, 180)), line("男", (180, 146, 215, 184)),
                line("民族", (330, 150, 420, 180)), line("汉", (440, 146, 475, 184))],
        "birth": [line("出生", (60, 228, 150, 258)), line("1991年1月1日", (180, 224, 480, 262))],
        "address": [line("住址", (60, 308, 150, 338)),
                    line("江西省九江市德安县城关镇", (180, 304, 600, 342))],
        "address2": [line("人民路12号", (180, 354, 400, 392))],
        "id": [line("公民身份号码", (60, 520, 240, 550)), line(VALID, (300, 516, 730, 556))],
    }
    rows.update(overrides)
    return [ln for row in rows.values() for ln in row]


def values(lines: list[OcrLine]) -> dict[str, str]:
    return {k: v.value for k, v in read_front(lines).fields.items()}


# -- rows ----------------------------------------------------------------------------------
def test_rows_group_labels_and_values_of_different_sizes_top_to_bottom() -> None:
    rows = group_rows(reversed(front_lines()))
    assert [[ln.text for ln in row] for row in rows] == [
        ["姓名", "张三丰"],
        ["性别", "男", "民族", "汉"],
        ["出生", "1991年1月1日"],
        ["住址", "江西省九江市德安县城关镇"],
        ["人民路12号"],
        ["公民身份号码", VALID],
    ]


def test_empty_and_blank_lines_are_ignored() -> None:
    assert group_rows([line("  ", (0, 0, 10, 10))]) == []
    read = read_front([])
    assert read.fields == {} and not read.recognised


# -- the front -------------------------------------------------------------------------------
def test_a_clean_front_gives_every_field_with_its_score() -> None:
    read = read_front(front_lines())
    assert read.recognised
    assert {k: v.value for k, v in read.fields.items()} == {
        "name": "张三丰",
        "sex": "male",
        "ethnicity": "汉",
        "birth_date": "1991-01-01",
        "address": "江西省九江市德安县城关镇人民路12号",
        "id_number": VALID,
    }
    assert all(v.confidence == pytest.approx(0.99) for v in read.fields.values())
    assert list(read.fields) == ["name", "sex", "ethnicity", "birth_date", "address", "id_number"]


def test_labels_merged_with_their_values_in_one_box() -> None:
    lines = front_lines(
        name=[line("姓名张三丰", (60, 66, 300, 104))],
        sex=[line("性别女", (60, 146, 216, 184)), line("民族汉族", (330, 146, 500, 184))],
        birth=[line("出生1991年1月1日", (60, 224, 480, 262))],
        address=[line("住址江西省九江市德安县城关镇", (60, 304, 600, 342))],
        id=[line("公民身份号码" + VALID, (60, 516, 730, 556))],
    )
    got = values(lines)
    assert got["name"] == "张三丰" and got["sex"] == "female" and got["ethnicity"] == "汉"
    assert got["birth_date"] == "1991-01-01" and got["id_number"] == VALID
    assert got["address"] == "江西省九江市德安县城关镇人民路12号"


def test_a_character_the_label_box_swallowed_from_the_value_is_dropped() -> None:
    # the engine read "姓名区" for a label box that runs into the name's box
    lines = front_lines(name=[line("姓名区", (67, 70, 191, 105)), line("欧阳娜娜", (174, 68, 317, 108))])
    assert values(lines)["name"] == "欧阳娜娜"


def test_a_character_read_in_two_overlapping_boxes_counts_once() -> None:
    lines = front_lines(birth=[line("出生1963年1", (60, 224, 299, 262)),
                               line("10月25日", (283, 224, 429, 262))])
    assert values(lines)["birth_date"] == "1963-10-25"


def test_a_misread_label_is_found_at_the_start_of_its_row_in_order() -> None:
    lines = front_lines(name=[line("娃名", (60, 70, 150, 100)), line("张三丰", (180, 66, 300, 104))],
                        address=[line("住扯", (60, 308, 150, 338)),
                                 line("江西省九江市德安县城关镇", (180, 304, 600, 342))])
    got = values(lines)
    assert got["name"] == "张三丰"
    assert got["address"] == "江西省九江市德安县城关镇人民路12号"


def test_number_and_birth_date_are_found_without_their_labels() -> None:
    lines = front_lines(birth=[line("1991年1月1日", (180, 224, 480, 262))], id=[line(VALID, (300, 516, 730, 556))])
    got = values(lines)
    assert got["birth_date"] == "1991-01-01" and got["id_number"] == VALID


def test_the_address_stops_at_the_number_and_at_text_in_the_label_column() -> None:
    lines = front_lines(address2=[line("人民路12号", (180, 354, 400, 392)),
                                  line("3栋2单元", (180, 400, 340, 438))],
                        id=[line("公民身份号码", (60, 520, 240, 550))])
    lines.append(line("备注", (60, 470, 150, 500)))  # something printed in the label column
    assert values(lines)["address"] == "江西省九江市德安县城关镇人民路12号3栋2单元"


def test_minority_names_keep_their_middle_dot() -> None:
    lines = front_lines(name=[line("姓名", (60, 70, 150, 100)), line("买买提•艾力", (180, 66, 400, 104))],
                        sex=[line("性别男", (60, 146, 216, 184)), line("民族维吾尔", (330, 146, 520, 184))])
    got = values(lines)
    assert got["name"] == "买买提·艾力" and got["ethnicity"] == "维吾尔"


def test_values_in_a_bad_format_keep_a_low_confidence() -> None:
    lines = front_lines(name=[line("姓名", (60, 70, 150, 100)), line("张3丰", (180, 66, 300, 104))],
                        sex=[line("性别男", (60, 146, 216, 184)), line("民族火星", (330, 146, 500, 184))],
                        id=[line("公民身份号码", (60, 520, 240, 550)), line("3604261991", (300, 516, 730, 556))])
    read = read_front(lines)
    assert read.fields["name"].confidence < 0.5
    assert read.fields["ethnicity"].value == "火星"
    assert read.fields["ethnicity"].confidence == pytest.approx(0.495)
    assert read.fields["id_number"].value == "3604261991"
    assert read.fields["id_number"].confidence < 0.5


def test_confusions_in_the_number_are_fixed_and_lower_the_confidence() -> None:
    lines = front_lines(id=[line("公民身份号码", (60, 520, 240, 550)),
                            line("36O4261991O1O1007l", (300, 516, 730, 556), 1.0)])
    read = read_front(lines)
    assert read.fields["id_number"].value == VALID
    assert read.fields["id_number"].confidence == pytest.approx(FIX_FACTOR**4)


def test_something_that_is_not_a_card_is_not_recognised() -> None:
    lines = [line("今天天气很好", (50, 50, 400, 90)), line("Invoice 2024-001", (50, 150, 400, 190))]
    assert not read_front(lines).recognised
    assert not read_back(lines).recognised


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID, (VALID, 0)),
        ("3604 2619 9101 0100 71", (VALID, 0)),
        ("11010119900307123x", ("11010119900307123X", 1)),
        ("11010119900307123×", ("11010119900307123X", 1)),
        ("ll0l0ll99OO3O7l23X", ("11010119900307123X", 9)),
        ("公民身份号码36042619910101007I", (VALID, 1)),
        ("３６０４２６１９９１０１０１００７１", (VALID, 0)),  # full-width digits
        ("36042619910101007", ("36042619910101007", 0)),  # one digit short: kept as read
        ("3604261991010100711", ("3604261991010100711", 0)),  # one too many: kept as read
        ("", ("", 0)),
    ],
)
def test_normalize_id_number(text: str, expected: tuple[str, int]) -> None:
    assert normalize_id_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1991年1月1日", dt.date(1991, 1, 1)),
        ("出生 2001 年 12 月 31 日", dt.date(2001, 12, 31)),
        ("l99O年1O月2日", dt.date(1990, 10, 2)),
        ("1991.01.01", dt.date(1991, 1, 1)),
        ("19910101", dt.date(1991, 1, 1)),
        ("1991年2月30日", None),
        ("一九九一年", None),
        ("", None),
    ],
)
def test_parse_cn_date(text: str, expected: dt.date | None) -> None:
    assert parse_cn_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015.03.01-2035.03.01", (dt.date(2015, 3, 1), dt.date(2035, 3, 1))),
        ("2015.03.01一2035.03.01", (dt.date(2015, 3, 1), dt.date(2035, 3, 1))),
        ("2015.03.01—2035.03.01", (dt.date(2015, 3, 1), dt.date(2035, 3, 1))),
        ("20150301-20350301", (dt.date(2015, 3, 1), dt.date(2035, 3, 1))),
        ("2008.10.20-长期", (dt.date(2008, 10, 20), "long_term")),
        ("2015.03.01-", (dt.date(2015, 3, 1), None)),
        ("2015.13.01-2035.03.01", (None, dt.date(2035, 3, 1))),
        ("长期", (None, "long_term")),
        ("", (None, None)),
    ],
)
def test_parse_validity(text: str, expected: tuple[object, object]) -> None:
    assert parse_validity(text) == expected


# -- the back ----------------------------------------------------------------------------
def back_lines(validity: str = "2015.03.01-2035.03.01") -> list[OcrLine]:
    return [
        line("中华人民共和国", (330, 86, 690, 140)),
        line("居民身份证", (330, 180, 650, 240)),
        line("签发机关", (200, 420, 330, 452)),
        line("德安县公安局", (400, 416, 600, 454)),
        line("有效期限" + validity, (200, 500, 760, 534)),
    ]


def test_the_back_gives_authority_and_validity() -> None:
    read = read_back(back_lines())
    assert read.recognised
    assert {k: v.value for k, v in read.fields.items()} == {
        "issuing_authority": "德安县公安局",
        "valid_from": "2015-03-01",
        "valid_until": "2035-03-01",
    }


def test_a_long_term_card_and_an_authority_on_two_rows() -> None:
    lines = [*back_lines("2008.10.2O-长期"), line("西湖分局", (400, 460, 560, 494))]
    read = read_back(lines)
    assert read.fields["valid_until"].value == "long_term"
    assert read.fields["valid_from"].value == "2008-10-20"
    assert read.fields["valid_from"].confidence == pytest.approx(0.99 * FIX_FACTOR)
    assert read.fields["issuing_authority"].value == "德安县公安局西湖分局"


def test_the_titles_alone_make_a_back() -> None:
    assert read_back(back_lines()[:2]).recognised
    assert not read_back(back_lines()[:1]).recognised


# -- checks ------------------------------------------------------------------------------------
def fields(**values: str) -> dict[str, FieldValue]:
    base = {"name": "张三丰", "sex": "male", "ethnicity": "汉", "birth_date": "1991-01-01",
            "address": "江西省", "id_number": VALID}
    base.update(values)
    return {k: FieldValue(v, 0.9) for k, v in base.items() if v}


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def test_a_consistent_front_has_no_problem() -> None:
    assert front_problems(fields()) == []


def test_a_wrong_check_digit_is_reported_and_the_number_kept() -> None:
    problems = front_problems(fields(id_number="360426199101010072"))
    assert problems == [Problem("id_number_checksum", "id_number", {"value": "360426199101010072"})]


@pytest.mark.parametrize("number", ["3604261991010100", "360426199102310076"])
def test_a_number_that_is_no_resident_id_is_invalid(number: str) -> None:
    assert codes(front_problems(fields(id_number=number))) == ["id_number_invalid"]


def test_birth_date_and_sex_must_agree_with_the_number() -> None:
    problems = front_problems(fields(birth_date="1991-01-02", sex="female"))
    assert problems == [
        Problem("birth_date_mismatch", "birth_date", {"card": "1991-01-02", "number": "1991-01-01"}),
        Problem("sex_mismatch", "sex", {"card": "female", "number": "male"}),
    ]


def test_fields_not_read_and_unknown_ethnic_groups_are_problems() -> None:
    problems = front_problems(fields(name="", address="", ethnicity="火星"))
    assert codes(problems) == ["ocr_name_not_read", "ocr_address_not_read", "ethnicity_unknown"]
    assert codes(front_problems({})) == [f"ocr_{n}_not_read" for n in
                                         ("name", "sex", "ethnicity", "birth_date", "address", "id_number")]


def test_validity_checks() -> None:
    today = dt.date(2026, 6, 1)

    def back(start: str, end: str) -> list[str]:
        read = {"issuing_authority": FieldValue("德安县公安局", 0.9), "valid_from": FieldValue(start, 0.9),
                "valid_until": FieldValue(end, 0.9)}
        return codes(back_problems(read, today))

    assert back("2016-06-01", "2036-06-01") == []
    assert back("2006-06-01", "long_term") == []
    assert back("2006-05-31", "2026-05-31") == ["id_card_expired"]
    assert back("2026-06-01", "2016-06-01") == ["validity_invalid"]
    assert codes(back_problems({}, today)) == [
        "ocr_issuing_authority_not_read", "ocr_valid_from_not_read", "ocr_valid_until_not_read"]


# -- results and messages ---------------------------------------------------------------------
def test_result_json_has_every_field_and_localised_problems() -> None:
    result = IdCardResult.of(
        {"name": FieldValue("张三丰", 0.98765)},
        (Problem("sex_mismatch", "sex", {"card": "female", "number": "male"}),),
    )
    body = result.to_json("zh_CN")
    assert list(body["fields"]) == list(ALL_FIELDS)
    assert body["fields"]["name"] == {"value": "张三丰", "confidence": 0.988}
    assert body["fields"]["valid_until"] == {"value": None, "confidence": 0.0}
    assert body["problems"] == [{"code": "sex_mismatch", "field": "sex",
                                 "message": "证件上的性别与公民身份号码所示性别不一致。"}]
    with pytest.raises(TypeError):
        result.fields["name"] = FieldValue("x", 1.0)  # type: ignore[index]


def test_every_code_has_both_messages_with_the_same_placeholders() -> None:
    produced = {f"ocr_{name}_not_read" for name in ALL_FIELDS}
    assert produced <= TABLE.keys()
    for code, (en, zh) in TABLE.items():
        assert re.search(r"[\u4e00-\u9fff]", zh), code
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", zh)), code
        assert message(code, "en") == en or "{" in en


def test_errors_carry_code_side_and_message() -> None:
    error = OcrError("ocr_file_too_large", "back", max="10 MiB")
    assert (error.code, error.side, str(error)) == (
        "ocr_file_too_large", "back", "back: ocr_file_too_large (max=10 MiB)")
    assert error.message("en") == "The file is larger than 10 MiB."
    assert error.message("zh_CN") == "文件大小超过 10 MiB。"
