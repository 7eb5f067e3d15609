"""Done-when 4 against the fixture configuration: a crawl of every generated page in
zh_CN finds no untranslated lowlend string.

The admin (who sees every page) switches to ``zh_CN`` and visits the dashboard, every
menu link, every generated view's list / add page and the first show / edit page,
every product's application form, the first item pages of every configuration
screen, and posts one empty add form (validation messages). Each page must answer
200, contain Chinese, and show none of the English texts lowlend knows — the checker
and the needles of ``tests/web/test_zh_crawl.py`` (lowlend's catalogue, msgids wrapped
in ``lowlend/web``, FAB's catalogue, the English view labels) — nor any English label of
the fixture configuration itself (menus, roles, products and their custom fields,
entities and their fields, dictionaries: every ``{zh_CN, en}`` label whose two sides
differ), read from the fixture's YAML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest

from ..test_zh_crawl import (
    CJK,
    DOCUMENTED_REDIRECTS,
    FAB_DATA_PAGES,
    FAB_KNOWN_GAPS,
    SHOW_LINK,
    SINGLE_WORDS,
    _english_view_labels,
    _generic_views,
    _links,
    catalogue_needles,
    english_leftovers,
    english_needles,
    fab_msgids,
    visible_text_nodes,
)
from .conftest import login


def _labels(obj: Any, seen: set[int] | None = None) -> Iterator[Any]:
    """Every ``Label`` (an object with ``zh_CN`` and ``en``) inside a spec object."""
    seen = set() if seen is None else seen
    if id(obj) in seen or obj is None or isinstance(obj, (str, bytes, int, float)):
        return
    seen.add(id(obj))
    if hasattr(obj, "zh_CN") and hasattr(obj, "en"):
        yield obj
        return
    if isinstance(obj, dict) or (hasattr(obj, "items") and callable(obj.items)):
        for value in obj.values():
            yield from _labels(value, seen)
        return
    if isinstance(obj, (list, tuple, set, frozenset)):
        for value in obj:
            yield from _labels(value, seen)
        return
    fields = getattr(obj, "__dataclass_fields__", None)
    if fields:
        for name in fields:
            yield from _labels(getattr(obj, name, None), seen)


def fixture_english_labels(registry: Any) -> set[str]:
    """English sides of the fixture's labels shown on screens (where zh_CN differs).

    Role labels count only when they have several words: a one-word role label
    ("Auditor") is also the first name of a demo user, i.e. data on FAB's user list.
    """
    parts = [registry.menus, registry.products, registry.entities, registry.dictionaries]
    texts = {
        str(label.en) for label in _labels(parts)
        if label.en and label.zh_CN and label.en != label.zh_CN
    }
    texts |= {
        str(label.en) for label in _labels(registry.roles)
        if label.en and label.zh_CN and label.en != label.zh_CN and " " in str(label.en)
    }
    return texts


@pytest.fixture(scope="module")
def crawl(mini: Any) -> dict[str, Any]:
    app = mini.app
    client = app.test_client()
    login(client, "admin")
    assert client.get("/lang/zh_CN").status_code == 302
    pages: dict[str, tuple[int, str]] = {}

    def visit(path: str) -> str:
        if path not in pages:
            response = client.get(path)
            pages[path] = (response.status_code, response.get_data(as_text=True))
        return pages[path][1]

    queue = _links(visit("/"))  # every menu link
    views = _generic_views(app)
    for view in views:
        base = f"/{view.route_base.strip('/')}"
        queue.append(f"{base}/list/")
        if "can_add" in view.base_permissions:
            queue.append(f"{base}/add")
    for path in queue:
        html = visit(path)
        if path.endswith("/list/"):
            for show in SHOW_LINK.findall(html)[:1]:
                visit(show)
                edit = show.replace("/show/", "/edit/")
                if any(edit.startswith(f"/{v.route_base.strip('/')}/")
                       and "can_edit" in v.base_permissions for v in views):
                    visit(edit)
        if path.startswith("/config/") and path.endswith("/"):
            kinds: set[str] = set()
            for link in _links(html):
                rest = link[len(path):]
                kind = rest.split("/", 1)[0].split("?", 1)[0]
                if link.startswith(path) and rest and kind not in kinds:
                    kinds.add(kind)
                    visit(link)
        if path == "/applications/add":
            for product in sorted(set(re.findall(r'href="(/applications/add\?product=[^"]+)"',
                                                 html))):
                visit(unescape(product))
    code = sorted(mini.registry.entities)[0]
    response = client.post(f"/{code}/add", data={})
    pages[f"POST /{code}/add"] = (response.status_code, response.get_data(as_text=True))
    view_phrases, view_words = english_needles(_english_view_labels(app))
    config_phrases, config_words = english_needles(fixture_english_labels(mini.registry))
    return {"app": app, "pages": pages, "views": views,
            "phrases": view_phrases | config_phrases, "words": view_words | config_words}


def test_crawl_covers_every_generated_page(mini: Any, crawl: dict[str, Any]) -> None:
    pages = crawl["pages"]
    codes = set(mini.app.extensions["lowlend_generic"])
    assert set(mini.registry.entities) <= codes
    for view in crawl["views"]:
        code = view.route_base.strip("/")
        assert f"/{code}/list/" in pages, code
        if "can_add" in view.base_permissions:
            assert f"/{code}/add" in pages, code
    for code in mini.registry.entities:  # the fixture's entities have records: show + edit
        assert any(p.startswith(f"/{code}/show/") for p in pages), code
        assert any(p.startswith(f"/{code}/edit/") for p in pages), code
    for product in mini.registry.products:
        assert f"/applications/add?product={product}" in pages, product
    for category in mini.registry.menus:  # every menu item with a generated view was crawled
        for item in category.items:
            if item.view in codes:
                assert f"/{item.view}/list/" in pages, item.code
    assert any(p.startswith("/config/") for p in pages)


def test_every_page_answers_and_is_chinese(crawl: dict[str, Any]) -> None:
    bad = {p: s for p, (s, _h) in crawl["pages"].items()
           if s != 200 and p not in DOCUMENTED_REDIRECTS}
    assert not bad, bad
    not_chinese = [p for p, (s, html) in crawl["pages"].items()
                   if s == 200 and not CJK.search(" ".join(visible_text_nodes(html)))]
    assert not not_chinese, not_chinese


def test_no_english_lowlend_or_fixture_string_in_zh_pages(
    mini: Any, crawl: dict[str, Any]
) -> None:
    phrases, words = catalogue_needles()
    fab_phrases, fab_words = english_needles(fab_msgids())
    phrases |= crawl["phrases"] | fab_phrases
    words |= crawl["words"] | (fab_words & (SINGLE_WORDS | {"Search", "Back", "Refresh"}))
    # the fixture's own English labels are needles (spelled out: a menu item, an entity
    # field, a dictionary item, a product's custom field)
    fixture = fixture_english_labels(mini.registry)
    assert {"Pledge items", "Appraised value", "Deposit certificate", "Monthly income"} <= fixture
    assert {"Pledge items", "Appraised value", "Deposit certificate"} <= phrases
    leftovers = {}
    for path, (status, html) in sorted(crawl["pages"].items()):
        if status != 200:
            continue
        found = english_leftovers(html, phrases, words, path.startswith(FAB_DATA_PAGES))
        found = [t for t in found if t not in FAB_KNOWN_GAPS.get(path, ())]
        if found:
            leftovers[path] = found
    assert not leftovers, "\n".join(f"{path}: {found}" for path, found in leftovers.items())


def test_english_pages_fail_the_check(mini: Any, crawl: dict[str, Any]) -> None:
    """The checker is not blind: the same pages in English are reported."""
    client = mini.app.test_client()
    login(client, "admin")
    assert client.get("/lang/en").status_code == 302
    phrases, words = catalogue_needles()
    phrases |= crawl["phrases"]
    words |= crawl["words"]
    code = sorted(mini.registry.entities)[0]
    html = client.get(f"/{code}/list/").get_data(as_text=True)
    found = english_leftovers(html, phrases, words)
    label = mini.registry.entities[code].label.en
    assert label in found, found
