"""What commands share: settings from the environment and an application built on demand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from service.innoledger import Innoledger
from service.settings import Settings


@contextmanager
def opened_application(settings: Settings | None = None) -> Iterator[Innoledger]:
    app = Innoledger(settings or Settings.from_env())
    try:
        yield app
    finally:
        app.close()
