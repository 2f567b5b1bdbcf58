"""Long-running processes freeze what they built at start-up, so full garbage collections do
not walk it again on every request path (service/heap.py)."""

from __future__ import annotations

import gc
import runpy
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.heap import freeze_start_up_heap

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_start_up_garbage_is_collected_and_what_lives_is_frozen(unfrozen: None) -> None:
    kept = _Node()
    cycle = _Node()
    cycle.other = _Node()
    cycle.other.other = cycle
    gone = weakref.ref(cycle)
    del cycle

    frozen = freeze_start_up_heap()

    assert gone() is None  # the garbage of start-up is not frozen along with the rest
    # Frozen objects that die afterwards (a temporary of the call itself, say) leave the
    # permanent generation, so the count may fall below what was frozen, never rise above it.
    assert 0 < gc.get_freeze_count() <= frozen
    # What was alive stays out of every later collection: only new objects are tracked.
    assert len(gc.get_objects()) < frozen
    assert kept.other is None


def test_gunicorn_workers_freeze_their_heap_once_the_application_is_built(
    unfrozen: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The config file would otherwise set a metrics directory for this whole test process.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["preload_app"] is False  # so the hook runs in each worker, after its load

    config["post_worker_init"](object())

    assert gc.get_freeze_count() > 0


def test_projections_run_freezes_its_heap_before_the_runners_start(
    unfrozen: None, monkeypatch: pytest.MonkeyPatch, sqlite_settings: Any
) -> None:
    import os
    import signal
    import threading

    from click.testing import CliRunner

    import service.cli.projections as cli
    from service.innoledger import Innoledger

    seen: list[tuple[int, list[str]]] = []

    def freeze_then_stop() -> int:
        frozen = freeze_start_up_heap()
        running = [t.name for t in threading.enumerate() if t.name.startswith("projection-")]
        seen.append((frozen, running))
        os.kill(os.getpid(), signal.SIGTERM)  # the command's own handler: stop after batches
        return frozen

    monkeypatch.setattr(cli, "freeze_start_up_heap", freeze_then_stop)
    obj = {"create_app": lambda: Innoledger(sqlite_settings)}
    # Should the command never freeze, it is still stopped (and the test fails below).
    fallback = threading.Timer(30, os.kill, (os.getpid(), signal.SIGTERM))
    fallback.start()
    try:
        result = CliRunner().invoke(
            cli.projections_group, ["run", "--only", "network_needs"], obj=obj
        )
    finally:
        fallback.cancel()

    assert result.exit_code == 0, result.output
    assert len(seen) == 1
    frozen, running = seen[0]
    assert frozen > 0 and running == []  # frozen once, before any runner thread followed
