"""`innoledger audit verify|tree-head|catch-up`, `innoledger export` and `innoledger import`, run
as commands against a store configured through the environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli.audit import audit_group
from service.cli.transfer import export_command, import_command
from service.innoledger import Innoledger
from service.ledger.ledger import Ledger
from service.settings import Settings
from tests.audit.conftest import EventsTable, cli_environment
from tests.builders import analysed_need, setup_tenant


@pytest.mark.parametrize(
    ("command", "args"),
    [
        (audit_group, []),
        (audit_group, ["verify"]),
        (audit_group, ["tree-head"]),
        (audit_group, ["catch-up"]),
        (export_command, []),
        (import_command, []),
    ],
)
def test_every_command_has_help(command: object, args: list[str]) -> None:
    result = CliRunner().invoke(command, [*args, "--help"])  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_verify_export_and_import_from_the_command_line(
    app: Innoledger,
    audit_settings: Settings,
    empty_settings: Settings,
    events_table: EventsTable,
    tmp_path: Path,
) -> None:
    tenant = setup_tenant(app, "ystad")
    analysed_need(app, tenant)
    runner = CliRunner()
    env = cli_environment(audit_settings)

    caught_up = runner.invoke(audit_group, ["catch-up"], env=env)
    assert caught_up.exit_code == 0, caught_up.output
    ledger = Ledger.of(app)
    size = ledger.tree_size()
    assert f"{size} events appended" in caught_up.stdout

    head = runner.invoke(audit_group, ["tree-head"], env=env)
    assert head.exit_code == 0, head.output
    saved = tmp_path / "tree-head.json"
    saved.write_text(head.stdout, encoding="utf-8")
    assert json.loads(head.stdout)["tree_size"] == size

    clean = runner.invoke(audit_group, ["verify", "--tree-head", str(saved)], env=env)
    assert clean.exit_code == 0, clean.output
    assert "OK" in clean.stdout and "verify:" in clean.stderr  # progress goes to stderr

    export_file = tmp_path / "store.jsonl"
    exported = runner.invoke(export_command, [str(export_file)], env=env)
    assert exported.exit_code == 0, exported.output
    root = ledger.root_hash().hex()
    assert root in exported.stderr

    imported = runner.invoke(
        import_command, [str(export_file)], env=cli_environment(empty_settings)
    )
    assert imported.exit_code == 0, imported.output
    assert f"imported {size} events, ledger root {root}" in imported.stdout

    refused = runner.invoke(import_command, [str(export_file)], env=cli_environment(empty_settings))
    assert refused.exit_code == 1
    assert "import refused" in refused.stderr and "not empty" in refused.stderr

    victim = ledger.leaf(5)
    assert victim is not None
    row = next(r for r in events_table.rows() if r["position"] == victim.position)
    events_table.execute(
        f"UPDATE {events_table.table} SET state = ? WHERE {events_table.id} = ?",
        (row["state"].replace(b"ystad", b"ystaD", 1), victim.position),
    )
    tampered = runner.invoke(audit_group, ["verify", "--tree-head", str(saved)], env=env)
    assert tampered.exit_code == 1
    assert "altered: " in tampered.stderr
    assert f"leaf 5, position {victim.position}" in tampered.stderr
    as_json = runner.invoke(audit_group, ["verify", "--json", "--quiet"], env=env)
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["first_problem"]["leaf_index"] == 5


def test_import_refuses_a_damaged_file_with_its_line(
    empty_settings: Settings, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text('{"type": "header", "format": "something-else"}\n', encoding="utf-8")
    result = CliRunner().invoke(import_command, [str(damaged)], env=cli_environment(empty_settings))
    assert result.exit_code == 1
    assert "import refused: line 1:" in result.stderr
