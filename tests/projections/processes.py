"""Starting runner processes for the tests, on the test's own store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes Settings.from_env() give these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INNOLEDGER_", "POSTGRES_"))}
    env["PYTHONPATH"] = str(ROOT)
    env["INNOLEDGER_DATABASE"] = settings.database
    env["INNOLEDGER_VAR_DIR"] = str(settings.var_dir)
    env["INNOLEDGER_SQLITE_PATH"] = str(settings.sqlite_file)
    pg = settings.postgres
    env.update(
        {
            "POSTGRES_HOST": pg.host,
            "POSTGRES_PORT": str(pg.port),
            "POSTGRES_USER": pg.user,
            "POSTGRES_PASSWORD": pg.password,
            "POSTGRES_DBNAME": pg.dbname,
            "POSTGRES_SCHEMA": pg.schema,
            "POSTGRES_POOL_SIZE": "8",
        }
    )
    return env


def start(settings: Settings, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=settings_env(settings),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for_line(process: subprocess.Popen[str], expected: str) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == expected:
            return
    raise AssertionError(
        f"the child ended before saying {expected!r}: "
        f"{process.stderr.read() if process.stderr else ''}"
    )
