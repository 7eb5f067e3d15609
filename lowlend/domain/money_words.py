"""Money amounts in words: Chinese capital numerals (大写金额) and English words.

Chinese capitals follow the People's Bank of China rules for writing amounts on
bills and contracts (《支付结算办法》附件《正确填写票据和结算凭证的基本规定》):

* digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 within a group of four, groups 万 亿 万亿;
* one 零 stands for any run of zeros *between* non-zero digits (also across groups);
  zeros at the end of the yuan part are not written;
* 元 is followed by 整 when there are no 角/分; no 整 after 角 or 分;
* a zero 角 between 元 and a non-zero 分 is written 零 (壹元零伍分); a zero 元 digit
  before a non-zero 角 is not (壹拾元壹角);
* an amount below one yuan has no 元 (伍分).

>>> chinese_capital(Decimal("0.05"))
'伍分'
>>> chinese_capital(Decimal("10010.10"))
'壹万零壹拾元壹角'
>>> chinese_capital(Decimal("100000000"))
'壹亿元整'
>>> chinese_capital(Decimal("12000"))
'壹万贰仟元整'
>>> chinese_capital(Decimal("1.05")), chinese_capital(Decimal("16.00"))
('壹元零伍分', '壹拾陆元整')
>>> chinese_capital(Decimal("100001000")), chinese_capital(Decimal("1001000"))
('壹亿零壹仟元整', '壹佰万壹仟元整')
>>> chinese_capital(Decimal("1680.32")), chinese_capital(Decimal("0"))
('壹仟陆佰捌拾元叁角贰分', '零元整')
>>> chinese_capital(Decimal("5300000000000")), chinese_capital(Decimal("5000000000000"))
('伍万叁仟亿元整', '伍万亿元整')
>>> chinese_capital(Decimal("-5.5"))
'负伍元伍角'
>>> english_words(Decimal("12000.50"))
'twelve thousand yuan and fifty fen'
>>> english_words(Decimal("1105"), major="pounds", minor="pence")
'one thousand one hundred and five pounds'
>>> english_words(Decimal("1000005.25"), major="US dollars", minor="cents")
'one million and five US dollars and twenty-five cents'
>>> [chinese_number(n) for n in (1, 10, 11, 20, 105, 1010)]
['一', '十', '十一', '二十', '一百零五', '一千零一十']
>>> chinese_capital(Decimal("1.001"))
Traceback (most recent call last):
...
lowlend.domain.errors.LoanInputError: amount: amount_too_many_places (value=1.001)
"""

from __future__ import annotations

from decimal import Decimal

from lowlend.domain.errors import LoanInputError

__all__ = ["MAX_AMOUNT", "chinese_capital", "chinese_number", "english_words"]

MAX_AMOUNT = Decimal(10) ** 16 - Decimal("0.01")
"""The largest amount written in words (just under 一亿亿 / ten quadrillion)."""

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ((1000, "仟"), (100, "佰"), (10, "拾"), (1, ""))
_GROUPS = ("", "万", "亿", "万亿")


