"""§7 across machines: two app hosts and a PostgreSQL primary with a synchronous standby, each
on a network host of its own, and faults injected while clients on a third host write and read.

* an app host dies (every process on it SIGKILLed): the clients go on with the other host, the
  projection leases move to its runner, nothing acknowledged is lost, nothing applied twice;
* an app host's network is cut (its processes live on, unreachable): the same, and once its
  cable is back it serves again and its runner stands by instead of applying anything twice;
* the primary dies and the standby is promoted (`pg_ctl promote`): meanwhile the service
  answers 503 with Retry-After; afterwards nothing acknowledged is lost, nothing applied twice,
  and the ledger's signed tree heads from before the failover are extended by the ones after
  (consistency proofs, signatures checked).

The figures (requests, acknowledged commands, faults, 503s, lost, applied twice, seconds to
recover) are printed at the end of the run.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from eventstore.sql import SqlStore
from projections.runner import events_table
from projections.tracking import read_all
from service.innoledger import Innoledger
from service.ledger.merkle import verify_consistency
from service.ledger.signing import TreeHead, load_public_key
from tests.hosts.deployment import APP_HOSTS, Deployment, wait_until
from tests.hosts.figures import HOST_FIGURES
from tests.reliability.checks import (
    CLASHES,
    FIGURES,
    OK,
    check_ledger,
    check_store,
    check_views_equal_rebuild,
    clients_done,
    commands,
    count_figures,
    opened,
    server_errors,
    start_clients,
    wait_client,
    wait_for_views,
)
from tests.reliability.workload import hot_targets

pytestmark = pytest.mark.hosts

CLIENTS = 3
# Bounded: each client stops after this many commands or this many seconds, whichever first.
LOAD = {
    "requests": 400,
    "deadline_s": 75,
    "timeout_s": 4,
    "max_attempts": 400,
    "retry_for_s": 45,
    "refresh_share": 0.25,
    "pause_s": 0.02,
}
SETTLE_S = 2.0  # load before the fault
AFTER_FAULT_S = 6.0  # load after the fault, at least


def plans(deployment: Deployment, *, seed: int) -> list[dict[str, Any]]:
    targets = hot_targets(deployment.demo)
    return [
        {"apis": deployment.apis(), "client": client, "seed": seed + client,
         "targets": targets, **LOAD}
        for client in range(CLIENTS)
    ]


def attempts(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for r in results for c in r["commands"] for a in c["attempts"]]


def first_acknowledged_after(results: Sequence[dict[str, Any]], moment: float) -> float:
    """Seconds from `moment` to the first command acknowledged after it."""
    times = [a["at"] for a in attempts(results) if a.get("status") in OK and a["at"] > moment]
    assert times, "no command was acknowledged after the fault"
    return min(times) - moment


def every_client_acknowledged_after(results: Sequence[dict[str, Any]], moment: float) -> float:
    """Seconds from `moment` until every client had a command acknowledged again (those that
    were talking to a lost host included)."""
    return max(first_acknowledged_after([result], moment) for result in results)


def holders(deployment: Deployment) -> dict[str, str]:
    """Projection -> the host whose runner last applied a batch to it."""
    with opened(deployment.settings) as app, SqlStore(app.recorder).reading() as cursor:
        rows = read_all(cursor)
    return {row.name: (row.holder or "").split(":")[0] for row in rows}


def lease_holder_host(deployment: Deployment) -> str:
    """The app host that holds most projection leases once the runners are going."""
    def settled() -> bool:
        with contextlib.suppress(Exception):
            return set(holders(deployment).values()) <= set(APP_HOSTS) and bool(
                holders(deployment)
            )
        return False

    wait_until(settled, 60, "the runners applied their first batches")
    counts = {role: 0 for role in APP_HOSTS}
    for host in holders(deployment).values():
        counts[host] += 1
    return max(counts, key=lambda role: counts[role])


def final_statuses_are_answers(done: list[dict[str, Any]]) -> None:
    unanswered = [c for c in done if c["status"] not in OK | CLASHES]
    assert unanswered == [], unanswered[:3]


def check_everything(deployment: Deployment, results: list[dict[str, Any]]) -> None:
    """Nothing acknowledged lost, nothing applied twice: in the store, the ledger and the
    views (followed by whichever runner holds each lease now, then compared with a rebuild)."""
    done = commands(results)
    final_statuses_are_answers(done)
    with opened(deployment.settings) as app:
        check_store(app, done)
        wait_for_views(app, timeout_s=90)
        check_ledger(app)
        for runner in deployment.runners.values():
            runner.stop()
        check_views_equal_rebuild(app)


def survivor_of(victim: str) -> str:
    return next(role for role in APP_HOSTS if role != victim)


def test_an_app_host_dies_the_other_serves_and_takes_over_the_leases(
    deployment: Deployment, tmp_path: Path
) -> None:
    started = start_clients(plans(deployment, seed=1700), tmp_path)
    time.sleep(SETTLE_S)
    victim = lease_holder_host(deployment)
    survivor = survivor_of(victim)
    assert not clients_done(started), "the load ended before the fault"
    fault = time.monotonic()
    killed = deployment.topology[victim].kill_everything()
    FIGURES.faults_injected["app host killed (all its processes)"] += 1
    assert killed >= 4, killed  # gunicorn master, its workers and the runner at least
    moved = wait_until(
        lambda: set(holders(deployment).values()) == {survivor}, 60,
        f"every projection lease moved to {survivor}",
    )
    results = [wait_client(process, out, timeout_s=150) for process, out in started]
    counts = count_figures(results)

    HOST_FIGURES.record("an app host killed", "every client served again",
                        every_client_acknowledged_after(results, fault))
    HOST_FIGURES.record("an app host killed", "every projection lease on the other host",
                        moved)
    assert {key for key in counts if key.isdigit()} <= {"200", "201", "409", "412"}, counts
    # The survivor answered what the dead host would have.
    served = {a["api"] for a in attempts(results) if "api" in a and a["at"] > fault + 1}
    assert served == {deployment.apps[survivor].api}, served
    assert server_errors(deployment.apps[survivor]) == []
    check_everything(deployment, results)


def test_an_app_host_cut_off_the_network_is_replaced_and_rejoins(
    deployment: Deployment, tmp_path: Path
) -> None:
    started = start_clients(plans(deployment, seed=1800), tmp_path)
    time.sleep(SETTLE_S)
    victim = lease_holder_host(deployment)
    survivor = survivor_of(victim)
    assert not clients_done(started), "the load ended before the fault"
    fault = time.monotonic()
    deployment.topology.cut(victim)
    FIGURES.faults_injected["app host cut off the network"] += 1
    try:
        # The database notices the silent host by TCP keepalive and frees its leases.
        moved = wait_until(
            lambda: set(holders(deployment).values()) == {survivor}, 90,
            f"every projection lease moved to {survivor}",
        )
        HOST_FIGURES.record("an app host cut off", "every projection lease on the other host",
                            moved)
        time.sleep(max(0.0, fault + AFTER_FAULT_S - time.monotonic()))
    finally:
        deployment.topology.reconnect(victim)
    back = time.monotonic()
    # Its processes lived on: once its cable is back it serves again, by itself.
    deployment.apps[victim].wait_ready(timeout_s=60)
    HOST_FIGURES.record("an app host cut off", "it answers /readyz again after reconnection",
                        time.monotonic() - back)
    results = [wait_client(process, out, timeout_s=150) for process, out in started]
    counts = count_figures(results)
    HOST_FIGURES.record("an app host cut off", "every client served again",
                        every_client_acknowledged_after(results, fault))
    assert {key for key in counts if key.isdigit()} <= {"200", "201", "409", "412", "503"}, counts
    assert deployment.runners[victim].alive(), deployment.runners[victim].log_text()[-3000:]
    for role in APP_HOSTS:
        assert server_errors(deployment.apps[role]) == [], role
    # Its runner stands by: the leases stay where they moved.
    assert set(holders(deployment).values()) == {survivor}
    check_everything(deployment, results)


def test_a_transaction_left_open_by_a_host_cut_off_does_not_hold_the_others_back(
    deployment: Deployment,
) -> None:
    """A host cut off in the middle of a save leaves its transaction open on the server, with
    the event store's insert lock. The server must let go of that silent session within
    seconds, as of any connection the service opens, so the other host's commands (which need
    that lock) go on; left to the kernel's defaults it would hold it for about two hours."""
    victim, survivor = APP_HOSTS
    token = deployment.demo.token("ystad", "officer")
    need = f"{deployment.apps[survivor].api}/needs/{deployment.demo.private_need}"
    headers = {"Authorization": f"Bearer {token}"}
    holding, let_go = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def hold_the_insert_lock(app: Any) -> None:
        try:
            store = SqlStore(app.recorder)
            with store.transaction() as cursor:
                cursor.execute(f"LOCK TABLE {events_table(app.recorder)} IN EXCLUSIVE MODE")
                holding.set()
                let_go.wait(300)
        except BaseException as exc:  # the server ended the session: expected once cut off
            failures.append(exc)
        finally:
            holding.set()

    with deployment.topology.visiting(victim):
        # Connections made on the victim, the way its service makes them.
        orphan_app = Innoledger(deployment.host_settings(victim))
        holder = threading.Thread(target=hold_the_insert_lock, args=(orphan_app,), daemon=True)
        holder.start()
    try:
        assert holding.wait(30) and not failures, failures
        deployment.topology.cut(victim)
        FIGURES.faults_injected["app host cut off with a transaction open"] += 1
        cut = time.monotonic()

        def survivor_writes() -> bool:
            try:
                current = requests.get(need, headers=headers, timeout=5)
                answer = requests.post(
                    f"{need}/swot", json={"quadrant": "threat", "text": "A host fell silent"},
                    headers={**headers, "If-Match": current.headers["ETag"]}, timeout=5,
                )
            except (requests.RequestException, KeyError):
                return False
            FIGURES.requests += 2
            return answer.status_code in OK

        # The server drops the silent session after ~5 s idle + 3 probes 2 s apart.
        wait_until(survivor_writes, 90, f"{survivor} saves while {victim}'s transaction is open")
        HOST_FIGURES.record("an app host cut off with a transaction open",
                            "the other host saves again", time.monotonic() - cut)
    finally:
        deployment.topology.reconnect(victim)
        let_go.set()
        holder.join(timeout=60)
        with contextlib.suppress(Exception):
            orphan_app.close()
    assert not holder.is_alive()
    assert failures, "the cut-off host's transaction was not ended by the server"


