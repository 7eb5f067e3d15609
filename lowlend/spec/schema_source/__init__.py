"""Source of the JSON Schemas shipped in ``lowlend/spec/schemas/<kind>.schema.json``.

The JSON files are what the loader validates with (and what editors use); they are
generated from this module: ``python -m lowlend.spec.schema_source`` rewrites them,
and a test checks that they are up to date.

>>> sorted(build_schemas())[:3]
['approval_chain', 'collections', 'compliance']

The schemas are assembled from

* :mod:`~lowlend.spec.schema_source.vocabulary` — shared ``$defs``, constructors, fields;
* :mod:`~lowlend.spec.schema_source.lending` — products, fee schedules, approval chains,
  scorecards;
* :mod:`~lowlend.spec.schema_source.compliance` — compliance regions;
* :mod:`~lowlend.spec.schema_source.platform` — entities, roles, menus, dictionaries,
  notification templates;
* :mod:`~lowlend.spec.schema_source.operations` — end of day, collections, early warning.
"""

from __future__ import annotations

import json
from pathlib import Path

from .compliance import compliance
from .finance import ledger
from .lending import approval_chain, fee_schedule, product, scorecard
from .operations import collections, early_warning, eod
from .platform import dictionaries, entity, menus, roles, template_meta
from .vocabulary import DEFS, FIELD, Schema

__all__ = ["KINDS", "Schema", "build_schemas", "write_schemas"]

KINDS = {
    "product": product,
    "fee_schedule": fee_schedule,
    "approval_chain": approval_chain,
    "scorecard": scorecard,
    "compliance": compliance,
    "entity": entity,
    "roles": roles,
    "menus": menus,
    "dictionaries": dictionaries,
    "eod": eod,
    "collections": collections,
    "early_warning": early_warning,
    "ledger": ledger,
    "template_meta": template_meta,
}


def build_schemas() -> dict[str, Schema]:
    """Every kind's JSON Schema (draft 2020-12)."""
    out: dict[str, Schema] = {}
    for kind, make in KINDS.items():
        schema = make()
        defs = dict(DEFS)
        defs["field"] = FIELD
        out[kind] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://lowlend.example/schemas/{kind}.schema.json",
            "title": f"lowlend {kind} configuration",
            **schema,
            "$defs": defs,
        }
    return out


def write_schemas(directory: Path) -> None:
    """(Re)write ``<kind>.schema.json`` files in ``directory``."""
    for kind, schema in build_schemas().items():
        text = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
        (directory / f"{kind}.schema.json").write_text(text, encoding="utf-8")
