"""A crawl of every generated page in zh_CN finds no untranslated lowlend string.

One demo app, one admin login, one client: switch to ``zh_CN``, then visit the
dashboard, every menu link and every generated view's list / show / add / edit page
(and the product pages of ``/applications/add``; on the configuration screens
``/config/...`` the first show / edit / add / diff / rollback page of each; and one
empty add form posted, for the validation messages). Each page must answer 200 (or a
documented redirect), contain Chinese, and show none of the *English texts lowlend
knows*:

* every msgid of lowlend's catalogue (``translations/zh_CN``), and every msgid wrapped
  in ``lowlend/web`` (even if not in the catalogue yet), that contains a letter and has
  at least two words (``%(name)s`` placeholders split it into fragments), or is a single
  word of :data:`SINGLE_WORDS`;
* every English label of the generated views (view titles, column headers, field
  labels — the ``en`` side of their ``{zh_CN, en}`` labels), as computed in an ``en``
  request, where it differs from the Chinese one.

FAB's own msgids (its ``zh`` catalogue) are checked the same way
(:func:`test_fab_strings_are_chinese`).

Multi-word texts are looked for anywhere in the visible text (word-bounded);
single words only as a whole text node (a column header, a button, a menu entry), so
that data values and codes do not trip the check. Brand names and codes
(:data:`ALLOWED`) are never reported. :func:`english_leftovers` is the checker; it has
its own unit tests below, showing that an English view label, column header or
catalogue msgid makes the crawl fail.

Set ``LOWLEND_CRAWL_DUMP=1`` to print the remaining ASCII-only text nodes of every page
(a reviewer's aid for strings that are not wrapped for translation at all).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from .helpers import csrf_token, login

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"

#: brand names, codes and units that stay as they are in Chinese pages
ALLOWED = frozenset(
    {"CNY", "API", "JSON", "ID", "CSV", "PDF", "URL", "SMS", "OK", "FAB", "lowlend", "admin"}
)

#: single-word catalogue msgids that are labels (checked as whole text nodes)
SINGLE_WORDS = frozenset(
    {"Add", "Edit", "Show", "Delete", "Groups", "Search", "Actions", "List", "Save", "Back"}
)

#: pages that answer with a redirect on purpose: path → why
DOCUMENTED_REDIRECTS: dict[str, str] = {}

#: FAB's security screens whose table cells are data (permission and view-menu names
#: such as "menu access on List Groups"): only their headers, titles and buttons are checked
FAB_DATA_PAGES = ("/roles/", "/viewmenus/", "/permissions/", "/permissionviews/")

#: English that FAB renders without gettext, by path. Empty since lowlend's security
#: views (lowlend/web/security_views.py) label every column FAB left unlabelled; keep
#: the hook for a future FAB upgrade, with a comment per entry.
FAB_KNOWN_GAPS: dict[str, frozenset[str]] = {}

#: pages also fetched in English, to show that the check fails on English screens
ENGLISH_SAMPLE = ("/customers/list/", "/customers/add", "/loans/list/", "/applications/add")

CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdif]|%[sdif]|\{[^}]*\}")
HREF = re.compile(r'href="(/[^"#?]*(?:\?[^"#]*)?)"')
SHOW_LINK = re.compile(r'href="(/[A-Za-z0-9_]+/show/[0-9]+)[^"]*"')
SKIP_PREFIXES = ("/static/", "/appbuilder/", "/lang/", "/logout", "/login", "/api/", "/swagger/")


# -- the checker ----------------------------------------------------------------------


class _TextParser(HTMLParser):
    """Visible text nodes of a page, plus button values, titles and placeholders.

    Not collected: scripts and styles, and data shown verbatim — file contents and
    code (``pre``, ``code``, ``textarea``, anything of class ``lowlend-code``: the YAML
    of the configuration screens holds English labels as data); with
    ``skip_data_cells`` also table cells (``td``).
    """

    SKIPPED = ("script", "style", "template", "pre", "code", "textarea")

    def __init__(self, skip_data_cells: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skipped = self.SKIPPED + (("td",) if skip_data_cells else ())
        self._skip_tag: str | None = None
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        if tag in self._skipped or "lowlend-code" in (values.get("class") or "").split():
            self._skip_tag, self._skip_depth = tag, 1
            return
        for name in ("title", "placeholder", "aria-label"):
            if values.get(name):
                self.nodes.append(str(values[name]))
        if (
            tag == "input"
            and values.get("type") in ("submit", "button", "reset")
            and values.get("value")
        ):
            self.nodes.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._skip_tag:
            self._skip_depth -= 1
            if not self._skip_depth:
                self._skip_tag = None

    def handle_data(self, data: str) -> None:
        if self._skip_tag is None:
            text = " ".join(data.split())
            if text:
                self.nodes.append(text)


def visible_text_nodes(html: str, skip_data_cells: bool = False) -> list[str]:
    parser = _TextParser(skip_data_cells)
    parser.feed(html)
    parser.close()
    return [unescape(n) for n in parser.nodes]


def _fragments(msgid: str) -> list[str]:
    """Literal parts of a msgid (split at placeholders), stripped."""
    return [p.strip(" :：,.;") for p in PLACEHOLDER.split(msgid) if p.strip(" :：,.;")]


def english_needles(texts: Iterable[str]) -> tuple[set[str], set[str]]:
    """(multi-word phrases, single words) to look for, from English texts."""
    phrases: set[str] = set()
    words: set[str] = set()
    for text in texts:
        for part in _fragments(str(text)):
            if not re.search(r"[A-Za-z]", part) or CJK.search(part):
                continue
            if part in ALLOWED:
                continue
            if len(part.split()) >= 2:
                phrases.add(part)
            else:
                words.add(part)
    return phrases, words


def english_leftovers(
    html: str, phrases: set[str], words: set[str], skip_data_cells: bool = False
) -> list[str]:
    """The known English texts that appear in the page's visible text."""
    nodes = visible_text_nodes(html, skip_data_cells)
    found: set[str] = set()
    joined = "\n".join(nodes)
    for phrase in phrases:
        if re.search(rf"(?<![A-Za-z]){re.escape(phrase)}(?![A-Za-z])", joined):
            found.add(phrase)
    for node in nodes:
        stripped = node.strip(" :：*")
        if stripped in words:
            found.add(stripped)
    return sorted(found)


