"""Builders: one parsed, structurally valid YAML document → frozen spec objects.

Each ``build_<kind>(ctx, doc)`` reads ``doc.data`` (already checked against the
kind's JSON Schema), reports the semantic errors of that one file through ``ctx``
(ranges, enums that depend on each other, expressions, duplicate codes) and returns
the spec object(s) of :mod:`lowlend.spec.model`.  References *between* files are
checked later, in :mod:`lowlend.spec.checks.references`.
"""
