"""Every date and date-time input of the API, found in the OpenAPI document itself, over the whole
range of dates and UTC offsets: the API answers 422 naming the field exactly when the domain's
value (domain.values.dates / domain.values.timestamps) refuses the text, and never a 5xx.

A new parameter or body field of format `date` or `date-time` is covered without anyone adding it
here; one that does not use the value fields of service.api.schemas.values disagrees with the
domain somewhere in the generated range, and fails.
"""

from __future__ import annotations

import dataclasses
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.values.dates import CalendarDate
from domain.values.timestamps import Timestamp
from service.api import create_app
from service.settings import Settings
from tests.api.conftest import Client, World

DATE_FORMATS = ("date", "date-time")


@dataclasses.dataclass(frozen=True)
class DateInput:
    method: str
    path: str
    location: str  # "query" or "body"
    name: tuple[str, ...]  # the field's path in the body (one element for a query parameter)
    format: str
    body_type: str | None  # the discriminator value of a typed union's branch

    @property
    def id(self) -> str:
        branch = f"[{self.body_type}]" if self.body_type else ""
        return f"{self.method} {self.path} {self.location}{branch}:{'.'.join(self.name)}"


def _document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as var:
        app = create_app(Settings(database="sqlite", var_dir=Path(var), testing=True))
        try:
            return app.test_client().get("/api/openapi.json").get_json()  # type: ignore[no-any-return]
        finally:
            app.extensions["innoledger"].close()


def _walk(
    document: dict[str, Any], schema: dict[str, Any], name: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], str, str | None]]:
    """(field path, format, union branch) of every date or date-time in a body schema."""
    components = document["components"]["schemas"]
    if "$ref" in schema:
        yield from _walk(document, components[schema["$ref"].rsplit("/", 1)[-1]], name)
        return
    mapping = schema.get("discriminator", {}).get("mapping", {})
    if mapping:
        for branch, ref in mapping.items():
            for found, fmt, _ in _walk(document, {"$ref": ref}, name):
                yield found, fmt, branch
        return
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            yield from _walk(document, sub, name)
    if schema.get("format") in DATE_FORMATS:
        yield name, schema["format"], None
    for prop, sub in schema.get("properties", {}).items():
        yield from _walk(document, sub, (*name, prop))
    if "items" in schema:
        yield from _walk(document, schema["items"], (*name, "0"))


def date_inputs(document: dict[str, Any]) -> list[DateInput]:
    found: dict[str, DateInput] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                fmt = parameter.get("schema", {}).get("format")
                if fmt in DATE_FORMATS:
                    entry = DateInput(
                        method.upper(), path, parameter["in"], (parameter["name"],), fmt, None
                    )
                    found[entry.id] = entry
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                for name, fmt, branch in _walk(document, body["schema"], ()):
                    entry = DateInput(method.upper(), path, "body", name, fmt, branch)
                    found[entry.id] = entry
    return list(found.values())


DOCUMENT = _document()
INPUTS = date_inputs(DOCUMENT)


def test_the_document_has_the_known_date_inputs() -> None:
    """Guards the discovery itself: if it found nothing, the tests below would prove nothing."""
    ids = {entry.id for entry in INPUTS}
    assert "GET /api/v1/needs/{need_id} query:as_of" in ids
    assert "POST /api/v1/procurements/{procurement_id}/decisions body[sign_contract]:signed_on" in ids
    assert "GET /api/v1/audit/decisions query:decided_from" in ids
    assert len(INPUTS) >= 40


# Values over the whole range of dates and offsets, well-formed and not.

_naive = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59))
_offset = st.one_of(
    st.sampled_from(["Z", "z", "", "+00:00", "-00:00", "+14:00", "-23:59", "+23:59", "+24:00"]),
    st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
        lambda m: f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"
    ),
)


