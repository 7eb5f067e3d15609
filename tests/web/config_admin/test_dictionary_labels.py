"""The label form of a dictionary: fields per locale, errors next to the field, publish as YAML."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lowlend.web.config_admin.dictionary_labels import LabelFormError, apply_labels, label_fields

from ..helpers import csrf_token
from .test_config_screens import _client, _store

URL = "/config/dictionaries/labels/gender"
FEMALE = "      - {code: female, label: {zh_CN: 女, en: Female}}"


def _form_data(page: str, **values: str) -> dict[str, str]:
    data = dict(re.findall(r'<input type="text"[^>]*name="([^"]+)" value="([^"]*)"', page))
    data.update(values)
    data["csrf_token"] = csrf_token(page)
    data["base"] = re.search(r'name="base"[^>]*value="(\d+)"', page).group(1)
    return data


def test_label_form_validates_next_to_the_field_and_publishes_yaml(config_app: Any) -> None:
    store = _store(config_app)
    admin = _client(config_app, "admin")
    listing = admin.get("/config/dictionaries/").get_data(as_text=True)
    assert f'href="{URL}"' in listing

    page = admin.get(URL).get_data(as_text=True)
    assert 'name="item-male-zh_CN" value="男"' in page
    assert 'name="item-female-en" value="Female"' in page
    assert 'name="label-en" value="Gender"' in page
    with config_app.app_context():
        v1 = store.current()
    original = v1.files["config/dictionaries.yaml"]
    female_line = original.split("\n").index(FEMALE) + 1

    # an empty label: the error is next to its field, with the line; nothing is published
    response = admin.post(URL, data=_form_data(page, **{"item-female-en": "  ", "op": "publish"}))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    error = re.search(
        r'class="help-block lowlend-field-error" data-field="([^"]+)" data-line="(\d+)"', body
    )
    assert error and error.groups() == ("item-female-en", str(female_line))
    with config_app.app_context():
        assert store.current().number == 1

    # values are escaped in the page and quoted in the YAML
    tricky = 'Woman, "adult" <b>'
    response = admin.post(
        URL, data=_form_data(page, **{"item-female-en": tricky, "op": "validate"})
    )
    body = response.get_data(as_text=True)
    assert "lowlend-validation-ok" in body and "<b>" not in body
    assert 'value="Woman, &#34;adult&#34; &lt;b&gt;"' in body

    data = _form_data(
        page, **{"item-female-en": tricky, "label-zh_CN": "性别（法定）", "op": "publish"}
    )
    data["comment"] = "labels"
    response = admin.post(URL, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with config_app.app_context():
        v2 = store.current()
    assert (v2.number, v2.author, v2.comment) == (2, "admin", "labels")
    text = v2.files["config/dictionaries.yaml"]
    changed = [
        (old, new)
        for old, new in zip(original.split("\n"), text.split("\n"), strict=True)
        if old != new
    ]
    assert changed == [
        ("    label: {zh_CN: 性别, en: Gender}", '    label: {zh_CN: "性别（法定）", en: Gender}'),
        (FEMALE, '      - {code: female, label: {zh_CN: 女, en: "Woman, \\"adult\\" <b>"}}'),
    ]
    admin.get("/lang/en")
    listing = admin.get("/config/dictionaries/").get_data(as_text=True)
    assert "Woman, &#34;adult&#34; &lt;b&gt;" in listing

    # a form opened on version 1 may not overwrite the labels changed since
    stale = admin.post(URL, data=_form_data(page, op="publish"))
    assert "lowlend-form-error" in stale.get_data(as_text=True)
    unknown = admin.get("/config/dictionaries/labels/no_such_dictionary")
    assert unknown.status_code == 302
    with config_app.app_context():
        assert store.current().number == 2


BLOCK = """dictionaries:
  - code: d
    label:
      zh_CN: 甲
      en: 'A'   # comment stays
    items:
      - code: x
        label: {zh_CN: 乙, en: B}
"""


def test_apply_labels_replaces_only_the_scalars() -> None:
    fields = label_fields(BLOCK, "d")
    assert [(f.name, f.value, f.line) for f in fields] == [
        ("label-zh_CN", "甲", 4),
        ("label-en", "A", 5),
        ("item-x-zh_CN", "乙", 8),
        ("item-x-en", "B", 8),
    ]
    out = apply_labels(BLOCK, fields, {"label-en": "A: b", "item-x-zh_CN": "丙"})
    assert out == BLOCK.replace("'A'", '"A: b"').replace("zh_CN: 乙", 'zh_CN: "丙"')
    assert apply_labels(BLOCK, fields, {}) == BLOCK


@pytest.mark.parametrize(
    "text",
    ["dictionaries: [", "other: 1\n", BLOCK.replace("label: {zh_CN: 乙, en: B}", "label: B")],
)
def test_label_fields_refuses_what_the_form_cannot_edit(text: str) -> None:
    with pytest.raises(LabelFormError):
        label_fields(text, "d")
    with pytest.raises(LabelFormError):
        label_fields(BLOCK, "nope")
