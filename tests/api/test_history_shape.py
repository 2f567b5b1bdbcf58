"""A history page is answered as `HistoryPage.to_json()` gives it, without a second dump by its
schema: so that body must be exactly what the schema would dump — every declared field, no
other, each value as the schema would write it — for every kind of object, for a caller shown all
of it and for one shown it redacted, on a first page and a later one."""

from __future__ import annotations

import json
from typing import Any

from marshmallow import Schema

from service.api.schemas.audit import HistoryEntrySchema, HistoryPageSchema
from tests.api.conftest import Client, Tenant, World
from tests.api.test_projects import establish, invite, join


def _assert_dumped_shape(page: dict[str, Any]) -> None:
    assert set(page) == _declared(HistoryPageSchema), set(page) ^ _declared(HistoryPageSchema)
    for entry in page["entries"]:
        assert set(entry) == _declared(HistoryEntrySchema), entry
    # Compared as JSON text: 0 == False and 1.0 == 1 in Python, not on the wire.
    assert json.dumps(HistoryPageSchema().dump(page), sort_keys=True) == json.dumps(
        page, sort_keys=True
    )


def _declared(schema: type[Schema]) -> set[str]:
    return set(schema().dump_fields)


def _every_page(client: Client, path: str) -> list[dict[str, Any]]:
    """Every page of the history, three entries a page; none if it is not the caller's to read
    (another municipality's own record)."""
    first = client.get(f"{path}/history", query={"limit": 3})
    if first.status_code != 200:
        return []
    pages = [first.get_json()]
    while pages[-1]["next_cursor"] and len(pages) < 50:
        pages.append(
            client.read(
                f"{path}/history", query={"limit": 3, "cursor": pages[-1]["next_cursor"]}
            )
        )
    return pages


def test_every_kind_of_history_is_its_schemas_dump(
    world: World, ystad: Tenant, skurup: Tenant, trelleborg: Tenant
) -> None:
    need = world.need(ystad, "procurement_decided")
    # In evaluation: the bids are withheld from everyone outside Ystad's buying roles.
    procurement = world.procurement(ystad, "evaluation", need_ids=[need])
    project = establish(ystad)
    invite(ystad, project, "skurup")
    join(skurup, project)
    paths = [
        f"needs/{need}",
        f"procurements/{procurement}",
        ystad.path,
        f"projects/{project}",
    ]
    readers = (ystad.auditor, ystad.officer, skurup.auditor, trelleborg.auditor,
               world.platform_auditor)
    seen_redacted = seen_decision = seen_later_page = False
    for path in paths:
        shown_to = 0
        for reader in readers:
            pages = _every_page(reader, path)
            shown_to += bool(pages)
            for index, page in enumerate(pages):
                _assert_dumped_shape(page)
                seen_later_page |= index > 0
                seen_redacted |= any(entry["redacted"] for entry in page["entries"])
                seen_decision |= any(entry["decision"] for entry in page["entries"])
        assert shown_to >= 2, path
    # The cases that could tell a hand-shaped body from a dumped one were all met.
    assert seen_redacted and seen_decision and seen_later_page
