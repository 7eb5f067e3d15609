"""Write the demo data set (:mod:`lowlend.services.demo_data`) to the database.

:func:`load_demo_data` generates the data set and writes everything in **one
transaction** through the unit of work (repositories never commit). It is
idempotent:

* departments and staff are matched by code / employee number (department ``HQ``
  marks the demo organisation); missing ones are added, staff without a user get
  linked to the FAB users given in ``user_ids`` (username → ``ab_user.id``);
* every customer, application and loan the loader creates gets an audit-log entry
  (action ``demo_create``, ``after.ref`` = its stable demo reference); records
  whose reference is already there are skipped, so a second call adds nothing and
  a call with more ``loans`` (same seed) adds only the missing loans. Customers
  are also matched by their identity-number hash;
* repayments are transactions with the idempotency key ``demo:<ref>``.
* records of the config-declared entities
  (:func:`lowlend.services.demo_data.entity_records.generate_entity_records`) go
  into their entity tables (created when missing), with the same audit-log marker
  (entity = the entity code), parents and references resolved to ids, and values
  re-checked by the server-side validator.

Loans pin ``config_version_id`` and keep ``terms_snapshot``
(:func:`lowlend.services.product_terms.snapshot_of`); installments come from the
schedule with the paid amounts and penalties as of the business date.

Identity numbers: ``id_number_hash`` = HMAC-SHA256 under :data:`DEMO_PEPPER`,
``id_number_enc`` = Fernet with a key derived from ``master_key`` (see
:class:`lowlend.persistence.repositories.IdNumberProtector`); without a master key
the ciphertext column stays empty.

Large portfolios (from :data:`~.loading.BULK_MIN_LOANS` loans on, or ``bulk=True``) go
through :mod:`.bulk`: the same state for the same seed (a test compares both paths table by
table), with memory that does not grow with the number of loans and rows written with
``COPY`` on PostgreSQL. Both paths post the loans' money in slices of ``chunk_size`` loans
(:data:`~.money.MONEY_CHUNK`), each slice in date order.

Modules: ``summary`` (constants, :class:`DemoSummary`), ``loading`` (the entry
points and the transaction), ``business`` (organisation and portfolio rows),
``money`` (the loans' money through the use cases), ``bulk`` / ``bulk_rows`` /
``memory_money`` (the bulk path), ``entity_records`` (rows of config-declared entities).
"""

from __future__ import annotations

from lowlend.persistence.demo_loader.loading import (
    BULK_MIN_LOANS,
    SessionSource,
    load_demo_data,
    load_demo_for_current_config,
    write_demo_data,
)
from lowlend.persistence.demo_loader.summary import DEMO_ACTION, DEMO_PEPPER, DemoSummary

__all__ = [
    "BULK_MIN_LOANS",
    "DEMO_ACTION",
    "DEMO_PEPPER",
    "DemoSummary",
    "SessionSource",
    "load_demo_data",
    "load_demo_for_current_config",
    "write_demo_data",
]
