"""Money in the API agrees with the domain's money value (domain.values.money.Money).

Every body field documented with the money pattern, found in the OpenAPI document, answers 422
naming the field exactly when `Money` refuses the value — text or JSON number — and never a 5xx.
Over HTTP through to the domain, an accepted amount is stored as exactly the amount `Money` reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.values.money import MONEY_PATTERN, Money
from service.api import create_app
from service.settings import Settings
from tests.api.conftest import World, assert_problem
from tests.api.openapi_inputs import ApiInput, api_inputs, openapi_document


def money_kind(schema: dict[str, Any]) -> str | None:
    return "money" if schema.get("pattern") == MONEY_PATTERN else None


INPUTS = api_inputs(openapi_document(), money_kind)

amounts = st.one_of(
    st.from_regex(r"\A[-+]?[0-9]{0,14}(\.[0-9]{0,3})?([eE][-+]?[0-9])?\Z"),
    st.sampled_from(["-0", "1e3", "NaN", "Infinity", "-Infinity", "0.001", " 1", "1 000", "١٠٠"]),
    st.text(max_size=20),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)


def money_accepts(value: Any) -> Decimal | None:
    try:
        return Money.parse(value, field="x").amount
    except InvalidValue:
        return None


def test_the_document_has_the_known_money_inputs() -> None:
    ids = {entry.id for entry in INPUTS}
    assert "POST /api/v1/procurements body:estimated_value_sek" in ids
    assert "PATCH /api/v1/procurements/{procurement_id} body:estimated_value_sek" in ids
    assert (
        "POST /api/v1/procurements/{procurement_id}/decisions body[sign_contract]:"
        "contract_value_sek" in ids
    )
    assert "PUT /api/v1/municipalities/{slug}/delegation-order body:rules.0.max_value_sek" in ids


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
    procurement_id = module_world.procurement(ystad, "planning")
    return {
        "tenant": ystad,
        "params": {"slug": "ystad", "procurement_id": procurement_id},
    }


@pytest.mark.parametrize("entry", INPUTS, ids=[entry.id for entry in INPUTS])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=amounts)
def test_every_money_input_agrees_with_the_domain(
    entry: ApiInput, objects: dict[str, Any], value: Any
) -> None:
    """Bodies carry only the amount: the field itself is judged, nothing is written."""
    tenant = objects["tenant"]
    caller = tenant.admin if "/municipalities/" in entry.path else tenant.dm
    body = entry.body(value)
    if entry.name[0] == "rules":  # a list of rules: the field's index is its place in the list
        body = {"rules": [{"max_value_sek": value}]}
    response = caller.request(entry.method, entry.url(objects["params"]), json=body, if_match="999")
    text = response.get_data(as_text=True)
    assert response.status_code < 500, text
    problem = response.get_json(silent=True) or {}
    named = response.status_code == 422 and entry.named_in(problem.get("errors", {}))
    if money_accepts(value) is None:
        assert named, f"{entry.id} did not refuse {value!r} naming the field: {text}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert "JSON number" in text, text
    else:
        assert not named, f"{entry.id} refused {value!r}, which the domain accepts: {text}"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=amounts)
def test_an_amount_reaches_the_domain_exactly_as_money_reads_it(
    module_world: World, objects: dict[str, Any], value: Any
) -> None:
    tenant = objects["tenant"]
    path = f"procurements/{objects['params']['procurement_id']}"
    before = tenant.officer.read(path)["estimated_value_sek"]
    response = tenant.officer.patch(path, json={"estimated_value_sek": value})
    expected = money_accepts(value)
    if expected is None:
        assert_problem(response, 422, field="estimated_value_sek")
        assert tenant.officer.read(path)["estimated_value_sek"] == before
    elif f"{expected}" == before:
        assert_problem(response, 409, rule="no_change")
    else:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert tenant.officer.read(path)["estimated_value_sek"] == f"{expected}"


def test_a_numeric_amount_is_refused_with_the_accepted_form(
    module_world: World, objects: dict[str, Any]
) -> None:
    tenant = objects["tenant"]
    path = f"procurements/{objects['params']['procurement_id']}"
    problem = assert_problem(
        tenant.officer.patch(path, json={"estimated_value_sek": 1500000}),
        422,
        field="estimated_value_sek",
    )
    message = " ".join(problem["errors"]["estimated_value_sek"])
    assert '"1500000.00"' in message and "JSON number" in message
    assert "Not a valid string" not in message
