"""A delegation order stored before its adoption carried the board's decision still loads, as
it was stored (upcast on reading, never rewritten), and says that no board reference was kept."""

from __future__ import annotations

import dataclasses
from datetime import date

from domain.audit import acting_as
from domain.municipality import Municipality
from service.innoledger import Innoledger
from service.settings import Settings
from tests.builders import PLATFORM_ADMIN, Team, full_delegation

YSTAD = Team("ystad")


def _as_stored_before_board_adoptions(app: Innoledger, stored):  # type: ignore[no-untyped-def]
    """The order's event in the form it had before adoptions were board decisions."""
    state = app.mapper.transcoder.decode(stored.state)
    assert state.pop("class_version") == 2
    del state["decision"]
    return dataclasses.replace(stored, state=app.mapper.transcoder.encode(state))


def test_an_order_stored_without_a_board_decision_loads_with_none(store_settings: Settings):
    app = Innoledger(store_settings)
    try:
        with acting_as(PLATFORM_ADMIN.as_actor()):
            municipality = Municipality.register(
                slug="ystad",
                name="Ystads kommun",
                organisation_number="2120001181",
                county="Skåne",
            )
        with acting_as(YSTAD.actor("tenant_admin")):
            # What the old command did: an order without any decision behind it.
            municipality._delegation_order_adopted(
                version=1,
                effective_from=date(2018, 1, 1),
                rules=[{**r, "max_value_sek": None} for r in full_delegation()],
                decision={},
            )
        stored = [app.mapper.to_stored_event(e) for e in municipality.collect_events()]
        stored[-1] = _as_stored_before_board_adoptions(app, stored[-1])
        app.recorder.insert_events(stored)

        loaded = app.repository.get(municipality.id)
        [order] = loaded.delegation_orders
        assert order["decision"] is None
        assert order["effective_from"] == date(2018, 1, 1)
        # Decisions recorded under it keep being checked against it.
        assert loaded.delegation_order_on(date(2019, 1, 1))["version"] == 1
        # The stored bytes are what they were: nothing rewritten on reading.
        [again] = [
            e for e in app.recorder.select_events(municipality.id) if e.originator_version == 2
        ]
        assert again.state == stored[-1].state
    finally:
        app.close()
