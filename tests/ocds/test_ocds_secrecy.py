"""Bids and tenderers are secret until the award decision, in every OCDS package."""

from __future__ import annotations

from uuid import UUID

import pytest

from service.demo.scenario import SUPPLIERS
from service.ocds import jsonio
from service.ocds.mapping import ExportContext, Organisation, build_releases
from service.ocds.service import published_release_packages, record_package, release_package
from tests.ocds.conftest import (
    PLATFORM_AUDITOR,
    Network,
    assert_release_package,
    principal,
    tenderer_leaks,
    wire,
)

READERS = {
    # The lead's officers, decision makers and auditors see bids before the award in the API;
    # OCDS is a publication, and publishes none of it before the award either.
    "lead officer": principal("ystad", "officer"),
    "lead decision maker": principal("ystad", "decision_maker"),
    "lead auditor": principal("ystad", "auditor"),
    "other officer": principal("skurup", "officer"),
    "platform auditor": PLATFORM_AUDITOR,
}


@pytest.mark.parametrize("reader", list(READERS))
def test_nothing_of_a_bid_shows_before_the_award(demo_network: Network, reader: str) -> None:
    app, who = demo_network.innoledger, READERS[reader]
    sharing = demo_network.demo.procurements["sharing"]  # tendering, with one bid in
    packages = [
        release_package(app, who, sharing),
        record_package(app, who, sharing),
        published_release_packages(app, who).package,
    ]
    for package in packages:
        text = jsonio.dumps(package)
        assert SUPPLIERS["sharing"]["org_number"] not in text
        assert SUPPLIERS["sharing"]["name"] not in text
    releases = assert_release_package(packages[0])
    assert [r["tag"] for r in releases][-1] == ["tender"]  # the bid itself has no release
    compiled = wire(packages[1])["records"][0]["compiledRelease"]
    for release in [*releases, compiled]:
        assert tenderer_leaks(release) == []


@pytest.mark.parametrize("reader", ["lead officer", "other viewer", "platform auditor"])
def test_tenderers_appear_from_the_award_release_on(demo_network: Network, reader: str) -> None:
    who = {
        "lead officer": principal("skurup", "officer"),
        "other viewer": principal("kavlinge", "viewer"),
        "platform auditor": PLATFORM_AUDITOR,
    }[reader]
    floors = demo_network.demo.procurements["floors"]
    releases = assert_release_package(release_package(demo_network.innoledger, who, floors))
    [award] = [r for r in releases if r["tag"] == ["award"]]
    for release in releases:
        if release["date"] < award["date"]:
            assert tenderer_leaks(release) == [], release["tag"]
        else:
            assert release["tender"]["numberOfTenderers"] == 2
            assert len(release["tender"]["tenderers"]) == 2


def test_a_reader_who_may_not_see_bids_never_gets_tenderers(demo_network: Network) -> None:
    """The mapping on its own: with bids not disclosed to the reader, the award still names
    its supplier, but nobody is a tenderer, in any release."""
    app = demo_network.innoledger
    floors = demo_network.demo.procurements["floors"]
    state = app.procurement(PLATFORM_AUDITOR, floors)
    municipality = app.municipality(PLATFORM_AUDITOR, state.lead)
    context = ExportContext(
        ocid=f"ocds-test-{floors}",
        municipalities={
            state.lead: Organisation(municipality.name, municipality.organisation_number)
        },
        now=state.modified_on,
        disclose_bids=False,
    )
    history = [
        (stored.topic, app.mapper.to_domain_event(stored))
        for stored in app.recorder.select_events(UUID(floors))
    ]
    releases = build_releases(history, context)  # type: ignore[arg-type]
    assert releases and all(tenderer_leaks(release) == [] for release in releases)
    supplier = f"SE-ORG-{SUPPLIERS['floors']['org_number']}"
    parties = {p["id"]: p["roles"] for p in releases[-1]["parties"]}
    assert parties[supplier] == ["supplier"]
    assert SUPPLIERS["floors_runner_up"]["org_number"] not in jsonio.dumps(releases)
