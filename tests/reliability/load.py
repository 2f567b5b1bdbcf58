"""A load client, run as its own process: `python -m tests.reliability.load plan.json`.

It sends a bounded number of commands to a few hot aggregates, each with a unique marker in its
text (so the test can find the event a command wrote, or prove that it wrote none), and prints
one JSON document with what every attempt got back. It keeps the version it last saw of each
aggregate (from ETags and 412 answers) and reads the aggregate again now and then, so that the
clients clash with one another: every clash must be a 409 or a 412.

A command whose connection broke (a killed worker) or that got a 503 (the database away) is sent
again as it was, with the same If-Match and marker: if the first attempt was saved, the retry
gets a 412 and the marker is in the store once; if it was not, the retry may succeed. A broken
attempt is never counted as acknowledged.

Given several service addresses ("apis", e.g. two app hosts behind no load balancer), a client
starts on one (by its number) and moves to the next whenever a connection fails or times out,
as a client of a load balancer whose health check dropped a host would. Every attempt records
when its answer came (`at`, the machine's monotonic clock, the same in every process), so a
test can tell how long after a fault the first command was acknowledged again.

The plan (JSON on stdin)::

    {"api": "http://127.0.0.1:PORT/api/v1", "client": 0, "requests": 60, "seed": 1,
     "apis": ["http://HOST-A:PORT/api/v1", "http://HOST-B:PORT/api/v1"],  (instead of "api")
     "targets": [{"kind": "need"|"procurement", "id": "...", "token": "..."}],
     "timeout_s": 20, "max_attempts": 8, "retry_for_s": 30, "refresh_share": 0.3,
     "pause_s": 0.0, "deadline_s": 90}
"""

from __future__ import annotations

import json
import random
import sys
import time
from typing import Any

import requests

OK_STATUSES = {200, 201}
CLASH_STATUSES = {409, 412}


def command_for(target: dict[str, Any], marker: str, rng: random.Random) -> tuple[str, str, Any]:
    """(method, path, body) of a command on `target` carrying `marker`."""
    if target["kind"] == "need":
        base = f"needs/{target['id']}"
        choice = rng.random()
        if choice < 0.6:
            quadrant = rng.choice(["strength", "weakness", "opportunity", "threat"])
            return "POST", f"{base}/swot", {"quadrant": quadrant, "text": f"Punkt {marker}"}
        if choice < 0.85:
            return (
                "POST",
                f"{base}/workshops",
                {
                    "held_on": "2018-02-20",
                    "participant_count": rng.randint(2, 30),
                    "competences_present": ["IT", "upphandling"],
                    "notes": f"Workshop {marker}",
                },
            )
        return "PATCH", base, {"problem_statement": f"Omformulerat problem {marker}"}
    base = f"procurements/{target['id']}"
    return (
        "POST",
        f"{base}/market-dialogue",
        {
            "kind": rng.choice(["rfi", "meeting", "innovation_sprint"]),
            "held_on": "2018-06-01",
            "supplier_count": rng.randint(1, 9),
            "summary": f"Marknadsdialog {marker}",
        },
    )


