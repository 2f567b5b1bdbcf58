"""For a refusal that depends on the state: which call leads to a state that allows the command.

"cannot award a procurement that is tendering (allowed when evaluation)" says what is wrong; a
newcomer also needs to know that `POST /procurements/{id}/evaluation` is how a procurement gets
to evaluation. The domain names the allowed states; this table names the HTTP step into each.
"""

from __future__ import annotations

from typing import Any

from flask import request

from domain.errors import WrongState

PROCUREMENT = "/api/v1/procurements/{id}"
NEED = "/api/v1/needs/{id}"

# (subject, state) -> the call that brings the object into that state.
STEPS_INTO: dict[tuple[str, str], str] = {
    ("procurement", "planning"): "POST /api/v1/procurements (a new procurement starts in planning)",
    ("procurement", "tendering"): f"POST {PROCUREMENT}/decisions with type publish",
    ("procurement", "evaluation"): f"POST {PROCUREMENT}/evaluation",
    ("procurement", "awarded"): f"POST {PROCUREMENT}/decisions with type award",
    ("procurement", "contracted"): f"POST {PROCUREMENT}/decisions with type sign_contract",
    ("procurement", "implementing"): f"POST {PROCUREMENT}/milestones",
    ("procurement", "closed"): f"POST {PROCUREMENT}/decisions with type close",
    ("procurement", "cancelled"): f"POST {PROCUREMENT}/decisions with type cancel",
    ("need", "identified"): f"POST /api/v1/needs, or POST {NEED}/decisions with type reopen",
    ("need", "prioritised"): f"POST {NEED}/decisions with type prioritise",
    ("need", "parked"): f"POST {NEED}/decisions with type park",
    ("need", "rejected"): f"POST {NEED}/decisions with type reject",
    ("need", "procurement_decided"): f"POST {NEED}/decisions with type decide_to_procure",
    ("need", "in_procurement"): "POST /api/v1/procurements naming the need in need_ids",
    ("need", "realised"): f"POST {NEED}/decisions with type mark_realised",
}


def next_steps(error: WrongState) -> list[dict[str, Any]]:
    if error.subject is None:
        return []
    object_id = _object_id(error.subject)
    steps = []
    for state in error.allowed:
        operation = STEPS_INTO.get((error.subject, state))
        if operation is not None:
            if object_id is not None:
                operation = operation.replace("{id}", object_id)
            steps.append({"to": state, "operation": operation})
    return steps


def _object_id(subject: str) -> str | None:
    try:
        arguments = request.view_args or {}
    except RuntimeError:
        return None
    value = arguments.get(f"{subject}_id")
    return str(value) if value is not None else None
