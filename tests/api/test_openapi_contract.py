"""The API against its own OpenAPI document (schemathesis 4, through the WSGI app).

Every operation is called with generated input, authenticated as one of several roles (a tenant
officer, decision maker, viewer and admin, another municipality's officer, the platform admin),
with path parameters that are sometimes the ids of real needs, procurements and municipalities in
every state (so generated bodies reach the domain, not only 404s) and an If-Match that is usually
the current version. No answer may be a 5xx, and every answer must conform to the document:
a documented status code, a documented content type, and a body valid against its schema.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from flask import Flask
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.api import create_app
from service.settings import Settings
from tests.api.conftest import PROBLEM, Client, World

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# A few examples per operation and role keep the run short; raise it for a deeper local run.
EXAMPLES_PER_OPERATION = int(os.environ.get("INNOLEDGER_CONTRACT_EXAMPLES", "12"))
ROLES = ("officer", "decision_maker", "viewer", "tenant_admin", "other_officer", "platform_admin")
PATH_ROOTS = {
    "need_id": "needs",
    "procurement_id": "procurements",
    "slug": "municipalities",
}


@dataclasses.dataclass
class Network:
    app: Flask
    world: World
    clients: dict[str, Client]
    ids: dict[str, list[str]]


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    """Ystad and Skurup with needs and procurements in many states; Burlöv to be suspended."""
    app = create_app(
        Settings(database="sqlite", var_dir=tmp_path_factory.mktemp("contract"), testing=True)
    )
    world = World(app)
    ystad = world.tenant("ystad")
    skurup = world.tenant("skurup")
    world.tenant("burlov")
    needs = [
        world.need(ystad),
        world.need(ystad, "prioritised", shared=True),
        world.need(ystad, "procurement_decided"),
        world.need(ystad, "parked"),
        world.need(skurup),
        world.need(skurup, "prioritised", shared=True),
    ]
    procurements = [
        world.procurement(ystad),
        world.procurement(ystad, "tendering"),
        world.procurement(ystad, "evaluation"),
        world.procurement(ystad, "awarded"),
        world.procurement(ystad, "implementing"),
        world.procurement(skurup, "screened"),
        world.procurement(skurup, "tendering"),
    ]
    awarded = procurements[3]
    review_id = ystad.officer.ok(
        "POST",
        f"procurements/{awarded}/reviews",
        201,
        json={
            "filed_on": "2018-12-28",
            "court": "Förvaltningsrätten i Malmö",
            "applicant": "X AB",
            "reference": "1-18",
        },
    )["created"]["review_id"]
    item_ids = [
        item["id"] for need in needs[:2] for item in ystad.viewer.read(f"needs/{need}")["swot"]
    ]
    store = app.extensions["innoledger"].tokens
    throwaway = store.issue(
        user_id="ystad-viewer",
        municipality="ystad",
        label=None,
        created_by="test",
        lifetime=timedelta(days=1),
    )
    clients = {
        "officer": ystad.officer,
        "decision_maker": ystad.dm,
        "viewer": ystad.viewer,
        "tenant_admin": ystad.admin,
        "other_officer": skurup.officer,
        "platform_admin": world.platform,
    }
    ids = {
        "need_id": needs,
        "procurement_id": procurements,
        "slug": ["ystad", "skurup", "burlov"],
        "review_id": [review_id],
        "item_id": item_ids,
        "area_id": [ystad.area_id],
        "token_id": [throwaway.record.token_id],
    }
    yield Network(app=app, world=world, clients=clients, ids=ids)
    app.extensions["innoledger"].close()


def _document_of_a_fresh_app() -> dict[str, Any]:
    """The OpenAPI document, read once at collection from a throwaway app."""
    with tempfile.TemporaryDirectory() as var:
        app = create_app(Settings(database="sqlite", var_dir=Path(var), testing=True))
        try:
            response = app.test_client().get("/api/openapi.json")
            assert response.status_code == 200
            return response.get_json()  # type: ignore[no-any-return]
        finally:
            app.extensions["innoledger"].close()


# The eager loader: schemathesis' lazy `from_fixture` reads `Node._nodeid`, which pytest 9.2
# no longer has, so the document is loaded at collection and the app is given to each call.
schema = schemathesis.openapi.from_dict(_document_of_a_fresh_app())
schema.config.phases.update(phases=["fuzzing"])  # examples cannot be combined with given
schema.config.generation.update(
    max_examples=EXAMPLES_PER_OPERATION, database="none", deterministic=True
)


def _substitute(case: schemathesis.Case, network: Network, data: st.DataObject) -> str | None:
    """Points the case at real objects now and then; returns the versioned root it targets."""
    root = None
    for name, value in list((case.path_parameters or {}).items()):
        choices = network.ids.get(name)
        if name == "slug" and case.path.endswith(("/suspend", "/reactivate")):
            choices = ["burlov"]  # the others must stay active for the rest of the run
        if choices and data.draw(st.booleans(), label=f"real {name}"):
            value = data.draw(st.sampled_from(choices), label=name)
            case.path_parameters[name] = value
        if name in PATH_ROOTS:
            root = f"/api/v1/{PATH_ROOTS[name]}/{value}"
    return root


@schema.parametrize()
@schema.given(data=st.data())
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_every_operation_conforms_to_the_document(
    case: schemathesis.Case, data: st.DataObject, network: Network
) -> None:
    role = data.draw(st.sampled_from(ROLES), label="role")
    client = network.clients[role]
    root = _substitute(case, network, data)
    headers = {"Authorization": f"Bearer {client.token}"}
    if case.method.upper() != "GET" and root is not None and not case.path.endswith("/tokens"):
        if_match = data.draw(
            st.sampled_from(["current", "current", "current", "stale", "none"]), label="If-Match"
        )
        if if_match != "none":
            response = network.world.platform_auditor.get(root)
            if response.status_code == 200:
                version = int(response.headers["ETag"].strip('"').split("-")[0])
                headers["If-Match"] = f'"{version - (if_match == "stale")}"'
    response = case.call_and_validate(app=network.app, headers=headers, checks=CHECKS)
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith(PROBLEM), response.text


def test_every_state_of_every_aggregate_reads_as_documented(network: Network) -> None:
    """Deterministically, beside the fuzzing: each need, procurement and municipality of the
    network, in every state, now and as of version 1, read by the lead's officer (bids shown),
    its viewer and another municipality (bids hidden) and the platform, conforms."""
    reads = [("/api/v1/needs/{need_id}", "need_id", ident) for ident in network.ids["need_id"]]
    reads += [
        ("/api/v1/procurements/{procurement_id}", "procurement_id", ident)
        for ident in network.ids["procurement_id"]
    ]
    reads += [("/api/v1/municipalities/{slug}", "slug", slug) for slug in network.ids["slug"]]
    readers = [network.clients[role] for role in ("officer", "viewer", "other_officer")]
    readers.append(network.world.platform_auditor)
    checked, violations = 0, set()
    for path, name, ident in reads:
        operation = schema[path]["GET"]
        for client in readers:
            for query in ({}, {"version": 1}):
                case = operation.Case(path_parameters={name: ident}, query=query)
                try:
                    response = case.call_and_validate(
                        app=network.app,
                        headers={"Authorization": f"Bearer {client.token}"},
                        checks=CHECKS,
                    )
                except FailureGroup as failures:
                    violations |= {
                        f"GET {path}: {failure.message}".splitlines()[0]
                        for failure in failures.exceptions
                    }
                else:
                    checked += response.status_code == 200
    assert sorted(violations) == [], "\n".join(sorted(violations))
    assert checked > 50


# The document itself


@pytest.fixture(scope="module")
def document(network: Network) -> dict[str, Any]:
    response = network.app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def test_the_document_is_openapi_3_1_with_bearer_security(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] == "Innoledger"
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert scheme["type"] == "http" and scheme["scheme"].lower() == "bearer"
    assert {"bearer": []} in document["security"]
    # Probes and metrics are open; everything under /api/v1 needs the token.
    for path, _method, operation in _operations(document):
        if path.startswith("/api/v1/"):
            assert operation.get("security", document["security"]) == [{"bearer": []}], path
        else:
            assert operation.get("security") == [], path


def test_every_operation_documents_its_errors_as_problem_details(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert {
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "errors",
        "rule",
        "current_version",
        "request_id",
    } <= set(problem["properties"])
    for path, method, operation in _operations(document):
        if not path.startswith("/api/v1/"):
            continue
        errors = {
            code: _resolve(document, response)
            for code, response in operation["responses"].items()
            if code == "default" or code.startswith(("4", "5"))
        }
        assert "default" in errors, (method, path)
        for code, response in errors.items():
            content = response.get("content", {})
            assert list(content) == [PROBLEM], (method, path, code, content)
            assert _resolve(document, content[PROBLEM]["schema"]) == problem, (method, path, code)


def test_every_operation_is_described(document: dict[str, Any]) -> None:
    seen = set()
    for path, method, operation in _operations(document):
        assert operation.get("summary"), (method, path)
        successes = [code for code in operation["responses"] if code.startswith("2")]
        assert successes, (method, path)
        seen.add((method, path))
    expected = {
        ("post", "/api/v1/municipalities"),
        ("get", "/api/v1/municipalities"),
        ("get", "/api/v1/municipalities/{slug}"),
        ("post", "/api/v1/municipalities/{slug}/members"),
        ("delete", "/api/v1/municipalities/{slug}/members/{user_id}/roles/{role}"),
        ("post", "/api/v1/municipalities/{slug}/tokens"),
        ("delete", "/api/v1/tokens/{token_id}"),
        ("put", "/api/v1/municipalities/{slug}/delegation-order"),
        ("post", "/api/v1/municipalities/{slug}/innovation-areas"),
        ("post", "/api/v1/needs"),
        ("get", "/api/v1/needs/{need_id}"),
        ("patch", "/api/v1/needs/{need_id}"),
        ("post", "/api/v1/needs/{need_id}/swot"),
        ("delete", "/api/v1/needs/{need_id}/swot/{item_id}"),
        ("post", "/api/v1/needs/{need_id}/workshops"),
        ("post", "/api/v1/needs/{need_id}/share"),
        ("post", "/api/v1/needs/{need_id}/unshare"),
        ("post", "/api/v1/needs/{need_id}/co-owners"),
        ("post", "/api/v1/needs/{need_id}/decisions"),
        ("post", "/api/v1/procurements"),
        ("get", "/api/v1/procurements/{procurement_id}"),
        ("patch", "/api/v1/procurements/{procurement_id}"),
        ("post", "/api/v1/procurements/{procurement_id}/participants"),
        ("post", "/api/v1/procurements/{procurement_id}/participation"),
        ("post", "/api/v1/procurements/{procurement_id}/decisions"),
        ("get", "/livez"),
        ("get", "/readyz"),
        ("get", "/metrics"),
    } | {
        ("post", f"/api/v1/procurements/{{procurement_id}}/{fact}")
        for fact in ("market-dialogue", "bids", "reviews", "milestones", "follow-ups", "lessons")
    }
    assert expected <= seen, sorted(expected - seen)


def test_decision_bodies_are_documented_by_type(document: dict[str, Any]) -> None:
    """One schema per decision type, chosen by `type` (a discriminated oneOf)."""
    for path, kinds in (
        (
            "/api/v1/needs/{need_id}/decisions",
            {"prioritise", "park", "reopen", "reject", "decide_to_procure", "mark_realised"},
        ),
        (
            "/api/v1/procurements/{procurement_id}/decisions",
            {
                "screen",
                "choose_procedure",
                "publish",
                "award",
                "cancel",
                "sign_contract",
                "close",
                "terminate_early",
            },
        ),
        ("/api/v1/procurements/{procurement_id}/participation", {"join", "decline", "withdraw"}),
    ):
        body = document["paths"][path]["post"]["requestBody"]
        schema_ = body["content"]["application/json"]["schema"]
        assert body["required"] is True
        assert set(schema_["discriminator"]["mapping"]) == kinds
        for ref in schema_["oneOf"]:
            resolved = _resolve(document, ref)
            assert {"type", "rationale", "authority", "decided_at"} <= set(resolved["required"])


def test_versioned_commands_document_if_match(document: dict[str, Any]) -> None:
    """§6: commands on an existing aggregate take If-Match; a client generated from the
    document must know to send it (and that 412 and 428 may come back)."""
    missing = []
    for path, method, operation in _operations(document):
        versioned = method != "get" and any(
            path.startswith(f"/api/v1/{root}/{{")
            for root in ("needs", "procurements", "municipalities", "projects")
        )
        # Tokens and browser sessions are records of the access store, not versions of the
        # aggregate the path names: ending them needs no If-Match.
        if not versioned or path.endswith(("/tokens", "/sessions")):
            continue
        parameters = [
            _resolve(document, p)
            for p in operation.get("parameters", []) + document["paths"][path].get("parameters", [])
        ]
        if_match = [
            p for p in parameters if p["in"] == "header" and p["name"].lower() == "if-match"
        ]
        if not (if_match and if_match[0].get("required")):
            missing.append(f"{method.upper()} {path}")
    assert missing == []


NUMERIC_KEYWORDS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
)


def test_numeric_schema_keywords_are_numbers(document: dict[str, Any]) -> None:
    """JSON Schema wants `minimum: 0`, not `minimum: "0.00"`; a generator (or schemathesis)
    cannot use an operation whose schema is invalid."""
    wrong = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in NUMERIC_KEYWORDS and not isinstance(value, int | float):
                    wrong.append(f"{where}/{key}: {value!r}")
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(document, "#")
    assert wrong == []


DECIMALS = [
    ("Procurement", "estimated_value_sek"),
    ("ContractOut", "contract_value_sek"),
    ("DecisionRecord", "value_sek"),
    ("DelegationRuleOut", "max_value_sek"),
    ("Need", "weighted_total"),
    ("Scoring", "weighted_total"),
]


def test_decimals_in_answers_are_documented_as_strings(document: dict[str, Any]) -> None:
    """§9: money is a Decimal, in JSON a string with at most two decimals, and that is how the
    API serves it (MoneyOut); the document must say so too."""
    schemas = document["components"]["schemas"]
    wrong = {}
    for component, field in DECIMALS:
        schema_ = schemas[component]["properties"][field]
        types = schema_["type"] if isinstance(schema_["type"], list) else [schema_["type"]]
        if "string" not in types or "number" in types:
            wrong[f"{component}.{field}"] = schema_["type"]
    weights = schemas["Scoring"]["properties"]["weights"]["additionalProperties"]
    if weights.get("type") != "string":
        wrong["Scoring.weights.*"] = weights.get("type")
    assert wrong == {}
