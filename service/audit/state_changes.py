"""What an event changed in an aggregate's state, as JSON Patch (RFC 6902) operations.

A history page diffs the state before and after each of its events. jsonpatch compares every
member of both states, and serialises every item of every list to match them up, though an
event changes one or two members: on a record with a long list of decisions that was most of a
history page's cost. Each state's members are serialised once here, by one encoder made once
(jsonpatch compares with it too), members whose text is the same in both states are left out,
and jsonpatch diffs only the rest. Its operations are the ones it gives for the whole states: a
member it would find unchanged yields none, the others keep their order, and a value moved
between members is still found, since both ends of a move are changed members.
"""

from __future__ import annotations

import json
import json.encoder
from typing import Any

import jsonpatch


def _refuse(value: Any) -> Any:
    raise TypeError(f"not JSON: {type(value).__name__}")


def _canonical_dumps() -> Any:
    """`json.dumps(value, sort_keys=True)`, made once: json.dumps builds an encoder for every
    call given an option, which cost more than the encoding of a state's small members."""
    make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if make_encoder is None:  # a Python without the C accelerator
        return lambda value: json.dumps(value, sort_keys=True)
    encoder = make_encoder(
        None, _refuse, json.encoder.encode_basestring_ascii, None, ": ", ", ", True, False, True
    )
    return lambda value: "".join(encoder(value, 0))


canonical_json = _canonical_dumps()


class StateTexts:
    """A state with each top-level member's canonical JSON text (as jsonpatch compares values:
    1 and true differ, the order of an object's members does not)."""

    __slots__ = ("_texts", "state")

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self._texts: dict[str, str] | None = None

    @property
    def texts(self) -> dict[str, str]:
        # Made when first compared: a history filtered by decision time passes over states
        # it never diffs.
        if self._texts is None:
            self._texts = {
                key: canonical_json(value) for key, value in self.state.items()
            }
        return self._texts


EMPTY = StateTexts({})


def changes(before: StateTexts, after: StateTexts) -> list[dict[str, Any]]:
    """The operations turning `before`'s state into `after`'s."""
    old, new = before.texts, after.texts
    differing = {key for key, text in new.items() if old.get(key) != text}
    differing.update(key for key in old if key not in new)
    if not differing:
        return []
    source = {key: value for key, value in before.state.items() if key in differing}
    target = {key: value for key, value in after.state.items() if key in differing}
    return list(jsonpatch.JsonPatch.from_diff(source, target, dumps=canonical_json).patch)
