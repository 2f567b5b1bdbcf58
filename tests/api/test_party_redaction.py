"""Who sees a sole trader's personnummer and name is decided by the one redaction policy
(`service.redaction`, `service.access_policy.can_see_parties`), for the directory entry and for
the procurement that refers to it alike, and the procurement's ETag tells the two displays apart
("9" with the number, "9-p" without), as it does for bids ("9-b")."""

from __future__ import annotations

from tests.api.conftest import World, assert_problem
from tests.api.test_sole_traders import NAME, PERSONNUMMER, sole_trader_contract


def test_the_procurement_shows_the_number_exactly_to_those_who_read_the_entry(
    world: World,
) -> None:
    ystad, path, party_id = sole_trader_contract(world)
    skurup = world.tenant("skurup")
    callers = {
        "ystad officer": (ystad.officer, True),
        "ystad auditor": (ystad.auditor, True),
        "ystad admin": (ystad.admin, True),
        "ystad viewer": (ystad.viewer, False),
        "skurup officer": (skurup.officer, False),
        "platform auditor": (world.platform_auditor, True),
    }
    # The platform admin, who erases entries, reads them, but no procurement at all.
    assert world.platform.read(f"parties/{party_id}")["name"] == NAME
    etags = {}
    for name, (client, sees) in callers.items():
        response = client.get(path)
        assert response.status_code == 200, name
        body = response.get_json()
        supplier = body["award"]["suppliers"][0]
        assert supplier["party_id"] == party_id, name
        shown = (supplier["org_number"], supplier["name"], body["contract"]["supplier_org_number"])
        assert shown == ((PERSONNUMMER, NAME, PERSONNUMMER) if sees else (None, None, None)), name
        entry = client.get(f"parties/{party_id}")
        if sees:
            assert entry.get_json()["identity_number"] == PERSONNUMMER, name
        else:
            assert_problem(entry, 404)
        etag = response.headers["ETag"].strip('"')
        version = etag.split("-")[0]
        assert ("p" not in etag.split("-", 1)[-1] or "-" not in etag) if sees else "-p" in etag
        etags[name] = (version, sees, etag)
        # A number is personal data: no cache keeps the answer that shows it.
        if sees:
            assert "no-store" in response.headers["Cache-Control"], name
    assert len({version for version, _, _ in etags.values()}) == 1
    with_number = {etag for _, sees, etag in etags.values() if sees}
    without = {etag for _, sees, etag in etags.values() if not sees}
    assert not with_number & without
    # Either ETag names the version in If-Match.
    for etag in (*with_number, *without):
        assert world.version(f"/api/v1/{path}") == int(etag.split("-")[0])


def test_a_past_version_withholds_the_number_as_the_current_state_does(world: World) -> None:
    ystad, path, _ = sole_trader_contract(world)
    skurup = world.tenant("skurup")
    version = world.version(f"/api/v1/{path}")
    for client, sees in ((ystad.officer, True), (skurup.officer, False), (ystad.viewer, False)):
        response = client.get(path, query={"version": version})
        if response.status_code == 403:  # viewers read the current state only
            continue
        body = response.get_json()
        assert (body["contract"]["supplier_org_number"] == PERSONNUMMER) is sees
        assert ("-p" in response.headers["ETag"]) is not sees


def test_only_the_recording_municipalitys_admin_or_the_platform_admin_erases(
    world: World,
) -> None:
    ystad, path, party_id = sole_trader_contract(world)
    for client in (ystad.officer, ystad.auditor, ystad.viewer, world.platform_auditor):
        assert_problem(client.delete(f"parties/{party_id}", if_match=None), 404)
    assert ystad.officer.read(f"parties/{party_id}")["erased"] is False
    before = ystad.officer.get(path).headers["ETag"]
    assert ystad.admin.delete(f"parties/{party_id}", if_match=None).status_code == 204
    assert ystad.officer.read(f"parties/{party_id}")["erased"] is True
    after = ystad.officer.get(path)
    assert after.get_json()["contract"]["supplier_org_number"] is None
    # The same version shows something else now: its ETag changed with it.
    assert after.headers["ETag"] != before
    assert after.headers["ETag"].strip('"').split("-")[0] == before.strip('"').split("-")[0]
