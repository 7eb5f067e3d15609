"""Bad input never reaches the OCR engine as a traceback: every case is an
:class:`OcrError` with a stable code (checked here without the engine)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from lowlend.integrations.ocr import OcrError
from lowlend.integrations.ocr.images import DEFAULT_LIMITS, ImageLimits, load_image


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def card_like(size: tuple[int, int] = (1000, 630)) -> Image.Image:
    return Image.new("RGB", size, (238, 242, 240))


def png_header_only(width: int, height: int) -> bytes:
    """A small PNG that declares ``width × height`` pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def code_of(data: bytes, side: str = "front", limits: ImageLimits = DEFAULT_LIMITS) -> str:
    with pytest.raises(OcrError) as caught:
        load_image(data, side, limits)
    assert caught.value.side == side
    return caught.value.code


def test_an_empty_file() -> None:
    assert code_of(b"") == "ocr_empty_file"


@pytest.mark.parametrize(
    "data",
    [
        b"name,id_number\n" * 100,  # CSV
        b"%PDF-1.7\n" + b"lowlend " * 200,  # PDF
        b"PK\x03\x04" + bytes(500),  # zip / docx
        bytes(range(256)) * 8,  # random binary
    ],
)
def test_files_that_are_not_images(data: bytes) -> None:
    assert code_of(data, "back") == "ocr_not_an_image"


def test_a_truncated_jpeg_is_corrupt() -> None:
    jpeg = encoded(card_like(), "JPEG", quality=90)
    assert code_of(jpeg[: len(jpeg) // 2]) == "ocr_corrupt_image"


def test_a_png_with_damaged_data_is_corrupt() -> None:
    png = bytearray(encoded(Image.effect_noise((600, 400), 60).convert("RGB"), "PNG"))
    start = png.index(b"IDAT") + 8
    png[start : start + 200] = bytes(200)
    assert code_of(bytes(png)) == "ocr_corrupt_image"


def test_damaged_images_stay_corrupt_when_pillow_is_told_to_load_truncated_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """WeasyPrint (contract PDFs) switches Pillow's process-wide LOAD_TRUNCATED_IMAGES on
    when it is imported; uploads are still decoded strictly, and the switch is put back."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    jpeg = encoded(card_like(), "JPEG", quality=90)
    assert code_of(jpeg[: len(jpeg) // 2]) == "ocr_corrupt_image"
    png = bytearray(encoded(Image.effect_noise((600, 400), 60).convert("RGB"), "PNG"))
    start = png.index(b"IDAT") + 8
    png[start : start + 200] = bytes(200)
    assert code_of(bytes(png)) == "ocr_corrupt_image"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_a_damaged_header_after_an_image_signature_is_corrupt() -> None:
    assert code_of(b"\x89PNG\r\n\x1a\n" + bytes(100)) == "ocr_corrupt_image"
    assert code_of(b"\xff\xd8\xff\xe0" + bytes(100)) == "ocr_corrupt_image"


def test_a_file_over_the_size_limit_is_refused_before_decoding() -> None:
    data = encoded(card_like(), "PNG")
    assert len(data) > 1000
    with pytest.raises(OcrError) as caught:
        load_image(data, "front", ImageLimits(max_bytes=1000))
    assert caught.value.code == "ocr_file_too_large"
    assert caught.value.message("en") == "The file is larger than 1000 bytes."
    assert load_image(data, "front", ImageLimits(max_bytes=len(data))).size == (1000, 630)
    big = b"\xff\xd8\xff" + bytes(DEFAULT_LIMITS.max_bytes)  # 10 MiB + 3 bytes
    assert code_of(big) == "ocr_file_too_large"


def test_huge_pixel_dimensions_are_refused_without_decoding() -> None:
    assert code_of(png_header_only(9000, 6000)) == "ocr_image_too_large"  # 54 megapixels
    assert code_of(png_header_only(30000, 30000)) == "ocr_image_too_large"  # Pillow's bomb limit
    with pytest.raises(OcrError) as caught:
        load_image(png_header_only(9000, 6000))
    assert caught.value.params == {"width": "9000", "height": "6000", "max_pixels": "50000000"}


def test_an_image_too_small_to_read() -> None:
    with pytest.raises(OcrError) as caught:
        load_image(encoded(card_like((160, 100)), "PNG"))
    assert caught.value.code == "ocr_image_too_small"
    assert caught.value.message("zh_CN") == "图片尺寸过小（160×100 像素），短边至少需要 200 像素。"


def test_formats_we_do_not_read() -> None:
    assert code_of(encoded(card_like(), "GIF")) == "ocr_unsupported_format"
    with pytest.raises(OcrError) as caught:
        load_image(encoded(card_like(), "GIF"))
    assert caught.value.message("en").startswith("GIF images are not supported")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "TIFF"])
def test_supported_formats_decode_to_rgb(fmt: str) -> None:
    image = load_image(encoded(card_like(), fmt))
    assert image.mode == "RGB" and image.size == (1000, 630)


def test_transparency_becomes_white_and_grey_becomes_rgb() -> None:
    clear = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    assert load_image(encoded(clear, "PNG")).getpixel((10, 10)) == (255, 255, 255)
    grey = Image.new("L", (400, 300), 128)
    assert load_image(encoded(grey, "PNG")).getpixel((10, 10)) == (128, 128, 128)


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    data = encoded(card_like((1000, 630)), "JPEG", exif=exif.tobytes())
    assert load_image(data).size == (630, 1000)


def test_large_photos_are_scaled_down_for_recognition() -> None:
    image = load_image(encoded(card_like((4000, 3000)), "JPEG", quality=80))
    assert max(image.size) == DEFAULT_LIMITS.work_side
    assert image.size == (2000, 1500)
