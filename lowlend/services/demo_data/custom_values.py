"""Values of the products' custom fields (the application form) for a demo application."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lowlend.services.demo_data.common import _dict_codes, _money
from lowlend.services.demo_data.identity import _bank_card, _uscc
from lowlend.services.demo_data.records import DemoCustomer
from lowlend.services.demo_data.vocabulary import (
    _BANKS,
    _EMPLOYERS,
    _GOODS,
    _HK_EMPLOYERS,
    _MERCHANTS,
    _PURPOSE_DETAILS,
    _PURPOSES_BUSINESS,
    _PURPOSES_PERSONAL,
)
from lowlend.spec.model import FieldKind, FieldSpec, ProductSpec


def _condition_holds(expr: str, values: Mapping[str, Any]) -> bool | None:
    m = re.fullmatch(r"\s*application\.custom\.(\w+)\s*==\s*'([^']*)'\s*", expr)
    if m is None:
        return None
    return values.get(m.group(1)) == m.group(2)


def _custom_values(rng: random.Random, registry: Any, product: ProductSpec,
                   customer: DemoCustomer, amount: Decimal, start: date) -> dict[str, Any]:
    values: dict[str, Any] = {}
    enterprise = customer.kind == "enterprise"
    for f in product.custom_fields:
        if f.kind in (FieldKind.REFERENCE, FieldKind.FILE):
            continue
        if f.visible_if:
            holds = _condition_holds(f.visible_if, values)
            if not holds:
                continue
        value = _field_value(rng, registry, f, product, customer, amount, start, enterprise)
        if value is not None:
            values[f.code] = value
    return values


def _field_value(rng: random.Random, registry: Any, f: FieldSpec, product: ProductSpec,
                 customer: DemoCustomer, amount: Decimal, start: date,
                 enterprise: bool) -> Any:
    code = f.code
    if code == "employer":
        return rng.choice(_HK_EMPLOYERS if customer.region == "HK" else _EMPLOYERS)
    if code == "monthly_income":
        base = 18000 if customer.region == "HK" else 6000
        return str(_money(int(base * math.exp(rng.gauss(0, 0.45)) / 100) * 100))
    if code == "purpose":
        allowed = _dict_codes(registry, f.dictionary or "loan_purpose", _PURPOSES_PERSONAL)
        wanted = _PURPOSES_BUSINESS if enterprise or "business" in product.code else (
            _PURPOSES_PERSONAL)
        pick = [p for p in wanted if p in allowed] or list(allowed)
        return rng.choice(pick)
    if code == "purpose_detail":
        return rng.choice(_PURPOSE_DETAILS)
    if code == "business_name":
        if enterprise:
            return customer.name
        return f"{customer.custom.get('address', '')[:6]}{customer.name[0]}记{rng.choice(('商行', '小吃店', '五金店', '服装店', '超市'))}"
    if code == "unified_credit_code":
        if customer.id_type == "unified_credit_code":
            return customer.id_number
        return _uscc(rng, customer.id_number[:6] if customer.id_number[:6].isdigit() else "360121",
                     True)
    if code == "industry":
        if enterprise and customer.custom.get("industry"):
            return customer.custom["industry"]
        return rng.choice(_dict_codes(registry, f.dictionary or "industry", ("F",)))
    if code == "annual_revenue":
        return str(_money(amount * Decimal(rng.randint(3, 12))))
    if code == "years_in_business":
        return rng.randint(1, 20)
    if code == "collateral_type":
        codes = _dict_codes(registry, f.dictionary or "collateral_type", ("unsecured",))
        return rng.choice([c for c in codes if c in ("unsecured", "guarantee")] or list(codes))
    if code == "bank_name":
        return rng.choice(_BANKS)
    if code == "bank_approval_date":
        return (start - timedelta(days=rng.randint(3, 20))).isoformat()
    if code == "merchant_name":
        return rng.choice(_MERCHANTS)
    if code == "entrustment_contract_no":
        return f"WT{start.year}{rng.randrange(10**5):05d}"
    if code == "hkid_verified":
        return True
    if code == "auto_debit_card":
        return _bank_card(rng)
    if f.kind is FieldKind.CHILD_TABLE and code == "goods":
        rows: list[dict[str, Any]] = []
        left = amount
        while left > 0 and len(rows) < 4:
            name, price = rng.choice(_GOODS)
            qty = max(1, min(3, int(left // price)))
            price = min(price, left) if len(rows) == 3 or left < price else price
            rows.append({"name": name, "price": str(_money(price)), "quantity": qty})
            left -= price * qty
        return rows
    return _generic_value(rng, registry, f, start)


def _generic_value(rng: random.Random, registry: Any, f: FieldSpec, start: date) -> Any:
    kind = f.kind
    if kind is FieldKind.TEXT:
        return f"示例{f.label.zh_CN}"[: f.max_length or 100] if f.required else None
    if kind is FieldKind.MONEY:
        low = f.min if f.min is not None else Decimal("1000.00")
        return str(_money(max(low, Decimal("1000.00"))))
    if kind is FieldKind.INT:
        return int(f.min) if f.min is not None else 1
    if kind is FieldKind.RATE:
        return "0.010000"
    if kind is FieldKind.DATE:
        return start.isoformat()
    if kind is FieldKind.DATETIME:
        return dt.datetime.combine(start, dt.time(10, 0)).isoformat()
    if kind is FieldKind.BOOL:
        return True
    if kind is FieldKind.ENUM and f.dictionary:
        codes = _dict_codes(registry, f.dictionary, ())
        return rng.choice(codes) if codes else None
    return None
