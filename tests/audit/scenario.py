"""One need walked through every state of its life (and back), one procurement through every
state of its own, a cancelled procurement and a rejected need — through the application, so the
history holds real events of every kind, with valid times (decided_at) in 2018-2019."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from service.innoledger import Innoledger
from tests.builders import (
    AWARD_AT,
    BID_AT,
    CLOSE_AT,
    CONTRACT_VALUE,
    ESTIMATED_VALUE,
    EVALUATION_AT,
    FOLLOW_UP_ON,
    MILESTONE_ON,
    NOTIFIED_AT,
    PROCEDURE_AT,
    PROCURE_AT,
    PUBLISH_AT,
    REALISED_AT,
    SCORES,
    SCREEN_AT,
    SIGN_AT,
    SIGN_ON,
    SUPPLIER_A,
    SUPPLIER_B,
    TENDER_DEADLINE,
    Tenant,
    analysed_need,
    decision,
    identify_need,
    setup_tenant,
)

PARKED_AT = datetime(2018, 3, 20, 10, 0, tzinfo=UTC)
REOPENED_AT = datetime(2018, 3, 25, 10, 0, tzinfo=UTC)
REPRIORITISED_AT = datetime(2018, 3, 28, 10, 0, tzinfo=UTC)
FIRST_PRIORITISED_AT = datetime(2018, 3, 14, 10, 0, tzinfo=UTC)
CANCELLED_AT = datetime(2018, 4, 20, 10, 0, tzinfo=UTC)
REJECTED_AT = datetime(2018, 6, 1, 10, 0, tzinfo=UTC)


@dataclass
class Scenario:
    ystad: Tenant
    skurup: Tenant
    need_id: str = ""
    rejected_need_id: str = ""
    cancelled_procurement_id: str = ""
    procurement_id: str = ""
    # (kind, id, version, status) for every state reached, in order
    states: list[tuple[str, str, int, str]] = field(default_factory=list)


def build_scenario(app: Innoledger) -> Scenario:
    ystad = setup_tenant(app, "ystad")
    skurup = setup_tenant(app, "skurup")
    s = Scenario(ystad=ystad, skurup=skurup)
    dm = ystad.decision_maker
    officer = ystad.officer

    def mark(kind: str, object_id: str, version: int) -> int:
        status = (app.need if kind == "need" else app.procurement)(ystad.auditor, object_id).status
        s.states.append((kind, object_id, version, status))
        return version

    need_id, v = analysed_need(app, ystad)
    s.need_id = need_id
    mark("need", need_id, v)  # identified
    extra: dict[str, Any]
    for kind, at, extra in (
        ("prioritise", FIRST_PRIORITISED_AT, {"scores": SCORES}),
        ("park", PARKED_AT, {}),
        ("reopen", REOPENED_AT, {}),
        ("prioritise", REPRIORITISED_AT, {"scores": {**SCORES, "impact": 4}}),
        ("decide_to_procure", PROCURE_AT, {}),
    ):
        v = app.decide_on_need(
            dm, need_id, decision={**decision(kind, at), **extra}, expected_version=v
        ).version
        mark("need", need_id, v)

    # A first procurement for the need, cancelled: the need goes back to procurement_decided.
    first = app.start_procurement(
        officer,
        title="AI-stöd, första försöket",
        description="Avbröts i planeringen.",
        estimated_value_sek=ESTIMATED_VALUE,
        need_ids=[need_id],
    )
    s.cancelled_procurement_id = first.aggregate_id
    v += 1
    mark("need", need_id, v)  # in_procurement
    mark("procurement", first.aggregate_id, first.version)  # planning
    cancelled = app.decide_on_procurement(
        dm, first.aggregate_id, decision=decision("cancel", CANCELLED_AT), expected_version=1
    )
    v += 1
    mark("procurement", first.aggregate_id, cancelled.version)  # cancelled
    mark("need", need_id, v)  # procurement_decided

    second = app.start_procurement(
        officer,
        title="AI-stöd för lärande",
        description="Innovationsupphandling av ett AI-stöd för lärprocesser.",
        estimated_value_sek=ESTIMATED_VALUE,
        need_ids=[need_id],
        case_number="KS 2018/123",
        cpv_code="48000000-8",
    )
    pid = s.procurement_id = second.aggregate_id
    v += 1
    mark("need", need_id, v)  # in_procurement
    pv = mark("procurement", pid, second.version)  # planning
    pv = app.decide_on_procurement(
        dm,
        pid,
        decision=decision("screen", SCREEN_AT, innovation=True, kind="functional_requirements"),
        expected_version=pv,
    ).version
    pv = app.decide_on_procurement(
        dm,
        pid,
        decision=decision("choose_procedure", PROCEDURE_AT, procedure="open"),
        expected_version=pv,
    ).version
    pv = app.decide_on_procurement(
        dm,
        pid,
        decision=decision(
            "publish", PUBLISH_AT, notice_id="TED-2018/S-123456", tender_deadline=TENDER_DEADLINE
        ),
        expected_version=pv,
    ).version
    mark("procurement", pid, pv)  # tendering
    for bidder in (SUPPLIER_A, SUPPLIER_B):
        pv = app.record_bid(
            officer,
            pid,
            tenderer_org_number=bidder["org_number"],
            tenderer_name=bidder["name"],
            received_at=BID_AT,
            expected_version=pv,
        ).version
    pv = app.start_evaluation(officer, pid, at=EVALUATION_AT, expected_version=pv).version
    mark("procurement", pid, pv)  # evaluation
    pv = app.decide_on_procurement(
        dm,
        pid,
        decision=decision(
            "award",
            AWARD_AT,
            suppliers=[dict(SUPPLIER_A)],
            evaluation_summary="Bästa förhållande mellan pris och kvalitet.",
            notification_sent_at=NOTIFIED_AT,
            sent_electronically=True,
        ),
        expected_version=pv,
    ).version
    mark("procurement", pid, pv)  # awarded
    pv = app.decide_on_procurement(
        dm,
        pid,
        decision=decision(
            "sign_contract",
            SIGN_AT,
            supplier_org_number=SUPPLIER_A["org_number"],
            contract_value_sek=CONTRACT_VALUE,
            signed_on=SIGN_ON,
        ),
        expected_version=pv,
    ).version
    mark("procurement", pid, pv)  # contracted
    v = app.decide_on_need(
        dm, need_id, decision=decision("mark_realised", REALISED_AT), expected_version=v
    ).version
    mark("need", need_id, v)  # realised
    pv = app.record_milestone(
        officer, pid, title="Pilot i tre skolor", reached_on=MILESTONE_ON, expected_version=pv
    ).version
    mark("procurement", pid, pv)  # implementing
    pv = app.record_follow_up(
        officer,
        pid,
        need_id=need_id,
        followed_up_on=FOLLOW_UP_ON,
        effect="Lärarna lägger mindre tid på rättning",
        measurement="-30 % rättningstid",
        expected_version=pv,
    ).version
    pv = app.decide_on_procurement(
        dm, pid, decision=decision("close", CLOSE_AT, outcome="completed"), expected_version=pv
    ).version
    mark("procurement", pid, pv)  # closed

    rejected = identify_need(app, ystad, title="Torra golv")
    s.rejected_need_id = rejected
    rv = app.decide_on_need(
        dm,
        rejected,
        decision=decision("reject", REJECTED_AT, reason="duplicate"),
        expected_version=1,
    ).version
    mark("need", rejected, rv)  # rejected
    # Some work of another municipality, for the tenant auditors' view of the stream.
    identify_need(app, skurup, title="Delningstjänst för transporter")
    return s
