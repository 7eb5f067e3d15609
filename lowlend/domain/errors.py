"""Domain errors with stable codes.

Every error names a stable ``code`` (for translation and API mapping) and, for
bad input, the offending ``field``. The edge (CLI, REST) maps them to exit codes
or HTTP 400/422 without parsing messages.

>>> err = LoanInputError(field="amount", code="amount_not_positive", value="0")
>>> (err.field, err.code)
('amount', 'amount_not_positive')
>>> str(err)
'amount: amount_not_positive (value=0)'
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error raised by :mod:`lowlend.domain`.

    :param code: stable machine code, e.g. ``"amount_not_positive"``.
    :param field: the input field at fault, if any.
    :param params: extra values for message formatting.
    """

    def __init__(self, code: str, field: str | None = None, **params: object) -> None:
        self.code = code
        self.field = field
        self.params = dict(params)
        extra = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        text = f"{field}: {code}" if field else code
        super().__init__(f"{text} ({extra})" if extra else text)


class LoanInputError(DomainError, ValueError):
    """Bad loan, fee, cap or transaction input (HTTP 400/422, CLI exit 1)."""

    def __init__(self, field: str, code: str, **params: object) -> None:
        super().__init__(code, field, **params)


class NoSolutionError(DomainError):
    """A numeric solve (IRR / XIRR) has no root: e.g. every cash flow has the same sign."""

    def __init__(self, code: str = "irr_no_solution", **params: object) -> None:
        super().__init__(code, None, **params)


class LoanStateError(DomainError):
    """An operation that the loan's current state does not allow (e.g. repay a closed loan)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, None, **params)
