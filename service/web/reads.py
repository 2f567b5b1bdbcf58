"""Reading the views for a page: always as fresh as the log, so a page shown after a change
includes it (the API's read-your-writes, asked for the log's head)."""

from __future__ import annotations

from projections.runner import head_position
from service.api.context import services
from service.api.views import reach_position


def fresh(view: str) -> None:
    reach_position(view, head_position(services().innoledger.recorder))
