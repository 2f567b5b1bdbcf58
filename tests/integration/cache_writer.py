"""A separate process that keeps changing one need and one municipality (for the cache test)."""

from __future__ import annotations

import sys
from typing import Any

from service.innoledger import Innoledger
from service.settings import Settings
from tests.builders import SWOT_TEXTS, Team


def write(settings: Settings, slug: str, need_id: str, rounds: int, started: Any) -> None:
    app = Innoledger(settings)
    team = Team(slug)
    try:
        started.set()
        need_version = app.need(team.officer, need_id).version
        municipality_version = app.municipality(team.officer, slug).version
        for n in range(rounds):
            need_version = app.add_swot_item(
                team.officer, need_id, quadrant="strength", text=f"{SWOT_TEXTS['strength']} {n}",
                expected_version=need_version,
            ).version
            if n % 3 == 0:
                municipality_version = app.grant_role(
                    team.admin, slug, user_id=f"extra-{n}", role="viewer",
                    expected_version=municipality_version,
                ).version
    except BaseException as error:  # the parent reports a writer that stopped early
        print(f"writer failed: {error!r}", file=sys.stderr)
        raise
    finally:
        app.close()
