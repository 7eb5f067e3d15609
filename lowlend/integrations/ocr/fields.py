"""Fields of a resident ID card from OCR text lines — plain Python, no OCR engine.

The OCR engine gives text lines with a box and a score (:class:`OcrLine`). This
module groups them into printed rows, finds the printed labels (姓名, 性别, 民族,
出生, 住址, 公民身份号码 on the front; 签发机关, 有效期限 on the back) and takes
the text after each label up to the next one as its value, with the usual OCR
confusions fixed where only digits can stand (O→0, I→1, …) and Chinese dates
(``1991年1月1日``) turned into ISO dates.

Each value's confidence is the mean OCR score of the characters it was read from,
multiplied by 0.95 per character changed by a confusion fix and halved when the
value fails its own format (a name with a digit, an ID number of the wrong length,
an unknown ethnic group). Cross-checks between fields are
:mod:`lowlend.integrations.ocr.checks`.

>>> lines = [
...     OcrLine("姓名", 0.99, (60, 70, 190, 105)), OcrLine("张三", 0.98, (200, 68, 300, 108)),
...     OcrLine("性别男", 0.99, (60, 148, 216, 187)), OcrLine("民族汉", 0.99, (320, 146, 478, 188)),
...     OcrLine("出生1991年1月1日", 0.99, (60, 227, 493, 267)),
...     OcrLine("住址江西省都昌县", 0.99, (60, 310, 590, 343)),
...     OcrLine("幸福村12号", 0.99, (180, 357, 424, 394)),
...     OcrLine("公民身份号码", 0.99, (70, 524, 239, 553)),
...     OcrLine("36042619910101007I", 0.99, (300, 524, 731, 555)),
... ]
>>> {k: v.value for k, v in read_front(lines).fields.items()}  # doctest: +NORMALIZE_WHITESPACE
{'name': '张三', 'sex': 'male', 'ethnicity': '汉', 'birth_date': '1991-01-01',
 'address': '江西省都昌县幸福村12号', 'id_number': '360426199101010071'}
>>> normalize_id_number("36O4261991O1010071")
('360426199101010071', 2)
>>> parse_cn_date("1991年1月1日")
datetime.date(1991, 1, 1)
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lowlend.integrations.ocr.model import FRONT_FIELDS, LONG_TERM, FieldValue

__all__ = [
    "BACK_LABEL_ORDER",
    "ETHNIC_GROUPS",
    "FRONT_LABEL_ORDER",
    "OcrLine",
    "SideRead",
    "group_rows",
    "normalize_id_number",
    "parse_cn_date",
    "parse_validity",
    "read_back",
    "read_front",
]

#: the 56 ethnic groups as printed on the card (without 族)
ETHNIC_GROUPS: frozenset[str] = frozenset(
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 "
    "高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 "
    "普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 "
    "珞巴 基诺".split()
)

#: characters OCR reads instead of a digit where only a digit can stand
DIGIT_CONFUSIONS: dict[str, str] = {
    "O": "0", "o": "0", "D": "0", "Q": "0", "U": "0", "〇": "0",
    "I": "1", "l": "1", "i": "1", "|": "1", "L": "1", "!": "1", "丨": "1",
    "Z": "2", "z": "2",
    "S": "5", "s": "5",
    "G": "6", "b": "6",
    "T": "7",
    "B": "8",
    "g": "9", "q": "9",
}  # fmt: skip
_CHECK_X = frozenset("Xx×")

# labels as printed; the OCR engine usually drops the wide spaces between characters
_FRONT_LABELS: dict[str, re.Pattern[str]] = {
    "name": re.compile("姓名"),
    "sex": re.compile("性别"),
    "ethnicity": re.compile("民族"),
    "birth_date": re.compile("出生"),
    "address": re.compile("住址"),
    "id_number": re.compile("公民身份证?号码?|身份证?号码|公民身份"),
}
# one character misread: accepted only at the start of a row without another label
_FRONT_FUZZY: dict[str, re.Pattern[str]] = {
    "name": re.compile("^(?:姓.|.名)"),
    "sex": re.compile("^(?:性.|.别)"),
    "birth_date": re.compile("^(?:出.|.生)"),
    "address": re.compile("^(?:住.|.址)"),
}
_BACK_LABELS: dict[str, re.Pattern[str]] = {
    "issuing_authority": re.compile("签发机关|签发机|发机关"),
    "validity": re.compile("有效期限|有效期|效期限"),
}
_BACK_TITLES = re.compile("中华人民共和国|居民身份证")

_NAME_CHARS = re.compile(r"[\u3400-\u9fff·•．.]+")
_CJK = re.compile(r"[\u3400-\u9fff]+")
_ID_LIKE = re.compile(r"[0-9OoDQIlLiZzSsGbTBgq|!Xx×]{15,}")
_CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")
_DOT_DATE = re.compile(r"(\d{4})[.\-/](\d{1,2})[.\-/](\d{1,2})")
_DIGIT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")

#: confidence factor per character changed by a confusion fix, and for a bad format
FIX_FACTOR = 0.95
BAD_FORMAT_FACTOR = 0.5


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One text line from the OCR engine: text, score, box ``(left, top, right, bottom)``."""

    text: str
    confidence: float
    box: tuple[float, float, float, float]

    @classmethod
    def from_points(
        cls, points: Sequence[Sequence[float]], text: str, confidence: float
    ) -> OcrLine:
        """A line from the engine's four corner points (any order)."""
        xs = [float(p[0]) for p in points]
        ys = [float(p[1]) for p in points]
        return cls(text, float(confidence), (min(xs), min(ys), max(xs), max(ys)))

    @property
    def left(self) -> float:
        return self.box[0]

    @property
    def top(self) -> float:
        return self.box[1]

    @property
    def right(self) -> float:
        return self.box[2]

    @property
    def bottom(self) -> float:
        return self.box[3]

    @property
    def height(self) -> float:
        return max(self.box[3] - self.box[1], 1.0)

    @property
    def width(self) -> float:
        return max(self.box[2] - self.box[0], 1.0)

    @property
    def center_y(self) -> float:
        return (self.box[1] + self.box[3]) / 2


