"""On SQLite a rebuild's batches are not flushed to disk one by one (a rebuild cut short is
dropped by the next), while the swap that makes the new tables the view is."""

from __future__ import annotations

from collections.abc import Sequence

from bench.network_generator import NetworkGenerator
from eventstore.sql import Cursor, SqlStore
from projections.base import ProjectedEvent
from projections.rebuild import rebuild
from projections.views.tenant_index import TenantIndex
from service.innoledger import Innoledger
from service.settings import Settings
from tests.projections.scenario import Scenario

# PRAGMA synchronous: 1 = NORMAL (no flush at commit in WAL mode), 2 = FULL.
NORMAL, FULL = 1, 2


class _Watched(TenantIndex):
    """The tenant index, noting how durable each transaction it applies a batch in is."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        self.seen.append(int(next(iter(cursor.execute("PRAGMA synchronous").fetchone().values()))))
        super().apply(cursor, events, suffix)


def test_batches_are_not_flushed_one_by_one_and_the_swap_is(sqlite_settings: Settings):
    app = Innoledger(sqlite_settings)
    try:
        store = SqlStore(app.recorder)
        NetworkGenerator(app, seed=5).fill(600, municipalities=3)
        s = Scenario(app)
        view = _Watched()
        rebuild(app, view, store=store, batch_size=100,
                before_swap=lambda: s.need(s.ystad, "Skrivet före bytet"))
        *batches, swap = view.seen
        assert len(batches) >= 5
        assert set(batches) == {NORMAL}
        assert swap == FULL
    finally:
        app.close()
