"""Every view answer of the served OpenAPI document carries a validator, and it works: generated
from the document, so a new view endpoint is covered by itself.

An answer that reflects a view (it says which log position, `Innoledger-Position`) must carry an
ETag; sent back with `If-None-Match` by the same caller it answers 304, and sent by a caller of
another municipality it never does.
"""

from __future__ import annotations

import re
from typing import Any

from tests.api.conftest import API, Client, Tenant, World

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _paths(client: Client, ids: dict[str, str]) -> list[str]:
    document: dict[str, Any] = client.http.get("/api/openapi.json").get_json()
    return [
        PLACEHOLDER.sub(lambda m: ids.get(m.group(1), "x"), template)
        for template, operations in document["paths"].items()
        if "get" in operations and template.startswith(API)
    ]


def test_every_view_answer_has_a_validator_that_only_its_caller_can_use(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    need_id = world.need(ystad, shared=True)
    ids = {
        "slug": "ystad",
        "need_id": need_id,
        "procurement_id": world.procurement(ystad, "evaluation"),
        "user_id": "ystad-officer",
        "area_id": ystad.area_id,
    }
    views = 0
    for path in _paths(ystad.officer, ids):
        for caller, other in ((ystad.officer, skurup.officer), (ystad.auditor, skurup.auditor)):
            first = caller.get(path)
            if first.status_code != 200 or "Innoledger-Position" not in first.headers:
                continue
            views += 1
            etag = first.headers.get("ETag")
            assert etag, f"{caller} GET {path}: a view answer without a validator"
            again = caller.get(path, headers={"If-None-Match": etag})
            assert again.status_code == 304, f"{caller} GET {path}: {again.status_code}"
            assert again.headers["ETag"] == etag
            assert "authorization" in again.headers.get("Vary", "").lower()
            assert again.headers.get("Cache-Control", "").startswith("private")
            stranger = other.get(path, headers={"If-None-Match": etag})
            assert stranger.status_code != 304, f"{other} GET {path} validated {caller}'s ETag"
    assert views >= 10  # the own lists, the network's views, the decision log, ...
