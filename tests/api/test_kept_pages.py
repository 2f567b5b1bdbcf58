"""A page of a view kept in a process's memory is given again while the view's rows are the ones it
was read from — at the position the view has reached since — and never once they changed.

A view's position moves with every event of the log, its own or not; its rows only with its
own. So after an event of other topics the kept page answers, naming the view's new position,
and it is byte for byte the page a process that never kept one reads from the tables; after an
event of the view's own, the page is read anew. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from projections import queries
from service.api.resources import views as view_resources
from service.settings import Settings
from tests.api.conftest import API, Tenant, World

PORTFOLIO = "network/procurements"


@pytest.fixture
def app(make_app: Callable[..., Flask], store_settings: Settings) -> Flask:
    return make_app(store_settings)


def _page_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the portfolio's pages read from its tables."""
    reads: list[int] = []
    original = queries.list_portfolio

    def counted(*args: Any, **kwargs: Any) -> queries.Page:
        page = original(*args, **kwargs)
        reads.append(page.position)
        return page

    monkeypatch.setattr(view_resources.queries, "list_portfolio", counted)
    return reads


def _read_at(client: Any, position: int) -> Any:
    """The portfolio once the view has reached `position` (then without asking for it, so that
    the request is the one kept)."""
    assert client.get(PORTFOLIO, query={"position": position}).status_code == 200
    response = client.get(PORTFOLIO)
    assert response.status_code == 200
    return response


def test_a_kept_page_answers_at_the_new_position_until_the_views_rows_change(
    make_app: Callable[..., Flask],
    store_settings: Settings,
    world: World,
    ystad: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    procurement_id = world.procurement(ystad, "tendering", title="Sensorer i förskolan")
    need_id = world.need(ystad)
    head = world.anonymous().get("/readyz").get_json()["head_position"]
    first = _read_at(ystad.officer, head)
    assert [p["title"] for p in first.get_json()["items"]] == ["Sensorer i förskolan"]
    reads = _page_reads(monkeypatch)

    # An event of another view: the portfolio's position moves, its rows do not.
    edited = ystad.officer.ok("PATCH", f"needs/{need_id}", 200, json={"title": "Torra golv"})
    assert edited["position"] > first.get_json()["position"]
    again = _read_at(ystad.officer, edited["position"])
    assert reads == []  # answered from memory, also the read that asked for the position
    position = again.get_json()["position"]
    assert position >= edited["position"]
    assert again.headers["Innoledger-Position"] == str(position)
    assert again.get_json() == {**first.get_json(), "position": position}
    assert again.headers["ETag"] != first.headers["ETag"]
    # Byte for byte what a process that keeps no page reads from the tables.
    keeps_none = make_app(store_settings, answer_cache_bytes=0).test_client()
    never_kept = keeps_none.get(f"{API}/{PORTFOLIO}", headers=ystad.officer.headers())
    assert never_kept.get_data() == again.get_data()
    assert never_kept.headers["ETag"] == again.headers["ETag"]
    assert reads == [position]  # that process's read
    # The kept page's validator names the new position: it answers 304 from it.
    unchanged = ystad.officer.get(PORTFOLIO, headers={"If-None-Match": again.headers["ETag"]})
    assert unchanged.status_code == 304

    # An event of the view's own: its rows change, and the page is read anew.
    renamed = ystad.officer.ok(
        "PATCH", f"procurements/{procurement_id}", 200, json={"title": "Sensorer i skolan"}
    )
    changed = _read_at(ystad.officer, renamed["position"])
    assert [p["title"] for p in changed.get_json()["items"]] == ["Sensorer i skolan"]
    assert reads[1:] == [changed.get_json()["position"]]
    assert changed.get_json()["position"] >= renamed["position"]

