"""§5 across machines: app hosts whose clocks disagree still give right as-of answers.

One app host's clock runs two minutes behind the other's (its events' timestamp source is
offset, INNOLEDGER_CLOCK_OFFSET_S), while clients on both hosts write to the same aggregates, so
an aggregate's next event is often saved by the slow host right after the fast one saved the
previous. Afterwards, read through either host:

* every aggregate's recorded times (transaction time) increase with its version;
* "as of" the moment version v was recorded answers version v, the same state as `?version=v`;
  a microsecond earlier answers version v-1;

Both hosts answer alike: the reading host's own clock does not matter.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.hosts.deployment import APP_HOSTS, Deployment
from tests.reliability.checks import (
    FIGURES,
    check_store,
    clients_done,
    commands,
    count_figures,
    opened,
    start_clients,
    wait_client,
)
from tests.reliability.workload import hot_targets

pytestmark = pytest.mark.hosts

SKEW_S = -120.0  # app1 behind app2 (less than the as-of answers' 5-minute settling time)
TICK = timedelta(microseconds=1)
SKEWED = {"clock_offsets": {"app1": SKEW_S}}
CLIENTS = 4  # two on each host
LOAD = {"requests": 60, "deadline_s": 60, "timeout_s": 10, "max_attempts": 20,
        "retry_for_s": 30, "refresh_share": 0.5, "pause_s": 0.0}
# Versions checked per aggregate, besides every one whose predecessor the other host saved.
SAMPLED_VERSIONS = 25


def get(url: str, token: str, **params: Any) -> requests.Response:
    return requests.get(url, params=params, headers={"Authorization": f"Bearer {token}"},
                        timeout=30)


def history(api: str, kind: str, object_id: str, token: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        response = get(f"{api}/{kind}s/{object_id}/history", token, **params)
        assert response.status_code == 200, response.text
        page = response.json()
        entries += page["entries"]
        cursor = page["next_cursor"]
        if not cursor:
            return entries


def host_of(entry: dict[str, Any]) -> str:
    """Which host saved the event: the load client's request id names its client, and client n
    talks to host n % 2."""
    request_id = (entry.get("actor") or {}).get("request_id") or ""
    if request_id.startswith("load-"):
        return APP_HOSTS[int(request_id.split("-")[1]) % len(APP_HOSTS)]
    return "setup"


def created_at(deployment: Deployment, role: str) -> datetime:
    """The recorded time of a need created through `role` (the host's event clock)."""
    demo = deployment.demo
    api = deployment.apps[role].api
    response = requests.post(
        f"{api}/needs",
        json={"title": f"Klockan på {role}", "problem_statement": "Vilken tid är det?",
              "innovation_area_id": demo.areas["ystad"]},
        headers={"Authorization": f"Bearer {demo.token('ystad', 'officer')}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    entries = history(api, "need", response.json()["id"], demo.token("ystad", "auditor"))
    return datetime.fromisoformat(entries[0]["recorded_at"])


def state_without_envelope(body: dict[str, Any]) -> dict[str, Any]:
    """The object's state: the same whether asked by version or by moment."""
    return {k: v for k, v in body.items() if k not in ("as_of", "version_requested")}


@pytest.mark.parametrize("deployment", [SKEWED], indirect=True)
def test_as_of_answers_stay_right_when_the_app_hosts_clocks_disagree(
    deployment: Deployment, tmp_path: Path
) -> None:
    targets = hot_targets(deployment.demo)
    plans = [
        {"apis": deployment.apis(), "client": client, "seed": 2000 + client,
         "targets": targets, **LOAD}
        for client in range(CLIENTS)
    ]
    # The skew is in effect: a new aggregate's first event carries its host's clock.
    for role, offset in (("app1", SKEW_S), ("app2", 0.0)):
        off_by = (created_at(deployment, role) - datetime.now(UTC)).total_seconds()
        assert abs(off_by - offset) < 30, f"{role}'s events are {off_by:.0f} s off, not {offset}"
    FIGURES.faults_injected[f"app host clock {SKEW_S:+.0f} s off the other's"] += 1
    started = start_clients(plans, tmp_path)
    results = [wait_client(process, out, timeout_s=150) for process, out in started]
    assert clients_done(started)
    count_figures(results)
    with opened(deployment.settings) as app:
        check_store(app, commands(results))

    auditor = deployment.demo.token("ystad", "auditor")
    rng = random.Random(17)
    checked = crossings = clamped = 0
    for target in targets:
        kind, object_id = target["kind"], target["id"]
        entries = history(deployment.apps["app2"].api, kind, object_id, auditor)
        assert [e["version"] for e in entries] == list(range(1, len(entries) + 1))
        times = [datetime.fromisoformat(e["recorded_at"]) for e in entries]
        assert all(a < b for a, b in itertools.pairwise(times)), (
            f"{kind} {object_id}: recorded times go back"
        )
        # Versions saved by the slow host right after the fast one are where skew would bite.
        crossing = [e["version"] for prev, e in itertools.pairwise(entries)
                    if {host_of(prev), host_of(e)} == set(APP_HOSTS)]
        crossings += len(crossing)
        # The slow host's event after the fast host's is stamped a tick after it.
        clamped += sum(
            1 for prev, e, t0, t1 in zip(entries, entries[1:], times, times[1:], strict=False)
            if (host_of(prev), host_of(e)) == ("app2", "app1") and t1 - t0 == TICK
        )
        sampled = sorted(set(crossing) | set(rng.sample(
            range(1, len(entries) + 1), min(SAMPLED_VERSIONS, len(entries)))))
        for version in sampled:
            moment = times[version - 1]
            api = deployment.apps[APP_HOSTS[version % len(APP_HOSTS)]].api
            url = f"{api}/{kind}s/{object_id}"
            by_version = get(url, auditor, version=version)
            by_moment = get(url, auditor, as_of=moment.isoformat())
            assert by_version.status_code == 200, by_version.text
            assert by_moment.status_code == 200, (version, moment, by_moment.text)
            # The ETag leads with the version (then what names the caller's representation).
            assert by_moment.headers["ETag"].strip('W/"').split("-")[0] == str(version), (
                f"{kind} {object_id} as of v{version}'s time {moment} answered"
                f" {by_moment.headers['ETag']}"
            )
            assert state_without_envelope(by_moment.json()) == state_without_envelope(
                by_version.json()
            )
            if version > 1:
                before = get(url, auditor,
                             as_of=(moment - timedelta(microseconds=1)).isoformat())
                assert before.status_code == 200, before.text
                assert before.headers["ETag"].strip('W/"').split("-")[0] == str(version - 1)
            checked += 1
    # The hosts really did take turns on the same aggregates.
    assert crossings >= 10, crossings
    assert clamped >= 5, clamped
    print(f"as-of answers checked: {checked}; versions following the other host's: {crossings}"
          f" ({clamped} stamped a tick after a later clock's)")
