"""Messages of customer files: identity, registration and card numbers, duplicates, relations.

The ``resident_id_*``, ``uscc_*``, ``bank_card_*`` and ``id_number_blank`` codes are the
:class:`lowlend.domain.identity.IdentityError` codes (a test checks every one is here);
the others are raised by :mod:`lowlend.services.lending.customers`.
"""

from __future__ import annotations

TABLE: dict[str, tuple[str, str]] = {
    # code: (en, zh_CN)
    # -- resident ID numbers (居民身份证号码) -----------------------------------------
    "resident_id_invalid_length": (
        "A resident ID number has 18 characters (17 digits and a check digit or X).",
        "居民身份证号码应为 18 位（17 位数字加 1 位校验码或 X）。",
    ),
    "resident_id_checksum": (
        "The check digit of this resident ID number is wrong; please check the number.",
        "居民身份证号码校验位错误，请核对号码。",
    ),
    "resident_id_invalid_component": (
        "This resident ID number contains an impossible birth date or area code.",
        "居民身份证号码中的出生日期或地区码无效。",
    ),
    "resident_id_invalid_format": (
        "A resident ID number consists of digits (the last one may be X).",
        "居民身份证号码只能由数字组成（最后一位可为 X）。",
    ),
    "resident_id_invalid": (
        "This is not a valid resident ID number.",
        "居民身份证号码无效。",
    ),
    # -- unified social credit codes (统一社会信用代码) ----------------------------------
    "uscc_invalid_length": (
        "A unified social credit code has 18 characters.",
        "统一社会信用代码应为 18 位。",
    ),
    "uscc_checksum": (
        "The check character of this unified social credit code is wrong; please check the code.",
        "统一社会信用代码校验位错误，请核对代码。",
    ),
    "uscc_invalid_component": (
        "This unified social credit code contains an invalid registration authority, "
        "type or organisation code.",
        "统一社会信用代码中的登记管理部门、机构类别或组织机构代码无效。",
    ),
    "uscc_invalid_format": (
        "A unified social credit code consists of digits and capital letters "
        "(not I, O, S, V or Z).",
        "统一社会信用代码只能由数字和大写字母组成（不含 I、O、S、V、Z）。",
    ),
    "uscc_invalid": (
        "This is not a valid unified social credit code.",
        "统一社会信用代码无效。",
    ),
    # -- bank cards (银行卡号) ------------------------------------------------------------
    "bank_card_invalid_format": (
        "A bank card number consists of digits only.",
        "银行卡号只能由数字组成。",
    ),
    "bank_card_invalid_length": (
        "A bank card number has 12 to 19 digits.",
        "银行卡号应为 12 至 19 位数字。",
    ),
    "bank_card_checksum": (
        "The check digit of this bank card number is wrong; please check the number.",
        "银行卡号校验位错误，请核对卡号。",
    ),
    # -- other identity documents -----------------------------------------------------
    "id_number_blank": ("The ID number is required.", "必须填写证件号码。"),
    "id_type_kind_mismatch": (
        "An enterprise is identified by its unified social credit code; "
        "an individual by a personal ID document.",
        "企业客户应使用统一社会信用代码，个人客户应使用个人身份证件。",
    ),
    # -- duplicates ---------------------------------------------------------------------
    "duplicate_id_number": (
        "A customer with this ID number already exists: {customer}.",
        "已存在相同证件号码的客户：{customer}。",
    ),
    "duplicate_id_number_hidden": (
        "A customer with this ID number already exists (outside your data scope).",
        "已存在相同证件号码的客户（不在您的数据权限范围内）。",
    ),
    "duplicate_phone": (
        "Another customer has this phone number: {customer}.",
        "该联系电话已被其他客户使用：{customer}。",
    ),
    "duplicate_phone_hidden": (
        "Another customer has this phone number (outside your data scope).",
        "该联系电话已被其他客户使用（不在您的数据权限范围内）。",
    ),
    # -- credit limit (授信) -------------------------------------------------------------
    "credit_limit_not_permitted": (
        "Only users who may approve credit can set the credit limit.",
        "只有具有授信审批权限的用户才能设置授信额度。",
    ),
    "credit_limit_negative": (
        "The credit limit cannot be negative.",
        "授信额度不能为负数。",
    ),
    "credit_limit_currency_invalid": (
        "The currency is a three-letter code such as CNY.",
        "币种应为三位字母代码，例如 CNY。",
    ),
    # -- relations between customers ---------------------------------------------------
    "customer_relation_self": (
        "A customer cannot be related to itself.",
        "客户不能与自身建立关联关系。",
    ),
    "customer_relation_duplicate": (
        "This relation already exists.",
        "该关联关系已存在。",
    ),
    "customer_relation_unknown_customer": (
        "No such customer (or it is outside your data scope).",
        "客户不存在（或不在您的数据权限范围内）。",
    ),
}
