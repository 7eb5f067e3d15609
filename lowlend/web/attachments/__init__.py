"""Attachments of ``file`` fields: :mod:`~lowlend.web.attachments.uploads` (store,
checks, links, formatting), :mod:`~lowlend.web.attachments.views` (download view and
upload API), :mod:`~lowlend.web.attachments.registration` (boot). This ``__init__``
imports nothing.
"""
