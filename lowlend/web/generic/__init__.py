"""The generated admin: one CRUD view + one REST API per view code, registered at boot.

:func:`register` is called once by :mod:`lowlend.web.registration` with the
published registry (or ``None``). For every code it builds, with ``type(...)``:

* a FAB ``ModelView`` ``GenericView_<code>`` at ``/<code>/list/``, ``/<code>/show/<id>``,
  ``/<code>/add``, ``/<code>/edit/<id>``, ``/<code>/delete/<id>``;
* a FAB ``ModelRestApi`` ``GenericApi_<code>`` at ``/api/v1/<code>/`` (list, ``/<id>``,
  ``_info``, POST, PUT, DELETE; OpenAPI at ``/api/v1/_openapi``, Swagger UI at
  ``/swagger/v1`` when ``FAB_API_SWAGGER_UI``).

Both use ``class_permission_name = <code>`` and method permission names from
:mod:`lowlend.services.permissions` (``can_list``/``can_show``/``can_add``/
``can_edit``/``can_delete`` on ``<code>``; views with PII also declare
``can_view_pii``). Applications also check ``can_apply`` on ``product:<code>``
(see :mod:`lowlend.web.generic.applications`).

Codes: the core entities (``customers``, ``applications``, ``loans``,
``departments``, ``staff``, and read-only ``installments``, ``transactions``,
``audit_log``) and every config-declared entity of the registry
(``entities/<code>.yaml``; tables created/extended at boot by
:mod:`lowlend.persistence.entity_tables`). A new entity kind or field needs a
restart (Flask cannot add routes after the first request); products are data
and need none.

Modules: :mod:`~lowlend.web.generic.registration` (``register``, ``descriptors``),
:mod:`~lowlend.web.generic.extension` (where an app keeps its descriptors),
:mod:`~lowlend.web.generic.interface` (``DATAMODEL``: the data-scoped, audited interface).
This ``__init__`` imports nothing, so importing any module of the package never loads
the views.
"""
