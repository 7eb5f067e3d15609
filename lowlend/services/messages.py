"""Human messages for the stable error codes of the loan engine and the product checks.

The edge (CLI, REST, forms) shows ``message(code, locale, **params)``; codes stay
the machine-readable part. Both languages are required for every code (a test
checks the table is complete), as for every label of the configuration.

>>> message("amount_below_min", "en", value="10", min="1000.00")
'The amount 10 is below the product minimum 1000.00.'
>>> message("amount_below_min", "zh_CN", value="10", min="1000.00")
'金额 10 低于产品下限 1000.00。'
>>> message("no_such_code", "en", value="x")
'no_such_code (value=x)'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from lowlend.services.message_tables import merged_tables

_TABLE: Final[dict[str, tuple[str, str]]] = merged_tables()

MESSAGES: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(_TABLE)


def message(code: str, locale: str = "en", **params: object) -> str:
    """The message of ``code`` in ``locale`` (``zh_CN`` or ``en``), formatted with ``params``.

    Unknown codes fall back to ``code (k=v, …)`` so nothing is ever lost.
    """
    texts = _TABLE.get(code)
    if texts is None:
        extra = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
        return f"{code} ({extra})" if extra else code
    template = texts[1] if locale.startswith("zh") else texts[0]
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
