"""The network needs catalogue after each kind of event that changes it."""

from __future__ import annotations

import pytest

from eventstore.sql import SqlStore
from projections import queries
from service.innoledger import Innoledger
from tests.builders import PROCEDURE_AT, SCORES
from tests.projections.conftest import sync
from tests.projections.scenario import Scenario


def titles(page: queries.Page) -> list[str]:
    return [row["title"] for row in page.rows]


def test_catalogue_follows_every_change_of_a_shared_need(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    need = s.need(s.ystad, "Lärprocess för AI i skolan", statement="Lärare saknar stöd.", swot=True)
    sync(app)
    assert queries.list_network_needs(store).rows == []  # private: not in the catalogue

    shared = s.share(s.ystad, need)
    sync(app)
    page = queries.list_network_needs(store)
    assert page.position >= shared.position
    [row] = page.rows
    assert row["need_id"] == need
    assert row["owner"] == "ystad"
    assert row["co_owners"] == []
    assert row["status"] == "identified"
    assert row["innovation_area"] == {"id": s.ystad.area_id, "name": "Lärprocess för AI"}
    assert row["problem_statement"] == "Lärare saknar stöd."
    assert row["shared_at"] is not None and row["priority_score"] is None

    app.edit_need(
        s.ystad.officer,
        need,
        changes={"title": "AI-stöd för lärare"},
        expected_version=s.version(need),
    )
    sync(app)
    assert titles(queries.list_network_needs(store)) == ["AI-stöd för lärare"]
    assert titles(queries.list_network_needs(store, q="skolan")) == []
    assert titles(queries.list_network_needs(store, q="LÄRARE  ai-stöd")) == ["AI-stöd för lärare"]

    app.join_need_as_co_owner(s.skurup.officer, need, expected_version=s.version(need))
    sync(app)
    [row] = queries.list_network_needs(store).rows
    assert row["co_owners"] == ["skurup"]
    assert titles(queries.list_network_needs(store, municipality="skurup")) == [
        "AI-stöd för lärare"
    ]
    assert queries.list_network_needs(store, owner="skurup").rows == []

    for kind, extra, status in (
        ("park", {}, "parked"),
        ("reopen", {}, "identified"),
        ("prioritise", {"scores": SCORES}, "prioritised"),
        ("decide_to_procure", {}, "procurement_decided"),
    ):
        s.decide_need(s.ystad, need, kind, **extra)
        sync(app)
        [row] = queries.list_network_needs(store).rows
        assert row["status"] == status, kind
    assert row["priority_score"] == "4.00"
    assert titles(queries.list_network_needs(store, status="procurement_decided")) == [
        "AI-stöd för lärare"
    ]

    procurement = s.procurement(s.ystad, [need])
    sync(app)
    assert queries.list_network_needs(store).rows[0]["status"] == "in_procurement"
    s.decide(s.ystad, procurement, "cancel", PROCEDURE_AT)
    sync(app)
    assert queries.list_network_needs(store).rows[0]["status"] == "procurement_decided"


def test_unshared_need_disappears_and_private_needs_never_show(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    private = s.need(s.ystad, "Hemlig lärprocess", statement="Hemligt problem")
    shared = s.need(s.ystad, "Delad lärprocess", shared=True)
    sync(app)
    assert titles(queries.list_network_needs(store)) == ["Delad lärprocess"]

    app.unshare_need(s.ystad.officer, shared, expected_version=s.version(shared))
    sync(app)
    assert queries.list_network_needs(store).rows == []
    assert queries.network_need_areas(store).rows == []
    with pytest.raises(queries.NotInView):
        queries.similar_network_needs(store, shared)

    s.share(s.ystad, shared)
    sync(app)
    assert titles(queries.list_network_needs(store)) == ["Delad lärprocess"]
    with pytest.raises(queries.NotInView):
        queries.similar_network_needs(store, private)
    for q in ("hemlig", "hemligt problem"):
        assert queries.list_network_needs(store, q=q).rows == []
    # Not even the served tables hold the private need.
    with store.reading() as cursor:
        rows = cursor.execute("SELECT need_id FROM network_needs").fetchall()
        assert private not in {row["need_id"] for row in rows}


def test_similar_needs_of_other_municipalities(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    ystad = s.need(s.ystad, "Lärprocess för AI", statement="Lärare behöver förstå AI.",
                   shared=True)
    same_area = s.need(s.skurup, "Digitala verktyg i klassrummet",
                       statement="Klassrummen saknar verktyg.", shared=True)
    same_words = s.need(s.trelleborg, "AI-lärprocess för städning",
                        statement="Städningen planeras med AI.", shared=True)
    s.need(s.trelleborg, "Torra golv i simhallen", statement="Halt kakel.", shared=True)
    s.need(s.ystad, "Lärprocess för AI, steg två", shared=True)  # same owner: not "other"
    s.need(s.skurup, "Lärprocess för AI, privat")  # private: never similar
    sync(app)

    page = queries.similar_network_needs(store, ystad)
    assert [row["need_id"] for row in page.rows] == [same_words, same_area]
    first, second = page.rows
    assert first["similarity"]["same_area"] is False
    assert first["similarity"]["common_stems"] == ["ai", "lärprocess"]
    # The same area, no word in common: the area alone counts for little.
    assert second["similarity"]["same_area"] is True
    assert second["similarity"]["score"] == "0.1000"

    areas = queries.network_need_areas(store).rows
    assert areas[0] == {
        "area_name": "Lärprocess för AI",
        "municipality_count": 2,
        "need_count": 3,
        "municipalities": [
            {"municipality": "skurup", "needs": 1},
            {"municipality": "ystad", "needs": 2},
        ],
    }
    assert areas[1]["area_name"] == "Rena och torra golv"
    # Side by side: one area across municipalities.
    owners = [r["owner"] for r in queries.list_network_needs(store, area="lärprocess FÖR ai").rows]
    assert sorted(owners) == ["skurup", "ystad", "ystad"]


def test_search_is_literal_and_pages_are_stable(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    for n in range(5):
        s.need(s.ystad, f"Behov {n} med 100% täckning_{n}", shared=True)
    sync(app)
    assert len(queries.list_network_needs(store, q="100%").rows) == 5
    assert queries.list_network_needs(store, q="%").rows != []  # a literal percent sign
    assert queries.list_network_needs(store, q="1_0").rows == []  # "_" is no wildcard
    assert titles(queries.list_network_needs(store, q="täckning_3")) == [
        "Behov 3 med 100% täckning_3"
    ]

    seen: list[str] = []
    cursor = None
    while True:
        page = queries.list_network_needs(store, limit=2, cursor=cursor)
        seen.extend(titles(page))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [f"Behov {n} med 100% täckning_{n}" for n in reversed(range(5))]
