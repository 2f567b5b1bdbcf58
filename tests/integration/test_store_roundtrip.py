"""The whole work model through the application, then reloaded from the store (SQLite and
PostgreSQL): a new `Innoledger` on the same store gives back identical aggregates, and
as-of reads give the historical states, with snapshots taken every three events."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from domain.municipality import municipality_id
from service.innoledger import Innoledger
from service.settings import Settings
from tests.builders import (
    AWARD_AT,
    BID_AT,
    CLOSE_AT,
    CONTRACT_VALUE,
    ESTIMATED_VALUE,
    EVALUATION_AT,
    FOLLOW_UP_ON,
    LATE_BID_AT,
    MILESTONE_ON,
    NOTIFIED_AT,
    PROCEDURE_AT,
    PUBLISH_AT,
    REALISED_AT,
    SCREEN_AT,
    SIGN_AT,
    SIGN_ON,
    STANDSTILL_LAST_DAY,
    SUPPLIER_A,
    SUPPLIER_B,
    SUPPLIER_C,
    TENDER_DEADLINE,
    Team,
    analysed_need,
    capture_saves,
    comparable_state,
    decision,
    replay,
    setup_tenant,
)


@pytest.fixture
def settings(store_settings: Settings) -> Settings:
    return dataclasses.replace(store_settings, snapshot_interval=3)


@pytest.fixture
def app(settings: Settings) -> Iterator[Innoledger]:
    app = Innoledger(settings)
    yield app
    app.close()


@dataclasses.dataclass
class Scenario:
    need_id: str
    procurement_id: str
    need_versions: dict[str, int]
    procurement_versions: dict[str, int]
    positions: list[int]


def run_seed_scenario(app: Innoledger) -> Scenario:
    positions: list[int] = []

    def step(result: Any) -> int:
        positions.append(result.position)
        return result.version

    ystad = setup_tenant(app, "ystad")
    skurup = setup_tenant(app, "skurup")
    need_versions: dict[str, int] = {}
    need_id, version = analysed_need(app, ystad)
    need_versions["analysed"] = version
    version = step(
        app.decide_on_need(
            ystad.decision_maker,
            need_id,
            decision=decision(
                "prioritise",
                SCREEN_AT.replace(month=3),
                scores={
                    "impact": 5,
                    "feasibility": 4,
                    "market_readiness": 3,
                    "cost_viability": 4,
                    "organisational_readiness": 5,
                },
            ),
            expected_version=version,
        )
    )
    need_versions["prioritised"] = version
    version = step(
        app.decide_on_need(
            ystad.decision_maker,
            need_id,
            decision=decision("decide_to_procure", SCREEN_AT.replace(month=4)),
            expected_version=version,
        )
    )
    need_versions["procurement_decided"] = version

    started = app.start_procurement(
        ystad.officer,
        title="Lärprocess för AI",
        description="Gemensam innovationsupphandling av ett AI-stöd för lärande.",
        estimated_value_sek=ESTIMATED_VALUE,
        need_ids=[need_id],
        case_number="KS 2018/123",
        cpv_code="48000000-8",
    )
    positions.append(started.position)
    procurement_id = started.aggregate_id
    need_versions["in_procurement"] = version + 1
    p_versions = {"planning": started.version}
    v = started.version

    def lead(kind: str, decided_at: Any, /, **extra: Any) -> int:
        nonlocal v
        v = step(
            app.decide_on_procurement(
                ystad.decision_maker,
                procurement_id,
                decision=decision(kind, decided_at, **extra),
                expected_version=v,
            )
        )
        return v

    def officer(command: str, **kwargs: Any) -> int:
        nonlocal v
        v = step(getattr(app, command)(ystad.officer, procurement_id, expected_version=v, **kwargs))
        return v

    officer("invite_participant", municipality="skurup", role="co_lead")
    v = step(
        app.decide_participation(
            skurup.decision_maker,
            procurement_id,
            decision=decision("join", SCREEN_AT),
            expected_version=v,
        )
    )
    officer(
        "record_market_dialogue",
        kind="rfi",
        held_on=date(2018, 4, 20),
        supplier_count=9,
        summary="RFI till marknaden",
    )
    lead("screen", SCREEN_AT, innovation=True, kind="functional_requirements")
    p_versions["procedure_chosen"] = lead("choose_procedure", PROCEDURE_AT, procedure="open")
    p_versions["published"] = lead(
        "publish", PUBLISH_AT, notice_id="TED-2018/S-123456", tender_deadline=TENDER_DEADLINE
    )
    for supplier, received_at in (
        (SUPPLIER_A, BID_AT),
        (SUPPLIER_B, BID_AT),
        (SUPPLIER_C, LATE_BID_AT),
    ):
        officer(
            "record_bid",
            tenderer_org_number=supplier["org_number"],
            tenderer_name=supplier["name"],
            received_at=received_at,
        )
    p_versions["evaluation"] = officer("start_evaluation", at=EVALUATION_AT)
    p_versions["awarded"] = lead(
        "award",
        AWARD_AT,
        suppliers=[SUPPLIER_A],
        evaluation_summary="Bästa förhållandet mellan pris och kvalitet.",
        notification_sent_at=NOTIFIED_AT,
        sent_electronically=True,
    )
    p_versions["contracted"] = lead(
        "sign_contract",
        SIGN_AT,
        supplier_org_number=SUPPLIER_A["org_number"],
        contract_value_sek=CONTRACT_VALUE,
        signed_on=SIGN_ON,
    )
    p_versions["implementing"] = officer(
        "record_milestone", title="Pilot i tre skolor", reached_on=MILESTONE_ON
    )
    officer(
        "record_follow_up",
        need_id=need_id,
        followed_up_on=FOLLOW_UP_ON,
        effect="Lärarna använder AI-stödet varje vecka",
        measurement="80 % av lärarna i piloten",
    )
    officer("record_lesson", text="Lägg tid på behoven och på nätverket", shareable=True)
    p_versions["closed"] = lead("close", CLOSE_AT, outcome="completed")

    need_versions["realised"] = step(
        app.decide_on_need(
            ystad.decision_maker,
            need_id,
            decision=decision("mark_realised", REALISED_AT),
            expected_version=need_versions["in_procurement"],
        )
    )
    return Scenario(need_id, procurement_id, need_versions, p_versions, positions)


AUDITOR = Team("ystad").auditor


def test_the_seed_scenario_reloads_identically_in_a_new_application(settings, app):
    live = capture_saves(app)
    scenario = run_seed_scenario(app)

    need = app.need(AUDITOR, scenario.need_id)
    procurement = app.procurement(AUDITOR, scenario.procurement_id)
    assert need.status == "realised"
    assert need.version == scenario.need_versions["realised"]
    assert [d["type"] for d in need.decisions] == [
        "prioritise", "decide_to_procure", "mark_realised"
    ]  # fmt: skip
    assert procurement.status == "closed"
    assert procurement.participant("skurup").status == "joined"
    assert [b.late for b in procurement.bids] == [False, False, True]
    assert procurement.award.standstill_last_day == STANDSTILL_LAST_DAY
    assert procurement.contract.signed_on == SIGN_ON
    assert procurement.above_threshold is False
    assert scenario.positions == sorted(scenario.positions)
    assert len(set(scenario.positions)) == len(scenario.positions)

    ids = [
        scenario.need_id,
        scenario.procurement_id,
        str(municipality_id("ystad")),
        str(municipality_id("skurup")),
    ]
    assert set(ids) <= set(live)
    reopened = Innoledger(settings)
    try:
        for aggregate_id in ids:
            reloaded = reopened.repository.get(uuid.UUID(aggregate_id))
            assert reloaded == live[aggregate_id]
            assert comparable_state(reloaded) == comparable_state(live[aggregate_id])
            assert reloaded == replay(reopened, aggregate_id)
        assert reopened.need(AUDITOR, scenario.need_id) == need
        assert reopened.procurement(AUDITOR, scenario.procurement_id) == procurement
        assert reopened.municipality(AUDITOR, "ystad") == app.municipality(AUDITOR, "ystad")
        assert reopened.recorder.max_notification_id() == scenario.positions[-1]
    finally:
        reopened.close()


def test_as_of_a_version_gives_the_historical_state(settings, app):
    scenario = run_seed_scenario(app)
    reopened = Innoledger(settings)
    try:
        for reader in (app, reopened):
            as_of = {
                label: reader.need(AUDITOR, scenario.need_id, version=version)
                for label, version in scenario.need_versions.items()
            }
            assert as_of["analysed"].status == "identified"
            assert len(as_of["analysed"].swot) == 4
            assert as_of["analysed"].decisions == []
            assert as_of["prioritised"].status == "prioritised"
            assert as_of["procurement_decided"].status == "procurement_decided"
            assert as_of["procurement_decided"].procurement_id is None
            assert as_of["in_procurement"].procurement_id == scenario.procurement_id
            assert as_of["realised"].status == "realised"
            for label, version in scenario.need_versions.items():
                assert as_of[label].version == version

            for label, version in scenario.procurement_versions.items():
                historical = reader.procurement(AUDITOR, scenario.procurement_id, version=version)
                assert historical.version == version
                expected_status = {
                    "procedure_chosen": "planning",
                    "published": "tendering",
                }.get(label, label)
                assert historical.status == expected_status
            before_signing = reader.procurement(
                AUDITOR,
                scenario.procurement_id,
                version=scenario.procurement_versions["contracted"] - 1,
            )
            assert before_signing.status == "awarded"
            assert before_signing.contract is None
            assert before_signing.bids_disclosed is True
            published = reader.procurement(
                AUDITOR, scenario.procurement_id, version=scenario.procurement_versions["published"]
            )
            assert published.bids == []
            assert published.bids_disclosed is False
    finally:
        reopened.close()


def test_every_historical_version_equals_a_replay_of_its_events(app):
    """Snapshots every three events must not change what any version looks like."""
    scenario = run_seed_scenario(app)
    readers = {
        scenario.need_id: app.need,
        scenario.procurement_id: app.procurement,
    }
    for aggregate_id, read in readers.items():
        current = read(AUDITOR, aggregate_id).version
        assert current > 6
        for version in range(1, current + 1):
            historical = read(AUDITOR, aggregate_id, version=version)
            assert historical == replay(app, aggregate_id, lte=version), version
    ystad = app.municipality(AUDITOR, "ystad")
    for version in range(1, ystad.version + 1):
        assert app.municipality(AUDITOR, "ystad", version=version) == replay(
            app, municipality_id("ystad"), lte=version
        )
    assert app.snapshots is not None
    assert list(app.snapshots.get(municipality_id("ystad")))
