"""Loan contract documents (lowlend.services.contracts): HTML in both languages, PDF, sandbox."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lowlend.domain.conventions import LoanKind
from lowlend.domain.quote import build_quote
from lowlend.domain.terms import LoanTerms
from lowlend.services.contracts import (
    ContractError,
    ContractFacts,
    ContractFee,
    Guarantor,
    Lender,
    Party,
    ScheduleRow,
    contract_context,
    default_template_dir,
    find_cjk_bold_font,
    find_cjk_font,
    render_contract,
    render_contract_html,
    render_contract_pdf,
)

pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset:DeprecationWarning")

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "product_configs" / "contracts"


def _has_cjk_font() -> bool:
    try:
        find_cjk_font()
    except ContractError:
        return False
    return True


needs_font = pytest.mark.skipif(
    not _has_cjk_font(), reason="no CJK font (apt-get install fonts-wqy-zenhei)"
)


def make_facts(locale: str = "zh_CN", **changes: Any) -> ContractFacts:
    """A 12-month equal-installment loan of 12,000.00 CNY at 15 %, one guarantor."""
    terms = LoanTerms(
        amount=Decimal("12000.00"), term=12, annual_rate=Decimal("0.15"), start=date(2025, 12, 4)
    )
    quote = build_quote(terms)
    assert quote.apr is not None
    zh = locale == "zh_CN"
    facts = ContractFacts(
        contract_no="JK-2025-000123",
        locale=locale,
        lender=Lender(
            "南昌市洪城小额贷款有限公司" if zh else "Nanchang Hongcheng Microcredit Co., Ltd.",
            "江西省南昌市东湖区八一大道100号" if zh else "100 Bayi Avenue, Nanchang",
            "赣金小贷〔2019〕12号",
            "王建国",
        ),
        borrower=Party(
            "张三",
            "居民身份证" if zh else "Resident ID card",
            "3604**********0071",
            "139****5678",
            "江西省九江市浔阳区庐山路8号" if zh else "8 Lushan Road, Jiujiang",
        ),
        product_label="个人消费贷" if zh else "Consumer loan",
        loan_kind=LoanKind.TERM,
        purpose="家电购置" if zh else "household appliances",
        principal=Decimal("12000.00"),
        currency="CNY",
        annual_rate=Decimal("0.15"),
        repayment_method_label="等额本息" if zh else "equal installments",
        term_label="12个月" if zh else "12 months",
        frequency_label="按月" if zh else "monthly",
        apr_nominal=quote.apr.nominal,
        apr_effective=quote.apr.effective,
        penalty_terms="逾期本金按日万分之五计收罚息。" if zh else "Penalty interest 0.05% a day.",
        schedule=tuple(ScheduleRow.of(row) for row in quote.schedule.installments),
        signing_date=date(2025, 12, 4),
        signing_place="江西省南昌市" if zh else "Nanchang",
        config_version="v42",
        upfront_fees=(ContractFee("服务费" if zh else "Service fee", Decimal("120.00")),),
        guarantors=(
            Guarantor("李四", "居民身份证", "3601**********1234", "连带责任保证"),
        ),
    )
    return dataclasses.replace(facts, **changes) if changes else facts


def _text(html: str) -> str:
    """The HTML's text, tags removed (schedule cells become separate words)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ------------------------------------------------------------------------- HTML


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_html_shows_parties_amounts_apr_and_every_schedule_row(locale: str) -> None:
    facts = make_facts(locale)
    html = render_contract_html(facts, TEMPLATES)
    text = _text(html)
    assert "张三" in html and "3604**********0071" in html and "李四" in html
    assert "12,000.00" in html
    words = "人民币壹万贰仟元整" if locale == "zh_CN" else "Renminbi twelve thousand yuan only"
    assert words in html
    assert "15.00%" in html
    assert f"{facts.apr_effective * 100:.4f}".rstrip("0") in html  # 16.0571%
    assert "12,996.03" in html  # schedule total
    for row in facts.schedule:
        day = (
            f"{row.due_date.year}年{row.due_date.month}月{row.due_date.day}日"
            if locale == "zh_CN"
            else row.due_date.strftime("%-d %B %Y")
        )
        cells = f"{row.seq} {day} {row.principal:,.2f} {row.interest:,.2f} {row.fee:,.2f} {row.total:,.2f} {row.balance:,.2f}"
        assert cells in text, cells
    assert ("第十三条" if locale == "zh_CN" else "Article 13.") in html
    assert html.lstrip().startswith("<!DOCTYPE html>")


def test_dates_and_words_follow_the_locale() -> None:
    zh = render_contract_html(make_facts("zh_CN"), TEMPLATES)
    en = render_contract_html(make_facts("en"), TEMPLATES)
    assert "2026年12月4日" in zh and "4 December 2026" in en
    assert "2026年12月4日" not in en


