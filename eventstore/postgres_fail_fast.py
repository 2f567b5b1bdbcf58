"""PostgreSQL recorders that give up within seconds while the database is away.

The library retries each read and write ten times, each waiting for a connection, so a request
could hang for most of a minute during an outage. The web tier should instead answer 503 with
Retry-After at once and let the client retry; two attempts still ride out a dropped connection.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresFactory,
)
from eventsourcing.utils import retry

from eventstore.postgres_idle_ping import ping_only_idle_connections
from eventstore.postgres_liveness import with_silent_peer_timeouts
from eventstore.postgres_schema_lock import SerialisedTableCreation

ATTEMPTS = 2


def _with_fewer_retries(cls: type[Any]) -> type[Any]:
    for name in dir(cls):
        if name.startswith("__"):
            continue
        method = getattr(cls, name)
        inner = getattr(method, "__wrapped__", None)
        if inner is None or not getattr(method, "__module__", "").startswith("eventsourcing"):
            continue
        retried = retry((InterfaceError, OperationalError), max_attempts=ATTEMPTS, wait=0.2)
        setattr(cls, name, retried(inner))
    return cls


@_with_fewer_retries
class FailFastAggregateRecorder(SerialisedTableCreation, PostgresAggregateRecorder):
    pass


@_with_fewer_retries
class FailFastApplicationRecorder(SerialisedTableCreation, PostgresApplicationRecorder):
    pass


class FailFastPostgresFactory(PostgresFactory):
    aggregate_recorder_class = FailFastAggregateRecorder
    application_recorder_class = FailFastApplicationRecorder

    def __init__(self, env: Any):
        super().__init__(env)
        # libpq's own options the library does not pass: with several hosts (a primary and a
        # standby) each connection goes to the one that accepts writes, and gives up on a host
        # that does not answer after connect_timeout seconds, then tries the next.
        libpq = self.datastore.pool.kwargs
        assert isinstance(libpq, dict)  # the library builds its pool with a dict
        libpq["target_session_attrs"] = self.env.get("POSTGRES_TARGET_SESSION_ATTRS") or "any"
        libpq["connect_timeout"] = self.env.get(self.POSTGRES_CONNECT_TIMEOUT) or "5"
        # Every connection, pooled or opened beside the pool with these parameters, lets go of
        # a peer that vanished within seconds: an app host cut off mid-transaction must not
        # hold its locks against every other host for hours.
        libpq.update(with_silent_peer_timeouts(libpq))
        if self.datastore.pre_ping:
            ping_only_idle_connections(self.datastore.pool)
