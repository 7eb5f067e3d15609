"""Customer files use cases: identity checks, derived facts, duplicates, credit limit, relations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from lowlend.domain.identity import check_bank_card, check_uscc, parse_resident_id
from lowlend.services.field_values import FieldMessage, check_format
from lowlend.services.lending.customers import (
    CustomerCheckError,
    ExistingCustomer,
    check_customer,
    check_duplicates,
    check_relation,
    normalise_phone,
    prepare_customer,
)
from lowlend.services.message_tables import identity as identity_messages
from lowlend.services.messages import message
from lowlend.spec.model import FieldFormat, FieldKind, FieldSpec, Label

VALID_ID = "360426199101010071"  # male, born 1991-01-01
VALID_FEMALE_ID = "11010519491231002X"  # female, born 1949-12-31
VALID_USCC = "91110000600037341L"


@dataclass
class FakeCustomers:
    """In-memory :class:`CustomerLookup`: (id, name, id_type, number, phone, visible)."""

    rows: list[tuple[int, str, str, str, str | None, bool]] = field(default_factory=list)

    def _found(self, row: tuple[int, str, str, str, str | None, bool]) -> ExistingCustomer:
        return ExistingCustomer(row[0], row[1] if row[5] else None)

    def by_id_number(self, id_type: str, number: str) -> ExistingCustomer | None:
        for row in self.rows:
            if row[2] == id_type and row[3] == number:
                return self._found(row)
        return None

    def by_phone(self, phone: str, exclude_id: int | None) -> ExistingCustomer | None:
        for row in self.rows:
            if row[4] == phone and row[0] != exclude_id:
                return self._found(row)
        return None

    def get(self, customer_id: int) -> ExistingCustomer | None:
        for row in self.rows:
            if row[0] == customer_id and row[5]:
                return self._found(row)
        return None


@dataclass
class FakeRelations:
    rows: list[tuple[int, int, int, str]] = field(default_factory=list)  # id, a, b, kind

    def find(
        self, customer_id: int, related_customer_id: int, kind: str, exclude_id: int | None
    ) -> int | None:
        for rid, a, b, k in self.rows:
            if (a, b, k) == (customer_id, related_customer_id, kind) and rid != exclude_id:
                return rid
        return None


def _codes(exc: pytest.ExceptionInfo[CustomerCheckError]) -> dict[str, list[str]]:
    return {k: [m.code for m in v] for k, v in exc.value.errors.items()}


# -- identity checks and derived facts -------------------------------------------------


def test_resident_id_gives_canonical_number_birth_date_and_sex() -> None:
    male = prepare_customer(
        {"kind": "individual", "id_type": "resident_id", "id_number": " 3604261991 01010071 "}
    )
    assert (male.id_number, male.birth_date, male.sex) == (VALID_ID, dt.date(1991, 1, 1), "male")
    female = prepare_customer(
        {"kind": "individual", "id_type": "resident_id", "id_number": VALID_FEMALE_ID.lower()}
    )
    assert (female.id_number, female.birth_date, female.sex) == (
        VALID_FEMALE_ID,
        dt.date(1949, 12, 31),
        "female",
    )
    assert female.columns()["birth_date"] == dt.date(1949, 12, 31)


@pytest.mark.parametrize(
    ("id_type", "number", "code"),
    [
        ("resident_id", "360426199101010072", "resident_id_checksum"),
        ("resident_id", "36042619910101007", "resident_id_invalid_length"),
        ("resident_id", "360426199113010079", "resident_id_invalid_component"),
        ("unified_credit_code", "ABC", "uscc_invalid_length"),
        ("unified_credit_code", "91110000600037341X", "uscc_checksum"),
        ("passport", "   ", "id_number_blank"),
    ],
)
def test_bad_identity_numbers_are_refused_with_their_code(
    id_type: str, number: str, code: str
) -> None:
    kind = "enterprise" if id_type == "unified_credit_code" else "individual"
    with pytest.raises(CustomerCheckError) as exc:
        prepare_customer({"kind": kind, "id_type": id_type, "id_number": number})
    assert _codes(exc) == {"id_number": [code]}


def test_other_documents_are_trimmed_and_have_no_derived_facts() -> None:
    prepared = prepare_customer({"kind": "individual", "id_type": "hkid", "id_number": " A1234563 "})
    assert (prepared.id_number, prepared.birth_date, prepared.sex) == ("A1234563", None, None)


def test_id_type_must_suit_the_customer_kind() -> None:
    with pytest.raises(CustomerCheckError) as exc:
        prepare_customer({"kind": "enterprise", "id_type": "resident_id", "id_number": VALID_ID})
    assert _codes(exc) == {"id_type": ["id_type_kind_mismatch"]}
    with pytest.raises(CustomerCheckError) as exc:  # update: the kind is what changed
        prepare_customer({"kind": "individual", "id_type": "unified_credit_code"})
    assert _codes(exc) == {"kind": ["id_type_kind_mismatch"]}
    assert prepare_customer(
        {"kind": "enterprise", "id_type": "unified_credit_code", "id_number": VALID_USCC}
    ).sex is None


def test_phone_numbers_are_normalised() -> None:
    assert normalise_phone("+86 138 0013 8000") == "13800138000"
    assert normalise_phone("0086-138-0013-8000") == "13800138000"
    assert normalise_phone("+852 5123 4567") == "+85251234567"
    assert normalise_phone("0791-8123456") == "07918123456"
    assert prepare_customer({"phone": "138-0013-8000"}).phone == "13800138000"


def test_every_identity_error_code_has_a_message_in_both_languages() -> None:
    codes = {
        f"{prefix}_{suffix}"
        for prefix in ("resident_id", "uscc")
        for suffix in ("invalid_length", "checksum", "invalid_component", "invalid_format", "invalid")
    } | {"bank_card_invalid_format", "bank_card_invalid_length", "bank_card_checksum", "id_number_blank"}
    assert codes <= set(identity_messages.TABLE)
    for code, (en, zh) in identity_messages.TABLE.items():
        assert en and zh and en != zh, code
    assert message("resident_id_checksum", "zh_CN") == "居民身份证号码校验位错误，请核对号码。"
    text = FieldMessage("duplicate_phone", {"customer": "张三 (#3)"}).text(locale="en")
    assert text == "Another customer has this phone number: 张三 (#3)."


# -- the format attribute of fields ---------------------------------------------------------


def _field(fmt: FieldFormat) -> FieldSpec:
    return FieldSpec("number", FieldKind.TEXT, Label("号码", "Number"), format=fmt)


def test_check_format_by_kind() -> None:
    from lowlend.services.field_values import InvalidValue

    assert check_format(_field(FieldFormat.RESIDENT_ID), VALID_ID.lower(), {}) == VALID_ID
    assert check_format(_field(FieldFormat.USCC), " 91110000600037341l", {}) == VALID_USCC
    assert check_format(_field(FieldFormat.BANK_CARD), "6222 0212 3456 7890 128", {}) == (
        check_bank_card("6222021234567890128")
    )
    for fmt, value, code in (
        (FieldFormat.RESIDENT_ID, "360426199101010072", "resident_id_checksum"),
        (FieldFormat.USCC, "ABC", "uscc_invalid_length"),
        (FieldFormat.BANK_CARD, "6222021234567890129", "bank_card_checksum"),
        (FieldFormat.BANK_CARD, "1234abcd5678", "bank_card_invalid_format"),
    ):
        with pytest.raises(InvalidValue) as exc:
            check_format(_field(fmt), value, {})
        assert exc.value.message.code == code
    by_type = _field(FieldFormat.ID_NUMBER)
    assert check_format(by_type, "E12345678", {"id_type": "passport"}) == "E12345678"
    with pytest.raises(InvalidValue):
        check_format(by_type, "360426199101010072", {"id_type": "resident_id"})
    assert check_format(by_type, None, {}) is None  # blank: the required rule decides


def test_validate_record_checks_formats_and_stores_the_canonical_number() -> None:
    from lowlend.services.custom_fields import validate_record

    fields = (
        FieldSpec("id_type", FieldKind.TEXT, Label("证件类型", "ID type")),
        FieldSpec("id_number", FieldKind.TEXT, Label("证件号码", "ID number"), max_length=18,
                  format=FieldFormat.ID_NUMBER),
        FieldSpec("card", FieldKind.TEXT, Label("卡号", "Card"), pattern=r"^[0-9]{12,19}$",
                  format=FieldFormat.BANK_CARD),
    )
    good = validate_record(
        fields, {"id_type": "resident_id", "id_number": "3604 2619 9101 0100 71",
                 "card": "6222 0212 3456 7890 128"}
    )
    assert good.ok, good.errors
    assert good.values["id_number"] == VALID_ID and good.values["card"] == "6222021234567890128"
    bad = validate_record(
        fields, {"id_type": "unified_credit_code", "id_number": "ABC", "card": "6222021234567890129"}
    )
    assert {k: [m.code for m in v] for k, v in bad.errors.items()} == {
        "id_number": ["uscc_invalid_length"],
        "card": ["bank_card_checksum"],
    }
    assert bad.messages(locale="zh_CN")["card"] == ["银行卡号校验位错误，请核对卡号。"]


# -- duplicates ---------------------------------------------------------------------------


def test_duplicate_id_number_and_phone_name_the_visible_customer() -> None:
    lookup = FakeCustomers([(7, "张三", "resident_id", VALID_ID, "13800138000", True)])
    with pytest.raises(CustomerCheckError) as exc:
        check_customer(
            {"kind": "individual", "id_type": "resident_id", "id_number": VALID_ID,
             "phone": "+86 138 0013 8000"},
            lookup,
        )
    assert _codes(exc) == {"id_number": ["duplicate_id_number"], "phone": ["duplicate_phone"]}
    assert exc.value.errors["id_number"][0].params == {"customer": "张三 (#7)"}
    # the customer itself (an update) does not clash
    prepared = check_customer({"kind": "individual", "phone": "13800138000"}, lookup, record_id=7)
    assert prepared.phone == "13800138000"


def test_duplicates_outside_the_data_scope_are_not_named() -> None:
    lookup = FakeCustomers([(9, "李四", "resident_id", VALID_ID, "13900139000", False)])
    prepared = prepare_customer(
        {"kind": "individual", "id_type": "resident_id", "id_number": VALID_ID,
         "phone": "13900139000"}
    )
    errors = check_duplicates(prepared, lookup)
    assert [m.code for m in errors["id_number"]] == ["duplicate_id_number_hidden"]
    assert [m.code for m in errors["phone"]] == ["duplicate_phone_hidden"]
    assert "李四" not in errors["phone"][0].text(locale="zh_CN")


# -- credit limit ----------------------------------------------------------------------------


def test_credit_limit_needs_the_right_to_approve_and_gets_a_currency() -> None:
    lookup = FakeCustomers()
    with pytest.raises(CustomerCheckError) as exc:
        check_customer({"credit_limit": Decimal("50000.00")}, lookup, may_approve=False)
    assert _codes(exc) == {"credit_limit": ["credit_limit_not_permitted"]}
    unchanged = check_customer(
        {"credit_limit": Decimal("50000.00"), "credit_limit_currency": "CNY"},
        lookup,
        record_id=1,
        current={"credit_limit": Decimal("50000.00"), "credit_limit_currency": "CNY"},
        may_approve=False,
    )
    assert unchanged.credit_limit == Decimal("50000.00")
    granted = check_customer({"credit_limit": Decimal("80000"), "credit_limit_currency": "hkd"},
                             lookup, may_approve=True)
    assert granted.columns() == {"credit_limit": Decimal("80000"), "credit_limit_currency": "HKD"}
    assert check_customer({"credit_limit": Decimal("1")}, lookup).credit_limit_currency == "CNY"
    cleared = check_customer({"credit_limit": None, "credit_limit_currency": "CNY"}, lookup)
    assert cleared.columns() == {"credit_limit": None, "credit_limit_currency": None}
    with pytest.raises(CustomerCheckError) as exc:
        check_customer({"credit_limit": Decimal("-1"), "credit_limit_currency": "RMB1"}, lookup)
    assert _codes(exc) == {
        "credit_limit": ["credit_limit_negative"],
        "credit_limit_currency": ["credit_limit_currency_invalid"],
    }


# -- relations -------------------------------------------------------------------------------


def test_relations_refuse_self_unknown_and_duplicates() -> None:
    customers = FakeCustomers(
        [
            (1, "张三", "resident_id", VALID_ID, None, True),
            (2, "李四", "resident_id", VALID_FEMALE_ID, None, True),
            (3, "王五", "passport", "E1", None, False),
        ]
    )
    relations = FakeRelations([(10, 1, 2, "household"), (11, 1, 2, "guarantor_of")])
    check_relation({"customer_id": 2, "related_customer_id": 1, "kind": "guarantor_of"},
                   customers, relations)  # directed: 2 guarantees 1 is new
    with pytest.raises(CustomerCheckError) as exc:
        check_relation({"customer_id": 1, "related_customer_id": 1, "kind": "household"},
                       customers, relations)
    assert _codes(exc) == {"related_customer_id": ["customer_relation_self"]}
    with pytest.raises(CustomerCheckError) as exc:  # symmetric kind: B–A is A–B
        check_relation({"customer_id": 2, "related_customer_id": 1, "kind": "household"},
                       customers, relations)
    assert _codes(exc) == {"related_customer_id": ["customer_relation_duplicate"]}
    with pytest.raises(CustomerCheckError) as exc:
        check_relation({"customer_id": 1, "related_customer_id": 2, "kind": "guarantor_of"},
                       customers, relations)
    assert _codes(exc) == {"related_customer_id": ["customer_relation_duplicate"]}
    # the relation being edited does not clash with itself
    check_relation({"customer_id": 1, "related_customer_id": 2, "kind": "guarantor_of"},
                   customers, relations, record_id=11)
    with pytest.raises(CustomerCheckError) as exc:  # 3 is outside the data scope, 4 missing
        check_relation({"customer_id": 3, "related_customer_id": 4, "kind": "related_party"},
                       customers, relations)
    assert _codes(exc) == {
        "customer_id": ["customer_relation_unknown_customer"],
        "related_customer_id": ["customer_relation_unknown_customer"],
    }


def test_the_domain_checks_used_here_agree() -> None:
    assert parse_resident_id(VALID_ID).sex == "male"
    assert check_uscc(VALID_USCC) == VALID_USCC
