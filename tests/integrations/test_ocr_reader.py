"""The RapidOCR reader on synthetic ID-card photos — the real model, nothing mocked.

The engine is loaded once per process (the first test pays about a second); each
card side then takes 0.3–1 s on two cores.
"""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
import time
from dataclasses import replace
from typing import Any

import pytest
from PIL import Image, ImageDraw

from lowlend.integrations.ocr import (
    FRONT_FIELDS,
    IdCardReader,
    IdCardResult,
    OcrError,
    RapidOcrIdCardReader,
    default_reader,
    rapid,
)
from tests.integrations.test_ocr_cards import (
    CardData,
    card_font,
    draw_back,
    draw_front,
    font_path,
    photograph,
    png_bytes,
    random_card,
    random_cards,
    resident_id,
    with_wrong_check_digit,
)

SEED = 20261204
CARDS = 10


@pytest.fixture(scope="module")
def reader() -> RapidOcrIdCardReader:
    font_path()
    return RapidOcrIdCardReader(today=lambda: dt.date(2026, 12, 4))


def expected_until(card: CardData) -> str:
    return "long_term" if card.valid_until is None else card.valid_until.isoformat()


@pytest.fixture(scope="module")
def read_cards(reader: RapidOcrIdCardReader) -> list[tuple[CardData, IdCardResult, float]]:
    """Ten random cards, photographed front and back, read once for the tests below."""
    out = []
    for index, card in enumerate(random_cards(SEED, CARDS)):
        rng = random.Random(SEED + index)
        front = photograph(draw_front(card, rng), rng)
        back = photograph(draw_back(card, rng), rng)
        started = time.perf_counter()
        result = reader.read(front, back)
        out.append((card, result, time.perf_counter() - started))
    return out


def test_the_reader_is_an_id_card_reader() -> None:
    assert isinstance(default_reader(), IdCardReader)
    assert default_reader() is default_reader()


def test_at_least_nine_of_ten_cards_read_exactly(
    read_cards: list[tuple[CardData, IdCardResult, float]],
) -> None:
    exact = []
    for card, result, seconds in read_cards:
        got = (result.value("name"), result.value("id_number"), result.value("birth_date"))
        want = (card.name, card.id_number, card.birth_date.isoformat())
        exact.append(got == want)
        print(f"{'ok ' if got == want else 'BAD'} {seconds:.2f}s {got} {want}")
    assert sum(exact) >= 9, f"{sum(exact)}/10 cards read exactly"


def test_the_other_fields_are_read_too(
    read_cards: list[tuple[CardData, IdCardResult, float]],
) -> None:
    right = {name: 0 for name in ("sex", "ethnicity", "address", "issuing_authority",
                                  "valid_from", "valid_until")}
    for card, result, _ in read_cards:
        want = {"sex": card.sex, "ethnicity": card.ethnicity, "address": card.address,
                "issuing_authority": card.issuing_authority,
                "valid_from": card.valid_from.isoformat(), "valid_until": expected_until(card)}
        for name in right:
            right[name] += result.value(name) == want[name]
    assert all(count >= 9 for count in right.values()), right


def test_confidences_are_scores_and_good_cards_have_no_problem_but_expiry(
    read_cards: list[tuple[CardData, IdCardResult, float]],
) -> None:
    for card, result, _ in read_cards:
        assert all(0.0 <= f.confidence <= 1.0 for f in result.fields.values())
        if result.value("id_number") == card.id_number and result.value("name") == card.name:
            assert all(result.fields[n].confidence > 0.8 for n in ("name", "id_number"))
            codes = {p.code for p in result.problems}
            assert codes <= {"id_card_expired"}, codes
            expired = card.valid_until is not None and card.valid_until < dt.date(2026, 12, 4)
            assert ("id_card_expired" in codes) == expired


