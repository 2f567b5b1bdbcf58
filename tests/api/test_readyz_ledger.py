"""/readyz checks the ledger cheaply: one leaf per stored event up to the last leaf's position."""

from __future__ import annotations

from flask import Flask

from eventstore.sql import SqlStore
from service.ledger.ledger import Ledger
from tests.api.conftest import Tenant, World


def test_readyz_reports_a_ledger_that_lost_track_of_an_event(
    app: Flask, world: World, skurup: Tenant
) -> None:
    innoledger = app.extensions["innoledger"].innoledger
    Ledger.of(innoledger).catch_up()
    ready = world.anonymous().get("/readyz").get_json()
    assert ready["status"] == "ok"
    ledger = ready["checks"]["ledger"]
    assert ledger["status"] == "ok"
    assert ledger["tree_size"] == ledger["events_up_to_last_leaf"] == ready["head_position"]

    # A leaf in the middle goes missing, the later ones close up (as if the ledger had
    # skipped that event): one event more than leaves lies up to the last leaf's position.
    with SqlStore(innoledger.recorder).transaction() as cursor:
        cursor.execute("DELETE FROM ledger_leaves WHERE leaf_index = 3")
        cursor.execute("UPDATE ledger_leaves SET leaf_index = -leaf_index WHERE leaf_index > 3")
        cursor.execute("UPDATE ledger_leaves SET leaf_index = -leaf_index - 1 WHERE leaf_index < 0")
    ready = world.anonymous().get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["ledger"]["status"] == "inconsistent"
