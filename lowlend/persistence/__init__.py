"""Persistence layer: SQLAlchemy schema, migrations, repositories and the unit of work.

Modules
-------

``db``                 the unbound Flask-SQLAlchemy extension (``db.Model`` = FAB's ``Model``)
``models``             lowlend's tables (typed ``Mapped[...]`` models, explicit names)
``migrations/``        Alembic environment + versions (lowlend's tables only)
``migrate``            ``upgrade(url_or_engine)``, ``current_revision``, ``ensure_schema``,
                       ``schema_diff`` — plain Alembic API, no Flask app needed
``engine``             ``make_engine(url)`` / ``make_session_factory(engine)`` for CLI/tasks
``settings``           LOWLEND_DATABASE_URL / LOWLEND_INSTANCE_DIR / LOWLEND_CONFIG_DIR defaults
``unit_of_work``       ``SqlAlchemyUnitOfWork`` (one session, one commit per use case)
``config_repository``  config versions, current pointer (row lock), product snapshots
``wiring``             ``config_store(...)``, ``registry_provider(...)``, ``open_config_store(url)``
``org``                department subtree scoping (``in_subtree``) and ``move_department``

Flask-AppBuilder's security tables (``ab_*``) are created by FAB itself
(``appbuilder.sm.create_db()``), not by these migrations; references to
``ab_user.id`` (``staff.user_id``, ``transactions.created_by``, ``audit_log.user_id``)
are plain integer columns without a database-level foreign key, so the migrations
run on an empty database in any order relative to FAB.
"""
