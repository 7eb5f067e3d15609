"""Forms of the generated admin: :mod:`~lowlend.web.forms.spec_form` (WTForms built from
field specs), :mod:`~lowlend.web.forms.child_table` (inline tables),
:mod:`~lowlend.web.forms.file_field` (file uploads). This ``__init__`` imports nothing.
"""
