"""The demo portfolio in bulk: slices of loans generated, posted in memory, written in chunks.

:func:`write_demo_in_bulk` writes what :func:`~.loading.write_demo_data` writes for the same
seed and slice size, in one transaction, idempotently, but with memory that does not grow
with the number of loans and time that grows linearly:

* the data set comes slice by slice (:func:`~lowlend.services.demo_data.portfolio.
  iter_demo_chunks`); each slice's customers, relations and applications go through the
  same writer code as the small path (:meth:`._Writer.portfolio_slice`: the customer and
  relation rules, ORM rows flushed per slice);
* the slice's loans are booked as plain rows (:class:`.memory_money.MemLoan`) with ids the
  loader hands out (:class:`.bulk_rows.IdBlocks`), and their money goes through the same
  use cases in the same order as on the small path (:func:`.money.run_money`), over the
  money ports in memory (:class:`.memory_money.MemoryMoneyUow`): the journal is chained in
  memory from the head read under the journal's lock;
* the loans in their final state, their audit entries, schedule rows, transactions,
  journal entries and lines are then written with ``COPY`` (PostgreSQL) or
  ``executemany`` (SQLite), :func:`.bulk_rows.write_rows`;
* the slice's records of config-declared entities follow
  (:func:`~lowlend.services.demo_data.entity_records.entity_records_of_slice`), and at the
  end the entrusted loans are funded (:func:`.entrusted.fund_entrusted_loans`).

What legitimately differs from the small path: ``booked_at`` / ``approved_at`` / ``at``
timestamps (the time of writing), hence the journal's hashes; the ciphertext of the
identity numbers (random nonce). Ids are the same when both start from the same database.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from lowlend.persistence.demo_loader.bulk_rows import IdBlocks, lock_journal, write_rows
from lowlend.persistence.demo_loader.business import (
    _booked_at,
    _Writer,
    bucket,
    classification,
    contract_no,
)
from lowlend.persistence.demo_loader.entity_records import write_entity_records
from lowlend.persistence.demo_loader.entrusted import fund_entrusted_loans
from lowlend.persistence.demo_loader.memory_money import (
    MemLoan,
    MemoryMoneyStore,
    MemoryMoneyUow,
    MemTxn,
)
from lowlend.persistence.demo_loader.money import run_money
from lowlend.persistence.demo_loader.summary import DEMO_ACTION, DEMO_AUTHOR, DemoSummary
from lowlend.persistence.models import (
    AuditLog,
    Installment,
    JournalEntry,
    JournalLine,
    Loan,
    Transaction,
)
from lowlend.persistence.repositories import CORE_REPOSITORIES, IdNumberProtector
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.services.demo_data import DemoDataSet, DemoLoan
from lowlend.services.demo_data.entity_records import entity_records_of_slice
from lowlend.services.demo_data.loans import _bucket_edges, _dpd_ranges
from lowlend.services.demo_data.organisation import DEPARTMENTS, STAFF
from lowlend.services.demo_data.portfolio import iter_demo_chunks

__all__ = ["write_demo_in_bulk"]

log = logging.getLogger(__name__)

_LOANS = Loan.__table__
_TXNS = Transaction.__table__
_INSTALLMENTS = Installment.__table__
_ENTRIES = JournalEntry.__table__
_LINES = JournalLine.__table__
_AUDIT = AuditLog.__table__


def _columns(table: sa.Table, row_type: type) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The columns a plain row of ``row_type`` fills, and the scalar defaults of the other
    columns (a column added to the table later: NULL or its default, as an ORM insert
    would leave it)."""
    fields = set(getattr(row_type, "__dataclass_fields__", ()))
    filled = tuple(c.name for c in table.columns if c.name in fields)
    defaults: dict[str, Any] = {}
    for c in table.columns:
        if c.name not in fields and isinstance(c.default, ScalarElementColumnDefault):
            defaults[c.name] = c.default.arg
    return filled, defaults


