"""Innovation share and lessons learned after each kind of event that changes them."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.values.timestamps import STOCKHOLM
from projections import queries
from service.innoledger import Innoledger
from service.storage.sql import SqlStore
from tests.builders import PROCEDURE_AT
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


def test_innovation_share_per_municipality_and_year(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    year = datetime.now(UTC).astimezone(STOCKHOLM).year  # events are recorded now
    first = s.procurement(s.ystad, [s.decided_need(s.ystad, "Ett")], value="1000000")
    second = s.procurement(s.ystad, [s.decided_need(s.ystad, "Två")], value="3000000")
    joint_need = s.decided_need(s.skurup, "Tre", shared=True)
    s.join(s.ystad, joint_need)
    # Ystad leads a joint procurement of a Skurup need: it counts for Ystad only.
    joint = s.procurement(s.ystad, [joint_need], value="500000")
    other = s.procurement(s.skurup, [s.decided_need(s.skurup, "Fyra")], value="200000")
    sync(app)
    page = queries.list_innovation_share(store)
    assert [(r["municipality"], r["year"]) for r in page.rows] == [
        ("skurup", year),
        ("ystad", year),
    ]
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

    # A re-screening moves the procurement out of the innovation count, not twice into it.
    s.screen(s.ystad, joint, innovation=False)
    s.walk(s.ystad, first, "contracted", screened=True)  # contract value 1 450 000
    s.screen(s.skurup, other, innovation=True)
    sync(app)
    (ystad,) = queries.list_innovation_share(store, municipality="ystad", year=year).rows
    assert ystad["started"] == figures(3, "5000000.00", 1, "1500000.00", "0.3333", "0.3000")
    assert ystad["contracted"] == figures(1, "1450000.00", 1, "1450000.00", "1.0000", "1.0000")
    assert ystad["network"]["started"] == figures(
        4, "5200000.00", 2, "1700000.00", "0.5000", "0.3269"
    )
    [network] = queries.list_network_innovation_share(store).rows
    assert network["year"] == year and network["started"] == ystad["network"]["started"]
    assert queries.list_innovation_share(store, year=year - 1).rows == []

    paged = queries.list_innovation_share(store, limit=1)
    assert paged.rows[0]["municipality"] == "skurup" and paged.next_cursor
    rest = queries.list_innovation_share(store, limit=1, cursor=paged.next_cursor)
    assert rest.rows[0]["municipality"] == "ystad" and rest.next_cursor is None


def test_shareable_lessons_with_procurement_lead_and_areas(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    ystad_need = s.decided_need(s.ystad, "Lärprocess")
    golv_need = s.decided_need(s.trelleborg, "Torra golv", shared=True)
    s.join(s.ystad, golv_need)
    procurement = s.procurement(s.ystad, [ystad_need, golv_need], title="Gemensam")
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
