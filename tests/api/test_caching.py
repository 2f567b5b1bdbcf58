"""No shared cache keeps an authenticated answer, and every cache keys it by the credentials.

Every GET operation of the served OpenAPI document (so a new endpoint is covered by itself) is
read with real ids by callers of two municipalities, and without credentials: each answer is
`private` (`no-store` unless it is a settled past state without secrets), varies on
`Authorization` and sets no cookie.
"""

from __future__ import annotations

import re
from typing import Any

from tests.api.conftest import API, Client, Tenant, World

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _ids(world: World, ystad: Tenant) -> dict[str, str]:
    procurement_id = world.procurement(ystad, "evaluation")
    need_id = world.need(ystad, shared=True)
    return {
        "slug": "ystad",
        "need_id": need_id,
        "procurement_id": procurement_id,
        "user_id": "ystad-officer",
        "token_id": ystad.officer.token_id or "0",
        "area_id": ystad.area_id,
        "item_id": "0",
        "review_id": "0",
    }


def _get_paths(client: Client, ids: dict[str, str]) -> list[str]:
    document: dict[str, Any] = client.http.get("/api/openapi.json").get_json()
    paths = []
    for template, operations in document["paths"].items():
        if "get" not in operations or not template.startswith(API):
            continue
        paths.append(PLACEHOLDER.sub(lambda m: ids.get(m.group(1), "x"), template))
    return paths


def _assert_private(response: Any, what: str) -> None:
    vary = {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}
    assert "authorization" in vary, what
    cache_control = response.headers.get("Cache-Control", "")
    assert cache_control.startswith("private") and "public" not in cache_control, what
    if "immutable" not in cache_control:
        assert "no-store" in cache_control, what
    # The bearer API keeps no cookie session: nothing for a cache to key on but the token.
    assert "Set-Cookie" not in response.headers, what
    assert "cookie" not in vary, what


def test_every_authenticated_answer_is_private_and_varies_on_authorization(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    ids = _ids(world, ystad)
    paths = _get_paths(ystad.officer, ids)
    assert len(paths) > 20
    for client in (ystad.officer, ystad.auditor, skurup.officer, world.anonymous()):
        for path in paths:
            response = client.get(path)
            _assert_private(response, f"{client} GET {path}: {response.status_code}")


def test_a_past_state_with_bids_is_never_stored_and_without_may_stay_private(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    procurement_id = world.procurement(ystad, "evaluation")
    path = f"procurements/{procurement_id}"
    version = ystad.auditor.read(path)["version"]
    with_bids = ystad.auditor.get(path, query={"version": version})
    assert with_bids.get_json()["bid_count"] == 2
    assert with_bids.headers["Cache-Control"] == "private, no-store"
    without = skurup.auditor.get(path, query={"version": version})
    assert without.get_json()["bids"] is None
    assert without.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert without.headers["ETag"] != with_bids.headers["ETag"]
    _assert_private(without, "past state without bids")
