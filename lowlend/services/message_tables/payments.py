"""Messages of payment orders (放款 / 代扣 / 退款) and the payment gateway adapters."""

from __future__ import annotations

TABLE: dict[str, tuple[str, str]] = {
    # code: (en, zh_CN)
    "payment_kind_invalid": (
        "{value} is not a payment kind (disbursement, debit or refund).",
        "{value} 不是有效的支付类型（放款、代扣或退款）。",
    ),
    "payment_id_invalid": (
        "{value} is not a valid payment id (1 to 64 letters, digits, '_', '.', ':' or '-').",
        "{value} 不是有效的支付单号（1 至 64 位字母、数字或 _ . : -）。",
    ),
    "payment_amount_invalid": (
        "The payment amount {value} is not a valid amount.",
        "支付金额 {value} 无效。",
    ),
    "payment_amount_precision": (
        "The payment amount {value} has more than 2 decimal places.",
        "支付金额 {value} 的小数超过 2 位。",
    ),
    "payment_amount_not_positive": (
        "The payment amount {value} must be greater than zero.",
        "支付金额 {value} 必须大于零。",
    ),
    "payment_currency_invalid": (
        "{value} is not a currency code.",
        "{value} 不是有效的币种代码。",
    ),
    "payment_holder_required": (
        "The account holder's name is required.",
        "必须填写账户户名。",
    ),
    "payment_bank_code_invalid": (
        "{value} is not a bank code.",
        "{value} 不是有效的银行代码。",
    ),
    "payment_loan_required": (
        "The payment must name its loan.",
        "支付必须关联贷款。",
    ),
    "payment_memo_too_long": (
        "The payment memo may have at most {max} characters.",
        "支付附言最多 {max} 个字符。",
    ),
    "payment_status_invalid": (
        "{value} is not a payment status.",
        "{value} 不是有效的支付状态。",
    ),
    "payment_failure_code_invalid": (
        "{value} is not a payment failure reason for this status.",
        "{value} 不是该支付状态下有效的失败原因。",
    ),
    "payment_settled_amount_invalid": (
        "The settled amount {value} does not fit the payment's status and amount.",
        "实际到账金额 {value} 与支付状态或金额不符。",
    ),
    "payment_time_invalid": (
        "The payment time {value} is not a valid time with a time zone.",
        "支付时间 {value} 不是带时区的有效时间。",
    ),
    "payment_callback_order_mismatch": (
        "The payment notice is for order {value}, not {stored}.",
        "支付通知属于订单 {value}，而不是 {stored}。",
    ),
    "insufficient_funds": (
        "The account's balance is not sufficient for the payment.",
        "账户余额不足。",
    ),
    "account_invalid": (
        "The bank account is closed or not valid.",
        "银行账户已销户或无效。",
    ),
    "limit_exceeded": (
        "The payment exceeds the account's transaction limit.",
        "支付金额超过账户的交易限额。",
    ),
    "declined": (
        "The bank declined the payment.",
        "银行拒绝了该笔支付。",
    ),
    "gateway_unavailable": (
        "The payment gateway cannot be reached; the outcome is unknown. Retry the same "
        "order later (never as a new order).",
        "暂时无法连接支付网关，结果未知。请稍后用同一订单重试（不要新建订单）。",
    ),
    "gateway_rejected": (
        "The payment gateway refused the request ({reason}).",
        "支付网关拒绝了请求（{reason}）。",
    ),
    "gateway_bad_response": (
        "The payment gateway's answer is not valid ({key}: {reason}).",
        "支付网关的返回数据无效（{key}：{reason}）。",
    ),
    "gateway_callback_signature_invalid": (
        "The payment notice is not authentic ({reason}); it was refused.",
        "支付通知验签失败（{reason}），已拒绝。",
    ),
    "gateway_settings_invalid": (
        "The payment gateway setting {key} is not valid: {reason}.",
        "支付网关配置项 {key} 无效：{reason}。",
    ),
}
