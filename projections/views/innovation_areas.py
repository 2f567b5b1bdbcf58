"""Innovation areas municipalities added beside the network's shared catalogue.

The shared catalogue itself (the nine areas Skurup and Ystad found) is data of the domain
(domain/innovation_areas.py), the same in every store, so it has no rows here. Each row is an
area one municipality added, with whose catalogue lists it: that municipality's only
(`municipality`) or every municipality's (`network`). Retired areas stay, marked, as needs
filed under them still name them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from eventstore.sql import Cursor
from projections.base import ProjectedEvent
from projections.db import Table
from projections.rows import RowBuffer
from projections.topics import MUNICIPALITY_AREA_ADDED, MUNICIPALITY_AREA_RETIRED
from projections.views.common import View

COLUMNS = ("area_id", "seq", "municipality", "name", "description", "visibility", "retired")
AREAS = Table(
    "innovation_areas",
    "area_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, municipality TEXT NOT NULL,"
    " name TEXT NOT NULL, description TEXT, visibility TEXT NOT NULL, retired INTEGER NOT NULL",
    (("municipality", "municipality, seq"), ("visibility", "visibility, seq")),
)


class InnovationAreas(View):
    name = "innovation_areas"
    tables: ClassVar[tuple[Table, ...]] = (AREAS,)
    topics: ClassVar[tuple[str, ...]] = (MUNICIPALITY_AREA_ADDED, MUNICIPALITY_AREA_RETIRED)

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        areas = RowBuffer(cursor, AREAS.base + suffix, "area_id", COLUMNS)
        areas.load(e.data["area_id"] for e in events if e.topic == MUNICIPALITY_AREA_RETIRED)
        for event in events:
            data = event.data
            if event.topic == MUNICIPALITY_AREA_ADDED:
                areas.put({
                    "area_id": data["area_id"],
                    "seq": event.position,
                    "municipality": event.audit["tenant"],
                    "name": data["name"],
                    "description": data["description"],
                    "visibility": data["visibility"],
                    "retired": 0,
                })
            else:
                row = areas.get(data["area_id"])
                if row is None:
                    raise LookupError(f"innovation_areas: unknown area {data['area_id']}")
                areas.put({**row, "retired": 1})
        areas.flush()
