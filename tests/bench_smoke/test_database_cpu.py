"""The CPU rows of the PostgreSQL measures count the database server's processes, found
without any privilege a test or bench role lacks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bench.cputime import CpuMeter, tree
from bench.stores import PostgresDatabase
from tests.conftest import require_postgres


def test_the_postgres_servers_processes_include_every_sessions_backend(tmp_path: Path) -> None:
    require_postgres()
    database = PostgresDatabase(tmp_path)
    roots = database.server_pids()
    assert roots, "the local cluster's postmaster was not found"
    meter = CpuMeter({"database": roots})
    with database._connect() as conn:
        backend = int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
        assert backend in tree(roots)
        meter.start()
        # Work done by the server alone: the meter must see the backend's CPU time.
        conn.execute("SELECT count(*) FROM generate_series(1, 3000000)").fetchone()
        spent = meter.stop()
    assert spent["database"] > 0.05, spent


def test_a_cluster_on_another_machine_has_no_local_processes(tmp_path: Path) -> None:
    require_postgres()
    database = PostgresDatabase(tmp_path)
    assert database.base is not None
    database.base = replace(database.base, host="db.example.invalid")
    assert database.server_pids() == []
