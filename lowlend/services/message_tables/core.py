"""Messages of the loan engine and the product-terms checks."""

from __future__ import annotations

TABLE: dict[str, tuple[str, str]] = {
    # code: (en, zh_CN)
    "product_required": ("A product code is required.", "必须填写产品代码。"),
    "unknown_product": ("Unknown product {value}.", "产品 {value} 不存在。"),
    "unknown_region": ("Unknown compliance region {value}.", "合规地区 {value} 不存在。"),
    "unknown_fee_schedule": ("Unknown fee schedule {value}.", "费用方案 {value} 不存在。"),
    "amount_not_a_decimal": ("The amount must be a number such as 10000.00.", "金额必须是数字，例如 10000.00。"),
    "amount_not_positive": ("The amount must be greater than zero.", "金额必须大于零。"),
    "amount_too_large": ("The amount {value} is too large.", "金额 {value} 过大。"),
    "amount_below_min": ("The amount {value} is below the product minimum {min}.", "金额 {value} 低于产品下限 {min}。"),
    "amount_above_max": ("The amount {value} is above the product maximum {max}.", "金额 {value} 高于产品上限 {max}。"),
    "amount_below_draw_min": ("The amount {value} is below the minimum draw {draw_min}.", "金额 {value} 低于单笔最低提款额 {draw_min}。"),
    "amount_not_in_minor_units": ("The amount {value} has more decimal places than the currency allows.", "金额 {value} 的小数位数超过币种允许的位数。"),
    "term_not_an_integer": ("The term must be a whole number of installments.", "期数必须是整数。"),
    "term_not_positive": ("The term must be at least 1.", "期数至少为 1。"),
    "term_too_large": ("The term {value} is too long.", "期数 {value} 过长。"),
    "term_below_min": ("The term {value} is below the product minimum {min}.", "期数 {value} 低于产品下限 {min}。"),
    "term_above_max": ("The term {value} is above the product maximum {max}.", "期数 {value} 高于产品上限 {max}。"),
    "one_time_term_not_one": ("A one-time repayment product has exactly 1 installment.", "一次性还款产品只能有 1 期。"),
    "rate_required": ("An annual rate is required for this product.", "该产品必须填写年利率。"),
    "rate_not_a_decimal": ("The annual rate must be a number such as 0.18.", "年利率必须是数字，例如 0.18。"),
    "rate_negative": ("The annual rate cannot be negative.", "年利率不能为负数。"),
    "rate_too_large": ("The annual rate {value} is not plausible.", "年利率 {value} 不合理。"),
    "rate_below_min": ("The annual rate {value} is below the product minimum {min}.", "年利率 {value} 低于产品下限 {min}。"),
    "rate_above_max": ("The annual rate {value} is above the product maximum {max}.", "年利率 {value} 高于产品上限 {max}。"),
    "product_not_yet_valid": ("The product is sold from {valid_from}; {value} is earlier.", "该产品自 {valid_from} 起销售，{value} 早于此日期。"),
    "product_expired": ("The product was sold until {valid_to}; {value} is later.", "该产品销售截止于 {valid_to}，{value} 晚于此日期。"),
    "fees_exceed_amount": ("The upfront fees {upfront} leave nothing of the amount {amount}.", "预收费用 {upfront} 不低于贷款金额 {amount}。"),
    "grace_not_below_term": ("The grace periods must be shorter than the term.", "宽限期必须短于贷款期数。"),
    "fee_schedule_mismatch": ("The fee schedule {value} is not the product's ({expected}).", "费用方案 {value} 与产品配置（{expected}）不符。"),
    "currency_mismatch": ("The currency {value} is not the product's ({expected}).", "币种 {value} 与产品币种（{expected}）不符。"),
    "date_invalid": ("{value} is not a date in the form YYYY-MM-DD.", "{value} 不是 YYYY-MM-DD 格式的日期。"),
    "irr_no_solution": ("No annual rate can be computed for these cash flows.", "无法根据该现金流计算年化利率。"),
}