def run(plan: dict[str, Any]) -> dict[str, Any]:
    apis = [url.rstrip("/") for url in (plan.get("apis") or [plan["api"]])]
    current = {"index": int(plan["client"]) % len(apis)}

    def api() -> str:
        return apis[current["index"]]

    def fail_over() -> None:
        current["index"] = (current["index"] + 1) % len(apis)
    rng = random.Random(plan.get("seed", 0))
    timeout = float(plan.get("timeout_s", 20))
    max_attempts = int(plan.get("max_attempts", 8))
    refresh_share = float(plan.get("refresh_share", 0.3))
    pause = float(plan.get("pause_s", 0.0))
    deadline = time.monotonic() + float(plan.get("deadline_s", 120))
    retry_for = float(plan.get("retry_for_s", 30))
    client = plan["client"]
    targets = plan["targets"]
    session = requests.Session()
    versions: dict[str, int] = {}
    commands: list[dict[str, Any]] = []
    reads = {"sent": 0, "statuses": {}}

    def headers(token: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "X-Request-ID": f"load-{client}", **extra}

    def read_version(target: dict[str, Any]) -> None:
        path = f"{target['kind']}s/{target['id']}"
        give_up = time.monotonic() + retry_for
        for _ in range(max_attempts):
            if time.monotonic() > give_up:
                return
            reads["sent"] += 1
            try:
                response = session.get(
                    f"{api()}/{path}", headers=headers(target["token"]), timeout=timeout
                )
            except requests.RequestException as exc:
                key = type(exc).__name__
                reads["statuses"][key] = reads["statuses"].get(key, 0) + 1
                session.close()
                fail_over()
                time.sleep(0.2)
                continue
            key = str(response.status_code)
            reads["statuses"][key] = reads["statuses"].get(key, 0) + 1
            if response.status_code == 200:
                versions[target["id"]] = int(response.headers["ETag"].strip('"').split("-")[0])
                return
            time.sleep(min(1.0, float(response.headers.get("Retry-After") or 0.2)))

    for number in range(int(plan["requests"])):
        if time.monotonic() > deadline:
            break
        target = rng.choice(targets)
        if target["id"] not in versions or rng.random() < refresh_share:
            read_version(target)
        marker = f"m{client}x{number:04d}z"
        method, path, body = command_for(target, marker, rng)
        version = versions.get(target["id"], 1)
        record: dict[str, Any] = {
            "marker": marker,
            "target": target["id"],
            "kind": target["kind"],
            "method": method,
            "path": path,
            "if_match": version,
            "attempts": [],
            "status": None,
        }
        give_up = time.monotonic() + retry_for
        backoff = 0.05
        for _attempt in range(max_attempts):
            if _attempt and time.monotonic() > give_up:
                break
            started = time.monotonic()
            try:
                response = session.request(
                    method,
                    f"{api()}/{path}",
                    json=body,
                    headers=headers(target["token"], **{"If-Match": f'"{version}"'}),
                    timeout=timeout,
                )
            except requests.Timeout:
                record["attempts"].append(
                    {"error": "timeout", "s": time.monotonic() - started, "at": time.monotonic()}
                )
                session.close()
                fail_over()
                continue
            except requests.RequestException as exc:
                record["attempts"].append({"error": type(exc).__name__, "at": time.monotonic()})
                session.close()  # the connection may be half dead: open a new one
                fail_over()
                time.sleep(backoff)
                backoff = min(0.5, backoff * 2)
                continue
            answer: dict[str, Any] = {
                "status": response.status_code,
                "s": round(time.monotonic() - started, 3),
                "content_type": response.headers.get("Content-Type", ""),
                "at": time.monotonic(),
                "api": api(),
            }
            if response.status_code == 503:
                answer["retry_after"] = response.headers.get("Retry-After")
            record["attempts"].append(answer)
            if response.status_code == 503:
                time.sleep(min(1.0, float(response.headers.get("Retry-After") or 1)))
                continue
            record["status"] = response.status_code
            data = response.json() if response.content else {}
            if response.status_code in OK_STATUSES:
                record["version"] = data["version"]
                record["position"] = data["position"]
                versions[target["id"]] = data["version"]
            elif response.status_code == 412:
                record["current_version"] = data.get("current_version")
                if isinstance(data.get("current_version"), int):
                    versions[target["id"]] = data["current_version"]
            elif response.status_code == 409:
                versions.pop(target["id"], None)
            else:
                record["body"] = response.text[:500]
            break
        commands.append(record)
        if pause:
            time.sleep(pause)
    session.close()
    return {"client": client, "commands": commands, "reads": reads}


def main() -> None:
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as source:
            plan = json.load(source)
    else:
        plan = json.load(sys.stdin)
    json.dump(run(plan), sys.stdout)


if __name__ == "__main__":
    main()
