"""Values of one demo record of a config-declared entity, from its field specs.

By kind, dictionary, ``pattern`` (:func:`~lowlend.services.demo_data.patterns.sample`),
``min`` / ``max`` / ``max_length``; well-known field codes (``name``, ``id_number``
after ``id_type``, ``address``, ``bank_name`` ...) get realistic values.
``visible_if`` / ``required_if`` are evaluated by the server-side validator itself
(:func:`lowlend.services.custom_fields.validate_record`).
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lowlend.services.custom_fields import is_blank, validate_record
from lowlend.services.demo_data.common import _RATE_Q, _at, _dict_codes, _money
from lowlend.services.demo_data.customers import _mobile, _person_name
from lowlend.services.demo_data.identity import _hkid, _resident_id, _uscc
from lowlend.services.demo_data.patterns import UnsupportedPattern, sample
from lowlend.services.demo_data.records import DemoLoan
from lowlend.services.demo_data.vocabulary import (
    _AREAS_JX,
    _BANKS,
    _BRANDS,
    _INDUSTRY_WORDS,
    _STREETS,
)
from lowlend.spec.model import EntitySpec, FieldKind, FieldSpec

__all__ = ["EntityContext", "field_value", "record_values"]

log = logging.getLogger(__name__)

OPTIONAL_SHARE = 0.8
_PARTY_COMPANY = ("company", "guarantee_company", "enterprise")
_RELATIONSHIPS = ("配偶", "父母", "子女", "兄弟姐妹", "朋友", "同事", "合作伙伴")
_VENDORS = ("途强", "谷米", "博实结", "中天安驰", "鼎泰丰")
_CAR_MODELS = ("大众 朗逸 1.5L", "丰田 卡罗拉 1.8L", "本田 雅阁 2.0T", "比亚迪 秦PLUS DM-i",
               "吉利 博越", "日产 轩逸", "别克 英朗", "五菱 宏光")
_FINDINGS = ("借款人在家，经营正常，承诺按期还款。", "经营场所已搬迁，已获取新地址。",
             "借款人不在，与家属沟通，转告还款事宜。", "店铺正常营业，库存充足。")
_APPRAISERS = ("江西中信房地产评估有限公司", "南昌恒信资产评估事务所", "江西赣诚评估咨询有限公司")
_POSITIONS = ("驾驶座下方", "副驾储物箱内", "后备箱左侧", "仪表台下方")


@dataclass(frozen=True)
class EntityContext:
    """Where a record is made: its demo ``ref``, day, loan, department and owner login."""

    seed: int
    ref: str
    day: date
    business_date: date
    department_code: str | None
    owner_username: str | None
    loan: DemoLoan | None = None
    parent_ref: str | None = None




def record_values(rng: random.Random, registry: Any, spec: EntitySpec, ctx: EntityContext,
                  references: Mapping[str, str]) -> dict[str, Any] | None:
    """Plain values of one record that pass :func:`validate_record` (``None``: cannot).

    References are checked with placeholder ids (the loader resolves the real ones).
    """
    dictionaries = getattr(registry, "dictionaries", {})
    fields = sorted(spec.fields, key=lambda f: f.order)
    values: dict[str, Any] = {}
    for f in fields:
        if f.required or f.code == spec.owner_field or rng.random() < OPTIONAL_SHARE:
            value = field_value(rng, registry, f, ctx, values, spec.owner_field)
            if value is not None:
                values[f.code] = value

    def check() -> Any:
        probe = {**values, **dict.fromkeys(references, 1)}
        return validate_record(spec.fields, probe, dictionaries)

    for _ in range(3):
        result = check()
        changed = False
        for code in result.hidden:
            if values.pop(code, None) is not None:
                changed = True
        for f in fields:
            if f.code in result.required and is_blank(values.get(f.code)):
                value = field_value(rng, registry, f, ctx, values, spec.owner_field)
                if value is not None:
                    values[f.code] = value
                    changed = True
        if not changed:
            break
    result = check()
    if not result.ok:
        log.warning("demo data: %s %s does not validate (%s); left out", spec.code, ctx.ref,
                    result.messages())
        return None
    return values


def _is_company(values: Mapping[str, Any]) -> bool:
    return any(v in _PARTY_COMPANY for v in values.values() if isinstance(v, str))


def _company_name(rng: random.Random, values: Mapping[str, Any]) -> str:
    if "guarantee_company" in values.values():
        return f"江西{rng.choice(_BRANDS)}融资担保有限公司"
    words = _INDUSTRY_WORDS[rng.choice(sorted(_INDUSTRY_WORDS))]
    return f"南昌{rng.choice(_BRANDS)}{rng.choice(words)}有限公司"


def _id_number(rng: random.Random, id_type: Any) -> str:
    if id_type == "unified_credit_code":
        return _uscc(rng, rng.choice(_AREAS_JX)[0], False)
    if id_type == "hkid":
        return _hkid(rng)
    if id_type == "passport":
        return "E" + f"{rng.randrange(10**8):08d}"
    if id_type == "hk_macao_permit":
        return "H" + f"{rng.randrange(10**8):08d}"
    return _resident_id(rng, rng.choice(_AREAS_JX), rng.random() < 0.5)[0]


def _address(rng: random.Random) -> str:
    area = rng.choice(_AREAS_JX)
    return f"{area[1]}{area[2]}{area[3]}{rng.choice(_STREETS)}{rng.randint(1, 999)}号"


def _known_text(rng: random.Random, code: str, ctx: EntityContext, values: Mapping[str, Any]) -> str | None:
    """Realistic values for well-known field codes (any entity)."""
    if code == "name":
        return _company_name(rng, values) if _is_company(values) else _person_name(
            rng, rng.random() < 0.6)
    if code in ("contact_name", "first_charge_holder"):
        return _person_name(rng, rng.random() < 0.6) if code == "contact_name" else rng.choice(
            _BANKS)
    if code == "id_number":
        return _id_number(rng, values.get("id_type"))
    if code in ("phone", "mobile"):
        return _mobile(rng)
    if code == "address":
        return _address(rng)
    if code == "bank_name":
        return rng.choice(_BANKS)
    if code == "relationship":
        return rng.choice(_RELATIONSHIPS)
    if code == "vendor":
        return rng.choice(_VENDORS)
    if code in ("brand_model", "model"):
        return rng.choice(_CAR_MODELS) if code == "brand_model" else f"GT{rng.randint(100, 999)}"
    if code == "findings":
        return rng.choice(_FINDINGS)
    if code == "appraiser":
        return rng.choice(_APPRAISERS)
    if code == "install_position":
        return rng.choice(_POSITIONS)
    if code == "certificate_no":
        return f"赣({ctx.day.year})南昌市不动产权第{rng.randrange(10**7):07d}号"
    if code.endswith("_no") or code.endswith("_number"):
        return f"{code[:2].upper()}{ctx.day:%Y}{rng.randrange(10**6):06d}"
    return None


def _text(rng: random.Random, f: FieldSpec, ctx: EntityContext, values: Mapping[str, Any]) -> str | None:
    known = _known_text(rng, f.code, ctx, values)
    if f.pattern:
        if known is not None and re.search(f.pattern, known):
            return known[: f.max_length] if f.max_length else known
        for _ in range(10):
            try:
                drawn = sample(f.pattern, rng)
            except UnsupportedPattern:
                return None
            if f.max_length is None or len(drawn) <= f.max_length:
                return drawn
        return None
    text = known if known is not None else f"示例{f.label.zh_CN}{rng.randint(1, 99)}"
    return text[: f.max_length] if f.max_length else text


def _clamp(value: Decimal, f: FieldSpec) -> Decimal:
    if f.min is not None:
        value = max(value, f.min)
    if f.max is not None:
        value = min(value, f.max)
    return value


def field_value(rng: random.Random, registry: Any, f: FieldSpec, ctx: EntityContext,
                values: Mapping[str, Any], owner_field: str | None = None) -> Any:
    """A plain value of field ``f`` (``None``: leave empty) for the record in ``ctx``."""
    kind = f.kind
    if kind in (FieldKind.REFERENCE, FieldKind.FILE):
        return None
    if owner_field is not None and f.code == owner_field:
        return ctx.owner_username
    if kind is FieldKind.TEXT:
        return _text(rng, f, ctx, values)
    if kind is FieldKind.ENUM:
        codes = _dict_codes(registry, f.dictionary or "", ())
        if f.code == "id_type" and codes:
            wanted = "unified_credit_code" if _is_company(values) else "resident_id"
            if wanted in codes:
                return wanted
        return rng.choice(codes) if codes else None
    if kind is FieldKind.ENUM_LIST:
        codes = _dict_codes(registry, f.dictionary or "", ())
        if not codes:
            return None
        return sorted(rng.sample(codes, rng.randint(1, min(3, len(codes)))), key=codes.index)
    if kind is FieldKind.MONEY:
        base = ctx.loan.principal if ctx.loan is not None else Decimal("200000")
        value = (base * rng.randint(80, 250) / 100 / 100).quantize(Decimal(1)) * 100
        return str(_money(_clamp(value, f)))
    if kind is FieldKind.INT:
        low = int(f.min) if f.min is not None else 1
        high = int(f.max) if f.max is not None else max(low, 0) + 199
        return rng.randint(low, max(low, high))
    if kind is FieldKind.RATE:
        floor = f.min if f.min is not None else Decimal(0)
        ceiling = f.max if f.max is not None else Decimal("0.2")
        rate = floor + (ceiling - floor) * rng.randint(5, 10) / 10
        return str(_clamp(rate, f).quantize(_RATE_Q))
    if kind is FieldKind.DATE:
        return (ctx.day - timedelta(days=rng.randint(0, 60))).isoformat()
    if kind is FieldKind.DATETIME:
        day = min(ctx.business_date - timedelta(days=1),
                  ctx.day + timedelta(days=rng.randint(0, 30)))
        return _at(day, rng, 8, 20).isoformat()
    if kind is FieldKind.BOOL:
        return rng.random() < 0.6
    if kind is FieldKind.CHILD_TABLE:
        rows: list[dict[str, Any]] = []
        for _ in range(rng.randint(1, 2)):
            row = {c.code: field_value(rng, registry, c, ctx, {}) for c in f.columns}
            rows.append({k: v for k, v in row.items() if v is not None})
        return rows
    if kind is FieldKind.JSON:
        return {"source": "demo"} if f.required else None
    return None

