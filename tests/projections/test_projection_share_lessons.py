"""Innovation share and lessons learned after each kind of event that changes them."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from eventstore.sql import SqlStore
from projections import queries
from service.errors import Forbidden
from service.innoledger import Innoledger
from tests.builders import PROCEDURE_AT, decision
from tests.projections.conftest import sync
from tests.projections.scenario import Scenario


def figures(
    count: int,
    value: str,
    innovation_count: int,
    innovation_value: str,
    share: str | None,
    value_share: str | None,
) -> dict[str, object]:
    return {
        "count": count,
        "value_sek": value,
        "innovation_count": innovation_count,
        "innovation_value_sek": innovation_value,
        "innovation_share": share,
        "innovation_value_share": value_share,
    }


NONE = figures(0, "0.00", 0, "0.00", None, None)


def join(s: Scenario, tenant: Any, procurement_id: str, share: str | None = None) -> None:
    body = decision("join", PROCEDURE_AT)
    if share is not None:
        body["value_share_percent"] = share
    s.app.decide_participation(tenant.decision_maker, procurement_id, decision=body,
                               expected_version=s.version(procurement_id))


def test_innovation_share_per_municipality_and_year(app: Innoledger, store: SqlStore):
    """Valid time: started in the year of the needs' decision to procure (2018), contracted in
    the year of the signing day (2019), joint procurements credited to the participants."""
    s = Scenario(app)
    first = s.procurement(s.ystad, [s.decided_need(s.ystad, "Ett")], value="1000000")
    second = s.procurement(s.ystad, [s.decided_need(s.ystad, "Två")], value="3000000")
    joint_need = s.decided_need(s.skurup, "Tre", shared=True)
    s.join(s.ystad, joint_need)
    # Ystad leads a procurement of a Skurup need: Skurup is invited, not yet taking part.
    joint = s.procurement(s.ystad, [joint_need], value="500000")
    other = s.procurement(s.skurup, [s.decided_need(s.skurup, "Fyra")], value="200000")
    sync(app)
    before_screening = datetime.now(UTC)
    time.sleep(0.01)
    page = queries.list_innovation_share(store)
    assert [(r["municipality"], r["year"]) for r in page.rows] == [("skurup", 2018),
                                                                    ("ystad", 2018)]
    ystad = page.rows[1]
    assert ystad["started"] == figures(3, "4500000.00", 0, "0.00", "0.0000", "0.0000")
    assert ystad["contracted"] == NONE
    assert ystad["network"]["started"] == figures(4, "4700000.00", 0, "0.00", "0.0000", "0.0000")

    s.screen(s.ystad, first, innovation=True)
    s.screen(s.ystad, joint, innovation=True)
    s.screen(s.ystad, second, innovation=False)
    app.edit_procurement(
        s.ystad.officer,
        first,
        changes={"estimated_value_sek": "1500000"},
        expected_version=s.version(first),
    )
    sync(app)
    [ystad] = queries.list_innovation_share(store, municipality="ystad").rows
    assert ystad["started"] == figures(3, "5000000.00", 2, "2000000.00", "0.6667", "0.4000")

    # Skurup joins with its own 40 % of the value: credited with the procurement and 200 000.
    join(s, s.skurup, joint, "40")
    s.walk(s.ystad, first, "contracted", screened=True)  # contract value 1 450 000 on 2019-01-03
    s.screen(s.skurup, other, innovation=True)
    sync(app)
    rows = {(r["municipality"], r["year"]): r for r in queries.list_innovation_share(store).rows}
    assert set(rows) == {("ystad", 2019), ("ystad", 2018), ("skurup", 2018)}
    assert rows["ystad", 2018]["started"] == figures(3, "4800000.00", 2, "1800000.00", "0.6667",
                                                     "0.3750")
    assert rows["skurup", 2018]["started"] == figures(2, "400000.00", 2, "400000.00", "1.0000",
                                                      "1.0000")
    assert rows["ystad", 2018]["network"]["started"] == figures(
        4, "5200000.00", 3, "2200000.00", "0.7500", "0.4231")
    assert rows["ystad", 2019]["started"] == figures(0, "0.00", 0, "0.00", None, None)
    assert rows["ystad", 2019]["contracted"] == figures(1, "1450000.00", 1, "1450000.00",
                                                        "1.0000", "1.0000")
    network = {r["year"]: r for r in queries.list_network_innovation_share(store).rows}
    assert network[2018]["started"] == rows["ystad", 2018]["network"]["started"]
    assert network[2019]["contracted"] == rows["ystad", 2019]["contracted"]
    assert queries.list_innovation_share(store, year=2017).rows == []

    paged = queries.list_innovation_share(store, limit=2)
    assert [r["year"] for r in paged.rows] == [2019, 2018] and paged.next_cursor
    rest = queries.list_innovation_share(store, limit=2, cursor=paged.next_cursor)
    assert rest.rows[0]["municipality"] == "ystad" and rest.next_cursor is None

    # Transaction time: what the record showed before the screenings.
    then = queries.innovation_share_as_of(store, before_screening)
    assert [(r["municipality"], r["year"]) for r in then.rows] == [("skurup", 2018),
                                                                    ("ystad", 2018)]
    assert then.rows[1]["started"] == figures(3, "4500000.00", 0, "0.00", "0.0000", "0.0000")
    assert then.rows[1]["network"]["started"]["count"] == 4
    now = queries.innovation_share_as_of(store, datetime.now(UTC))
    assert now.rows == queries.list_innovation_share(store).rows
    assert queries.innovation_share_as_of(store, datetime(2018, 1, 1, tzinfo=UTC)).rows == []


def test_shareable_lessons_with_procurement_lead_and_areas(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    ystad_need = s.decided_need(s.ystad, "Lärprocess")
    golv_need = s.decided_need(s.trelleborg, "Torra golv", shared=True)
    s.join(s.ystad, golv_need)
    procurement = s.procurement(s.ystad, [ystad_need, golv_need], title="Gemensam")
    # Trelleborg's need is only proposed until Trelleborg itself joins: its area counts from then.
    join(s, s.trelleborg, procurement)
    app.record_lesson(
        s.ystad.officer,
        procurement,
        text="Börja med behoven.",
        shareable=True,
        expected_version=s.version(procurement),
    )
    app.record_lesson(
        s.ystad.officer,
        procurement,
        text="Internt: budgeten sprack.",
        shareable=False,
        expected_version=s.version(procurement),
    )
    sync(app)
    [lesson] = queries.list_lessons(store).rows
    assert lesson["text"] == "Börja med behoven."
    assert lesson["procurement"] == {"id": procurement, "title": None, "lead": "ystad"}
    assert lesson["innovation_areas"] == ["Lärprocess för AI", "Rena och torra golv"]

    app.edit_procurement(
        s.ystad.officer,
        procurement,
        changes={"title": "Gemensam AI"},
        expected_version=s.version(procurement),
    )
    s.walk(s.ystad, procurement, "tendering")
    sync(app)
    [lesson] = queries.list_lessons(store, area="rena och TORRA golv").rows
    assert lesson["procurement"]["title"] == "Gemensam AI"  # published now
    assert queries.list_lessons(store, area="AR i stadsplanering").rows == []
    assert len(queries.list_lessons(store, lead="ystad", procurement_id=procurement).rows) == 1
    assert queries.list_lessons(store, lead="skurup").rows == []

    other = s.procurement(s.skurup, [s.decided_need(s.skurup, "AI")])
    app.record_lesson(
        s.skurup.officer,
        other,
        text="Marknadsdialog tidigt.",
        shareable=True,
        expected_version=s.version(other),
    )
    s.decide(s.skurup, other, "cancel", PROCEDURE_AT)
    sync(app)
    page = queries.list_lessons(store, limit=1)
    assert [r["text"] for r in page.rows] == ["Marknadsdialog tidigt."]
    assert [r["text"] for r in queries.list_lessons(store, cursor=page.next_cursor).rows] == [
        "Börja med behoven."
    ]
    assert len(queries.list_lessons(store, area="lärprocess för ai").rows) == 2


def test_every_participant_records_structured_lessons_the_network_searches(
    app: Innoledger, store: SqlStore
):
    s = Scenario(app)
    procurement = s.procurement(s.ystad, [s.decided_need(s.ystad, "Lärprocess")])
    app.invite_participant(s.ystad.officer, procurement, municipality="skurup",
                           role="participant", expected_version=s.version(procurement))
    join(s, s.skurup, procurement)
    # Invited but not joined: Trelleborg may not record lessons.
    app.invite_participant(s.ystad.officer, procurement, municipality="trelleborg",
                           role="participant", expected_version=s.version(procurement))
    app.record_lesson(s.skurup.officer, procurement, text="Gemensam kravställning sparade tid.",
                      shareable=True, phase="procurement", what_worked="Delad kravlista",
                      what_to_change="Tidigare dialog med leverantörer",
                      tags=["Kravställning", "samverkan"],
                      expected_version=s.version(procurement))
    app.record_lesson(s.ystad.officer, procurement, text="Budgeten var för snäv.",
                      shareable=True, tags=["ekonomi"], expected_version=s.version(procurement))
    with pytest.raises(Forbidden):
        app.record_lesson(s.trelleborg.officer, procurement, text="Nej", shareable=True,
                          expected_version=s.version(procurement))
    sync(app)
    skurups = queries.list_lessons(store, municipality="skurup").rows
    assert [(r["municipality"], r["phase"], r["tags"]) for r in skurups] == [
        ("skurup", "procurement", ["kravställning", "samverkan"])]
    assert skurups[0]["what_worked"] == "Delad kravlista"
    assert skurups[0]["procurement"]["lead"] == "ystad"
    assert [r["municipality"] for r in queries.list_lessons(store, tag="KRAVSTÄLLNING").rows] == [
        "skurup"]
    assert [r["municipality"] for r in queries.list_lessons(store, q="dialog leverantörer").rows
            ] == ["skurup"]
    assert [r["municipality"] for r in queries.list_lessons(store, q="budgeten").rows] == [
        "ystad"]
    assert queries.list_lessons(store, q="budgeten dialog").rows == []
    assert len(queries.list_lessons(store, procurement_id=procurement).rows) == 2
    state = app.procurement(s.skurup.viewer, procurement)
    assert [lesson.municipality for lesson in state.lessons] == ["skurup", "ystad"]
