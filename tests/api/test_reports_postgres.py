"""The reports on PostgreSQL: the board's figures add up and the auditor's proofs verify there
as on SQLite (the other report tests run on SQLite)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from service.ledger.remote_verify import inclusion_holds
from service.settings import Settings
from tests.api.conftest import World
from tests.api.test_reports_board import METRICS, REPORT
from tests.api.test_reports_board import network as network  # the fixture

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(make_app: Any, postgres_settings: Settings) -> Flask:
    return make_app(postgres_settings)


def test_board_report_and_auditor_proofs_on_postgres(world: World, network: dict[str, Any]):
    ystad = network["ystad"]
    body = ystad.officer.read(REPORT.format(slug="ystad", year=2019))
    view = ystad.viewer.read("network/innovation-share",
                             query={"municipality": "ystad", "year": 2019})["items"][0]
    assert body["innovation_share"] == view
    for stage in ("started", "contracted"):
        for metric in METRICS:
            total = sum(Decimal(str(p[f"{stage}_{metric}"])) for p in body["procurements"])
            assert total == Decimal(str(view[stage][metric]))
    assert body["delegation_decisions"]
    assert ystad.officer.get(REPORT.format(slug="ystad", year=2019),
                             query={"format": "pdf"}).get_data().startswith(b"%PDF-")

    audit = ystad.auditor.read("audit/reports/decisions",
                               query={"from": "2019-01-01", "until": "2019-12-31"})
    head = audit["tree_head"]
    assert audit["decisions"]
    for shown in audit["decisions"]:
        assert inclusion_holds(bytes.fromhex(shown["leaf_hash"]), shown["leaf_index"],
                               head["tree_size"],
                               [bytes.fromhex(n) for n in shown["inclusion_path"]],
                               bytes.fromhex(head["root_hash"]))
