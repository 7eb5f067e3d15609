"""The demo data set: a realistic Chinese micro-loan company, generated without a database.

:func:`generate_demo_data` is pure and deterministic (seeded ``random.Random``): the
same registry, ``seed``, ``loans`` and business date always give the same data set.
It returns frozen plain dataclasses; :mod:`lowlend.persistence.demo_loader` writes
them (idempotently, in one transaction).

What it holds
-------------

* the organisation: 总部 / 业务一部 / 业务二部 / 风控部 / 财务部 / 催收部, the 南昌分公司
  (region ``CN-JX``) and a 香港分公司 (region ``HK``) — fixed, not random;
* staff, among them the demo users ``admin, manager, risk, finance, collector,
  auditor`` (``DemoStaff.username``), plus loan officers and collectors;
* individual customers (Chinese names, 18-digit resident ID numbers with a real
  address code and a correct ISO 7064 MOD 11-2 check digit, mobile numbers; HKID
  numbers for the Hong Kong branch) and a few enterprises (unified social credit
  codes with correct check characters);
* applications in every status of :data:`APPLICATION_STATUSES`;
* ``loans`` loans spread over the registry's products, each with its schedule
  (:func:`lowlend.domain.schedule.build_schedule` + fees), repayments as
  transactions and the state as of the business date from the domain's replay
  (penalties, DPD, five-category classification): most loans are repaid on time,
  some late, some are overdue, old short ones are closed.

Stability: loan ``i`` depends only on ``seed``, ``i`` and the loans before it, so a
larger ``loans`` extends a smaller data set (the loader then adds only the missing
loans). References (``ref``) are stable codes such as ``S7-L000042``.

Modules
-------

===================  ====================================================================
``records``          constants and the frozen record types (:class:`DemoDataSet`, ...)
``identity``         identity-number check characters and generators
``vocabulary``       word tables: address codes, streets, names, employers, goods
``common``           seeded RNGs, money quantization, timestamps, dictionary codes
``organisation``     departments, staff, which department and officer serve a product
``customers``        individual and enterprise borrowers
``products``         usable products, product mix, amount / term / rate choices
``custom_values``    values of the products' custom fields for an application
``loans``            repayments, installments, transactions, classification
``portfolio``        :func:`generate_demo_data` (assembles everything above),
                     :func:`iter_demo_chunks` (the same, slice by slice), loans in disbursement
``patterns``         random strings matching a field's ``pattern`` (rstr)
``entity_values``    values of one record of a config-declared entity, from its field specs
``entity_records``   :func:`~.entity_records.generate_entity_records`: records of every
                     config-declared entity, attached to the data set's loans
===================  ====================================================================

>>> from lowlend.services.demo_data import resident_id_check_digit, uscc_check_char
>>> resident_id_check_digit("36042619910101007")
'1'
>>> uscc_check_char("91110000600037341")
'L'
"""

from __future__ import annotations

from lowlend.services.demo_data.identity import (
    hkid_check_digit,
    resident_id_check_digit,
    uscc_check_char,
)
from lowlend.services.demo_data.loans import classify
from lowlend.services.demo_data.portfolio import (
    generate_demo_data,
    iter_demo_chunks,
    open_application_count,
)
from lowlend.services.demo_data.records import (
    APPLICATION_STATUSES,
    DEFAULT_BUSINESS_DATE,
    DEFAULT_LOANS,
    DEFAULT_SEED,
    DEMO_USERNAMES,
    INSTALLMENT_STATUSES,
    DemoApplication,
    DemoChunk,
    DemoCustomer,
    DemoDataSet,
    DemoDepartment,
    DemoLoan,
    DemoPayment,
    DemoRelation,
    DemoStaff,
)

__all__ = [
    "APPLICATION_STATUSES",
    "DEFAULT_BUSINESS_DATE",
    "DEFAULT_LOANS",
    "DEFAULT_SEED",
    "DEMO_USERNAMES",
    "INSTALLMENT_STATUSES",
    "DemoApplication",
    "DemoChunk",
    "DemoCustomer",
    "DemoDataSet",
    "DemoDepartment",
    "DemoLoan",
    "DemoPayment",
    "DemoRelation",
    "DemoStaff",
    "classify",
    "generate_demo_data",
    "hkid_check_digit",
    "iter_demo_chunks",
    "open_application_count",
    "resident_id_check_digit",
    "uscc_check_char",
]
