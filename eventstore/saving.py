"""Saving aggregates without the library's per-object protocol checks.

`Application.save` sorts what it is given with runtime-checkable Protocol checks, about 0.1 ms
each on Python 3.11 and three per saved aggregate; everything Innoledger saves is an aggregate.
This save collects their events into the library's ProcessingEvent itself and then takes the
library's own three steps (record, snapshot, notify), so what is stored, snapshotted and
notified is what the library's save would store, snapshot and notify.
tests/contracts/ checks those steps and compares the two saves' results.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording


class SavesAggregates(Application[UUID]):
    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, Aggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings
