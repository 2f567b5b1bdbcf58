"""The network needs catalogue over HTTP answers its stored rows joined: byte for byte what
serialising its rows the usual way gives, with the same headers, paging, position and
visibility, on both databases; and the OpenAPI document still describes the answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from projections import queries
from service.api.views import page_response
from service.settings import Settings
from tests.api.conftest import PRIORITISED_AT, SCORES, Tenant, World, decision


@pytest.fixture
def app(make_app: Callable[..., Flask], store_settings: Settings) -> Flask:
    return make_app(store_settings)


def _serialised_the_usual_way(
    app: Flask, read: Callable[..., queries.Page], *args: Any, **filters: Any
) -> TestResponse:
    """The page as the service answered before rows were stored in their API form: the rows
    as dicts, serialised by the app's JSON provider."""
    with app.test_request_context():
        response = page_response(read(app.extensions["innoledger"].sql, *args, **filters))
    return response


def _assert_same_answer(answer: TestResponse, usual: TestResponse) -> None:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_data() == usual.get_data()
    for header in ("Content-Type", "Content-Length", "Innoledger-Position"):
        assert answer.headers[header] == usual.headers[header], header


@pytest.fixture
def network(world: World, ystad: Tenant, skurup: Tenant) -> dict[str, Any]:
    tricky = world.need(
        ystad,
        "prioritised",
        shared=True,
        title='Golv "utan" halka \\ för\tförskolan ✓ \u2028 <b>&amp;</b>',
    )
    plain = world.need(ystad, "identified", shared=True, title="Rena golv i simhallen")
    theirs = world.need(skurup, "identified", shared=True, title="Torra golv i skolan")
    private = world.need(skurup, "identified", title="Privat behov om golv")
    skurup.officer.ok("POST", f"needs/{tricky}/co-owners", 200)
    # Prioritised again: a priority score and a later updated_at on a co-owned need.
    position = ystad.dm.ok(
        "POST",
        f"needs/{tricky}/decisions",
        200,
        json=decision("prioritise", PRIORITISED_AT, scores=SCORES),
    )["position"]
    return {
        "tricky": tricky,
        "plain": plain,
        "theirs": theirs,
        "private": private,
        "position": position,
    }


def test_pages_are_what_serialising_the_rows_gives(
    app: Flask, world: World, ystad: Tenant, skurup: Tenant, network: dict[str, Any]
) -> None:
    position = network["position"]
    first = skurup.viewer.get("network/needs", query={"position": position, "limit": 2})
    _assert_same_answer(first, _serialised_the_usual_way(app, queries.list_network_needs, limit=2))
    body = first.get_json()
    assert [row["need_id"] for row in body["items"]] == [network["theirs"], network["plain"]]
    assert body["next_cursor"] is not None and body["position"] >= position

    cursor = body["next_cursor"]
    rest = skurup.viewer.get("network/needs", query={"cursor": cursor, "limit": 2})
    _assert_same_answer(
        rest, _serialised_the_usual_way(app, queries.list_network_needs, cursor=cursor, limit=2)
    )
    [row] = rest.get_json()["items"]
    assert row["need_id"] == network["tricky"] and rest.get_json()["next_cursor"] is None
    assert row["co_owners"] == ["skurup"] and row["priority_score"] == "4.00"
    assert row["title"] == 'Golv "utan" halka \\ för\tförskolan ✓ \u2028 <b>&amp;</b>'
    assert "✓" in rest.get_data(as_text=True)  # text as it is, not \u-escaped

    for filters in (
        {"q": "golv"},
        {"municipality": "skurup"},
        {"owner": "ystad"},
        {"status": "prioritised"},
        {"area": "LÄRPROCESS för ai"},
        {"q": "saknas"},
    ):
        answer = ystad.viewer.get("network/needs", query=filters)
        _assert_same_answer(
            answer, _serialised_the_usual_way(app, queries.list_network_needs, **filters)
        )
        assert network["private"] not in answer.get_data(as_text=True)


def test_similar_needs_are_what_serialising_the_rows_gives(
    app: Flask, ystad: Tenant, skurup: Tenant, network: dict[str, Any]
) -> None:
    for subject in (network["tricky"], network["theirs"]):
        answer = skurup.viewer.get(
            f"network/needs/{subject}/similar", query={"position": network["position"]}
        )
        _assert_same_answer(
            answer,
            _serialised_the_usual_way(
                app, queries.similar_network_needs, subject, viewer="skurup", limit=50
            ),
        )
        assert answer.get_json()["items"]
    private = ystad.viewer.get(f"network/needs/{network['private']}/similar")
    assert private.status_code == 404


def test_in_debug_mode_the_answer_is_indented_as_before(
    app: Flask, skurup: Tenant, network: dict[str, Any]
) -> None:
    app.debug = True
    answer = skurup.viewer.get("network/needs", query={"position": network["position"]})
    _assert_same_answer(answer, _serialised_the_usual_way(app, queries.list_network_needs))
    assert b'\n  "items": [' in answer.get_data()


def test_the_document_describes_every_member_of_the_answer(
    world: World, skurup: Tenant, network: dict[str, Any]
) -> None:
    document = world.anonymous().read("/api/openapi.json")
    schemas = document["components"]["schemas"]

    def item_schema(path: str) -> dict[str, Any]:
        page = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        page_schema = schemas[page["schema"]["$ref"].rsplit("/", 1)[1]]
        return schemas[page_schema["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[1]]

    need = item_schema("/api/v1/network/needs")
    items = skurup.viewer.read("network/needs", query={"position": network["position"]})["items"]
    assert items and all(
        set(item) == set(need["properties"]) == set(need["required"]) for item in items
    )
    similar = item_schema("/api/v1/network/needs/{need_id}/similar")
    items = skurup.viewer.read(f"network/needs/{network['tricky']}/similar")["items"]
    assert items and all(set(item) == set(similar["properties"]) for item in items)
