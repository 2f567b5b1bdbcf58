"""Importing a purchasing register (CSV): line-by-line report, all or nothing, idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from service.cli import main
from service.settings import Settings
from tests.api.conftest import Tenant, World, assert_problem, full_delegation

IMPORTS = "purchasing-register/imports"
HEADER = ("Referens;Diarienummer;Benämning;CPV;Uppskattat värde;Förfarande;Ramavtal;"
          "Beslutsdatum;Innovation;Innovationstyp;Innovationsbedömning;Leverantör org.nr;"
          "Leverantör;Avtalsvärde;Avtalsdatum")
GOOD = [
    "R-1;KS 2019/1;Kontorsmaterial;30192000-1;120 000,00;Avrop från ramavtal;Adda Kontor;"
    "2019-02-01;Nej;;Standardvaror;556677-8899;Kontor AB;118 000,00;2019-02-05",
    "R-2;KS 2019/2;Sensorer i papperskorgar;38430000-8 48000000-8;450000;Direktupphandling;;"
    "2019-03-01;Ja;Funktionskrav;Betalning per effekt;556677-8899;Sensor AB;440000;2019-03-10",
    "R-3;KS 2019/3;Snöröjning;90620000-9;2 400 000,00;Öppet förfarande;;2019-04-01;Nej;;"
    "Etablerad tjänst;;;;",
]


def csv_text(*lines: str) -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode("utf-8")


@pytest.fixture
def app(make_app: Any, store_settings: Settings) -> Flask:
    return make_app(store_settings)


@pytest.fixture
def ystad(world: World) -> Tenant:
    return world.tenant("ystad", rules=full_delegation())


def post(tenant: Tenant, body: bytes, content_type: str = "text/csv") -> Any:
    return tenant.dm.http.post(f"/api/v1/{IMPORTS}", data=body,
                               headers={**tenant.dm.headers(), "Content-Type": content_type})


def test_import_registers_every_line_and_is_idempotent(world: World, ystad: Tenant):
    first = post(ystad, csv_text(*GOOD))
    assert first.status_code == 200, first.get_data(as_text=True)
    report = first.get_json()
    assert (report["lines"], report["registered"], report["unchanged"]) == (3, 3, 0)
    by_reference = {p["reference"]: p for p in report["procurements"]}
    assert by_reference["R-1"]["status"] == "contracted"
    assert by_reference["R-3"]["status"] == "planning"
    sensors = ystad.viewer.read(f"procurements/{by_reference['R-2']['id']}")
    assert sensors["cpv_codes"] == ["38430000-8", "48000000-8"]
    assert sensors["screening"]["kind"] == "functional_requirements"
    assert sensors["contract"]["contract_value_sek"] == "440000.00"
    share = ystad.viewer.read("network/innovation-share",
                              query={"position": report["position"], "year": 2019})["items"]
    assert share[0]["started"]["count"] == 3 and share[0]["started"]["innovation_count"] == 1

    again = post(ystad, csv_text(*GOOD)).get_json()
    assert (again["registered"], again["unchanged"], again["saved"]) == (0, 3, False)
    assert {p["id"] for p in again["procurements"]} == {p["id"] for p in report["procurements"]}
    # One more line in the same file: only it is new.
    extra = GOOD[2].replace("R-3", "R-4").replace("Snöröjning", "Halkbekämpning")
    more = post(ystad, csv_text(*GOOD, extra)).get_json()
    assert (more["registered"], more["unchanged"]) == (1, 3)
    # A registered line whose content changed is refused, not silently ignored.
    changed = GOOD[0].replace("120 000,00", "130 000,00")
    body = assert_problem(post(ystad, csv_text(changed)), 422)
    assert body["errors"] == {"line 2: Uppskattat värde": ["registered already with another value"]}


def test_a_bad_line_is_reported_and_nothing_is_imported(world: World, ystad: Tenant):
    bad = [
        GOOD[0],
        GOOD[1].replace("450000", "4 5O0"),  # a letter O in the amount
        GOOD[2].replace("2019-04-01", "2019-13-01").replace("Nej;;", "Kanske;;"),
        GOOD[1].replace("R-2", "R-5").replace("450000;", "900000;"),  # over the limit
        GOOD[0].replace("KS 2019/1", "KS 2019/9"),  # R-1 again
    ]
    body = assert_problem(post(ystad, csv_text(*bad)), 422)
    assert set(body["errors"]) == {
        "line 3: Uppskattat värde",
        "line 4: Beslutsdatum",
        "line 4: Innovation",
        "line 5: Uppskattat värde",
        "line 6: Referens",
    }
    assert "direct-award limit" in body["errors"]["line 5: Uppskattat värde"][0]
    assert "nothing was imported" in body["detail"]
    assert ystad.viewer.read("procurements", query={"position": 0})["items"] == []
    # The good first line was not saved either: importing it alone registers it now.
    assert post(ystad, csv_text(GOOD[0])).get_json()["registered"] == 1


def test_file_level_problems_and_roles(world: World, ystad: Tenant):
    assert_problem(post(ystad, "Referens;Okänd\r\nA;B\r\n".encode()), 422, field="file")
    assert_problem(post(ystad, b"\xff\xfe\x00garbage"), 422, field="file")
    assert post(ystad, csv_text(*GOOD), "application/json").status_code == 415
    viewer = ystad.viewer.http.post(f"/api/v1/{IMPORTS}", data=csv_text(*GOOD),
                                    headers={**ystad.viewer.headers(),
                                             "Content-Type": "text/csv"})
    assert viewer.status_code == 403
    assert world.anonymous().http.post(f"/api/v1/{IMPORTS}", data=csv_text(*GOOD)
                                       ).status_code == 401
    template = ystad.viewer.get("purchasing-register/template")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert template.get_data(as_text=True).startswith("Referens;")


def test_cli_import_with_progress(world: World, ystad: Tenant, tmp_path: Path,
                                  store_settings: Settings, monkeypatch: pytest.MonkeyPatch):
    for name, value in environment_of(store_settings).items():
        monkeypatch.setenv(name, value)
    register = tmp_path / "register.csv"
    register.write_bytes(csv_text(*GOOD))
    runner = CliRunner()
    done = runner.invoke(main, ["purchasing", "import", str(register), "--municipality",
                                "ystad", "--user", "ystad-dm"])
    assert done.exit_code == 0, done.output
    assert "read 3 lines" in done.output and "checked 3/3 lines" in done.output
    assert "registered 3, unchanged 0" in done.output
    again = runner.invoke(main, ["purchasing", "import", str(register), "--municipality",
                                 "ystad", "--user", "ystad-dm"])
    assert "registered 0, unchanged 3" in again.output
    register.write_bytes(csv_text(GOOD[0].replace("Nej;;", "Kanske;;")))
    failed = runner.invoke(main, ["purchasing", "import", str(register), "--municipality",
                                  "ystad", "--user", "ystad-dm"])
    assert failed.exit_code != 0 and "line 2 (R-1), Innovation: Ja or Nej" in failed.output
    outsider = runner.invoke(main, ["purchasing", "import", str(register), "--municipality",
                                    "ystad", "--user", "nobody"])
    assert outsider.exit_code != 0 and "not a member" in outsider.output
    assert "Referens;" in runner.invoke(main, ["purchasing", "template"]).output


def environment_of(settings: Settings) -> dict[str, str]:
    """The environment under which the command line opens the same store as the test's app."""
    postgres = settings.postgres
    return {
        "INNOLEDGER_DATABASE": settings.database,
        "INNOLEDGER_VAR_DIR": str(settings.var_dir),
        "POSTGRES_HOST": postgres.host,
        "POSTGRES_PORT": str(postgres.port),
        "POSTGRES_USER": postgres.user,
        "POSTGRES_PASSWORD": postgres.password,
        "POSTGRES_DBNAME": postgres.dbname,
        "POSTGRES_SCHEMA": postgres.schema,
    }


def test_the_documentation_lists_every_column():
    from service.purchasing.register_csv import COLUMNS

    doc = (Path(__file__).parents[2] / "docs" / "purchasing-register.md").read_text()
    for name in COLUMNS:
        assert f"| `{name}` |" in doc, name
