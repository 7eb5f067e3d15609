"""Borrowers: individuals (mainland and Hong Kong) and enterprises."""

from __future__ import annotations

import random
from datetime import date

from lowlend.services.demo_data.common import _at, _money, _rng
from lowlend.services.demo_data.identity import _hkid, _resident_id, _uscc
from lowlend.services.demo_data.organisation import _officers
from lowlend.services.demo_data.records import DemoCustomer, DemoRelation
from lowlend.services.demo_data.vocabulary import (
    _AREAS_JX,
    _AREAS_OTHER,
    _BRANDS,
    _GIVEN_FEMALE,
    _GIVEN_MALE,
    _HK_STREETS,
    _INDUSTRY_WORDS,
    _MOBILE_PREFIXES,
    _STREETS,
    _SURNAMES,
)


def _person_name(rng: random.Random, male: bool) -> str:
    given = _GIVEN_MALE if male else _GIVEN_FEMALE
    surname = rng.choice(_SURNAMES)
    n = 1 if rng.random() < 0.35 else 2
    return surname + "".join(rng.choice(given) for _ in range(n))


def _mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _individual(seed: int, ref: str, market: str, department: str, owner: str | None,
                created: date) -> DemoCustomer:
    rng = _rng(seed, "customer", ref)
    male = rng.random() < 0.55
    name = _person_name(rng, male)
    if market == "HK":
        return DemoCustomer(
            ref=ref, kind="individual", name=name, id_type="hkid", id_number=_hkid(rng),
            phone=f"+852 {rng.choice('569')}{rng.randrange(10**3):03d} {rng.randrange(10**4):04d}",
            region="HK", department_code=department, owner_employee_no=owner,
            created_at=_at(created, rng),
            custom={"gender": "male" if male else "female",
                    "address": f"香港九龍{rng.choice(_HK_STREETS)}{rng.randint(1, 400)}號"},
        )
    area = rng.choice(_AREAS_JX) if rng.random() < 0.8 else rng.choice(_AREAS_OTHER)
    number, birth = _resident_id(rng, area, male)
    region = "CN-JX" if area[0].startswith("36") else "CN"
    city = "" if area[1] == area[2] else area[2]
    return DemoCustomer(
        ref=ref, kind="individual", name=name, id_type="resident_id", id_number=number,
        phone=_mobile(rng), region=region, department_code=department, owner_employee_no=owner,
        created_at=_at(created, rng),
        custom={
            "gender": "male" if male else "female",
            "birth_date": birth.isoformat(),
            "education": rng.choice(("senior_high", "college", "bachelor", "bachelor",
                                     "postgraduate", "junior_high")),
            "marital_status": rng.choice(("single", "married", "married", "married", "divorced")),
            "address": f"{area[1]}{city}{area[3]}{rng.choice(_STREETS)}{rng.randint(1, 999)}号",
        },
    )


def _enterprise(seed: int, k: int, created: date) -> DemoCustomer:
    rng = _rng(seed, "enterprise", k)
    area = rng.choice(_AREAS_JX[:7])  # 南昌
    industry = rng.choice(sorted(_INDUSTRY_WORDS))
    brand = _BRANDS[(k * 7 + rng.randrange(len(_BRANDS))) % len(_BRANDS)]
    name = f"{area[2]}{brand}{rng.choice(_INDUSTRY_WORDS[industry])}有限公司"
    legal = _person_name(rng, rng.random() < 0.7)
    return DemoCustomer(
        ref=f"S{seed}-E{k:03d}", kind="enterprise", name=name, id_type="unified_credit_code",
        id_number=_uscc(rng, area[0], False), phone=f"0791-8{rng.randrange(10**6):06d}",
        region="CN", department_code="BIZ2", owner_employee_no=rng.choice(_officers("BIZ2")),
        created_at=_at(created, rng),
        custom={
            "legal_representative": legal,
            "industry": industry,
            "registered_capital": str(_money(rng.choice((100, 200, 500, 1000, 2000)) * 10000)),
            "established_on": date(rng.randint(2005, 2020), rng.randint(1, 12), 1).isoformat(),
            "address": f"{area[1]}{area[2]}{area[3]}{rng.choice(_STREETS)}{rng.randint(1, 999)}号",
        },
    )


ENTERPRISE_POOL = 8


#: how many relations the demo has at most, and among how many first individuals
RELATION_COUNT = 12
RELATION_POOL = 30
_RELATION_NOTES = {
    "household": ("配偶", "父子", "母女", "兄弟"),
    "guarantor_of": ("为其贷款提供连带责任保证",),
    "related_party": ("法定代表人", "股东", "实际控制人"),
}


def _relations(seed: int, customers: list[DemoCustomer]) -> tuple[DemoRelation, ...]:
    """A few relations among the first individuals (and the enterprises): households,
    guarantors, related parties — never a customer with itself, never twice. Drawn from
    the first customers only, so a larger data set keeps them."""
    rng = _rng(seed, "relations", 0)
    people = [c for c in customers if c.kind == "individual"][:RELATION_POOL]
    firms = [c for c in customers if c.kind == "enterprise"]
    out: list[DemoRelation] = []
    seen: set[tuple[str, str, str]] = set()
    if len(people) < 2:
        return ()
    for k in range(RELATION_COUNT):
        kind = ("household", "guarantor_of", "related_party")[k % 3]
        a = rng.choice(people)
        b = rng.choice(firms) if kind == "related_party" and firms else rng.choice(people)
        keys = {(a.ref, b.ref, kind), (b.ref, a.ref, kind)}
        if a.ref == b.ref or keys & seen:
            continue
        seen |= keys
        out.append(DemoRelation(ref=f"S{seed}-R{k:03d}", customer_ref=a.ref,
                                related_customer_ref=b.ref, kind=kind,
                                note=rng.choice(_RELATION_NOTES[kind])))
    return tuple(out)
