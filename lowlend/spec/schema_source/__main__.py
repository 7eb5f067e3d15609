"""``python -m lowlend.spec.schema_source``: rewrite ``lowlend/spec/schemas/*.schema.json``."""

from pathlib import Path

from . import write_schemas

write_schemas(Path(__file__).resolve().parent.parent / "schemas")
