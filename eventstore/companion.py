"""A check that travels with the next read of the same request: one round trip for both.

A request may have a few values to confirm before its answer may go out (e.g. that what the
process keeps in memory about its caller is still current), and it reads its data anyway.
Instead of a statement of its own, the check rides on the next one-statement read of the same
store (`SqlStore.select`): its values are put in front of the read's own columns as
uncorrelated scalar subqueries — evaluated once per statement, in the read's own snapshot —
taken off every row again, and handed to the check, which may refuse them by raising. The read's
rows reach its caller only after the check accepted them.

A read that cannot carry them (not a plain leading SELECT, DISTINCT, a set operation) or that
returns no row leaves the check waiting; `SqlStore.settle` runs it alone. Whoever sends a check
settles it before the request's answer goes out, and the store settles it before any write.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

# Taken off the rows again: no column of ours starts with it.
COLUMN_PREFIX = "companion_check_"

_CANNOT_CARRY = re.compile(r"\b(UNION|INTERSECT|EXCEPT|DISTINCT)\b", re.IGNORECASE)


@dataclass(eq=False)
class CompanionCheck:
    store: Any  # the SqlStore whose reads may carry it
    # (name, scalar SQL expression with `?` placeholders), in the order of `params`
    columns: tuple[tuple[str, str], ...]
    params: tuple[Any, ...]
    # Gets {name: value}; may raise to refuse the read it came with.
    receive: Callable[[dict[str, Any]], None]
    delivered: bool = field(default=False, init=False)
    refusal: BaseException | None = field(default=None, init=False)

    def select_list(self) -> str:
        return ", ".join(
            f"{expression} AS {COLUMN_PREFIX}{name}" for name, expression in self.columns
        )


_waiting: ContextVar[CompanionCheck | None] = ContextVar("innoledger_companion_check", default=None)


def send_with_next_read(check: CompanionCheck) -> None:
    _waiting.set(check)


def withdraw(check: CompanionCheck) -> None:
    """The request is over: its check no longer travels (delivered or not)."""
    if _waiting.get() is check:
        _waiting.set(None)


def withdraw_any() -> None:
    """A new request begins: no check of an earlier one (say, one whose end was never seen on
    this thread) may ride on its reads or stop its writes."""
    _waiting.set(None)


def waiting_for(store: Any) -> CompanionCheck | None:
    check = _waiting.get()
    if check is None or check.store is not store or check.delivered:
        return None
    return check


def can_carry(statement: str) -> bool:
    return statement.startswith("SELECT ") and _CANNOT_CARRY.search(statement) is None


def carried_by(check: CompanionCheck, statement: str) -> str:
    """`statement` with the check's values as its first columns."""
    return f"SELECT {check.select_list()}, {statement[len('SELECT ') :]}"


def take_off(check: CompanionCheck, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The check's values, removed from every row (the caller sees its own columns only)."""
    names = [(name, COLUMN_PREFIX + name) for name, _ in check.columns]
    values = {name: rows[0][column] for name, column in names}
    for row in rows:
        for _, column in names:
            del row[column]
    return values


def take_off_first(
    check: CompanionCheck, names: Sequence[str], row: Sequence[Any]
) -> dict[str, Any]:
    """The check's values from the first columns of a row (`names` its column names)."""
    taken = len(check.columns)
    pairs = zip(names[:taken], row[:taken], strict=True)
    return {name[len(COLUMN_PREFIX) :]: value for name, value in pairs}


def deliver(check: CompanionCheck, values: dict[str, Any]) -> None:
    check.delivered = True
    withdraw(check)
    try:
        check.receive(values)
    except BaseException as refusal:
        check.refusal = refusal  # said again by `SqlStore.settle`
        raise


def alone(check: CompanionCheck) -> str:
    """The statement that reads the check's values when no read carried them."""
    return f"SELECT {check.select_list()}"
