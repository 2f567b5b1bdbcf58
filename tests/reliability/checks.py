"""What the reliability tests check after a run, on the store itself (in-process), and the
figures they report: requests sent, clashes, faults injected, bad inputs tried, what was lost."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eventstore.sql import SqlStore
from projections.base import Projection
from projections.rebuild import rebuild
from projections.registry import all_projections
from projections.runner import ProjectionRunner, head_position
from projections.tracking import read_position
from service.innoledger import Innoledger
from service.ledger.ledger import Ledger
from service.ledger.verify import verify
from service.settings import Settings
from tests.reliability.server import ROOT

MARKER = re.compile(rb"m\d+x\d{4}z")
OK = {200, 201}
CLASHES = {409, 412}


@dataclass
class Figures:
    """Summed over the session and printed at its end (see conftest.py)."""

    requests: int = 0
    commands_acknowledged: int = 0
    conflicts_409: int = 0
    conflicts_412: int = 0
    faults_injected: Counter[str] = field(default_factory=Counter)
    bad_inputs: int = 0
    isolation_probes: int = 0
    answers_503: int = 0
    broken_attempts: int = 0
    lost: int = 0
    applied_twice: int = 0

    def lines(self) -> list[str]:
        faults = ", ".join(f"{n} {kind}" for kind, n in sorted(self.faults_injected.items()))
        return [
            f"requests sent: {self.requests}",
            f"commands acknowledged (2xx): {self.commands_acknowledged}",
            f"conflicts: {self.conflicts_409} x 409, {self.conflicts_412} x 412",
            f"faults injected: {sum(self.faults_injected.values())} ({faults or 'none'})",
            f"attempts broken by a fault: {self.broken_attempts}; 503 answers: {self.answers_503}",
            f"bad inputs tried: {self.bad_inputs}; isolation probes: {self.isolation_probes}",
            f"acknowledged commands lost: {self.lost}; applied twice: {self.applied_twice}",
        ]


FIGURES = Figures()


# Load clients


def run_clients(
    plans: Sequence[dict[str, Any]], work_dir: Path, *, timeout_s: float = 180
) -> list[dict[str, Any]]:
    """Runs one load process per plan, all at once; their results."""
    return [wait_client(p, out, timeout_s) for p, out in start_clients(plans, work_dir)]


def start_clients(plans: Sequence[dict[str, Any]], work_dir: Path) -> list[tuple[Any, Path]]:
    """Starts one load process per plan (tests.reliability.load); they run at once."""
    started = []
    for plan in plans:
        name = f"client-{plan['client']}-{uuid.uuid4().hex[:6]}"
        plan_file = work_dir / f"{name}.plan.json"
        plan_file.write_text(json.dumps(plan))
        out = work_dir / f"{name}.json"
        with out.open("wb") as stdout:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.reliability.load", str(plan_file)],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        started.append((process, out))
    return started


def wait_client(
    process: subprocess.Popen[bytes], out: Path, timeout_s: float = 180
) -> dict[str, Any]:
    try:
        _, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.communicate()
        raise AssertionError(f"a load client did not finish in {timeout_s} s") from None
    assert process.returncode == 0, stderr.decode(errors="replace")[-3000:]
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def clients_done(started: list[tuple[Any, Path]]) -> bool:
    return all(process.poll() is not None for process, _ in started)


def statuses(results: Iterable[dict[str, Any]]) -> Counter[str]:
    """Every attempt's outcome (status code or error name), reads included."""
    counts: Counter[str] = Counter()
    for result in results:
        for command in result["commands"]:
            for attempt in command["attempts"]:
                counts[str(attempt.get("status", attempt.get("error")))] += 1
        for key, n in result["reads"]["statuses"].items():
            counts[key] += n
    return counts


def count_figures(results: Sequence[dict[str, Any]]) -> Counter[str]:
    counts = statuses(results)
    FIGURES.requests += sum(counts.values())
    FIGURES.conflicts_409 += counts["409"]
    FIGURES.conflicts_412 += counts["412"]
    FIGURES.answers_503 += counts["503"]
    FIGURES.broken_attempts += sum(n for key, n in counts.items() if not key.isdigit())
    FIGURES.commands_acknowledged += sum(
        1 for result in results for c in result["commands"] if c["status"] in OK
    )
    return counts


