"""Similar needs over HTTP: what the problem statements say, and whom to co-own a need with."""

from __future__ import annotations

from tests.api.conftest import Tenant, World


def _need(tenant: Tenant, title: str, statement: str) -> str:
    created = tenant.officer.ok(
        "POST",
        "needs",
        201,
        json={"title": title, "problem_statement": statement, "innovation_area_id": tenant.area_id},
    )
    tenant.officer.ok("POST", f"needs/{created['id']}/share", 200, if_match=created["version"])
    return str(created["id"])


def test_the_owner_is_told_whom_to_co_own_a_similar_need_with(
    world: World, ystad: Tenant, skurup: Tenant, trelleborg: Tenant
) -> None:
    mine = _need(ystad, "Ensamhet på äldreboendet", "De boende på äldreboendet är ensamma.")
    theirs = _need(skurup, "Ensamma i äldreboenden", "Boende i äldreboenden känner sig ensamma.")
    position = skurup.officer.last.get_json()["position"]

    [row] = ystad.viewer.read(f"network/needs/{mine}/similar", query={"position": position})[
        "items"
    ]
    assert row["need_id"] == theirs
    assert row["similarity"]["suggest_co_ownership"] is True
    assert row["similarity"]["co_ownership_with"] == "skurup"
    assert {"äldreboend", "boend"} <= set(row["similarity"]["common_stems"])

    # A third municipality sees the likeness, but nothing is suggested to it.
    [row] = trelleborg.viewer.read(f"network/needs/{mine}/similar")["items"]
    assert row["similarity"]["suggest_co_ownership"] is False
    assert row["similarity"]["co_ownership_with"] is None

    # Once Ystad co-owns Skurup's need, it is no longer suggested.
    joined = ystad.officer.ok("POST", f"needs/{theirs}/co-owners", 200, if_match=2)
    [row] = ystad.viewer.read(
        f"network/needs/{mine}/similar", query={"position": joined["position"]}
    )["items"]
    assert row["similarity"]["suggest_co_ownership"] is False