def catalogue_msgids() -> list[str]:
    with open(TRANSLATIONS / "zh_CN" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    return [m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id]


def web_msgids() -> set[str]:
    """The msgids wrapped in lowlend/web today (so a string not in the catalogue yet counts too)."""
    from babel.messages.extract import extract_from_dir

    web = Path(__file__).resolve().parents[2] / "lowlend" / "web"
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "lazy_gettext": None, "gettext": None, "ngettext": (1, 2)}
    return {
        msg if isinstance(msg, str) else msg[0]
        for _file, _line, msg, *_ in extract_from_dir(str(web), method_map, keywords=keywords)
    }


def catalogue_needles() -> tuple[set[str], set[str]]:
    """Needles from lowlend's catalogue msgids and the msgids wrapped in lowlend/web."""
    phrases, words = english_needles(set(catalogue_msgids()) | web_msgids())
    return phrases, words & SINGLE_WORDS


# -- unit tests of the checker --------------------------------------------------------

SAMPLE = """<html><head><title>客户</title><script>var t = "Validation failed";</script></head>
<body><nav><a href="/customers/list/">客户</a></nav>
<table><tr><th>{header}</th><th>证件号码</th></tr><tr><td>Zhang Wei</td><td>CNY</td></tr></table>
<div class="alert">{alert}</div><input type="submit" value="{button}"></body></html>"""


def test_checker_passes_a_chinese_page() -> None:
    html = SAMPLE.format(header="姓名/名称", alert="此字段为必填项。", button="保存")
    phrases, words = english_needles(["This field is required.", "Name", "Save", "CNY"])
    assert english_leftovers(html, phrases, words) == []