@dataclass(frozen=True, slots=True)
class SideRead:
    """The fields read from one side, and where its labels were found.

    :ivar fields: values read, by field name.
    :ivar labels: label name → (row index, top) of each label found.
    :ivar recognised: whether the side looks like that side of an ID card.
    """

    fields: dict[str, FieldValue]
    labels: dict[str, tuple[int, float]]
    recognised: bool


# -- rows --------------------------------------------------------------------------------
def group_rows(lines: Iterable[OcrLine]) -> list[list[OcrLine]]:
    """Lines grouped into printed rows (top to bottom), each row left to right.

    Two lines share a row when their vertical centres are closer than half the
    smaller height (labels and values are printed in different sizes).
    """
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda ln: (ln.center_y, ln.left)):
        if not _compact(line.text):
            continue
        for row in rows:
            centre = sum(ln.center_y for ln in row) / len(row)
            height = min(min(ln.height for ln in row), line.height)
            if abs(line.center_y - centre) < height / 2:
                row.append(line)
                break
        else:
            rows.append([line])
    for row in rows:
        row.sort(key=lambda ln: ln.left)
    rows.sort(key=lambda r: min(ln.top for ln in r))
    return rows


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(slots=True)
class _RowText:
    """A row as one string, with each character's OCR score and source line."""

    text: str
    scores: list[float]
    sources: list[int]
    lines: list[OcrLine]

    @classmethod
    def of(cls, row: Sequence[OcrLine]) -> _RowText:
        text: list[str] = []
        scores: list[float] = []
        sources: list[int] = []
        for index, line in enumerate(row):
            chars = _compact(line.text)
            following = _compact(row[index + 1].text) if index + 1 < len(row) else ""
            if chars and following and chars[-1] == following[0]:
                # boxes overlapping by a character: the engine read it in both
                overlap = line.right - row[index + 1].left
                if overlap > 0.3 * line.width / len(chars):
                    chars = chars[:-1]
            text.append(chars)
            scores += [line.confidence] * len(chars)
            sources += [index] * len(chars)
        return cls("".join(text), scores, sources, list(row))

    def char_x(self, index: int) -> float:
        """Approximate left edge of character ``index`` (the row's right end past the
        last character), interpolated inside its line's box."""
        if index >= len(self.sources):
            return self.lines[-1].right
        line_index = self.sources[index]
        line = self.lines[line_index]
        first = self.sources.index(line_index)
        count = self.sources.count(line_index)
        return line.left + line.width * (index - first) / count

    def value(self, start: int, end: int) -> tuple[str, float]:
        """Text ``[start:end]`` and its mean score, without a stray character that the
        label's box swallowed from the value's box next to it (boxes overlapping)."""
        if start < end and start > 0:
            label_line = self.sources[start - 1]
            same = [i for i in range(start, end) if self.sources[i] == label_line]
            nxt = label_line + 1
            if (
                same
                and len(same) <= 1
                and nxt < len(self.lines)
                and self.lines[label_line].right > self.lines[nxt].left + 2
                and nxt in self.sources[start:end]
            ):
                start = same[-1] + 1
        if start >= end:
            return "", 0.0
        scores = self.scores[start:end]
        return self.text[start:end], sum(scores) / len(scores)


