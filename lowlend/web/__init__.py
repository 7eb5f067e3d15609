"""lowlend.web — the Flask-AppBuilder admin shell (see docs/architecture).

* :mod:`lowlend.web.composition` — the composition root: the only web module that imports
  ``lowlend.persistence``; builds each app's :class:`~lowlend.web.backend.WebBackend`
* :mod:`lowlend.web.backend` — ``backend()``: the persistence side as the ports of
  :mod:`lowlend.services.admin_ports` (session, queries, units of work, mapped classes)
* :mod:`lowlend.web.security` — ``LowlendSecurityManager`` (safe ``security-cleanup``)
* :mod:`lowlend.web.menu` — ``RegistryMenu``: navbar from ``menus.yaml`` per request
* :mod:`lowlend.web.views` — landing page / dashboard (``FAB_INDEX_VIEW``)
* :mod:`lowlend.web.health` — ``GET /health``
* :mod:`lowlend.web.i18n` — zh_CN/en catalogues merged with FAB's own; the request locale
  (``request_locale``) and config labels (``label_text``)
* :mod:`lowlend.web.registry_hooks` — current registry / config version hooks
* :mod:`lowlend.web.registration` — boot-time registration of generic views/APIs
* :mod:`lowlend.web.bootstrap` — schema, permission sync, demo roles/users
"""
