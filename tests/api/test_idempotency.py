"""Idempotency-Key: a retried creation answers the first answer and writes nothing, on both
databases and across two instances of the service (as two workers or hosts would be)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from service.api import create_app
from service.settings import Settings

YSTAD = {
    "slug": "ystad",
    "name": "Ystads kommun",
    "organisation_number": "212000-1249",
    "county": "Skåne",
}


@pytest.fixture
def two_instances(store_settings: Settings) -> Iterator[tuple[Flask, Flask, str]]:
    first, second = create_app(store_settings), create_app(store_settings)
    root = (
        first.extensions["innoledger"]
        .tokens.issue(
            user_id="root",
            municipality=None,
            platform_roles=("platform_admin",),
            label="test",
            created_by="test",
            lifetime=timedelta(days=1),
        )
        .secret
    )
    yield first, second, root
    for app in (first, second):
        app.extensions["innoledger"].close()


def _head(app: Flask) -> int:
    return int(app.extensions["innoledger"].innoledger.recorder.max_notification_id() or 0)


def _post(app: Flask, token: str, body: dict[str, Any], key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return app.test_client().post("/api/v1/municipalities", json=body, headers=headers)


def test_a_retry_with_the_same_key_answers_the_first_answer_without_a_second_write(
    two_instances: tuple[Flask, Flask, str],
) -> None:
    first, second, root = two_instances
    created = _post(first, root, YSTAD, '"register-ystad-1"')
    assert created.status_code == 201, created.get_json()
    head = _head(first)

    # The answer was lost; the client retries, and another worker or host takes the retry.
    again = _post(second, root, YSTAD, '"register-ystad-1"')
    assert again.status_code == 201
    assert again.get_json() == created.get_json()
    assert again.headers["ETag"] == created.headers["ETag"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in created.headers
    assert _head(second) == head == _head(first)

    # Without a key, the same request is a second command (refused: the slug exists).
    assert _post(second, root, YSTAD, None).status_code == 409


def test_the_same_key_with_another_request_is_refused_and_writes_nothing(
    two_instances: tuple[Flask, Flask, str],
) -> None:
    first, second, root = two_instances
    assert _post(first, root, YSTAD, '"k-1"').status_code == 201
    head = _head(first)
    other = {**YSTAD, "slug": "skurup", "name": "Skurups kommun"}
    other["organisation_number"] = "212000-1132"
    refused = _post(second, root, other, '"k-1"')
    assert refused.status_code == 422
    assert refused.get_json()["type"].endswith("/problems/idempotency-key-reused")
    assert _head(first) == head
    # A new key is a new request.
    assert _post(second, root, other, '"k-2"').status_code == 201


def test_keys_belong_to_their_caller(two_instances: tuple[Flask, Flask, str]) -> None:
    first, second, root = two_instances
    other_root = (
        first.extensions["innoledger"]
        .tokens.issue(
            user_id="other-root",
            municipality=None,
            platform_roles=("platform_admin",),
            label="test",
            created_by="test",
            lifetime=timedelta(days=1),
        )
        .secret
    )
    assert _post(first, root, YSTAD, '"shared-key"').status_code == 201
    # Another caller's same key is not a replay of someone else's answer.
    theirs = _post(second, other_root, YSTAD, '"shared-key"')
    assert theirs.status_code == 409 and "Idempotent-Replayed" not in theirs.headers


def test_a_refused_first_answer_is_replayed_too_and_a_malformed_key_is_refused(
    two_instances: tuple[Flask, Flask, str],
) -> None:
    first, second, root = two_instances
    bad = {**YSTAD, "organisation_number": "not a number"}
    refused = _post(first, root, bad, '"bad-1"')
    assert refused.status_code == 422
    replayed = _post(second, root, bad, '"bad-1"')
    assert replayed.status_code == 422 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_json()["errors"] == refused.get_json()["errors"]
    malformed = _post(first, root, YSTAD, '"' + "x" * 300 + '"')
    assert malformed.status_code == 400


def test_a_request_still_running_with_the_key_answers_409_with_retry_after(
    two_instances: tuple[Flask, Flask, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, root = two_instances
    seen: dict[str, Any] = {}
    services = first.extensions["innoledger"]
    original = services.innoledger.register_municipality

    def slow_registration(*args: Any, **kwargs: Any) -> Any:
        # While the first request runs, a retry arrives at another instance.
        seen["retry"] = _post(second, root, YSTAD, '"slow-1"')
        return original(*args, **kwargs)

    monkeypatch.setattr(services.innoledger, "register_municipality", slow_registration)
    assert _post(first, root, YSTAD, '"slow-1"').status_code == 201
    retry = seen["retry"]
    assert retry.status_code == 409 and retry.headers["Retry-After"] == "1"
    assert retry.get_json()["type"].endswith("/problems/idempotency-key-in-use")
    assert _post(second, root, YSTAD, '"slow-1"').headers["Idempotent-Replayed"] == "true"
