"""Starts the real OpenID Connect provider of tests/oidc (Node.js, `oidc-provider`) for a test.

`make test` installs its npm packages from the lockfile; without Node.js or them the test fails
(never skips): the sign-in is not tested otherwise."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc"


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


@contextmanager
def running_provider(*clients: Client) -> Iterator[str]:
    """Yields the provider's issuer URL while it runs."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed for the OpenID provider of the sign-in tests")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the OpenID provider's packages are missing: run `make test` (npm ci)")
    config = [
        {
            "client_id": c.client_id,
            "client_secret": c.client_secret,
            "redirect_uris": list(c.redirect_uris),
        }
        for c in clients
    ]
    process = subprocess.Popen(
        [node, "provider.mjs"],
        cwd=PROVIDER_DIR,
        env={"OIDC_CLIENTS": json.dumps(config), "OIDC_PORT": "0", "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("issuer "):
            pytest.fail(f"the OpenID provider did not start: {line!r}")
        yield line.split(" ", 1)[1].strip()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
