"""Names every deployment has, whatever its configuration says.

* :data:`STANDARD_ROLES` — roles ``roles.yaml`` must declare;
* :data:`BUILTIN_VIEWS` — view codes the web layer registers at boot (menus, role
  permissions, entity parents and reference fields may name them);
* :data:`LOCALES` — the locales every label and notification template is written in.

>>> "admin" in STANDARD_ROLES and "loans" in BUILTIN_VIEWS
True
"""

from __future__ import annotations

__all__ = ["BUILTIN_VIEWS", "LOCALES", "STANDARD_ROLES"]

STANDARD_ROLES = ("admin", "business_manager", "risk_officer", "finance", "collector", "auditor")
"""Roles every deployment has (roles.yaml must declare them)."""

BUILTIN_VIEWS = frozenset(
    {
        "dashboard",
        "my_tasks",
        "customers",
        "customer_contacts",
        "customer_relations",
        "applications",
        "approval_tasks",
        "approval_delegations",
        "staff_absences",
        "loans",
        "credit_lines",
        "disbursements",
        "entrusted_funds",
        "repayments",
        "refunds",
        "schedules",
        "journal",
        "ledger_accounts",
        "reconciliation",
        "collection_cases",
        "call_tasks",
        "promises_to_pay",
        "legal_cases",
        "warnings",
        "classification",
        "eod_runs",
        "reports",
        "products",
        "fee_schedules",
        "approval_chains",
        "scorecards",
        "config_versions",
        "notification_templates",
        "dictionaries",
        "users",
        "roles",
        "departments",
        "audit_log",
        "regions",
        "config_entities",
        "config_roles",
        "config_menus",
        "config_settings",
        "attachments",
    }
)
"""View codes the web layer registers at boot (menus and role permissions may name them)."""

LOCALES = ("zh_CN", "en")
"""Locales of labels and notification templates."""
