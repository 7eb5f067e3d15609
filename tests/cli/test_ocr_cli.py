"""``lowlend ocr id-card IMAGE [--back IMAGE]`` on synthetic cards (the real model)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from lowlend.cli import _register, cli
from tests.integrations.test_ocr_cards import (
    CardData,
    draw_back,
    draw_front,
    font_path,
    photograph,
    png_bytes,
    random_card,
    with_wrong_check_digit,
)

_register()


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["ocr", "id-card", *args])
    return result.exit_code, result.stdout, result.stderr


@dataclass(frozen=True)
class Files:
    card: CardData
    front: str
    back: str
    wrong: str  # the same card with a wrong check digit


@pytest.fixture(scope="module")
def card_files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    font_path()
    folder = tmp_path_factory.mktemp("cards")
    rng = random.Random(31)
    card = random_card(rng)
    front, back = folder / "front.jpg", folder / "back.jpg"
    front.write_bytes(photograph(draw_front(card, rng), rng))
    back.write_bytes(photograph(draw_back(card, rng), rng))
    wrong = folder / "wrong.png"
    wrong.write_bytes(png_bytes(draw_front(with_wrong_check_digit(card), rng)))
    return Files(card, str(front), str(back), str(wrong))


def test_front_and_back_print_the_fields_as_json(card_files: Files) -> None:
    card = card_files.card
    code, out, err = _run(card_files.front, "--back", card_files.back,
                          "--lang", "en")
    assert code == 0, err
    body = json.loads(out)
    assert set(body) == {"fields", "problems"}
    fields = body["fields"]
    assert fields["name"]["value"] == card.name
    assert fields["id_number"]["value"] == card.id_number
    assert fields["birth_date"]["value"] == card.birth_date.isoformat()
    assert fields["issuing_authority"]["value"] == card.issuing_authority
    assert all(0 <= f["confidence"] <= 1 for f in fields.values())
    assert {p["code"] for p in body["problems"]} <= {"id_card_expired"}


def test_problems_are_listed_in_the_chosen_language_with_exit_0(
    card_files: Files,
) -> None:
    code, out, _ = _run(card_files.wrong, "--lang", "zh_CN")
    assert code == 0
    problems = json.loads(out)["problems"]
    assert [p["code"] for p in problems] == ["id_number_checksum"]
    assert "校验位错误" in problems[0]["message"]
    assert '"姓名' not in out and "\\u" not in out  # Chinese printed as such, not escaped


def test_unreadable_input_is_one_line_on_stderr_and_exit_1(
    tmp_path: Path, card_files: Files,
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not an image", encoding="utf-8")
    blank = tmp_path / "blank.png"
    blank.write_bytes(png_bytes(Image.new("RGB", (800, 500), (255, 255, 255))))
    cases = [
        ((str(text), "--lang", "en"), "error: front: " + str(text) + ": The file is not an image"),
        ((str(tmp_path / "missing.jpg"), "--lang", "en"), "No such file or directory"),
        ((str(tmp_path), "--lang", "en"), "error: front: "),
        ((str(blank), "--lang", "zh_CN"), "图片中未识别到居民身份证人像面"),
        ((card_files.front, "--back", str(text), "--lang", "zh_CN"),
         "error: 国徽面: " + str(text) + ": 该文件不是图片"),
    ]
    for args, expected in cases:
        code, out, err = _run(*args)
        assert code == 1, (args, out, err)
        assert out == ""
        assert expected in err, err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_an_oversized_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8\xff" + bytes(10 * 1024 * 1024))
    code, _, err = _run(str(big), "--lang", "en")
    assert code == 1 and "larger than 10 MiB" in err


def test_help_names_the_command() -> None:
    result = CliRunner().invoke(cli, ["ocr", "--help"])
    assert result.exit_code == 0 and "id-card" in result.stdout