def test_entrusted_and_revolving_clauses() -> None:
    entruster = Party("江西某某投资有限公司", "统一社会信用代码", "91360100MA35XXXX0X")
    html = render_contract_html(
        make_facts(loan_kind=LoanKind.ENTRUSTED, entrusting_party=entruster, guarantors=()),
        TEMPLATES,
    )
    assert "委托人" in html and "江西某某投资有限公司" in html and "委托贷款" in html
    assert "保证人" not in html and "第十二条" in html and "第十三条" not in html
    revolving = render_contract_html(
        make_facts("en", loan_kind=LoanKind.REVOLVING, credit_limit=Decimal("50000")), TEMPLATES
    )
    assert "revolving credit line of <strong>CNY 50,000.00</strong>" in revolving
    assert "Renminbi fifty thousand yuan only" in revolving


def test_borrower_name_is_escaped() -> None:
    borrower = Party("<script>alert(1)</script>", "居民身份证", "3604**********0071")
    html = render_contract_html(make_facts(borrower=borrower), TEMPLATES)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_hash_is_stable_and_changes_with_the_facts() -> None:
    first = render_contract(make_facts(), TEMPLATES)
    again = render_contract(make_facts(), TEMPLATES)
    assert first.sha256 == again.sha256 and len(first.sha256) == 64
    assert first.sha256 == hashlib.sha256(first.html.encode("utf-8")).hexdigest()
    other = render_contract(make_facts(contract_no="JK-2025-000124"), TEMPLATES)
    assert other.sha256 != first.sha256


def test_context_offers_formatted_values() -> None:
    ctx = contract_context(make_facts())
    assert ctx["principal"] == "12,000.00"
    assert ctx["principal_words"] == "人民币壹万贰仟元整"
    assert ctx["net_proceeds"] == "11,880.00"
    assert ctx["schedule"][0]["due_date"] == "2026年1月4日"
    assert [s["role"] for s in ctx["signatories"]] == ["lender", "borrower", "guarantor"]


# --------------------------------------------------------------------- sandbox


def _template_dir(tmp_path: Path, body: str, locale: str = "zh_CN") -> Path:
    (tmp_path / f"loan_contract.{locale}.html.j2").write_text(body, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ facts.__class__.__init__.__globals__ }}",
        "{{ borrower.__repr__.__self__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ signatories.append(1) }}",
    ],
)
def test_sandbox_refuses_unsafe_templates(tmp_path: Path, body: str) -> None:
    with pytest.raises(ContractError) as info:
        render_contract_html(make_facts(), _template_dir(tmp_path, body))
    assert info.value.code == "contract_template_unsafe"


def test_filters_and_plain_expressions_work_in_the_sandbox(tmp_path: Path) -> None:
    body = "{{ facts.principal|money }}|{{ facts.principal|words }}|{{ facts.signing_date|date }}|{{ 11|cn_number }}|{{ facts.annual_rate|rate }}"
    html = render_contract_html(make_facts(), _template_dir(tmp_path, body))
    assert html == "12,000.00|人民币壹万贰仟元整|2025年12月4日|十一|15.00%"


def test_template_errors_have_codes(tmp_path: Path) -> None:
    with pytest.raises(ContractError) as missing:
        render_contract_html(make_facts("en"), _template_dir(tmp_path, "x"))
    assert missing.value.code == "contract_template_missing"
    with pytest.raises(ContractError) as unknown:
        render_contract_html(make_facts(), _template_dir(tmp_path, "{{ borrower.nmae }}"))
    assert unknown.value.code == "contract_template_invalid"
    with pytest.raises(ContractError) as syntax:
        render_contract_html(make_facts(), _template_dir(tmp_path, "{% if %}"))
    assert syntax.value.code == "contract_template_invalid"


def test_admin_edits_take_effect(tmp_path: Path) -> None:
    folder = _template_dir(tmp_path, "v1 {{ contract_no }}")
    assert render_contract_html(make_facts(), folder) == "v1 JK-2025-000123"
    template = folder / "loan_contract.zh_CN.html.j2"
    template.write_text("v2 {{ contract_no }}", encoding="utf-8")
    stat = template.stat()
    os.utime(template, (stat.st_atime, stat.st_mtime + 5))
    assert render_contract_html(make_facts(), folder) == "v2 JK-2025-000123"


def test_default_template_dir() -> None:
    assert default_template_dir({}) == TEMPLATES
    assert default_template_dir({"LOWLEND_CONFIG_DIR": "/srv/cfg"}) == Path("/srv/cfg/contracts")
    assert default_template_dir({"LOWLEND_CONTRACT_TEMPLATES_DIR": "/x"}) == Path("/x")


