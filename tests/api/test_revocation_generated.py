"""Every GET of the served document refuses, at once, a token revoked in another process — also
when the process remembers its holder and confirms them with the request's own read.

Two app instances share one store (as two workers or two hosts do). For each holder (a
municipality's officer and a platform auditor) and every GET path of the document (with real
objects, now and at a past version): the other instance reads the path with a token it then
remembers; then

- another token is revoked (the revocation counter moves, this holder is unchanged): the
  path answers as before (the remembered holder is refused, and the request answered again with
  the token checked in full);
- the token itself is revoked: the path answers 401 — whatever it would have answered (200,
  403, 404, 422), with or without `If-None-Match` of the ETag it answered before.

On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from service.settings import Settings
from tests.api.conftest import World
from tests.api.test_conditional_generated import _catch_up, _network, _operations, _paths


def _content(response: TestResponse) -> Any:
    """The answer, less the moment a report says it was made."""
    if not response.is_json:
        return response.get_data()
    body = response.get_json()
    if isinstance(body, dict):
        body.pop("generated_at", None)
    return body


# (user, municipality, platform roles) of the holders whose tokens are revoked.
HOLDERS = (("ystad-officer", "ystad", ()), ("revisor", None, ("auditor",)))


def test_every_get_refuses_a_token_revoked_in_another_process_at_once(
    make_app: Callable[..., Flask], store_settings: Settings
) -> None:
    first, other = make_app(store_settings), make_app(store_settings)
    world = World(first)
    ystad, skurup = world.tenant("ystad"), world.tenant("skurup", area="Rena och torra golv")
    ids = _network(world, ystad, skurup)
    operations = _operations(ystad.officer)
    _catch_up(world, operations, ids)
    tokens = first.extensions["innoledger"].tokens
    client = other.test_client()

    def issue(user: str, municipality: str | None, roles: tuple[str, ...]) -> tuple[str, str]:
        issued = tokens.issue(
            user_id=user,
            municipality=municipality,
            platform_roles=roles,
            label="t",
            created_by="test",
            lifetime=timedelta(hours=1),
        )
        return issued.secret, issued.record.token_id

    problems: dict[str, None] = {}
    paths = _paths(operations, ids)
    for holder in HOLDERS:
        for _template, path in paths:
            for conditional in (False, True):
                secret, token_id = issue(*holder)
                bearer = {"Authorization": f"Bearer {secret}"}
                before = client.get(path, headers=bearer)  # the other process knows them now
                assert before.status_code != 401, (holder, path, before.get_data(True))
                etag = before.headers.get("ETag")
                if conditional and etag is None:
                    continue
                if not conditional:
                    # The counter moves, the holder is who they were: the same answer.
                    assert tokens.revoke(issue(*holder)[1])
                    again = client.get(path, headers=bearer)
                    changed = again.status_code != before.status_code or (
                        # A problem's body names its request; a list of tokens shows the
                        # revoked one.
                        before.status_code == 200
                        and _content(again) != _content(before)
                        and not path.endswith("/tokens")
                    )
                    if changed:
                        problems.setdefault(
                            f"{holder[0]} GET {path}: {before.status_code} before another"
                            f" token's revocation, {again.status_code} after"
                        )
                assert tokens.revoke(token_id)
                headers = {**bearer, "If-None-Match": etag} if conditional else bearer
                refused = client.get(path, headers=headers)
                if refused.status_code != 401:
                    problems.setdefault(
                        f"{holder[0]} GET {path}{' (If-None-Match)' if conditional else ''}:"
                        f" {refused.status_code} with a token revoked in another process"
                    )
                elif "invalid_token" not in refused.headers.get("WWW-Authenticate", ""):
                    problems.setdefault(f"GET {path}: 401 without the invalid_token challenge")
    assert not problems, "\n".join(problems)
    assert len(paths) >= 30