_LOAN_FIELDS, _LOAN_DEFAULTS = _columns(_LOANS, MemLoan)
_TXN_FIELDS, _TXN_DEFAULTS = _columns(_TXNS, MemTxn)
_LOAN_COLUMNS = (*_LOAN_FIELDS, *_LOAN_DEFAULTS)
_TXN_COLUMNS = (*_TXN_FIELDS, *_TXN_DEFAULTS)
_INSTALLMENT_COLUMNS = ("loan_id", "seq", "due_date", "principal", "interest", "fee", "penalty",
                        "principal_paid", "interest_paid", "fee_paid", "penalty_paid", "status",
                        "paid_off_on")
_ENTRY_COLUMNS = ("id", "business_date", "booked_at", "description", "loan_id",
                  "transaction_id", "reversal_of", "prev_hash", "hash")
_LINE_COLUMNS = ("entry_id", "account", "debit", "credit", "currency", "memo")
_AUDIT_COLUMNS = ("at", "user_id", "username", "entity", "entity_id", "action", "before",
                  "after")


@dataclass
class _BulkBooker:
    """Books a slice's new loans in memory, posts their money, writes the rows."""

    writer: _Writer
    ids: IdBlocks
    prev_hash: str
    registry: Any
    business_date: dt.date
    user_ids: Mapping[str, int]
    ranges: Sequence[tuple[int | None, str]] = field(default_factory=tuple)
    edges: tuple[int, ...] = ()

    def __call__(self, loans: Sequence[DemoLoan], application_ids: Mapping[str, int]) -> None:
        w, ids = self.writer, self.ids
        store = MemoryMoneyStore(next_txn_id=ids.next[_TXNS.name],
                                 next_entry_id=ids.next[_ENTRIES.name],
                                 next_installment_id=1, prev_hash=self.prev_hash)
        first = ids.take(_LOANS.name, len(loans))
        pairs: list[tuple[int, DemoLoan]] = []
        now = dt.datetime.now(dt.UTC)
        audit_rows = []
        for k, loan in enumerate(loans):
            loan_id = first + k
            store.add_loan(MemLoan(id=loan_id, contract_no=contract_no(loan, loan_id),
                                   **w.loan_values(loan, application_ids)))
            pairs.append((loan_id, loan))
            w.ids["loans"][loan.ref] = loan_id
            audit_rows.append((now, self.user_ids.get("admin"), DEMO_AUTHOR, "loans",
                               str(loan_id), DEMO_ACTION, None,
                               {"ref": loan.ref, "seed": w.data.seed,
                                "product": loan.product_code, "behaviour": loan.behaviour}))
        run_money(lambda: MemoryMoneyUow(store), self.registry, pairs,
                  business_date=self.business_date, user_ids=self.user_ids)
        ids.next[_TXNS.name] = store.next_txn_id
        ids.next[_ENTRIES.name] = store.next_entry_id
        self.prev_hash = store.prev_hash
        closed = self.business_date - dt.timedelta(days=1)
        updated = _booked_at(self.business_date)
        for m in store.loans.values():
            m.last_closed_business_date = closed
            m.classification = classification(m.status, m.dpd, self.ranges)
            m.delinquency_bucket = bucket(m.status, m.dpd, self.edges)
            m.updated_at = updated
        s = w.session
        write_rows(s, _LOANS, _LOAN_COLUMNS, (
            [*(getattr(m, c) for c in _LOAN_FIELDS), *_LOAN_DEFAULTS.values()]
            for m in store.loans.values()))
        write_rows(s, _AUDIT, _AUDIT_COLUMNS, audit_rows)
        w.counts["installments"] += write_rows(s, _INSTALLMENTS, _INSTALLMENT_COLUMNS, (
            (loan_id, r.seq, r.due_date, r.principal, r.interest, r.fee, r.penalty,
             r.principal_paid, r.interest_paid, r.fee_paid, r.penalty_paid, r.status,
             r.paid_off_on)
            for _, loan_id, r in store.installment_rows()))
        w.counts["transactions"] += write_rows(s, _TXNS, _TXN_COLUMNS, (
            [*(getattr(t, c) for c in _TXN_FIELDS), *_TXN_DEFAULTS.values()]
            for t in store.transactions()))
        w.counts["journal_entries"] += write_rows(s, _ENTRIES, _ENTRY_COLUMNS, (
            (e.id, e.business_date, e.booked_at, e.description, e.loan_id, e.transaction_id,
             e.reversal_of, e.prev_hash, e.hash) for e in store.entries))
        write_rows(s, _LINES, _LINE_COLUMNS, (
            (e.id, ln.account, ln.debit, ln.credit, ln.currency, ln.memo)
            for e in store.entries for ln in e.lines))


