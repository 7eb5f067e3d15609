"""Messages of credit-bureau pulls and consents."""

from __future__ import annotations

TABLE: dict[str, tuple[str, str]] = {
    # code: (en, zh_CN)
    "bureau_consent_required": (
        "The customer's consent is required before pulling a credit report.",
        "查询征信前必须取得客户的授权。",
    ),
    "bureau_subject_required": (
        "The credit report request needs the {key} of the customer.",
        "征信查询请求缺少客户的 {key}。",
    ),
    "bureau_purpose_invalid": (
        "{value} is not a purpose for which a credit report may be pulled.",
        "{value} 不是允许的征信查询原因。",
    ),
    "bureau_income_invalid": (
        "The declared monthly income {value} is not valid.",
        "申报的月收入 {value} 无效。",
    ),
    "bureau_bad_response": (
        "The credit bureau's answer is not valid ({key}: {reason}).",
        "征信机构的返回数据无效（{key}：{reason}）。",
    ),
    "bureau_unavailable": (
        "The credit bureau cannot be reached; please try again later.",
        "暂时无法连接征信机构，请稍后重试。",
    ),
    "bureau_rejected": (
        "The credit bureau refused the request ({reason}).",
        "征信机构拒绝了查询请求（{reason}）。",
    ),
    "bureau_settings_invalid": (
        "The credit bureau setting {key} is not valid: {reason}.",
        "征信接口配置项 {key} 无效：{reason}。",
    ),
}
