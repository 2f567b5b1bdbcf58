"""The decision log and the tenant index after each kind of event that changes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.decisions import DECISION_TYPES
from domain.municipality import municipality_id
from eventstore.sql import SqlStore
from projections import queries
from service.innoledger import Innoledger
from tests.builders import (
    AWARD_AT,
    CLOSE_AT,
    PRIORITISED_AT,
    PROCEDURE_AT,
    REALISED_AT,
    SCORES,
    board_decision,
    decision,
)
from tests.projections.conftest import sync
from tests.projections.scenario import Scenario


def all_decisions(store: SqlStore, **filters: Any) -> list[dict[str, Any]]:
    """The decisions on needs and procurements (grants of roles only when asked for)."""
    filters.setdefault("decision_type", list(DECISION_TYPES))
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = queries.list_decisions(store, cursor=cursor, limit=7, **filters)
        rows.extend(page.rows)
        if page.next_cursor is None:
            return rows
        cursor = page.next_cursor


def take_every_project_decision(app: Innoledger, s: Scenario, procurement: str) -> None:
    project = app.establish_project(
        s.ystad.decision_maker, title="Utvecklingsprojekt", description="Med stöd av Vinnova",
        starts_on="2018-01-15", decision=decision("establish_project", PRIORITISED_AT),
    ).aggregate_id
    for slug in ("skurup", "trelleborg"):
        app.add_project_partner(
            s.ystad.officer, project, kind="municipality", municipality=slug, role="partner",
            expected_version=s.version(project),
        )
    for tenant, kind in ((s.skurup, "join_project"), (s.trelleborg, "decline_project"),
                         (s.skurup, "withdraw_from_project")):
        app.decide_on_project(tenant.decision_maker, project, decision=decision(kind, PROCEDURE_AT),
                              expected_version=s.version(project))
    for kind in ("link_to_project", "unlink_from_project"):
        app.decide_on_project(
            s.ystad.decision_maker, project,
            decision=decision(kind, AWARD_AT, kind="procurement", object_id=procurement),
            expected_version=s.version(project),
        )


def test_every_decision_type_is_logged_with_who_when_why_and_authority(
    app: Innoledger, store: SqlStore
):
    s = Scenario(app)
    parked = s.need(s.ystad, "Parkerat", swot=True)
    s.decide_need(s.ystad, parked, "park")
    s.decide_need(s.ystad, parked, "reopen")
    s.decide_need(s.ystad, parked, "reject", reason="duplicate")
    need = s.decided_need(s.ystad, "Lärprocess")  # prioritise, decide_to_procure
    procurement = s.procurement(s.ystad, [need])
    app.invite_participant(
        s.ystad.officer,
        procurement,
        municipality="skurup",
        role="participant",
        expected_version=s.version(procurement),
    )
    app.decide_participation(
        s.skurup.decision_maker,
        procurement,
        decision=decision("join", PROCEDURE_AT),
        expected_version=s.version(procurement),
    )
    app.decide_participation(
        s.skurup.decision_maker,
        procurement,
        decision=decision("withdraw", PROCEDURE_AT),
        expected_version=s.version(procurement),
    )
    s.walk(s.ystad, procurement, "closed")  # screen ... sign_contract, close
    s.decide_need(s.ystad, need, "mark_realised")
    other = s.procurement(s.ystad, [s.decided_need(s.ystad, "Annat")])
    app.invite_participant(
        s.ystad.officer,
        other,
        municipality="trelleborg",
        role="participant",
        expected_version=s.version(other),
    )
    app.decide_participation(
        s.trelleborg.decision_maker,
        other,
        decision=decision("decline", PROCEDURE_AT),
        expected_version=s.version(other),
    )
    app.decide_on_procurement(
        s.ystad.decision_maker,
        other,
        decision=board_decision("cancel", AWARD_AT),
        expected_version=s.version(other),
    )
    target = board_decision("adopt_innovation_target", AWARD_AT)
    app.adopt_innovation_target(
        s.ystad.decision_maker,
        "ystad",
        year=2019,
        target_percent="25",
        decision={k: target[k] for k in ("rationale", "authority", "decided_at")},
        expected_version=s.version(str(municipality_id("ystad"))),
    )
    ended = s.procurement(s.ystad, [s.decided_need(s.ystad, "Avslutat i förtid")])
    s.walk(s.ystad, ended, "contracted")
    s.decide(s.ystad, ended, "terminate_early", CLOSE_AT, reason="need_ceased")
    take_every_project_decision(app, s, ended)
    for kind in ("publish_to_market", "withdraw_from_market"):
        app.decide_market_publication(s.ystad.decision_maker, need,
                                      decision=decision(kind, REALISED_AT),
                                      expected_version=s.version(need))
    sync(app)

    rows = all_decisions(store, scope=None)
    assert sorted({r["decision_type"] for r in rows}) == sorted(DECISION_TYPES)
    # The admins' grants of roles are logged too (separation of duties is audited).
    grants = all_decisions(store, scope="ystad", decision_type=["grant_role"])
    assert {(g["details"]["user_id"], g["details"]["role"]) for g in grants} >= {
        ("ystad-decision-maker", "decision_maker")
    }
    positions = [r["position"] for r in rows]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)

    [prioritise] = [
        r for r in rows if r["decision_type"] == "prioritise" and r["aggregate_id"] == need
    ]
    assert prioritise["aggregate_type"] == "Need" and prioritise["event_type"] == "Prioritised"
    assert prioritise["decided_by"] == "ystad-decision-maker"
    assert prioritise["roles"] == ["decision_maker"]
    assert prioritise["municipality"] == "ystad" and prioritise["tenant"] == "ystad"
    assert prioritise["decided_at"] == "2018-03-14T10:00:00.000000+00:00"
    assert prioritise["recorded_at"] > "2020"  # transaction time: when it was recorded
    assert prioritise["rationale"] == "Motivering: prioritise"
    assert prioritise["authority"]["kind"] == "delegation"
    assert prioritise["authority"]["rule_id"] == "D-prioritise"
    assert prioritise["details"]["scores"] == SCORES
    assert prioritise["details"]["weighted_total"] == "4.00"

    [cancel] = [r for r in rows if r["decision_type"] == "cancel"]
    assert cancel["authority"] == {
        "kind": "board",
        "body": "Kommunstyrelsen",
        "meeting_date": AWARD_AT.date().isoformat(),
        "minutes_reference": "Kommunstyrelsen 2018-03-14 § 45",
    }
    assert cancel["value_sek"] == "1500000.00"
    [signed, _] = [r for r in rows if r["decision_type"] == "sign_contract"]
    assert signed["details"]["contract_value_sek"] == "1450000.00"
    assert signed["value_sek"] == "1450000.00"


def test_decision_log_scopes_and_filters(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    need = s.decided_need(s.ystad, "Lärprocess")
    procurement = s.procurement(s.ystad, [need])
    app.invite_participant(
        s.ystad.officer,
        procurement,
        municipality="skurup",
        role="participant",
        expected_version=s.version(procurement),
    )
    joined = app.decide_participation(
        s.skurup.decision_maker,
        procurement,
        decision=decision("join", PROCEDURE_AT),
        expected_version=s.version(procurement),
    )
    s.decided_need(s.skurup, "Skurups eget")
    s.decided_need(s.trelleborg, "Trelleborgs eget")
    sync(app)

    everything = all_decisions(store, scope=None)
    # Each municipality's board adopted its delegation order: a decision in the log as well.
    adoptions = [r for r in everything if r["decision_type"] == "adopt_delegation_order"]
    assert {r["municipality"] for r in adoptions} == {"ystad", "skurup", "trelleborg"}
    assert {r["authority"]["kind"] for r in adoptions} == {"board"}
    assert len(everything) == 7 + len(adoptions)
    # Skurup's auditor: Skurup's own needs, and Skurup's decision on Ystad's procurement.
    skurup = all_decisions(store, scope="skurup")
    assert {(r["tenant"], r["municipality"]) for r in skurup} == {
        ("skurup", "skurup"),
        ("ystad", "skurup"),
    }
    # Ystad's auditor: everything on Ystad's aggregates, including Skurup's join.
    ystad = all_decisions(store, scope="ystad")
    assert {(r["tenant"], r["municipality"]) for r in ystad} == {
        ("ystad", "ystad"),
        ("ystad", "skurup"),
    }
    assert all(r["tenant"] != "trelleborg" for r in ystad + skurup)
    assert [
        r["decision_type"]
        for r in all_decisions(store, scope=None, municipality="skurup", tenant="ystad")
    ] == ["join"]
    assert len(all_decisions(store, scope=None, decision_type=["prioritise"])) == 3
    assert len(all_decisions(store, scope=None, aggregate_type="Procurement")) == 1
    assert len(all_decisions(store, scope=None, aggregate_id=need)) == 2

    # Valid time: decided from 2018-03-14 10:00 (prioritise) until the procurement decisions.
    assert (
        len(
            all_decisions(
                store,
                scope=None,
                decided_from=PRIORITISED_AT,
                decided_until=PRIORITISED_AT + timedelta(seconds=1),
            )
        )
        == 3
    )
    assert len(all_decisions(store, scope=None, decided_from=PROCEDURE_AT)) == 1
    # Transaction time: everything was recorded just now, the join last of Ystad's.
    [join] = [r for r in everything if r["decision_type"] == "join"]
    recorded = datetime.fromisoformat(join["recorded_at"])
    after_join = all_decisions(store, scope=None, recorded_from=recorded)
    assert after_join[0]["position"] == joined.position == join["position"]
    assert all_decisions(store, scope=None, recorded_until=recorded) == [
        r for r in everything if r["position"] < join["position"]
    ]
    assert all_decisions(store, scope=None, recorded_from=datetime.now(UTC) + timedelta(1)) == []

    with pytest.raises(queries.InvalidQuery):
        queries.list_decisions(store, scope=None, decided_from=datetime(2018, 1, 1))  # naive
    with pytest.raises(queries.InvalidQuery):
        queries.list_decisions(store, scope=None, decision_type="vote")


def test_tenant_index_lists_own_and_co_owned_needs_with_versions(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    own = s.need(s.ystad, "Eget behov", swot=True)
    shared = s.need(s.skurup, "Skurups delade", shared=True)
    s.need(s.trelleborg, "Trelleborgs")
    sync(app)
    [row] = queries.list_tenant_needs(store, "ystad").rows
    assert (row["need_id"], row["title"], row["status"], row["version"], row["relation"]) == (
        own,
        "Eget behov",
        "identified",
        s.version(own),
        "owner",
    )
    assert row["visibility"] == "private"

    app.join_need_as_co_owner(s.ystad.officer, shared, expected_version=s.version(shared))
    app.edit_need(
        s.ystad.officer, own, changes={"title": "Eget, omdöpt"}, expected_version=s.version(own)
    )
    s.decide_need(s.ystad, own, "prioritise", scores=SCORES)
    sync(app)
    rows = queries.list_tenant_needs(store, "ystad").rows
    assert [(r["need_id"], r["relation"]) for r in rows] == [(shared, "co_owner"), (own, "owner")]
    assert rows[1]["title"] == "Eget, omdöpt" and rows[1]["status"] == "prioritised"
    assert rows[1]["version"] == s.version(own)
    assert rows[0]["version"] == s.version(shared) and rows[0]["co_owners"] == ["ystad"]
    assert [
        r["need_id"] for r in queries.list_tenant_needs(store, "ystad", relation="owner").rows
    ] == [own]
    assert queries.list_tenant_needs(store, "ystad", status="rejected").rows == []
    assert [r["need_id"] for r in queries.list_tenant_needs(store, "skurup").rows] == [shared]


def test_tenant_index_lists_led_and_joined_procurements_with_versions(
    app: Innoledger, store: SqlStore
):
    s = Scenario(app)
    need = s.decided_need(s.ystad, "Lärprocess")
    procurement = s.procurement(s.ystad, [need])
    sync(app)
    [row] = queries.list_tenant_procurements(store, "ystad").rows
    assert (row["procurement_id"], row["status"], row["version"], row["relation"]) == (
        procurement,
        "planning",
        s.version(procurement),
        "lead",
    )
    assert queries.list_tenant_procurements(store, "skurup").rows == []
    # The need moved to in_procurement in the same transaction.
    [need_row] = queries.list_tenant_needs(store, "ystad").rows
    assert need_row["status"] == "in_procurement" and need_row["procurement_id"] == procurement

    app.invite_participant(
        s.ystad.officer,
        procurement,
        municipality="skurup",
        role="co_lead",
        expected_version=s.version(procurement),
    )
    sync(app)
    [row] = queries.list_tenant_procurements(store, "skurup").rows
    assert (row["relation"], row["participation"]) == ("co_lead", "invited")
    app.decide_participation(
        s.skurup.decision_maker,
        procurement,
        decision=decision("decline", PROCEDURE_AT),
        expected_version=s.version(procurement),
    )
    s.walk(s.ystad, procurement, "awarded")
    sync(app)
    [row] = queries.list_tenant_procurements(store, "skurup").rows
    assert row["participation"] == "declined" and row["status"] == "awarded"
    [lead] = queries.list_tenant_procurements(store, "ystad", status="awarded").rows
    assert lead["version"] == s.version(procurement)  # bids moved the version too
    assert lead["innovation"] is True and lead["procedure"] == "open"
    assert queries.list_tenant_procurements(store, "ystad", relation="participant").rows == []
