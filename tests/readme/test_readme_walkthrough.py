"""The README's walkthrough, run as written against a live service, so it cannot rot.

The service runs as `make run` runs it: the demo loaded by `innoledger demo` into a fresh var
directory (its tokens file), the projection runner as its own process, gunicorn on a free
loopback port. The `sh` blocks of the walkthrough section run in order in one bash session (so
the variables of one block reach the next), with `set -euo pipefail`: any failing command, any
refused request, fails the test and shows where.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.settings import Settings
from tests.reliability.server import Gunicorn, ProjectionRunnerProcess, settings_env

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## A walk through the work model"
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)

pytestmark = pytest.mark.slow


def walkthrough_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text("utf-8")
    start = readme.index(SECTION)
    end = readme.find("\n## ", start + len(SECTION))
    return BLOCK.findall(readme[start : end if end != -1 else None])


def test_the_walkthrough_has_the_whole_path() -> None:
    text = "\n".join(walkthrough_blocks())
    for step in (
        "POST /needs ", "/swot", "prioritise", "decide_to_procure", "POST /procurements ",
        "/participation", "screen", "publish", "/bids", "/evaluation", "award",
        "sign_contract", "/milestones", "/follow-ups", "/lessons", "mark_realised", "close",
        "/history", "as_of", "/audit/decisions", "tree-head", "audit verify", "--remote",
    ):  # fmt: skip
        assert step in text, step


@pytest.fixture
def live_demo(tmp_path: Path) -> Iterator[tuple[Gunicorn, Path]]:
    var = tmp_path / "var"
    settings = Settings(database="sqlite", var_dir=var)
    env = settings_env(settings)
    command = ["demo", "--tokens-file", str(var / "demo-tokens.json")]
    loaded = subprocess.run(
        [sys.executable, "-c", "from service.cli import main; main()", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr
    runner = ProjectionRunnerProcess(settings, tmp_path).start()
    server = Gunicorn(settings, tmp_path)
    try:
        server.start()
        yield server, var
    finally:
        server.stop()
        runner.stop()


def test_the_readme_walkthrough_runs_against_a_live_service(
    live_demo: tuple[Gunicorn, Path], tmp_path: Path
) -> None:
    server, var = live_demo
    # Run where a newcomer would, with the project's `.venv/bin/innoledger` at hand, but write
    # head.json into a folder of the test's own.
    workdir = tmp_path / "newcomer"
    (workdir / ".venv" / "bin").mkdir(parents=True)
    cli = Path(sys.executable).parent / "innoledger"
    (workdir / ".venv" / "bin" / "innoledger").symlink_to(cli)
    blocks = walkthrough_blocks()
    script = "set -euo pipefail\n" + "\n".join(
        f"echo '--- README block {n}' >&2\n{block}" for n, block in enumerate(blocks, 1)
    )
    env = settings_env(Settings(database="sqlite", var_dir=var))
    env.update(PORT=str(server.port), INNOLEDGER_VAR_DIR=str(var))
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    where = done.stderr[-3000:]
    assert done.returncode == 0, f"{where}\n--- stdout:\n{done.stdout[-3000:]}"
    out = done.stdout
    assert "2025-06-12" in out  # the standstill's last day
    assert "standstill" in out  # signing inside it was refused, naming the rule
    assert re.search(r"^closed$", out, re.MULTILINE)
    assert (workdir / "head.json").is_file()
    assert os.path.getsize(workdir / "head.json") > 0
