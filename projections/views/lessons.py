"""Lessons learned: the lessons a procurement's team marked shareable, with the procurement, its
lead, and the innovation area(s) of the needs it addresses.

The areas are resolved when the procurement starts: a need's area can only be edited before its
procurement decision, so they are fixed by then. The procurement's title is shown once it has
been published (notice or award); before that the lesson is shared, the procurement is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from domain.innovation_areas import shared_area
from eventstore.sql import Cursor
from projections.base import ProjectedEvent
from projections.db import Table
from projections.rows import Row, RowBuffer
from projections.topics import (
    MUNICIPALITY_AREA_ADDED,
    NEED_EDITED,
    NEED_IDENTIFIED,
    PROCUREMENT_AWARDED,
    PROCUREMENT_EDITED,
    PROCUREMENT_LESSON,
    PROCUREMENT_PARTICIPATION_DECIDED,
    PROCUREMENT_PUBLISHED,
    PROCUREMENT_STARTED,
)
from projections.values import fold, micros
from projections.views.common import View

LESSONS = Table(
    "lessons",
    "lesson_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, procurement_id TEXT NOT NULL,"
    " text TEXT NOT NULL, recorded_at BIGINT NOT NULL",
    (("seq", "seq"), ("procurement", "procurement_id, seq")),
)
PROCUREMENTS = Table(
    "lessons_procurements",
    "procurement_id TEXT PRIMARY KEY, lead TEXT NOT NULL, title TEXT NOT NULL,"
    " published INTEGER NOT NULL, areas TEXT NOT NULL",
    (("lead", "lead"),),
)
PROCUREMENT_AREAS = Table(
    "lessons_procurement_areas",
    "procurement_id TEXT NOT NULL, area_key TEXT NOT NULL, PRIMARY KEY (procurement_id, area_key)",
    (("area", "area_key, procurement_id"),),
)
# Who recorded a lesson and how it is structured (lessons recorded before they were structured
# have no row here: the lead recorded them, as free text).
DETAILS = Table(
    "lessons_details",
    "lesson_id TEXT PRIMARY KEY, municipality TEXT NOT NULL, phase TEXT, what_worked TEXT,"
    " what_to_change TEXT, tags TEXT NOT NULL, tag_keys TEXT NOT NULL, search TEXT NOT NULL",
    (("municipality", "municipality"),),
)
DETAIL_COLUMNS = ("lesson_id", "municipality", "phase", "what_worked", "what_to_change", "tags",
                  "tag_keys", "search")
NEEDS = Table("lessons_needs", "need_id TEXT PRIMARY KEY, innovation_area_id TEXT NOT NULL")
AREAS = Table(
    "lessons_areas", "area_id TEXT PRIMARY KEY, name TEXT NOT NULL, area_key TEXT NOT NULL"
)


class Lessons(View):
    name = "lessons"
    tables: ClassVar[tuple[Table, ...]] = (
        LESSONS, PROCUREMENTS, PROCUREMENT_AREAS, NEEDS, AREAS, DETAILS
    )  # fmt: skip
    topics: ClassVar[tuple[str, ...]] = (
        MUNICIPALITY_AREA_ADDED,
        NEED_IDENTIFIED,
        NEED_EDITED,
        PROCUREMENT_STARTED,
        PROCUREMENT_PARTICIPATION_DECIDED,
        PROCUREMENT_EDITED,
        PROCUREMENT_PUBLISHED,
        PROCUREMENT_AWARDED,
        PROCUREMENT_LESSON,
    )

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        lessons = RowBuffer(cursor, LESSONS.base + suffix, "lesson_id",
                            ("lesson_id", "seq", "procurement_id", "text", "recorded_at"))
        procurements = RowBuffer(cursor, PROCUREMENTS.base + suffix, "procurement_id",
                                 ("procurement_id", "lead", "title", "published", "areas"),
                                 json_columns=("areas",))
        procurement_areas = RowBuffer(cursor, PROCUREMENT_AREAS.base + suffix,
                                      ("procurement_id", "area_key"),
                                      ("procurement_id", "area_key"))
        needs = RowBuffer(cursor, NEEDS.base + suffix, "need_id",
                          ("need_id", "innovation_area_id"))
        areas = RowBuffer(cursor, AREAS.base + suffix, "area_id", ("area_id", "name", "area_key"))
        details = RowBuffer(cursor, DETAILS.base + suffix, "lesson_id", DETAIL_COLUMNS,
                            json_columns=("tags",))

        procurements.load(
            e.aggregate_id for e in events if e.aggregate_type == "Procurement"
        )
        started_needs = [need_id for e in events for need_id in _needs_coming_in(e)]
        needs.load(started_needs)
        areas.load(
            row["innovation_area_id"]
            for row in map(needs.get, started_needs)
            if row and shared_area(row["innovation_area_id"]) is None
        )

        for event in events:
            data = event.data
            topic = event.topic
            if topic == MUNICIPALITY_AREA_ADDED:
                areas.put({"area_id": data["area_id"], "name": data["name"],
                           "area_key": fold(data["name"])})
            elif topic == NEED_IDENTIFIED:
                needs.put({"need_id": event.aggregate_id,
                           "innovation_area_id": data["innovation_area_id"]})
            elif topic == NEED_EDITED:
                if "innovation_area_id" in data["changes"]:
                    needs.put({"need_id": event.aggregate_id,
                               "innovation_area_id": data["changes"]["innovation_area_id"]})
            elif topic in (PROCUREMENT_STARTED, PROCUREMENT_PARTICIPATION_DECIDED):
                procurement_id = event.aggregate_id
                if topic == PROCUREMENT_STARTED:
                    row = {"procurement_id": procurement_id, "lead": data["lead"],
                           "title": data["title"], "published": 0, "areas": []}
                else:
                    known = procurements.get(procurement_id)
                    if known is None:
                        raise LookupError(f"lessons: unknown procurement {event.originator_id}")
                    row = known
                # A need counts from the moment it is in the procurement: the lead's own at the
                # start, another municipality's when its owner joins. A withdrawn need's area
                # stays: the lessons were learnt while the procurement addressed it.
                found = {fold(name): name for name in row["areas"]}
                for need_id in _needs_coming_in(event):
                    need = needs.get(need_id)
                    area = None if need is None else _area(areas, need["innovation_area_id"])
                    if area is not None:
                        found.setdefault(area["area_key"], area["name"])
                procurements.put({**row, "areas": [found[key] for key in sorted(found)]})
                for key in found:
                    procurement_areas.put({"procurement_id": procurement_id, "area_key": key})
            elif topic == PROCUREMENT_LESSON:
                if data["shareable"]:
                    lessons.put({
                        "lesson_id": data["lesson_id"],
                        "seq": event.position,
                        "procurement_id": event.aggregate_id,
                        "text": data["text"],
                        "recorded_at": micros(event.recorded_at),
                    })
                    tags = list(data.get("tags") or [])
                    written = [data["text"], data.get("what_worked") or "",
                               data.get("what_to_change") or "", " ".join(tags)]
                    details.put({
                        "lesson_id": data["lesson_id"],
                        "municipality": data.get("municipality") or event.audit["tenant"],
                        "phase": data.get("phase"),
                        "what_worked": data.get("what_worked"),
                        "what_to_change": data.get("what_to_change"),
                        "tags": tags,
                        "tag_keys": "".join(f"|{fold(tag)}|" for tag in tags),
                        "search": fold(" ".join(written)),
                    })
            else:
                procurement = procurements.get(event.aggregate_id)
                if procurement is None:
                    raise LookupError(f"lessons: unknown procurement {event.originator_id}")
                if topic == PROCUREMENT_EDITED:
                    if "title" in data["changes"]:
                        procurements.put({**procurement, "title": data["changes"]["title"]})
                elif not procurement["published"]:  # Published or Awarded
                    procurements.put({**procurement, "published": 1})
        for buffer in (lessons, procurements, procurement_areas, needs, areas, details):
            buffer.flush()


def _needs_coming_in(event: ProjectedEvent) -> list[str]:
    """The needs an event brings into a procurement."""
    if event.topic == PROCUREMENT_STARTED:
        return list(event.data["need_ids"])
    if event.topic == PROCUREMENT_PARTICIPATION_DECIDED:
        return list(event.data.get("entering_need_ids") or [])
    return []


def _area(areas: RowBuffer, area_id: str) -> Row | None:
    """An area's row: the network's shared catalogue (domain data) or one a municipality added."""
    shared = shared_area(area_id)
    if shared is not None:
        return {"area_id": shared.id, "name": shared.name, "area_key": fold(shared.name)}
    return areas.get(area_id)
