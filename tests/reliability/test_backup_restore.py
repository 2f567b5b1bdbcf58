"""§5, §8: the backup and restore drill. `innoledger export` runs while clients write; the file
is imported with `innoledger import` into a fresh store, which then verifies, and its ledger
root equals the source's root at the exported size (the exported prefix of the log)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from service.ledger.ledger import Ledger
from service.ledger.verify import verify
from service.settings import Settings
from tests.reliability.checks import (
    FIGURES,
    check_ledger,
    check_store,
    commands,
    count_figures,
    opened,
    start_clients,
    wait_client,
)
from tests.reliability.conftest import build_demo, store_for_module
from tests.reliability.server import ROOT, Gunicorn, settings_env
from tests.reliability.workload import hot_targets, plans


def innoledger(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from service.cli import main; main()", *args],
        cwd=ROOT,
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_export_under_load_imports_into_a_fresh_store_with_the_same_root(
    rel_settings: Settings, servers: Callable[..., Gunicorn], tmp_path: Path
) -> None:
    demo = build_demo(rel_settings)
    server = servers(rel_settings, workers=2, threads=4)
    started = start_clients(plans(server, hot_targets(demo), requests=50, pause_s=0.01), tmp_path)
    backup = tmp_path / "backup.jsonl"
    exported = innoledger(rel_settings, "export", "--quiet", str(backup))
    assert exported.returncode == 0, exported.stderr
    FIGURES.faults_injected["export during load"] += 1
    results = [wait_client(process, out) for process, out in started]
    count_figures(results)

    lines = backup.read_text(encoding="utf-8").splitlines()
    trailer = json.loads(lines[-1])
    assert trailer["type"] == "end"
    size = trailer["events"]
    with opened(rel_settings) as source:
        check_store(source, commands(results))
        total = check_ledger(source)
        # The export is a prefix of the log, taken while it grew (on a slow machine the
        # clients may finish first; the prefix's root is checked either way).
        assert demo.head < size <= total, (demo.head, size, total)
        assert Ledger.of(source).root_hash(size).hex() == trailer["root_hash"]
        source_events = source.recorder.select_notifications(start=1, limit=size)

    with store_for_module(
        rel_settings.database, tmp_path / f"restored-{uuid.uuid4().hex[:6]}"
    ) as fresh:
        imported = innoledger(fresh, "import", "--quiet", str(backup))
        assert imported.returncode == 0, imported.stderr + imported.stdout
        assert trailer["root_hash"] in imported.stdout
        with opened(fresh) as restored:
            report = verify(restored)
            assert report.ok, report.first_problem
            assert report.events == size
            assert Ledger.of(restored).root_hash(size).hex() == trailer["root_hash"]
            restored_events = restored.recorder.select_notifications(start=1, limit=size + 1)
            assert [
                (str(e.originator_id), e.originator_version, e.topic, e.state)
                for e in restored_events
            ] == [
                (str(e.originator_id), e.originator_version, e.topic, e.state)
                for e in source_events
            ]