def test_checker_finds_an_english_catalogue_msgid() -> None:
    html = SAMPLE.format(header="姓名/名称", alert="This field is required.", button="保存")
    phrases, words = english_needles(["This field is required.", "Validation failed"])
    # the script's "Validation failed" is not visible text
    assert english_leftovers(html, phrases, words) == ["This field is required"]


def test_checker_finds_an_english_column_header_and_button() -> None:
    html = SAMPLE.format(header="Name", alert="", button="Save")
    phrases, words = english_needles(["Name", "Save"])
    assert english_leftovers(html, phrases, words) == ["Name", "Save"]


def test_checker_finds_a_fragment_of_a_msgid_with_placeholders() -> None:
    html = SAMPLE.format(header="姓名", alert="Unknown product: personal_loan", button="保存")
    phrases, words = english_needles(["Unknown product: %(code)s", "Welcome, %(name)s"])
    assert english_leftovers(html, phrases, words) == ["Unknown product"]


def test_checker_ignores_code_and_file_contents() -> None:
    html = (
        '<div>配置</div><pre class="x">label: {en: Loan products}</pre>'
        '<table class="lowlend-code"><tr><td>en: Annual rate</td></tr></table>'
        "<p>Annual rate</p>"
    )
    phrases, words = english_needles(["Loan products", "Annual rate"])
    assert english_leftovers(html, phrases, words) == ["Annual rate"]


def test_checker_ignores_single_words_inside_data() -> None:
    html = SAMPLE.format(header="姓名", alert="Name of the guarantor: Li Name", button="保存")
    phrases, words = english_needles(["Name"])
    assert english_leftovers(html, phrases, words) == []


def test_checker_catches_an_english_view_label(demo_crawl: dict[str, Any]) -> None:
    """An English view title in an otherwise crawled page is reported."""
    label = next(iter(sorted(demo_crawl["view_words"] | demo_crawl["view_phrases"])))
    html = SAMPLE.format(header=label, alert="", button="保存")
    assert label in english_leftovers(html, demo_crawl["view_phrases"], demo_crawl["view_words"])


# -- the crawl ------------------------------------------------------------------------


def _generic_views(app: Any) -> list[Any]:
    return [v for v in app.appbuilder.baseviews if type(v).__name__.startswith("GenericView_")]


def _english_view_labels(app: Any) -> list[str]:
    """English view titles/column labels whose Chinese differs (computed in en and zh_CN)."""
    texts: list[str] = []
    for view in _generic_views(app):
        labels = dict(getattr(view, "label_columns", {}) or {})
        titles = {
            name: getattr(view, name, None)
            for name in ("list_title", "show_title", "add_title", "edit_title")
        }
        for _key, value in list(labels.items()) + list(titles.items()):
            if value is None:
                continue
            with app.test_request_context("/?_l_=en"):
                en = str(value)
            with app.test_request_context("/?_l_=zh_CN"):
                zh = str(value)
            if en != zh:
                texts.append(en)
    return texts


def _links(html: str) -> list[str]:
    out = []
    for href in HREF.findall(unescape(html)):
        if href.startswith(SKIP_PREFIXES) or href == "/":
            continue
        out.append(href)
    return out


