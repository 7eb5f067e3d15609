"""lowlend — a low-code micro-loan (小额贷款) management platform.

The package has no import-time side effects: call :func:`lowlend.app.create_app`
to build an application.
"""

__version__ = "0.1.0"
