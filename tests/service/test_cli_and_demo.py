"""The command line answers --help everywhere; the demo loads the seed's network via the API."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from service.api import create_app
from service.cli import main
from service.demo.scenario import is_store_empty, load_demo
from service.settings import Settings


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", _all_commands(main))
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_token_create_prints_a_working_platform_token(tmp_path: Path) -> None:
    env = {"INNOLEDGER_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["token", "create", "--user", "root"], env=env)
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    app = create_app(Settings(var_dir=tmp_path, testing=True))
    try:
        client = app.test_client()
        answer = client.post(
            "/api/v1/municipalities",
            headers={"Authorization": f"Bearer {secret}"},
            json={
                "slug": "ystad",
                "name": "Ystads kommun",
                "organisation_number": "212000-1249",
                "county": "Skåne",
            },
        )
        assert answer.status_code == 201, answer.get_json()
    finally:
        app.extensions["innoledger"].close()


def test_demo_loads_the_seed_network_through_the_api(tmp_path: Path) -> None:
    app = create_app(Settings(var_dir=tmp_path, testing=True))
    try:
        assert is_store_empty(app)
        result = load_demo(app)
        assert not is_store_empty(app)
        client = app.test_client()

        def get(path: str, token: str) -> dict:
            answer = client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200, answer.get_json()
            return answer.get_json()

        assert set(result.tokens) == {
            "ystad", "skurup", "trelleborg", "staffanstorp", "kavlinge", "burlov"
        }  # fmt: skip
        assert len(result.needs) == 9
        skurup = result.tokens["skurup"]
        floors = get(f"/api/v1/procurements/{result.procurements['floors']}", skurup["officer"])
        assert floors["status"] == "implementing"
        assert floors["award"]["standstill_last_day"] == "2019-01-02"
        # A review filed during the standstill and dismissed extended it by ten days from the
        # ruling (förlängd avtalsspärr): the contract was signed after that.
        [review] = floors["reviews"]
        assert (review["filed_on"], review["ruling"]["outcome"]) == ("2018-12-28", "dismissed")
        assert review["ruling"]["extended_standstill_last_day"] == "2019-01-25"
        assert floors["extended_standstill_last_day"] == "2019-01-25"
        assert floors["signing_allowed_from"] == "2019-01-26"
        assert floors["contract"]["signed_on"] == "2019-01-28"
        history = get(
            f"/api/v1/procurements/{result.procurements['floors']}/history?limit=100",
            skurup["auditor"],
        )
        types = [entry["type"] for entry in history["entries"]]
        assert types.index("ReviewFiled") < types.index("ReviewRuled") < types.index(
            "ContractSigned"
        )
        assert floors["lessons"][0]["shareable"] is True
        floors_need = get(f"/api/v1/needs/{floors['need_ids'][0]}", skurup["officer"])
        assert floors_need["status"] == "realised"

        # Trelleborg shared a need much like Skurup's floors: Skurup is told it might co-own it.
        head = app.extensions["innoledger"].innoledger.recorder.max_notification_id()
        similar = get(
            f"/api/v1/network/needs/{floors['need_ids'][0]}/similar?position={head}",
            skurup["officer"],
        )["items"]
        assert similar[0]["owner"] == "trelleborg"
        assert similar[0]["title"] == "Torra golv i skolornas entréer"
        assert similar[0]["similarity"]["suggest_co_ownership"] is True
        assert similar[0]["similarity"]["co_ownership_with"] == "trelleborg"

        ystad = result.tokens["ystad"]
        sharing = get(f"/api/v1/procurements/{result.procurements['sharing']}", ystad["officer"])
        assert sharing["status"] == "tendering"
        assert len(sharing["bids"]) == 1
        # Another municipality sees the published procurement, never its bids before award.
        seen_by_skurup = get(
            f"/api/v1/procurements/{result.procurements['sharing']}", skurup["officer"]
        )
        assert seen_by_skurup["bids"] is None

        ai = get(f"/api/v1/procurements/{result.procurements['ai']}", ystad["officer"])
        assert ai["status"] == "planning"
        assert {p["municipality"]: (p["role"], p["status"]) for p in ai["participants"]} == {
            "trelleborg": ("co_lead", "joined"),
            "staffanstorp": ("participant", "joined"),
            "kavlinge": ("participant", "joined"),
            "burlov": ("participant", "joined"),
        }
        assert ai["procedure"] == "innovation_partnership"
        ai_need = get(f"/api/v1/needs/{ai['need_ids'][0]}", ystad["officer"])
        assert sorted(ai_need["co_owners"]) == ["burlov", "kavlinge", "staffanstorp", "trelleborg"]

        # Two years of ordinary purchasing per municipality: the share differs per municipality
        # and year, and the pilots count in 2018 (decisions) and 2019 (the floors contract).
        share = get("/api/v1/network/innovation-share?limit=200&position="
                    f"{app.extensions['innoledger'].innoledger.recorder.max_notification_id()}",
                    ystad["viewer"])["items"]
        years = {(row["municipality"], row["year"]) for row in share}
        assert years == {(slug, year) for slug in result.tokens for year in (2018, 2019)}
        ratios = {row["started"]["innovation_share"] for row in share}
        assert len(ratios) >= 6
        ystad_2019 = next(r for r in share if r["municipality"] == "ystad" and r["year"] == 2019)
        assert ystad_2019["target"]["target_percent"] == "25.00"
        burlov_2018 = next(r for r in share if r["municipality"] == "burlov" and r["year"] == 2018)
        assert burlov_2018["started"]["innovation_count"] >= 1  # its part of the AI pilot
    finally:
        app.extensions["innoledger"].close()


def test_demo_command_refuses_a_store_that_is_not_empty(tmp_path: Path) -> None:
    env = {"INNOLEDGER_VAR_DIR": str(tmp_path)}
    tokens_file = tmp_path / "tokens.json"
    first = CliRunner().invoke(main, ["demo", "--tokens-file", str(tokens_file)], env=env)
    assert first.exit_code == 0, first.output
    assert json.loads(tokens_file.read_text())["municipalities"]["ystad"]["officer"]
    again = CliRunner().invoke(main, ["demo", "--if-empty"], env=env)
    assert again.exit_code == 0 and "not loaded" in again.output
    refused = CliRunner().invoke(main, ["demo"], env=env)
    assert refused.exit_code != 0
