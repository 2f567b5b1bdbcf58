"""The mixed load's municipalities are clients of their own, each on keep-alive connections of
its own: gunicorn's workers take connections, not requests, so a load funnelled through a few
connections measured whichever worker had accepted them (one worker at 99 % of a core, the
other idle)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.loadgen import Window
from bench.mixed import MixedTask

CLIENTS = 6


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    seen: Counter[int]

    def do_GET(self) -> None:
        self.seen[self.client_address[1]] += 1
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[ThreadingHTTPServer, Counter[int]]]:
    seen: Counter[int] = Counter()
    handler = type("Handler", (_Recorder,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, seen
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("rate", [None, 300.0], ids=["closed loop", "open loop"])
def test_each_client_sends_on_connections_of_its_own(
    server: tuple[ThreadingHTTPServer, Counter[int]], rate: float | None
) -> None:
    httpd, seen = server
    host, port = httpd.server_address[:2]
    task = MixedTask(str(host), int(port), [], rate=rate, bare_path="/bare", clients=CLIENTS)
    state = task.setup()
    seen.clear()
    tally = task.run(state, time.perf_counter(), Window(warmup_s=0.0, measure_s=0.3))

    assert tally.count >= 30 and tally.errors == 0
    # Every client's connection carries its share: none carries the load of the others.
    assert len(seen) >= CLIENTS
    assert max(seen.values()) <= 2 * sum(seen.values()) / CLIENTS
