"""The typed expression environments of each kind of admin-written rule.

Every environment declares the variables a rule may use, and every object declares
its fields with their types: a misspelt field (``loan.dpdd``) or a type mismatch
(``loan.dpd > 'x'``) fails when the configuration is loaded, with line and column.
When the data model grows, the code that supplies a new fact declares it here in
the same change. Free-form data stays reachable as a map (``customer.custom``,
``application.custom`` outside product forms), checked at evaluation time.

Values follow :mod:`lowlend.spec.expressions`: money in minor units, rates in basis
points, dates as ISO strings.
"""

from __future__ import annotations

from collections.abc import Iterable

from .expressions import ExpressionEnv, ExprType, T
from .model import FieldKind, FieldSpec

__all__ = [
    "APPROVAL_ENV",
    "EARLY_WARNING_ENV",
    "SCORECARD_ENV",
    "entity_env",
    "expr_type_of",
    "form_env",
]

CUSTOMER = T.obj(
    age=T.INT,
    gender=T.STRING,
    city=T.STRING,
    monthly_income=T.INT,
    years_employed=T.INT,
    existing_loans=T.INT,
    is_repeat=T.BOOL,
    blacklisted=T.BOOL,
    custom=T.MAP,
)
BUREAU = T.obj(
    has_file=T.BOOL,
    score=T.INT,
    overdue_accounts=T.INT,
    queries_3m=T.INT,
    queries_6m=T.INT,
    max_dpd_24m=T.INT,
    outstanding_debt=T.INT,
    monthly_debt_service=T.INT,
    debt_to_income_bp=T.INT,
    blacklist_hits=T.INT,
)
"""Facts of a credit report (:meth:`lowlend.domain.credit_report.BureauFacts.as_expression_values`)."""
LOAN = T.obj(
    dpd=T.INT,
    outstanding=T.INT,
    principal=T.INT,
    overdue_amount=T.INT,
    installments_paid=T.INT,
    broken_promises=T.INT,
    classification=T.STRING,
    product=T.STRING,
    days_since_last_payment=T.INT,
    gps_offline_hours=T.INT,
)


def expr_type_of(kind: FieldKind) -> ExprType:
    """Expression type of a field kind (money → int minor units, rate → int bp, dates → ISO).

    >>> expr_type_of(FieldKind.MONEY).kind
    'int'
    """
    if kind in (FieldKind.INT, FieldKind.MONEY, FieldKind.RATE):
        return T.INT
    if kind is FieldKind.BOOL:
        return T.BOOL
    if kind in (FieldKind.DATE, FieldKind.DATETIME):
        return T.DATE
    if kind in (FieldKind.CHILD_TABLE, FieldKind.FILE):
        return T.list(T.MAP)
    if kind is FieldKind.ENUM_LIST:
        return T.list(T.STRING)
    if kind is FieldKind.JSON:
        return T.MAP
    return T.STRING


def _fields_obj(fields: Iterable[FieldSpec]) -> ExprType:
    return T.obj(**{f.code: expr_type_of(f.kind) for f in fields})


def form_env(custom_fields: Iterable[FieldSpec]) -> ExpressionEnv:
    """Environment of a product's ``visible_if`` / ``required_if`` rules."""
    application = T.obj(
        amount=T.INT,
        term=T.INT,
        annual_rate=T.INT,
        product=T.STRING,
        region=T.STRING,
        currency=T.STRING,
        custom=_fields_obj(custom_fields),
    )
    return ExpressionEnv.of(application=application, customer=CUSTOMER)


def entity_env(fields: Iterable[FieldSpec]) -> ExpressionEnv:
    """Environment of a config-declared entity's field rules (``record.<field>``)."""
    return ExpressionEnv.of(record=_fields_obj(fields), customer=CUSTOMER)


APPLICATION = T.obj(
    amount=T.INT,
    term=T.INT,
    annual_rate=T.INT,
    product=T.STRING,
    kind=T.STRING,
    region=T.STRING,
    currency=T.STRING,
    score=T.INT,
    secured=T.BOOL,
    custom=T.MAP,
)

APPROVAL_ENV = ExpressionEnv.of(application=APPLICATION, customer=CUSTOMER, bureau=BUREAU)
"""Approval-step conditions."""

SCORECARD_ENV = ExpressionEnv.of(application=APPLICATION, customer=CUSTOMER, bureau=BUREAU)
"""Scorecard bins and knock-out rules."""

EARLY_WARNING_ENV = ExpressionEnv.of(loan=LOAN, customer=CUSTOMER, bureau=BUREAU)
"""Early-warning indicators."""