@dataclass(frozen=True, slots=True)
class _Hit:
    field: str
    row: int
    start: int
    end: int


def _find_labels(
    rows: list[_RowText],
    labels: dict[str, re.Pattern[str]],
    fuzzy: dict[str, re.Pattern[str]] | None = None,
) -> list[_Hit]:
    hits: list[_Hit] = []
    for index, row in enumerate(rows):
        taken: list[tuple[int, int]] = []
        for field_name, pattern in labels.items():
            if any(h.field == field_name for h in hits):
                continue
            for match in pattern.finditer(row.text):
                if not any(match.start() < e and s < match.end() for s, e in taken):
                    hits.append(_Hit(field_name, index, match.start(), match.end()))
                    taken.append((match.start(), match.end()))
                    break
    found = {h.field for h in hits}
    for field_name, pattern in (fuzzy or {}).items():
        if field_name in found:
            continue
        for index, row in enumerate(rows):
            if any(h.row == index for h in hits):
                continue
            fuzzy_match = pattern.match(row.text)
            if fuzzy_match and _fuzzy_order_ok(field_name, index, hits):
                hits.append(_Hit(field_name, index, 0, fuzzy_match.end()))
                break
    hits.sort(key=lambda h: (h.row, h.start))
    return hits


#: labels of each side in the order they are printed, top to bottom
FRONT_LABEL_ORDER: tuple[str, ...] = ("name", "sex", "birth_date", "address", "id_number")
BACK_LABEL_ORDER: tuple[str, ...] = ("issuing_authority", "validity")


def _fuzzy_order_ok(field_name: str, row: int, hits: list[_Hit]) -> bool:
    """A fuzzy label must sit between the rows of the labels printed before and after it."""
    rank = FRONT_LABEL_ORDER.index(field_name)
    for hit in hits:
        if hit.field not in FRONT_LABEL_ORDER:
            continue
        other = FRONT_LABEL_ORDER.index(hit.field)
        if (other < rank and hit.row >= row) or (other > rank and hit.row <= row):
            return False
    return True


def _values(rows: list[_RowText], hits: list[_Hit]) -> dict[str, tuple[str, float, int]]:
    """Label → (text after it up to the next label in its row, score, row index)."""
    out: dict[str, tuple[str, float, int]] = {}
    for hit in hits:
        row = rows[hit.row]
        ends = [h.start for h in hits if h.row == hit.row and h.start >= hit.end]
        text, score = row.value(hit.end, min(ends, default=len(row.text)))
        out[hit.field] = (text, score, hit.row)
    return out


# -- normalisation -------------------------------------------------------------------------
def _fix_digits(text: str) -> tuple[str, int]:
    """``text`` with digit confusions replaced, and how many characters changed."""
    fixed = [DIGIT_CONFUSIONS.get(ch, ch) for ch in text]
    return "".join(fixed), sum(1 for a, b in zip(text, fixed, strict=True) if a != b)


def normalize_id_number(text: str) -> tuple[str, int]:
    """The resident ID number in ``text``: (number, characters fixed).

    Spaces and punctuation go; letters that OCR reads for digits become digits in the
    first 17 places; the check character may be a digit or ``X``. When no 18-character
    number can be formed, the digits found are returned as they are (the checks then
    report ``id_number_invalid``).

    >>> normalize_id_number("公民身份号码 1101 0119 9003 0712 3x")
    ('11010119900307123X', 1)
    >>> normalize_id_number("3604261991")
    ('3604261991', 0)
    """
    raw = _compact(text)
    raw = re.sub(r"^[^0-9A-Za-z|!丨〇]*?(?:公民身份证?号码?|身份证?号码)", "", raw)
    candidates = re.findall(r"[0-9OoDQUIlLi|!丨〇ZzSsGbTBgqXx×]+", raw)
    best = max(candidates, key=len, default="")
    if len(best) >= 18:
        body, check = best[:17], best[17]
        fixed_body, count = _fix_digits(body)
        if check in _CHECK_X:
            fixed_check = "X"
            count += check != "X"
        else:
            fixed_check, more = _fix_digits(check)
            count += more
        number = fixed_body + fixed_check
        if re.fullmatch(r"\d{17}[\dX]", number) and len(best) == 18:
            return number, count
        if re.fullmatch(r"\d{17}[\dX]", number):
            return number + best[18:], count
    digits = "".join(ch for ch in raw if ch.isdigit() or ch in _CHECK_X)
    return digits.replace("x", "X").replace("×", "X"), 0


