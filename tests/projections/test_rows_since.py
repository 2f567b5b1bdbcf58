"""Each tracking row says since which position its view's rows have been as its readers see them:
a batch that changes what they see moves it to the batch's end; a batch of other topics, or one
that only moves rows no query reads (needs not shared, procurements not published), leaves it.
A rebuild's swap, a tracking table made before the column (it gets the column, unknown) and a
move of the row by code of before, which knows nothing of it, count as a change at the
position. On SQLite and on PostgreSQL."""

from __future__ import annotations

from eventstore.sql import SqlStore
from projections import queries
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner, ensure_tables, read_batch
from projections.views.network_needs import NetworkNeeds
from projections.views.procurement_portfolio import ProcurementPortfolio
from service.innoledger import Innoledger
from tests.builders import Tenant
from tests.projections.scenario import Scenario

PORTFOLIO = ProcurementPortfolio.name


def _state(store: SqlStore, view: str = PORTFOLIO) -> queries.ViewState:
    return queries.view_states(store, [view])[view]


def test_the_rows_since_move_only_with_the_views_own_events(app: Innoledger) -> None:
    store = SqlStore(app.recorder)
    runner = ProjectionRunner(app, ProcurementPortfolio(), store=store)
    scenario = Scenario(app)
    need_id = scenario.decided_need(scenario.ystad, "Lärprocess för AI")
    procurement_id = scenario.procurement(scenario.ystad, [need_id], title="AI-stöd")
    scenario.walk(scenario.ystad, procurement_id, "tendering")  # published
    own = runner.catch_up()
    assert _state(store) == queries.ViewState(own, own)

    scenario.need(scenario.skurup, "Torra golv", swot=True)  # no event of the portfolio
    moved = runner.catch_up()
    assert moved > own
    assert _state(store) == queries.ViewState(moved, own)

    scenario.app.edit_procurement(
        scenario.ystad.officer,
        procurement_id,
        changes={"title": "AI-stöd i skolan"},
        expected_version=scenario.version(procurement_id),
    )
    scenario.need(scenario.skurup, "Ljus i korridoren")  # after it, in the same batch
    changed = runner.catch_up()
    assert _state(store) == queries.ViewState(changed, changed)

    scenario.need(scenario.trelleborg, "Tysta fläktar")
    runner.catch_up()
    result = rebuild(app, ProcurementPortfolio(), store=store)
    assert _state(store) == queries.ViewState(result.position, result.position)


def test_a_tracking_table_made_before_the_column_gets_it_as_unknown(app: Innoledger) -> None:
    store = SqlStore(app.recorder)
    scenario = Scenario(app)
    need_id = scenario.decided_need(scenario.ystad, "Lärprocess för AI")
    scenario.procurement(scenario.ystad, [need_id])
    scenario.need(scenario.skurup, "Torra golv")  # no event of the portfolio
    at = ProjectionRunner(app, ProcurementPortfolio(), store=store).catch_up()
    with store.transaction() as cursor:  # the layout of before
        cursor.execute("ALTER TABLE projection_tracking DROP COLUMN content_position")
        cursor.execute("ALTER TABLE projection_tracking DROP COLUMN content_at")

    runner = ProjectionRunner(app, ProcurementPortfolio(), store=store)
    runner.setup()
    # Unknown: the rows may have changed at the position, so nothing kept before it counts.
    assert _state(store) == queries.ViewState(at, at)
    ensure_tables(store, ProcurementPortfolio())  # once more: the column is there already
    scenario.need(scenario.ystad, "Ljus i korridoren")  # no event of the portfolio
    later = runner.catch_up()
    assert later > at
    assert _state(store) == queries.ViewState(later, at)


