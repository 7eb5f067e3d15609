"""Record rules of a generated view/API beyond its field rules, and field permissions.

A descriptor's ``hooks`` (:class:`RecordHooks`) is called by the web form's validator
(:func:`lowlend.web.generic.common.form_validator`) and by the REST API
(:meth:`lowlend.web.generic.api.GenericModelApi.validate_input`) once the fields are
valid, so its messages appear next to the fields on both paths; :meth:`~RecordHooks.before_save`
fills derived columns right before the record is written. The rules themselves are use
cases of :mod:`lowlend.services` (e.g. :mod:`lowlend.services.lending.customers`); hooks
only adapt them (look-ups, the user's permissions).

A descriptor's ``field_actions`` name fields that need a permission beyond ``can_edit``:
:func:`refused_fields` lists those the current user may not set.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import g, has_request_context
from sqlalchemy.exc import SQLAlchemyError

from lowlend.services.field_values import FieldMessage
from lowlend.services.permissions import permission_name
from lowlend.web.fab import security_manager
from lowlend.web.generic.entities import EntityDescriptor

__all__ = ["RecordHooks", "may", "refused_fields"]

log = logging.getLogger(__name__)


class RecordHooks:
    """Base of a descriptor's record rules (does nothing)."""

    def check(
        self, desc: EntityDescriptor, values: dict[str, Any], item: Any | None
    ) -> dict[str, list[FieldMessage]]:
        """Messages by field for ``values`` (typed, valid field values) of a new record
        (``item`` ``None``) or of ``item``; may replace values by canonical forms."""
        return {}

    def before_save(
        self, desc: EntityDescriptor, item: Any, extra: Mapping[str, Any], creating: bool
    ) -> None:
        """Fill derived columns of ``item`` (``extra``: values of virtual fields)."""


def may(code: str, action: str) -> bool:
    """Whether the current user holds ``can_<action>`` on view ``code`` (cached per request)."""
    if not has_request_context():
        return False
    cache = g.setdefault("_lowlend_may", {})
    key = (code, action)
    if key not in cache:
        try:
            cache[key] = bool(
                security_manager().has_access(permission_name(action), code)
            )
        except SQLAlchemyError:  # permissions unreadable: refuse
            log.warning(
                "lowlend: %s on %s could not be checked; refused",
                permission_name(action), code, exc_info=True,
            )
            cache[key] = False
    return bool(cache[key])


def refused_fields(desc: EntityDescriptor) -> set[str]:
    """Fields of ``desc`` the current user may not set (``field_actions`` not held)."""
    return {f for f, action in desc.field_actions.items() if not may(desc.code, action)}
