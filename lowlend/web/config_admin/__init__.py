"""Configuration screens: edit, validate, diff, publish and roll back the configuration.

:func:`lowlend.web.config_admin.registration.register` (called at boot) adds one
screen per configuration kind (:mod:`lowlend.web.config_admin.kinds`, views in
:mod:`lowlend.web.config_admin.item_views`), the dictionary label form
(:mod:`lowlend.web.config_admin.dictionary_labels`) and the version history
(:mod:`lowlend.web.config_admin.version_views`). See ``README.md`` for URLs and
permission names. This ``__init__`` imports nothing.
"""
