"""``dictionaries.yaml`` → :class:`DictionarySpec` s (code lists of enum fields).

Dictionary codes and the item codes of each dictionary are unique.
"""

from __future__ import annotations

from ..context import Ctx, Doc
from ..model import DictionaryItem, DictionarySpec
from .values import label

__all__ = ["build_dictionaries"]


def build_dictionaries(ctx: Ctx, doc: Doc) -> dict[str, DictionarySpec]:
    out = {}
    for i, d in enumerate(doc.data["dictionaries"]):
        items = tuple(
            DictionaryItem(str(it["code"]), label(it["label"]), bool(it.get("active", True)))
            for it in d["items"]
        )
        ctx.unique(doc, d["items"], ["dictionaries", i, "items"])
        out[d["code"]] = DictionarySpec(d["code"], label(d["label"]), items)
    ctx.unique(doc, doc.data["dictionaries"], ["dictionaries"])
    return out
