"""The runners' commits are not flushed one by one, and nothing else loses its flush by it.

A projection runner writes state derived from the log, with its position, in one transaction, so
a power loss that undoes its last commits only makes it apply those events again; on SQLite its
store therefore asks for no flush per commit. The connections are pooled and shared with the
events' own commits, which must stay flushed: the setting holds for the runner's transaction
only. PostgreSQL commits every transaction as always.
"""

from __future__ import annotations

from eventstore.sql import SqlStore
from projections.registry import projection_named
from projections.runner import ProjectionRunner
from service.innoledger import Innoledger
from service.settings import Settings
from tests.builders import identify_need, setup_tenant


def _flushing(store: SqlStore, cursor_of: SqlStore) -> str:
    statement = "SHOW synchronous_commit" if store.is_postgres else "PRAGMA synchronous"
    with cursor_of.transaction() as cursor:
        row = cursor.execute(statement).fetchone()
    assert row is not None
    return str(next(iter(row.values())))


def test_a_runner_commits_without_flushing_and_leaves_every_other_commit_flushed(
    store_settings: Settings,
) -> None:
    app = Innoledger(store_settings)
    try:
        flushed = SqlStore(app.recorder)
        runner_store = SqlStore(app.recorder, flush_each_commit=False)
        default = _flushing(flushed, flushed)
        assert default in ("on", "2", "3")  # PostgreSQL on; SQLite FULL or EXTRA
        assert _flushing(flushed, runner_store) == ("on" if flushed.is_postgres else "1")
        runner = ProjectionRunner(app, projection_named("tenant_index"))
        assert not runner.store.flush_each_commit
        identify_need(app, setup_tenant(app, "ystad"))
        assert runner.catch_up() > 0
        # The same pooled connections carry the events' commits: still flushed.
        for _ in range(3):
            assert _flushing(flushed, flushed) == default
    finally:
        app.close()