# The primary's failover


PROBE_EVERY_S = 0.3


class Prober(threading.Thread):
    """Sends a read and a command to each app host every PROBE_EVERY_S until stopped, each in a
    thread of its own (a slow answer does not hold the next probe back); keeps what came back
    (status, Retry-After, problem document) and when it was sent."""

    def __init__(self, deployment: Deployment) -> None:
        super().__init__(name="failover-prober", daemon=True)
        self.deployment = deployment
        self.answers: list[dict[str, Any]] = []
        self.halt = threading.Event()
        demo = deployment.demo
        self.token = demo.token("ystad", "officer")
        self.need = demo.private_need

    def one(self, method: str, url: str, body: Any) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "If-Match": '"1"'}
        sent = time.monotonic()
        try:
            response = requests.request(method, url, json=body, headers=headers, timeout=20)
            status: Any = response.status_code
            retry_after = response.headers.get("Retry-After")
            problem = response.headers.get("Content-Type", "").startswith(
                "application/problem+json"
            )
        except requests.RequestException as exc:
            status, retry_after, problem = type(exc).__name__, None, False
        self.answers.append({"method": method, "url": url, "sent": sent, "status": status,
                             "retry_after": retry_after, "problem": problem,
                             "seconds": round(time.monotonic() - sent, 2)})

    def run(self) -> None:
        # Threads started from here live on the client host, as this one does.
        with ThreadPoolExecutor(max_workers=48) as pool:
            while not self.halt.is_set():
                for role in APP_HOSTS:
                    need = f"{self.deployment.apps[role].api}/needs/{self.need}"
                    pool.submit(self.one, "GET", need, None)
                    # If-Match "1" is stale: once the database answers, a 412, never saved.
                    pool.submit(self.one, "POST", f"{need}/swot",
                                {"quadrant": "threat", "text": "Under failover"})
                self.halt.wait(PROBE_EVERY_S)


