"""The network's shared catalogue of innovation areas and the areas municipalities add.

Every municipality files needs under the nine areas Skurup and Ystad found from the day it
joins, without adding anything; an area it adds is listed to itself or to the whole network.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Client, Tenant, World, assert_problem

NINE = [
    "Ökat samutnyttjande",
    "Samutnyttjade lokaler",
    "Privat mark",
    "Överskottsenergi",
    "Delningstjänst för transporter/boende/LSS",
    "Rena och torra golv",
    "Lärprocess för AI",
    "AR i stadsplanering",
    "Delningstjänst mellan kommuner",
]


def _newcomer(world: World, slug: str) -> dict[str, Client]:
    """A municipality just registered: a tenant admin and an officer, no area of its own."""
    world.register(slug)
    world.platform.ok(
        "POST",
        f"municipalities/{slug}/members",
        200,
        json={"user_id": f"{slug}-admin", "role": "tenant_admin"},
    )
    admin = world.issue_token(world.platform, slug, f"{slug}-admin")
    world.grant(admin, slug, f"{slug}-officer", "officer")
    return {"admin": admin, "officer": world.issue_token(admin, slug, f"{slug}-officer")}


def _areas(client: Client, position: int | None = None) -> list[dict[str, Any]]:
    query = {} if position is None else {"position": position}
    return list(client.read("innovation-areas", query=query)["items"])


def test_a_municipality_files_needs_under_the_shared_catalogue_from_the_day_it_joins(
    world: World,
) -> None:
    newcomer = _newcomer(world, "kavlinge")
    listed = _areas(newcomer["officer"])
    assert [a["name"] for a in listed] == NINE
    assert {a["scope"] for a in listed} == {"shared"}
    assert newcomer["officer"].read("municipalities/kavlinge")["innovation_areas"] == []

    floors = next(a for a in listed if a["name"] == "Rena och torra golv")
    created = newcomer["officer"].ok(
        "POST",
        "needs",
        201,
        json={
            "title": "Halkfria golv",
            "problem_statement": "Blöta golv i förskolans hall ger halkolyckor.",
            "innovation_area_id": floors["id"],
        },
    )
    need = newcomer["officer"].read(f"needs/{created['id']}")
    assert need["innovation_area_id"] == floors["id"]
    newcomer["officer"].ok("POST", f"needs/{created['id']}/share", 200, if_match=1)
    position = newcomer["officer"].last.get_json()["position"]
    [row] = newcomer["officer"].read("network/needs", query={"position": position})["items"]
    assert row["innovation_area"] == {"id": floors["id"], "name": "Rena och torra golv"}


def test_the_shared_catalogue_has_the_same_ids_for_everyone(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    shared = [a for a in _areas(ystad.viewer) if a["scope"] == "shared"]
    assert shared == [a for a in _areas(skurup.officer) if a["scope"] == "shared"]
    assert [a for a in _areas(world.platform_auditor) if a["scope"] == "shared"] == shared


def test_an_own_area_is_listed_to_its_municipality_or_to_the_network(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    areas = "municipalities/ystad/innovation-areas"
    own = ystad.admin.ok("POST", areas, 201, json={"name": "Trygg skolväg"})
    network = ystad.admin.ok(
        "POST",
        areas,
        201,
        json={"name": "Hållbara måltider", "description": "Matsvinn", "visibility": "network"},
    )
    position = network["position"]
    own_id = own["created"]["innovation_area_id"]
    network_id = network["created"]["innovation_area_id"]

    ystads = {a["id"]: a for a in _areas(ystad.officer, position)}
    assert ystads[own_id] == {
        "id": own_id,
        "name": "Trygg skolväg",
        "description": None,
        "scope": "own",
        "municipality": "ystad",
        "visibility": "municipality",
        "retired": False,
    }
    assert ystads[network_id]["scope"] == "own"
    assert ystads[network_id]["visibility"] == "network"

    skurups = {a["id"]: a for a in _areas(skurup.viewer, position)}
    assert own_id not in skurups
    assert skurups[network_id]["scope"] == "network"
    assert skurups[network_id]["municipality"] == "ystad"
    assert {a["id"] for a in _areas(world.platform_auditor, position)} >= {network_id}
    assert own_id not in {a["id"] for a in _areas(world.platform_auditor, position)}

    # The municipality's own record names each area's visibility, as its history does.
    record = {a["id"]: a for a in ystad.viewer.read("municipalities/ystad")["innovation_areas"]}
    assert record[own_id]["visibility"] == "municipality"
    assert record[network_id]["visibility"] == "network"

    # A retired area leaves the network's lists, and stays marked in its own.
    retired = ystad.admin.ok("DELETE", f"{areas}/{network_id}", 200)["position"]
    assert network_id not in {a["id"] for a in _areas(skurup.viewer, retired)}
    assert {a["id"]: a for a in _areas(ystad.viewer, retired)}[network_id]["retired"] is True


def test_an_area_visibility_must_be_known(ystad: Tenant) -> None:
    response = ystad.admin.post(
        "municipalities/ystad/innovation-areas", json={"name": "X", "visibility": "everyone"}
    )
    assert_problem(response, 422, field="visibility")


def test_needs_are_filed_under_shared_or_own_areas_only(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    """Another municipality's area, even one listed for the network, is not this one's to
    file under (it adds its own of that name, or co-owns a need)."""
    skurups = skurup.admin.ok(
        "POST",
        "municipalities/skurup/innovation-areas",
        201,
        json={"name": "Hållbara måltider", "visibility": "network"},
    )["created"]["innovation_area_id"]
    for area_id in (skurups, skurup.area_id, "00000000-0000-4000-8000-000000000000"):
        response = ystad.officer.post(
            "needs",
            json={
                "title": "Måltider",
                "problem_statement": "Matsvinn",
                "innovation_area_id": area_id,
            },
        )
        assert_problem(response, 422, field="innovation_area_id")
