"""Bearer authentication of every /api/v1 request; roles come live from the municipality."""

from __future__ import annotations

from flask import Flask, g, request

from service.api.context import services
from service.api.problems import problem
from service.auth.principal_cache import Freshness, KnownHolder
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


def authenticate_request():
    if not request.path.startswith(API_PREFIX):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return _unauthorised("send Authorization: Bearer <token>", invalid=False)
    svc = services()
    secret = secret.strip()
    digest = secret_digest(secret)
    holder = svc.principals.known(digest)
    if holder is None:
        # Read before the token and the roles: a revocation after this read moves the
        # counter or the version past what the entry remembers.
        before = svc.principals.freshness(None)
        checked = svc.tokens.check(secret)
        if not checked.genuine:
            wait = svc.throttle.failed(
                address=request.remote_addr, token_id=checked.known_token_id
            )
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
    g.principal = Principal(
        user_id=record.user_id,
        municipality=record.municipality,
        roles=tuple(roles),
        token_id=record.token_id,
        request_id=g.get("request_id"),
    )
    return None


def _open_request_scope() -> None:
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
