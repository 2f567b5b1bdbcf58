"""Similar needs and the catalogue's search read what the problem statements say, in Swedish,
through each database's own full-text search (PostgreSQL's `swedish` configuration, SQLite's
FTS5 over Snowball stems): the same answers on both."""

from __future__ import annotations

from decimal import Decimal

from eventstore.sql import SqlStore
from projections import queries
from projections.registry import projection_named
from projections.runner import ensure_tables
from service.innoledger import Innoledger
from tests.projections.conftest import dump, sync
from tests.projections.scenario import Scenario


def _similarity(page: queries.Page, need_id: str) -> dict[str, object]:
    return next(row["similarity"] for row in page.rows if row["need_id"] == need_id)


def test_two_needs_with_no_word_in_common_score_low_even_in_one_area(
    app: Innoledger, store: SqlStore
) -> None:
    s = Scenario(app)  # ystad and skurup both file under "Lärprocess för AI"
    teaching = s.need(
        s.ystad,
        "Lärprocess för AI",
        statement="Lärare behöver förstå hur AI kan stödja undervisningen.",
        shared=True,
    )
    snow = s.need(
        s.skurup,
        "Snöröjning med sensorer",
        statement="Vägarna blir hala innan plogbilarna hinner ut.",
        shared=True,
    )
    sync(app)
    similarity = _similarity(queries.similar_network_needs(store, teaching, viewer="ystad"), snow)
    assert similarity == {
        "score": "0.1000",
        "text_score": "0.0000",
        "same_area": True,
        "common_stems": [],
        "suggest_co_ownership": False,
        "co_ownership_with": None,
    }


def test_swedish_inflections_match(app: Innoledger, store: SqlStore) -> None:
    s = Scenario(app)
    ystad = s.need(
        s.ystad,
        "Ensamhet på äldreboendet",
        statement="De boende på äldreboendet saknar utbildning i digitala möten med anhöriga.",
        shared=True,
    )
    trelleborg = s.need(
        s.trelleborg,
        "Digitala möten i äldreboenden",
        statement="Kommunens äldreboenden behöver utbildningar så att boende kan möta anhöriga.",
        shared=True,
    )
    unrelated = s.need(
        s.trelleborg, "Torra golv i simhallen", statement="Kaklet blir halt.", shared=True
    )
    sync(app)

    page = queries.similar_network_needs(store, ystad, viewer="ystad")
    assert [row["need_id"] for row in page.rows] == [trelleborg]
    similarity = _similarity(page, trelleborg)
    common = similarity["common_stems"]
    assert isinstance(common, list)
    assert {"äldreboend", "utbildning", "anhör", "digital", "boend"} <= set(common)
    assert Decimal(str(similarity["score"])) >= Decimal("0.4")
    assert similarity["same_area"] is False  # found by the words alone

    # The catalogue's search finds a word in its other forms, both ways.
    def found(q: str) -> set[str]:
        return {row["need_id"] for row in queries.list_network_needs(store, q=q).rows}

    assert found("äldreboenden") == {ystad, trelleborg}
    assert found("äldreboendet") == {ystad, trelleborg}
    assert found("utbildningar") == {ystad, trelleborg}
    assert found("utbildning anhöriga") == {ystad, trelleborg}
    assert found("golvet") == {unrelated}
    assert found("äldreboendet simhallen") == set()


def test_private_needs_of_others_are_never_compared_or_found(
    app: Innoledger, store: SqlStore
) -> None:
    s = Scenario(app)
    statement = "Skolskjutsarna planeras för hand varje termin."
    ystad = s.need(s.ystad, "Planering av skolskjuts", statement=statement, shared=True)
    private = s.need(s.skurup, "Planering av skolskjuts", statement=statement)
    withdrawn = s.need(s.trelleborg, "Planering av skolskjuts", statement=statement, shared=True)
    s.app.unshare_need(s.trelleborg.officer, withdrawn, expected_version=s.version(withdrawn))
    sync(app)
    assert queries.similar_network_needs(store, ystad, viewer="ystad").rows == []
    assert {r["need_id"] for r in queries.list_network_needs(store, q="skolskjutsar").rows} == {
        ystad
    }
    with store.reading() as cursor:
        indexed = cursor.execute("SELECT COUNT(*) AS n FROM network_need_search").fetchone()
    assert indexed["n"] == 1
    assert private


def test_co_ownership_is_suggested_to_a_municipality_working_on_the_need(
    app: Innoledger, store: SqlStore
) -> None:
    s = Scenario(app)
    ystad = s.need(
        s.ystad,
        "Matsvinn i skolköken",
        statement="Skolköken slänger mycket mat varje dag.",
        shared=True,
    )
    trelleborg = s.need(
        s.trelleborg,
        "Minskat matsvinn i skolkök",
        statement="Maten som slängs i skolköken kostar och belastar klimatet.",
        shared=True,
    )
    sync(app)

    similarity = _similarity(queries.similar_network_needs(store, ystad, viewer="ystad"),
                             trelleborg)
    assert similarity["suggest_co_ownership"] is True
    assert similarity["co_ownership_with"] == "trelleborg"
    # Only to a municipality working on the compared need.
    for viewer in ("skurup", None):
        page = queries.similar_network_needs(store, ystad, viewer=viewer)
        assert _similarity(page, trelleborg)["suggest_co_ownership"] is False
    # Not once it co-owns the other need.
    s.join(s.ystad, trelleborg)
    sync(app)
    page = queries.similar_network_needs(store, ystad, viewer="ystad")
    assert _similarity(page, trelleborg)["suggest_co_ownership"] is False
    assert _similarity(page, trelleborg)["co_ownership_with"] is None


def test_an_edited_statement_is_what_is_compared(app: Innoledger, store: SqlStore) -> None:
    s = Scenario(app)
    ystad = s.need(s.ystad, "Matsvinn", statement="Skolköken slänger mat.", shared=True)
    other = s.need(s.trelleborg, "Belysning", statement="Gatlyktorna lyser i onödan.",
                   shared=True)
    sync(app)
    assert queries.similar_network_needs(store, ystad).rows == []
    s.app.edit_need(s.trelleborg.officer, other,
                    changes={"problem_statement": "Skolköken i Trelleborg slänger mat."},
                    expected_version=s.version(other))
    sync(app)
    [row] = queries.similar_network_needs(store, ystad).rows
    assert row["need_id"] == other and "skolkök" in row["similarity"]["common_stems"]


def test_a_catalogue_made_before_the_full_text_index_gets_it_from_its_rows(
    app: Innoledger, store: SqlStore
) -> None:
    s = Scenario(app)
    shared = s.need(s.ystad, "Ensamhet på äldreboendet", statement="Boende är ensamma.",
                    shared=True)
    s.need(s.skurup, "Privat behov om äldreboenden")
    sync(app)
    projection = projection_named("network_needs")
    followed = dump(store, projection)
    with store.transaction() as cursor:
        cursor.execute("DROP TABLE network_need_search")
    ensure_tables(store, projection)
    assert dump(store, projection) == followed
    assert [r["need_id"] for r in queries.list_network_needs(store, q="äldreboenden").rows] == [
        shared
    ]
