"""Boot-time registration of the attachment views (see :mod:`lowlend.web.attachments`)."""

from __future__ import annotations

import logging
from typing import Any

from lowlend.web.attachments.uploads import current_store
from lowlend.web.attachments.views import AttachmentApi, AttachmentView
from lowlend.web.backend import WebBackend

log = logging.getLogger(__name__)

__all__ = ["register"]


def register(appbuilder: Any, registry: Any, backend: WebBackend) -> None:
    """Boot: session events, the download view and the upload API."""
    backend.attachments.install_session_events()
    appbuilder.add_view_no_menu(AttachmentView())
    appbuilder.add_api(AttachmentApi)
    store = current_store()
    if not store.encrypted:
        log.warning("MASTER_KEY is not set: attachments are stored unencrypted")
