"""The load the reliability tests send: a few hot aggregates, several client processes."""

from __future__ import annotations

from typing import Any

from tests.reliability.conftest import Demo
from tests.reliability.server import Gunicorn

CLIENTS = 3
REQUESTS_PER_CLIENT = 60


def hot_targets(demo: Demo) -> list[dict[str, Any]]:
    """Two shared needs and one private need of Ystad's, and its joint AI procurement."""
    officer = demo.token("ystad", "officer")
    needs = ("Ökat samutnyttjande", "Samutnyttjade lokaler")
    targets = [{"kind": "need", "id": demo.needs[title], "token": officer} for title in needs]
    targets.append({"kind": "need", "id": demo.private_need, "token": officer})
    targets.append({"kind": "procurement", "id": demo.procurements["ai"], "token": officer})
    return targets


def plans(
    server: Gunicorn,
    targets: list[dict[str, Any]],
    *,
    clients: int = CLIENTS,
    requests: int = REQUESTS_PER_CLIENT,
    seed: int = 100,
    **extra: Any,
) -> list[dict[str, Any]]:
    """One plan per client process (see tests.reliability.load)."""
    return [
        {
            "api": server.api,
            "client": client,
            "requests": requests,
            "seed": seed + client,
            "targets": targets,
            "timeout_s": 20,
            "max_attempts": 1,
            "refresh_share": 0.25,
            **extra,
        }
        for client in range(clients)
    ]
