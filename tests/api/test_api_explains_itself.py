"""The API explains itself: every operation is described, every refusal has a page, and the
error answers the OpenAPI document lists are the ones the operations give.

The checks read the document and the code the service runs, so a new operation or a new rule
without its explanation fails here without anyone remembering to add a test.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from markupsafe import escape

from service.api import create_app
from service.api.operation_docs import OPERATIONS
from service.api.problem_types import PROBLEM_TYPES, slug_of
from service.demo.scenario import decision, load_demo
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(Settings(var_dir=tmp_path_factory.mktemp("explains"), testing=True))
    yield app
    app.extensions["innoledger"].close()


@pytest.fixture(scope="module")
def spec(app: Flask) -> dict[str, Any]:
    document: dict[str, Any] = app.test_client().get("/api/openapi.json").get_json()
    return document


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def test_every_operation_says_what_it_does_who_may_call_it_and_what_refuses_it(
    spec: dict[str, Any],
) -> None:
    documented = {f"{m.upper()} {p}" for m, p, _ in operations(spec)}
    assert documented - set(OPERATIONS) == set(), "add these to service/api/operation_docs.py"
    assert set(OPERATIONS) - documented == set(), "these operations no longer exist"
    for method, path, operation in operations(spec):
        description = operation.get("description", "")
        assert operation.get("summary") and "**Who may call it:**" in description, (method, path)


def _rule_codes_in_the_code() -> set[str]:
    """Every `rule=` a refusal is raised with, and every refusal class's own `rule`."""
    codes: set[str] = set()
    for folder in ("domain", "service", "projections"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text("utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.keyword) and node.arg == "rule":
                    if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                        codes.add(node.value.value)
                elif isinstance(node, ast.ClassDef):
                    for statement in node.body:
                        if (
                            isinstance(statement, ast.Assign)
                            and [getattr(t, "id", None) for t in statement.targets] == ["rule"]
                            and isinstance(statement.value, ast.Constant)
                        ):
                            codes.add(statement.value.value)
    return codes


def test_every_rule_the_core_refuses_with_has_a_page() -> None:
    codes = _rule_codes_in_the_code()
    assert {"standstill", "wrong_state", "swot_incomplete"} <= codes
    missing = sorted(code for code in codes if slug_of(code) not in PROBLEM_TYPES)
    assert not missing, "explain these in service/api/problem_types.py: " + ", ".join(missing)
    for doc in OPERATIONS.values():
        for rule in doc.refusals:
            assert slug_of(rule) in PROBLEM_TYPES, rule


def test_every_problem_page_explains_the_rule_in_swedish_and_english(app: Flask) -> None:
    client = app.test_client()
    index = client.get("/problems/")
    assert index.status_code == 200
    for slug, entry in PROBLEM_TYPES.items():
        assert f'href="/problems/{slug}"' in index.get_data(as_text=True)
        page = client.get(f"/problems/{slug}")
        assert page.status_code == 200, slug
        html = page.get_data(as_text=True)
        assert '<html lang="sv">' in html and 'lang="en"' in html, slug
        text = html.replace("<code>", "`").replace("</code>", "`")
        assert str(escape(entry.text_sv[:20])) in text, slug
        assert str(escape(entry.title_en)) in html
        as_json = client.get(f"/problems/{slug}", headers={"Accept": "application/json"})
        assert as_json.get_json()["title"] == {"sv": entry.title_sv, "en": entry.title_en}
    assert client.get("/problems/no-such-rule").status_code == 404


def _rule_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_error_answers_documented_per_operation_match_what_the_handlers_do(
    app: Flask, spec: dict[str, Any]
) -> None:
    """428/412 exactly where the handler reads If-Match; 409 on every command; 401/429 on
    every authenticated operation — checked against the handlers the routes run."""
    handlers = {}
    for url_rule in app.url_map.iter_rules():
        view = app.view_functions[url_rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in url_rule.methods or ():
            handler = getattr(view_class, method.lower(), None) if view_class else view
            handlers[(method.lower(), _rule_path(url_rule.rule))] = handler
    for method, path, operation in operations(spec):
        handler = handlers[(method, path)]
        reads_if_match = "expected_version()" in inspect.getsource(handler)
        responses = set(operation["responses"])
        where = f"{method.upper()} {path}"
        assert ({"428", "412"} <= responses) == reads_if_match, where
        assert ({"428", "412"} & responses == set()) == (not reads_if_match), where
        if path.startswith("/api/v1/") and method != "get":
            assert "409" in responses, where


def test_every_operation_that_answers_401_without_a_token_documents_401_and_429(
    app: Flask, spec: dict[str, Any]
) -> None:
    client = app.test_client()
    for method, path, operation in operations(spec):
        url = re.sub(r"\{[^}]+\}", "x1", path)
        answer = client.open(url, method=method.upper(), json={} if method != "get" else None)
        documented = set(operation["responses"])
        if answer.status_code == 401:
            assert {"401", "429"} <= documented, (method, path)
            assert answer.get_json()["type"].endswith("/problems/unauthorized")
        else:
            assert "401" not in documented, (method, path, answer.status_code)


def test_a_refusal_that_depends_on_the_state_names_the_step_and_its_page_resolves(
    tmp_path: Path,
) -> None:
    app = create_app(Settings(var_dir=tmp_path, testing=True))
    try:
        demo = load_demo(app)
        client = app.test_client()
        ystad = demo.tokens["ystad"]
        sharing = demo.procurements["sharing"]  # tendering: bids are in, evaluation not started
        current = client.get(
            f"/api/v1/procurements/{sharing}",
            headers={"Authorization": f"Bearer {ystad['officer']}"},
        )
        award = decision(
            "award",
            "2018-12-20T08:00:00+01:00",
            "Bäst",
            suppliers=[{"org_number": "559012-3450", "name": "Delbar Kommuntjänst AB"}],
            evaluation_summary="Högst poäng",
            notification_sent_at="2018-12-20T10:00:00+01:00",
            sent_electronically=True,
        )
        refused = client.post(
            f"/api/v1/procurements/{sharing}/decisions",
            json=award,
            headers={
                "Authorization": f"Bearer {ystad['decision_maker']}",
                "If-Match": current.headers["ETag"],
            },
        )
        assert refused.status_code == 409, refused.get_json()
        problem = refused.get_json()
        assert problem["rule"] == "wrong_state"
        evaluation = f"POST /api/v1/procurements/{sharing}/evaluation"
        assert problem["next_steps"] == [{"to": "evaluation", "operation": evaluation}]
        assert evaluation in problem["detail"]
        page = client.get(urlsplit(problem["type"]).path)
        assert page.status_code == 200 and "evaluation" in page.get_data(as_text=True)

        # A legal rule's page gives its legal reference.
        standstill = client.get("/problems/standstill").get_data(as_text=True)
        assert "20 kap." in standstill and "1930:173" in standstill
    finally:
        app.extensions["innoledger"].close()
