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


def test_targets_are_decisions_and_the_trend_compares_against_them(world: World):
    ystad = world.tenant("ystad", rules=full_delegation())
    skurup = world.tenant("skurup", rules=full_delegation())
    for year, innovation in ((2018, (True, False, False, False)), (2019, (True, True, False)),
                             (2020, (True, True, True, False))):
        for index, flag in enumerate(innovation):
            register(ystad, value="100000.00", innovation=flag,
                            decided_at=f"{year}-03-{index + 1:02d}T10:00:00+01:00")
    register(skurup, value="100000.00", innovation=True, decided_at="2019-05-01T10:00:00+02:00")
    target = {"year": 2019, "target_percent": "50", "rationale": "Mål i budgeten",
              "authority": {"kind": "board", "body": "Kommunfullmäktige",
                            "meeting_date": "2018-11-26",
                            "minutes_reference": "KF 2018-11-26 § 112"},
              "decided_at": "2018-11-26T19:00:00+01:00"}
    # Only the municipality itself adopts its targets, with a valid authority.
    assert skurup.dm.post("municipalities/ystad/innovation-targets", json=target
                          ).status_code in (403, 404)
    assert_problem(ystad.dm.post("municipalities/ystad/innovation-targets",
                                 json={**target, "target_percent": "101"}), 422,
                   field="target_percent")
    ystad.dm.ok("POST", "municipalities/ystad/innovation-targets", 201, json=target)
    adopted = ystad.dm.ok("POST", "municipalities/ystad/innovation-targets", 201,
                          json={**target, "year": 2020, "target_percent": "60",
                                "authority": {"kind": "delegation"}})
    last = skurup.dm.ok("POST", "municipalities/skurup/innovation-targets", 201,
                        json={**target, "target_percent": "40"})

    rows = {(r["municipality"], r["year"]): r for r in ystad.viewer.read(
        SHARE, query={"position": adopted["position"]})["items"]}
    assert rows["ystad", 2019]["target"]["target_percent"] == "50.00"
    assert rows["ystad", 2019]["target"]["actual_percent"] == "66.67"
    assert rows["ystad", 2019]["target"]["distance_points"] == "16.67"
    assert rows["ystad", 2018]["target"] is None

    trend = ystad.viewer.read(f"{SHARE}/trend", query={"municipality": "ystad"})
    assert [(y["year"], y["actual_percent"], y["target_percent"], y["distance_points"],
             y["change_points"]) for y in trend["years"]] == [
        (2018, "25.00", None, None, None),
        (2019, "66.67", "50.00", "16.67", "41.67"),
        (2020, "75.00", "60.00", "15.00", "8.33"),
    ]
    assert trend["direction"] == "rising" and trend["slope_points_per_year"] == "25.00"
    network = ystad.viewer.read(f"{SHARE}/trend", query={"position": adopted["position"]})
    by_year = {y["year"]: y for y in network["years"]}
    assert by_year[2019]["actual_percent"] == "75.00"  # 3 of 4 network-wide
    assert by_year[2019]["target_percent"] == "45.00"  # mean of Ystad's 50 and Skurup's 40
    assert_problem(ystad.viewer.get(f"{SHARE}/trend", query={"measure": "bogus"}), 422,
                   field="measure")
    # The target decision is in the decision log, with its authority.
    log = ystad.auditor.read("audit/decisions", query={"type": "adopt_innovation_target",
                                                       "position": last["position"]})
    assert {d["authority"]["kind"] for d in log["items"]} == {"board", "delegation"}
