"""Several processes opening the same fresh PostgreSQL store at the same moment all start.

gunicorn workers (and projection runners beside them) construct the application together; the
library's table creation replaces functions in PostgreSQL's catalog, which fails with "tuple
concurrently updated" when two sessions do it at once unless creation is serialised.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize

import pytest

from service.innoledger import Innoledger
from service.settings import Settings

STARTERS = 6
ROUNDS = 3


def _start(settings: Settings, barrier: multiprocessing.synchronize.Barrier) -> None:
    barrier.wait(timeout=30)
    app = Innoledger(settings)
    app.close()


def _start_together(settings: Settings) -> list[int | None]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(STARTERS)
    processes = [context.Process(target=_start, args=(settings, barrier)) for _ in range(STARTERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    return [process.exitcode for process in processes]


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_every_process_starts_on_a_fresh_postgres_schema(
    postgres_settings: Settings, round_number: int
) -> None:
    assert _start_together(postgres_settings) == [0] * STARTERS