def test_only_what_the_catalogues_readers_see_moves_the_rows_since(app: Innoledger) -> None:
    store = SqlStore(app.recorder)
    runner = ProjectionRunner(app, NetworkNeeds(), store=store)
    scenario = Scenario(app)
    shared = scenario.need(scenario.ystad, "Lärprocess för AI", shared=True)
    private = scenario.need(scenario.skurup, "Torra golv")
    at = runner.catch_up()
    assert _state(store, NetworkNeeds.name) == queries.ViewState(at, at)

    def edit(need_id: str, tenant: Tenant, title: str) -> int:
        app.edit_need(tenant.officer, need_id, changes={"title": title},
                      expected_version=scenario.version(need_id))
        return runner.catch_up()

    page = queries.list_network_needs(store)
    kept = edit(private, scenario.skurup, "Torra golv i förskolan")  # not shared: not seen
    assert _state(store, NetworkNeeds.name) == queries.ViewState(kept, at)
    assert queries.list_network_needs(store).texts == page.texts
    seen = edit(shared, scenario.ystad, "Lärprocess för AI i skolan")
    assert _state(store, NetworkNeeds.name) == queries.ViewState(seen, seen)
    scenario.share(scenario.skurup, private)  # shared now: its row is listed
    listed = runner.catch_up()
    assert _state(store, NetworkNeeds.name) == queries.ViewState(listed, listed)
    app.unshare_need(scenario.skurup.officer, private,
                     expected_version=scenario.version(private))
    unlisted = runner.catch_up()  # taken out of the catalogue: seen
    assert _state(store, NetworkNeeds.name) == queries.ViewState(unlisted, unlisted)
    after = edit(private, scenario.skurup, "Torra golv")
    assert _state(store, NetworkNeeds.name) == queries.ViewState(after, unlisted)


def test_a_procurement_not_published_moves_no_rows_the_portfolio_shows(app: Innoledger) -> None:
    store = SqlStore(app.recorder)
    runner = ProjectionRunner(app, ProcurementPortfolio(), store=store)
    scenario = Scenario(app)
    need_id = scenario.decided_need(scenario.ystad, "Lärprocess för AI")
    runner.catch_up()
    since = _state(store).rows_since
    procurement_id = scenario.procurement(scenario.ystad, [need_id])  # started, not published
    moved = runner.catch_up()
    assert _state(store) == queries.ViewState(moved, since)
    scenario.walk(scenario.ystad, procurement_id, "tendering")  # published
    published = runner.catch_up()
    assert _state(store) == queries.ViewState(published, published)


def test_a_move_by_code_of_before_counts_as_a_change_at_its_position(app: Innoledger) -> None:
    store = SqlStore(app.recorder)
    runner = ProjectionRunner(app, ProcurementPortfolio(), store=store)
    scenario = Scenario(app)
    need_id = scenario.decided_need(scenario.ystad, "Lärprocess för AI")
    procurement_id = scenario.procurement(scenario.ystad, [need_id])
    scenario.walk(scenario.ystad, procurement_id, "tendering")
    at = runner.catch_up()
    scenario.app.edit_procurement(
        scenario.ystad.officer,
        procurement_id,
        changes={"title": "AI-stöd i skolan"},
        expected_version=scenario.version(procurement_id),
    )
    # A runner of before applies the edit: it moves the row as it always did, and nothing else.
    old_runner = ProjectionRunner(app, ProcurementPortfolio(), store=store)
    head = old_runner.log_head.safe()
    new, events = read_batch(app, store, at, head, 100, old_runner.topics)
    with store.transaction() as cursor:
        cursor.execute(
            "UPDATE projection_tracking SET position = ?, updated_at = ?, holder = ?"
            " WHERE name = ? AND position = ?",
            (new, "2026-12-05T00:00:00.000001+00:00", "before", PORTFOLIO, at),
        )
        ProcurementPortfolio().apply(cursor, events)
    assert _state(store) == queries.ViewState(new, new)
    runner.forget()
    scenario.need(scenario.skurup, "Torra golv")  # no event of the portfolio
    later = runner.catch_up()
    assert later > new
    assert _state(store) == queries.ViewState(later, new)
