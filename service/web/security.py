"""Security of the pages: headers, CSRF on every form, session cookies.

Every page is served with a Content-Security-Policy that allows only the service's own files
(no inline script or style, so markup injected into a page cannot run), may not be framed, and
is sent with HSTS when the request arrived over TLS. Forms carry a per-session CSRF token that
every state-changing request must return.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from flask import Flask, Request, Response, abort, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # The design system's icons are SVG data URIs in its stylesheet.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
API_PREFIX = "/api/v1/"
SESSIONLESS_PREFIXES = (API_PREFIX, "/api/open/")


class TlsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over TLS (directly or through
    a proxy the WSGI server trusts), so one deployment serves both a local http and a
    production https without a setting to forget."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # The JSON API authenticates by bearer token (or not at all under /api/open/) and
        # never reads the cookie: no signature to check, and nothing can be written to it.
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return None  # Flask gives the request a null session
        return super().open_session(app, request)


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return str(token)


def check_csrf() -> None:
    """Refuses a state-changing request to the pages whose form does not carry the session's
    token. (The JSON API authenticates with bearer tokens, which a browser never sends on its
    own, so it needs none.)"""
    if request.method in SAFE_METHODS:
        return
    expected = session.get(CSRF_FIELD)
    given = request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(str(expected), given):
        abort(400, description="csrf")


def add_security_headers(response: Response) -> Response:
    if request.path.startswith(API_PREFIX):
        return response
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    # The open data (/api/open/) never reads a session: its answers are the same for everyone.
    if session.accessed and not request.path.startswith(("/static/", "/api/open/")):
        # A page shown to a signed-in person is theirs alone: not kept by any cache.
        headers["Cache-Control"] = "no-store"
        headers.add("Vary", "Cookie")
    return response


def load_secret_key(configured: str | None, var_dir: Path) -> str:
    """The configured key, else one kept in var_dir (made once, readable by the owner only)
    so that every worker and every restart signs sessions alike."""
    if configured:
        return configured
    path = var_dir / "web-secret-key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        # Written whole under a temporary name, then linked: a worker starting at the same
        # moment sees either no key or the complete one, and the first link wins.
        fd, temporary = tempfile.mkstemp(dir=var_dir, prefix=".web-secret-key.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
