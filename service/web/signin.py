"""Who is signed in to the pages: a session naming a member of a municipality.

The session holds only the member's user id and municipality; their roles are read live from
the municipality at every request, exactly as the API reads them for a token, so a revoked role
stops working at once and a member with no role left has no access. Sessions end after a spell
of inactivity and at a fixed time after sign-in, whichever comes first.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, session, url_for

from service.api.context import services
from service.errors import NotFound
from service.principal import Principal

F = TypeVar("F", bound=Callable[..., Any])

USER = "user"
SEEN = "seen"
OPEN_PATHS = ("/api/", "/static/", "/livez", "/readyz", "/metrics")


def start_session(*, user_id: str, municipality: str, via: str) -> None:
    """A new session after sign-in: nothing of the anonymous one is carried over (a fixed
    session cannot be planted), the language choice apart."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    now = int(time.time())
    session[USER] = {"id": user_id, "municipality": municipality, "via": via, "since": now}
    session[SEEN] = now
    session.permanent = False


def end_session(reason: str | None = None) -> None:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    if reason:
        session["ended"] = reason


def live_roles(municipality: str, user_id: str) -> tuple[str, ...]:
    try:
        return tuple(services().innoledger.roles_in(municipality, user_id))
    except NotFound:
        return ()


def load_principal() -> None:
    g.web_principal = None
    if request.path.startswith(OPEN_PATHS):
        return
    user = session.get(USER)
    if not isinstance(user, dict):
        return
    web = services().settings.web
    now = int(time.time())
    if now - int(session.get(SEEN, 0)) > web.idle_timeout_minutes * 60:
        end_session("idle")
        return
    if now - int(user.get("since", 0)) > web.session_max_hours * 3600:
        end_session("expired")
        return
    roles = live_roles(user["municipality"], user["id"])
    if not roles:
        end_session("no_role")
        return
    session[SEEN] = now
    g.web_principal = Principal(
        user_id=user["id"],
        municipality=user["municipality"],
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
