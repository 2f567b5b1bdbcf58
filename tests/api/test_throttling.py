"""Failed authentication is throttled per token id and per client address, with counts in the
store that every worker and host shares; the holder and other callers are never slowed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask

from service.settings import Settings
from tests.api.conftest import World, assert_problem

ATTACKER = {"REMOTE_ADDR": "203.0.113.7"}
OTHER = {"REMOTE_ADDR": "198.51.100.9"}


def _get(app: Flask, token: str, environ: dict[str, str]):  # type: ignore[no-untyped-def]
    return app.test_client().get(
        "/api/v1/municipalities",
        headers={"Authorization": f"Bearer {token}"},
        environ_base=environ,
    )


def _wrong_secret(token: str) -> str:
    prefix, _, _ = token.rpartition("_")
    return f"{prefix}_{'A' * 43}"


def _two_workers(make_app: Callable[..., Flask], settings: Settings) -> tuple[Flask, Flask]:
    """Two apps on one store, as two gunicorn workers (or hosts) would be."""
    return make_app(settings), make_app(settings)


def _throttled_across_workers(make_app: Callable[..., Flask], settings: Settings) -> None:
    first, second = _two_workers(make_app, settings)
    world = World(first)
    holder = world.platform_auditor.token
    assert holder is not None
    guesses = [_get(app, _wrong_secret(holder), ATTACKER) for app in (first, second) * 30]
    statuses = [r.status_code for r in guesses]
    assert set(statuses) <= {401, 429} and statuses.count(429) >= 45, statuses
    assert statuses.index(429) <= 11  # counted across both workers, not per process
    refused = guesses[-1]
    assert_problem(refused, 429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 300
    # The holder is never locked out by someone guessing at their token id ...
    assert _get(second, holder, ATTACKER).status_code == 200
    # ... and another address guessing at another token is not slowed.
    other = world.platform.token
    assert other is not None
    assert _get(first, _wrong_secret(other), OTHER).status_code == 401


def test_failed_authentication_is_throttled_across_workers_on_sqlite(
    make_app: Callable[..., Flask], sqlite_settings: Settings
) -> None:
    _throttled_across_workers(make_app, sqlite_settings)


def test_failed_authentication_is_throttled_across_workers_on_postgres(
    make_app: Callable[..., Flask], postgres_settings: Settings
) -> None:
    _throttled_across_workers(make_app, postgres_settings)


def test_garbage_from_one_address_is_throttled_per_address(
    make_app: Callable[..., Flask], sqlite_settings: Settings
) -> None:
    app = make_app(sqlite_settings)
    world = World(app)
    statuses = [_get(app, f"il_{n:016x}_garbage", ATTACKER).status_code for n in range(60)]
    assert statuses[:50] == [401] * 50 and set(statuses[50:]) == {429}
    assert _get(app, "il_0000000000000000_garbage", OTHER).status_code == 401
    assert (
        world.platform.http.get(
            "/api/v1/municipalities", headers=world.platform.headers(), environ_base=ATTACKER
        ).status_code
        == 200
    )


def test_expired_and_revoked_tokens_are_not_counted_as_guesses(
    make_app: Callable[..., Flask], sqlite_settings: Settings
) -> None:
    app = make_app(sqlite_settings)
    tokens = app.extensions["innoledger"].tokens
    issued = tokens.issue(
        user_id="old",
        municipality=None,
        platform_roles=("auditor",),
        label="t",
        created_by="test",
        lifetime=timedelta(days=1),
    )
    tokens.revoke(issued.record.token_id)
    statuses = {_get(app, issued.secret, ATTACKER).status_code for _ in range(60)}
    assert statuses == {401}
