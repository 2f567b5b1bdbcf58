"""CPU time per operation of every process a measure involves, read from /proc.

Throughput on a shared machine moves with whatever else runs on it; the CPU time a process
spends per operation moves far less (it does not count time spent waiting for a core). A
measure names the process trees it involves by role — the service (gunicorn's master and its
workers), the runners, the database server, the load processes themselves (for an in-process
baseline that is where the work happens) — and `CpuMeter` reads their user + system time at the
start and the end of the measured window (not the warm-up). Beside it, the times its threads
were switched off a core (`switches`): each wait for the network, a lock or a free core is one,
and on a virtual machine each costs CPU time of its own — the count tells a request that waits
often from one that computes long.

Linux only (/proc); elsewhere the meter reports nothing and the rows say so.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

PROC = Path("/proc")


def available() -> bool:
    return (PROC / "self" / "stat").exists()


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    return text[text.rfind(")") + 2 :].split()


def parent_of(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[1]) if fields is not None else None


def command_of(pid: int) -> str | None:
    try:
        return (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return None


def _children_of() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is None:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))  # field 4: ppid
    return children


def tree(roots: Iterable[int]) -> set[int]:
    """The processes `roots` and all their descendants, alive now."""
    children = _children_of()
    found: set[int] = set()
    pending = list(roots)
    while pending:
        pid = pending.pop()
        if pid in found:
            continue
        found.add(pid)
        pending.extend(children.get(pid, ()))
    return found


def cpu_seconds(pids: Iterable[int]) -> dict[int, float]:
    """User + system CPU seconds of each process (its own, not its children's)."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds: dict[int, float] = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            # Fields 14 and 15 of /proc/<pid>/stat: utime, stime (here at 11 and 12).
            seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


def context_switches(pids: Iterable[int]) -> dict[int, int]:
    """Context switches (voluntary and not) of each process, summed over its threads alive
    now: /proc/<pid>/status counts its first thread's only."""
    counts: dict[int, int] = {}
    for pid in pids:
        try:
            tasks = list((PROC / str(pid) / "task").iterdir())
        except OSError:
            continue
        total = 0
        for task in tasks:
            try:
                text = (task / "status").read_text()
            except OSError:
                continue
            for line in text.splitlines():
                if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                    total += int(line.split(":", 1)[1])
        counts[pid] = total
    return counts


class CpuMeter:
    """CPU seconds spent per role between `start()` and `stop()`, and context switches made
    (`switched`; a thread that ended between the readings is missed).

    Roles are process trees (`roots`, read again at each reading, so workers that start later
    count too). A process that ended between the readings is missed (its time since the first
    reading is lost); the measures keep their processes alive across the window."""

    def __init__(self, roles: Mapping[str, Sequence[int]]):
        self.roles = {role: list(roots) for role, roots in roles.items() if roots}
        self._before: dict[str, dict[int, float]] = {}
        self._switches_before: dict[str, dict[int, int]] = {}
        self.spent: dict[str, float] = {}
        self.switched: dict[str, int] = {}

    def _read(self) -> tuple[dict[str, dict[int, float]], dict[str, dict[int, int]]]:
        trees = {role: tree(roots) for role, roots in self.roles.items()}
        return (
            {role: cpu_seconds(pids) for role, pids in trees.items()},
            {role: context_switches(pids) for role, pids in trees.items()},
        )

    def start(self) -> None:
        if available():
            self._before, self._switches_before = self._read()

    def stop(self) -> dict[str, float]:
        if not available() or not self._before:
            return {}
        after, switches = self._read()
        self.spent = {
            role: sum(
                seconds - self._before[role].get(pid, 0.0) for pid, seconds in now.items()
            )
            for role, now in after.items()
        }
        self.switched = {
            role: sum(
                count - self._switches_before[role].get(pid, 0) for pid, count in now.items()
            )
            for role, now in switches.items()
        }
        return self.spent


def per_operation_ms(spent: Mapping[str, float], operations: int) -> dict[str, float]:
    """Milliseconds of CPU per operation, per role and in total."""
    if not spent or operations <= 0:
        return {}
    per_op = {role: 1000 * seconds / operations for role, seconds in spent.items()}
    per_op["total"] = sum(per_op.values())
    return per_op


def per_operation(counts: Mapping[str, int], operations: int) -> dict[str, float]:
    """A count per operation, per role and in total (context switches per request)."""
    if not counts or operations <= 0:
        return {}
    per_op = {role: count / operations for role, count in counts.items()}
    per_op["total"] = sum(per_op.values())
    return per_op
