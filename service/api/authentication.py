"""Bearer authentication of every /api/v1 request; roles come live from the municipality."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request

from eventstore.companion import withdraw, withdraw_any
from service.api.availability import found_database_unavailable
from service.api.context import services
from service.api.problems import problem
from service.auth.principal_cache import Freshness, KnownHolder, PrincipalChanged
from service.auth.tokens import secret_digest
from service.errors import NotFound
from service.principal import Principal

API_PREFIX = "/api/v1/"
CHALLENGE = 'Bearer realm="innoledger"'


def _unauthorised(detail: str, *, invalid: bool):
    challenge = CHALLENGE + (', error="invalid_token"' if invalid else "")
    return problem(
        401,
        "Unauthorized",
        detail=detail,
        kind="unauthorized",
        headers={"WWW-Authenticate": challenge},
    )


def _throttled(wait_seconds: int):
    return problem(
        429,
        "Too Many Requests",
        detail="too many failed authentications for this token or from this address;"
        f" try again in {wait_seconds} s",
        kind="too-many-requests",
        headers={"Retry-After": str(wait_seconds)},
    )


# Requests that change nothing: their cached holder is confirmed by the request's own read.
SAFE_METHODS = frozenset({"GET", "HEAD"})


def authenticate_request():
    return _authenticate(in_full=False)


def _authenticate_in_full():
    return _authenticate(in_full=True)


def _authenticate(*, in_full: bool):
    # Taken once: each use of the `request`/`g` proxies is a look-up and three calls.
    req, state = request._get_current_object(), g._get_current_object()  # type: ignore[attr-defined]
    if not req.path.startswith(API_PREFIX):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return _unauthorised("send Authorization: Bearer <token>", invalid=False)
    svc = services()
    secret = secret.strip()
    digest = secret_digest(secret)
    if in_full:
        holder = None
    elif req.method in SAFE_METHODS:
        # Confirmed current by the request's first read, in the same round trip, before
        # anything is answered (see `answer_when_confirmed`).
        holder = svc.principals.remembered(digest)
        if holder is not None:
            state.principal_check = svc.principals.confirm_with_next_read(digest, holder)
    else:
        holder = svc.principals.known(digest)
    if holder is None:
        # Read before the token and the roles: a revocation after this read moves the
        # counter or the version past what the entry remembers.
        before = svc.principals.freshness(None)
        checked = svc.tokens.check(secret)
        if not checked.genuine:
            wait = svc.throttle.failed(address=req.remote_addr, token_id=checked.known_token_id)
            if wait is not None:
                return _throttled(wait)
        record = checked.record
        if record is None:
            return _unauthorised("the token is unknown, expired or revoked", invalid=True)
        if record.municipality is None:
            roles = record.platform_roles
            version = None
        else:
            try:
                municipality = svc.innoledger.require_registered(record.municipality)
                roles, version = municipality.roles_of(record.user_id), municipality.version
            except NotFound:
                roles, version = (), None
            if not roles:
                # A token acts only through its holder's roles in the municipality that issued
                # it; with the last role revoked it acts no more (its tokens are revoked too).
                return _unauthorised("the token's holder holds no role any more", invalid=True)
        holder = KnownHolder(
            record=record,
            roles=tuple(roles),
            made_of=Freshness(generation=before.generation, municipality_version=version),
        )
        svc.principals.remember(digest, holder)
    elif holder.record.municipality is not None and holder.made_of.municipality_version:
        # The freshness check just read the municipality's version: the use case's load of it
        # need not read its events again when the cached one is that version.
        svc.innoledger.confirm_current_version(
            holder.record.municipality, holder.made_of.municipality_version
        )
    record = holder.record
    roles = holder.roles
    state.principal = Principal(
        user_id=record.user_id,
        municipality=record.municipality,
        roles=tuple(roles),
        token_id=record.token_id,
        request_id=state.get("request_id"),
    )
    return None


def answer_when_confirmed(answer: Any) -> Any:
    """`answer`, once the database confirmed the remembered holder it was made for (a token's
    or a browser session's); else the request answered again with the holder checked in full
    by `g.check_again` (the first answer is dropped: it was made for a holder who is no longer
    who they were)."""
    check = g.pop("principal_check", None)
    again = g.pop("check_again", _authenticate_in_full)
    if check is None:
        return answer
    if found_database_unavailable():
        # The answer is the outage's 503, for anyone: sent at once, not after the database
        # was asked (and waited for) once more.
        withdraw(check)
        return answer
    app = current_app
    try:
        check.store.settle(check)
        return answer
    except PrincipalChanged:
        pass
    except Exception as error:  # the database unavailable, say: answered as anywhere else
        return app.handle_user_exception(error)
    finally:
        withdraw(check)
    _close_request_scope(None)
    _open_request_scope()  # nothing the first answer loaded or was told is kept
    g.pop("principal", None)
    refused = again()
    if refused is not None:
        return refused
    try:
        return app.dispatch_request()
    except Exception as error:
        return app.handle_user_exception(error)


def _principal_changed(_error: PrincipalChanged) -> Any:
    # Only ever seen by `answer_when_confirmed`, which answers the request again instead.
    return problem(503, "Service Unavailable", detail="the request is answered again")


def _withdraw_check(_error: BaseException | None) -> None:
    check = g.pop("principal_check", None)
    if check is not None:
        withdraw(check)


def _open_request_scope() -> None:
    withdraw_any()
    scope = services().innoledger.request_scope()
    scope.__enter__()
    g.request_scope = scope


def _close_request_scope(_error: BaseException | None) -> None:
    scope = g.pop("request_scope", None)
    if scope is not None:
        scope.__exit__(None, None, None)


def register_authentication(app: Flask) -> None:
    # The municipality loaded here for the live roles serves the use case too.
    app.before_request(_open_request_scope)
    app.teardown_request(_close_request_scope)
    app.before_request(authenticate_request)
    app.teardown_request(_withdraw_check)
    app.register_error_handler(PrincipalChanged, _principal_changed)
    answers = getattr(app, "before_answer", None)
    if answers is None:
        raise TypeError("authentication needs an app whose answers can wait for a check")
    answers.append(answer_when_confirmed)
