"""HTTP security headers on every answer, HTTPS settings, proxies and the ``Server`` header.

Installed by :func:`lowlend.app.create_app` (:func:`init_app`). Every answer — HTML
pages, JSON APIs, static files, error pages — gets

* ``Content-Security-Policy`` (:func:`content_security_policy`): everything from the
  site itself (no CDN is used); scripts and ``<style>`` elements only from the site's
  files or with the page's nonce (:func:`csp_nonce`, which Flask-AppBuilder's templates
  already call through ``baselib.get_nonce()``); no plugins, no foreign form targets,
  no framing (``frame-ancestors 'none'``). Style *attributes* stay allowed
  (``style-src-attr 'unsafe-inline'``): Flask-AppBuilder's own templates and the
  jQuery widgets it ships (select2, the date picker) write ``style="..."`` attributes,
  which no nonce can cover. Inline style attributes cannot run script, and images
  (``img-src``) and fonts still come from the site only.
* ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin``;
* ``Strict-Transport-Security`` on HTTPS answers when ``LOWLEND_HSTS`` is on (default:
  on, except in demo mode and tests).

A view that sets one of these headers itself keeps its own value.

``LOWLEND_HTTPS`` (the site is served over HTTPS) makes the session and remember-me
cookies ``Secure`` (they are always ``HttpOnly`` and ``SameSite=Lax``) and generated
URLs ``https``. ``LOWLEND_TRUSTED_PROXIES`` = *n* trusts *n* proxies' ``X-Forwarded-For``
and ``X-Forwarded-Proto`` (Werkzeug's ``ProxyFix``): the client address of the sign-in
throttle and the audit log, and ``request.is_secure``, are then the real ones.

The application never sends a ``Server`` header. Werkzeug's development server adds its
own (``Werkzeug/x Python/y``) below the application: ``lowlend run`` serves with
:class:`DevRequestHandler`, which says ``lowlend`` instead. In production gunicorn runs
behind nginx (``server_tokens off;``), see docs/security.md.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Flask, Response, current_app, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import WSGIRequestHandler

__all__ = [
    "SERVER_NAME",
    "DevRequestHandler",
    "content_security_policy",
    "csp_nonce",
    "hsts_enabled",
    "init_app",
]

log = logging.getLogger(__name__)

SERVER_NAME = "lowlend"
"""What the development server says in its ``Server`` header."""

_NONCE_KEY = "lowlend.csp_nonce"


def csp_nonce() -> str:
    """This request's CSP nonce (made on first use; ``""`` outside a request).

    Flask-AppBuilder's ``baselib.get_nonce()`` calls it when it is a template global;
    a ``<script>`` or ``<style>`` element written into a page needs
    ``nonce="{{ csp_nonce() }}"``.
    """
    if not has_request_context():
        return ""
    environ = request.environ
    nonce = environ.get(_NONCE_KEY)
    if nonce is None:
        nonce = environ[_NONCE_KEY] = secrets.token_urlsafe(18)
    return str(nonce)


def content_security_policy(nonce: str | None = None) -> str:
    """The policy, with ``nonce`` for inline ``<script>``/``<style>`` elements if given.

    >>> print(content_security_policy("abc").replace("; ", ";\\n"))
    default-src 'self';
    script-src 'self' 'nonce-abc';
    style-src 'self' 'nonce-abc';
    style-src-attr 'unsafe-inline';
    img-src 'self' data:;
    font-src 'self';
    connect-src 'self';
    object-src 'none';
    base-uri 'self';
    form-action 'self';
    frame-ancestors 'none'
    >>> "nonce" in content_security_policy()
    False
    """
    with_nonce = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    return "; ".join([
        "default-src 'self'",
        f"script-src {with_nonce}",
        f"style-src {with_nonce}",
        "style-src-attr 'unsafe-inline'",  # FAB's templates and widgets: style="..."
        "img-src 'self' data:",  # data: images of the bundled CSS (select2, date picker)
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def hsts_enabled(app: Flask) -> bool:
    """``LOWLEND_HSTS``, or when unset: on unless demo mode or testing."""
    value = app.config.get("LOWLEND_HSTS")
    if value is None:
        return not (app.config.get("LOWLEND_DEMO") or app.config.get("TESTING"))
    return bool(value)


def _secure(response: Response) -> Response:
    cfg = current_app.config
    headers = response.headers
    headers.setdefault("Content-Security-Policy",
                       content_security_policy(request.environ.get(_NONCE_KEY)))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if hsts_enabled(current_app) and (request.is_secure or cfg.get("LOWLEND_HTTPS")):
        max_age = int(cfg.get("LOWLEND_HSTS_MAX_AGE") or 0)
        headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
    headers.remove("Server")
    return response


class DevRequestHandler(WSGIRequestHandler):
    """Werkzeug's development request handler without ``Werkzeug/x Python/y`` in the
    ``Server`` header (``lowlend run`` passes it as ``request_handler``)."""

    def version_string(self) -> str:
        return SERVER_NAME


def init_app(app: Flask) -> None:
    """Install the headers, the HTTPS cookie settings and the proxy fix on ``app``."""
    cfg = app.config
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    if cfg.get("LOWLEND_HTTPS"):
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["REMEMBER_COOKIE_SECURE"] = True
        cfg["PREFERRED_URL_SCHEME"] = "https"
    elif not (cfg.get("LOWLEND_DEMO") or cfg.get("TESTING")):
        log.warning(
            "lowlend: LOWLEND_HTTPS is not set: session cookies are sent without Secure. "
            "Serve lowlend over HTTPS and set LOWLEND_HTTPS=1 (see docs/security.md)."
        )
    proxies = int(cfg.get("LOWLEND_TRUSTED_PROXIES") or 0)
    if proxies > 0:
        wsgi: Any = app.wsgi_app
        app.wsgi_app = ProxyFix(wsgi, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_secure)
