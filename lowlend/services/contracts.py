"""Loan contract documents (借款合同): facts → HTML (sandboxed Jinja2) → PDF.

The lending service collects everything a contract shows into a frozen
:class:`ContractFacts` (already masked identity numbers and phones, Decimal money,
labels in the contract's language) and calls :func:`render_contract`; the loan records
the returned :attr:`ContractDocument.sha256` (SHA-256 of the HTML, which is what the
PDF shows). Nothing here touches the database or Flask.

* **Templates** are configuration files an admin edits:
  ``<template_dir>/<name>.<locale>.html.j2`` (default name ``loan_contract``, default
  directory :func:`default_template_dir`: ``product_configs/contracts``). They run in
  Jinja2's *immutable sandbox* with autoescaping and strict undefined variables, see
  :func:`contract_context` for the variables and the filters ``money``, ``date``,
  ``rate``, ``words`` and ``cn_number`` (11 → 十一).
* **PDF** is the same HTML laid out by WeasyPrint (CSS paged media: A4, running
  header, page numbers). The CJK font is a font file on disk (:func:`find_cjk_font`:
  ``LOWLEND_CJK_FONT``, else the Debian fonts ``fonts-wqy-zenhei`` and friends),
  embedded (subset) in the PDF. The renderer fetches no URL: only ``data:`` URIs and the
  chosen font file are read, so a template can neither reach the network nor read files.

Errors are :class:`ContractError` with a stable ``code``:

======================================  ============================================
code                                    when
======================================  ============================================
``contract_locale_unsupported``         locale other than ``zh_CN`` / ``en``
``contract_amount_not_decimal``         a money or rate value is not a finite Decimal
``contract_amount_not_positive``        principal ≤ 0
``contract_schedule_empty``             no schedule rows
``contract_schedule_order``             schedule ``seq`` not increasing
``contract_id_not_masked``              borrower / guarantor identity number not masked
``contract_entrusting_party_required``  entrusted loan without 委托人
``contract_template_missing``           no ``<name>.<locale>.html.j2`` in the directory
``contract_template_invalid``           template syntax error or unknown variable
``contract_template_unsafe``            the sandbox refused an operation of the template
``contract_font_missing``               no CJK font file found (PDF only)
======================================  ============================================

>>> format_money(Decimal("12000"), 2), format_money(Decimal("-1234567.5"), 2)
('12,000.00', '-1,234,567.50')
>>> format_date(date(2026, 12, 4), "zh_CN"), format_date(date(2026, 12, 4), "en")
('2026年12月4日', '4 December 2026')
>>> format_rate(Decimal("0.15")), format_rate(Decimal("0.179244"))
('15.00%', '17.9244%')
>>> amount_in_words(Decimal("12000"), "CNY", "zh_CN")
'人民币壹万贰仟元整'
>>> amount_in_words(Decimal("12000.50"), "CNY", "en")
'Renminbi twelve thousand yuan and fifty fen only'
>>> mask_id_number("360402199001010071"), mask_phone("13912345678")
('3604**********0071', '139****5678')
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lowlend.domain.conventions import LoanKind
from lowlend.domain.errors import DomainError
from lowlend.domain.money_words import chinese_capital, chinese_number, english_words
from lowlend.domain.schedule import Installment

__all__ = [
    "CJK_FONT_CANDIDATES",
    "LOCALES",
    "ContractDocument",
    "ContractError",
    "ContractFacts",
    "ContractFee",
    "Guarantor",
    "Lender",
    "Party",
    "ScheduleRow",
    "amount_in_words",
    "contract_context",
    "default_template_dir",
    "find_cjk_bold_font",
    "find_cjk_font",
    "format_date",
    "format_money",
    "format_rate",
    "html_to_pdf",
    "mask_id_number",
    "mask_phone",
    "render_contract",
    "render_contract_html",
    "render_contract_pdf",
]

LOCALES: Final = ("zh_CN", "en")
"""The languages a contract can be written in."""

DEFAULT_TEMPLATE: Final = "loan_contract"

CJK_FONT_CANDIDATES: Final = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",  # fonts-noto-cjk
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # fonts-noto-cjk
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",  # fonts-droid-fallback
)
"""Debian font files tried in order when ``LOWLEND_CJK_FONT`` is not set."""

CJK_FONT_FAMILY: Final = "Contract CJK"
"""The CSS family name the chosen CJK font file gets in the PDF (templates list it)."""

_PROJECT_DIR = Path(__file__).resolve().parents[2]


class ContractError(DomainError):
    """A contract could not be produced; ``code`` is one of the module's table."""


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class Lender:
    """The lending company (贷款人).

    :param licence_no: the business licence / lending permit number shown on the contract.
    """

    name: str
    address: str
    licence_no: str
    legal_representative: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class Party:
    """A borrower (借款人) or entrusting party (委托人), identity number and phone masked.

    :param id_type_label: e.g. ``居民身份证`` / ``Resident ID card``.
    :param id_number_masked: e.g. ``3604**********0071`` (see :func:`mask_id_number`).
    """

    name: str
    id_type_label: str
    id_number_masked: str
    phone_masked: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class Guarantor:
    """A guarantor (保证人) and the kind of guarantee (e.g. ``连带责任保证``)."""

    name: str
    id_type_label: str
    id_number_masked: str
    guarantee_label: str
    phone_masked: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class ContractFee:
    """A fee the borrower pays up front (e.g. 服务费), with a note on how it is collected."""

    label: str
    amount: Decimal
    note: str = ""


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One row of the repayment schedule; ``balance`` is principal outstanding after it."""

    seq: int
    due_date: date
    principal: Decimal
    interest: Decimal
    fee: Decimal
    total: Decimal
    balance: Decimal

    @classmethod
    def of(cls, row: Installment) -> ScheduleRow:
        """The contract row of a domain schedule row."""
        return cls(
            seq=row.seq,
            due_date=row.due_date,
            principal=row.principal,
            interest=row.interest,
            fee=row.fee,
            total=row.total,
            balance=row.balance,
        )


@dataclass(frozen=True, slots=True)
class ContractFacts:
    """Everything a loan contract shows, in the contract's language.

    Labels (product, repayment method, term, frequency, id type, fee names, penalty
    text) are already resolved to ``locale``. Money is :class:`~decimal.Decimal`;
    rates are fractions (``Decimal("0.15")`` = 15 %). ``apr_nominal`` /
    ``apr_effective`` are the annualised comprehensive cost (年化综合资金成本: interest
    and every fee, on the net proceeds) as the quote computes it.

    :param minor_unit: decimal places of ``currency``; ``None`` takes the known
        places of the currency (2 for CNY).
    :param config_version: the published configuration version the loan was booked with.
    :raises ContractError: on inconsistent facts (see the module's code table).
    """

    contract_no: str
    locale: str
    lender: Lender
    borrower: Party
    product_label: str
    loan_kind: LoanKind
    purpose: str
    principal: Decimal
    currency: str
    annual_rate: Decimal
    repayment_method_label: str
    term_label: str
    frequency_label: str
    apr_nominal: Decimal
    apr_effective: Decimal
    penalty_terms: str
    schedule: tuple[ScheduleRow, ...]
    signing_date: date
    signing_place: str
    config_version: str
    upfront_fees: tuple[ContractFee, ...] = ()
    entrusting_party: Party | None = None
    guarantors: tuple[Guarantor, ...] = ()
    credit_limit: Decimal | None = None
    disbursement_account_masked: str = ""
    repayment_account_masked: str = ""
    prepayment_terms: str = ""
    dispute_resolution: str = ""
    minor_unit: int | None = None

    def __post_init__(self) -> None:
        if self.locale not in LOCALES:
            raise ContractError("contract_locale_unsupported", "locale", value=self.locale)
        for name, value in self._decimals():
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ContractError("contract_amount_not_decimal", name, value=value)
        if self.principal <= 0:
            raise ContractError("contract_amount_not_positive", "principal", value=self.principal)
        if not self.schedule:
            raise ContractError("contract_schedule_empty", "schedule")
        seqs = [row.seq for row in self.schedule]
        if any(b <= a for a, b in itertools.pairwise(seqs)):
            raise ContractError("contract_schedule_order", "schedule", seqs=seqs)
        people = [("borrower", self.borrower.id_number_masked)]
        people += [(f"guarantors[{i}]", g.id_number_masked) for i, g in enumerate(self.guarantors)]
        for name, number in people:
            if number and "*" not in number:
                raise ContractError("contract_id_not_masked", f"{name}.id_number_masked")
        if self.loan_kind is LoanKind.ENTRUSTED and self.entrusting_party is None:
            raise ContractError("contract_entrusting_party_required", "entrusting_party")

    def _decimals(self) -> list[tuple[str, object]]:
        values: list[tuple[str, object]] = [
            ("principal", self.principal),
            ("annual_rate", self.annual_rate),
            ("apr_nominal", self.apr_nominal),
            ("apr_effective", self.apr_effective),
        ]
        if self.credit_limit is not None:
            values.append(("credit_limit", self.credit_limit))
        values += [(f"upfront_fees[{i}].amount", f.amount) for i, f in enumerate(self.upfront_fees)]
        for i, row in enumerate(self.schedule):
            for attr in ("principal", "interest", "fee", "total", "balance"):
                values.append((f"schedule[{i}].{attr}", getattr(row, attr)))
        return values

    @property
    def places(self) -> int:
        """Decimal places of the contract's money."""
        return self.minor_unit if self.minor_unit is not None else _currency(self.currency).places

    @property
    def first_due_date(self) -> date:
        """Due date of the first schedule row."""
        return self.schedule[0].due_date

    @property
    def final_due_date(self) -> date:
        """Due date of the last schedule row (the maturity)."""
        return self.schedule[-1].due_date

    @property
    def upfront_fees_total(self) -> Decimal:
        """Sum of the fees paid up front."""
        return sum((f.amount for f in self.upfront_fees), Decimal(0))


@dataclass(frozen=True, slots=True)
class ContractDocument:
    """A rendered contract: the HTML, its PDF and the SHA-256 (hex) of the HTML's UTF-8."""

    html: str
    pdf: bytes
    sha256: str


# --------------------------------------------------------------------- formatting


@dataclass(frozen=True, slots=True)
class _Currency:
    places: int
    zh: str
    en: str
    major: str
    minor: str


_CURRENCIES: Final = {
    "CNY": _Currency(2, "人民币", "Renminbi", "yuan", "fen"),
    "HKD": _Currency(2, "港币", "Hong Kong dollars", "dollars", "cents"),
    "USD": _Currency(2, "美元", "US dollars", "dollars", "cents"),
    "EUR": _Currency(2, "欧元", "euros", "euros", "cents"),
    "GBP": _Currency(2, "英镑", "pounds sterling", "pounds", "pence"),
    "JPY": _Currency(0, "日元", "Japanese yen", "yen", "sen"),
}


def _currency(code: str) -> _Currency:
    return _CURRENCIES.get(code) or _Currency(2, code, code, code, "hundredths")


_MONTHS_EN: Final = (
    "January February March April May June July August September October November December"
).split()


def format_money(amount: Decimal, places: int) -> str:
    """``amount`` with thousands separators and exactly ``places`` decimals (half up)."""
    quantum = Decimal(1).scaleb(-places)
    return f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def format_date(day: date, locale: str) -> str:
    """``2026年12月4日`` (zh_CN) or ``4 December 2026`` (en)."""
    if locale == "zh_CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_rate(rate: Decimal) -> str:
    """A fraction as a percentage with 2 to 4 decimals (``0.15`` → ``15.00%``)."""
    percent = (rate * 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    text = f"{percent:f}"
    whole, _, decimals = text.partition(".")
    decimals = decimals.rstrip("0").ljust(2, "0")
    return f"{whole}.{decimals}%"


def amount_in_words(amount: Decimal, currency: str, locale: str) -> str:
    """The amount in words with the currency's name.

    zh_CN: capital numerals (``人民币壹万贰仟元整``); en: ``Renminbi twelve thousand yuan only``.
    """
    cur = _currency(currency)
    if locale == "zh_CN":
        return cur.zh + chinese_capital(amount)
    return f"{cur.en} {english_words(amount, cur.major, cur.minor)} only"


def mask_id_number(number: str, keep_start: int = 4, keep_end: int = 4) -> str:
    """Keep the first and last characters of an identity number, star the rest."""
    if len(number) <= keep_start + keep_end:
        return "*" * len(number)
    middle = len(number) - keep_start - keep_end
    return number[:keep_start] + "*" * middle + number[len(number) - keep_end :]


def mask_phone(phone: str) -> str:
    """``139****5678``: the first three and last four digits of a phone number."""
    return mask_id_number(phone, 3, 4)


# ------------------------------------------------------------------------ context


def contract_context(facts: ContractFacts) -> dict[str, Any]:
    """The variables a contract template sees (values formatted for ``facts.locale``).

    Formatted strings: ``contract_no``, ``locale``, ``product``, ``loan_kind``
    (``term`` | ``revolving`` | ``entrusted``), ``purpose``, ``currency``,
    ``currency_name``, ``principal``, ``principal_words``, ``credit_limit`` /
    ``credit_limit_words`` (``None`` unless revolving), ``annual_rate``,
    ``apr_nominal``, ``apr_effective``, ``repayment_method``, ``term``, ``frequency``,
    ``installment_count``, ``first_due_date``, ``final_due_date``, ``upfront_fees``
    (rows of ``label``, ``amount``, ``note``), ``upfront_fees_total``,
    ``net_proceeds``, ``schedule`` (rows of ``seq``, ``due_date``, ``principal``,
    ``interest``, ``fee``, ``total``, ``balance``), ``totals`` (``principal``,
    ``interest``, ``fee``, ``total``), ``total_cost``, ``penalty_terms``,
    ``prepayment_terms``, ``dispute_resolution``, ``disbursement_account``,
    ``repayment_account``, ``signing_date``, ``signing_place``, ``config_version``.
    Objects: ``lender``, ``borrower``, ``entrusting_party`` (or ``None``),
    ``guarantors``, ``signatories`` (rows of ``role`` — ``lender`` | ``borrower`` |
    ``entrusting_party`` | ``guarantor`` — and ``name``, in signing order) and the raw
    ``facts``.
    """
    places = facts.places
    loc = facts.locale

    def money(value: Decimal) -> str:
        return format_money(value, places)

    rows = facts.schedule
    totals = {
        attr: money(sum((getattr(r, attr) for r in rows), Decimal(0)))
        for attr in ("principal", "interest", "fee", "total")
    }
    total_interest = sum((r.interest for r in rows), Decimal(0))
    total_fee = sum((r.fee for r in rows), Decimal(0))
    limit = facts.credit_limit
    signatories = [
        {"role": "lender", "name": facts.lender.name},
        {"role": "borrower", "name": facts.borrower.name},
    ]
    if facts.entrusting_party is not None:
        signatories.append({"role": "entrusting_party", "name": facts.entrusting_party.name})
    signatories += [{"role": "guarantor", "name": g.name} for g in facts.guarantors]
    return {
        "facts": facts,
        "contract_no": facts.contract_no,
        "locale": loc,
        "lender": facts.lender,
        "borrower": facts.borrower,
        "entrusting_party": facts.entrusting_party,
        "guarantors": facts.guarantors,
        "signatories": signatories,
        "product": facts.product_label,
        "loan_kind": facts.loan_kind.value,
        "purpose": facts.purpose,
        "currency": facts.currency,
        "currency_name": _currency(facts.currency).zh if loc == "zh_CN" else facts.currency,
        "principal": money(facts.principal),
        "principal_words": amount_in_words(facts.principal, facts.currency, loc),
        "credit_limit": money(limit) if limit is not None else None,
        "credit_limit_words": (
            amount_in_words(limit, facts.currency, loc) if limit is not None else None
        ),
        "annual_rate": format_rate(facts.annual_rate),
        "apr_nominal": format_rate(facts.apr_nominal),
        "apr_effective": format_rate(facts.apr_effective),
        "repayment_method": facts.repayment_method_label,
        "term": facts.term_label,
        "frequency": facts.frequency_label,
        "installment_count": len(rows),
        "first_due_date": format_date(facts.first_due_date, loc),
        "final_due_date": format_date(facts.final_due_date, loc),
        "upfront_fees": [
            {"label": f.label, "amount": money(f.amount), "note": f.note}
            for f in facts.upfront_fees
        ],
        "upfront_fees_total": money(facts.upfront_fees_total),
        "net_proceeds": money(facts.principal - facts.upfront_fees_total),
        "schedule": [
            {
                "seq": r.seq,
                "due_date": format_date(r.due_date, loc),
                "principal": money(r.principal),
                "interest": money(r.interest),
                "fee": money(r.fee),
                "total": money(r.total),
                "balance": money(r.balance),
            }
            for r in rows
        ],
        "totals": totals,
        "total_cost": money(total_interest + total_fee + facts.upfront_fees_total),
        "penalty_terms": facts.penalty_terms,
        "prepayment_terms": facts.prepayment_terms,
        "dispute_resolution": facts.dispute_resolution,
        "disbursement_account": facts.disbursement_account_masked,
        "repayment_account": facts.repayment_account_masked,
        "signing_date": format_date(facts.signing_date, loc),
        "signing_place": facts.signing_place,
        "config_version": facts.config_version,
    }


# ------------------------------------------------------------------- templates


def default_template_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``LOWLEND_CONTRACT_TEMPLATES_DIR``, else ``contracts/`` in the configuration
    directory (``LOWLEND_CONFIG_DIR``, default the project's ``product_configs``)."""
    env = os.environ if environ is None else environ
    explicit = env.get("LOWLEND_CONTRACT_TEMPLATES_DIR")
    if explicit:
        return Path(explicit).resolve()
    config = env.get("LOWLEND_CONFIG_DIR") or _PROJECT_DIR / "product_configs"
    return (Path(config) / "contracts").resolve()


def _filter_money(ctx: Any, value: Decimal) -> str:
    return format_money(value, ctx["facts"].places)


def _filter_date(ctx: Any, value: date) -> str:
    return format_date(value, ctx["locale"])


def _filter_words(ctx: Any, value: Decimal) -> str:
    return amount_in_words(value, ctx["currency"], ctx["locale"])


@lru_cache(maxsize=16)
def _environment(template_dir: str) -> jinja2.Environment:
    """One sandboxed environment per template directory (templates reload on change)."""
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(template_dir, encoding="utf-8"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )
    env.filters["money"] = jinja2.pass_context(_filter_money)
    env.filters["date"] = jinja2.pass_context(_filter_date)
    env.filters["words"] = jinja2.pass_context(_filter_words)
    env.filters["rate"] = format_rate
    env.filters["cn_number"] = chinese_number
    return env


def render_contract_html(
    facts: ContractFacts,
    template_dir: Path | str | None = None,
    template: str = DEFAULT_TEMPLATE,
) -> str:
    """Render ``<template>.<facts.locale>.html.j2`` from ``template_dir`` to HTML.

    :param template_dir: folder of the templates; default :func:`default_template_dir`.
    :param template: template name without locale and suffix (a product may ship its own).
    :raises ContractError: ``contract_template_missing`` / ``_invalid`` / ``_unsafe``.
    """
    folder = Path(template_dir) if template_dir is not None else default_template_dir()
    name = f"{template}.{facts.locale}.html.j2"
    env = _environment(str(folder.resolve()))
    try:
        return env.get_template(name).render(contract_context(facts))
    except jinja2.TemplateNotFound as exc:
        raise ContractError(
            "contract_template_missing", "template", template=name, directory=str(folder)
        ) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise ContractError(
            "contract_template_invalid", "template", template=name, line=exc.lineno,
            message=exc.message,
        ) from exc
    except SecurityError as exc:
        raise ContractError(
            "contract_template_unsafe", "template", template=name, message=str(exc)
        ) from exc
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise ContractError(
            "contract_template_invalid", "template", template=name, message=str(exc)
        ) from exc


# ------------------------------------------------------------------------- PDF


def find_cjk_font(
    font_path: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    candidates: Sequence[str] = CJK_FONT_CANDIDATES,
) -> Path:
    """The CJK font file for PDFs: ``font_path``, else ``LOWLEND_CJK_FONT``, else the
    first of ``candidates`` that exists.

    An explicit path (argument or setting) that does not exist is an error, not a
    reason to fall back silently.

    :raises ContractError: ``contract_font_missing``.
    """
    env = os.environ if environ is None else environ
    explicit = font_path if font_path is not None else env.get("LOWLEND_CJK_FONT") or None
    if explicit is not None:
        path = Path(explicit)
        if path.is_file():
            return path
        raise ContractError("contract_font_missing", "LOWLEND_CJK_FONT", path=str(path))
    for candidate in candidates:
        if Path(candidate).is_file():
            return Path(candidate)
    raise ContractError(
        "contract_font_missing",
        "LOWLEND_CJK_FONT",
        searched=", ".join(candidates),
        hint="install fonts-wqy-zenhei or set LOWLEND_CJK_FONT",
    )


def find_cjk_bold_font(
    regular: Path, font_path: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """An optional bold CJK font: ``font_path``, ``LOWLEND_CJK_FONT_BOLD``, else the
    ``Bold`` sibling of ``regular`` (``NotoSerifCJK-Regular.ttc`` →
    ``NotoSerifCJK-Bold.ttc``); ``None`` when there is none (bold text then uses the
    regular face: WeasyPrint does not synthesise bold).

    :raises ContractError: ``contract_font_missing`` for a bold path that does not exist.
    """
    env = os.environ if environ is None else environ
    explicit = font_path if font_path is not None else env.get("LOWLEND_CJK_FONT_BOLD") or None
    if explicit is not None:
        path = Path(explicit)
        if path.is_file():
            return path
        raise ContractError("contract_font_missing", "LOWLEND_CJK_FONT_BOLD", path=str(path))
    if "Regular" in regular.name:
        sibling = regular.with_name(regular.name.replace("Regular", "Bold"))
        if sibling.is_file():
            return sibling
    return None


def html_to_pdf(
    html: str,
    font_path: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    bold_font_path: Path | str | None = None,
) -> bytes:
    """Lay out ``html`` (with its CSS) as an A4 PDF, the CJK font embedded (subset).

    The font file (:func:`find_cjk_font`, and :func:`find_cjk_bold_font` for bold) is
    declared as the CSS family :data:`CJK_FONT_FAMILY`, which the templates list first
    in their ``font-family``. No URL is fetched except those files and ``data:`` URIs.

    :raises ContractError: ``contract_font_missing``.
    """
    font = find_cjk_font(font_path, environ).resolve()
    bold = find_cjk_bold_font(font, bold_font_path, environ)
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    faces = {"normal": font.as_uri()}
    if bold is not None:
        faces["bold"] = bold.resolve().as_uri()
    allowed = set(faces.values())

    class _LocalOnly(URLFetcher):  # type: ignore[misc]  # untyped base class
        """Fetch the font files and ``data:`` URIs; refuse everything else."""

        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
            if url in allowed or url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"contract documents fetch no external resource: {url}")

    fetcher = _LocalOnly()
    fonts = FontConfiguration()
    rules = "".join(
        f'@font-face {{ font-family: "{CJK_FONT_FAMILY}"; font-weight: {weight}; '
        f'src: url("{url}"); }}'
        for weight, url in faces.items()
    )
    font_css = CSS(string=rules, font_config=fonts, url_fetcher=fetcher)
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    pdf = document.write_pdf(stylesheets=[font_css], font_config=fonts)
    return bytes(pdf)


def render_contract_pdf(
    facts: ContractFacts,
    template_dir: Path | str | None = None,
    template: str = DEFAULT_TEMPLATE,
    font_path: Path | str | None = None,
) -> bytes:
    """:func:`render_contract_html` laid out as a PDF (see :func:`html_to_pdf`)."""
    return html_to_pdf(render_contract_html(facts, template_dir, template), font_path)


def render_contract(
    facts: ContractFacts,
    template_dir: Path | str | None = None,
    template: str = DEFAULT_TEMPLATE,
    font_path: Path | str | None = None,
) -> ContractDocument:
    """The contract's HTML, PDF and the SHA-256 of the HTML (for the loan to record)."""
    html = render_contract_html(facts, template_dir, template)
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    return ContractDocument(html=html, pdf=html_to_pdf(html, font_path), sha256=digest)
