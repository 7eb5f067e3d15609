"""Validation passes that are not tied to building one document.

* :mod:`~lowlend.spec.checks.structure` — JSON Schema validation with friendly messages;
* :mod:`~lowlend.spec.checks.references` — references between files, currencies, region rules;
* :mod:`~lowlend.spec.checks.rate_caps` — product rates against the blocking caps of its region.
"""
