"""The bare library: a plain eventsourcing `Application` over the same store and aggregates.

Same tables (application name "Innoledger"), same persistence settings, transcodings and
snapshot interval as the service — and nothing of the service: no use cases, no access checks,
no audit context lookups beyond what the aggregates themselves record. It is the baseline of
"the bare library's get–mutate–save" and does not change when the service's application does.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

from domain.municipality import Municipality
from domain.need import Need
from domain.procurement import Procurement
from service.application import DateAsISO
from service.settings import Settings
from service.storage.eventstore_env import eventsourcing_env


class BareApplication(Application[UUID]):
    name = "Innoledger"

    def __init__(self, settings: Settings):
        self.snapshotting_intervals = {  # type: ignore[misc]
            Need: settings.snapshot_interval,
            Procurement: settings.snapshot_interval,
            Municipality: settings.snapshot_interval,
        }
        env = eventsourcing_env(settings)
        env["IS_SNAPSHOTTING_ENABLED"] = "y"
        # The service created the tables; the baseline does no schema work of its own.
        env["CREATE_TABLE"] = "n"
        if settings.database == "sqlite":
            # The library's own SQLite connections, as it ships them.
            env["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
        super().__init__(env=env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
