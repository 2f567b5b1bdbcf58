"""The procurement portfolio after each kind of event that changes it; bids never show."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventstore.sql import SqlStore
from projections import queries
from projections.registry import all_projections
from service.innoledger import Innoledger
from tests.builders import (
    AWARD_AT,
    BID_AT,
    PROCEDURE_AT,
    SUPPLIER_A,
    SUPPLIER_B,
    board_decision,
    decision,
)
from tests.projections.conftest import sync
from tests.projections.scenario import Scenario


def only(store: SqlStore, **filters: Any) -> dict[str, Any]:
    [row] = queries.list_portfolio(store, **filters).rows
    return row


def test_a_procurement_enters_the_portfolio_when_published(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    need = s.decided_need(s.ystad, "Lärprocess för AI")
    procurement = s.procurement(s.ystad, [need], title="AI-stöd för lärande")
    app.invite_participant(
        s.ystad.officer,
        procurement,
        municipality="skurup",
        role="co_lead",
        expected_version=s.version(procurement),
    )
    app.invite_participant(
        s.ystad.officer,
        procurement,
        municipality="trelleborg",
        role="participant",
        expected_version=s.version(procurement),
    )
    s.screen(s.ystad, procurement, innovation=True)
    s.decide(s.ystad, procurement, "choose_procedure", PROCEDURE_AT, procedure="open")
    sync(app)
    assert queries.list_portfolio(store).rows == []  # planning: not published yet

    app.decide_participation(
        s.skurup.decision_maker,
        procurement,
        decision=decision("join", PROCEDURE_AT),
        expected_version=s.version(procurement),
    )
    s.step(s.ystad, procurement, "tendering")
    sync(app)
    row = only(store)
    assert row["procurement_id"] == procurement
    assert row["title"] == "AI-stöd för lärande"
    assert row["lead"] == "ystad"
    assert row["status"] == "tendering"
    assert row["procedure"] == "open"
    assert row["innovation"] is True and row["innovation_kind"] == "functional_requirements"
    assert row["value_band"] == "below_eu_threshold"  # 1 500 000 SEK
    assert row["notice_id"] == "TED-2018/S-123456"
    assert row["tender_deadline"] == "2018-10-15T10:00:00.000000+00:00"
    assert row["joint"] is True
    assert row["participants"] == [
        {"municipality": "skurup", "role": "co_lead", "status": "joined"},
        {"municipality": "trelleborg", "role": "participant", "status": "invited"},
    ]
    assert row["published_at"] is not None

    app.decide_participation(
        s.trelleborg.decision_maker,
        procurement,
        decision=decision("decline", BID_AT),  # while tendering, before the bids are opened
        expected_version=s.version(procurement),
    )
    sync(app)
    assert only(store)["participants"][1]["status"] == "declined"
    assert only(store, municipality="skurup")["procurement_id"] == procurement
    assert queries.list_portfolio(store, municipality="trelleborg").rows == []  # declined
    assert only(store, joint=True, innovation=True, lead="ystad")["procurement_id"] == procurement

    for status in ("evaluation", "awarded", "contracted", "implementing", "closed"):
        s.step(s.ystad, procurement, status)
        sync(app)
        assert only(store)["status"] == status


def test_direct_award_is_published_by_the_award_and_unpublished_by_a_correction(
    app: Innoledger, store: SqlStore
):
    s = Scenario(app)
    need = s.decided_need(s.ystad, "Torra golv")
    procurement = s.procurement(s.ystad, [need], value="450000")
    s.walk(s.ystad, procurement, "awarded", procedure="direct_award", innovation=False)
    sync(app)
    row = only(store)
    assert row["status"] == "awarded" and row["notice_id"] is None
    assert row["value_band"] == "below_direct_award_limit"
    assert row["innovation"] is False and row["joint"] is False

    review = app.file_review(
        s.ystad.officer,
        procurement,
        filed_on=date(2018, 12, 27),
        court="Förvaltningsrätten i Malmö",
        applicant="Konkurrent AB",
        reference="Mål 1234-18",
        expected_version=s.version(procurement),
    )
    app.rule_on_review(
        s.ystad.officer,
        procurement,
        review_id=review.created["review_id"],
        ruled_on=date(2019, 1, 20),
        outcome="correct",
        summary="Rättelse.",
        expected_version=s.version(procurement),
    )
    sync(app)
    assert queries.list_portfolio(store).rows == []  # the award is void: not published


def test_value_bands_cancellation_and_edits(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    big = s.procurement(s.ystad, [s.decided_need(s.ystad, "Stor")], value="1000")
    app.edit_procurement(
        s.ystad.officer,
        big,
        changes={"estimated_value_sek": "3000000", "title": "Stort"},
        expected_version=s.version(big),
    )
    s.walk(s.ystad, big, "tendering")
    sync(app)
    row = only(store)
    assert (row["title"], row["value_band"]) == ("Stort", "eu_threshold_or_above")
    app.decide_on_procurement(
        s.ystad.decision_maker,
        big,
        decision=board_decision("cancel", AWARD_AT),
        expected_version=s.version(big),
    )
    sync(app)
    assert only(store)["status"] == "cancelled"  # it was published; it stays, cancelled
    assert queries.list_portfolio(store, status="tendering").rows == []
    assert only(store, value_band="eu_threshold_or_above")["procurement_id"] == big


def test_no_view_holds_a_bid_or_a_tenderer(app: Innoledger, store: SqlStore):
    """Bids and tenderers are secret until the award; the views never store them at all."""
    s = Scenario(app)
    procurement = s.procurement(s.ystad, [s.decided_need(s.ystad, "Lärprocess", shared=True)])
    s.walk(s.ystad, procurement, "evaluation")  # two bids received, no award yet
    sync(app)
    secrets = (
        SUPPLIER_B["org_number"],
        SUPPLIER_B["name"],
        SUPPLIER_A["org_number"],
        SUPPLIER_A["name"],
    )
    with store.reading() as cursor:
        for projection in all_projections():
            for table in projection.table_names():
                for row in cursor.execute(f"SELECT * FROM {table}").fetchall():
                    text = repr(row)
                    assert not any(secret in text for secret in secrets), (table, row)
