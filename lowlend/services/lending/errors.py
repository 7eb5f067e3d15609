"""The error of the lending use cases: a stable code, the field at fault, an HTTP status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lowlend.domain.errors import DomainError

__all__ = ["LendingError"]


class LendingError(DomainError):
    """A refused lending operation.

    :param code: stable code with a message in ``message_tables/lending.py``.
    :param field: the input field at fault (form error next to it; REST ``errors`` key).
    :param status: the HTTP status the edge answers with (422 bad input, 404, 409 state, 503).
    :param errors: already worded field errors.
    :param codes: field errors as ``(code, params)`` pairs, worded at the edge in the
        user's language (:data:`lowlend.services.lending.terms.FieldCodes`).

    >>> err = LendingError("application_not_found", status=404, value=7)
    >>> (err.code, err.status, err.field)
    ('application_not_found', 404, None)
    """

    def __init__(
        self,
        code: str,
        field: str | None = None,
        *,
        status: int = 422,
        errors: Mapping[str, list[str]] | None = None,
        codes: Mapping[str, list[tuple[str, dict[str, Any]]]] | None = None,
        **params: object,
    ) -> None:
        super().__init__(code, field, **params)
        self.status = status
        self.errors = dict(errors or {})
        self.codes = dict(codes or {})

    @classmethod
    def of(cls, exc: DomainError, status: int = 422) -> LendingError:
        """The lending error that carries a domain error's code, field and parameters.

        >>> LendingError.of(DomainError("txn_id_duplicate", "txn_id", txn="T1"), 409).params
        {'txn': 'T1'}
        """
        err = cls(exc.code, exc.field, status=status)
        err.params = dict(exc.params)
        return err