def signed_head(deployment: Deployment, api: str) -> TreeHead:
    auditor = deployment.demo.platform["auditor"]
    response = requests.get(f"{api}/audit/ledger/tree-head",
                            headers={"Authorization": f"Bearer {auditor}"}, timeout=10)
    assert response.status_code == 200, response.text
    return TreeHead.from_json(response.json())


def proves_extension(deployment: Deployment, api: str, old: TreeHead, new: TreeHead) -> bool:
    auditor = deployment.demo.platform["auditor"]
    headers = {"Authorization": f"Bearer {auditor}"}
    pem = requests.get(f"{api}/audit/ledger/public-key", headers=headers, timeout=10).text
    key = load_public_key(pem)
    assert old.verify(key) and new.verify(key), "a tree head's signature does not verify"
    proof = requests.get(f"{api}/audit/ledger/consistency",
                         params={"first": old.tree_size, "second": new.tree_size},
                         headers=headers, timeout=10)
    assert proof.status_code == 200, proof.text
    path = [bytes.fromhex(node) for node in proof.json()["consistency_path"]]
    return verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, path)


DETECTION_S = 10.0  # an operator's (or orchestrator's) time to decide the primary is gone
# A request waits at most this long for the database before it answers 503: two attempts, each
# waiting up to the 3 s connect timeout for a connection, and slack for a loaded machine.
ANSWER_503_WITHIN_S = 7.5


