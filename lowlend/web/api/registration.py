"""Boot-time registration of the use-case APIs (see :mod:`lowlend.web.api`) and the
lending screens."""

from __future__ import annotations

from typing import Any

from lowlend.web.api.lending import register_lending_apis
from lowlend.web.api.money import register_money_apis
from lowlend.web.api.ocr import OcrApi
from lowlend.web.api.quote import QuoteApi
from lowlend.web.backend import WebBackend
from lowlend.web.lending_views import register as register_lending_views

__all__ = ["register"]


def register(appbuilder: Any, registry: Any, backend: WebBackend) -> None:
    """Add the use-case APIs (they read the current registry per request)."""
    appbuilder.add_api(QuoteApi)
    appbuilder.add_api(OcrApi)
    register_lending_apis(appbuilder)
    register_money_apis(appbuilder)
    register_lending_views(appbuilder)
