"""Event timestamps never go back within an aggregate, whatever the clocks of the hosts that
save its events say, so as-of reads (which search by timestamp) find the right version."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from domain.need import QUADRANTS
from service.audit.as_of import version_as_of
from service.innoledger import Innoledger
from service.settings import Settings
from tests.builders import SWOT_TEXTS, identify_need, setup_tenant


class SteppingClock:
    """A host clock that an operator (or NTP) can set back."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.moment += timedelta(milliseconds=10)
        return self.moment


@pytest.fixture
def hosts(store_settings: Settings) -> Iterator[tuple[Innoledger, Innoledger, SteppingClock]]:
    clock = SteppingClock()
    in_step = Innoledger(dataclasses.replace(store_settings, clock=clock))
    # A second host on the same store whose clock runs an hour behind.
    behind = Innoledger(dataclasses.replace(store_settings, clock=clock, clock_offset_s=-3600))
    yield in_step, behind, clock
    in_step.close()
    behind.close()


def test_timestamps_never_go_back_within_an_aggregate(
    hosts: tuple[Innoledger, Innoledger, SteppingClock],
) -> None:
    in_step, behind, clock = hosts
    tenant = setup_tenant(in_step)
    need_id = identify_need(in_step, tenant)
    version = 1
    for n, quadrant in enumerate(QUADRANTS * 2):
        host = behind if n % 2 == 0 else in_step
        if n == 5:
            clock.moment -= timedelta(minutes=10)  # an NTP step back on both hosts
        version = host.add_swot_item(
            tenant.officer, need_id, quadrant=quadrant, text=SWOT_TEXTS[quadrant],
            expected_version=version,
        ).version

    need = in_step.need(tenant.officer, need_id)
    stamps = [event.timestamp for event in in_step.events.get(need.id)]
    assert len(stamps) == version == 9
    assert all(earlier < later for earlier, later in pairwise(stamps))
    # Every version is found at its own timestamp, and the one before just before it.
    for number, stamp in enumerate(stamps, start=1):
        assert version_as_of(in_step, need.id, stamp) == number
        assert version_as_of(in_step, need.id, stamp - timedelta(microseconds=1)) == (
            number - 1 or None
        )


def test_a_clock_offset_shifts_event_timestamps(store_settings: Settings) -> None:
    app = Innoledger(dataclasses.replace(store_settings, clock_offset_s=-86400))
    try:
        tenant = setup_tenant(app)
        need = app.need(tenant.officer, identify_need(app, tenant))
        skew = datetime.now(UTC) - need.created_on
        assert timedelta(hours=23) < skew < timedelta(hours=25)
    finally:
        app.close()


def test_the_clock_offset_is_read_from_the_environment() -> None:
    settings = Settings.from_env({"INNOLEDGER_CLOCK_OFFSET_S": "-2.5"})
    assert settings.clock_offset_s == -2.5
    shifted = settings.event_clock()()
    assert timedelta(seconds=2) < datetime.now(UTC) - shifted < timedelta(seconds=3)
