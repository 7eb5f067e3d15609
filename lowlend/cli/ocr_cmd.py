"""``lowlend ocr id-card IMAGE [--back IMAGE]``: read a resident ID card offline.

Prints ``{"fields": {name: {"value", "confidence"}}, "problems": [{"code", "message",
"field"}]}`` as JSON and exits with 0, also when the card has problems (a wrong check
digit, a birth date or sex that disagrees with the ID number, an expired card). A file
that cannot be read, is not an image, is too large or shows no ID card is one line
``error: ...`` on stderr and exit code 1.
"""

from __future__ import annotations

import json
import os
from typing import NoReturn

import click

from lowlend.integrations.ocr import DEFAULT_LIMITS, OcrError, default_reader
from lowlend.services.messages import message

_SIDE = {"en": {"front": "front", "back": "back"}, "zh_CN": {"front": "人像面", "back": "国徽面"}}


def _locale(lang: str | None) -> str:
    chosen = lang or os.environ.get("LANG", "")
    return "zh_CN" if chosen.lower().startswith("zh") else "en"


def _fail(text: str) -> NoReturn:
    click.echo(f"error: {text}", err=True)
    raise SystemExit(1)


def _read(path: str, side: str, locale: str) -> bytes:
    """At most one byte more than the limit: the size check needs no more."""
    try:
        with open(path, "rb") as fh:
            return fh.read(DEFAULT_LIMITS.max_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        _fail(f"{_SIDE[locale][side]}: {path}: {reason}")


@click.group("ocr")
def ocr() -> None:
    """Offline OCR of identity documents (models inside the rapidocr-onnxruntime package)."""


@ocr.command("id-card")
@click.argument("image", type=click.Path())
@click.option("--back", "back", type=click.Path(), default=None,
              help="Image of the back (the side with the national emblem).")
@click.option("--lang", type=click.Choice(["zh_CN", "en"]), default=None,
              help="Language of messages (default: from LANG).")
def id_card(image: str, back: str | None, lang: str | None) -> None:
    """Read a resident ID card (居民身份证) from IMAGE (the side with the photo).

    JPEG, PNG, WebP, BMP or TIFF, at most 10 MiB and 50 megapixels. Prints the
    fields with their confidence and the problems found as JSON.
    """
    locale = _locale(lang)
    front_bytes = _read(image, "front", locale)
    back_bytes = _read(back, "back", locale) if back is not None else None
    try:
        result = default_reader().read(front_bytes, back_bytes)
    except OcrError as exc:
        path = image if exc.side == "front" else back
        _fail(f"{_SIDE[locale][exc.side]}: {path}: {message(exc.code, locale, **exc.params)}")
    click.echo(json.dumps(result.to_json(locale), ensure_ascii=False, indent=2))


COMMANDS: list[click.Command] = [ocr]
