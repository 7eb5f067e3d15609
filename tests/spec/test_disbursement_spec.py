"""The product option ``disbursement.tranches`` (分笔放款), checked at publish."""

from __future__ import annotations

from decimal import Decimal

import pytest
from spec_seed_helpers import SeedCopy

BUSINESS = "products/business_equal_principal.yaml"
SHIPPED = '  tranches: {max_count: 3, min_amount: "20000.00"}\n'


def test_shipped_products_with_and_without_tranches(seed: SeedCopy) -> None:
    products = seed.load().products
    tranches = products["business_equal_principal"].disbursement.tranches
    assert tranches is not None
    assert (tranches.max_count, tranches.min_amount) == (3, Decimal("20000.00"))
    assert products["consumer_emi"].disbursement.tranches is None


@pytest.mark.parametrize(("new", "path", "message"), [
    ('  tranches: {max_count: 3, min_amount: "600000.00"}\n', "disbursement.tranches.min_amount",
     "min_amount 600000.00 leaves no room for two tranches of the amount max 1000000.00"),
    ('  tranches: {max_count: 3, min_amount: "0.00"}\n', "disbursement.tranches.min_amount",
     "min_amount must be above zero"),
])
def test_bad_tranche_option_is_named(seed: SeedCopy, new: str, path: str, message: str) -> None:
    seed.replace(BUSINESS, SHIPPED, new)
    error = seed.only_error()
    assert error.path == path
    assert error.message == message


def test_one_tranche_is_not_a_tranche_option(seed: SeedCopy) -> None:
    seed.replace(BUSINESS, SHIPPED, '  tranches: {max_count: 1, min_amount: "20000.00"}\n')
    error = seed.only_error()
    assert "max_count" in error.path or "max_count" in error.message


def test_revolving_products_cannot_take_tranches(seed: SeedCopy) -> None:
    rel = "products/revolving_credit_line.yaml"
    text = seed.read(rel)
    seed.write(rel, text + "disbursement:\n  tranches: {max_count: 2}\n")
    error = seed.only_error()
    assert error.path == "disbursement.tranches"
    assert "revolving" in error.message