def _cents(amount: Decimal) -> tuple[bool, int]:
    """``(negative, absolute amount in hundredths)``; at most two decimal places."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise LoanInputError("amount", "amount_not_decimal", value=amount)
    if abs(amount) > MAX_AMOUNT:
        raise LoanInputError("amount", "amount_too_large", value=amount)
    scaled = amount.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise LoanInputError("amount", "amount_too_many_places", value=amount)
    cents = int(scaled)
    return cents < 0, abs(cents)


def _group_zh(number: int) -> str:
    """Capitals of a group of four digits (``0 < number < 10000``), no leading 零."""
    out: list[str] = []
    zero = False
    for place, unit in _PLACES:
        digit = number // place % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[digit] + unit)
    return "".join(out)


def _integer_zh(number: int) -> str:
    """Capitals of a whole number of yuan (``""`` for zero)."""
    groups: list[int] = []
    while number:
        number, group = divmod(number, 10000)
        groups.append(group)
    out: list[str] = []
    skipped_zero_group = False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            skipped_zero_group = bool(out)
            continue
        if out and (skipped_zero_group or group < 1000):
            out.append("零")
        # 5300 0000 0000 0000 → 伍万叁仟亿 (not 伍万亿叁仟亿): 万亿 shares the 亿 of the next group
        unit = "万" if index == 3 and groups[2] else _GROUPS[index]
        out.append(_group_zh(group) + unit)
        skipped_zero_group = False
    return "".join(out)


def chinese_capital(amount: Decimal) -> str:
    """The amount in Chinese capital numerals, without a currency name (壹万贰仟元整).

    The caller writes the currency in front (人民币壹万贰仟元整).

    :param amount: at most two decimal places, ``|amount| < 10**16``.
    :raises LoanInputError: ``amount_too_many_places``, ``amount_too_large`` or
        ``amount_not_decimal``.
    """
    negative, cents = _cents(amount)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if cents == 0:
        return "零元整"
    out = _integer_zh(yuan) + "元" if yuan else ""
    if rest == 0:
        out += "整"
    else:
        if jiao:
            out += _DIGITS[jiao] + "角"
        elif yuan:
            out += "零"
        if fen:
            out += _DIGITS[fen] + "分"
    return ("负" if negative else "") + out


_SMALL_DIGITS = "零一二三四五六七八九"
_SMALL_PLACES = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))


def chinese_number(number: int) -> str:
    """An ordinary Chinese numeral for ``0 < number < 10000`` (第十一条, 第一百零五条).

    10–19 are written without the leading 一 (十一), as in article numbers.

    :raises LoanInputError: ``number_out_of_range``.
    """
    if not 0 < number < 10000:
        raise LoanInputError("number", "number_out_of_range", value=number)
    out: list[str] = []
    zero = False
    for place, unit in _SMALL_PLACES:
        digit = number // place % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_SMALL_DIGITS[digit] + unit)
    text = "".join(out)
    return text[1:] if 10 <= number < 20 else text


_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ("", "thousand", "million", "billion", "trillion", "quadrillion")


def _below_thousand(number: int, *, and_before_tens: bool) -> str:
    """Words of ``0 < number < 1000`` (British style: "one hundred and five")."""
    hundreds, rest = divmod(number, 100)
    parts: list[str] = []
    if hundreds:
        parts.append(f"{_ONES[hundreds]} hundred")
    if rest:
        if parts or and_before_tens:
            parts.append("and")
        if rest < 20:
            parts.append(_ONES[rest])
        else:
            tens, ones = divmod(rest, 10)
            parts.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    return " ".join(parts)


def _integer_en(number: int) -> str:
    """Words of a whole number (``"zero"`` for 0)."""
    if number == 0:
        return "zero"
    groups: list[int] = []
    while number:
        number, group = divmod(number, 1000)
        groups.append(group)
    parts: list[str] = []
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            continue
        # "one thousand and five": the last group takes "and" when it has no hundreds
        words = _below_thousand(group, and_before_tens=index == 0 and bool(parts) and group < 100)
        parts.append(f"{words} {_SCALES[index]}".rstrip())
    return " ".join(parts)


def english_words(amount: Decimal, major: str = "yuan", minor: str = "fen") -> str:
    """The amount in English words, lower case (``twelve thousand yuan and fifty fen``).

    :param major: name of the main unit as written after the number (``yuan``,
        ``Hong Kong dollars``, ``pounds``).
    :param minor: name of the hundredth (``fen``, ``cents``, ``pence``).
    :raises LoanInputError: as :func:`chinese_capital`.
    """
    negative, cents = _cents(amount)
    whole, rest = divmod(cents, 100)
    parts: list[str] = []
    if whole or not rest:
        parts.append(f"{_integer_en(whole)} {major}")
    if rest:
        if parts:
            parts.append("and")
        parts.append(f"{_integer_en(rest)} {minor}")
    return ("minus " if negative else "") + " ".join(parts)
