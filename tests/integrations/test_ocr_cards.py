"""Synthetic resident ID cards drawn with Pillow (used by every OCR test), and the
checks that the drawn data are what a real card carries.

The cards follow the layout of the real card (85.6 × 54 mm, labels in blue, values in
black, photo on the right; national emblem, title, issuing authority and validity on
the back) with random realistic names, addresses and valid ID numbers, then are
photographed: placed on a background, turned a little, blurred, JPEG-compressed.

Drawing needs a CJK font (Debian package ``fonts-wqy-zenhei``): :func:`font_path`
skips the test when it is missing, except under ``LOWLEND_REQUIRE_SERVICES=1`` (CI),
where a missing font fails the test.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from stdnum.cn import ric

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "慕容")
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞建国文辉力波宁欣怡婷雪琳晨浩宇"
    "轩子涵梓博思佳俊雨嘉瑞峰志永春兰凤海斌林成东丹晓莉慧亮松健云新龙凯荣燕梅佩诗颖"
)
ETHNIC = ("汉",) * 12 + ("壮", "回", "满", "维吾尔", "苗", "彝", "土家", "藏", "蒙古", "朝鲜")

# (area code, province + city + county as printed, police authority)
AREAS = (
    ("110105", "北京市朝阳区", "北京市公安局朝阳分局"),
    ("310104", "上海市徐汇区", "上海市公安局徐汇分局"),
    ("440106", "广东省广州市天河区", "广州市公安局天河分局"),
    ("330106", "浙江省杭州市西湖区", "杭州市公安局西湖分局"),
    ("510107", "四川省成都市武侯区", "成都市公安局武侯区分局"),
    ("420111", "湖北省武汉市洪山区", "武汉市公安局洪山分局"),
    ("360426", "江西省九江市德安县", "德安县公安局"),
    ("430124", "湖南省长沙市宁乡县", "宁乡县公安局"),
    ("370211", "山东省青岛市黄岛区", "青岛市公安局黄岛分局"),
    ("610113", "陕西省西安市雁塔区", "西安市公安局雁塔分局"),
    ("320583", "江苏省昆山市", "昆山市公安局"),
    ("410105", "河南省郑州市金水区", "郑州市公安局金水分局"),
)
TOWNS = ("城关镇", "新华街道", "长安镇", "石桥镇", "五里乡", "东湖街道", "花园镇", "青山乡")
ROADS = ("人民路", "解放路", "建设大道", "中山路", "和平街", "幸福路", "文化路", "滨江路")
VILLAGES = ("杨家村", "李庄村", "红旗村", "新民村", "大湾村", "前进村", "东岭村")

# the front's layout in fractions of the card's width/height (real card proportions)
LABEL_X, VALUE_X = 0.085, 0.185
ETHNICITY_LABEL_X, ETHNICITY_VALUE_X = 0.38, 0.48
NAME_Y, SEX_Y, BIRTH_Y, ADDRESS_Y, ADDRESS_STEP = 0.12, 0.245, 0.365, 0.485, 0.078
ID_X, ID_Y = 0.33, 0.80
PHOTO = (0.63, 0.11, 0.92, 0.72)
CARD_SIZE = (1000, 630)
LABEL = (30, 80, 150)
VALUE = (15, 15, 15)


@cache
def _font_file() -> Path | None:
    return next((p for p in FONT_CANDIDATES if p.exists()), None)


def font_path() -> Path:
    """The CJK font; skip (or fail under ``LOWLEND_REQUIRE_SERVICES=1``) when missing."""
    path = _font_file()
    if path is None:
        message = "CJK font missing: apt-get install fonts-wqy-zenhei"
        if os.environ.get("LOWLEND_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " (LOWLEND_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    return path


@cache
def card_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


@dataclass(frozen=True)
class CardData:
    """What is printed on a card (``id_number`` may be made wrong on purpose)."""

    name: str
    sex: str  # "male" | "female"
    ethnicity: str
    birth_date: dt.date
    address: str
    id_number: str
    issuing_authority: str
    valid_from: dt.date
    valid_until: dt.date | None  # None: 长期


def resident_id(area: str, birth: dt.date, sequence: int, sex: str) -> str:
    """A valid 18-character number: area, birth date, sequence, sex digit, check digit."""
    sex_digit = sequence % 10
    if (sex_digit % 2 == 1) != (sex == "male"):
        sex_digit = (sex_digit + 1) % 10
    body = f"{area}{birth:%Y%m%d}{sequence // 10 % 100:02d}{sex_digit}"
    return body + ric.calc_check_digit(body + "0")


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return dt.date(day.year + years, 3, 1)


def random_card(rng: random.Random) -> CardData:
    """A card with random realistic data and a valid ID number."""
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.08 else rng.choice(SURNAMES)
    name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    sex = rng.choice(("male", "female"))
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 55 * 365))
    # an area code that existed when the holder was born (python-stdnum checks it)
    areas = rng.sample(AREAS, len(AREAS))
    sequence = rng.randrange(0, 1000)
    area, place, authority = next(
        a for a in areas if ric.is_valid(resident_id(a[0], birth, sequence, sex))
    )
    if rng.random() < 0.5:
        street = f"{rng.choice(ROADS)}{rng.randrange(1, 300)}号"
        if rng.random() < 0.5:
            street += f"{rng.randrange(1, 30)}栋{rng.randrange(1, 6)}单元{rng.randrange(101, 2999)}室"
    else:
        street = f"{rng.choice(TOWNS)}{rng.choice(VILLAGES)}{rng.randrange(1, 12)}组{rng.randrange(1, 99)}号"
    issued = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(0, 13 * 365))
    age = (issued - birth).days // 365
    years = 5 if age < 16 else 10 if age < 26 else 20 if age < 46 else None
    until = None if years is None else _add_years(issued, years)
    return CardData(
        name=name,
        sex=sex,
        ethnicity=rng.choice(ETHNIC),
        birth_date=birth,
        address=place + street,
        id_number=resident_id(area, birth, sequence, sex),
        issuing_authority=authority,
        valid_from=issued,
        valid_until=until,
    )


def with_wrong_check_digit(card: CardData) -> CardData:
    """The same card with the last character of its number changed (checksum fails)."""
    last = card.id_number[-1]
    wrong = "0" if last in "X9" else str(int(last) + 1)
    return replace(card, id_number=card.id_number[:-1] + wrong)


def _background(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """The pale card background with a faint wave pattern (guilloche)."""
    image = Image.new("RGB", size, (238, 242, 240))
    draw = ImageDraw.Draw(image)
    width, height = size
    for i in range(0, height, 14):
        offset = rng.randrange(0, 40)
        points = [(x, i + 6 * ((x + offset) // 40 % 2)) for x in range(0, width + 40, 40)]
        draw.line(points, fill=(222, 230, 236), width=1)
    return image


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int,
          fill: tuple[int, int, int], spacing: int = 0) -> None:
    font = card_font(size)
    if not spacing:
        draw.text(xy, text, font=font, fill=fill)
        return
    x, y = xy
    for ch in text:  # labels are printed with wide letter spacing (姓  名)
        draw.text((x, y), ch, font=font, fill=fill)
        x += font.getlength(ch) + spacing


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def draw_front(card: CardData, rng: random.Random | None = None) -> Image.Image:
    """The front (人像面) of ``card`` as a flat, straight image of :data:`CARD_SIZE`."""
    rng = rng or random.Random(0)
    width, height = CARD_SIZE
    image = _background(CARD_SIZE, rng)
    draw = ImageDraw.Draw(image)

    def at(fx: float, fy: float) -> tuple[float, float]:
        return fx * width, fy * height

    label_size, value_size = 26, 33
    _text(draw, at(LABEL_X, NAME_Y + 0.01), "姓名", label_size, LABEL, 24)
    _text(draw, at(VALUE_X, NAME_Y), card.name, value_size, VALUE)
    _text(draw, at(LABEL_X, SEX_Y + 0.01), "性别", label_size, LABEL, 24)
    _text(draw, at(VALUE_X, SEX_Y), "男" if card.sex == "male" else "女", value_size, VALUE)
    _text(draw, at(ETHNICITY_LABEL_X, SEX_Y + 0.01), "民族", label_size, LABEL, 24)
    _text(draw, at(ETHNICITY_VALUE_X, SEX_Y), card.ethnicity, value_size, VALUE)
    _text(draw, at(LABEL_X, BIRTH_Y + 0.01), "出生", label_size, LABEL, 24)
    x, y = at(VALUE_X, BIRTH_Y)
    birth = card.birth_date
    for part, unit, step in ((str(birth.year), "年", 86), (str(birth.month), "月", 52),
                             (str(birth.day), "日", 52)):
        _text(draw, (x, y), part, value_size, VALUE)
        x += card_font(value_size).getlength(part) + 8
        _text(draw, (x, y + 4), unit, label_size, LABEL)
        x += step - 20
    _text(draw, at(LABEL_X, ADDRESS_Y + 0.01), "住址", label_size, LABEL, 24)
    for i, text in enumerate(_wrap(card.address, 11)[:4]):
        _text(draw, at(VALUE_X, ADDRESS_Y + i * ADDRESS_STEP), text, value_size, VALUE)
    _text(draw, at(LABEL_X, ID_Y + 0.015), "公民身份号码", label_size, LABEL, 6)
    _text(draw, at(ID_X, ID_Y), card.id_number, 38, VALUE, 3)
    box = (int(PHOTO[0] * width), int(PHOTO[1] * height), int(PHOTO[2] * width),
           int(PHOTO[3] * height))
    portrait = Image.new("RGB", (box[2] - box[0], box[3] - box[1]), (214, 220, 228))
    sketch = ImageDraw.Draw(portrait)
    cx = portrait.width / 2
    sketch.ellipse((cx - 55, 50, cx + 55, 175), fill=(70, 62, 60))
    sketch.ellipse((cx - 105, 185, cx + 105, portrait.height + 120), fill=(60, 70, 90))
    image.paste(portrait, box[:2])
    return image


def draw_back(card: CardData, rng: random.Random | None = None) -> Image.Image:
    """The back (国徽面) of ``card`` as a flat, straight image of :data:`CARD_SIZE`."""
    rng = rng or random.Random(0)
    width, height = CARD_SIZE
    image = _background(CARD_SIZE, rng)
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 50, 220, 200), outline=(200, 40, 40), width=8)  # the emblem
    draw.regular_polygon((145, 125, 40), 5, fill=(220, 180, 40))
    _text(draw, (330, 80), "中华人民共和国", 50, VALUE, 10)
    _text(draw, (320, 170), "居民身份证", 66, VALUE, 16)
    _text(draw, (0.24 * width, 0.68 * height + 4), "签发机关", 26, VALUE, 4)
    _text(draw, (0.40 * width, 0.68 * height), card.issuing_authority, 31, VALUE)
    until = "长期" if card.valid_until is None else f"{card.valid_until:%Y.%m.%d}"
    _text(draw, (0.24 * width, 0.81 * height + 4), "有效期限", 26, VALUE, 4)
    _text(draw, (0.40 * width, 0.81 * height), f"{card.valid_from:%Y.%m.%d}-{until}", 31, VALUE)
    return image


def photograph(card_image: Image.Image, rng: random.Random, *, angle: float | None = None,
               quality: int | None = None) -> bytes:
    """``card_image`` as a phone photo: on a table, scaled, turned a little, blurred,
    JPEG-compressed. Returns the JPEG bytes."""
    scale = rng.uniform(0.85, 1.25)
    card = card_image.convert("RGBA").resize(
        (int(card_image.width * scale), int(card_image.height * scale)), Image.Resampling.LANCZOS
    )
    turn = rng.uniform(-2.5, 2.5) if angle is None else angle
    card = card.rotate(turn, expand=True, resample=Image.Resampling.BICUBIC)
    margin = rng.randrange(30, 120)
    table = (rng.randrange(60, 160), rng.randrange(60, 160), rng.randrange(60, 160))
    photo = Image.new("RGB", (card.width + 2 * margin, card.height + 2 * margin), table)
    photo.paste(card, (margin, margin), card)
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, 0.9)))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=quality or rng.randrange(70, 93))
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    """``image`` as PNG bytes."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def random_cards(seed: int, count: int) -> list[CardData]:
    """``count`` random cards from ``seed`` (the same cards on every run)."""
    rng = random.Random(seed)
    return [random_card(rng) for _ in range(count)]


# -- the generator itself ------------------------------------------------------------------
def test_random_cards_carry_valid_numbers_that_agree_with_the_card() -> None:
    from lowlend.domain.identity import parse_resident_id

    for card in random_cards(7, 200):
        resident = parse_resident_id(card.id_number)
        assert resident.birth_date == card.birth_date
        assert resident.sex == card.sex
        assert 2 <= len(card.name) <= 4
        assert card.valid_until is None or card.valid_until > card.valid_from


def test_a_wrong_check_digit_fails_the_checksum() -> None:
    from lowlend.domain.identity import IdentityError, parse_resident_id

    for card in random_cards(8, 50):
        with pytest.raises(IdentityError) as caught:
            parse_resident_id(with_wrong_check_digit(card).id_number)
        assert caught.value.code == "resident_id_checksum"


def test_drawn_cards_are_card_sized_jpeg_photos() -> None:
    font_path()
    rng = random.Random(3)
    card = random_card(rng)
    front = Image.open(io.BytesIO(photograph(draw_front(card, rng), rng)))
    back = Image.open(io.BytesIO(photograph(draw_back(card, rng), rng)))
    for image in (front, back):
        assert image.format == "JPEG"
        assert image.width > image.height > 400
