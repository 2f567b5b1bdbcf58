"""§8: no endpoint answers 5xx to any input schemathesis generates, against the running gunicorn
(over HTTP, not the WSGI test client), as every role: stateless (each operation on its own) and
stateful (sequences linked by the ids operations return).

Every role of Ystad, Skurup's officer (another municipality), the platform admin and the
platform auditor; path ids are now and then those of real needs, procurements and
municipalities, and If-Match is usually their current version, so generated bodies reach the
domain rather than stopping at 404 or 412.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from service.api import create_app
from service.settings import Settings
from tests.reliability.checks import FIGURES, server_errors
from tests.reliability.conftest import Served, served_demo

EXAMPLES = int(os.environ.get("INNOLEDGER_LIVE_FUZZ_EXAMPLES", "5"))
SCENARIOS = int(os.environ.get("INNOLEDGER_LIVE_STATEFUL_SCENARIOS", "4"))
PROBLEM = "application/problem+json"
ROOTS = {"need_id": "needs", "procurement_id": "procurements", "slug": "municipalities"}


def _document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as var:
        app = create_app(Settings(database="sqlite", var_dir=Path(var), testing=True))
        try:
            return app.test_client().get("/api/openapi.json").get_json()  # type: ignore[no-any-return]
        finally:
            app.extensions["innoledger"].close()


def _with_links(document: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI links for the stateful run (the served document has none): a need or procurement
    that one operation creates or reads is what the next one works on."""
    paths = document["paths"]

    def pointer(path: str, method: str) -> str:
        return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method

    def link(source: tuple[str, str, str], prefix: str, parameter: str) -> None:
        path, method, status = source
        response = paths[path][method]["responses"].setdefault(status, {"description": "ok"})
        links = response.setdefault("links", {})
        for target, item in paths.items():
            if not target.startswith(prefix):
                continue
            for target_method in item:
                if target_method in ("get", "post", "put", "patch", "delete"):
                    name = f"{target_method}{target}".replace("/", "_").replace("{", "")
                    links[name.replace("}", "")] = {
                        "operationRef": pointer(target, target_method),
                        "parameters": {f"path.{parameter}": "$response.body#/id"},
                    }

    need, procurement = "/api/v1/needs/{need_id}", "/api/v1/procurements/{procurement_id}"
    link(("/api/v1/needs", "post", "201"), need, "need_id")
    link((need, "get", "200"), need, "need_id")
    link((procurement, "get", "200"), procurement, "procurement_id")
    return document


schema = schemathesis.openapi.from_dict(_document())
schema.config.phases.update(phases=["fuzzing"])
schema.config.generation.update(max_examples=EXAMPLES, database="none", deterministic=True)
linked = schemathesis.openapi.from_dict(_with_links(_document()))
# Sequences are built from valid steps (the stateless run above covers invalid input, missing
# credentials included); otherwise most steps would stop at a 401 or 422.
linked.config.generation.update(modes=[GenerationMode.POSITIVE], database="none")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_demo("sqlite", tmp_path_factory.mktemp("schemathesis"), workers=2) as s:
        yield s


def roles(served: Served) -> dict[str, str]:
    demo = served.demo
    tokens = {role: token for role, token in demo.tokens["ystad"].items()}
    tokens["other_officer"] = demo.token("skurup", "officer")
    # A co-lead of Ystad's joint procurement: its commands reach the participants' own logic.
    tokens["co_lead_decision_maker"] = demo.token("trelleborg", "decision_maker")
    tokens["platform_admin"] = demo.platform["platform_admin"]
    tokens["platform_auditor"] = demo.platform["auditor"]
    return tokens


def real_ids(served: Served) -> dict[str, list[str]]:
    demo = served.demo
    return {
        "need_id": [*demo.needs.values(), demo.private_need][:6],
        "procurement_id": list(demo.procurements.values()),
        # Burlöv only: suspending the others would stop the rest of the run.
        "slug": ["burlov"],
    }


