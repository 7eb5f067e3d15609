"""Messages of ID-card OCR: unreadable input (``ocr_*`` errors) and the problems
found on a card that was read (check digit, birth date, sex, validity)."""

from __future__ import annotations

TABLE: dict[str, tuple[str, str]] = {
    # code: (en, zh_CN)
    # -- input that cannot be read (lowlend.integrations.ocr.OcrError) ----------------
    "ocr_image_required": ("An image of the card is required.", "请上传身份证图片。"),
    "ocr_empty_file": ("The file is empty.", "文件为空。"),
    "ocr_file_too_large": (
        "The file is larger than {max}.",
        "文件大小超过 {max}。",
    ),
    "ocr_not_an_image": (
        "The file is not an image (JPEG, PNG, WebP, BMP or TIFF).",
        "该文件不是图片（支持 JPEG、PNG、WebP、BMP、TIFF）。",
    ),
    "ocr_unsupported_format": (
        "{format} images are not supported: use JPEG, PNG, WebP, BMP or TIFF.",
        "不支持 {format} 格式的图片，请使用 JPEG、PNG、WebP、BMP 或 TIFF。",
    ),
    "ocr_corrupt_image": (
        "The image is damaged and cannot be read.",
        "图片已损坏，无法读取。",
    ),
    "ocr_image_too_large": (
        "The image is too large ({width}×{height} pixels, at most {max_pixels} pixels).",
        "图片尺寸过大（{width}×{height} 像素，最多 {max_pixels} 像素）。",
    ),
    "ocr_image_too_small": (
        "The image is too small ({width}×{height} pixels): its short side needs at least "
        "{min_side} pixels.",
        "图片尺寸过小（{width}×{height} 像素），短边至少需要 {min_side} 像素。",
    ),
    "ocr_not_an_id_card": (
        "No resident ID card (the side with the photo) was found in the image.",
        "图片中未识别到居民身份证人像面。",
    ),
    "ocr_not_an_id_card_back": (
        "No back of a resident ID card (the side with the national emblem) was found in "
        "the image.",
        "图片中未识别到居民身份证国徽面。",
    ),
    "ocr_front_is_back": (
        "The image shows the back of the card: the side with the photo is needed.",
        "图片为身份证国徽面，请上传人像面。",
    ),
    "ocr_engine_unavailable": (
        "The OCR engine is not installed or cannot start.",
        "OCR 识别引擎未安装或无法启动。",
    ),
    "ocr_failed": ("The image could not be recognised.", "图片识别失败。"),
    # -- fields not read -----------------------------------------------------------------
    "ocr_name_not_read": ("The name could not be read.", "未能识别姓名。"),
    "ocr_sex_not_read": ("The sex could not be read.", "未能识别性别。"),
    "ocr_ethnicity_not_read": ("The ethnicity could not be read.", "未能识别民族。"),
    "ocr_birth_date_not_read": ("The birth date could not be read.", "未能识别出生日期。"),
    "ocr_address_not_read": ("The address could not be read.", "未能识别住址。"),
    "ocr_id_number_not_read": ("The ID number could not be read.", "未能识别公民身份号码。"),
    "ocr_issuing_authority_not_read": (
        "The issuing authority could not be read.",
        "未能识别签发机关。",
    ),
    "ocr_valid_from_not_read": (
        "The start of the validity period could not be read.",
        "未能识别有效期限起始日期。",
    ),
    "ocr_valid_until_not_read": (
        "The end of the validity period could not be read.",
        "未能识别有效期限截止日期。",
    ),
    # -- checks of a card that was read --------------------------------------------------
    "id_number_checksum": (
        "The check digit of the ID number {value} is wrong.",
        "公民身份号码 {value} 的校验位错误。",
    ),
    "id_number_invalid": (
        "{value} is not a valid 18-character resident ID number.",
        "{value} 不是有效的 18 位公民身份号码。",
    ),
    "birth_date_mismatch": (
        "The birth date on the card ({card}) differs from the one in the ID number ({number}).",
        "证件上的出生日期（{card}）与公民身份号码中的出生日期（{number}）不一致。",
    ),
    "sex_mismatch": (
        "The sex on the card differs from the one the ID number encodes.",
        "证件上的性别与公民身份号码所示性别不一致。",
    ),
    "ethnicity_unknown": (
        "{value} is not one of the 56 ethnic groups.",
        "{value} 不是 56 个民族之一。",
    ),
    "validity_invalid": (
        "The validity period ({valid_from} to {valid_until}) is not possible.",
        "有效期限（{valid_from} 至 {valid_until}）不合理。",
    ),
    "id_card_expired": (
        "The card expired on {valid_until}.",
        "该身份证已于 {valid_until} 过期。",
    ),
}