@pytest.fixture(scope="module")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory, _demo_db_template: Path) -> dict[str, Any]:
    """Crawl the demo app once (admin, zh_CN); pages: path → (status, html)."""
    import shutil

    from lowlend.app import create_app

    base = tmp_path_factory.mktemp("crawl")
    target = base / "demo.db"
    shutil.copyfile(_demo_db_template, target)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "LOWLEND_DEMO": True,
            "INSTANCE_DIR": base / "instance",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}",
            "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    started = time.monotonic()
    client = app.test_client()
    login(client, "admin")
    assert client.get("/lang/zh_CN").status_code == 302

    pages: dict[str, tuple[int, str]] = {}

    def visit(path: str) -> str:
        if path not in pages:
            response = client.get(path)
            pages[path] = (response.status_code, response.get_data(as_text=True))
        return pages[path][1]

    home = visit("/")
    queue = _links(home)  # every menu link (and the dashboard's own links)
    for view in _generic_views(app):
        base_url = f"/{view.route_base.strip('/')}"
        queue.append(f"{base_url}/list/")
        if "can_add" in view.base_permissions:
            queue.append(f"{base_url}/add")
    for path in queue:
        html = visit(path)
        if path.endswith("/list/"):
            show = SHOW_LINK.findall(html)
            if show:
                visit(show[0])
                edit = show[0].replace("/show/", "/edit/")
                if any(
                    edit.startswith(f"/{v.route_base.strip('/')}/")
                    and "can_edit" in v.base_permissions
                    for v in _generic_views(app)
                ):
                    probe = client.get(edit)
                    if probe.status_code == 302 and probe.headers["Location"].endswith(show[0]):
                        continue  # no longer editable (a submitted application): its page
                    visit(edit)
        if path.startswith("/config/") and path.endswith("/"):  # configuration screens:
            kinds: set[str] = set()  # the first show / edit / add / diff / rollback page
            for link in _links(html):
                rest = link[len(path) :]
                kind = rest.split("/", 1)[0].split("?", 1)[0]
                if link.startswith(path) and rest and kind not in kinds:
                    kinds.add(kind)
                    visit(link)
        if path == "/applications/add":  # the product chooser: every product's form
            for product in sorted(
                set(re.findall(r'href="(/applications/add\?product=[^"]+)"', html))
            ):
                visit(unescape(product))
    # an empty add form: the validation messages (lowlend's catalogue) next to the fields
    token = csrf_token(pages["/customers/add"][1])
    response = client.post("/customers/add", data={"csrf_token": token})
    pages["POST /customers/add"] = (response.status_code, response.get_data(as_text=True))
    seconds = time.monotonic() - started
    # the same screens in English: the checker must report them (see test_english_pages_fail)
    assert client.get("/lang/en").status_code == 302
    english = {path: client.get(path).get_data(as_text=True) for path in ENGLISH_SAMPLE}
    view_phrases, view_words = english_needles(_english_view_labels(app))
    return {
        "english": english,
        "app": app,
        "pages": pages,
        "seconds": seconds,
        "view_phrases": view_phrases,
        "view_words": view_words,
    }


def test_crawl_covers_every_generated_view(demo_crawl: dict[str, Any]) -> None:
    pages = demo_crawl["pages"]
    views = _generic_views(demo_crawl["app"])
    assert len(views) >= 12
    for view in views:
        code = view.route_base.strip("/")
        assert f"/{code}/list/" in pages
        if "can_add" in view.base_permissions:
            assert f"/{code}/add" in pages
    assert any("/show/" in path for path in pages)
    assert any("/edit/" in path for path in pages)
    assert any("?product=" in path for path in pages)
    assert demo_crawl["seconds"] < 60


def test_every_page_answers(demo_crawl: dict[str, Any]) -> None:
    bad = {
        path: status
        for path, (status, _html) in demo_crawl["pages"].items()
        if status != 200 and path not in DOCUMENTED_REDIRECTS
    }
    assert not bad


def test_every_page_is_chinese(demo_crawl: dict[str, Any]) -> None:
    not_chinese = [
        path
        for path, (status, html) in demo_crawl["pages"].items()
        if status == 200 and not CJK.search(" ".join(visible_text_nodes(html)))
    ]
    assert not not_chinese


def test_no_english_lowlend_string_in_zh_pages(demo_crawl: dict[str, Any]) -> None:
    phrases, words = catalogue_needles()
    phrases |= demo_crawl["view_phrases"]
    words |= demo_crawl["view_words"]
    assert len(phrases) > 50
    leftovers = {}
    dump = os.environ.get("LOWLEND_CRAWL_DUMP")
    for path, (status, html) in sorted(demo_crawl["pages"].items()):
        if status != 200:
            continue
        found = english_leftovers(html, phrases, words, path.startswith(FAB_DATA_PAGES))
        found = [text for text in found if text not in FAB_KNOWN_GAPS.get(path, ())]
        if found:
            leftovers[path] = found
        if dump:
            ascii_nodes = sorted(
                {
                    n
                    for n in visible_text_nodes(html)
                    if re.search(r"[A-Za-z]{2}", n) and not CJK.search(n)
                }
            )
            print(f"\n== {path}: {ascii_nodes}")
    assert not leftovers, "\n".join(f"{path}: {found}" for path, found in leftovers.items())