def write_demo_in_bulk(
    session: Callable[[], Session],
    registry: Any,
    config_version_id: int,
    *,
    loans: int,
    seed: int,
    business_date: dt.date,
    user_ids: Mapping[str, int],
    protector: IdNumberProtector,
    chunk_size: int,
) -> DemoSummary:
    """Generate and write the demo data set slice by slice (module text); one transaction.

    :param session: a session factory (the unit of work commits once and closes it).
    :param chunk_size: loans per slice (the same slices as the small path's
        :data:`~lowlend.persistence.demo_loader.money.MONEY_CHUNK` for the same state).
    :raises ValueError: unknown config version, or a registry of another version.
    """
    uow = SqlAlchemyUnitOfWork(session, repositories=CORE_REPOSITORIES)
    with uow:
        uow.config_versions.lock_state()
        frame = DemoDataSet(seed, business_date, DEPARTMENTS, STAFF, (), (), ())
        writer = _Writer(uow, frame, config_version_id, user_ids, protector, registry,
                         chunk_size)
        writer.check_version(getattr(registry, "content_hash", None))
        writer.organisation()
        s: Session = uow.session
        refs = writer.uow.audit.refs(DEMO_ACTION)
        entity_refs: dict[tuple[str, str], Any] = {
            key: value for key, value in refs.items()
            if key[0] not in ("customers", "applications", "loans", "customer_relations")}
        ids = IdBlocks(s, (_LOANS, _TXNS, _ENTRIES))
        _, head = lock_journal(s)
        booker = _BulkBooker(writer, ids, head, registry, business_date, user_ids,
                             _dpd_ranges(registry), _bucket_edges(registry))
        department_ids = {code: d.id for code, d in writer.departments.items()}

        def audit(entity: str, entity_id: int, ref: str) -> None:
            writer.audit(entity, entity_id, ref)
            entity_refs[(entity, ref)] = entity_id

        created = 0
        first = True
        requested = 0
        for chunk in iter_demo_chunks(registry, loans=loans, seed=seed,
                                      business_date=business_date, chunk_size=chunk_size):
            requested += len(chunk.loans)
            writer.portfolio_slice(chunk, refs, booker)
            if chunk.loans or first:
                records = entity_records_of_slice(registry, frame, chunk.loans, first)
                created += write_entity_records(
                    s, registry, records, refs=entity_refs, core_ids=writer.ids,
                    department_ids=department_ids, user_ids=user_ids,
                    config_version_id=config_version_id, audit=audit)
                first = False
            s.flush()
            writer.ids["loans"].clear()
            writer.ids["applications"].clear()
        ids.finish()  # the deposits post through the journal's own sequence
        deposits = fund_entrusted_loans(s, registry, business_date=business_date,
                                        user_ids=user_ids)
        uow.commit()
    summary = writer.summary()
    return replace(summary, loans_requested=requested, entity_records_created=created,
                   journal_entries_created=summary.journal_entries_created + deposits)
