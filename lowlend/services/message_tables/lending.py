"""Messages of the lending use cases: applications, decisions, approvals, dispatch, loans."""

from __future__ import annotations

TABLE: dict[str, tuple[str, str]] = {
    # code: (en, zh_CN)
    "application_not_found": ("Application {value} does not exist.", "贷款申请 {value} 不存在。"),
    "customer_not_found": ("Customer {value} does not exist.", "客户 {value} 不存在。"),
    "unknown_approval_chain": ("The approval chain {value} is not configured.", "审批流程 {value} 未配置。"),
    "application_terms_invalid": ("The application's terms do not fit the product.", "申请条件不符合产品规定。"),
    "compliance_blocked": ("Refused by the compliance rule {rule} of region {region}.", "违反 {region} 地区合规规则 {rule}，不能提交。"),
    "bureau_not_configured": ("No credit bureau is configured.", "未配置征信机构。"),
    "bureau_unavailable_retry": ("The credit bureau did not answer ({reason}); the application stays submitted — try again later.", "征信机构暂无响应（{reason}），申请保持已提交状态，请稍后重试。"),
    "application_bad_transition": ("An application that is {status} cannot be {event}.", "状态为 {status} 的申请不能执行 {event}。"),
    "application_not_in_review": ("The application is {value}, not in review.", "申请当前状态为 {value}，不在审批中。"),
    "decision_comment_required": ("Give a reason when you reject or return an application.", "拒绝或退回申请时必须填写意见。"),
    "approval_task_not_found": ("Approval task {value} does not exist.", "审批任务 {value} 不存在。"),
    "approval_task_not_open": ("The approval task is {value}, not open.", "审批任务当前状态为 {value}，不可办理。"),
    "assignee_not_eligible": ("Staff member {value} cannot take this task (role, leave or workload).", "员工 {value} 不能承接该任务（角色、休假或工作量限制）。"),
    "consent_days_invalid": ("The consent must be valid for at least one day.", "授权有效期至少为 1 天。"),
    "application_already_booked": ("Application {value} already has its loan or credit line.", "申请 {value} 已生成贷款或授信额度。"),
    "entrusting_party_required": ("An entrusted loan needs its entrusting party.", "委托贷款必须选择委托人。"),
    "credit_line_not_found": ("Credit line {value} does not exist.", "授信额度 {value} 不存在。"),
    "credit_line_not_active": ("The credit line is {value}, not active.", "授信额度当前状态为 {value}，不可用。"),
    "credit_line_expired": ("The credit line expired on {value}.", "授信额度已于 {value} 到期。"),
    "credit_limit_out_of_range": ("The credit limit {value} is outside the product's range {min}–{max}.", "授信额度 {value} 不在产品允许的 {min}–{max} 范围内。"),
    "draw_above_available": ("The draw {value} is above the available limit {available}.", "提款金额 {value} 超过可用额度 {available}。"),
    "period_ends_before_start": ("The end date is before the start date.", "结束日期早于开始日期。"),
    "delegation_to_self": ("A delegation needs two different people.", "委托人与受托人不能是同一人。"),
    "approval_self": ("You cannot approve an application you made.", "不能审批自己发起的申请。"),
    "approval_not_eligible": ("You are not an approver of step {step} (role {role}).", "您不是审批步骤 {step} 的审批人（角色 {role}）。"),
    "approval_already_voted": ("You have already acted on step {step}.", "您已办理过审批步骤 {step}。"),
    "approval_not_distinct": ("You approved step {step} of this application; another person must approve this step.", "您已审批过本申请的步骤 {step}，本步骤须由其他人审批。"),
    "approval_step_not_open": ("Step {step} is not open: an earlier step comes first, or it is complete.", "审批步骤 {step} 尚未开始或已完成。"),
    "approval_finished": ("The approval is already {state}.", "审批已结束（{state}）。"),
    "approval_unknown_step": ("Step {step} is not on this application's route.", "审批步骤 {step} 不在本申请的审批路径上。"),
}