def parse_cn_date(text: str) -> dt.date | None:
    """A date printed as ``1991年1月1日``, ``1991.01.01`` or ``19910101`` (``None`` if none).

    >>> parse_cn_date("出生 1991 年 12 月 3 日")
    datetime.date(1991, 12, 3)
    >>> parse_cn_date("2015.O3.01")
    datetime.date(2015, 3, 1)
    >>> parse_cn_date("1991年2月30日") is None
    True
    """
    compact, _ = _fix_digits(_compact(text))
    for pattern in (_CN_DATE, _DOT_DATE, _DIGIT_DATE):
        match = pattern.search(compact)
        if match:
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return None
    return None


def parse_validity(text: str) -> tuple[dt.date | None, dt.date | str | None]:
    """The validity period ``2015.03.01-2035.03.01`` or ``2015.03.01-长期``:
    (start, end date or :data:`~lowlend.integrations.ocr.model.LONG_TERM`).

    OCR often reads the dash as ``一`` or drops the dots; both are accepted.

    >>> parse_validity("2015.03.01-2035.03.01")
    (datetime.date(2015, 3, 1), datetime.date(2035, 3, 1))
    >>> parse_validity("2008.1O.2O一长期")
    (datetime.date(2008, 10, 20), 'long_term')
    >>> parse_validity("2015030120350301")
    (datetime.date(2015, 3, 1), datetime.date(2035, 3, 1))
    """
    compact = _compact(text)
    long_term = bool(re.search("长期", compact))
    fixed, _ = _fix_digits(re.sub("长期", "", compact))
    digits = re.sub(r"[^0-9]+", " ", re.sub(r"(?<=\d)[.·,](?=\d)", "", fixed)).split()
    dates: list[dt.date | None] = []
    for chunk in digits:
        while len(chunk) >= 8:
            dates.append(_ymd(chunk[:8]))
            chunk = chunk[8:]
    if not dates:
        return None, LONG_TERM if long_term else None
    start = dates[0]
    if long_term:
        return start, LONG_TERM
    end = dates[1] if len(dates) > 1 else None
    return start, end


def _ymd(chunk: str) -> dt.date | None:
    try:
        return dt.date(int(chunk[:4]), int(chunk[4:6]), int(chunk[6:8]))
    except ValueError:
        return None


def _sex(text: str) -> str | None:
    for ch in text:
        if ch == "男":
            return "male"
        if ch == "女":
            return "female"
    return None


def _ethnicity(text: str) -> str:
    value = "".join(_CJK.findall(text))
    if value.endswith("族") and value[:-1] in ETHNIC_GROUPS:
        value = value[:-1]
    return value


def _name(text: str) -> str:
    value = "".join(_NAME_CHARS.findall(text))
    return value.replace("•", "·").replace("．", "·").replace(".", "·").strip("·")


