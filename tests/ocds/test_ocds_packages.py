"""The demo network as OCDS: valid packages, the mapping, records, the network list."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import ocdsmerge
import pytest

from domain.errors import InvalidValue
from service.demo.network import MUNICIPALITIES
from service.demo.scenario import SUPPLIERS
from service.errors import NotFound
from service.ocds import jsonio
from service.ocds.service import published_release_packages, record_package, release_package
from tests.ocds.conftest import (
    PLATFORM_AUDITOR,
    SCHEMA_BASE,
    Network,
    assert_codelists,
    assert_release_package,
    assert_valid,
    make_network,
    ocds_dir,
    principal,
    wire,
)

LEADS = {"floors": "skurup", "sharing": "ystad", "ai": "ystad"}
ORG_NUMBERS = {m["slug"]: m["organisation_number"] for m in MUNICIPALITIES}


def test_the_shipped_schemas_and_codelists_are_the_official_unmodified_ones() -> None:
    shipped = ocds_dir()
    listed = {}
    for line in (shipped / "SHA256SUMS").read_text("utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    present = {
        path.relative_to(shipped).as_posix()
        for path in shipped.rglob("*")
        if path.suffix in {".json", ".csv"}
    }
    assert present == set(listed), "every vendored file is listed in SHA256SUMS, and only those"
    for name, digest in listed.items():
        assert hashlib.sha256((shipped / name).read_bytes()).hexdigest() == digest, name
    # The official release schema names its own version; the package schemas point at it.
    release = json.loads((shipped / "release-schema.json").read_text("utf-8"))
    assert release["id"] == SCHEMA_BASE + "release-schema.json"
    assert "Apache" in (shipped / "NOTICE.md").read_text("utf-8")
    assert "Apache License" in (shipped / "LICENSE-Apache-2.0.txt").read_text("utf-8")


@pytest.mark.parametrize("pilot", ["floors", "sharing", "ai"])
@pytest.mark.parametrize("reader", ["lead officer", "lead viewer", "other viewer", "auditor"])
def test_every_release_package_of_the_demo_is_valid(
    demo_network: Network, pilot: str, reader: str
) -> None:
    lead = LEADS[pilot]
    who = {
        "lead officer": principal(lead, "officer"),
        "lead viewer": principal(lead, "viewer"),
        # Burlöv joined the AI pilot; it sees the others because they are published.
        "other viewer": principal("burlov", "viewer"),
        "auditor": PLATFORM_AUDITOR,
    }[reader]
    package = release_package(demo_network.innoledger, who, demo_network.demo.procurements[pilot])
    releases = assert_release_package(package)
    assert releases[0]["tag"] == ["planning"]
    assert package["publishedDate"] == releases[-1]["date"]


def test_the_contracted_pilot_runs_from_planning_to_implementation(demo_network: Network) -> None:
    package = release_package(
        demo_network.innoledger, PLATFORM_AUDITOR, demo_network.demo.procurements["floors"]
    )
    releases = assert_release_package(package)
    assert [r["tag"] for r in releases] == [
        ["planning"],
        ["planningUpdate"],  # screened
        ["planningUpdate"],  # market dialogue (RFI)
        ["planningUpdate"],  # procedure chosen
        ["tender"],
        ["tenderUpdate"],  # evaluation started; the two bids before it have no release
        ["award"],
        ["awardUpdate"],  # a review filed during the standstill
        ["awardUpdate"],  # dismissed: the extended standstill runs from the ruling
        ["contract"],
        ["implementation"],  # milestone
        ["implementation"],  # follow-up
    ]
    ocid = releases[0]["ocid"]
    assert ocid == f"ocds-innoledger-{demo_network.demo.procurements['floors']}"
    versions = [int(r["id"].removeprefix(f"{ocid}-")) for r in releases]
    assert versions == [1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14]

    last = releases[-1]
    skurup = f"SE-ORG-{ORG_NUMBERS['skurup']}"
    winner = f"SE-ORG-{SUPPLIERS['floors']['org_number']}"
    runner_up = f"SE-ORG-{SUPPLIERS['floors_runner_up']['org_number']}"
    assert last["buyer"] == {"id": skurup, "name": "Skurups kommun"}
    parties = {p["id"]: p for p in last["parties"]}
    assert parties[skurup]["roles"] == ["buyer", "procuringEntity"]
    assert parties[skurup]["identifier"] == {
        "scheme": "SE-ORG",
        "id": ORG_NUMBERS["skurup"],
        "legalName": "Skurups kommun",
    }
    assert parties[winner]["roles"] == ["tenderer", "supplier"]
    assert parties[runner_up]["roles"] == ["tenderer"]

    tender = last["tender"]
    assert tender["status"] == "complete"
    assert tender["procurementMethod"] == "open"
    assert tender["procurementMethodDetails"] == "Öppet förfarande"
    assert tender["mainProcurementCategory"] == "goods"  # CPV 39713000: division 39
    assert tender["items"] == [
        {
            "id": "1",
            "description": "Rena golv i förskolan",
            "classification": {"scheme": "CPV", "id": "39713000"},
        }
    ]
    assert tender["value"] == {"amount": jsonio.loads("1200000.00"), "currency": "SEK"}
    assert tender["tenderPeriod"] == {
        "startDate": "2018-09-03T07:00:00Z",
        "endDate": "2018-10-15T21:59:00Z",
    }
    assert tender["numberOfTenderers"] == 2
    assert {t["id"] for t in tender["tenderers"]} == {winner, runner_up}
    assert last["planning"]["rationale"].startswith("Innovationsscreening: innovationsupphandling")
    assert last["planning"]["milestones"][0]["type"] == "engagement"

    [award] = last["awards"]
    assert award["status"] == "active"  # recorded long after the standstill ended
    assert award["date"] == "2018-12-20T07:00:00Z"
    assert award["suppliers"] == [{"id": winner, "name": SUPPLIERS["floors"]["name"]}]
    [contract] = last["contracts"]
    assert contract["awardID"] == award["id"]
    assert contract["status"] == "active"
    assert contract["value"] == {"amount": jsonio.loads("1150000.00"), "currency": "SEK"}
    assert contract["dateSigned"] == "2019-01-28T00:00:00+01:00"
    assert contract["period"] == {"startDate": "2019-01-28T00:00:00+01:00"}
    milestones = contract["implementation"]["milestones"]
    assert [(m["type"], m["status"], m["dateMet"]) for m in milestones] == [
        ("delivery", "met", "2019-03-01T00:00:00+01:00"),
        ("assessment", "met", "2019-06-15T00:00:00+02:00"),
    ]


def test_the_joint_pilot_has_every_municipality_that_joined_as_buyer(
    demo_network: Network,
) -> None:
    package = release_package(
        demo_network.innoledger, principal("ystad", "officer"), demo_network.demo.procurements["ai"]
    )
    last = assert_release_package(package)[-1]
    roles = {p["identifier"]["id"]: p["roles"] for p in last["parties"]}
    assert roles == {
        ORG_NUMBERS["ystad"]: ["buyer", "procuringEntity"],
        **{ORG_NUMBERS[s]: ["buyer"] for s in ("trelleborg", "staffanstorp", "kavlinge", "burlov")},
    }
    assert last["tender"]["status"] == "planning"
    assert last["tender"]["procurementMethod"] == "selective"
    assert last["tender"]["procurementMethodDetails"] == "Innovationspartnerskap"
    assert "mainProcurementCategory" not in last["tender"]  # no CPV code given
    assert "items" not in last["tender"]
    # Market dialogue held by the co-lead is a planning milestone.
    assert [m["type"] for m in last["planning"]["milestones"]] == ["engagement"]


def test_amounts_are_json_numbers_with_exactly_two_decimals(demo_network: Network) -> None:
    package = record_package(
        demo_network.innoledger, PLATFORM_AUDITOR, demo_network.demo.procurements["floors"]
    )
    text = jsonio.dumps(package)
    amounts = re.findall(r'"amount":([^,}]+)', text)
    assert amounts and all(re.fullmatch(r"\d+\.\d\d", amount) for amount in amounts), amounts
    assert '"amount":1150000.00' in text
    assert isinstance(
        json.loads(text)["records"][0]["compiledRelease"]["tender"]["value"]["amount"], float
    )  # a number, not a string
    with pytest.raises(TypeError):
        jsonio.dumps({"amount": 1.5})


@pytest.mark.parametrize("pilot", ["floors", "sharing", "ai"])
def test_the_record_compiles_the_releases_with_ocdsmerge(demo_network: Network, pilot: str) -> None:
    lead = principal(LEADS[pilot], "officer")
    app = demo_network.innoledger
    package = record_package(app, lead, demo_network.demo.procurements[pilot])
    assert_valid("record-package", package)
    [record] = wire(package)["records"]
    releases = wire(release_package(app, lead, demo_network.demo.procurements[pilot]))["releases"]
    assert record["releases"] == releases
    assert record["ocid"] == releases[0]["ocid"]
    official = json.loads((ocds_dir() / "release-schema.json").read_text("utf-8"))
    merged = ocdsmerge.Merger(schema=official).create_compiled_release(releases)
    assert record["compiledRelease"] == wire(merged)
    assert record["compiledRelease"]["tag"] == ["compiled"]
    assert_valid("release", record["compiledRelease"])
    assert_codelists(record["compiledRelease"])


def test_another_tenants_unpublished_procurement_is_absent(demo_network: Network) -> None:
    ai = demo_network.demo.procurements["ai"]
    for build in (release_package, record_package):
        with pytest.raises(NotFound):
            build(demo_network.innoledger, principal("skurup", "officer"), ai)
        with pytest.raises(NotFound):
            build(demo_network.innoledger, principal("platform", "platform_admin"), ai)
    with pytest.raises(NotFound):
        release_package(demo_network.innoledger, PLATFORM_AUDITOR, "not-a-procurement")


def test_the_network_list_has_the_latest_release_of_every_published_procurement(
    demo_network: Network,
) -> None:
    app, ids = demo_network.innoledger, demo_network.demo.procurements
    reader = principal("burlov", "viewer")
    # The demo's ordinary purchasing is published too: one page holds the whole network.
    page = published_release_packages(app, reader, None, 1000)
    releases = assert_release_package_list(page.package)
    latest = {
        pilot: wire(release_package(app, reader, ids[pilot]))["releases"][-1]
        for pilot in ("floors", "sharing")
    }
    # Published order; the AI pilot is still in planning, so not in the list, not even for
    # Ystad, its lead.
    pilots = [r for r in releases if r["ocid"] in {latest[p]["ocid"] for p in latest}]
    assert pilots == [latest["floors"], latest["sharing"]]
    assert not any(r["ocid"].endswith(ids["ai"]) for r in releases)
    assert page.next_cursor is None and "links" not in page.package
    assert (
        wire(published_release_packages(app, principal("ystad", "officer"), None, 1000).package)[
            "releases"
        ]
        == releases
    )

    first = published_release_packages(app, reader, None, 1, link=lambda c: f"https://x/?c={c}")
    assert assert_release_package_list(first.package) == releases[:1]
    assert first.next_cursor is not None
    assert first.package["links"] == {"next": f"https://x/?c={first.next_cursor}"}
    second = published_release_packages(app, reader, first.next_cursor, 1)
    assert assert_release_package_list(second.package) == releases[1:2]
    last = published_release_packages(app, reader, first.next_cursor, len(releases) - 1)
    assert last.next_cursor is None and assert_release_package_list(last.package) == releases[1:]

    # The platform admin takes part in no procurement.
    nobody = published_release_packages(app, principal(None, "platform_admin"))
    assert nobody.package["releases"] == [] and nobody.next_cursor is None
    with pytest.raises(InvalidValue):
        published_release_packages(app, reader, "²")


def assert_release_package_list(package: dict[str, Any]) -> list[dict[str, Any]]:
    """A valid release package with one release per process."""
    assert_valid("release-package", package)
    releases: list[dict[str, Any]] = wire(package)["releases"]
    assert len({r["ocid"] for r in releases}) == len(releases)
    for release in releases:
        assert_codelists(release)
    return releases


def test_the_ocid_prefix_is_configurable(tmp_path: Path) -> None:
    network = make_network(tmp_path, ocid_prefix="ocds-b5fd17")
    try:
        floors = network.demo.procurements["floors"]
        package = release_package(network.innoledger, PLATFORM_AUDITOR, floors)
        releases = assert_release_package(package, ocid_prefix="ocds-b5fd17")
        assert releases[0]["ocid"] == f"ocds-b5fd17-{floors}"
        assert releases[0]["id"] == f"ocds-b5fd17-{floors}-1"
        record = record_package(network.innoledger, PLATFORM_AUDITOR, floors)
        assert record["records"][0]["compiledRelease"]["ocid"] == f"ocds-b5fd17-{floors}"
    finally:
        network.app.extensions["innoledger"].close()