def current_etag(served: Served, root: str) -> str | None:
    response = requests.get(
        f"{served.server.url}{root}",
        headers={"Authorization": f"Bearer {served.demo.platform['auditor']}"},
        timeout=20,
    )
    return response.headers.get("ETag") if response.status_code == 200 else None


def prepare(case: schemathesis.Case, served: Served, draw: Any) -> dict[str, str]:
    """Chooses the role, real ids now and then, and an If-Match; the headers to send."""
    tokens = roles(served)
    role = draw(st.sampled_from(sorted(tokens)))
    root = None
    for name, value in list((case.path_parameters or {}).items()):
        choices = real_ids(served).get(name)
        if choices and draw(st.booleans()):
            value = draw(st.sampled_from(choices))
            case.path_parameters[name] = value
        if name in ROOTS:
            root = f"/api/v1/{ROOTS[name]}/{value}"
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    if case.method.upper() != "GET" and root and not case.path.endswith("/tokens"):
        etag = current_etag(served, root)
        if etag and draw(st.sampled_from([True, True, False])):
            headers["If-Match"] = etag
    return headers


def check_answer(response: Any) -> None:
    FIGURES.requests += 1
    FIGURES.bad_inputs += 1
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    if response.status_code >= 400:
        content_type = response.headers.get("content-type") or response.headers.get(
            "Content-Type", ""
        )
        if isinstance(content_type, list):
            content_type = content_type[0] if content_type else ""
        assert content_type.startswith(PROBLEM), response.text[:300]


@schema.parametrize()
@schema.given(data=st.data())
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_stateless_fuzzing_of_every_operation_over_http(
    case: schemathesis.Case, data: st.DataObject, served: Served
) -> None:
    headers = prepare(case, served, data.draw)
    response = case.call(base_url=served.server.url, headers=headers, timeout=30)
    case.validate_response(response, checks=[not_a_server_error])
    check_answer(response)


def test_stateful_sequences_as_every_role_over_http(served: Served) -> None:
    tokens = roles(served)
    base = linked.as_state_machine()
    ids = real_ids(served)
    areas = served.demo.areas
    order = sorted(tokens)

    class Machine(base):  # type: ignore[misc, valid-type]
        role = order[0]

        def before_call(self, case: schemathesis.Case) -> None:
            # Start from real objects most of the time, and create needs in a real area.
            for name, value in list((case.path_parameters or {}).items()):
                if name in ids and value not in ids[name] and hash(value) % 4:
                    case.path_parameters[name] = ids[name][hash(value) % len(ids[name])]
            if case.path == "/api/v1/needs" and isinstance(case.body, dict):
                municipality = self.role if self.role in areas else "ystad"
                case.body["innovation_area_id"] = areas.get(municipality, areas["ystad"])

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {tokens[self.role]}"}
            for name, value in (case.path_parameters or {}).items():
                if name in ROOTS and case.method.upper() != "GET":
                    etag = current_etag(served, f"/api/v1/{ROOTS[name]}/{value}")
                    if etag:
                        headers["If-Match"] = etag
            return {"base_url": served.server.url, "headers": headers, "timeout": 30}

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            check_answer(response)

    # One scenario per run, each with a seed of its own: the server's state changes from one
    # scenario to the next, so Hypothesis must not replay or shrink across them (it would find
    # the steps "inconsistent"); a failure is reported with its seed and steps as they ran.
    for number in range(SCENARIOS * len(order)):
        Machine.role = order[number % len(order)]
        hypothesis.seed(1000 + number)(Machine)
        Machine.run(
            settings=hypothesis.settings(
                max_examples=1,
                stateful_step_count=6,
                deadline=None,
                suppress_health_check=list(hypothesis.HealthCheck),
                database=None,
                phases=[hypothesis.Phase.generate],
            )
        )


def test_no_generated_input_made_the_service_fail(served: Served) -> None:
    errors = [f"{e['method']} {e['path']} -> {e['status']}" for e in server_errors(served.server)]
    assert not errors, "\n".join(errors)
    assert len(served.server.worker_pids()) == served.server.workers
