"""Who is signed in to the pages: a session naming a member of a municipality.

The cookie holds the id of a session kept in the store (`service.auth.sessions`), and the
member's user id and municipality; their roles are the municipality's live ones at every
request, exactly as the API's for a token. Every request checks the stored session (a page,
for a session this process remembers, with its own first read: `service.auth.session_cache`),
so a session ended anywhere — signed out, a role or token revoked, ended by an admin, idle too
long, too old — is refused at once on every worker, and a copy of the cookie is worth nothing
after it ended. A member with no role left has no access.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, session, url_for

from service.api.authentication import SAFE_METHODS
from service.api.context import services
from service.auth.session_cache import KnownSession
from service.auth.sessions import SessionLimits
from service.errors import NotFound
from service.principal import Principal

F = TypeVar("F", bound=Callable[..., Any])

USER = "user"
SESSION_ID = "sid"
# Why a session ended, as the sign-in page tells it.
ENDED_REASONS = ("idle", "expired", "no_role", "signed_out", "revoked", "failed")
OPEN_PATHS = ("/api/", "/static/", "/assets/", "/livez", "/readyz", "/metrics")


def start_session(*, user_id: str, municipality: str, via: str) -> None:
    """A new session after sign-in: nothing of the anonymous one is carried over (a fixed
    session cannot be planted), the language choice apart."""
    end_session()
    session[SESSION_ID] = services().sessions.start(
        user_id=user_id, municipality=municipality, via=via
    )
    session[USER] = {"id": user_id, "municipality": municipality, "via": via}
    session.permanent = False


def end_session(reason: str | None = None) -> None:
    """Ends the stored session too, so that no copy of the cookie can go on using it."""
    session_id = session.get(SESSION_ID)
    if isinstance(session_id, str):
        services().sessions.end(session_id, reason or "ended")
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    if reason:
        session["ended"] = reason


def live_roles(municipality: str, user_id: str) -> tuple[str, ...]:
    return roles_and_version(municipality, user_id)[0]


def roles_and_version(municipality: str, user_id: str) -> tuple[tuple[str, ...], int]:
    """The member's roles and the version of the municipality they were read from."""
    try:
        found = services().innoledger.require_registered(municipality)
    except NotFound:
        return (), 0
    return tuple(found.roles_of(user_id)), int(found.version)


def load_principal() -> None:
    _load_principal(in_full=False)


def _load_principal_in_full() -> None:
    _load_principal(in_full=True)


def _load_principal(*, in_full: bool) -> None:
    g.web_principal = None
    if request.path.startswith(OPEN_PATHS):
        return
    user = session.get(USER)
    session_id = session.get(SESSION_ID)
    if not isinstance(user, dict) or not isinstance(session_id, str):
        if user is not None:
            end_session("expired")  # a cookie from before sessions were kept in the store
        return
    svc = services()
    web = svc.settings.web
    limits = SessionLimits(
        idle=timedelta(minutes=web.idle_timeout_minutes),
        lifetime=timedelta(hours=web.session_max_hours),
    )
    user_id, municipality = user.get("id"), user.get("municipality")
    known = None
    if not in_full and request.method in SAFE_METHODS:
        known = svc.known_sessions.remembered(
            session_id, user_id=str(user_id), municipality=str(municipality)
        )
    if known is not None:
        # Confirmed by the page's first read, in the same round trip, before anything is
        # answered (`service.api.authentication.answer_when_confirmed`).
        g.principal_check = svc.known_sessions.confirm_with_next_read(session_id, known, limits)
        g.check_again = _load_principal_in_full
        svc.innoledger.confirm_current_version(known.municipality, known.municipality_version)
        roles = known.roles
    else:
        stored, ended = svc.sessions.check(session_id, limits)
        if stored is None or (stored.user_id, stored.municipality) != (user_id, municipality):
            end_session()
            session["ended"] = ended if ended in ENDED_REASONS else "expired"
            return
        roles, version = roles_and_version(stored.municipality, stored.user_id)
        if not roles:
            end_session("no_role")
            return
        svc.known_sessions.remember(
            session_id,
            KnownSession(
                user_id=stored.user_id,
                municipality=stored.municipality,
                started_at=stored.started_at,
                roles=roles,
                municipality_version=version,
            ),
        )
    g.web_principal = Principal(
        user_id=str(user_id),
        municipality=str(municipality),
        roles=roles,
        request_id=g.get("request_id"),
    )


def current_principal() -> Principal:
    principal = g.get("web_principal")
    if principal is None:
        raise RuntimeError("page outside `signed_in`")
    return principal


def signed_in(view: F) -> F:
    """The page needs a signed-in member; others are sent to sign in, and come back."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("web_principal") is None:
            return redirect(url_for("web.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def safe_next(target: str | None) -> str:
    """Only a path of this service: never an open redirect to another site."""
    if not target:
        return url_for("web.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.home")
    if "\\" in target:
        return url_for("web.home")
    return target


def register(app: Flask) -> None:
    app.before_request(load_principal)

    @app.context_processor
    def signed_in_person() -> dict[str, Any]:
        return {"principal": g.get("web_principal")}