def test_no_status_or_convention_code_in_zh_pages(demo_crawl: dict[str, Any]) -> None:
    """Codes with a label (statuses, transaction types, audit actions, repayment methods,
    frequencies, loan kinds) are never a whole cell or text of a zh_CN page; nor is
    Python's ``None`` (an empty value is an empty cell)."""
    from lowlend.web.config_admin.i18n import CODE_LABELS

    app = demo_crawl["app"]
    codes = {code for group in CODE_LABELS.values() for code in group}
    for desc in app.extensions["lowlend_generic"].values():
        for dictionary in desc.dictionaries.values():
            codes |= {item.code for item in dictionary.items}
    assert {"paid", "disbursement", "demo_create", "withdrawn", "equal_installment"} <= codes
    generated = tuple(f"/{code}/" for code in app.extensions["lowlend_generic"])
    leftovers = {}
    for path, (status, html) in sorted(demo_crawl["pages"].items()):
        if status != 200 or path.startswith(FAB_DATA_PAGES):
            continue
        # FAB's own user pages show "None" for empty fields: only lowlend's pages are checked
        needles = codes | ({"None"} if path.startswith(generated) else set())
        found = sorted({node for node in visible_text_nodes(html) if node.strip() in needles})
        if found:
            leftovers[path] = found
    assert not leftovers, "\n".join(f"{path}: {found}" for path, found in leftovers.items())


def test_validation_messages_are_chinese(demo_crawl: dict[str, Any]) -> None:
    status, html = demo_crawl["pages"]["POST /customers/add"]
    assert status == 200
    assert "此字段为必填项。" in html
    assert "This field is required." not in html


def test_english_pages_fail_the_check(demo_crawl: dict[str, Any]) -> None:
    """The same screens in English: view titles, column headers and field labels are caught."""
    phrases, words = catalogue_needles()
    phrases |= demo_crawl["view_phrases"]
    words |= demo_crawl["view_words"]
    found = {
        path: english_leftovers(html, phrases, words)
        for path, html in demo_crawl["english"].items()
    }
    assert all(found.values()), found
    assert "Customers" in found["/customers/list/"]  # the view's title / menu entry
    assert "Customer type" in found["/customers/list/"]  # a column header
    assert "New application: choose a product" in found["/applications/add"]  # a catalogue msgid


def fab_msgids() -> list[str]:
    """The msgids of FAB's own ``zh`` catalogue (FAB's strings that go through gettext)."""
    import flask_appbuilder

    po = Path(flask_appbuilder.__file__).parent / "translations/zh/LC_MESSAGES/messages.po"
    with open(po, "rb") as fh:
        catalog = read_po(fh)
    return [m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id]


def test_fab_strings_are_chinese(demo_crawl: dict[str, Any]) -> None:
    """FAB's buttons, pagination, search and titles on the crawled pages are Chinese."""
    phrases, words = english_needles(fab_msgids())
    words &= SINGLE_WORDS | {"Search", "Back", "Refresh", "Actions"}
    assert {"Record Count", "Add Filter"} <= phrases  # FAB's list widget
    leftovers = {}
    for path, (status, html) in sorted(demo_crawl["pages"].items()):
        if status != 200:
            continue
        found = english_leftovers(html, phrases, words, path.startswith(FAB_DATA_PAGES))
        found = [text for text in found if text not in FAB_KNOWN_GAPS.get(path, ())]
        if found:
            leftovers[path] = found
    assert not leftovers, "\n".join(f"{path}: {found}" for path, found in leftovers.items())
    page = demo_crawl["pages"]["/customers/list/"][1]
    for text in ("搜索", "添加过滤条件", "记录数目", "添加新记录"):
        assert text in page, text
