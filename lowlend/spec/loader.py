"""Parse and validate a configuration bundle into a :class:`SpecRegistry`.

Validation runs in three passes and collects *all* errors:

1. YAML syntax (line from the YAML mark), duplicate keys;
2. structure, with the shipped JSON Schemas (``lowlend/spec/schemas``);
3. semantics: ranges, enums that depend on each other, expressions (compiled
   against their typed environment), cross references between files, rate caps.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

import jsonschema

from lowlend.domain.conventions import (
    AllocationBucket,
    AllocationComponent,
    Amortization,
    ComplianceAction,
    DataScope,
    DayCount,
    EodStepCode,
    FeeCalculation,
    FeeCollection,
    FeeParty,
    FeeTrigger,
    FirstDueRule,
    Frequency,
    InterestMethod,
    InterestPeriod,
    LoanKind,
    OverpaymentPolicy,
    PenaltyBase,
    PrepaymentEffect,
    RoundingMode,
    Severity,
)

from . import envs
from .compliance import evaluate_max_expr, parse_max_expr
from .errors import ConfigError, ConfigErrors, format_path
from .expressions import ExpressionEnv, ExpressionError, compile_expression
from .model import (
    AllocationSpec,
    ApprovalChainSpec,
    ApprovalStep,
    Characteristic,
    CollectionLevel,
    CollectionsSpec,
    DecimalRange,
    Decision,
    DictionaryItem,
    DictionarySpec,
    EarlyWarningSpec,
    EntitySpec,
    EntrustedSpec,
    EodSpec,
    EodStep,
    FeeScheduleSpec,
    FeeSpec,
    FeeTier,
    FieldKind,
    FieldSpec,
    FirstDue,
    GraceSpec,
    InterestSpec,
    IntRange,
    KnockoutRule,
    Label,
    MenuCategory,
    MenuItem,
    NotificationTemplateSpec,
    Overlay,
    PenaltySpec,
    PiiField,
    PrepaymentSpec,
    ProductSpec,
    QuietHours,
    RateCap,
    RatePoint,
    ReferenceRate,
    RegionSpec,
    RepaymentSpec,
    RevolvingSpec,
    RoleSpec,
    RoundingSpec,
    ScoreBin,
    ScorecardSpec,
    Section,
    TemplateVariable,
    WarningIndicator,
)
from .registry import SpecRegistry
from .yamlload import YamlProblem, line_at, load_yaml

__all__ = ["BUILTIN_VIEWS", "STANDARD_ROLES", "load_bundle", "load_directory", "read_bundle"]

STANDARD_ROLES = ("admin", "business_manager", "risk_officer", "finance", "collector", "auditor")
"""Roles every deployment has (roles.yaml must declare them)."""

BUILTIN_VIEWS = frozenset(
    {
        "dashboard",
        "my_tasks",
        "customers",
        "customer_contacts",
        "applications",
        "approval_tasks",
        "loans",
        "credit_lines",
        "disbursements",
        "repayments",
        "refunds",
        "schedules",
        "journal",
        "ledger_accounts",
        "reconciliation",
        "entrusting_parties",
        "collection_cases",
        "call_tasks",
        "promises_to_pay",
        "legal_cases",
        "warnings",
        "gps_devices",
        "classification",
        "eod_runs",
        "reports",
        "products",
        "fee_schedules",
        "approval_chains",
        "scorecards",
        "config_versions",
        "notification_templates",
        "dictionaries",
        "users",
        "roles",
        "departments",
        "audit_log",
        "regions",
    }
)
"""View codes the web layer registers at boot (menus and role permissions may name them)."""

# config-dir relative location → kind.  Per-code kinds live in a folder, singletons at top.
_FOLDERS = {
    "products": "product",
    "fees": "fee_schedule",
    "approval_chains": "approval_chain",
    "scorecards": "scorecard",
    "compliance": "compliance",
    "entities": "entity",
}
_SINGLETONS = {
    "roles.yaml": "roles",
    "menus.yaml": "menus",
    "dictionaries.yaml": "dictionaries",
    "eod.yaml": "eod",
    "collections.yaml": "collections",
    "early_warning.yaml": "early_warning",
}
_BEST_EFFORT = frozenset({"product", "fee_schedule", "approval_chain", "scorecard", "entity"})
_TEMPLATE_RE = re.compile(r"^templates/([a-z][a-z0-9_]*)/([a-z_]+)\.([a-z]{2}(?:_[A-Z]{2})?)\.j2$")
_JINJA_VAR_RE = re.compile(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)")
_MASK_RE = re.compile(r"^keep_first_[0-9]+_last_[0-9]+$")
LOCALES = ("zh_CN", "en")
_ANNUAL_METRICS = frozenset(
    {
        "annualised_comprehensive_financing_cost",
        "apr",
        "mapr",
        "aprc",
        "effective_rate_of_interest",
        "annual_simple_rate_on_unpaid_principal",
    }
)


# ------------------------------------------------------------------ bundle I/O


def read_bundle(config_dir: Path, templates_dir: Path | None) -> dict[str, str]:
    """Read the files of a configuration into a bundle (key → text).

    Keys are ``config/<posix path relative to config_dir>`` for every ``*.yaml`` under
    ``config_dir`` and ``templates/<relative path>`` for every file under
    ``templates_dir``.
    """
    bundle: dict[str, str] = {}
    for path in sorted(Path(config_dir).rglob("*.yaml")):
        if path.is_file():
            rel = path.relative_to(config_dir).as_posix()
            bundle[f"config/{rel}"] = path.read_text(encoding="utf-8")
    if templates_dir is not None:
        for path in sorted(Path(templates_dir).rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                rel = path.relative_to(templates_dir).as_posix()
                bundle[f"templates/{rel}"] = path.read_text(encoding="utf-8")
    return bundle


def _display_names(
    bundle: Mapping[str, str], config_dir: Path, templates_dir: Path | None
) -> dict[str, str]:
    names: dict[str, str] = {}
    for key in bundle:
        prefix, _, rel = key.partition("/")
        base = config_dir if prefix == "config" else templates_dir
        if base is None:
            continue
        path = Path(base) / rel
        try:
            names[key] = str(path.relative_to(Path.cwd()))
        except ValueError:
            names[key] = str(path)
    return names


def load_directory(config_dir: Path, templates_dir: Path | None = None) -> SpecRegistry:
    """:func:`read_bundle` + :func:`load_bundle`, errors showing the real file paths.

    :raises ConfigErrors: with every error found.
    """
    bundle = read_bundle(config_dir, templates_dir)
    return load_bundle(bundle, display_names=_display_names(bundle, config_dir, templates_dir))


# ------------------------------------------------------------------ context


@dataclass(slots=True)
class _Doc:
    key: str
    display: str
    kind: str
    stem: str
    data: Any = None
    ok: bool = True


@dataclass(slots=True)
class _Ctx:
    errors: list[ConfigError] = field(default_factory=list)
    silent: bool = False

    def error(self, doc: _Doc, path: Iterable[str | int], message: str) -> None:
        if self.silent:
            return
        parts = list(path)
        self.errors.append(
            ConfigError(doc.display, line_at(doc.data, parts), format_path(parts), message)
        )

    def expr(
        self, doc: _Doc, path: Iterable[str | int], source: str | None, env: ExpressionEnv
    ) -> str | None:
        if source is None:
            return None
        try:
            compile_expression(source, env)
        except ExpressionError as exc:
            self.error(doc, path, f"invalid expression: {exc}")
        return source


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - schema pattern guarantees the form
        raise ValueError(f"not a decimal: {value!r}") from None


def _opt_dec(value: Any) -> Decimal | None:
    return None if value is None else _dec(value)


def _date(ctx: _Ctx, doc: _Doc, path: list[str | int], value: Any) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        ctx.error(doc, path, f"invalid date {value!r} (expected YYYY-MM-DD)")
        return None


def _label(raw: Any) -> Label:
    return Label(zh_CN=str(raw["zh_CN"]), en=str(raw["en"]))


def _opt_label(raw: Any) -> Label | None:
    return None if raw is None else _label(raw)


def _freeze(value: Any) -> Any:
    """Deep read-only copy: dict → MappingProxyType, list → tuple."""
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _unique(ctx: _Ctx, doc: _Doc, items: Any, path: list[str | int], what: str = "code") -> None:
    seen: dict[str, int] = {}
    for index, item in enumerate(items or ()):
        if not isinstance(item, dict) or what not in item:
            continue
        code = str(item[what])
        if code in seen:
            ctx.error(
                doc,
                [*path, index, what],
                f"duplicate {what} {code!r} (first at line {line_at(doc.data, [*path, seen[code]])})",
            )
        else:
            seen[code] = index


def _check_range(
    ctx: _Ctx, doc: _Doc, path: list[str | int], lo: Any, hi: Any, default: Any = None
) -> None:
    if lo is not None and hi is not None and lo > hi:
        ctx.error(doc, [*path, "min"], f"min {lo} is greater than max {hi}")
        return
    if default is not None:
        if (lo is not None and default < lo) or (hi is not None and default > hi):
            ctx.error(doc, [*path, "default"], f"default {default} is outside [{lo}, {hi}]")


# ------------------------------------------------------------------ schemas


@functools.cache
def _validator(kind: str) -> Any:
    text = (
        resources.files("lowlend.spec")
        .joinpath(f"schemas/{kind}.schema.json")
        .read_text(encoding="utf-8")
    )
    return jsonschema.Draft202012Validator(json.loads(text))


def _is_decimal_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("title") == "decimal string"


def _schema_errors(ctx: _Ctx, doc: _Doc) -> None:
    validator = _validator(doc.kind)
    for err in validator.iter_errors(doc.data):
        path: list[str | int] = list(err.absolute_path)
        instance = err.instance
        if err.validator == "additionalProperties" and isinstance(instance, dict):
            allowed = set(err.schema.get("properties", {}))
            for key in instance:
                if key not in allowed:
                    hint = ", ".join(sorted(allowed))
                    ctx.error(doc, [*path, key], f"unknown key {key!r} (allowed: {hint})")
            continue
        is_float = isinstance(instance, float) or (
            isinstance(instance, int) and not isinstance(instance, bool)
        )
        decimal_expected = (err.validator == "type" and _is_decimal_schema(err.schema)) or (
            err.validator == "anyOf"
            and any(_is_decimal_schema(sub.schema) for sub in (err.context or ()))
        )
        if is_float and decimal_expected:
            ctx.error(
                doc,
                path,
                f"number {instance!r} is not allowed for money or rates (floats lose cents): "
                f'quote it as a decimal string, e.g. "{instance}"',
            )
            continue
        if err.validator == "required" and err.schema.get("title") == "label":
            missing = [loc for loc in LOCALES if loc not in instance]
            ctx.error(doc, path, f"label is missing the {', '.join(map(repr, missing))} text")
            continue
        if err.validator == "enum":
            allowed_values = ", ".join(str(v) for v in err.validator_value)
            ctx.error(doc, path, f"unknown value {instance!r} (expected one of: {allowed_values})")
            continue
        if err.validator == "pattern" and _is_decimal_schema(err.schema):
            ctx.error(doc, path, f"{instance!r} is not a decimal number string")
            continue
        if err.validator == "pattern" and err.schema.get("title") == "date":
            ctx.error(doc, path, f"{instance!r} is not a date (YYYY-MM-DD)")
            continue
        ctx.error(doc, path, err.message)
    # every reported structural error makes building this document unsafe
    if any(e.file == doc.display for e in ctx.errors):
        doc.ok = False


# ------------------------------------------------------------------ builders


def _field(ctx: _Ctx, doc: _Doc, raw: Any, path: list[str | int]) -> FieldSpec:
    kind = FieldKind(raw["kind"])
    lo, hi = _opt_dec(raw.get("min")), _opt_dec(raw.get("max"))
    numeric = kind in (FieldKind.INT, FieldKind.MONEY, FieldKind.RATE)
    for key in ("min", "max"):
        if key in raw and not numeric:
            ctx.error(doc, [*path, key], f"{key} applies to int, money and rate fields only")
    _check_range(ctx, doc, path, lo, hi)
    if "max_length" in raw and kind is not FieldKind.TEXT:
        ctx.error(doc, [*path, "max_length"], "max_length applies to text fields only")
    if "pattern" in raw:
        try:
            re.compile(str(raw["pattern"]))
        except re.error as exc:
            ctx.error(doc, [*path, "pattern"], f"invalid regular expression: {exc}")
    if kind is FieldKind.ENUM and "dictionary" not in raw:
        ctx.error(doc, path, "an enum field needs a 'dictionary'")
    if kind is FieldKind.REFERENCE and "reference" not in raw:
        ctx.error(doc, path, "a reference field needs 'reference' (an entity code)")
    if kind is FieldKind.CHILD_TABLE and not raw.get("columns"):
        ctx.error(doc, path, "a child_table field needs 'columns'")
    columns = tuple(
        _field(ctx, doc, col, [*path, "columns", i]) for i, col in enumerate(raw.get("columns", ()))
    )
    _unique(ctx, doc, raw.get("columns"), [*path, "columns"])
    return FieldSpec(
        code=raw["code"],
        kind=kind,
        label=_label(raw["label"]),
        required=bool(raw.get("required", False)),
        required_if=raw.get("required_if"),
        visible_if=raw.get("visible_if"),
        min=lo,
        max=hi,
        max_length=raw.get("max_length"),
        pattern=raw.get("pattern"),
        dictionary=raw.get("dictionary"),
        reference=raw.get("reference"),
        columns=columns,
        section=raw.get("section"),
        order=int(raw.get("order", 0)),
        help=_opt_label(raw.get("help")),
        pii=raw.get("pii"),
        default=_freeze(raw.get("default")),
    )


def _fields(
    ctx: _Ctx, doc: _Doc, raw_list: Any, path: list[str | int], env_of: Callable[..., ExpressionEnv]
) -> tuple[FieldSpec, ...]:
    fields = tuple(_field(ctx, doc, raw, [*path, i]) for i, raw in enumerate(raw_list or ()))
    _unique(ctx, doc, raw_list, path)
    env = env_of(fields)
    for i, spec in enumerate(fields):
        ctx.expr(doc, [*path, i, "visible_if"], spec.visible_if, env)
        ctx.expr(doc, [*path, i, "required_if"], spec.required_if, env)
    return fields


def _dec_range(raw: Any) -> DecimalRange:
    return DecimalRange(_dec(raw["min"]), _dec(raw["max"]), _opt_dec(raw.get("default")))


def _build_product(ctx: _Ctx, doc: _Doc) -> ProductSpec:
    r = doc.data
    kind = LoanKind(r["kind"])
    amount = _dec_range(r["amount"])
    _check_range(ctx, doc, ["amount"], amount.min, amount.max, amount.default)
    term_raw = r["term"]
    term = IntRange(term_raw["min"], term_raw["max"], term_raw.get("default"))
    _check_range(ctx, doc, ["term"], term.min, term.max, term.default)
    rate = _dec_range(r["interest"]["annual_rate"])
    _check_range(ctx, doc, ["interest", "annual_rate"], rate.min, rate.max, rate.default)
    valid_from = _date(ctx, doc, ["valid_from"], r["valid_from"]) or dt.date.min
    valid_to = _date(ctx, doc, ["valid_to"], r.get("valid_to"))
    if valid_to is not None and valid_to < valid_from:
        ctx.error(doc, ["valid_to"], f"valid_to {valid_to} is before valid_from {valid_from}")
    amortization = Amortization(r["amortization"])
    method = InterestMethod(r["interest"]["method"])
    rep = r["repayment"]
    frequency = Frequency(rep["frequency"])
    first_raw = rep.get("first_due", {"rule": "one_period_after"})
    first_due = FirstDue(
        FirstDueRule(first_raw["rule"]), first_raw.get("day"), first_raw.get("days")
    )
    if first_due.rule is FirstDueRule.FIXED_DAY_OF_MONTH and first_due.day is None:
        ctx.error(doc, ["repayment", "first_due"], "rule fixed_day_of_month needs 'day'")
    if first_due.rule is FirstDueRule.DAYS_AFTER_DISBURSEMENT and first_due.days is None:
        ctx.error(doc, ["repayment", "first_due"], "rule days_after_disbursement needs 'days'")
    if (amortization is Amortization.BULLET) != (frequency is Frequency.ONE_TIME):
        ctx.error(
            doc,
            ["repayment", "frequency"],
            f"amortization bullet goes with frequency one_time (got {amortization.value} with "
            f"{frequency.value})",
        )
    if frequency is Frequency.ONE_TIME and term.max != 1:
        ctx.error(
            doc,
            ["term", "max"],
            "a one_time product has exactly one instalment "
            "(term 1; its length is repayment.first_due)",
        )
    if (
        frequency is Frequency.ONE_TIME
        and first_due.rule is not FirstDueRule.DAYS_AFTER_DISBURSEMENT
    ):
        ctx.error(
            doc,
            ["repayment", "first_due"],
            "a one_time product needs first_due rule days_after_disbursement",
        )
    if (amortization is Amortization.FLAT) != (method is InterestMethod.FLAT):
        ctx.error(
            doc,
            ["interest", "method"],
            f"interest method {method.value} does not fit amortization {amortization.value}"
            " (flat goes with flat)",
        )
    rnd = r["rounding"]
    pen = r["penalty"]
    alloc = r.get("allocation", {"order": ["penalty", "fee", "interest", "principal"]})
    order = tuple(AllocationComponent(x) for x in alloc["order"])
    missing = [c.value for c in AllocationComponent if c not in order]
    if missing:
        ctx.error(doc, ["allocation", "order"], f"allocation order misses {', '.join(missing)}")
    buckets = tuple(
        AllocationBucket(x) for x in alloc.get("buckets", [b.value for b in AllocationBucket])
    )
    pre = r.get("prepayment", {})
    grace = r.get("grace", {})
    revolving: RevolvingSpec | None = None
    if "revolving" in r:
        rv = r["revolving"]
        limit = _dec_range(rv["credit_limit"])
        _check_range(ctx, doc, ["revolving", "credit_limit"], limit.min, limit.max)
        revolving = RevolvingSpec(
            limit, _dec(rv["draw_min"]), rv["limit_term_months"], bool(rv.get("renewable", False))
        )
        if revolving.draw_min > limit.max:
            ctx.error(doc, ["revolving", "draw_min"], "draw_min is above the credit limit max")
    if kind is LoanKind.REVOLVING and revolving is None:
        ctx.error(doc, ["kind"], "a revolving product needs a 'revolving:' section")
    if kind is not LoanKind.REVOLVING and revolving is not None:
        ctx.error(
            doc, ["revolving"], f"'revolving:' is only for kind revolving (kind is {kind.value})"
        )
    entrusted: EntrustedSpec | None = None
    if "entrusted" in r:
        en = r["entrusted"]
        entrusted = EntrustedSpec(
            _dec(en["agency_fee_rate"]), bool(en.get("entrusting_party_required", True))
        )
    if kind is LoanKind.ENTRUSTED and entrusted is None:
        ctx.error(doc, ["kind"], "an entrusted product needs an 'entrusted:' section")
    if kind is not LoanKind.ENTRUSTED and entrusted is not None:
        ctx.error(
            doc, ["entrusted"], f"'entrusted:' is only for kind entrusted (kind is {kind.value})"
        )
    custom = _fields(ctx, doc, r.get("custom_fields"), ["custom_fields"], envs.form_env)
    return ProductSpec(
        code=r["code"],
        kind=kind,
        label=_label(r["label"]),
        description=_opt_label(r.get("description")),
        region=r["region"],
        currency=r["currency"],
        valid_from=valid_from,
        valid_to=valid_to,
        amount=amount,
        term=term,
        interest=InterestSpec(rate, method, InterestPeriod(r["interest"]["period"])),
        amortization=amortization,
        repayment=RepaymentSpec(frequency, rep.get("every", 1), first_due),
        day_count=DayCount(r["day_count"]),
        grace=GraceSpec(
            grace.get("principal_periods", 0),
            grace.get("interest_payment_periods", 0),
            grace.get("interest_free_periods", 0),
        ),
        rounding=RoundingSpec(
            RoundingMode(rnd["mode"]), rnd["minor_unit"], _opt_dec(rnd.get("installment_multiple"))
        ),
        fee_schedule=r["fee_schedule"],
        penalty=PenaltySpec(
            _dec(pen["rate_per_day"]),
            PenaltyBase(pen["base"]),
            _dec(pen["late_fee"]),
            pen["grace_days"],
            _opt_dec(pen.get("cap_ratio")),
        ),
        allocation=AllocationSpec(order, buckets),
        prepayment=PrepaymentSpec(
            pre.get("allowed_after_periods", 0), PrepaymentEffect(pre.get("effect", "reduce_term"))
        ),
        overpayment=OverpaymentPolicy(r.get("overpayment", "credit")),
        approval_chain=r["approval_chain"],
        scorecard=r.get("scorecard"),
        notifications=tuple(r.get("notifications", ())),
        custom_fields=custom,
        revolving=revolving,
        entrusted=entrusted,
    )


def _build_fee_schedule(ctx: _Ctx, doc: _Doc) -> FeeScheduleSpec:
    r = doc.data
    fees: list[FeeSpec] = []
    for i, f in enumerate(r["fees"]):
        path: list[str | int] = ["fees", i]
        calc = FeeCalculation(f["calculation"])
        tiers = []
        for j, t in enumerate(f.get("tiers", ())):
            w = t["when"]
            if "rate" not in t and "amount" not in t:
                ctx.error(doc, [*path, "tiers", j], "a tier needs 'rate' or 'amount'")
            tiers.append(
                FeeTier(
                    w.get("term_min"),
                    w.get("term_max"),
                    _opt_dec(w.get("amount_min")),
                    _opt_dec(w.get("amount_max")),
                    _opt_dec(t.get("rate")),
                    _opt_dec(t.get("amount")),
                )
            )
        if calc is FeeCalculation.FIXED and "amount" not in f:
            ctx.error(doc, path, "a fixed fee needs 'amount'")
        if calc is not FeeCalculation.FIXED and "rate" not in f:
            ctx.error(doc, path, f"a {calc.value} fee needs 'rate'")
        lo, hi = _opt_dec(f.get("min_amount")), _opt_dec(f.get("max_amount"))
        if lo is not None and hi is not None and lo > hi:
            ctx.error(
                doc, [*path, "min_amount"], f"min_amount {lo} is greater than max_amount {hi}"
            )
        fees.append(
            FeeSpec(
                code=f["code"],
                label=_label(f["label"]),
                trigger=FeeTrigger(f["trigger"]),
                calculation=calc,
                collection=FeeCollection(f["collection"]),
                party=FeeParty(f["party"]),
                rate=_opt_dec(f.get("rate")),
                amount=_opt_dec(f.get("amount")),
                min_amount=lo,
                max_amount=hi,
                tiers=tuple(tiers),
            )
        )
    _unique(ctx, doc, r["fees"], ["fees"])
    return FeeScheduleSpec(r["code"], _label(r["label"]), r["currency"], tuple(fees))


def _build_approval_chain(ctx: _Ctx, doc: _Doc) -> ApprovalChainSpec:
    r = doc.data
    steps = []
    for i, s in enumerate(r["steps"]):
        lo, hi = _opt_dec(s.get("amount_min")), _opt_dec(s.get("amount_max"))
        if lo is not None and hi is not None and lo > hi:
            ctx.error(doc, ["steps", i, "amount_min"], f"amount_min {lo} is above amount_max {hi}")
        ctx.expr(doc, ["steps", i, "condition"], s.get("condition"), envs.APPROVAL_ENV)
        steps.append(
            ApprovalStep(
                s["code"],
                _label(s["label"]),
                s["role"],
                lo,
                hi,
                s.get("condition"),
                s.get("sla_hours", 24),
                s.get("approvers", 1),
            )
        )
    _unique(ctx, doc, r["steps"], ["steps"])
    return ApprovalChainSpec(r["code"], _label(r["label"]), r["currency"], tuple(steps))


def _build_scorecard(ctx: _Ctx, doc: _Doc) -> ScorecardSpec:
    r = doc.data
    chars = []
    for i, c in enumerate(r["characteristics"]):
        bins = []
        for j, b in enumerate(c["bins"]):
            ctx.expr(doc, ["characteristics", i, "bins", j, "when"], b["when"], envs.SCORECARD_ENV)
            bins.append(ScoreBin(b["when"], b["points"], _opt_label(b.get("label"))))
        chars.append(Characteristic(c["code"], _label(c["label"]), tuple(bins)))
    _unique(ctx, doc, r["characteristics"], ["characteristics"])
    knockouts = []
    for i, k in enumerate(r.get("knockouts", ())):
        ctx.expr(doc, ["knockouts", i, "when"], k["when"], envs.SCORECARD_ENV)
        knockouts.append(
            KnockoutRule(k["code"], _label(k["label"]), k["when"], Decision(k["decision"]))
        )
    _unique(ctx, doc, r.get("knockouts"), ["knockouts"])
    cut = r["cutoffs"]
    if cut["refer_min"] > cut["approve_min"]:
        ctx.error(
            doc,
            ["cutoffs", "refer_min"],
            f"refer_min {cut['refer_min']} is above approve_min {cut['approve_min']}",
        )
    return ScorecardSpec(
        r["code"],
        _label(r["label"]),
        r.get("base_points", 0),
        tuple(chars),
        cut["approve_min"],
        cut["refer_min"],
        tuple(knockouts),
    )


def _quiet(raw: Any) -> QuietHours | None:
    if not raw:
        return None
    return QuietHours(
        raw["start"], raw["end"], raw.get("tz"), bool(raw.get("waivable_by_consent", False))
    )


def _build_region(ctx: _Ctx, doc: _Doc, r: Any) -> RegionSpec:
    rates: dict[str, ReferenceRate] = {}
    for code, rr in (r.get("reference_rates") or {}).items():
        points = []
        for i, p in enumerate(rr.get("series", ())):
            day = _date(
                ctx,
                doc,
                ["reference_rates", code, "series", i, "effective_from"],
                p["effective_from"],
            )
            if day is not None:
                points.append(RatePoint(day, _dec(p["value"])))
        rates[code] = ReferenceRate(code, rr["unit"], tuple(points), rr.get("lookup"))
    caps = []
    typed_cap_keys = {
        "id",
        "measure",
        "metric",
        "max",
        "max_expr",
        "applies_to",
        "action",
        "action_before",
        "action_after",
        "effective_from",
        "effective_to",
        "status",
        "confidence",
        "source",
    }
    for i, c in enumerate(r.get("rate_caps") or ()):
        path: list[str | int] = ["rate_caps", i]
        before = c.get("action_before")
        after = c.get("action_after")
        b_day = (
            _date(ctx, doc, [*path, "action_before", "until"], before["until"]) if before else None
        )
        a_day = _date(ctx, doc, [*path, "action_after", "from"], after["from"]) if after else None
        if not any(k in c for k in ("max", "max_expr", "monthly_rate_tiers")):
            ctx.error(doc, path, "a rate cap needs 'max', 'max_expr' or 'monthly_rate_tiers'")
        if "max_expr" in c:
            try:
                parse_max_expr(c["max_expr"])
            except ValueError as exc:
                ctx.error(doc, [*path, "max_expr"], str(exc))
        caps.append(
            RateCap(
                id=c["id"],
                measure=c.get("measure"),
                metric=c.get("metric"),
                max=_opt_dec(c.get("max")),
                max_expr=c.get("max_expr"),
                applies_to=c.get("applies_to"),
                action=ComplianceAction(c["action"]) if "action" in c else None,
                action_before=(b_day, ComplianceAction(before["action"]))
                if before and b_day
                else None,
                action_after=(a_day, ComplianceAction(after["action"]))
                if after and a_day
                else None,
                effective_from=_date(ctx, doc, [*path, "effective_from"], c.get("effective_from")),
                effective_to=_date(ctx, doc, [*path, "effective_to"], c.get("effective_to")),
                status=c.get("status"),
                confidence=c.get("confidence"),
                source=c.get("source"),
                extra=_freeze({k: v for k, v in c.items() if k not in typed_cap_keys}),
            )
        )
    _unique(ctx, doc, r.get("rate_caps"), ["rate_caps"], what="id")
    coll = r.get("collections") or {}
    dp = r.get("data_protection") or {}
    pii = {}
    for code, f in (dp.get("fields") or {}).items():
        mask = f.get("mask")
        if mask is not None and not _MASK_RE.match(str(mask)):
            ctx.error(
                doc,
                ["data_protection", "fields", code, "mask"],
                f"unsupported mask {mask!r} (expected keep_first_N_last_M)",
            )
        pii[code] = PiiField(
            code,
            mask,
            bool(f.get("encrypt_at_rest", False)),
            _freeze({k: v for k, v in f.items() if k not in ("mask", "encrypt_at_rest")}),
        )
    typed = {
        "code",
        "label",
        "inherits",
        "currency",
        "timezone",
        "reference_rates",
        "measures",
        "rate_caps",
        "fee_rules",
        "collections",
        "data_protection",
        "overlays",
        "schema_version",
    }
    return RegionSpec(
        code=r["code"],
        label=_label(r["label"]),
        inherits=r.get("inherits"),
        currency=r.get("currency"),
        timezone=r.get("timezone"),
        reference_rates=MappingProxyType(rates),
        measures=_freeze(dict(r.get("measures") or {})),
        rate_caps=tuple(caps),
        fee_rules=_freeze(dict(r.get("fee_rules") or {})),
        quiet_hours=_quiet(coll.get("quiet_hours")),
        policy_default_quiet_hours=_quiet(coll.get("policy_default_quiet_hours")),
        collections=_freeze(dict(coll)),
        pii_fields=MappingProxyType(pii),
        data_protection=_freeze(dict(dp)),
        overlays=tuple(Overlay(o["when"], o["region"]) for o in r.get("overlays") or ()),
        extra=_freeze({k: v for k, v in r.items() if k not in typed}),
    )


def _build_entity(ctx: _Ctx, doc: _Doc) -> EntitySpec:
    r = doc.data
    fields = _fields(ctx, doc, r["fields"], ["fields"], envs.entity_env)
    codes = {f.code for f in fields}
    for key in ("list_columns", "search_columns"):
        for i, col in enumerate(r.get(key, ())):
            if col not in codes:
                ctx.error(doc, [key, i], f"unknown field {col!r}")
    sections = tuple(Section(s["code"], _label(s["label"])) for s in r.get("sections", ()))
    section_codes = {s.code for s in sections}
    for i, f in enumerate(fields):
        if f.section is not None and f.section not in section_codes:
            ctx.error(doc, ["fields", i, "section"], f"unknown section {f.section!r}")
    owner = (r.get("data_scope") or {}).get("owner_field")
    if owner is not None and owner not in codes:
        ctx.error(doc, ["data_scope", "owner_field"], f"unknown field {owner!r}")
    return EntitySpec(
        code=r["code"],
        label=_label(r["label"]),
        table=r["table"],
        fields=fields,
        list_columns=tuple(r.get("list_columns", ())),
        search_columns=tuple(r.get("search_columns", ())),
        sections=sections,
        owner_field=owner,
        menu_category=r.get("menu_category"),
        parent=r.get("parent"),
    )


def _build_roles(ctx: _Ctx, doc: _Doc) -> dict[str, RoleSpec]:
    out = {}
    for r in doc.data["roles"]:
        out[r["code"]] = RoleSpec(
            code=r["code"],
            label=_label(r["label"]),
            menus=tuple(r.get("menus", ())),
            permissions=MappingProxyType(
                {k: frozenset(v) for k, v in (r.get("permissions") or {}).items()}
            ),
            data_scope=MappingProxyType(
                {k: DataScope(v) for k, v in (r.get("data_scope") or {}).items()}
            ),
        )
    _unique(ctx, doc, doc.data["roles"], ["roles"])
    for code in STANDARD_ROLES:
        if code not in out:
            ctx.error(doc, ["roles"], f"standard role {code!r} is missing")
    return out


def _build_menus(ctx: _Ctx, doc: _Doc) -> tuple[MenuCategory, ...]:
    cats = []
    seen: dict[str, str] = {}
    for i, c in enumerate(doc.data["categories"]):
        items = []
        for j, it in enumerate(c["items"]):
            if it["code"] in seen:
                ctx.error(
                    doc,
                    ["categories", i, "items", j, "code"],
                    f"duplicate menu item {it['code']!r} (also in category {seen[it['code']]})",
                )
            seen[it["code"]] = c["code"]
            items.append(MenuItem(it["code"], _label(it["label"]), it["view"], it.get("icon")))
        cats.append(MenuCategory(c["code"], _label(c["label"]), c.get("icon"), tuple(items)))
    _unique(ctx, doc, doc.data["categories"], ["categories"])
    return tuple(cats)


def _build_dictionaries(ctx: _Ctx, doc: _Doc) -> dict[str, DictionarySpec]:
    out = {}
    for i, d in enumerate(doc.data["dictionaries"]):
        items = tuple(
            DictionaryItem(str(it["code"]), _label(it["label"]), bool(it.get("active", True)))
            for it in d["items"]
        )
        _unique(ctx, doc, d["items"], ["dictionaries", i, "items"])
        out[d["code"]] = DictionarySpec(d["code"], _label(d["label"]), items)
    _unique(ctx, doc, doc.data["dictionaries"], ["dictionaries"])
    return out


def _build_eod(ctx: _Ctx, doc: _Doc) -> EodSpec:
    steps = []
    for s in doc.data["steps"]:
        steps.append(
            EodStep(
                EodStepCode(s["code"]),
                _opt_label(s.get("label")),
                bool(s.get("enabled", True)),
                _freeze(dict(s.get("params") or {})),
            )
        )
    _unique(ctx, doc, doc.data["steps"], ["steps"])
    return EodSpec(tuple(steps), doc.data.get("partition_size", 1000))


def _build_collections(ctx: _Ctx, doc: _Doc) -> CollectionsSpec:
    levels = []
    prev_max: int | None = 0
    for i, lv in enumerate(doc.data["levels"]):
        level = CollectionLevel(
            lv["level"],
            lv["code"],
            _label(lv["label"]),
            lv["dpd_min"],
            lv.get("dpd_max"),
            tuple(lv["actions"]),
            lv.get("assign_role"),
            lv.get("notification"),
        )
        if level.level != i + 1:
            ctx.error(
                doc,
                ["levels", i, "level"],
                f"levels must be numbered 1, 2, 3 in order (expected {i + 1})",
            )
        if level.dpd_max is not None and level.dpd_max < level.dpd_min:
            ctx.error(
                doc,
                ["levels", i, "dpd_min"],
                f"dpd_min {level.dpd_min} is greater than dpd_max {level.dpd_max}",
            )
        if prev_max is None or level.dpd_min != prev_max + 1:
            ctx.error(
                doc,
                ["levels", i, "dpd_min"],
                f"dpd ranges must be contiguous: expected dpd_min {None if prev_max is None else prev_max + 1}",
            )
        prev_max = level.dpd_max
        levels.append(level)
    _unique(ctx, doc, doc.data["levels"], ["levels"])
    rem = doc.data.get("reminders") or {}
    return CollectionsSpec(
        tuple(levels),
        tuple(rem.get("before_due_days", ())),
        tuple(rem.get("after_overdue_days", ())),
        _freeze(dict(doc.data.get("dispatch") or {})),
    )


def _build_early_warning(ctx: _Ctx, doc: _Doc) -> EarlyWarningSpec:
    out = []
    for i, ind in enumerate(doc.data["indicators"]):
        ctx.expr(doc, ["indicators", i, "when"], ind["when"], envs.EARLY_WARNING_ENV)
        out.append(
            WarningIndicator(
                ind["code"],
                _label(ind["label"]),
                ind["when"],
                Severity(ind["severity"]),
                ind.get("action"),
            )
        )
    _unique(ctx, doc, doc.data["indicators"], ["indicators"])
    return EarlyWarningSpec(tuple(out))


# ------------------------------------------------------------------ regions


def _merge(parent: Any, child: Any) -> Any:
    if isinstance(parent, dict) and isinstance(child, dict):
        out = dict(parent)
        for key, value in child.items():
            out[key] = _merge(parent[key], value) if key in parent else value
        return out
    return child


# ------------------------------------------------------------------ main entry


def _classify(key: str) -> tuple[str, str] | None:
    if key.startswith("config/"):
        rel = PurePosixPath(key[len("config/") :])
        if len(rel.parts) == 1 and rel.name in _SINGLETONS:
            return _SINGLETONS[rel.name], rel.stem
        if len(rel.parts) == 2 and rel.parts[0] in _FOLDERS and rel.suffix == ".yaml":
            return _FOLDERS[rel.parts[0]], rel.stem
        return None
    if key.startswith("templates/"):
        rel = PurePosixPath(key[len("templates/") :])
        if len(rel.parts) == 2 and rel.name == "meta.yaml":
            return "template_meta", rel.parts[0]
        if _TEMPLATE_RE.match(key):
            return "template_body", rel.parts[0]
    return None


def load_bundle(
    files: Mapping[str, str], *, display_names: Mapping[str, str] | None = None
) -> SpecRegistry:
    """Parse and validate a bundle; return the immutable registry.

    :param files: bundle key → file text (see :func:`read_bundle`).
    :param display_names: bundle key → path shown in error messages.
    :raises ConfigErrors: every error found, sorted by file and line.
    """
    names = dict(display_names or {})
    ctx = _Ctx()
    docs: list[_Doc] = []
    bodies: dict[str, dict[tuple[str, str], tuple[str, _Doc]]] = {}
    # codes of every parsed document, valid or not: references to a file that has
    # errors of its own are not reported again as dangling
    declared: dict[str, set[str]] = {}
    present: set[str] = set()
    for key in sorted(files):
        display = names.get(key, key)
        kind_stem = _classify(key)
        doc = _Doc(key, display, "", "")
        if kind_stem is None:
            ctx.error(
                doc, [], "unexpected file: not part of the configuration layout (see CONTRACTS.md)"
            )
            continue
        doc.kind, doc.stem = kind_stem
        if doc.kind == "template_body":
            m = _TEMPLATE_RE.match(key)
            assert m is not None
            bodies.setdefault(m.group(1), {})[(m.group(2), m.group(3))] = (files[key], doc)
            continue
        try:
            doc.data = load_yaml(files[key])
        except YamlProblem as exc:
            for line, path, message in exc.problems:
                ctx.errors.append(ConfigError(display, line, path, message))
            continue
        if not isinstance(doc.data, dict):
            ctx.error(doc, [], "the document must be a mapping")
            continue
        present.add(doc.kind)
        declared.setdefault(doc.kind, set()).add(str(doc.data.get("code", doc.stem)))
        _schema_errors(ctx, doc)
        if not doc.ok:
            # structurally broken: still try the per-code builders below (best effort) so
            # that its cross references are checked in the same run
            if doc.kind in _BEST_EFFORT and doc.data.get("code") == doc.stem:
                docs.append(doc)
            continue
        if doc.kind in _FOLDERS.values() or doc.kind == "template_meta":
            if doc.data.get("code") != doc.stem:
                where = "directory name" if doc.kind == "template_meta" else "file name"
                ctx.error(
                    doc,
                    ["code"],
                    f"code {doc.data.get('code')!r} must equal the {where} {doc.stem!r}",
                )
                continue
        docs.append(doc)

    built: dict[str, dict[str, tuple[Any, _Doc]]] = {}

    def put(kind: str, code: str, value: Any, doc: _Doc, path: list[str | int]) -> None:
        table = built.setdefault(kind, {})
        if code in table:
            other = table[code][1]
            ctx.error(doc, path, f"duplicate code {code!r} (also defined in {other.display})")
            return
        table[code] = (value, doc)

    builders: dict[str, Callable[[_Ctx, _Doc], Any]] = {
        "product": _build_product,
        "fee_schedule": _build_fee_schedule,
        "approval_chain": _build_approval_chain,
        "scorecard": _build_scorecard,
        "entity": _build_entity,
    }
    singletons: dict[str, tuple[Any, _Doc]] = {}
    region_docs: dict[str, _Doc] = {}
    for doc in docs:
        if not doc.ok:
            try:
                value = builders[doc.kind](ctx, doc)
            except (KeyError, ValueError, TypeError, AttributeError, ArithmeticError):
                continue
            put(doc.kind, doc.data["code"], value, doc, ["code"])
        elif doc.kind in builders:
            put(doc.kind, doc.data["code"], builders[doc.kind](ctx, doc), doc, ["code"])
        elif doc.kind == "compliance":
            _build_region(ctx, doc, doc.data)  # reports this file's own errors
            region_docs[doc.data["code"]] = doc
        elif doc.kind == "roles":
            singletons["roles"] = (_build_roles(ctx, doc), doc)
        elif doc.kind == "menus":
            singletons["menus"] = (_build_menus(ctx, doc), doc)
        elif doc.kind == "dictionaries":
            singletons["dictionaries"] = (_build_dictionaries(ctx, doc), doc)
        elif doc.kind == "eod":
            singletons["eod"] = (_build_eod(ctx, doc), doc)
        elif doc.kind == "collections":
            singletons["collections"] = (_build_collections(ctx, doc), doc)
        elif doc.kind == "early_warning":
            singletons["early_warning"] = (_build_early_warning(ctx, doc), doc)
        elif doc.kind == "template_meta":
            put("template_meta", doc.data["code"], None, doc, ["code"])

    # regions: resolve inheritance, build the effective (merged) region
    regions: dict[str, RegionSpec] = {}
    silent = _Ctx(silent=True)
    for code, doc in region_docs.items():
        chain = [code]
        raw: Any = doc.data
        parent = doc.data.get("inherits")
        ok = True
        while parent is not None:
            if parent in chain:
                ctx.error(doc, ["inherits"], f"inheritance cycle: {' → '.join([*chain, parent])}")
                ok = False
                break
            if parent not in region_docs:
                ctx.error(doc, ["inherits"], f"unknown region {parent!r}")
                ok = False
                break
            raw = _merge(region_docs[parent].data, raw)
            chain.append(parent)
            parent = region_docs[parent].data.get("inherits")
        if ok:
            merged = dict(raw)
            merged["code"], merged["label"] = doc.data["code"], doc.data["label"]
            merged["inherits"] = doc.data.get("inherits")
            regions[code] = _build_region(silent, doc, merged)
    for code, region in regions.items():
        doc = region_docs[code]
        for i, overlay in enumerate(region.overlays):
            if overlay.region not in region_docs:
                ctx.error(doc, ["overlays", i, "region"], f"unknown region {overlay.region!r}")
        for i, cap in enumerate(region.rate_caps):
            if cap.measure is not None and cap.measure not in region.measures:
                ctx.error(doc, ["rate_caps", i, "measure"], f"unknown measure {cap.measure!r}")
            if cap.max_expr is not None:
                try:
                    _, _, series = parse_max_expr(cap.max_expr)
                except ValueError:
                    continue
                if series not in region.reference_rates:
                    ctx.error(
                        doc, ["rate_caps", i, "max_expr"], f"unknown reference rate {series!r}"
                    )

    def table(kind: str) -> dict[str, Any]:
        return {code: value for code, (value, _doc) in built.get(kind, {}).items()}

    products = table("product")
    fee_schedules = table("fee_schedule")
    chains = table("approval_chain")
    scorecards = table("scorecard")
    entities = table("entity")
    roles: dict[str, RoleSpec] = singletons["roles"][0] if "roles" in singletons else {}
    menus: tuple[MenuCategory, ...] = singletons["menus"][0] if "menus" in singletons else ()
    dictionaries: dict[str, DictionarySpec] = (
        singletons["dictionaries"][0] if "dictionaries" in singletons else {}
    )
    template_codes = declared.get("template_meta", set())
    # a bundle without templates (load_directory(config_dir) alone) skips event references
    has_templates = any(key.startswith("templates/") for key in files)

    # templates
    templates: dict[str, NotificationTemplateSpec] = {}
    for code, (_none, doc) in built.get("template_meta", {}).items():
        meta = doc.data
        channels = tuple(meta["channels"])
        variables = tuple(
            TemplateVariable(v["code"], _label(v["label"]), v["type"]) for v in meta["variables"]
        )
        _unique(ctx, doc, meta["variables"], ["variables"])
        declared_vars = {v.code for v in variables}
        texts: dict[tuple[str, str], str] = {}
        for (channel, locale), (text, body_doc) in sorted(bodies.get(code, {}).items()):
            if channel not in channels:
                ctx.error(body_doc, [], f"channel {channel!r} is not declared in {doc.display}")
                continue
            if locale not in LOCALES:
                ctx.error(body_doc, [], f"unsupported locale {locale!r} (expected zh_CN or en)")
                continue
            for n, line_text in enumerate(text.splitlines(), start=1):
                for m in _JINJA_VAR_RE.finditer(line_text):
                    if m.group(1) not in declared_vars:
                        ctx.errors.append(
                            ConfigError(
                                body_doc.display,
                                n,
                                "",
                                f"variable {m.group(1)!r} is not declared in {doc.display}",
                            )
                        )
            texts[(channel, locale)] = text
        for i, channel in enumerate(channels):
            for locale in LOCALES:
                if (channel, locale) not in bodies.get(code, {}):
                    ctx.error(
                        doc, ["channels", i], f"missing template {code}/{channel}.{locale}.j2"
                    )
        templates[code] = NotificationTemplateSpec(
            code, _label(meta["label"]), channels, variables, MappingProxyType(texts)
        )
    for event, by_key in bodies.items():
        if event not in template_codes:
            for (_channel, _locale), (_text, body_doc) in by_key.items():
                ctx.error(body_doc, [], f"template without {event}/meta.yaml")

    view_codes = BUILTIN_VIEWS | declared.get("entity", set())

    def ref_check(
        doc: _Doc, path: list[str | int], code: str | None, pool: Iterable[str], what: str
    ) -> None:
        if isinstance(code, str) and code not in pool:
            ctx.error(doc, path, f"unknown {what} {code!r}")

    # products: cross references, currencies, caps
    # product references are checked on the raw document, so that a product with
    # structural errors of its own still has its references checked in the same run
    for doc in docs:
        if doc.kind != "product":
            continue
        raw = doc.data
        for key, kind, what in (
            ("fee_schedule", "fee_schedule", "fee schedule"),
            ("approval_chain", "approval_chain", "approval chain"),
            ("scorecard", "scorecard", "scorecard"),
            ("region", "compliance", "region"),
        ):
            value = raw.get(key)
            if isinstance(value, str):
                ref_check(doc, [key], value, declared.get(kind, ()), what)
        events = raw.get("notifications")
        for i, event in enumerate(events if isinstance(events, list) else ()):
            if isinstance(event, str) and has_templates:
                ref_check(doc, ["notifications", i], event, template_codes, "notification event")
    for product, doc in built.get("product", {}).values():
        if not doc.ok:  # best-effort build of a broken file
            continue
        product_region = regions.get(product.region)
        _check_field_refs(
            ctx,
            doc,
            ["custom_fields"],
            product.custom_fields,
            dictionaries,
            declared.get("entity", set()),
            frozenset(product_region.pii_fields) if product_region is not None else None,
        )
        fs = fee_schedules.get(product.fee_schedule)
        if fs is not None and fs.currency != product.currency:
            ctx.error(
                doc,
                ["fee_schedule"],
                f"fee schedule {fs.code!r} is in {fs.currency}, product in {product.currency}",
            )
        ch = chains.get(product.approval_chain)
        if ch is not None and ch.currency != product.currency:
            ctx.error(
                doc,
                ["approval_chain"],
                f"approval chain {ch.code!r} is in {ch.currency}, product in {product.currency}",
            )
        preg = regions.get(product.region)
        if preg is None:
            continue
        if preg.currency is not None and preg.currency != product.currency:
            ctx.error(
                doc,
                ["currency"],
                f"region {preg.code} uses {preg.currency}, not {product.currency}",
            )
        _check_caps(ctx, doc, product, preg)
        if (
            fs is not None
            and preg.fee_rules.get("upfront_deduction_of_interest_or_fees") == "forbidden"
        ):
            for fee in fs.fees:
                if fee.collection is FeeCollection.UPFRONT:
                    ctx.error(
                        doc,
                        ["fee_schedule"],
                        f"fee {fee.code!r} of {fs.code!r} is deducted upfront, which region "
                        f"{preg.code} forbids (fee_rules.upfront_deduction_of_interest_or_fees)",
                    )

    for chain, doc in built.get("approval_chain", {}).values():
        if not doc.ok:  # best-effort build of a broken file
            continue
        for i, step in enumerate(chain.steps):
            if "roles" in singletons:
                ref_check(doc, ["steps", i, "role"], step.role, roles, "role")
    all_pii = frozenset(code for r in regions.values() for code in r.pii_fields)
    tables: dict[str, str] = {}
    for entity, doc in built.get("entity", {}).values():
        if not doc.ok:  # best-effort build of a broken file
            continue
        _check_field_refs(
            ctx,
            doc,
            ["fields"],
            entity.fields,
            dictionaries,
            declared.get("entity", set()),
            all_pii if len(regions) == len(region_docs) else None,
        )
        if entity.table in tables:
            ctx.error(
                doc, ["table"], f"table {entity.table!r} is also used by {tables[entity.table]!r}"
            )
        tables[entity.table] = entity.code
        if entity.menu_category is not None and "menus" in singletons:
            ref_check(
                doc,
                ["menu_category"],
                entity.menu_category,
                {c.code for c in menus},
                "menu category",
            )
        ref_check(doc, ["parent"], entity.parent, view_codes, "parent entity/view")
    if "menus" in singletons:
        mdoc = singletons["menus"][1]
        for i, cat in enumerate(menus):
            for j, item in enumerate(cat.items):
                ref_check(
                    mdoc,
                    ["categories", i, "items", j, "view"],
                    item.view,
                    view_codes,
                    "entity/view",
                )
    if "roles" in singletons:
        rdoc = singletons["roles"][1]
        menu_items = {it.code for c in menus for it in c.items} | {"*"}
        for i, role in enumerate(singletons["roles"][1].data["roles"]):
            for j, m in enumerate(role.get("menus", ())):
                if "menus" in singletons:
                    ref_check(rdoc, ["roles", i, "menus", j], m, menu_items, "menu item")
            for key in ("permissions", "data_scope"):
                for target in role.get(key) or {}:
                    ref_check(
                        rdoc, ["roles", i, key, target], target, view_codes | {"*"}, "entity/view"
                    )
    if "collections" in singletons:
        cspec, cdoc = singletons["collections"]
        for i, level in enumerate(cspec.levels):
            if "roles" in singletons:
                ref_check(cdoc, ["levels", i, "assign_role"], level.assign_role, roles, "role")
            if has_templates:
                ref_check(
                    cdoc,
                    ["levels", i, "notification"],
                    level.notification,
                    template_codes,
                    "notification event",
                )
    for kind in ("roles", "menus", "dictionaries", "eod", "collections", "early_warning"):
        if kind not in singletons and not any(
            e.file == names.get(f"config/{kind}.yaml", f"config/{kind}.yaml") for e in ctx.errors
        ):
            key = f"config/{kind}.yaml"
            ctx.errors.append(ConfigError(names.get(key, key), 1, "", "required file is missing"))

    if ctx.errors:
        raise ConfigErrors(ctx.errors)

    canonical = json.dumps(sorted(files.items()), ensure_ascii=False, separators=(",", ":"))
    return SpecRegistry(
        content_hash=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        files=MappingProxyType(dict(sorted(files.items()))),
        products=MappingProxyType(products),
        fee_schedules=MappingProxyType(fee_schedules),
        approval_chains=MappingProxyType(chains),
        scorecards=MappingProxyType(scorecards),
        regions=MappingProxyType(regions),
        entities=MappingProxyType(entities),
        dictionaries=MappingProxyType(dictionaries),
        templates=MappingProxyType(templates),
        roles=MappingProxyType(roles),
        menus=menus,
        eod=singletons["eod"][0],
        collections=singletons["collections"][0],
        early_warning=singletons["early_warning"][0],
    )


def _check_field_refs(
    ctx: _Ctx,
    doc: _Doc,
    path: list[str | int],
    fields: tuple[FieldSpec, ...],
    dictionaries: Mapping[str, DictionarySpec],
    entities: Iterable[str],
    pii_codes: frozenset[str] | None = None,
) -> None:
    entities = set(entities)
    for i, f in enumerate(fields):
        if f.pii is not None and pii_codes is not None and f.pii not in pii_codes:
            known = ", ".join(sorted(pii_codes))
            ctx.error(
                doc,
                [*path, i, "pii"],
                f"unknown personal-data class {f.pii!r} (data_protection.fields: {known})",
            )
        if f.dictionary is not None and dictionaries and f.dictionary not in dictionaries:
            ctx.error(doc, [*path, i, "dictionary"], f"unknown dictionary {f.dictionary!r}")
        if (
            f.reference is not None
            and f.reference not in entities
            and f.reference not in BUILTIN_VIEWS
        ):
            ctx.error(doc, [*path, i, "reference"], f"unknown entity {f.reference!r}")
        _check_field_refs(
            ctx, doc, [*path, i, "columns"], f.columns, dictionaries, entities, pii_codes
        )


def _check_caps(ctx: _Ctx, doc: _Doc, product: ProductSpec, region: RegionSpec) -> None:
    """A product's max nominal annual rate must not exceed any blocking annual-rate cap.

    Checked on every date the verdict can change while the product is on sale: its
    ``valid_from`` and each cap's ``effective_from`` / action switch date inside the
    validity.  Caps with ``metric`` only (UK per-day caps), tiered caps and caps with
    ``applies_to_licence`` / ``applies_if`` are left to the quote engine.  The nominal rate
    is a lower bound of the comprehensive cost, so passing here is necessary, not
    sufficient.
    """
    rate = product.interest.annual_rate.max
    for cap in region.rate_caps:
        if cap.extra.get("applies_to_licence") or cap.extra.get("applies_if"):
            continue
        if cap.applies_to not in (None, "new_loans"):
            continue
        measure = region.measures.get(cap.measure or "") or {}
        metric = measure.get("metric") if isinstance(measure, Mapping) else None
        if not isinstance(metric, str) or metric not in _ANNUAL_METRICS:
            continue
        days = {product.valid_from}
        for d in (
            cap.effective_from,
            cap.action_after[0] if cap.action_after else None,
            cap.action_before[0] + dt.timedelta(days=1) if cap.action_before else None,
        ):
            if (
                d is not None
                and d > product.valid_from
                and (product.valid_to is None or d <= product.valid_to)
            ):
                days.add(d)
        for day in sorted(days):
            if cap.action_on(day) is not ComplianceAction.BLOCK:
                continue
            limit: Decimal | None = cap.max
            how = ""
            if cap.max_expr is not None:
                try:
                    limit = evaluate_max_expr(cap.max_expr, region.reference_rates, day)
                except ValueError:
                    continue
                how = f" ({cap.max_expr} on {day})"
            elif day != product.valid_from:
                how = f" (from {day})"
            if limit is not None and rate > limit:
                ctx.error(
                    doc,
                    ["interest", "annual_rate", "max"],
                    f"{rate} is above the {region.code} cap {limit.normalize()}{how} [{cap.id}]",
                )
                break
