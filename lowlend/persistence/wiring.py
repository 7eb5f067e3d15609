"""Wire the config-store services to the SQLAlchemy adapters (for CLI, tasks and app)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.migrate import ensure_schema
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.services.config_store import ConfigStore
from lowlend.services.ports import BundleValidator, DocumentCodec
from lowlend.services.registry_provider import RegistryProvider


class _BlockDumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_BlockDumper.add_representer(str, _str_representer)


class YamlCodec:
    """Export codec writing YAML (multi-line files as literal blocks)."""

    def dumps(self, document: Mapping[str, object]) -> str:
        return yaml.dump(
            dict(document), Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=1000
        )

    def loads(self, text: str) -> object:
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(str(exc)) from exc


CODECS: dict[str, DocumentCodec] = {".yaml": YamlCodec(), ".yml": YamlCodec()}
"""Export/import codecs by suffix (JSON is the store's built-in default)."""


def uow_factory(session_factory: Callable[[], Session]) -> Callable[[], SqlAlchemyUnitOfWork]:
    """Return a unit-of-work factory over ``session_factory``."""
    return lambda: SqlAlchemyUnitOfWork(session_factory)


def config_store(
    session_factory: Callable[[], Session], validator: BundleValidator | None = None
) -> ConfigStore:
    """Return a :class:`ConfigStore` over SQLAlchemy sessions (YAML export enabled)."""
    return config_store_over(uow_factory(session_factory), validator)


def config_store_over(
    factory: Callable[[], Any], validator: BundleValidator | None = None
) -> ConfigStore:
    """The one way to build a :class:`ConfigStore`: over a unit-of-work ``factory``, with
    the YAML codecs (CLI, tasks and the web app alike)."""
    return ConfigStore(factory, validator, codecs=CODECS)


def registry_provider(
    session_factory: Callable[[], Session], validator: BundleValidator | None = None, **kwargs: Any
) -> RegistryProvider:
    """Return a :class:`RegistryProvider` over SQLAlchemy sessions."""
    return RegistryProvider(uow_factory(session_factory), validator, **kwargs)


@contextmanager
def open_config_store(
    database_url: str, validator: BundleValidator | None = None, create_schema: bool = True
) -> Iterator[ConfigStore]:
    """Yield a store on ``database_url`` (creating/upgrading the schema first); dispose after."""
    if create_schema:
        ensure_schema(database_url)
    engine: sa.Engine = make_engine(database_url)
    try:
        yield config_store(make_session_factory(engine), validator)
    finally:
        engine.dispose()
