"""ID-card OCR (身份证识别), offline: read a PRC resident ID card from photos.

* :class:`IdCardReader` — the interface: ``read(front, back=None) -> IdCardResult``.
* :class:`RapidOcrIdCardReader` / :func:`default_reader` — the implementation on
  RapidOCR (``rapidocr-onnxruntime``, models inside the wheel), engine loaded on
  first use and cached per process.
* :mod:`~lowlend.integrations.ocr.fields` — field extraction from OCR text lines
  (plain Python); :mod:`~lowlend.integrations.ocr.checks` — the cross-checks
  (check digit, birth date, sex, validity) reported as :class:`Problem`.
* :class:`OcrError` — input that cannot be read, with a stable code
  (``ocr_not_an_image``, ``ocr_file_too_large``, ``ocr_not_an_id_card``, …).

Messages of every code: :mod:`lowlend.services.message_tables.ocr`.
"""

from __future__ import annotations

from lowlend.integrations.ocr.images import DEFAULT_LIMITS, ImageLimits
from lowlend.integrations.ocr.model import (
    ALL_FIELDS,
    BACK_FIELDS,
    FRONT_FIELDS,
    LONG_TERM,
    FieldValue,
    IdCardReader,
    IdCardResult,
    OcrError,
    Problem,
)
from lowlend.integrations.ocr.rapid import RapidOcrIdCardReader, default_reader

__all__ = [
    "ALL_FIELDS",
    "BACK_FIELDS",
    "DEFAULT_LIMITS",
    "FRONT_FIELDS",
    "LONG_TERM",
    "FieldValue",
    "IdCardReader",
    "IdCardResult",
    "ImageLimits",
    "OcrError",
    "Problem",
    "RapidOcrIdCardReader",
    "default_reader",
]
