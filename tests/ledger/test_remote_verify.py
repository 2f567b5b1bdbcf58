"""`innoledger audit verify --remote`: an auditor checks a live service from outside.

The service runs as in production (demo loaded, projection runner keeping the ledger, gunicorn on
a loopback port); the verifier knows only its URL and a platform auditor's token. Answers are
then tampered with on the way, as a lying service or a man in the middle would: the verifier
must name the first event that differs, or refuse the signature.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from service.cli import main
from service.ledger.remote_verify import Fetch, http_fetcher, verify_remote
from service.settings import Settings
from tests.reliability.server import Gunicorn, ProjectionRunnerProcess, settings_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("remote-verify")
    var = base / "var"
    settings = Settings(database="sqlite", var_dir=var)
    command = ["demo", "--tokens-file", str(var / "demo-tokens.json")]
    loaded = subprocess.run(
        [sys.executable, "-c", "from service.cli import main; main()", *command],
        cwd=ROOT,
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr
    tokens = json.loads((var / "demo-tokens.json").read_text("utf-8"))
    runner = ProjectionRunnerProcess(settings, base).start()
    server = Gunicorn(settings, base)
    try:
        server.start()
        live = {"server": server, "settings": settings, "tokens": tokens}
        _ledger_caught_up(live)
        yield live
    finally:
        server.stop()
        runner.stop()


def _events_in_store(settings: Settings) -> int:
    with sqlite3.connect(settings.sqlite_file) as connection:
        (count,) = connection.execute("SELECT COUNT(*) FROM stored_events").fetchone()
    return int(count)


def _ledger_caught_up(live: dict[str, Any]) -> dict[str, Any]:
    auditor = live["tokens"]["platform"]["auditor"]
    deadline = time.monotonic() + 60
    while True:
        head = requests.get(
            f"{live['server'].api}/audit/ledger/tree-head",
            headers={"Authorization": f"Bearer {auditor}"},
            timeout=10,
        ).json()
        if head.get("tree_size") == _events_in_store(live["settings"]):
            return dict(head)
        assert time.monotonic() < deadline, head
        time.sleep(0.3)


def _fetch(live: dict[str, Any]) -> Fetch:
    return http_fetcher(live["server"].url, live["tokens"]["platform"]["auditor"])


def test_the_live_service_verifies_from_outside(live: dict[str, Any]) -> None:
    progress: list[tuple[int, int]] = []
    report = verify_remote(_fetch(live), progress=lambda done, of: progress.append((done, of)))
    assert report.ok, report.problems
    assert report.events == report.tree_size == _events_in_store(live["settings"]) > 100
    assert progress and progress[-1] == (report.events, report.tree_size)


def test_a_tree_head_saved_earlier_is_checked_after_the_log_grew(live: dict[str, Any]) -> None:
    saved = _ledger_caught_up(live)
    admin = live["tokens"]["municipalities"]["ystad"]["tenant_admin"]
    municipality = requests.get(
        f"{live['server'].api}/municipalities/ystad",
        headers={"Authorization": f"Bearer {admin}"},
        timeout=10,
    )
    added = requests.post(
        f"{live['server'].api}/municipalities/ystad/innovation-areas",
        json={"name": "Granskning utifrån", "description": "Ett område till"},
        headers={"Authorization": f"Bearer {admin}", "If-Match": municipality.headers["ETag"]},
        timeout=10,
    )
    assert added.status_code == 201, added.text
    grown = _ledger_caught_up(live)
    assert grown["tree_size"] > saved["tree_size"]
    report = verify_remote(_fetch(live), saved=saved)
    assert report.ok, report.problems

    forged = {**saved, "root_hash": "00" * 32}
    refused = verify_remote(_fetch(live), saved=forged)
    assert not refused.ok and "saved tree head" in refused.problems[0]


def test_an_altered_event_in_the_answer_is_named(live: dict[str, Any]) -> None:
    real = _fetch(live)
    target = 7

    def tampering(path: str) -> bytes:
        body = real(path)
        if path.startswith("/api/v1/audit/events"):
            page = json.loads(body)
            for event in page["events"]:
                if event["leaf_index"] == target:
                    state = bytearray(base64.b64decode(event["state"]))
                    state[-2] ^= 0x01
                    event["state"] = base64.b64encode(bytes(state)).decode("ascii")
            body = json.dumps(page).encode()
        return body

    report = verify_remote(tampering)
    assert not report.ok
    assert report.problems[0].startswith(f"leaf {target}:"), report.problems


def test_a_dropped_event_and_a_forged_signature_are_refused(live: dict[str, Any]) -> None:
    real = _fetch(live)

    def dropping(path: str) -> bytes:
        body = real(path)
        if path.startswith("/api/v1/audit/events"):
            page = json.loads(body)
            page["events"] = [e for e in page["events"] if e["leaf_index"] != 3]
            body = json.dumps(page).encode()
        return body

    dropped = verify_remote(dropping)
    assert not dropped.ok and "leaf 3 comes next" in dropped.problems[0], dropped.problems

    def forging(path: str) -> bytes:
        body = real(path)
        if path.endswith("/audit/ledger/tree-head"):
            head = json.loads(body)
            head["root_hash"] = "11" * 32
            body = json.dumps(head).encode()
        return body

    forged = verify_remote(forging)
    assert not forged.ok and "signature does not verify" in forged.problems[0]


def test_the_command_line_checks_the_live_service(live: dict[str, Any], tmp_path: Path) -> None:
    auditor = live["tokens"]["platform"]["auditor"]
    result = CliRunner().invoke(
        main, ["audit", "verify", "--remote", live["server"].url, "--token", auditor]
    )
    assert result.exit_code == 0, result.output
    assert "OK: the service's events are exactly" in result.output
    # The standalone file runs with nothing of the service on its path.
    script = ROOT / "service" / "ledger" / "remote_verify.py"
    copy = tmp_path / "remote_verify.py"
    copy.write_bytes(script.read_bytes())
    arguments = ["--remote", live["server"].url, "--token", auditor, "--quiet"]
    alone = subprocess.run(
        [sys.executable, "-I", str(copy), *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert alone.returncode == 0, alone.stderr
    assert "OK" in alone.stdout
