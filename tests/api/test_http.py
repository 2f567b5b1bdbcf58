"""The HTTP contract across endpoints: problem details for every error, 405 with Allow, 413 for
oversized bodies, If-Match/ETag, request ids, UTF-8, probes and metrics (spec §6)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask

from tests.api.conftest import (
    PROBLEM,
    PROCURE_AT,
    Client,
    Tenant,
    World,
    assert_problem,
    decision,
)

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def test_every_kind_of_error_is_a_problem_document(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup)
    cases = [
        (world.anonymous().get("/api/v1/municipalities"), 401),
        (skurup.viewer.post("needs", json={"title": "x"}), 422),
        (
            skurup.officer.post(
                "needs", data="{oops", headers={"Content-Type": "application/json"}
            ),
            400,
        ),
        (skurup.viewer.post(f"needs/{need_id}/share"), 403),
        (skurup.viewer.get("needs/00000000-0000-4000-8000-000000000000"), 404),
        (skurup.viewer.get("/api/v1/no-such-thing"), 404),
        (skurup.viewer.put("needs"), 405),
        (skurup.officer.post(f"needs/{need_id}/share", if_match=None), 428),
        (skurup.officer.post(f"needs/{need_id}/share", if_match="1"), 412),
        (skurup.officer.patch(f"needs/{need_id}", json={}), 409),
        (world.anonymous().request("DELETE", "/livez"), 405),
    ]
    for response, status in cases:
        body = assert_problem(response, status)
        assert body["instance"] == response.request.path
        assert body["request_id"] == response.headers["X-Request-ID"]
        text = response.get_data(as_text=True)
        assert "Traceback" not in text and 'File "' not in text


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/v1/needs", {"POST"}),
        ("DELETE", "/api/v1/needs/{need}", {"GET", "PATCH"}),
        ("GET", "/api/v1/needs/{need}/decisions", {"POST"}),
        ("GET", "/api/v1/needs/{need}/share", {"POST"}),
        ("PATCH", "/api/v1/municipalities", {"GET", "POST"}),
        ("POST", "/api/v1/municipalities/skurup/delegation-order", {"PUT"}),
        ("GET", "/api/v1/tokens/abc", {"DELETE"}),
        ("POST", "/livez", {"GET"}),
        ("POST", "/metrics", {"GET"}),
    ],
)
def test_method_not_allowed_carries_allow(
    world: World, skurup: Tenant, method: str, path: str, allowed: set[str]
) -> None:
    need_id = world.need(skurup, swot=False)
    response = skurup.officer.request(method, path.format(need=need_id), json={}, if_match=None)
    assert_problem(response, 405)
    allow = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed <= allow and method not in allow


def test_an_oversized_body_is_refused_with_413(make_app: Callable[..., Flask]) -> None:
    world = World(make_app(max_body_bytes=4096))
    skurup = world.tenant("skurup")
    small = {
        "title": "Torra golv",
        "problem_statement": "Blöta golv",
        "innovation_area_id": skurup.area_id,
    }
    skurup.officer.ok("POST", "needs", 201, json=small)
    big = {**small, "problem_statement": "å" * 5000}
    response = skurup.officer.post("needs", json=big)
    body = assert_problem(response, 413)
    assert body["instance"] == "/api/v1/needs"
    need_id = skurup.officer.ok("POST", "needs", 201, json=small)["id"]
    response = skurup.officer.patch(f"needs/{need_id}", json={"problem_statement": "x" * 5000})
    assert_problem(response, 413)
    response = skurup.officer.post(
        f"needs/{need_id}/swot", data="x" * 5000, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)
    assert skurup.viewer.read(f"needs/{need_id}")["version"] == 1


def test_a_coroutine_function_is_never_called_as_a_plain_one(
    make_app: Callable[..., Flask],
) -> None:
    # The app remembers which functions it may call as they are: asked again, the answer holds,
    # and a coroutine function is never among them (run to completion, or refused without
    # Flask's async extra).
    app = make_app()

    def plain() -> str:
        return "plain"

    async def coroutine() -> str:
        return "coroutine"

    for _ in range(2):
        assert app.ensure_sync(plain) is plain
        try:
            wrapped = app.ensure_sync(coroutine)
        except RuntimeError:
            wrapped = None
        assert wrapped is not coroutine


def test_the_default_body_limit_is_a_megabyte(world: World, skurup: Tenant) -> None:
    response = skurup.officer.post(
        "needs", data="{" + " " * 1_000_001 + "}", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)


@pytest.mark.parametrize("given", ["abc-123", "req.2018:03_14", "A" * 64])
def test_a_safe_request_id_is_echoed(world: World, skurup: Tenant, given: str) -> None:
    ok = skurup.viewer.get("municipalities/skurup", headers={"X-Request-ID": given})
    assert ok.status_code == 200 and ok.headers["X-Request-ID"] == given
    refused = skurup.viewer.post("needs", json={}, headers={"X-Request-ID": given})
    assert refused.headers["X-Request-ID"] == given
    assert assert_problem(refused, 422)["request_id"] == given
    probe = world.anonymous().get("/livez", headers={"X-Request-ID": given})
    assert probe.headers["X-Request-ID"] == given


@pytest.mark.parametrize(
    "given",
    ["", "has space", "<script>alert(1)</script>", "A" * 65, "rad\u00e5", "a\tb", "x;drop"],
)
def test_an_unsafe_request_id_is_replaced(world: World, skurup: Tenant, given: str) -> None:
    response = skurup.viewer.post("needs", json={}, headers={"X-Request-ID": given})
    replaced = response.headers["X-Request-ID"]
    assert HEX32.match(replaced), replaced
    assert assert_problem(response, 422)["request_id"] == replaced
    assert given not in response.get_data(as_text=True) or given == ""


def test_every_response_has_a_request_id(world: World, skurup: Tenant) -> None:
    ids = set()
    for response in (
        skurup.viewer.get("municipalities"),
        world.anonymous().get("/readyz"),
        world.anonymous().get("/api/v1/needs"),
        skurup.viewer.put("needs"),
    ):
        assert HEX32.match(response.headers["X-Request-ID"])
        ids.add(response.headers["X-Request-ID"])
    assert len(ids) == 4


def test_if_match_must_name_one_strong_version(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup, swot=False)
    path = f"needs/{need_id}"
    for header in ("*", 'W/"1"', "1", '"1", "2"', '"one"', '""', '"-1"'):
        response = skurup.officer.patch(
            path, json={"title": "Ny"}, headers={"If-Match": header}, if_match=None
        )
        assert_problem(response, 428)
    response = skurup.officer.patch(
        path, json={"title": "Ny"}, headers={"If-Match": ' "1" '}, if_match=None
    )
    assert response.status_code == 200 and response.headers["ETag"] == '"2"'
    # A read names version 2 as this caller is shown it (see test_conditional_reads).
    assert skurup.viewer.get(path).headers["ETag"].startswith('"2-')


def test_a_lost_update_is_refused(world: World, skurup: Tenant) -> None:
    """Two people edit from the same read: the second one gets 412 with the current version."""
    need_id = world.need(skurup, swot=False)
    etag = skurup.viewer.get(f"needs/{need_id}").headers["ETag"]
    first = skurup.officer.patch(f"needs/{need_id}", json={"title": "Anna"}, if_match=etag)
    assert first.status_code == 200
    second = skurup.officer.patch(f"needs/{need_id}", json={"title": "Bertil"}, if_match=etag)
    assert assert_problem(second, 412)["current_version"] == 2
    assert skurup.viewer.read(f"needs/{need_id}")["title"] == "Anna"


def test_commands_answer_with_etag_and_position(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup, swot=False)
    positions = []
    for quadrant in ("strength", "weakness", "opportunity"):
        response = skurup.officer.post(
            f"needs/{need_id}/swot", json={"quadrant": quadrant, "text": "x"}
        )
        body = response.get_json()
        assert response.headers["ETag"] == f'"{body["version"]}"'
        assert int(response.headers["Innoledger-Position"]) == body["position"]
        positions.append(body["position"])
    assert positions == sorted(positions) and len(set(positions)) == 3
    decided = skurup.dm.post(f"needs/{need_id}/decisions", json=decision("park", PROCURE_AT))
    assert decided.get_json()["position"] > positions[-1]


def test_text_is_utf8_throughout(world: World, skurup: Tenant) -> None:
    title = "Rena och torra golv i förskolan – ÅÄÖ åäö é"
    need_id = skurup.officer.ok(
        "POST",
        "needs",
        201,
        json={
            "title": title,
            "problem_statement": "Blöta golv i hallen",
            "innovation_area_id": skurup.area_id,
        },
    )["id"]
    response = skurup.viewer.get(f"needs/{need_id}")
    assert response.mimetype == "application/json"
    assert title.encode() in response.get_data()
    assert response.get_json()["title"] == title


def test_probes_and_metrics_need_no_token(world: World, skurup: Tenant) -> None:
    anonymous = world.anonymous()
    live = anonymous.get("/livez")
    assert live.status_code == 200 and live.get_json() == {"status": "ok"}
    ready = anonymous.get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "ok" and body["database"] == "sqlite"
    assert body["checks"]["store"] == "ok"
    assert body["head_position"] >= 8  # the tenant's eight events
    stale = Client(world, "il_0_bogus", name="bogus")
    assert stale.get("/livez").status_code == 200
    assert stale.get("/readyz").status_code == 200


def test_metrics_count_requests_by_route_template(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup, swot=False)
    skurup.viewer.get(f"needs/{need_id}")
    response = world.anonymous().get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "innoledger_http_requests_total" in text
    assert "innoledger_http_request_seconds_bucket" in text
    assert re.search(
        r'innoledger_http_requests_total\{[^}]*endpoint="/api/v1/needs/<need_id>"'
        r'[^}]*status="200"[^}]*\} [1-9]',
        text,
    )
    assert need_id not in text
    assert skurup.viewer.token not in text


def test_metrics_count_every_request_of_a_route(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup, swot=False)
    series = re.compile(
        r'innoledger_http_requests_total\{endpoint="/api/v1/needs/<need_id>",method="GET",'
        r'status="200"\} ([0-9.]+)'
    )
    latency = re.compile(
        r'innoledger_http_request_seconds_count\{endpoint="/api/v1/needs/<need_id>",'
        r'method="GET"\} ([0-9.]+)'
    )

    def counts() -> tuple[float, float]:
        text = world.anonymous().get("/metrics").get_data(as_text=True)
        found, timed = series.search(text), latency.search(text)
        return (
            float(found.group(1)) if found else 0.0,
            float(timed.group(1)) if timed else 0.0,
        )

    before = counts()
    for _ in range(3):
        assert skurup.viewer.get(f"needs/{need_id}").status_code == 200
    after = counts()
    assert (after[0] - before[0], after[1] - before[1]) == (3.0, 3.0)


def test_metrics_do_not_tell_which_commands_were_given(world: World, ystad: Tenant) -> None:
    """/metrics needs no credentials: per-route counts of commands would show bid activity."""
    world.procurement(ystad, "evaluation")
    text = world.anonymous().get("/metrics").get_data(as_text=True)
    assert re.search(r'innoledger_http_requests_total\{[^}]*endpoint="command"', text)
    for route in ("bids", "decisions", "evaluation", "swot"):
        assert not re.search(rf'method="POST"[^}}]*endpoint="[^"]*{route}', text), route
        assert not re.search(rf'endpoint="[^"]*{route}"[^}}]*method="POST"', text), route


def test_metrics_have_a_well_formed_content_type(world: World) -> None:
    """Prometheus (3.x) refuses a scrape whose Content-Type does not parse; a parameter given
    twice does not."""
    response = world.anonymous().get("/metrics")
    assert response.mimetype == "text/plain"
    content_type = response.headers["Content-Type"]
    names = [part.split("=")[0].strip().lower() for part in content_type.split(";")[1:]]
    assert len(names) == len(set(names)), content_type


def test_the_openapi_document_and_docs_are_served(world: World) -> None:
    anonymous = world.anonymous()
    spec = anonymous.get("/api/openapi.json")
    assert spec.status_code == 200 and spec.mimetype == "application/json"
    assert spec.get_json()["openapi"].startswith("3.1")
    docs = anonymous.get("/api/docs")
    assert docs.status_code == 200 and docs.mimetype == "text/html"


def test_unknown_routes_under_the_api_need_a_token_first(world: World, skurup: Tenant) -> None:
    assert_problem(world.anonymous().get("/api/v1/nothing-here"), 401)
    assert_problem(skurup.viewer.get("/api/v1/nothing-here"), 404)
    response = world.anonymous().get("/nothing-here")
    assert_problem(response, 404)
    assert response.mimetype == PROBLEM


def test_every_request_is_logged_as_one_json_line_with_its_request_id(
    world: World, skurup: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    import json
    import logging

    from service.api.observability import JsonFormatter

    need_id = world.need(skurup)
    with caplog.at_level(logging.INFO, logger="innoledger.access"):
        read = skurup.viewer.get(f"needs/{need_id}", query={"secret": "not-logged"})
        refused = world.anonymous().get("/api/v1/municipalities")
    lines = [
        json.loads(JsonFormatter().format(record))
        for record in caplog.records
        if record.name == "innoledger.access"
    ]
    assert [line["status"] for line in lines] == [200, 401]
    for line, response in zip(lines, (read, refused), strict=True):
        assert line["request_id"] == response.headers["X-Request-ID"]
        assert line["message"] == "request" and line["method"] == "GET"
        assert isinstance(line["duration_ms"], float) and "time" in line
    assert lines[0]["path"] == f"/api/v1/needs/{need_id}"  # never the query string
    assert "not-logged" not in json.dumps(lines)
    assert lines[0]["user"] == "skurup-viewer" and lines[1]["user"] is None
