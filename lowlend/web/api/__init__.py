"""Hand-written REST APIs that are use cases rather than entity CRUD (quote, OCR,
lending, money, …); registered at boot by :mod:`lowlend.web.api.registration`. This
``__init__`` imports nothing.
"""
