"""lowlend.web — the Flask-AppBuilder admin shell (see docs/architecture).

* :mod:`lowlend.web.security` — ``LowlendSecurityManager`` (safe ``security-cleanup``)
* :mod:`lowlend.web.menu` — ``RegistryMenu``: navbar from ``menus.yaml`` per request
* :mod:`lowlend.web.views` — landing page / dashboard (``FAB_INDEX_VIEW``)
* :mod:`lowlend.web.health` — ``GET /health``
* :mod:`lowlend.web.i18n` — zh_CN/en catalogues merged with FAB's own
* :mod:`lowlend.web.registry_hooks` — current registry / config version hooks
* :mod:`lowlend.web.registration` — boot-time registration of generic views/APIs
* :mod:`lowlend.web.bootstrap` — schema, permission sync, demo roles/users
"""
