"""Amounts in words (lowlend.domain.money_words): Chinese capitals read back to the same amount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lowlend.domain.errors import LoanInputError
from lowlend.domain.money_words import MAX_AMOUNT, chinese_capital, chinese_number, english_words

_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def _read_integer(text: str) -> int:
    """Read capitals such as 壹万零壹拾 or 伍万叁仟亿 back to a number."""
    total = section = number = 0
    for ch in text:
        if ch in _DIGITS:
            number = _DIGITS[ch]
        elif ch in _SMALL:
            section += number * _SMALL[ch]
            number = 0
        elif ch == "万":
            section = (section + number) * 10**4
            number = 0
        elif ch == "亿":
            total = (total + section + number) * 10**8
            section = number = 0
        else:
            raise AssertionError(f"unexpected {ch!r} in {text!r}")
    return total + section + number


def read_capital(text: str) -> Decimal:
    """The amount written by :func:`chinese_capital`."""
    negative = text.startswith("负")
    text = text.removeprefix("负")
    whole, _, rest = text.rpartition("元")
    cents = _read_integer(whole) * 100 if whole else 0
    rest = rest.removeprefix("整").removeprefix("零")
    if "角" in rest:
        cents += _DIGITS[rest[0]] * 10
        rest = rest[2:]
    if "分" in rest:
        cents += _DIGITS[rest[0]]
    value = Decimal(cents).scaleb(-2)
    return -value if negative else value


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("0.55", "伍角伍分"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("10.5", "壹拾元伍角"),
        ("101", "壹佰零壹元整"),
        ("110", "壹佰壹拾元整"),
        ("1001", "壹仟零壹元整"),
        ("10010.10", "壹万零壹拾元壹角"),
        ("12000", "壹万贰仟元整"),
        ("100000", "壹拾万元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("1000001", "壹佰万零壹元整"),
        ("10001000", "壹仟万壹仟元整"),
        ("100000000", "壹亿元整"),
        ("100001000", "壹亿零壹仟元整"),
        ("100100000", "壹亿零壹拾万元整"),
        ("1000000000000", "壹万亿元整"),
        ("1.05", "壹元零伍分"),
        ("107000.53", "壹拾万柒仟元伍角叁分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("0", "零元整"),
    ],
)
def test_chinese_capital_examples(amount: str, words: str) -> None:
    assert chinese_capital(Decimal(amount)) == words
    assert read_capital(words) == Decimal(amount)


@given(st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1))
def test_chinese_capital_reads_back(cents: int) -> None:
    amount = Decimal(cents).scaleb(-2)
    words = chinese_capital(amount)
    assert read_capital(words) == amount
    assert "零零" not in words
    assert not words.removeprefix("负").startswith("零") or amount == 0
    assert not words.endswith("零元整") or amount == 0
    assert words.endswith(("整", "角", "分"))


@pytest.mark.parametrize("bad", [Decimal("1.001"), Decimal("Infinity"), MAX_AMOUNT + 1, 12.5])
def test_chinese_capital_refuses(bad: object) -> None:
    with pytest.raises(LoanInputError):
        chinese_capital(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "zero yuan"),
        ("0.05", "five fen"),
        ("1", "one yuan"),
        ("15", "fifteen yuan"),
        ("21.10", "twenty-one yuan and ten fen"),
        ("100", "one hundred yuan"),
        ("1005", "one thousand and five yuan"),
        ("1105", "one thousand one hundred and five yuan"),
        ("12000.50", "twelve thousand yuan and fifty fen"),
        ("2000000", "two million yuan"),
        ("-3", "minus three yuan"),
    ],
)
def test_english_words(amount: str, words: str) -> None:
    assert english_words(Decimal(amount)) == words


def test_chinese_number() -> None:
    assert [chinese_number(n) for n in (1, 9, 10, 13, 20, 21, 100, 101, 110, 9999)] == [
        "一", "九", "十", "十三", "二十", "二十一", "一百", "一百零一", "一百一十", "九千九百九十九",
    ]
    with pytest.raises(LoanInputError):
        chinese_number(0)
