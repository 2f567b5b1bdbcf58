"""§8: hostile input against the running gunicorn, on SQLite and PostgreSQL: every bad request is
refused with a clear 4xx problem answer and writes nothing; no input makes the service answer 5xx.

Bytes are sent with http.client exactly as written (no client-side normalisation of paths,
bodies or headers). "Nothing written" is checked on the log's head position (/readyz) before and
after every request. Text that merely *looks* like SQL or JSON is valid text: it is stored
verbatim and is inert (the last tests), not refused.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.reliability.checks import FIGURES, check_ledger, opened, server_errors
from tests.reliability.conftest import Served, served_demo

PROBLEM = "application/problem+json"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with served_demo(request.param, tmp_path_factory.mktemp(f"hostile-{request.param}")) as s:
        yield s


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def send(
    served: Served,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    token: str | None = None,
    chunks: list[bytes] | None = None,
) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", served.server.port, timeout=30)
    try:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        if chunks is not None:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in all_headers.items():
                conn.putheader(name, value)
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            try:
                for chunk in chunks:
                    conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                conn.send(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may refuse (and close) before the body is complete
        else:
            conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        conn.close()


def head(served: Served) -> int:
    answer = send(served, "GET", "/readyz")
    assert answer.status == 200, answer.body
    return int(answer.json["head_position"])


def version_of(served: Served, path: str, token: str) -> str:
    answer = send(served, "GET", path, token=token)
    assert answer.status == 200, answer.body
    return answer.headers["ETag"]


def refusal_problem(
    answer: Answer, expected: set[int], what: str, *, problem: bool = True
) -> str | None:
    """What is wrong with this answer to a bad request, or None."""
    try:
        assert_refused(answer, expected, what, problem=problem)
    except AssertionError as exc:
        return str(exc).splitlines()[0]
    return None


def assert_refused(answer: Answer, expected: set[int], what: str, *, problem: bool = True) -> None:
    text = answer.body[:300].decode(errors="replace")
    assert answer.status in expected, f"{what}: {answer.status} {text}"
    if problem:
        content_type = answer.headers.get("Content-Type", "")
        assert content_type.startswith(PROBLEM), f"{what}: {content_type} {text}"
        body = answer.json
        assert body["status"] == answer.status and body["title"] and body["type"], what


def bad_bodies(area: str) -> list[tuple[str, bytes, dict[str, str], set[int]]]:
    """(what, body, headers, accepted statuses) for POST /needs."""
    valid = {
        "title": "Giltig titel",
        "problem_statement": "Ett problem",
        "innovation_area_id": area,
    }

    def with_(**changes: Any) -> bytes:
        return json.dumps({**valid, **changes}).encode()

    deep_list = b'{"title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    deep_dict = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    invalid = {400, 422}
    media = {400, 415, 422}
    return [
        ("malformed JSON", b'{"title": "x",', JSON, invalid),
        ("not JSON", b"this is not json", JSON, invalid),
        ("empty body", b"", JSON, invalid),
        ("JSON null", b"null", JSON, invalid),
        ("JSON array", b"[]", JSON, invalid),
        ("JSON string", b'"title"', JSON, invalid),
        ("JSON number", b"42", JSON, invalid),
        ("text/plain", with_(), {"Content-Type": "text/plain"}, media),
        (
            "form",
            b"title=x&problem_statement=y",
            {"Content-Type": "application/x-www-form-urlencoded"},
            media,
        ),
        (
            "multipart",
            b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--b--\r\n',
            {"Content-Type": "multipart/form-data; boundary=b"},
            media,
        ),
        ("no content type", with_(), {}, media),
        ("XML", b"<need><title>x</title></need>", {"Content-Type": "application/xml"}, media),
        ("invalid UTF-8", b'{"title": "\xff\xfe\xfd", "problem_statement": "p"}', JSON, invalid),
        ("UTF-16 body", with_().decode().encode("utf-16"), JSON, invalid),
        ("lone surrogate", with_(title="\ud800"), JSON, invalid),
        ("NUL in text", with_(title="a\u0000b"), JSON, invalid),
        ("deeply nested arrays", deep_list, JSON, invalid),
        ("deeply nested objects", deep_dict, JSON, invalid),
        ("number too long to parse", b'{"title": ' + b"9" * 5000 + b"}", JSON, invalid),
        ("NaN", b'{"title": NaN}', JSON, invalid),
        ("title as object (operator injection)", with_(title={"$ne": None}), JSON, invalid),
        ("title as list", with_(title=["x"]), JSON, invalid),
        ("title too long", with_(title="x" * 201), JSON, invalid),
        ("area id injection", with_(innovation_area_id="1' OR '1'='1"), JSON, invalid),
        ("unknown field owner", with_(owner="skurup"), JSON, invalid),
        ("unknown field tenant", with_(tenant="skurup"), JSON, invalid),
        ("unknown field __proto__", with_(__proto__={"admin": True}), JSON, invalid),
        ("missing required fields", b"{}", JSON, invalid),
    ]


def test_bad_bodies_are_refused_with_a_problem_and_write_nothing(served: Served) -> None:
    demo = served.demo
    officer = demo.token("ystad", "officer")
    wrong = []
    cases = bad_bodies(demo.areas["ystad"])
    for what, body, headers, expected in cases:
        before = head(served)
        answer = send(served, "POST", "/api/v1/needs", body=body, headers=headers, token=officer)
        wrong.append(refusal_problem(answer, expected, what))
        if head(served) != before:
            wrong.append(f"{what} wrote an event")
    FIGURES.bad_inputs += len(cases)
    FIGURES.requests += len(cases)
    wrong = [w for w in wrong if w]
    assert not wrong, "\n".join(wrong)


def test_bad_commands_on_an_existing_need_are_refused_and_write_nothing(served: Served) -> None:
    demo = served.demo
    officer = demo.token("ystad", "officer")
    path = f"/api/v1/needs/{demo.private_need}"
    etag = version_of(served, path, officer)
    shared = f"/api/v1/needs/{demo.needs['Ökat samutnyttjande']}"
    stale = f'"{int(version_of(served, shared, officer).strip(chr(34)).split("-")[0]) - 1}"'
    swot = json.dumps({"quadrant": "threat", "text": "Hot"}).encode()
    cases: list[tuple[str, str, str, bytes, dict[str, str], set[int]]] = [
        ("no If-Match", "POST", f"{path}/swot", swot, JSON, {428}),
        ("If-Match *", "POST", f"{path}/swot", swot, {**JSON, "If-Match": "*"}, {428}),
        (
            "If-Match list",
            "POST",
            f"{path}/swot",
            swot,
            {**JSON, "If-Match": f'{etag}, "9"'},
            {428},
        ),
        ("weak If-Match", "POST", f"{path}/swot", swot, {**JSON, "If-Match": f"W/{etag}"}, {428}),
        ("If-Match negative", "POST", f"{path}/swot", swot, {**JSON, "If-Match": '"-1"'}, {428}),
        (
            "If-Match huge",
            "POST",
            f"{path}/swot",
            swot,
            {**JSON, "If-Match": '"99999999999999999999"'},
            {428},
        ),
        ("stale If-Match", "POST", f"{shared}/swot", swot, {**JSON, "If-Match": stale}, {412}),
        (
            "quadrant injection",
            "POST",
            f"{path}/swot",
            json.dumps({"quadrant": "threat' OR 1=1--", "text": "x"}).encode(),
            {**JSON, "If-Match": etag},
            {422},
        ),
        (
            "unknown field",
            "POST",
            f"{path}/swot",
            json.dumps({"quadrant": "threat", "text": "x", "author": "skurup-officer"}).encode(),
            {**JSON, "If-Match": etag},
            {422},
        ),
        (
            "impossible date",
            "POST",
            f"{path}/workshops",
            json.dumps({"held_on": "2018-02-30", "participant_count": 3}).encode(),
            {**JSON, "If-Match": etag},
            {422},
        ),
        (
            "count as float overflow",
            "POST",
            f"{path}/workshops",
            b'{"held_on": "2018-02-20", "participant_count": 1e400}',
            {**JSON, "If-Match": etag},
            {400, 422},
        ),
        (
            "count as huge integer",
            "POST",
            f"{path}/workshops",
            b'{"held_on": "2018-02-20", "participant_count": 1' + b"0" * 400 + b"}",
            {**JSON, "If-Match": etag},
            {422},
        ),
        (
            "count as string",
            "POST",
            f"{path}/workshops",
            b'{"held_on": "2018-02-20", "participant_count": "3; DROP TABLE x"}',
            {**JSON, "If-Match": etag},
            {422},
        ),
        (
            "decision without offset",
            "POST",
            f"{path}/decisions",
            json.dumps(
                {
                    "type": "park",
                    "rationale": "r",
                    "authority": {"kind": "delegation"},
                    "decided_at": "2018-03-01T10:00:00",
                }
            ).encode(),
            {**JSON, "If-Match": etag},
            {422},
        ),
        (
            "unknown decision type",
            "POST",
            f"{path}/decisions",
            json.dumps(
                {
                    "type": "delete_everything",
                    "rationale": "r",
                    "authority": {"kind": "delegation"},
                    "decided_at": "2018-03-01T10:00:00+01:00",
                }
            ).encode(),
            {**JSON, "If-Match": etag},
            {422},
        ),
        (
            "PATCH with unknown field",
            "PATCH",
            path,
            json.dumps({"owner": "skurup"}).encode(),
            {**JSON, "If-Match": etag},
            {422},
        ),
        (
            "PATCH with status",
            "PATCH",
            path,
            json.dumps({"status": "realised"}).encode(),
            {**JSON, "If-Match": etag},
            {422},
        ),
        ("method not allowed", "PUT", path, swot, {**JSON, "If-Match": etag}, {405}),
        (
            "DELETE a municipality",
            "DELETE",
            "/api/v1/municipalities/ystad",
            b"",
            {"If-Match": '"1"'},
            {405},
        ),
    ]
    wrong = []
    for what, method, target, body, headers, expected in cases:
        before = head(served)
        answer = send(served, method, target, body=body, headers=headers, token=officer)
        wrong.append(refusal_problem(answer, expected, what))
        if answer.status == 405 and not answer.headers.get("Allow"):
            wrong.append(f"{what}: 405 without Allow")
        if head(served) != before:
            wrong.append(f"{what} wrote an event")
    FIGURES.bad_inputs += len(cases)
    FIGURES.requests += len(cases)
    wrong = [w for w in wrong if w]
    assert not wrong, "\n".join(wrong)


def test_oversized_bodies_are_refused_before_they_are_read(served: Served) -> None:
    officer = served.demo.token("ystad", "officer")
    before = head(served)
    big = json.dumps({"title": "x", "problem_statement": "y" * 2_000_000}).encode()
    valid_start = json.dumps(
        {
            "title": "För stor",
            "problem_statement": "Kroppen är över gränsen",
            "innovation_area_id": served.demo.areas["ystad"],
        }
    ).encode()
    cases: list[tuple[str, dict[str, Any]]] = [
        ("2 MB body", {"body": big}),
        (
            "lying Content-Length",
            {"body": b"{}", "headers": {**JSON, "Content-Length": "999999999"}},
        ),
        (
            "2 MB chunked",
            {"chunks": [b'{"title": "x", "problem_statement": "'] + [b"y" * 65536] * 32 + [b'"}']},
        ),
        # Valid JSON in its first megabyte, 2 MB in all: refused, not truncated and accepted.
        ("2 MB chunked: valid JSON, then padding", {"chunks": [valid_start] + [b" " * 65536] * 32}),
    ]
    wrong = []
    for what, request in cases:
        before = head(served)
        request.setdefault("headers", JSON)
        answer = send(served, "POST", "/api/v1/needs", token=officer, **request)
        wrong.append(refusal_problem(answer, {413}, what))
        if head(served) != before:
            wrong.append(f"{what} wrote an event")
    FIGURES.bad_inputs += len(cases)
    FIGURES.requests += len(cases)
    wrong = [w for w in wrong if w]
    assert not wrong, "\n".join(wrong)


def test_enormous_pages_and_bad_queries_are_refused(served: Served) -> None:
    demo = served.demo
    auditor = demo.platform["auditor"]
    need = f"/api/v1/needs/{demo.needs['Ökat samutnyttjande']}"
    procurement = f"/api/v1/procurements/{demo.procurements['sharing']}"
    queries = [
        "/api/v1/ocds/releases?limit=1000000000",
        "/api/v1/ocds/releases?limit=-1",
        "/api/v1/ocds/releases?limit=0",
        "/api/v1/ocds/releases?limit=abc",
        "/api/v1/ocds/releases?limit=1e9",
        "/api/v1/ocds/releases?cursor=" + "A" * 501,
        "/api/v1/ocds/releases?cursor=%27%20OR%201%3D1--",
        "/api/v1/audit/events?limit=1000000000",
        "/api/v1/needs?limit=1000000000",
        "/api/v1/procurements?limit=-1",
        "/api/v1/network/needs?limit=1000000000",
        "/api/v1/network/needs?cursor=%27%20OR%201%3D1--",
        "/api/v1/network/procurements?limit=99999999999999999999",
        "/api/v1/network/lessons?limit=0",
        "/api/v1/network/innovation-share?limit=1000000000",
        "/api/v1/audit/decisions?limit=1000000000",
        "/api/v1/audit/events?after=-1",
        "/api/v1/audit/events?after=" + "9" * 40,
        f"{need}/history?limit=1000000000",
        f"{need}/history?limit=-5",
        f"{procurement}/history?limit=99999999999999999999",
        f"{need}?version=1000000000000",
        f"{need}?version=-1",
        f"{need}?version=1%20OR%201%3D1",
        f"{need}?as_of=yesterday",
        f"{need}?as_of=2018-13-45T99:99:99Z",
        f"{need}?version=1&as_of=2018-01-01T00:00:00Z",
        "/api/v1/audit/ledger/inclusion?leaf_index=-1&tree_size=1",
        "/api/v1/audit/ledger/inclusion?leaf_index=0&tree_size=" + "9" * 30,
        "/api/v1/audit/ledger/consistency?first=5&second=2",
        "/api/v1/audit/ledger/consistency?first=abc&second=2",
    ]
    before = head(served)
    for query in queries:
        answer = send(served, "GET", query, token=auditor)
        assert_refused(answer, {400, 404, 422}, query)
    assert head(served) == before
    FIGURES.bad_inputs += len(queries)
    FIGURES.requests += len(queries)


def test_path_traversal_and_injection_in_ids_find_nothing(served: Served) -> None:
    demo = served.demo
    officer = demo.token("ystad", "officer")
    paths = [
        "/api/v1/needs/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/v1/needs/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/v1/needs/..%5C..%5Cwindows%5Cwin.ini",
        "/api/v1/needs/%00",
        "/api/v1/needs/1'%20OR%20'1'%3D'1",
        "/api/v1/needs/00000000-0000-0000-0000-000000000000",
        "/api/v1/procurements/..%2Fprocurements",
        "/api/v1/procurements/%27%3B%20DROP%20TABLE%20stored_events%3B--",
        "/api/v1/municipalities/..%2Fskurup",
        "/api/v1/municipalities/ystad%00",
        "/api/v1/municipalities/ystad'%20OR%201=1--",
        "/api/v1/municipalities/YSTAD",
        "/api/v1/people/..%2F..%2Fplatform-admin",
        "/api/v1/people/x'%20OR%20'1'='1",
        "/api/v1/municipalities/ystad/history/..%2F..%2Fskurup",
        f"/api/v1/needs/{demo.private_need}/..%2F..%2Fprocurements",
        "/api/v1/needs/../../etc/passwd",
        "/api/v1/needs/" + "a" * 5000,
    ]
    for path in paths:
        answer = send(served, "GET", path, token=officer)
        assert_refused(answer, {404, 405}, path)
    before = head(served)
    writes = [
        ("POST", "/api/v1/needs/..%2F..%2Fneeds/swot"),
        ("POST", "/api/v1/procurements/1'%20OR%20'1'%3D'1/bids"),
        ("DELETE", "/api/v1/tokens/..%2F..%2F"),
        ("DELETE", "/api/v1/tokens/%27%20OR%20%271%27%3D%271"),
        ("DELETE", "/api/v1/people/..%2Fystad-officer"),
        ("POST", "/api/v1/municipalities/..%2Fystad/members"),
    ]
    for method, path in writes:
        answer = send(
            served,
            method,
            path,
            body=b'{"text": "x", "quadrant": "threat"}',
            headers={**JSON, "If-Match": '"1"'},
            token=officer,
        )
        assert_refused(answer, {403, 404, 405, 422}, f"{method} {path}")
    assert head(served) == before
    FIGURES.bad_inputs += len(paths) + len(writes)
    FIGURES.requests += len(paths) + len(writes)


def test_bad_credentials_and_headers_are_refused(served: Served) -> None:
    need = f"/api/v1/needs/{served.demo.private_need}"
    cases: list[tuple[str, dict[str, str], set[int], bool]] = [
        ("no token", {}, {401}, True),
        ("Basic auth", {"Authorization": "Basic YWRtaW46YWRtaW4="}, {401}, True),
        ("empty bearer", {"Authorization": "Bearer "}, {401}, True),
        ("huge bearer", {"Authorization": "Bearer " + "A" * 6000}, {401}, True),
        ("forged token", {"Authorization": "Bearer il_0123456789abcdef_forged"}, {401}, True),
        ("SQL in token", {"Authorization": "Bearer il_x' OR '1'='1_y"}, {401}, True),
        ("header too large", {"Authorization": "Bearer " + "A" * 9000}, {400, 431}, False),
        ("too many headers", {f"X-H{i}": "x" for i in range(120)}, {400, 431}, False),
    ]
    for what, headers, expected, problem in cases:
        answer = send(served, "GET", need, headers=headers)
        assert_refused(answer, expected, what, problem=problem)
    long_url = send(served, "GET", "/api/v1/needs/" + "a" * 9000)
    assert_refused(long_url, {400, 414}, "request line too long", problem=False)
    # A request id that is not safe is replaced, never echoed.
    answer = send(served, "GET", "/livez", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert "<script>" not in answer.headers.get("X-Request-ID", "")
    FIGURES.bad_inputs += len(cases) + 2
    FIGURES.requests += len(cases) + 2


def test_injection_looking_text_is_stored_verbatim_and_inert(served: Served) -> None:
    """Valid text that looks like SQL or JSON is data: stored as written, changing nothing else."""
    demo = served.demo
    officer = demo.token("ystad", "officer")
    texts = [
        "Robert'); DROP TABLE stored_events; --",
        "x' OR '1'='1",
        '","owner":"skurup","visibility":"shared',
        '{"$where": "sleep(1000)"}',
        "Åsa Öberg ä ö å — 🚲 \u202e",
    ]
    before = head(served)
    for text in texts:
        body = json.dumps(
            {
                "title": text[:200],
                "problem_statement": text,
                "innovation_area_id": demo.areas["ystad"],
            }
        ).encode()
        created = send(served, "POST", "/api/v1/needs", body=body, headers=JSON, token=officer)
        assert created.status == 201, created.body
        need = created.json["id"]
        read = send(served, "GET", f"/api/v1/needs/{need}", token=officer).json
        assert (read["title"], read["problem_statement"]) == (text[:200], text)
        assert (read["owner"], read["visibility"]) == ("ystad", "private")
        # Still private: Skurup does not see it.
        other = send(served, "GET", f"/api/v1/needs/{need}", token=demo.token("skurup", "officer"))
        assert other.status == 404
    assert head(served) == before + len(texts)
    FIGURES.requests += 3 * len(texts)
    with opened(served.settings) as app:
        check_ledger(app)


def test_no_bad_input_made_the_service_fail(served: Served) -> None:
    """After everything above: no 5xx in the access log, the workers never died."""
    errors = [f"{e['method']} {e['path']} -> {e['status']}" for e in server_errors(served.server)]
    assert not errors, "\n".join(errors)
    assert "Traceback" not in served.server.log_text()
    assert len(served.server.worker_pids()) == served.server.workers