def test_the_primary_dies_the_standby_is_promoted_and_nothing_acknowledged_is_lost(
    deployment: Deployment, tmp_path: Path
) -> None:
    database = deployment.database
    apis = {role: deployment.apps[role].api for role in APP_HOSTS}
    started = start_clients(plans(deployment, seed=1900), tmp_path)
    time.sleep(SETTLE_S)
    # Tree heads an auditor kept from before the failover, from both hosts.
    heads_before = [signed_head(deployment, api) for api in apis.values()]
    assert not clients_done(started), "the load ended before the fault"
    prober = Prober(deployment)
    prober.start()
    try:
        killed = database.primary.host.kill_everything()
        fault = time.monotonic()
        FIGURES.faults_injected["PostgreSQL primary killed, standby promoted"] += 1
        assert killed >= 3, killed
        time.sleep(DETECTION_S)
        promoting = time.monotonic()
        database.standby.promote()
        promoted = time.monotonic()
        assert not database.standby.in_recovery()

        def both_hosts_write() -> bool:
            after = [a for a in prober.answers if a["sent"] > promoted and a["method"] == "POST"]
            return {a["url"].split("/api/")[0] for a in after if a["status"] == 412} == {
                api.split("/api/")[0] for api in apis.values()
            }

        back = wait_until(both_hosts_write, 60, "both app hosts write to the promoted standby")
    finally:
        prober.halt.set()
        prober.join(timeout=30)
    results = [wait_client(process, out, timeout_s=150) for process, out in started]
    counts = count_figures(results)
    away = [a for a in prober.answers if fault < a["sent"] < promoting]
    FIGURES.requests += len(prober.answers)
    FIGURES.answers_503 += sum(a["status"] == 503 for a in prober.answers)
    HOST_FIGURES.record("the primary killed", "standby promoted (pg_ctl promote)",
                        promoted - promoting)
    HOST_FIGURES.record("the primary killed", "both app hosts write again, after promotion",
                        back)
    HOST_FIGURES.record("the primary killed", "every client served again, after promotion",
                        every_client_acknowledged_after(results, promoting))

    # During the switch: 503 with Retry-After and a problem document, nothing else (a request
    # already in flight when the primary died may have broken; the clients retried those).
    # Every probe sent while the primary was away was answered: 503 with Retry-After and a
    # problem document, or (sent shortly before the promotion) served once it was done. One
    # sent early enough that its wait for a connection ended before the promotion had its 503.
    surely_away = [a for a in away if a["sent"] < promoting - ANSWER_503_WITHIN_S]
    assert len(surely_away) >= 4 * len(APP_HOSTS), away
    wrong = [
        a for a in away
        if a["status"] not in (503, *OK, *CLASHES)
        or (a["status"] == 503 and not (a["retry_after"] and a["problem"]))
        or (a in surely_away and a["status"] != 503)
    ]
    assert wrong == [], "\n".join(map(str, wrong[:5]))
    answered = {a.get("status") for a in attempts(results) if "status" in a}
    assert answered <= {200, 201, 409, 412, 503}, counts
    assert all(a.get("retry_after") for a in attempts(results) if a.get("status") == 503)
    for role in APP_HOSTS:
        assert server_errors(deployment.apps[role]) == [], role

    check_everything(deployment, results)
    # The ledger after the failover extends every signed head from before it.
    api = apis["app1"]
    head_after = signed_head(deployment, api)
    for before in heads_before:
        assert head_after.tree_size >= before.tree_size
        assert proves_extension(deployment, api, before, head_after), (before, head_after)
