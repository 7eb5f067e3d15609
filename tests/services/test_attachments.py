"""Attachment rules (pure), the file kind of the field validator, the encrypted file store
and the transaction-bound writes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.services.attachments import (
    AttachmentPolicy,
    check_upload,
    content_disposition,
    content_type_for,
    safe_file_name,
)
from lowlend.services.custom_fields import validate_record
from lowlend.spec.model import FieldKind, FieldSpec, Label

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


# -- pure rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\张三\\身份证.jpg", "身份证.jpg"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("...", "file"),
        ("", "file"),
        (None, "file"),
        ("line\nbreak.txt", "line_break.txt"),
    ],
)
def test_safe_file_name(name: str | None, expected: str) -> None:
    assert safe_file_name(name) == expected


def test_safe_file_name_keeps_the_extension_of_long_names() -> None:
    name = safe_file_name("长" * 300 + ".pdf")
    assert len(name) == 200 and name.endswith(".pdf")


def test_check_upload_codes_and_params() -> None:
    policy = AttachmentPolicy(max_size=100)
    assert check_upload("a.png", PNG, policy) == []
    assert check_upload("A.PNG", PNG, policy) == []  # extensions are case-insensitive
    [empty] = check_upload("a.png", b"", policy)
    assert empty.code == "file_empty" and empty.params == {"name": "a.png"}
    [big] = check_upload("a.png", PNG + b"\x00" * 100, policy)
    assert big.code == "file_too_large" and big.params["max"] == "100 B"
    assert "larger than 100 B" in big.text()
    [kind] = check_upload("a.exe", b"MZ", policy)
    assert kind.code == "file_type" and "pdf" in kind.params["allowed"].split(", ")
    [content] = check_upload("photo.jpg", PNG, policy)
    assert content.code == "file_content"
    assert check_upload("notes.txt", b"anything", policy) == []  # no signature to check
    only_pdf = AttachmentPolicy(types={"pdf": "application/pdf"})
    assert [m.code for m in check_upload("a.png", PNG, only_pdf)] == ["file_type"]


def test_content_type_and_disposition() -> None:
    assert content_type_for("x.JPG") == "image/jpeg"
    assert content_type_for("x.bin") == "application/octet-stream"
    assert content_disposition("report.pdf") == (
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    )
    header = content_disposition('车辆 "正面".png')
    assert header.startswith('attachment; filename="_ _.png"; ')
    assert header.endswith("filename*=UTF-8''%E8%BD%A6%E8%BE%86%20_%E6%AD%A3%E9%9D%A2_.png")
    header.encode("ascii")  # a valid header value


# -- the file kind in the field validator ----------------------------------------------------

FILE = FieldSpec("photos", FieldKind.FILE, Label("照片", "Photos"))
REQUIRED = FieldSpec("invoice", FieldKind.FILE, Label("发票", "Invoice"), required=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([3, "4"], [{"id": 3}, {"id": 4}]),
        ("[5]", [{"id": 5}]),
        ([{"id": 6, "name": "a.png", "size": 9, "bogus": 1}], [{"id": 6, "name": "a.png", "size": 9}]),
        ([7, {"id": 7}], [{"id": 7}]),  # duplicates once
        (8, [{"id": 8}]),
        ([], None),
        ("", None),
        (None, None),
    ],
)
def test_file_values_are_normalised(value: object, expected: object) -> None:
    result = validate_record([FILE], {"photos": value})
    assert result.ok, result.errors
    assert result.values["photos"] == expected


@pytest.mark.parametrize(
    "value", ["uploads/a.png", "{", [True], [0], [-1], ["x"], [{"name": "a"}], [[1]], [1.5], {"a": 1}]
)
def test_bad_file_values_are_field_errors(value: object) -> None:
    result = validate_record([FILE], {"photos": value})
    assert [m.code for m in result.errors["photos"]] == ["invalid_files"]
    assert result.messages()["photos"] == ["Must be a list of attachment ids."]


def test_required_file_field() -> None:
    assert [m.code for m in validate_record([REQUIRED], {"invoice": []}).errors["invoice"]] == [
        "required"
    ]
    assert validate_record([REQUIRED], {"invoice": [1]}).ok


# -- file store and transaction-bound writes -------------------------------------------------


def test_file_store_encrypts_dedups_and_detects_tampering(tmp_path: Path) -> None:
    from lowlend.persistence.attachments import FileStore

    store = FileStore(tmp_path, "master-key-for-tests")
    sha = hashlib.sha256(PNG).hexdigest()
    assert store.write(sha, PNG) is True
    assert store.write(sha, PNG) is False
    path = store.path(sha)
    assert path == tmp_path / sha[:2] / sha and PNG not in path.read_bytes()
    assert store.read(sha) == PNG
    assert not list(path.parent.glob(".tmp-*"))  # the temporary file was renamed
    with pytest.raises(ValueError):
        FileStore(tmp_path, "another-key").read(sha)
    with pytest.raises(ValueError):
        FileStore(tmp_path, None).read(sha)
    with pytest.raises(ValueError):
        store.write(sha, b"other bytes")
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
    plain = FileStore(tmp_path / "plain", None)
    plain.write(sha, PNG)
    assert plain.read(sha) == PNG and store.encrypted and not plain.encrypted


@pytest.fixture
def session(tmp_path: Path) -> Session:
    from lowlend.persistence.attachments import Attachment, install_session_events

    install_session_events()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    Attachment.__table__.create(engine)
    return Session(engine)


class _Item:
    id: int | None = None


def test_writes_follow_the_transaction(session: Session, tmp_path: Path) -> None:
    from lowlend.persistence.attachments import Attachment, FileStore, link, stage

    store = FileStore(tmp_path / "files", "k")
    # a form upload that no record links: dropped at commit, nothing written
    stage(session, store, name="a.png", content_type="image/png", data=PNG, created_by=1)
    session.commit()
    assert session.query(Attachment).count() == 0 and not store.root.exists()
    # linked: row kept with its record, bytes written
    row = stage(session, store, name="b.png", content_type="image/png", data=PNG, created_by=1)
    item = _Item()
    item.id = 42
    link(session, [row.id], item, "vehicle_collateral", "photos")
    session.commit()
    stored = session.get(Attachment, row.id)
    assert stored is not None
    assert (stored.entity, stored.record_id, stored.field) == ("vehicle_collateral", 42, "photos")
    assert store.read(row.sha256) == PNG
    # an upload kept on its own (REST), then a rolled back one leaves no new file
    other = b"%PDF-1.4 other"
    solo = stage(
        session, store, name="c.pdf", content_type="application/pdf", data=other,
        created_by=2, standalone=True,
    )
    session.commit()
    assert session.get(Attachment, solo.id).entity is None and store.exists(solo.sha256)
    # the commit fails after the bytes were written: the new file is removed again
    third = b"%PDF-1.4 third"
    stage(session, store, name="d.pdf", content_type="application/pdf", data=third,
          created_by=2, standalone=True)
    session.add(Attachment(id=solo.id, sha256="0" * 64, file_name="dup", size=0,
                           content_type="x", created_by=2))  # duplicate key at commit
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()
    assert not store.exists(hashlib.sha256(third).hexdigest())
    assert store.exists(solo.sha256) and store.exists(row.sha256)  # older files untouched
    assert session.query(Attachment).count() == 2
