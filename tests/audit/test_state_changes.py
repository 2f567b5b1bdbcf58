"""A history's changes are the operations jsonpatch gives for the whole states, though only
the members that differ are diffed."""

from __future__ import annotations

import json
from typing import Any

import jsonpatch
from hypothesis import given, settings
from hypothesis import strategies as st

from service.audit.state_changes import EMPTY, StateTexts, canonical_json, changes

KEYS = st.sampled_from(["title", "status", "swot", "decisions", "co_owners", "value", "a", "b"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-2, 2, allow_nan=False).map(lambda x: round(x, 1)),
    st.sampled_from(["", "x", "Ystad", "1", "true"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.sampled_from(["id", "text", "n", "k"]), inner, max_size=4),
    ),
    max_leaves=20,
)
STATES = st.dictionaries(KEYS, VALUES, max_size=6)


def _edited(state: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """The kind of step an event takes: a few members changed, added, dropped or moved."""
    after = dict(state)
    for _ in range(data.draw(st.integers(0, 3))):
        action = data.draw(st.sampled_from(["set", "drop", "move", "append"]))
        key = data.draw(KEYS)
        if action == "set":
            after[key] = data.draw(VALUES)
        elif action == "drop":
            after.pop(key, None)
        elif action == "move" and after:
            source = data.draw(st.sampled_from(sorted(after)))
            after[key] = after.pop(source)
        elif action == "append" and isinstance(after.get(key), list):
            after[key] = [*after[key], data.draw(VALUES)]
    return after


@settings(max_examples=400)
@given(before=STATES, data=st.data())
def test_the_changes_are_the_ones_jsonpatch_gives_for_the_whole_states(
    before: dict[str, Any], data: st.DataObject
) -> None:
    after = _edited(before, data) if data.draw(st.booleans()) else data.draw(STATES)
    found = changes(StateTexts(before), StateTexts(after))
    assert found == jsonpatch.make_patch(before, after).patch
    assert jsonpatch.apply_patch(before, found) == after


@settings(max_examples=300)
@given(value=VALUES)
def test_members_are_written_as_json_dumps_writes_them_with_sorted_keys(value: Any) -> None:
    assert canonical_json(value) == json.dumps(value, sort_keys=True)


def test_the_first_event_s_changes_add_every_member() -> None:
    state = {"title": "Golv", "swot": {"strength": []}}
    assert changes(EMPTY, StateTexts(state)) == [
        {"op": "add", "path": "/title", "value": "Golv"},
        {"op": "add", "path": "/swot", "value": {"strength": []}},
    ]


def test_one_and_true_differ_as_in_json() -> None:
    assert changes(StateTexts({"n": 1}), StateTexts({"n": True})) == [
        {"op": "replace", "path": "/n", "value": True}
    ]
    assert changes(StateTexts({"n": {"a": 1, "b": 2}}), StateTexts({"n": {"b": 2, "a": 1}})) == []
