"""The board's annual report as a property: whatever mix of procurements and participations, for
every municipality and year the report's figures are the view's, and its procurements add up
to them exactly, each credited by the definition."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

from domain.innovation_share import COUNTS, METRICS, NETWORK
from eventstore.sql import SqlStore
from service.innoledger import Innoledger
from service.principal import Principal
from service.reports.board import board_annual_report
from service.settings import Settings
from tests.projections.conftest import sync
from tests.projections.test_share_property import World, from_scratch, operations, view_table

PLATFORM_AUDITOR = Principal(user_id="revisor", municipality=None, roles=("auditor",))
STAGES = {"started": "started_", "contracted": "contracted_"}


def _report_figures(body: dict[str, Any]) -> dict[str, Any]:
    """The report's share row as the view's metrics (zero metrics left out)."""
    share = body["innovation_share"] or {}
    figures: dict[str, Any] = {}
    for stage in STAGES:
        row = share.get(stage) or {}
        for metric, key in (("count", "count"), ("innovation_count", "innovation_count"),
                            ("value_sek", "value_sek"),
                            ("innovation_value_sek", "innovation_value_sek")):
            name = f"{stage}_{metric}"
            value = row.get(key, 0)
            figures[name] = int(value) if name in COUNTS else Decimal(str(value))
    return {m: v for m, v in figures.items() if v}


def _procurement_totals(body: dict[str, Any]) -> dict[str, Any]:
    totals: dict[str, Any] = {}
    for item in body["procurements"]:
        for metric in METRICS:
            amount = int(item[metric]) if metric in COUNTS else Decimal(item[metric])
            totals[metric] = totals.get(metric, 0) + amount
    return {m: v for m, v in totals.items() if v}


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_report_figures_are_the_views_and_its_procurements_add_up(
    tmp_path: Path, ops: list[dict[str, Any]]
) -> None:
    var = tmp_path / f"r{len(list(tmp_path.iterdir()))}"
    var.mkdir()
    app = Innoledger(Settings(database="sqlite", var_dir=var, testing=True))
    try:
        world = World(app)
        for op in ops:
            world.run(op)
        sync(app)
        store = SqlStore(app.recorder)
        view = view_table(store)
        assert view == from_scratch(app, world.procurements)
        for (municipality, year), expected in view.items():
            if municipality == NETWORK:
                continue
            body = board_annual_report(app, store, PLATFORM_AUDITOR, municipality, year).body
            assert _report_figures(body) == expected
            assert _procurement_totals(body) == expected
            ids = [item["procurement_id"] for item in body["procurements"]]
            assert len(ids) == len(set(ids)) and set(ids) <= set(world.procurements)
    finally:
        app.close()
