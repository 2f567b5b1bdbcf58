"""Procurements taken further than the demo: standstill, review, cancellation, direct award,
withdrawal and edits, each as OCDS releases that validate."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from domain.clock import fixed_clock
from domain.values.timestamps import STOCKHOLM, stockholm_date
from service.demo.scenario import decision
from service.ocds.service import published_release_packages, record_package, release_package
from service.principal import Principal
from tests.ocds.conftest import (
    PLATFORM_AUDITOR,
    Network,
    assert_release_package,
    assert_valid,
    principal,
    tenderer_leaks,
    wire,
)

SUPPLIER_A = {"org_number": "556677-8899", "name": "Värme Åter AB"}
SUPPLIER_B = {"org_number": "556123-4567", "name": "Energi Österlen AB"}


def releases_of(
    network: Network, pid: str, *, now: datetime | None = None, reader: Any = PLATFORM_AUDITOR
) -> list[dict[str, Any]]:
    return assert_release_package(release_package(network.innoledger, reader, pid, now=now))


def compiled_of(network: Network, pid: str, *, now: datetime | None = None) -> dict[str, Any]:
    package = record_package(network.innoledger, PLATFORM_AUDITOR, pid, now=now)
    assert_valid("record-package", package)
    compiled: dict[str, Any] = wire(package)["records"][0]["compiledRelease"]
    return compiled


def test_the_award_is_pending_during_the_standstill_and_active_after(network: Network) -> None:
    pid = network.procurement("skurup", "Överskottsenergi")
    network.to_evaluation(pid, "skurup", [SUPPLIER_A, SUPPLIER_B])
    network.award_now(pid, "skurup", SUPPLIER_A)
    award = network.innoledger.procurement(PLATFORM_AUDITOR, pid).award
    assert award is not None
    signing_from = datetime.combine(award.earliest_signing_day, time.min, STOCKHOLM)

    # Built today, and as of a moment later inside the standstill: the award is pending.
    today = releases_of(network, pid)
    inside = releases_of(network, pid, now=signing_from - timedelta(minutes=1))
    assert inside == today
    assert today[-1]["tag"] == ["award"]
    assert [a["status"] for a in today[-1]["awards"]] == ["pending"]
    assert "Avtalsspärr till och med" in today[-1]["awards"][0]["description"]
    assert (
        compiled_of(network, pid, now=signing_from - timedelta(minutes=1))["awards"][0]["status"]
        == "pending"
    )

    # From the first day the contract may be signed the award is in force: a release of its
    # own, dated then; the releases published before it stay as they were.
    after = releases_of(network, pid, now=signing_from + timedelta(hours=12))
    assert after[:-1] == today
    ended = after[-1]
    assert ended["tag"] == ["awardUpdate"]
    assert ended["id"].endswith("-standstill-ended")
    assert ended["date"] == signing_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert [a["status"] for a in ended["awards"]] == ["active"]
    compiled = compiled_of(network, pid, now=signing_from + timedelta(hours=12))
    assert compiled["awards"][0]["status"] == "active"

    # Tenderers: in the award release and after, never before.
    award_release = next(r for r in today if r["tag"] == ["award"])
    assert all(tenderer_leaks(r) == [] for r in today if r["date"] < award_release["date"])
    assert award_release["tender"]["numberOfTenderers"] == 2


def test_a_review_keeps_the_award_pending_and_a_correction_cancels_it(network: Network) -> None:
    pid = network.procurement("skurup", "Privat mark")
    network.to_evaluation(pid, "skurup", [SUPPLIER_A, SUPPLIER_B])
    network.award_now(pid, "skurup", SUPPLIER_A)
    today = stockholm_date(datetime.now(UTC)).isoformat()
    review_id = network.fact(
        pid,
        "reviews",
        {
            "filed_on": today,
            "court": "Förvaltningsrätten i Malmö",
            "applicant": "Energi Österlen AB",
            "reference": "1234-18",
        },
        "skurup",
    )["created"]["review_id"]
    long_after = datetime.now(UTC) + timedelta(days=60)
    filed = releases_of(network, pid, now=long_after)
    assert filed[-1]["tag"] == ["awardUpdate"]
    # Under review, the end of the standstill does not put the award in force.
    assert not any(r["id"].endswith("standstill-ended") for r in filed)
    assert [a["status"] for a in filed[-1]["awards"]] == ["pending"]
    court = {p["name"]: p["roles"] for p in filed[-1]["parties"]}["Förvaltningsrätten i Malmö"]
    assert court == ["reviewBody"]

    network.fact(
        pid,
        f"reviews/{review_id}/ruling",
        {"ruled_on": today, "outcome": "correct", "summary": "Utvärderingen ska göras om"},
        "skurup",
    )
    ruled = releases_of(network, pid, now=long_after)
    assert ruled[-1]["tag"] == ["awardCancellation"]
    assert [a["status"] for a in ruled[-1]["awards"]] == ["cancelled"]
    assert ruled[-1]["tender"]["status"] == "active"
    compiled = compiled_of(network, pid, now=long_after)
    assert "endDate" not in compiled["tender"]["awardPeriod"]  # the voided award's date cleared

    # Evaluated again and awarded to the other tenderer; then the whole procurement is
    # cancelled: both awards end cancelled.
    network.award_now(pid, "skurup", SUPPLIER_B)
    network.decide(
        pid, decision("cancel", datetime.now(UTC).isoformat(), "Behovet har ändrats"), "skurup"
    )
    releases = releases_of(network, pid, now=long_after)
    assert [r["tag"] for r in releases[-2:]] == [
        ["award"],
        ["tenderCancellation", "awardCancellation"],
    ]
    compiled = compiled_of(network, pid, now=long_after)
    assert compiled["tender"]["status"] == "cancelled"
    assert [a["status"] for a in compiled["awards"]] == ["cancelled", "cancelled"]
    assert len({a["id"] for a in compiled["awards"]}) == 2


def test_an_extended_standstill_keeps_the_award_pending_until_its_first_signing_day(
    network: Network,
) -> None:
    pid = network.procurement("skurup", "Överskottsenergi")
    network.to_evaluation(pid, "skurup", [SUPPLIER_A, SUPPLIER_B])
    network.award_now(pid, "skurup", SUPPLIER_A)
    today = stockholm_date(datetime.now(UTC)).isoformat()
    review = {
        "filed_on": today,
        "court": "Förvaltningsrätten i Malmö",
        "applicant": "Energi Österlen AB",
        "reference": "4321-26",
    }
    review_id = network.fact(pid, "reviews", review, "skurup")["created"]["review_id"]
    # The court rules five days later (the ruling is recorded then: it cannot be dated ahead).
    later = datetime.now(UTC) + timedelta(days=5)
    usual_clock = network.innoledger.event_clock
    network.innoledger.event_clock = fixed_clock(later)
    try:
        network.fact(
            pid,
            f"reviews/{review_id}/ruling",
            {
                "ruled_on": stockholm_date(later).isoformat(),
                "outcome": "dismissed",
                "summary": "Ansökan avslås",
            },
            "skurup",
        )
    finally:
        network.innoledger.event_clock = usual_clock
    procurement = network.innoledger.procurement(PLATFORM_AUDITOR, pid)
    extended = procurement.extended_standstill_last_day
    signing_day = procurement.signing_allowed_from
    assert extended is not None and signing_day is not None
    assert signing_day > procurement.award.earliest_signing_day
    signing_from = datetime.combine(signing_day, time.min, STOCKHOLM)

    # The ordinary standstill's end passes without putting the award in force.
    inside = releases_of(network, pid, now=signing_from - timedelta(minutes=1))
    assert not any(r["id"].endswith("standstill-ended") for r in inside)
    assert [a["status"] for a in inside[-1]["awards"]] == ["pending"]
    description = inside[-1]["awards"][0]["description"]
    assert f"förlängd avtalsspärr (LOU 20 kap. 10 §) till och med {extended}" in description
    assert f"avtal får tecknas från {signing_day}" in description

    after = releases_of(network, pid, now=signing_from + timedelta(hours=1))
    ended = after[-1]
    assert ended["id"].endswith("-standstill-ended")
    assert ended["date"] == signing_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert [a["status"] for a in ended["awards"]] == ["active"]
    compiled = compiled_of(network, pid, now=signing_from + timedelta(hours=1))
    assert compiled["awards"][0]["status"] == "active"
    assert f"till och med {extended}" in compiled["awards"][0]["description"]


def test_a_procurement_cancelled_while_tendering(network: Network) -> None:
    pid = network.procurement("ystad", "Ökat samutnyttjande", cpv="45000000-7")
    network.decide(
        pid,
        decision(
            "publish",
            "2018-05-02T09:00:00+02:00",
            "Dokumenten godkänns",
            notice_id="TEST-1",
            tender_deadline="2018-06-15T12:00:00+02:00",
        ),
        "ystad",
    )
    network.fact(
        pid,
        "bids",
        {
            "tenderer_org_number": SUPPLIER_A["org_number"],
            "tenderer_name": SUPPLIER_A["name"],
            "received_at": "2018-06-10T10:00:00+02:00",
        },
        "ystad",
    )
    network.decide(pid, decision("cancel", "2018-06-20T09:00:00+02:00", "För få anbud"), "ystad")
    for reader in (PLATFORM_AUDITOR, principal("ystad", "officer"), principal("burlov", "viewer")):
        releases = releases_of(network, pid, reader=reader)
        assert [r["tag"] for r in releases][-2:] == [["tender"], ["tenderCancellation"]]
        assert releases[-1]["tender"]["status"] == "cancelled"
        assert releases[-1]["tender"]["mainProcurementCategory"] == "works"
        # Cancelled before any award: the bids stay secret for good.
        assert all(tenderer_leaks(release) == [] for release in releases)
    assert compiled_of(network, pid)["tender"]["status"] == "cancelled"
    listed = every_published_release(network, principal("burlov", "viewer"))
    assert [r["tag"] for r in listed if r["ocid"].endswith(pid)] == [["tenderCancellation"]]


def test_a_direct_award_is_published_by_its_award(network: Network) -> None:
    pid = network.procurement(
        "skurup", "AR i stadsplanering", procedure="direct_award", value="450000.00"
    )
    network.award_now(pid, "skurup", SUPPLIER_A)
    releases = releases_of(network, pid)
    assert [r["tag"] for r in releases] == [
        ["planning"],
        ["planningUpdate"],
        ["planningUpdate"],
        ["award"],
    ]
    last = releases[-1]
    assert last["tender"]["procurementMethod"] == "direct"
    assert last["tender"]["procurementMethodDetails"] == "Direktupphandling"
    assert last["tender"]["mainProcurementCategory"] == "services"  # CPV 72: IT services
    assert [a["status"] for a in last["awards"]] == ["active"]  # no standstill
    assert "ingen avtalsspärr" in last["awards"][0]["description"]
    roles = {p["id"]: p["roles"] for p in last["parties"]}
    assert roles[f"SE-ORG-{SUPPLIER_A['org_number']}"] == ["supplier"]
    # Never published by a notice, it enters the network list with its award.
    listed = every_published_release(network, principal("burlov", "viewer"))
    assert [r["id"] for r in listed if r["ocid"].endswith(pid)] == [last["id"]]


def test_what_is_taken_back_is_cleared_from_the_compiled_release(network: Network) -> None:
    ai = network.demo.procurements["ai"]
    network.call(
        "POST",
        f"procurements/{ai}/participation",
        "burlov",
        "decision_maker",
        decision("withdraw", "2018-08-01T09:00:00+02:00", "Vi prioriterar annat"),
        versioned=ai,
    )
    releases = releases_of(network, ai, reader=principal("ystad", "officer"))
    assert releases[-1]["tag"] == ["planningUpdate"]
    roles = {p["name"]: p["roles"] for p in compiled_of(network, ai)["parties"]}
    assert roles["Burlövs kommun"] == []
    assert roles["Trelleborgs kommun"] == ["buyer"]

    pid = network.procurement("ystad", "Samutnyttjade lokaler")
    compiled = compiled_of(network, pid)
    assert compiled["tender"]["mainProcurementCategory"] == "services"
    assert compiled["tender"]["items"][0]["classification"] == {"scheme": "CPV", "id": "72000000"}
    network.call(
        "PATCH", f"procurements/{pid}", "ystad", "officer", {"cpv_code": None}, versioned=pid
    )
    compiled = compiled_of(network, pid)
    assert "mainProcurementCategory" not in compiled["tender"]
    assert not compiled["tender"]["items"][0].get("classification")


def test_closing_terminates_the_contract(network: Network) -> None:
    floors = network.demo.procurements["floors"]
    network.decide(
        floors,
        decision("close", "2019-12-16T10:00:00+01:00", "Piloten är klar", outcome="completed"),
        "skurup",
    )
    releases = releases_of(network, floors, reader=principal("kavlinge", "viewer"))
    assert releases[-1]["tag"] == ["contractTermination"]
    [contract] = releases[-1]["contracts"]
    assert contract["status"] == "terminated"
    assert contract["period"] == {
        "startDate": "2019-01-28T00:00:00+01:00",
        "endDate": "2019-12-16T09:00:00Z",
    }
    assert contract["description"] == "Avtalet är fullgjort."
    assert compiled_of(network, floors)["contracts"][0]["status"] == "terminated"


def every_published_release(network: Any, reader: Principal) -> list[dict[str, Any]]:
    """The network list of published releases, every page of it: the demo's ordinary purchasing
    fills the first pages long before a procurement the test made itself."""
    releases: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = published_release_packages(network.innoledger, reader, cursor, 1000)
        releases += wire(page.package)["releases"]
        if page.next_cursor is None:
            return releases
        cursor = page.next_cursor
