"""The embedded store, its WAL and `var/` are readable by their owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from projections.lease import lease_for
from service.api import create_app
from service.settings import Settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_var_the_store_and_its_wal_are_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    previous = os.umask(0o022)  # the usual default, under which files come out 0644
    try:
        app = create_app(Settings(database="sqlite", var_dir=var, testing=True))
        try:
            app.test_client().get("/readyz")
            # The projection runner's lease files sit beside the store too.
            lease = lease_for(app.extensions["innoledger"].innoledger.recorder, "public", "ledger")
            assert lease.try_acquire()
            lease.release()
            files = [p for p in var.iterdir() if p.name.startswith("innoledger.sqlite3")]
            assert any(p.name.endswith("-wal") for p in files), files
            assert any(p.name.endswith(".lease") for p in files), files
            assert _mode(var) == 0o700
            # Whatever the service makes in var/, not only the files this test knows of.
            for path in var.rglob("*"):
                assert _mode(path) == (0o700 if path.is_dir() else 0o600), path
        finally:
            app.extensions["innoledger"].close()
    finally:
        os.umask(previous)


def test_an_existing_world_readable_store_is_narrowed(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    os.chmod(var, 0o755)
    store = var / "innoledger.sqlite3"
    store.touch()
    os.chmod(store, 0o644)
    app = create_app(Settings(database="sqlite", var_dir=var, testing=True))
    app.extensions["innoledger"].close()
    assert _mode(var) == 0o700 and _mode(store) == 0o600