@st.composite
def date_time_texts(draw: st.DrawFn) -> str:
    moment = draw(_naive)
    separator = draw(st.sampled_from(["T", "T", "T", "t", " "]))
    fraction = draw(st.sampled_from(["", "", ".5", ".123456", ".123456789", ".1234567890"]))
    offset = draw(_offset)
    if offset.startswith("+") and draw(st.booleans()):
        offset = " " + offset[1:]  # a '+' that arrived as a space in a URL query
    return f"{moment.date().isoformat()}{separator}{moment.strftime('%H:%M:%S')}{fraction}{offset}"


ENDS_OF_THE_CALENDAR = [
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "2026-01-01T10:00:00 01:00",
    "2026-01-01T10:00:60Z",
    "2026-02-29",
    "9999-12-31",
    "0001-01-01",
]

values = st.one_of(
    date_time_texts(),
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(ENDS_OF_THE_CALENDAR),
    st.text(max_size=40),
)


def domain_accepts(entry: DateInput, value: str) -> bool:
    field = entry.name[-1]
    try:
        if entry.format == "date":
            CalendarDate.parse(value, field=field)
        else:
            Timestamp.parse(value, field=field, plus_as_space=entry.location == "query")
    except InvalidValue:
        return False
    return True


def _named(errors: Any, name: tuple[str, ...]) -> bool:
    """Whether the problem's field errors name the field (nested bodies nest their errors)."""
    for part in name:
        if not isinstance(errors, dict) or part not in errors:
            return False
        errors = errors[part]
    return True


def _body(entry: DateInput, value: str) -> dict[str, Any]:
    body: dict[str, Any] = {"type": entry.body_type} if entry.body_type else {}
    target = body
    for part in entry.name[:-1]:
        target = target.setdefault(part, {})
    target[entry.name[-1]] = value
    return body


# One store for the whole module: every request below is refused or only reads, so nothing in it
# changes between examples.


@pytest.fixture(scope="module")
def module_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    app: Flask = create_app(
        Settings(database="sqlite", var_dir=tmp_path_factory.mktemp("var"), testing=True)
    )
    try:
        yield World(app)
    finally:
        app.extensions["innoledger"].close()


@pytest.fixture(scope="module")
def objects(module_world: World) -> dict[str, Any]:
    ystad = module_world.tenant("ystad")
    need_id = module_world.need(ystad, "identified")
    procurement_id = module_world.procurement(ystad, "planning")
    return {
        "tenant": ystad,
        "params": {"slug": "ystad", "need_id": need_id, "procurement_id": procurement_id},
    }


def _caller(entry: DateInput, objects: dict[str, Any]) -> Client:
    tenant = objects["tenant"]
    if entry.method == "GET":
        return tenant.auditor  # type: ignore[no-any-return]
    if "/municipalities/" in entry.path:
        return tenant.admin  # type: ignore[no-any-return]
    return tenant.dm  # type: ignore[no-any-return]


def _url(entry: DateInput, objects: dict[str, Any]) -> str:
    url = entry.path
    while "{" in url:
        start, end = url.index("{"), url.index("}")
        param = url[start + 1 : end]
        url = url[:start] + str(objects["params"].get(param, uuid.uuid4())) + url[end + 1 :]
    return url


@pytest.mark.parametrize("entry", INPUTS, ids=[entry.id for entry in INPUTS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=values)
def test_every_date_input_agrees_with_the_domain_and_never_fails(
    entry: DateInput, objects: dict[str, Any], module_world: World, value: str
) -> None:
    caller = _caller(entry, objects)
    url = _url(entry, objects)
    if entry.location == "query":
        response = caller.request(entry.method, url, query={entry.name[0]: value})
    else:
        response = caller.request(entry.method, url, json=_body(entry, value), if_match="1")
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{entry.id} {value!r}: {text}"
    problem = response.get_json(silent=True) or {}
    named = response.status_code == 422 and _named(problem.get("errors", {}), entry.name)
    if domain_accepts(entry, value):
        assert not named, f"{entry.id} refused {value!r}, which the domain accepts: {text}"
    else:
        assert named, f"{entry.id} did not refuse {value!r} naming the field: {text}"
