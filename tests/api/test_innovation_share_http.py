"""GET /network/innovation-share over HTTP: valid-time years, joint credit, and the auditors'
transaction-time figures (`as_of`), on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from service.settings import Settings
from tests.api.conftest import Tenant, World, assert_problem, decision, full_delegation

SHARE = "network/innovation-share"


@pytest.fixture
def app(make_app: Any, store_settings: Settings) -> Flask:
    return make_app(store_settings)


def register(tenant: Tenant, *, value: str, innovation: bool, decided_at: str,
             procedure: str = "open", **extra: Any) -> dict[str, Any]:
    return tenant.dm.ok("POST", "procurements/register", 201, json={
        "title": "Inköp",
        "estimated_value_sek": value,
        "procedure": procedure,
        "decision": {"rationale": "Behov", "authority": {"kind": "delegation"},
                     "decided_at": decided_at},
        "screening": {"innovation": innovation, "kind": "other" if innovation else None,
                      "rationale": "Bedömt"},
        **extra,
    })


def test_share_by_decision_and_signing_year_with_joint_credit(world: World):
    ystad = world.tenant("ystad", rules=full_delegation())
    skurup = world.tenant("skurup", rules=full_delegation())
    # Decided 2018-12-31 late evening in Stockholm (still 2018 there, 2018 in UTC too).
    register(ystad, value="400000.00", innovation=True, decided_at="2018-12-31T23:30:00+01:00",
             procedure="direct_award",
             contract={"supplier": {"org_number": "556677-8899", "name": "AB"},
                       "contract_value_sek": "390000.00", "signed_on": "2019-01-02"})
    # Decided 2019-01-01 00:30 in Stockholm: 2018 in UTC, 2019 in the Stockholm calendar.
    joint = register(ystad, value="1000000.00", innovation=False,
                     decided_at="2018-12-31T23:30:00+00:00")
    ystad.officer.ok("POST", f"procurements/{joint['id']}/participants", 200,
                     json={"municipality": "skurup", "role": "participant"})
    joined = skurup.dm.ok("POST", f"procurements/{joint['id']}/participation", 200,
                          json=decision("join", "2019-02-01T10:00:00+01:00",
                                        value_share_percent="25"))
    answer = ystad.viewer.read(SHARE, query={"position": joined["position"]})
    by_key = {(r["municipality"], r["year"]): r for r in answer["items"]}
    assert set(by_key) == {("ystad", 2019), ("ystad", 2018), ("skurup", 2019)}
    assert by_key["ystad", 2018]["started"]["count"] == 1
    assert by_key["ystad", 2019]["contracted"]["value_sek"] == "390000.00"
    assert by_key["ystad", 2019]["started"]["value_sek"] == "750000.00"
    assert by_key["skurup", 2019]["started"]["value_sek"] == "250000.00"
    assert by_key["skurup", 2019]["network"]["started"]["value_sek"] == "1000000.00"
    assert by_key["skurup", 2019]["network"]["started"]["count"] == 1
    only_2019 = ystad.viewer.read(SHARE, query={"year": 2019})["items"]
    assert {r["year"] for r in only_2019} == {2019}
    assert world.anonymous().get(SHARE).status_code == 401


def test_as_of_is_for_auditors_and_shows_what_the_record_showed(world: World):
    ystad = world.tenant("ystad", rules=full_delegation())
    first = register(ystad, value="100000.00", innovation=True,
                     decided_at="2019-03-01T10:00:00+01:00")
    ystad.viewer.read(SHARE, query={"position": first["position"]})
    then = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    second = register(ystad, value="300000.00", innovation=False,
                      decided_at="2019-04-01T10:00:00+02:00")
    now = ystad.viewer.read(SHARE, query={"position": second["position"]})["items"]
    assert now[0]["started"]["count"] == 2 and now[0]["started"]["innovation_share"] == "0.5000"
    assert_problem(ystad.viewer.get(SHARE, query={"as_of": then}), 403)
    past = ystad.auditor.read(SHARE, query={"as_of": then})["items"]
    assert [(r["municipality"], r["year"]) for r in past] == [("ystad", 2019)]
    assert past[0]["started"]["count"] == 1
    assert past[0]["started"]["innovation_share"] == "1.0000"
    assert past[0]["network"]["started"]["value_sek"] == "100000.00"
    assert world.platform_auditor.read(SHARE, query={"as_of": then})["items"] == past
