"""Messages of the end-of-day batch (日终批处理) and the business date."""

from __future__ import annotations

TABLE: dict[str, tuple[str, str]] = {
    # code: (en, zh_CN)
    "eod_date_before_last_closed": (
        "{value} is before the last closed business date {last_closed}: a closed day cannot be run again.",
        "{value} 早于最近已日终的营业日 {last_closed}，已关闭的营业日不能重跑。"),
    "eod_date_skips_days": (
        "{value} skips unclosed business days: the next day to close is {expected} "
        "(run them in order with --date {expected} --until {value}).",
        "{value} 跳过了未日终的营业日：下一个应日终的营业日是 {expected}"
        "（可用 --date {expected} --until {value} 按顺序执行）。"),
    "eod_date_in_future": (
        "{value} is in the future: the latest business date that may be closed today is {latest}.",
        "{value} 是未来日期：今天最多只能日终到营业日 {latest}。"),
    "eod_date_invalid": ("{value} is not a date (YYYY-MM-DD).", "{value} 不是日期（YYYY-MM-DD）。"),
    "eod_until_before_date": (
        "--until {value} is before --date {date}.", "--until {value} 早于 --date {date}。"),
    "eod_run_not_found": ("End-of-day run {value} does not exist.", "日终批次 {value} 不存在。"),
    "eod_run_in_progress": (
        "The end-of-day run of {value} is still running: retry it once it has finished.",
        "营业日 {value} 的日终批次仍在运行，结束后才能重试。"),
    "eod_nothing_to_retry": (
        "End-of-day run {value} has no failed loan left to retry.",
        "日终批次 {value} 没有待重试的失败贷款。"),
    "eod_no_published_config": (
        "No configuration is published: publish one before running end of day.",
        "尚未发布配置：请先发布配置再执行日终。"),
    "eod_config_invalid": ("eod.yaml: {reason}", "eod.yaml：{reason}"),
    "business_date_start_invalid": (
        "LOWLEND_BUSINESS_DATE_START={value} is not a date (YYYY-MM-DD).",
        "LOWLEND_BUSINESS_DATE_START={value} 不是日期（YYYY-MM-DD）。"),
    "eod_step_not_available": (
        "Step {value} has no module yet: not run.", "步骤 {value} 尚未实现，未执行。"),
    "dpd_ranges_category": (
        "{value} is not a classification category (pass, special_mention, substandard, doubtful, loss).",
        "{value} 不是五级分类类别（pass、special_mention、substandard、doubtful、loss）。"),
    "dpd_ranges_order": (
        "The dpd_ranges bounds must increase ({value}).", "dpd_ranges 的上限必须递增（{value}）。"),
    "bucket_edges_invalid": (
        "bucket_edges {value} must be increasing whole numbers of days above 0.",
        "bucket_edges {value} 必须是递增的正整数天数。"),
    "classification_category_unknown": (
        "{value} is not a classification category (pass, special_mention, substandard, doubtful, loss).",
        "{value} 不是五级分类类别（pass、special_mention、substandard、doubtful、loss）。"),
    "classification_reason_required": (
        "A reason is required for a manual classification.", "人工调整五级分类必须填写原因。"),
    "classification_text_too_long": (
        "The text may have at most {max} characters.", "文字最多 {max} 个字符。"),
    "classification_until_past": (
        "valid_until {value} is before the current business date {business_date}.",
        "有效期至 {value} 早于当前营业日 {business_date}。"),
    "classification_loan_not_found": ("Loan {value} does not exist.", "贷款 {value} 不存在。"),
    "classification_loan_not_open": (
        "Loan {value} is {status}: only active or overdue loans can be classified by hand.",
        "贷款 {value} 的状态为 {status}：只有正常或逾期的贷款可以人工调整分类。"),
    "classification_override_pending": (
        "Loan {value} already has a classification request waiting for a decision ({request}).",
        "贷款 {value} 已有待审批的分类调整申请（{request}）。"),
    "classification_override_not_found": (
        "Classification request {value} does not exist.", "分类调整申请 {value} 不存在。"),
    "classification_override_decided": (
        "Classification request {value} is already {status}.", "分类调整申请 {value} 已经是 {status} 状态。"),
    "classification_self_approval": (
        "Classification request {value} must be decided by someone other than its requester.",
        "分类调整申请 {value} 必须由申请人以外的人审批。"),
    "dpd_ranges_unbounded": (
        "The last of the dpd_ranges must have max_dpd: null.", "dpd_ranges 的最后一档必须是 max_dpd: null。"),
}
