"""The demo organisation: departments, staff and which department/officer handles a product."""

from __future__ import annotations

from decimal import Decimal

from lowlend.domain.conventions import LoanKind
from lowlend.services.demo_data.records import DemoDepartment, DemoStaff
from lowlend.spec.model import ProductSpec

DEPARTMENTS: tuple[DemoDepartment, ...] = (
    DemoDepartment("HQ", "总部", None, "CN"),
    DemoDepartment("BIZ1", "业务一部", "HQ", "CN"),
    DemoDepartment("BIZ2", "业务二部", "HQ", "CN"),
    DemoDepartment("RISK", "风控部", "HQ", "CN"),
    DemoDepartment("FIN", "财务部", "HQ", "CN"),
    DemoDepartment("COLL", "催收部", "HQ", "CN"),
    DemoDepartment("JX-NC", "南昌分公司", "HQ", "CN-JX"),
    DemoDepartment("HK", "香港分公司", "HQ", "HK"),
)
"""The demo organisation (``HQ`` is the marker the loader looks for)."""

MARKER_DEPARTMENT = "HQ"

COLLECTIONS_DEPARTMENT = "COLL"
"""Handles the loans that need attention (its login owns their post-loan records)."""

STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("E0001", "王建国", "HQ", "CN", "总经理", ("management",), 0, "admin"),
    DemoStaff("E0002", "李秀英", "BIZ1", "CN", "业务经理", ("loan_officer", "management"), 80,
              "manager"),
    DemoStaff("E0003", "张伟", "RISK", "CN", "风控经理", ("credit_review",), 60, "risk"),
    DemoStaff("E0004", "刘洋", "FIN", "CN", "财务主管", ("accounting",), 0, "finance"),
    DemoStaff("E0005", "陈静", "COLL", "CN", "催收专员", ("sms", "phone_collection"), 120,
              "collector"),
    DemoStaff("E0006", "杨磊", "HQ", "CN", "稽核专员", ("audit",), 0, "auditor"),
    DemoStaff("E0101", "黄海涛", "BIZ1", "CN", "客户经理", ("loan_officer",), 60),
    DemoStaff("E0102", "赵丽娟", "BIZ1", "CN", "客户经理", ("loan_officer",), 60),
    DemoStaff("E0201", "吴志强", "BIZ2", "CN", "业务二部经理", ("loan_officer", "management"), 40),
    DemoStaff("E0202", "周敏", "BIZ2", "CN", "客户经理", ("loan_officer",), 40),
    DemoStaff("E0301", "徐凯", "RISK", "CN", "审批专员", ("credit_review",), 60),
    DemoStaff("E0501", "孙晓明", "COLL", "CN", "电催专员", ("phone_collection",), 150),
    DemoStaff("E0502", "马俊", "COLL", "CN-JX", "外访专员", ("field_visit",), 60),
    DemoStaff("E0503", "朱红梅", "COLL", "CN", "法务专员", ("legal",), 40),
    DemoStaff("E0601", "胡斌", "JX-NC", "CN-JX", "南昌分公司经理", ("loan_officer", "management"),
              40),
    DemoStaff("E0602", "郭燕", "JX-NC", "CN-JX", "客户经理", ("loan_officer",), 60),
    DemoStaff("E0701", "何嘉欣", "HK", "HK", "客戶經理", ("loan_officer",), 60),
)


def _department_for(product: ProductSpec) -> str:
    if product.region == "CN-JX":
        return "JX-NC"
    if product.region == "HK":
        return "HK"
    if product.kind is LoanKind.ENTRUSTED or product.amount.min >= Decimal("100000"):
        return "BIZ2"
    return "BIZ1"


def _is_enterprise_product(product: ProductSpec) -> bool:
    return product.region != "HK" and (
        product.kind is LoanKind.ENTRUSTED or product.amount.min >= Decimal("100000")
    )


def _market(region: str) -> str:
    return "HK" if region == "HK" else "CN"


def _officers(department: str) -> list[str]:
    found = [s.employee_no for s in STAFF if s.department_code == department
             and "loan_officer" in s.skills]
    return found or ["E0002"]