def commands(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [command for result in results for command in result["commands"]]


def uncertain(command: dict[str, Any]) -> bool:
    """Some attempt may have been saved without the client hearing of it."""
    return any("error" in a or a.get("status") == 503 for a in command["attempts"])


# The store after a run


@contextlib.contextmanager
def opened(settings: Settings) -> Iterator[Innoledger]:
    app = Innoledger(settings)
    try:
        yield app
    finally:
        app.close()


@dataclass
class StoreCheck:
    events: dict[str, int]  # aggregate id -> number of events
    markers: Counter[bytes]


def check_store(app: Innoledger, all_commands: Sequence[dict[str, Any]]) -> StoreCheck:
    """Every acknowledged command's event is stored exactly once, at the version and position it
    answered; a refused command wrote nothing; versions are gap-free per aggregate."""
    targets = sorted({c["target"] for c in all_commands})
    markers: Counter[bytes] = Counter()
    where: dict[bytes, tuple[str, int]] = {}
    sizes = {}
    for target in targets:
        stored = list(app.recorder.select_events(uuid.UUID(target)))
        versions = [event.originator_version for event in stored]
        assert versions == list(range(1, len(versions) + 1)), (target, versions)
        sizes[target] = len(stored)
        for event in stored:
            for marker in MARKER.findall(event.state):
                markers[marker] += 1
                where[marker] = (target, event.originator_version)
    known = {c["marker"].encode() for c in all_commands}
    invented = set(markers) - known
    assert not invented, f"events no command asked for: {sorted(invented)[:5]}"
    lost, twice, problems = 0, 0, []
    for command in all_commands:
        marker = command["marker"].encode()
        count = markers[marker]
        if count > 1:
            twice += 1
            problems.append(f"{command['marker']} applied {count} times")
        if command["status"] in OK:
            if count == 0:
                lost += 1
                problems.append(f"{command['marker']} acknowledged but not stored")
                continue
            target, version = where[marker]
            if (target, version) != (command["target"], command["version"]):
                problems.append(
                    f"{command['marker']} answered v{command['version']}, stored v{version}"
                )
            notification = app.recorder.select_notifications(start=command["position"], limit=1)
            if not notification or (
                notification[0].id,
                str(notification[0].originator_id),
                notification[0].originator_version,
            ) != (command["position"], command["target"], command["version"]):
                problems.append(f"{command['marker']}: position {command['position']} is not its")
        elif count and not uncertain(command):
            problems.append(
                f"{command['marker']} refused with {command['status']} but stored {count} times"
            )
    FIGURES.lost += lost
    FIGURES.applied_twice += twice
    assert not problems, "\n".join(problems[:20])
    return StoreCheck(events=sizes, markers=markers)


def check_ledger(app: Innoledger) -> int:
    """The ledger, brought up to the log's head, verifies against every stored event."""
    ledger = Ledger.of(app)
    ledger.catch_up()
    report = verify(app)
    assert report.ok, f"ledger: {report.first_problem}"
    assert report.pending == 0 and report.leaves == report.events, report.to_json()
    return report.events


def dump(store: SqlStore, projection: Projection) -> dict[str, list[Any]]:
    out = {}
    with store.reading() as cursor:
        for table in projection.table_names():
            rows = cursor.execute(f"SELECT * FROM {table}").fetchall()
            out[table] = sorted((tuple(sorted(row.items())) for row in rows), key=repr)
    return out


def view_positions(store: SqlStore) -> dict[str, int]:
    with store.reading() as cursor:
        return {p.name: read_position(cursor, p.name) or 0 for p in all_projections()}


def wait_for_views(app: Innoledger, timeout_s: float = 60) -> int:
    """Waits until every view (followed by a runner process) has reached the log's head."""
    store = SqlStore(app.recorder)
    head = head_position(app.recorder)
    deadline = time.monotonic() + timeout_s
    positions: dict[str, int] = {}
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # the tables may not exist yet
            positions = view_positions(store)
            if all(p == head for p in positions.values()):
                return head
        time.sleep(0.2)
    raise AssertionError(f"views did not reach head {head} in {timeout_s} s: {positions}")


def catch_up_views(app: Innoledger) -> int:
    head = 0
    for projection in all_projections():
        head = ProjectionRunner(app, projection).catch_up()
    return head


def check_views_equal_rebuild(app: Innoledger) -> None:
    """The views as followed equal what a fresh rebuild from the log gives."""
    store = SqlStore(app.recorder)
    followed = {p.name: dump(store, p) for p in all_projections()}
    positions = view_positions(store)
    for projection in all_projections():
        rebuild(app, projection, store=store)
    rebuilt = {p.name: dump(store, p) for p in all_projections()}
    assert view_positions(store) == positions
    for name in followed:
        assert followed[name] == rebuilt[name], f"view {name} differs from its rebuild"


def server_errors(server: Any) -> list[dict[str, Any]]:
    """Requests the service answered with a 5xx other than 503, from its access log."""
    return [
        line
        for line in server.log_lines()
        if line.get("logger") == "innoledger.access"
        and isinstance(line.get("status"), int)
        and line["status"] >= 500
        and line["status"] != 503
    ]
