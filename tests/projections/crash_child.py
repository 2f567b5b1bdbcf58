"""Child process of the crash tests: applies the log to every view in small batches, each batch
lingering inside its transaction for a random moment, until it is killed (or done).

Settings come from the environment (Settings.from_env). Prints "ready" once set up.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Sequence

from eventstore.sql import Cursor
from projections.base import ProjectedEvent, Projection
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from service.innoledger import Innoledger
from service.settings import Settings


class Lingering:
    """Applies like `inner`, then waits inside the transaction, so that a kill often lands
    between the rows and the commit."""

    def __init__(self, inner: Projection):
        self.inner = inner
        self.name = inner.name
        self.topics = getattr(inner, "topics", ())

    def table_names(self) -> Sequence[str]:
        return self.inner.table_names()

    def create_tables(self, cursor: Cursor, suffix: str = "") -> None:
        self.inner.create_tables(cursor, suffix)

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        self.inner.apply(cursor, events, suffix)
        time.sleep(random.uniform(0, 0.004))


def main() -> None:
    batch_size = int(sys.argv[1])
    app = Innoledger(Settings.from_env())
    runners = [
        ProjectionRunner(app, Lingering(p), batch_size=batch_size) for p in all_projections()
    ]
    for runner in runners:
        runner.setup()
    print("ready", flush=True)
    threads = [threading.Thread(target=runner.catch_up) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("done", flush=True)
    app.close()


if __name__ == "__main__":
    main()