def test_reading_time_per_card_is_reasonable(
    read_cards: list[tuple[CardData, IdCardResult, float]],
) -> None:
    seconds = sorted(s for _, _, s in read_cards)
    print(f"front+back per card: median {seconds[len(seconds) // 2]:.2f}s, max {seconds[-1]:.2f}s")
    assert seconds[len(seconds) // 2] < 10


def one_card(seed: int, **changes: Any) -> tuple[CardData, random.Random]:
    rng = random.Random(seed)
    card = random_card(rng)
    return replace(card, **changes), rng


def test_a_wrong_check_digit_is_reported_not_corrected(reader: RapidOcrIdCardReader) -> None:
    card, rng = one_card(11)
    wrong = with_wrong_check_digit(card)
    result = reader.read(photograph(draw_front(wrong, rng), rng))
    assert result.value("id_number") == wrong.id_number
    assert [p.code for p in result.problems] == ["id_number_checksum"]
    assert result.problems[0].params == {"value": wrong.id_number}


def test_a_birth_date_that_disagrees_with_the_number(reader: RapidOcrIdCardReader) -> None:
    card, rng = one_card(12)
    printed = card.birth_date + dt.timedelta(days=40)
    result = reader.read(photograph(draw_front(replace(card, birth_date=printed), rng), rng))
    assert result.value("birth_date") == printed.isoformat()
    assert result.value("id_number") == card.id_number
    mismatch = [p for p in result.problems if p.code == "birth_date_mismatch"]
    assert mismatch and mismatch[0].params == {
        "card": printed.isoformat(), "number": card.birth_date.isoformat()}
    assert "公民身份号码中的出生日期" in mismatch[0].message("zh_CN")


def test_a_sex_that_disagrees_with_the_number(reader: RapidOcrIdCardReader) -> None:
    card, rng = one_card(13, sex="female")
    number = resident_id(card.id_number[:6], card.birth_date, 123, "male")
    result = reader.read(photograph(draw_front(replace(card, id_number=number), rng), rng))
    assert result.value("sex") == "female" and result.value("id_number") == number
    assert [p.code for p in result.problems] == ["sex_mismatch"]


def test_a_long_term_card_and_an_expired_one(reader: RapidOcrIdCardReader) -> None:
    card, rng = one_card(14, valid_from=dt.date(2008, 10, 20), valid_until=None)
    result = reader.read(png_bytes(draw_front(card, rng)), png_bytes(draw_back(card, rng)))
    assert result.value("valid_from") == "2008-10-20" and result.value("valid_until") == "long_term"
    assert result.problems == ()
    expired = replace(card, valid_from=dt.date(2006, 5, 1), valid_until=dt.date(2016, 5, 1))
    result = reader.read(png_bytes(draw_front(expired, rng)), png_bytes(draw_back(expired, rng)))
    assert [p.code for p in result.problems] == ["id_card_expired"]
    assert result.problems[0].message("en") == "The card expired on 2016-05-01."


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_turned_photos_are_read_upright(reader: RapidOcrIdCardReader, angle: int) -> None:
    card, rng = one_card(15)
    front = png_bytes(draw_front(card, rng).rotate(angle, expand=True))
    back = png_bytes(draw_back(card, rng).rotate(angle, expand=True)) if angle == 180 else None
    result = reader.read(front, back)
    assert (result.value("name"), result.value("id_number")) == (card.name, card.id_number)
    assert result.value("address") == card.address
    if back is not None:
        assert result.value("valid_from") == card.valid_from.isoformat()


def test_sides_given_the_wrong_way_round(reader: RapidOcrIdCardReader) -> None:
    card, rng = one_card(16)
    front, back = png_bytes(draw_front(card, rng)), png_bytes(draw_back(card, rng))
    result = reader.read(back, front)
    assert result.value("id_number") == card.id_number
    assert result.value("issuing_authority") == card.issuing_authority
    with pytest.raises(OcrError) as caught:
        reader.read(back)
    assert (caught.value.code, caught.value.side) == ("ocr_front_is_back", "front")


def test_a_photocopy_with_both_sides_on_one_page(reader: RapidOcrIdCardReader) -> None:
    card, rng = one_card(17)
    page = Image.new("RGB", (1200, 1500), (250, 250, 250))
    page.paste(draw_front(card, rng), (100, 80))
    page.paste(draw_back(card, rng), (100, 800))
    result = reader.read(png_bytes(page))
    assert result.value("id_number") == card.id_number
    assert result.value("address") == card.address
    assert result.value("valid_until") == expected_until(card)


def not_a_card() -> bytes:
    image = Image.new("RGB", (900, 600), (200, 220, 180))
    draw = ImageDraw.Draw(image)
    draw.text((50, 60), "今天天气很好，我们去公园散步吧。", font=card_font(36), fill=(0, 0, 0))
    draw.text((50, 160), "发票号码 2024-001 合计 35.00 元", font=card_font(36), fill=(0, 0, 0))
    return png_bytes(image)


def test_images_without_an_id_card(reader: RapidOcrIdCardReader) -> None:
    for data in (not_a_card(), png_bytes(Image.new("RGB", (800, 500), (255, 255, 255)))):
        with pytest.raises(OcrError) as caught:
            reader.read(data)
        assert (caught.value.code, caught.value.side) == ("ocr_not_an_id_card", "front")
    card, rng = one_card(18)
    with pytest.raises(OcrError) as caught:
        reader.read(png_bytes(draw_front(card, rng)), not_a_card())
    assert (caught.value.code, caught.value.side) == ("ocr_not_an_id_card_back", "back")


def test_a_bad_back_is_refused_before_any_recognition(reader: RapidOcrIdCardReader) -> None:
    card, rng = one_card(19)
    with pytest.raises(OcrError) as caught:
        reader.read(png_bytes(draw_front(card, rng)), b"not an image")
    assert (caught.value.code, caught.value.side) == ("ocr_not_an_image", "back")


def test_front_fields_only_without_a_back(reader: RapidOcrIdCardReader) -> None:
    card, rng = one_card(20)
    result = reader.read(png_bytes(draw_front(card, rng)))
    assert set(result.fields) == set(FRONT_FIELDS)
    assert result.to_json()["fields"]["issuing_authority"] == {"value": None, "confidence": 0.0}


def test_the_engine_is_created_once_and_not_at_import() -> None:
    assert rapid.engine() is rapid.engine()
    code = (
        "import sys, lowlend.integrations.ocr, lowlend.cli.ocr_cmd;"
        "assert 'rapidocr_onnxruntime' not in sys.modules and 'onnxruntime' not in sys.modules;"
        "assert lowlend.integrations.ocr.rapid._engine is None"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
