"""Every date and date-time input of the API, found in the OpenAPI document itself, over the whole
range of dates and UTC offsets: the API answers 422 naming the field exactly when the domain's
value (domain.values.dates / domain.values.timestamps) refuses the text, and never a 5xx.

A new parameter or body field of format `date` or `date-time` is covered without anyone adding it
here; one that does not use the value fields of service.api.schemas.values disagrees with the
domain somewhere in the generated range, and fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
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
from tests.api.conftest import Client, World, assert_problem
from tests.api.openapi_inputs import ApiInput, api_inputs, openapi_document


def date_kind(schema: dict[str, Any]) -> str | None:
    fmt = schema.get("format")
    return fmt if fmt in ("date", "date-time") else None


DOCUMENT = openapi_document()
INPUTS = api_inputs(DOCUMENT, date_kind)


def test_the_document_has_the_known_date_inputs() -> None:
    """Guards the discovery itself: if it found nothing, the tests below would prove nothing."""
    ids = {entry.id for entry in INPUTS}
    assert "GET /api/v1/needs/{need_id} query:as_of" in ids
    assert (
        "POST /api/v1/procurements/{procurement_id}/decisions body[sign_contract]:signed_on" in ids
    )
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


def domain_accepts(entry: ApiInput, value: str) -> bool:
    field = entry.field
    try:
        if entry.kind == "date":
            CalendarDate.parse(value, field=field)
        else:
            Timestamp.parse(value, field=field, plus_as_space=entry.location == "query")
    except InvalidValue:
        return False
    return True


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


def _caller(entry: ApiInput, objects: dict[str, Any]) -> Client:
    tenant = objects["tenant"]
    if entry.method == "GET":
        return tenant.auditor  # type: ignore[no-any-return]
    if "/municipalities/" in entry.path:
        return tenant.admin  # type: ignore[no-any-return]
    return tenant.dm  # type: ignore[no-any-return]


@pytest.mark.parametrize("entry", INPUTS, ids=[entry.id for entry in INPUTS])
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=values)
def test_every_date_input_agrees_with_the_domain_and_never_fails(
    entry: ApiInput, objects: dict[str, Any], module_world: World, value: str
) -> None:
    caller = _caller(entry, objects)
    url = entry.url(objects["params"])
    if entry.location == "query":
        response = caller.request(entry.method, url, query={entry.name[0]: value})
    else:
        response = caller.request(entry.method, url, json=entry.body(value), if_match="1")
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{entry.id} {value!r}: {text}"
    problem = response.get_json(silent=True) or {}
    named = response.status_code == 422 and entry.named_in(problem.get("errors", {}))
    if domain_accepts(entry, value):
        assert not named, f"{entry.id} refused {value!r}, which the domain accepts: {text}"
    else:
        assert named, f"{entry.id} did not refuse {value!r} naming the field: {text}"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.one_of(date_time_texts(), st.sampled_from(ENDS_OF_THE_CALENDAR)))
def test_a_decision_date_time_reaches_the_domain_and_is_refused_or_judged_never_crashed_on(
    objects: dict[str, Any], module_world: World, value: str
) -> None:
    """A complete decision body, so `decided_at` passes the schema into the domain's checks
    (future, Stockholm date, delegation order in force); a rule then refuses the decision
    itself (an identified need cannot be decided for procurement), so nothing is written."""
    tenant = objects["tenant"]
    path = f"needs/{objects['params']['need_id']}"
    version = module_world.version(f"/api/v1/{path}")
    response = tenant.dm.post(
        f"{path}/decisions",
        json={
            "type": "decide_to_procure",
            "rationale": "Prövning av datum",
            "authority": {"kind": "delegation"},
            "decided_at": value,
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{value!r}: {text}"
    accepted = domain_accepts(
        ApiInput("POST", path, "body", ("decided_at",), "date-time", None), value
    )
    if not accepted:
        assert response.status_code == 422, text
        assert "decided_at" in (response.get_json() or {}).get("errors", {}), text
    else:
        assert response.status_code in (403, 409, 422), text
    assert module_world.version(f"/api/v1/{path}") == version


def test_an_as_of_pasted_unencoded_is_understood_or_refused_with_the_hint(
    objects: dict[str, Any],
) -> None:
    """A `recorded_at` pasted into the URL as is: its '+' arrives as a space."""
    auditor = objects["tenant"].auditor
    path = f"/api/v1/needs/{objects['params']['need_id']}"
    moment = datetime.now().astimezone().replace(microsecond=0).isoformat()  # e.g. …+01:00
    if "+" not in moment:
        moment = "2030-01-01T10:00:00+01:00"
    encoded = auditor.get(path, query={"as_of": moment})
    pasted = auditor.get(f"{path}?as_of={moment}")  # the '+' unencoded: a space on arrival
    assert pasted.status_code == encoded.status_code, pasted.get_data(as_text=True)
    assert pasted.get_data() == encoded.get_data()
    broken = auditor.get(f"{path}?as_of=2026-01-01T10:00+01:00")  # no seconds, '+' unencoded
    problem = assert_problem(broken, 422, field="as_of")
    assert "%2B" in problem["errors"]["as_of"][0]