# ----------------------------------------------------------------------- facts


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"locale": "fr"}, "contract_locale_unsupported"),
        ({"principal": 12000.0}, "contract_amount_not_decimal"),
        ({"annual_rate": Decimal("NaN")}, "contract_amount_not_decimal"),
        ({"principal": Decimal("0")}, "contract_amount_not_positive"),
        ({"schedule": ()}, "contract_schedule_empty"),
        ({"borrower": Party("张三", "居民身份证", "360402199001010071")}, "contract_id_not_masked"),
        ({"loan_kind": LoanKind.ENTRUSTED}, "contract_entrusting_party_required"),
    ],
)
def test_inconsistent_facts_are_refused(changes: dict[str, Any], code: str) -> None:
    with pytest.raises(ContractError) as info:
        make_facts(**changes)
    assert info.value.code == code


def test_schedule_order_is_checked() -> None:
    rows = make_facts().schedule
    with pytest.raises(ContractError) as info:
        make_facts(schedule=(rows[1], rows[0]))
    assert info.value.code == "contract_schedule_order"


# ------------------------------------------------------------------------- fonts


def test_font_setting_wins_and_a_missing_font_is_an_error(tmp_path: Path) -> None:
    font = tmp_path / "my.ttf"
    font.write_bytes(b"x")
    assert find_cjk_font(environ={"LOWLEND_CJK_FONT": str(font)}) == font
    with pytest.raises(ContractError) as wrong:
        find_cjk_font(environ={"LOWLEND_CJK_FONT": str(tmp_path / "nope.ttc")})
    assert wrong.value.code == "contract_font_missing"
    with pytest.raises(ContractError) as none:
        find_cjk_font(environ={}, candidates=(str(tmp_path / "a.ttc"),))
    assert none.value.code == "contract_font_missing"
    assert find_cjk_font(environ={}, candidates=(str(tmp_path / "a.ttc"), str(font))) == font


def test_bold_font_is_optional(tmp_path: Path) -> None:
    regular = tmp_path / "NotoSerifCJK-Regular.ttc"
    regular.write_bytes(b"x")
    assert find_cjk_bold_font(regular, environ={}) is None
    bold = tmp_path / "NotoSerifCJK-Bold.ttc"
    bold.write_bytes(b"x")
    assert find_cjk_bold_font(regular, environ={}) == bold
    with pytest.raises(ContractError):
        find_cjk_bold_font(regular, environ={"LOWLEND_CJK_FONT_BOLD": str(tmp_path / "no")})


def test_pdf_without_font_fails_with_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOWLEND_CJK_FONT", str(tmp_path / "missing.ttc"))
    with pytest.raises(ContractError) as info:
        render_contract_pdf(make_facts(), TEMPLATES)
    assert info.value.code == "contract_font_missing"


# --------------------------------------------------------------------------- PDF


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


@needs_font
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_pdf_is_valid_and_shows_borrower_and_amount(locale: str) -> None:
    doc = render_contract(make_facts(locale), TEMPLATES)
    assert doc.pdf.startswith(b"%PDF-") and doc.pdf.rstrip().endswith(b"%%EOF")
    text = _pdf_text(doc.pdf)
    compact = re.sub(r"\s+", "", text)
    assert "张三" in compact
    assert "12,000.00" in compact
    if locale == "zh_CN":
        assert "人民币壹万贰仟元整" in compact
        assert "借款合同" in compact
    else:
        assert "LOANCONTRACT" in compact.upper()
    assert "12,996.03" in compact


@needs_font
def test_pdf_embeds_the_cjk_font() -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(render_contract_pdf(make_facts(), TEMPLATES)))
    fonts: set[str] = set()
    for page in reader.pages:
        resources = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            obj = font.get_object()
            fonts.add(str(obj["/BaseFont"]))
            descendants = obj.get("/DescendantFonts")
            if descendants:
                descriptor = descendants[0].get_object()["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
    assert any("Contract" in name or "CJK" in name for name in fonts), fonts


@needs_font
def test_pdf_fetches_no_external_resource(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from weasyprint.urls import URLFetcher

    fetched: list[str] = []
    original = URLFetcher.fetch

    def recording(self: Any, url: str, headers: Any = None) -> Any:
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(URLFetcher, "fetch", recording)
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }", encoding="utf-8")
    body = (
        f'<html><head><link rel="stylesheet" href="{secret.as_uri()}">'
        '<style>@import url("http://127.0.0.1:9/a.css");</style></head>'
        f'<body><img src="http://127.0.0.1:9/x.png"><img src="{secret.as_uri()}">'
        f'<img src="{PIXEL}"><p>{{{{ borrower.name }}}}</p></body></html>'
    )
    pdf = render_contract_pdf(make_facts(), _template_dir(tmp_path, body))
    assert "张三" in _pdf_text(pdf)
    fonts = [find_cjk_font().resolve().as_uri()]
    assert sorted(fetched) == sorted([*fonts, PIXEL])  # the refused URLs never reach the base
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf  # the data: image is drawn


PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
    "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
