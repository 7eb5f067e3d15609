"""Constants of the demo loader and :class:`DemoSummary` (what one load did)."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PEPPER = b"lowlend-demo-pepper:v1"
"""Fixed pepper of the demo's identity-number hashes (demo only)."""

DEMO_ACTION = "demo_create"
"""Audit-log action of the records the loader created (``after.ref`` = demo reference)."""

DEMO_AUTHOR = "lowlend-demo"


@dataclass(frozen=True)
class DemoSummary:
    """What one :func:`load_demo_data` call did (``*_created`` counts only new rows)."""

    seed: int
    config_version_id: int
    loans_requested: int
    departments_created: int
    staff_created: int
    staff_linked: int
    customers_created: int
    applications_created: int
    loans_created: int
    installments_created: int
    transactions_created: int
    loans_already_present: int
    entity_records_created: int = 0
    journal_entries_created: int = 0

    @property
    def created_anything(self) -> bool:
        return any(
            (
                self.departments_created,
                self.staff_created,
                self.staff_linked,
                self.customers_created,
                self.applications_created,
                self.loans_created,
                self.entity_records_created,
            )
        )

    def describe(self) -> str:
        """One line for the CLI."""
        if not self.created_anything:
            return f"demo data set already loaded (seed {self.seed}, {self.loans_requested} loans)"
        return (
            f"demo data set (seed {self.seed}): {self.departments_created} departments, "
            f"{self.staff_created} staff, {self.customers_created} customers, "
            f"{self.applications_created} applications, {self.loans_created} loans "
            f"({self.installments_created} installments, {self.transactions_created} transactions, "
            f"{self.journal_entries_created} journal entries) "
            f"and {self.entity_records_created} records of config entities "
            f"added; {self.loans_already_present} loans were already there"
        )