# -- the two sides ---------------------------------------------------------------------
def read_front(lines: Iterable[OcrLine]) -> SideRead:
    """Fields of the front (人像面) from its OCR lines."""
    rows = [_RowText.of(r) for r in group_rows(lines)]
    hits = _find_labels(rows, _FRONT_LABELS, _FRONT_FUZZY)
    values = _values(rows, hits)
    fields: dict[str, FieldValue] = {}

    if "name" in values:
        text, score, _ = values["name"]
        name = _name(text)
        if name:
            ok = 2 <= len(name) <= 20 and _NAME_CHARS.fullmatch(text) is not None
            fields["name"] = FieldValue(name, score * (1.0 if ok else BAD_FORMAT_FACTOR))

    if "sex" in values:
        text, score, _ = values["sex"]
        sex = _sex(text)
        if sex:
            fields["sex"] = FieldValue(sex, score)

    if "ethnicity" in values:
        text, score, _ = values["ethnicity"]
        ethnicity = _ethnicity(text)
        if ethnicity:
            known = ethnicity in ETHNIC_GROUPS
            fields["ethnicity"] = FieldValue(ethnicity, score * (1.0 if known else BAD_FORMAT_FACTOR))

    birth_text = values.get("birth_date")
    if birth_text is None:  # no label: any row with a Chinese date
        birth_text = next(
            ((r.text, sum(r.scores) / len(r.scores), i) for i, r in enumerate(rows)
             if _CN_DATE.search(_fix_digits(r.text)[0])),
            None,
        )
    if birth_text is not None:
        birth = parse_cn_date(birth_text[0])
        if birth is not None:
            fixes = _fix_digits(birth_text[0])[1]
            fields["birth_date"] = FieldValue(birth.isoformat(), birth_text[1] * FIX_FACTOR**fixes)

    id_value = values.get("id_number")
    if id_value is None or not _ID_LIKE.search(id_value[0]):  # no label: a long digit run
        id_value = next(
            ((r.text, sum(r.scores) / len(r.scores), i) for i, r in enumerate(rows)
             if _ID_LIKE.search(r.text)),
            id_value,
        )
    if id_value is not None:
        number, fixes = normalize_id_number(id_value[0])
        if number:
            score = id_value[1] * FIX_FACTOR**fixes
            if not re.fullmatch(r"\d{17}[\dX]", number):
                score *= BAD_FORMAT_FACTOR
            fields["id_number"] = FieldValue(number, score)

    if "address" in values:
        address = _address(rows, hits, values, id_value[2] if id_value else None)
        if address is not None:
            fields["address"] = address

    labels = {h.field: (h.row, min(ln.top for ln in rows[h.row].lines)) for h in hits}
    recognised = len(labels) >= 2 or (bool(labels) and "id_number" in fields)
    ordered = {name: fields[name] for name in FRONT_FIELDS if name in fields}
    return SideRead(ordered, labels, recognised)


def _address(
    rows: list[_RowText],
    hits: list[_Hit],
    values: dict[str, tuple[str, float, int]],
    id_row: int | None,
) -> FieldValue | None:
    """The address: the text after 住址 and the rows under it, up to the ID number row."""
    text, score, row_index = values["address"]
    parts = [(text, score, len(text))]
    label_rows = {h.row for h in hits}
    first = rows[row_index]
    hit = next(h for h in hits if h.field == "address")
    value_left = first.char_x(hit.end)
    label_left = first.char_x(hit.start)
    tolerance = max(ln.height for ln in first.lines)
    stop = id_row if id_row is not None else len(rows)
    for index in range(row_index + 1, min(stop, len(rows))):
        if index in label_rows:
            break
        row = rows[index]
        if row.lines[0].left < label_left + (value_left - label_left) / 2 - tolerance / 2:
            break  # starts in the label column: not an address line
        if _ID_LIKE.search(row.text):
            break
        parts.append((row.text, sum(row.scores) / len(row.scores), len(row.text)))
    value = "".join(p[0] for p in parts)
    if not value:
        return None
    weight = sum(p[2] for p in parts)
    return FieldValue(value, sum(p[1] * p[2] for p in parts) / weight)


def read_back(lines: Iterable[OcrLine]) -> SideRead:
    """Fields of the back (国徽面) from its OCR lines."""
    rows = [_RowText.of(r) for r in group_rows(lines)]
    hits = _find_labels(rows, _BACK_LABELS)
    values = _values(rows, hits)
    fields: dict[str, FieldValue] = {}

    if "issuing_authority" in values:
        text, score, row_index = values["issuing_authority"]
        parts = [(text, score)]
        label_rows = {h.row for h in hits}
        for index in range(row_index + 1, len(rows)):
            text = rows[index].text
            if index in label_rows or not _CJK.search(text) or re.search(r"\d", text):
                break
            parts.append((rows[index].text, sum(rows[index].scores) / len(rows[index].scores)))
        authority = "".join(_CJK.findall("".join(p[0] for p in parts)))
        if authority:
            mean = sum(p[1] for p in parts) / len(parts)
            fields["issuing_authority"] = FieldValue(authority, mean)

    if "validity" in values:
        text, score, _ = values["validity"]
        start, end = parse_validity(text)
        fixes = _fix_digits(_compact(re.sub("长期", "", text)))[1]
        score *= FIX_FACTOR**fixes
        if start is not None:
            fields["valid_from"] = FieldValue(start.isoformat(), score)
        if end is not None:
            fields["valid_until"] = FieldValue(
                end if isinstance(end, str) else end.isoformat(), score
            )

    titles = sum(1 for r in rows if _BACK_TITLES.search(r.text))
    labels = {h.field: (h.row, min(ln.top for ln in rows[h.row].lines)) for h in hits}
    return SideRead(fields, labels, bool(labels) or titles >= 2)
