"""The core entities of the generated admin: customers, applications, loans and the rest.

Code-level field descriptions (:class:`CoreEntity`) with bilingual labels and the
built-in status dictionaries; :func:`core_descriptors` turns them into
:class:`~lowlend.web.generic.entities.EntityDescriptor` objects like the config-declared
entities get. Field rules are :class:`~lowlend.spec.model.FieldSpec` objects, so the
same server-side validator checks both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lowlend.spec.model import (
    DictionaryItem,
    DictionarySpec,
    FieldFormat,
    FieldKind,
    FieldSpec,
    Label,
)
from lowlend.web.generic.entities import EntityDescriptor
from lowlend.web.generic.labels import bilingual

__all__ = ["CORE_ENTITIES", "STAFF_SKILL_DICTIONARY", "CoreEntity", "core_descriptors"]

def _f(code: str, kind: str, en: str, zh: str, **kw: Any) -> FieldSpec:
    for key in ("min", "max"):
        if key in kw and kw[key] is not None:
            kw[key] = Decimal(str(kw[key]))
    return FieldSpec(code=code, kind=FieldKind(kind), label=Label(zh, en), **kw)


def _dict(code: str, *items: tuple[str, str, str]) -> DictionarySpec:
    return DictionarySpec(
        code, Label(code, code), tuple(DictionaryItem(c, Label(zh, en)) for c, en, zh in items)
    )


CUSTOMER_KIND = _dict(
    "customer_kind", ("individual", "Individual", "个人"), ("enterprise", "Enterprise", "企业")
)
APPLICATION_STATUS = _dict(
    "application_status",
    ("draft", "Draft", "草稿"),
    ("submitted", "Submitted", "已提交"),
    ("in_review", "In review", "审批中"),
    ("approved", "Approved", "已批准"),
    ("rejected", "Rejected", "已拒绝"),
    ("returned", "Returned", "已退回"),
    ("cancelled", "Cancelled", "已取消"),
    ("withdrawn", "Withdrawn", "已撤回"),
    ("disbursed", "Disbursed", "已放款"),
)
LOAN_STATUS = _dict(
    "loan_status",
    ("pending", "Pending", "待放款"),
    ("approved", "Approved, awaiting disbursement", "已批准待放款"),
    ("active", "Active", "正常"),
    ("overdue", "Overdue", "逾期"),
    ("closed", "Closed", "结清"),
    ("written_off", "Written off", "核销"),
)
#: approval task statuses (``ApprovalTask.status``; lowlend.services.lending.applications)
APPROVAL_TASK_STATUS = _dict(
    "approval_task_status",
    ("waiting", "Waiting", "待开始"),
    ("open", "Open", "待办理"),
    ("done", "Done", "已完成"),
    ("cancelled", "Cancelled", "已取消"),
)
#: credit line statuses (``CreditLine.status``)
CREDIT_LINE_STATUS = _dict(
    "credit_line_status",
    ("active", "Active", "有效"),
    ("frozen", "Frozen", "冻结"),
    ("expired", "Expired", "已到期"),
    ("closed", "Closed", "已关闭"),
)
#: installment statuses (``Installment.status``; lowlend.services.demo_data.INSTALLMENT_STATUSES)
INSTALLMENT_STATUS = _dict(
    "installment_status",
    ("pending", "Not yet due", "未到期"),
    ("due", "Due", "到期应还"),
    ("partial", "Partly paid", "部分还款"),
    ("overdue", "Overdue", "逾期"),
    ("paid", "Paid", "已还清"),
)
#: transaction types (``Transaction.type``; the demo data books disbursements and repayments)
TRANSACTION_TYPE = _dict(
    "transaction_type",
    ("disbursement", "Disbursement", "放款"),
    ("repayment", "Repayment", "还款"),
    ("fee", "Fee", "费用"),
    ("penalty", "Penalty", "罚息"),
    ("refund", "Refund", "退款"),
    ("reversal", "Reversal", "冲正"),
)
#: audit log actions (lowlend.services.audit CREATE/UPDATE/DELETE, the demo loader's DEMO_ACTION,
#: sign-in events of lowlend.web.login_security, the nightly journal verification)
AUDIT_ACTION = _dict(
    "audit_action",
    ("create", "Create", "新增"),
    ("update", "Update", "修改"),
    ("delete", "Delete", "删除"),
    ("demo_create", "Demo data loaded", "导入演示数据"),
    ("login", "Signed in", "登录"),
    ("login_failed", "Sign-in refused", "登录失败"),
    ("logout", "Signed out", "退出登录"),
    ("account_locked", "Account locked", "账户锁定"),
    ("account_unlocked", "Account unlocked", "账户解锁"),
    ("verify_failed", "Journal verification failed", "会计分录校验失败"),
)
#: audit log subjects that are not views (``audit_log.entity``): code → (en, zh)
AUDIT_SUBJECTS: dict[str, tuple[str, str]] = {
    "login": ("Sign-in", "登录"),
    "ledger": ("Ledger", "总账"),
    "statement_imports": ("Bank statement imports", "银行流水导入"),
    "statement_lines": ("Bank statement lines", "银行流水明细"),
}
#: sex derived from a resident ID (``Customer.sex``; lowlend.domain.identity.ResidentId.sex)
CUSTOMER_SEX = _dict("customer_sex", ("male", "Male", "男"), ("female", "Female", "女"))
#: relation kinds between customers; a ``customer_relation_kind`` dictionary of
#: dictionaries.yaml, when published, takes precedence (labels, more kinds)
CUSTOMER_RELATION_KIND = _dict(
    "customer_relation_kind",
    ("guarantor_of", "Guarantor of", "为其担保"),
    ("related_party", "Related party", "关联方"),
    ("household", "Same household", "同一家庭"),
)


def _customer_hooks() -> Any:
    from lowlend.web.generic.customer_files import CustomerHooks

    return CustomerHooks()


def _delegation_hooks() -> Any:
    from lowlend.web.generic.period_rules import PeriodHooks

    return PeriodHooks(distinct=("delegator_staff_id", "delegate_staff_id"))


def _absence_hooks() -> Any:
    from lowlend.web.generic.period_rules import PeriodHooks

    return PeriodHooks()


def _relation_hooks() -> Any:
    from lowlend.web.generic.customer_files import RelationHooks

    return RelationHooks()


#: staff skills: labels come from a ``staff_skill`` dictionary of dictionaries.yaml when one
#: is published (the codes are shown otherwise)
STAFF_SKILL_DICTIONARY = "staff_skill"


@dataclass(frozen=True)
class CoreEntity:
    code: str
    model_name: str
    label: tuple[str, str]
    fields: tuple[FieldSpec, ...]
    list_columns: tuple[str, ...]
    search_columns: tuple[str, ...]
    show_columns: tuple[str, ...]
    extra_labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    read_only: bool = False
    pii: Mapping[str, str] = field(default_factory=dict)
    dictionaries: tuple[DictionarySpec, ...] = ()
    virtual: tuple[str, ...] = ()
    edit_read_only: tuple[str, ...] = ()
    kinds: Mapping[str, str] = field(default_factory=dict)
    field_actions: Mapping[str, str] = field(default_factory=dict)
    extra_actions: tuple[str, ...] = ()
    hooks: Callable[[], Any] | None = None


CORE_ENTITIES: tuple[CoreEntity, ...] = (
    CoreEntity(
        code="customers",
        model_name="Customer",
        label=("Customers", "客户"),
        fields=(
            _f(
                "kind",
                "enum",
                "Customer type",
                "客户类型",
                dictionary="customer_kind",
                required=True,
            ),
            _f("name", "text", "Name", "姓名/名称", required=True, max_length=200),
            _f("id_type", "enum", "ID type", "证件类型", dictionary="id_type", required=True),
            _f(
                "id_number",
                "text",
                "ID number",
                "证件号码",
                required=True,
                max_length=30,
                pii="id_number",
                format=FieldFormat.ID_NUMBER,
            ),
            _f(
                "phone",
                "text",
                "Phone",
                "联系电话",
                max_length=40,
                pattern=r"^\+?[0-9][0-9 \-]{5,19}$",
                pii="phone",
            ),
            _f("region", "text", "Region", "地区", max_length=20),
            _f("department_id", "reference", "Department", "部门", reference="departments"),
            _f("owner_staff_id", "reference", "Account manager", "客户经理", reference="staff"),
            _f("credit_limit", "money", "Credit limit", "授信额度", min=0),
            _f("credit_limit_currency", "text", "Credit limit currency", "授信币种", max_length=3),
            _f("custom", "json", "Custom fields", "自定义字段"),
        ),
        list_columns=("name", "kind", "id_type", "phone", "region"),
        search_columns=("name", "phone", "region", "kind"),
        show_columns=(
            "id",
            "name",
            "kind",
            "id_type",
            "id_number_enc",
            "birth_date",
            "sex",
            "phone",
            "region",
            "credit_limit",
            "credit_limit_currency",
            "department_id",
            "owner_staff_id",
            "custom",
            "created_at",
            "updated_at",
        ),
        extra_labels={
            "id": ("ID", "编号"),
            "id_number_enc": ("ID number", "证件号码"),
            "birth_date": ("Date of birth", "出生日期"),
            "sex": ("Sex", "性别"),
            "created_at": ("Created at", "创建时间"),
            "updated_at": ("Updated at", "更新时间"),
        },
        pii={"phone": "phone", "id_number_enc": "id_number"},
        dictionaries=(CUSTOMER_KIND, CUSTOMER_SEX),
        virtual=("id_number",),
        edit_read_only=("id_type", "id_number"),
        kinds={"birth_date": "date", "sex": "enum:customer_sex"},
        # 授信: set only by users who may approve credit (roles.yaml ``customers: [approve]``)
        field_actions={"credit_limit": "approve", "credit_limit_currency": "approve"},
        extra_actions=("approve",),
        hooks=_customer_hooks,
    ),
    CoreEntity(
        code="customer_relations",
        model_name="CustomerRelation",
        label=("Customer relations", "客户关系"),
        fields=(
            _f(
                "customer_id", "reference", "Customer", "客户", reference="customers", required=True
            ),
            _f(
                "kind",
                "enum",
                "Relation",
                "关系类型",
                dictionary="customer_relation_kind",
                required=True,
            ),
            _f(
                "related_customer_id",
                "reference",
                "Related customer",
                "关联客户",
                reference="customers",
                required=True,
            ),
            _f("note", "text", "Note", "备注", max_length=500),
        ),
        list_columns=("customer_id", "kind", "related_customer_id", "created_at"),
        search_columns=("customer_id", "related_customer_id", "kind"),
        show_columns=(
            "id",
            "customer_id",
            "kind",
            "related_customer_id",
            "note",
            "created_at",
            "created_by",
        ),
        extra_labels={
            "id": ("ID", "编号"),
            "created_at": ("Created at", "创建时间"),
            "created_by": ("Created by", "创建人"),
        },
        dictionaries=(CUSTOMER_RELATION_KIND,),
        hooks=_relation_hooks,
    ),
    CoreEntity(
        code="applications",
        model_name="Application",
        label=("Applications", "贷款申请"),
        fields=(
            _f(
                "customer_id", "reference", "Customer", "客户", reference="customers", required=True
            ),
            _f("amount", "money", "Amount", "申请金额", required=True, min="0.01"),
            _f("term", "int", "Term (periods)", "期限（期）", required=True, min=1, max=600),
            _f("rate", "rate", "Annual rate", "年利率", required=True, min=0, max=1),
            _f("currency", "text", "Currency", "币种", max_length=3),
            _f("department_id", "reference", "Department", "部门", reference="departments"),
            _f("owner_staff_id", "reference", "Account manager", "客户经理", reference="staff"),
        ),
        list_columns=("id", "product_code", "customer_id", "amount", "term", "rate", "status"),
        search_columns=("product_code", "status", "customer_id"),
        show_columns=(
            "id",
            "product_code",
            "customer_id",
            "amount",
            "currency",
            "term",
            "rate",
            "status",
            "custom",
            "config_version_id",
            "department_id",
            "owner_staff_id",
            "submitted_at",
            "decided_at",
            "created_at",
            "updated_at",
        ),
        extra_labels={
            "id": ("ID", "编号"),
            "product_code": ("Product", "贷款产品"),
            "status": ("Status", "状态"),
            "custom": ("Product fields", "产品字段"),
            "config_version_id": ("Config version", "配置版本"),
            "submitted_at": ("Submitted at", "提交时间"),
            "decided_at": ("Decided at", "审批时间"),
            "created_at": ("Created at", "创建时间"),
            "updated_at": ("Updated at", "更新时间"),
        },
        dictionaries=(APPLICATION_STATUS,),
        kinds={"status": "enum:application_status"},
    ),
    CoreEntity(
        code="loans",
        model_name="Loan",
        label=("Loans", "贷款台账"),
        fields=(
            _f(
                "customer_id", "reference", "Customer", "客户", reference="customers", required=True
            ),
            _f("product_code", "text", "Product", "贷款产品", required=True, max_length=50),
            _f("principal", "money", "Principal", "本金", required=True, min="0.01"),
            _f("disbursed_principal", "money", "Disbursed principal", "已放款本金", min="0"),
            _f("annual_rate", "rate", "Annual rate", "年利率", required=True, min=0, max=1),
            _f("currency", "text", "Currency", "币种", max_length=3),
            _f("term", "int", "Term (periods)", "期限（期）", min=0, max=600),
            _f("status", "enum", "Status", "状态", dictionary="loan_status"),
            _f("disbursed_on", "date", "Disbursed on", "放款日"),
            _f("maturity_date", "date", "Maturity date", "到期日"),
            _f("classification", "enum", "Classification", "五级分类", dictionary="classification"),
            _f("department_id", "reference", "Department", "部门", reference="departments"),
            _f("owner_staff_id", "reference", "Account manager", "客户经理", reference="staff"),
        ),
        list_columns=(
            "id",
            "product_code",
            "customer_id",
            "principal",
            "annual_rate",
            "status",
            "dpd",
        ),
        search_columns=("product_code", "status", "customer_id", "classification"),
        show_columns=(
            "id",
            "product_code",
            "customer_id",
            "application_id",
            "principal",
            "disbursed_principal",
            "annual_rate",
            "currency",
            "term",
            "status",
            "disbursed_on",
            "maturity_date",
            "dpd",
            "classification",
            "config_version_id",
            "department_id",
            "owner_staff_id",
            "custom",
            "created_at",
            "updated_at",
        ),
        extra_labels={
            "id": ("ID", "编号"),
            "dpd": ("Days past due", "逾期天数"),
            "application_id": ("Application", "申请"),
            "config_version_id": ("Config version", "配置版本"),
            "custom": ("Custom fields", "自定义字段"),
            "created_at": ("Created at", "创建时间"),
            "updated_at": ("Updated at", "更新时间"),
        },
        dictionaries=(LOAN_STATUS,),
        # money, schedule and status change only through the lending use cases
        read_only=True,
        extra_actions=("write_off",),  # POST /api/v1/loans/<id>/write_off and the loan page
    ),
    CoreEntity(
        code="departments",
        model_name="Department",
        label=("Departments", "部门"),
        fields=(
            _f("code", "text", "Code", "代码", required=True, max_length=50),
            _f("name", "text", "Name", "名称", required=True, max_length=200),
            _f("parent_id", "reference", "Parent department", "上级部门", reference="departments"),
            _f("region", "text", "Region", "地区", max_length=20),
            _f("active", "bool", "Active", "启用"),
        ),
        list_columns=("code", "name", "region", "active"),
        search_columns=("code", "name", "region"),
        show_columns=("id", "code", "name", "parent_id", "path", "region", "active", "created_at"),
        extra_labels={
            "id": ("ID", "编号"),
            "path": ("Path", "路径"),
            "created_at": ("Created at", "创建时间"),
        },
    ),
    CoreEntity(
        code="staff",
        model_name="Staff",
        label=("Staff", "员工"),
        fields=(
            _f("employee_no", "text", "Employee number", "工号", required=True, max_length=50),
            _f("name", "text", "Name", "姓名", required=True, max_length=200),
            _f("user_id", "reference", "User account", "登录账号", reference="users"),
            _f("department_id", "reference", "Department", "部门", reference="departments"),
            _f("region", "text", "Region", "地区", max_length=20),
            _f("skills", "enum_list", "Skills", "技能", dictionary=STAFF_SKILL_DICTIONARY),
            _f("capacity", "int", "Capacity", "工作容量", min=0),
            _f("active", "bool", "Active", "在职"),
        ),
        list_columns=("employee_no", "name", "department_id", "region", "active"),
        search_columns=("employee_no", "name", "region"),
        show_columns=(
            "id",
            "employee_no",
            "name",
            "user_id",
            "department_id",
            "region",
            "skills",
            "capacity",
            "open_workload",
            "performance_score",
            "collected_amount",
            "active",
            "created_at",
        ),
        extra_labels={
            "id": ("ID", "编号"),
            "skills": ("Skills", "技能"),
            "open_workload": ("Open workload", "在办量"),
            "performance_score": ("Performance score", "绩效分"),
            "collected_amount": ("Collected amount", "回收金额"),
            "created_at": ("Created at", "创建时间"),
        },
        kinds={
            "collected_amount": "money",
            "skills": f"enum_list:{STAFF_SKILL_DICTIONARY}",
        },
    ),
    CoreEntity(
        code="installments",
        model_name="Installment",
        label=("Installments", "还款计划"),
        fields=(),
        list_columns=("loan_id", "seq", "due_date", "principal", "interest", "fee", "status"),
        search_columns=("loan_id", "status", "due_date"),
        show_columns=(
            "id",
            "loan_id",
            "seq",
            "due_date",
            "principal",
            "interest",
            "fee",
            "penalty",
            "principal_paid",
            "interest_paid",
            "fee_paid",
            "penalty_paid",
            "status",
            "paid_off_on",
        ),
        extra_labels={
            "id": ("ID", "编号"),
            "loan_id": ("Loan", "贷款"),
            "seq": ("No.", "期次"),
            "due_date": ("Due date", "到期日"),
            "principal": ("Principal", "本金"),
            "interest": ("Interest", "利息"),
            "fee": ("Fee", "费用"),
            "penalty": ("Penalty", "罚息"),
            "principal_paid": ("Principal paid", "已还本金"),
            "interest_paid": ("Interest paid", "已还利息"),
            "fee_paid": ("Fee paid", "已还费用"),
            "penalty_paid": ("Penalty paid", "已还罚息"),
            "status": ("Status", "状态"),
            "paid_off_on": ("Paid off on", "结清日"),
        },
        read_only=True,
        dictionaries=(INSTALLMENT_STATUS,),
        kinds={
            "status": "enum:installment_status",
            **{
                k: "money"
                for k in (
                    "principal",
                    "interest",
                    "fee",
                    "penalty",
                    "principal_paid",
                    "interest_paid",
                    "fee_paid",
                    "penalty_paid",
                )
            },
        },
    ),
    CoreEntity(
        code="transactions",
        model_name="Transaction",
        label=("Transactions", "交易流水"),
        fields=(),
        list_columns=("id", "loan_id", "type", "value_date", "amount", "currency"),
        search_columns=("loan_id", "type", "value_date"),
        show_columns=(
            "id",
            "loan_id",
            "type",
            "value_date",
            "booked_at",
            "amount",
            "currency",
            "reversed_of",
            "idempotency_key",
            "allocation",
            "created_by",
        ),
        extra_labels={
            "id": ("ID", "编号"),
            "loan_id": ("Loan", "贷款"),
            "type": ("Type", "类型"),
            "value_date": ("Value date", "起息日"),
            "booked_at": ("Booked at", "记账时间"),
            "amount": ("Amount", "金额"),
            "currency": ("Currency", "币种"),
            "reversed_of": ("Reversal of", "冲正原交易"),
            "idempotency_key": ("Idempotency key", "幂等键"),
            "allocation": ("Allocation", "分配明细"),
            "created_by": ("Created by", "创建人"),
        },
        read_only=True,
        dictionaries=(TRANSACTION_TYPE,),
        kinds={"amount": "money", "allocation": "json", "type": "enum:transaction_type"},
    ),
    CoreEntity(
        code="audit_log",
        model_name="AuditLog",
        label=("Audit log", "操作日志"),
        fields=(),
        list_columns=("at", "username", "entity", "entity_id", "action"),
        search_columns=("username", "entity", "entity_id", "action"),
        show_columns=(
            "id",
            "at",
            "user_id",
            "username",
            "entity",
            "entity_id",
            "action",
            "before",
            "after",
        ),
        extra_labels={
            "id": ("ID", "编号"),
            "at": ("Time", "时间"),
            "user_id": ("User id", "用户编号"),
            "username": ("User", "用户"),
            "entity": ("Entity", "对象"),
            "entity_id": ("Record id", "记录编号"),
            "action": ("Action", "操作"),
            "before": ("Before", "修改前"),
            "after": ("After", "修改后"),
        },
        read_only=True,
        dictionaries=(AUDIT_ACTION,),
        kinds={
            "before": "audit_json",
            "after": "audit_json",
            "action": "enum:audit_action",
            "entity": "entity",  # a view code, shown as the view's label
        },
    ),
    CoreEntity(
        code="approval_tasks",
        model_name="ApprovalTask",
        label=("Approval tasks", "审批任务"),
        fields=(
            _f("application_id", "reference", "Application", "贷款申请", reference="applications"),
            _f("step_code", "text", "Step", "审批步骤"),
            _f("role", "text", "Approver role", "审批角色"),
            _f("status", "enum", "Status", "状态", dictionary="approval_task_status"),
            _f("assignee_staff_id", "reference", "Assigned to", "经办人", reference="staff"),
            _f("department_id", "reference", "Department", "部门", reference="departments"),
        ),
        list_columns=(
            "id", "application_id", "step_code", "role", "status", "assignee_staff_id", "due_at",
        ),
        search_columns=("status", "role", "step_code", "application_id"),
        show_columns=(
            "id", "application_id", "round", "chain_code", "step_code", "stage", "role",
            "required", "status", "assignee_staff_id", "department_id", "opened_at", "due_at",
            "escalated_at", "closed_at",
        ),
        extra_labels={
            "id": ("ID", "编号"),
            "round": ("Round", "轮次"),
            "chain_code": ("Approval chain", "审批流程"),
            "stage": ("Stage", "阶段"),
            "required": ("Approvals required", "所需审批人数"),
            "opened_at": ("Opened at", "开始时间"),
            "due_at": ("Due by", "办理时限"),
            "escalated_at": ("Escalated at", "升级时间"),
            "closed_at": ("Closed at", "完成时间"),
        },
        read_only=True,
        dictionaries=(APPROVAL_TASK_STATUS,),
        extra_actions=("approve", "assign"),
        kinds={
            "status": "enum:approval_task_status",
            "opened_at": "datetime",
            "due_at": "datetime",
            "escalated_at": "datetime",
            "closed_at": "datetime",
        },
    ),
    CoreEntity(
        code="approval_delegations",
        model_name="ApprovalDelegation",
        label=("Approval delegations", "审批委托"),
        fields=(
            _f("delegator_staff_id", "reference", "Delegator", "委托人（原审批人）",
               reference="staff", required=True),
            _f("delegate_staff_id", "reference", "Delegate", "受托人（代为审批）",
               reference="staff", required=True),
            _f("starts_on", "date", "From", "开始日期", required=True),
            _f("ends_on", "date", "Until (inclusive)", "结束日期（含）", required=True),
            _f("note", "text", "Note", "备注", max_length=500),
        ),
        list_columns=("delegator_staff_id", "delegate_staff_id", "starts_on", "ends_on", "note"),
        search_columns=("delegator_staff_id", "delegate_staff_id"),
        show_columns=(
            "id", "delegator_staff_id", "delegate_staff_id", "starts_on", "ends_on", "note",
            "created_at",
        ),
        extra_labels={"id": ("ID", "编号"), "created_at": ("Created at", "创建时间")},
        hooks=_delegation_hooks,
    ),
    CoreEntity(
        code="staff_absences",
        model_name="StaffAbsence",
        label=("Staff absences", "员工休假"),
        fields=(
            _f("staff_id", "reference", "Staff member", "员工", reference="staff", required=True),
            _f("starts_on", "date", "From", "开始日期", required=True),
            _f("ends_on", "date", "Until (inclusive)", "结束日期（含）", required=True),
            _f("reason", "text", "Reason", "事由", max_length=200),
        ),
        list_columns=("staff_id", "starts_on", "ends_on", "reason"),
        search_columns=("staff_id",),
        show_columns=("id", "staff_id", "starts_on", "ends_on", "reason", "created_at"),
        extra_labels={"id": ("ID", "编号"), "created_at": ("Created at", "创建时间")},
        hooks=_absence_hooks,
    ),
    CoreEntity(
        code="credit_lines",
        model_name="CreditLine",
        label=("Credit lines", "授信额度"),
        fields=(
            _f("customer_id", "reference", "Customer", "客户", reference="customers"),
            _f("product_code", "text", "Product", "贷款产品"),
            _f("credit_limit", "money", "Credit limit", "授信额度"),
            _f("currency", "text", "Currency", "币种"),
            _f("annual_rate", "rate", "Annual rate", "年利率"),
            _f("starts_on", "date", "Starts on", "起始日"),
            _f("expires_on", "date", "Expires on", "到期日"),
            _f("status", "enum", "Status", "状态", dictionary="credit_line_status"),
            _f("department_id", "reference", "Department", "部门", reference="departments"),
            _f("owner_staff_id", "reference", "Account manager", "客户经理", reference="staff"),
        ),
        list_columns=(
            "id", "customer_id", "product_code", "credit_limit", "expires_on", "status",
        ),
        search_columns=("status", "product_code", "customer_id"),
        show_columns=(
            "id", "customer_id", "application_id", "product_code", "credit_limit", "currency",
            "annual_rate", "starts_on", "expires_on", "status", "department_id",
            "owner_staff_id", "config_version_id", "created_at",
        ),
        extra_labels={
            "id": ("ID", "编号"),
            "application_id": ("Application", "贷款申请"),
            "config_version_id": ("Config version", "配置版本"),
            "created_at": ("Created at", "创建时间"),
        },
        read_only=True,
        dictionaries=(CREDIT_LINE_STATUS,),
        extra_actions=("draw",),  # POST /api/v1/credit_lines/<id>/draws
    ),
)


def core_descriptors(models: Mapping[str, type]) -> list[EntityDescriptor]:
    """Descriptors of the core entities; ``models`` maps class names to the mapped classes
    (``WebBackend.models``, from the composition root)."""
    out = []
    for core in CORE_ENTITIES:
        labels = {k: bilingual(*v) for k, v in core.extra_labels.items()}
        for f in core.fields:
            labels[f.code] = bilingual(f.label.en, f.label.zh_CN)
        kinds = {f.code: f.kind.value for f in core.fields}
        kinds.update(core.kinds)
        out.append(
            EntityDescriptor(
                code=core.code,
                model=models[core.model_name],
                label=bilingual(*core.label),
                fields=core.fields,
                labels=labels,
                list_columns=core.list_columns,
                search_columns=core.search_columns,
                show_columns=core.show_columns,
                read_only=core.read_only,
                pii=dict(core.pii) or {f.code: f.pii for f in core.fields if f.pii},
                dictionaries={d.code: d for d in core.dictionaries},
                virtual=core.virtual,
                edit_read_only=core.edit_read_only,
                kinds=kinds,
                field_actions=dict(core.field_actions),
                extra_actions=core.extra_actions,
                hooks=core.hooks() if core.hooks is not None else None,
            )
        )
    return out
