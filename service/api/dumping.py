"""Response bodies by their schemas, one built schema of each kind per process.

Building a schema deep-copies its declared fields and those of every schema nested in it: for a
need, as costly as the rest of its read together. A built schema holds nothing of a dump (there
is no schema context since marshmallow 4), so one is used by every thread for every answer, as
flask-smorest does with the schemas its decorators are given.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from marshmallow import Schema


@cache
def _built(schema: type[Schema]) -> Schema:
    return schema()


def dumped(schema: type[Schema], data: Any) -> Any:
    """`data` as `schema` dumps it."""
    return _built(schema).dump(data)
