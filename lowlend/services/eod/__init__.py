"""End of day (日终批处理): the ordered steps of ``eod.yaml`` over partitions of loans.

* :mod:`~lowlend.services.eod.ports` — what the batch needs from storage;
* :mod:`~lowlend.services.eod.steps` — the step registry (keyed by the step codes);
* :mod:`~lowlend.services.eod.runner` — plan a run, close one partition, finish, retry.

The package ``__init__`` imports nothing (no import cycles through it).
"""
