"""The ID-card reader on RapidOCR (``rapidocr-onnxruntime``: PP-OCRv4 models in ONNX,
shipped inside the wheel — nothing is downloaded at run time).

The engine is created on first use and shared by every reader of the process
(:func:`engine`); importing this module loads nothing. Recognition runs one image at
a time per process (the ONNX runtime already uses every core for one image).

Orientation: an image whose text lines are mostly vertical is turned a quarter and
read again; a card read upside down (the ID number above the name, or the validity
above the issuing authority) is turned half and read again. A front image showing
the back with the front given as ``back`` is read the right way round; a single
image holding both sides (a photocopy) gives the back's fields too.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from PIL import Image

from lowlend.integrations.ocr.checks import back_problems, front_problems
from lowlend.integrations.ocr.fields import (
    BACK_LABEL_ORDER,
    FRONT_LABEL_ORDER,
    OcrLine,
    SideRead,
    read_back,
    read_front,
)
from lowlend.integrations.ocr.images import DEFAULT_LIMITS, ImageLimits, load_image
from lowlend.integrations.ocr.model import FieldValue, IdCardResult, OcrError, Problem

__all__ = ["RapidOcrIdCardReader", "default_reader", "engine"]

log = logging.getLogger(__name__)

_engine: Any = None
_engine_lock = threading.Lock()
_run_lock = threading.Lock()


def engine() -> Any:
    """The process's RapidOCR engine, created on first call (about 0.3 s).

    :raises OcrError: ``ocr_engine_unavailable`` when the package is missing or its
        models cannot be loaded.
    """
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR

                    _engine = RapidOCR()
                except Exception:
                    log.exception("the OCR engine cannot start")
                    raise OcrError("ocr_engine_unavailable") from None
    return _engine


def recognise(image: Image.Image, side: str = "front") -> list[OcrLine]:
    """The text lines of ``image`` (RGB) with their boxes and scores."""
    import numpy as np

    ocr = engine()
    bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    try:
        with _run_lock:
            found, _elapsed = ocr(bgr)
    except Exception:
        log.exception("OCR failed on the %s image", side)
        raise OcrError("ocr_failed", side) from None
    return [OcrLine.from_points(points, str(text), float(score)) for points, text, score in found or ()]


def _mostly_vertical(lines: list[OcrLine]) -> bool:
    tall = sum(1 for ln in lines if ln.height > 1.5 * ln.width)
    return bool(lines) and tall > len(lines) / 2


def _upside_down(read: SideRead, order: tuple[str, ...]) -> bool:
    """Labels printed top to bottom in ``order`` found bottom to top."""
    tops = [read.labels[name][1] for name in order if name in read.labels]
    return len(tops) >= 2 and tops[0] > tops[-1]


def _read_upright(
    image: Image.Image,
    side: str,
    reader: Callable[[list[OcrLine]], SideRead],
    order: tuple[str, ...],
) -> tuple[SideRead, list[OcrLine]]:
    lines = recognise(image, side)
    if _mostly_vertical(lines):
        image = image.transpose(Image.Transpose.ROTATE_90)
        lines = recognise(image, side)
    read = reader(lines)
    if read.recognised and _upside_down(read, order):
        lines = recognise(image.transpose(Image.Transpose.ROTATE_180), side)
        read = reader(lines)
    return read, lines


class RapidOcrIdCardReader:
    """:class:`~lowlend.integrations.ocr.model.IdCardReader` on RapidOCR.

    :param limits: file size and pixel limits of the images.
    :param today: the date a card's validity is checked against.
    """

    def __init__(
        self,
        limits: ImageLimits = DEFAULT_LIMITS,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.limits = limits
        self.today = today

    def read(self, front: bytes, back: bytes | None = None) -> IdCardResult:
        """Read the front (and the back, when given) of a resident ID card.

        :raises OcrError: an image is unreadable or shows no ID card.
        """
        front_image = load_image(front, "front", self.limits)
        back_image = load_image(back, "back", self.limits) if back is not None else None

        front_read, front_lines = _read_upright(front_image, "front", read_front, FRONT_LABEL_ORDER)
        back_read: SideRead | None = None
        if not front_read.recognised:
            as_back = read_back(front_lines)
            if not as_back.recognised:
                raise OcrError("ocr_not_an_id_card", "front")
            if back_image is None:
                raise OcrError("ocr_front_is_back", "front")
            swapped, _ = _read_upright(back_image, "back", read_front, FRONT_LABEL_ORDER)
            if not swapped.recognised:
                raise OcrError("ocr_front_is_back", "front")
            front_read, back_read, back_image = swapped, as_back, None
        if back_image is not None:
            back_read, _ = _read_upright(back_image, "back", read_back, BACK_LABEL_ORDER)
            if not back_read.recognised:
                raise OcrError("ocr_not_an_id_card_back", "back")
        elif back_read is None:
            both = read_back(front_lines)  # a photocopy with both sides on one page
            back_read = both if both.labels else None

        fields: dict[str, FieldValue] = dict(front_read.fields)
        problems: list[Problem] = front_problems(front_read.fields)
        if back_read is not None:
            fields.update(back_read.fields)
            problems += back_problems(back_read.fields, self.today())
        return IdCardResult.of(fields, tuple(problems))


@functools.cache
def default_reader() -> RapidOcrIdCardReader:
    """The process's reader with the default limits (the engine loads on first read)."""
    return RapidOcrIdCardReader()
