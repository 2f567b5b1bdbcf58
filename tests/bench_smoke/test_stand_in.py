"""The mixed load's stand-in: a bare endpoint that spends, per request, the CPU time the
service's workers spent per request (less the bare endpoint's own), so that its tail shows what
any service of that cost gets from gunicorn on the same machine."""

from __future__ import annotations

import time

from bench.loadgen import Tally
from bench.mixed import stand_in_spend_ms
from bench.wsgi import BARE_PATH, BARE_SPENDING_PATH, bare_app


def _round(service_ms: float | None) -> Tally:
    tally = Tally()
    if service_ms is not None:
        tally.info["cpu_ms_per_op"] = {"service": service_ms, "load": 0.3}
    return tally


def test_the_stand_in_spends_at_least_the_cpu_time_it_is_asked_for_and_answers_the_page():
    client = bare_app().test_client()
    started = time.thread_time()  # the test client runs the app in this thread
    answer = client.get(f"{BARE_SPENDING_PATH}?ms=30")
    assert time.thread_time() - started >= 0.030
    assert answer.status_code == 200
    assert answer.get_data() == client.get(BARE_PATH).get_data()


def test_it_spends_what_the_service_spent_beyond_the_bare_endpoint():
    assert stand_in_spend_ms(_round(1.9), _round(0.4)) == 1.9 - 0.4
    assert stand_in_spend_ms(_round(0.3), _round(0.4)) == 0.0  # never less than nothing
    assert stand_in_spend_ms(_round(None), _round(0.4)) == 0.0  # not measured: the bare one
