"""Load in processes of its own: a minimal HTTP/1.1 keep-alive client and a parallel runner.

`run_parallel(tasks)` starts one spawned process per task; each sets itself up (connects, opens
its application), waits at a barrier so all start together, runs for its warm-up and measured
window, and reports a `Tally`. The HTTP client writes requests as bytes to a raw socket and reads
`Content-Length` (or chunked) responses, so the client's own cost per request stays small next to
the server's: on a 2-core machine client and server share the CPUs.

Closed loop (`rate=None`): every client sends its next request as soon as the last one answered;
the completed requests per second over the window is the maximum rate. Open loop (`rate`): each
client sends on a fixed schedule and latency is measured from the *scheduled* moment, so a slow
answer also counts against the requests queued behind it (no coordinated omission).

`run_open_loop` is the open loop of independent callers (the mixed load): every request leaves
at its scheduled moment on a connection of its own while earlier ones are still out, as requests
of different users do; one connection per client would queue each request behind the previous
one's answer and lend a slow class's latency to every class behind it. The loop also notes how
late it sent each request (`Tally.lags`): the load generator's own share of the latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import queue as queue_module
import socket
import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from bench.cputime import CpuMeter, per_operation, per_operation_ms


@dataclass
class Tally:
    """What one process measured in its window."""

    count: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, measured window only
    statuses: Counter[int] = field(default_factory=Counter)
    info: dict[str, Any] = field(default_factory=dict)
    by_class: dict[str, list[float]] = field(default_factory=dict)  # latencies per request class
    # Open loop of independent callers: how late each request left after its scheduled moment,
    # and the requests still out when the last one left.
    lags: list[float] = field(default_factory=list)
    backlog: int = 0

    def merge(self, other: Tally) -> None:
        self.lags.extend(other.lags)
        self.backlog += other.backlog
        for kind, latencies in other.by_class.items():
            self.by_class.setdefault(kind, []).extend(latencies)
        self.count += other.count
        self.errors += other.errors
        self.seconds = max(self.seconds, other.seconds)
        self.latencies.extend(other.latencies)
        self.statuses.update(other.statuses)
        for key, value in other.info.items():
            self.info.setdefault(key, value)

    def kept_up(self) -> bool:
        """Open loop: whether the server answered at the offered rate (see `OpenLoop`)."""
        return OpenLoop(self.lags, self.backlog).kept_up()

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
        return ordered[index]


@dataclass(frozen=True)
class Window:
    warmup_s: float
    measure_s: float


class Task(ABC):
    """A unit of load run in its own process: `setup()` there, then `run(start, window)`.
    Its process's CPU time counts under `cpu_role` (see `run_parallel`)."""

    cpu_role: ClassVar[str] = "load"

    def setup(self) -> Any:
        return None

    @abstractmethod
    def run(self, state: Any, start: float, window: Window) -> Tally:
        """Runs the load from `start` for the window; what it did."""


def _entry(task: Task, window: Window, barrier: Any, results: Any, released: Any) -> None:
    try:
        state = task.setup()
        barrier.wait(timeout=300)
        start = time.perf_counter()
        results.put(("start", start))  # CLOCK_MONOTONIC: the same clock in every process
        results.put(("ok", task.run(state, start, window)))
        # Alive until the parent has read the CPU time at the window's end.
        released.wait(timeout=window.warmup_s + window.measure_s + 30)
    except BaseException:
        with contextlib.suppress(Exception):
            barrier.abort()
        results.put(("error", traceback.format_exc()))


class LoadFailed(RuntimeError):
    pass


PRELOAD = [
    "bench.loadgen", "bench.commands", "bench.crud", "bench.ledger", "bench.rebuild",
    "service.innoledger", "projections.rebuild", "projections.registry",
    "bench.network_generator",
]  # fmt: skip


def _context() -> Any:
    """Fresh processes, forked from a server process that has the benchmark's modules imported
    (never from the parent, which holds connections and threads); spawn where there is no
    fork server."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _meter_window(meter: CpuMeter, start: float, window: Window, released: Any) -> None:
    """Reads the meter at the start and the end of the measured window (after the warm-up)."""
    try:
        time.sleep(max(0.0, start + window.warmup_s - time.perf_counter()))
        meter.start()
        time.sleep(max(0.0, start + window.warmup_s + window.measure_s - time.perf_counter()))
        meter.stop()
    finally:
        released.set()


def run_parallel(
    tasks: Sequence[Task],
    window: Window,
    *,
    timeout_s: float = 600,
    cpu_roles: Mapping[str, Sequence[int]] | None = None,
) -> Tally:
    """Runs every task in its own process at the same moment; the merged tally.

    With `cpu_roles` (role -> root pids of process trees, e.g. {"service": [gunicorn]}), the
    tally's `info["cpu_ms_per_op"]` holds the CPU time per operation of each role in the
    measured window, each task's own process under its `cpu_role` ("load" unless the task
    is a part of the system measured, as a projection runner following the saves is), and
    `info["switches_per_op"]` their context switches per operation (see `bench.cputime`)."""
    context = _context()
    results = context.Queue()
    barrier = context.Barrier(len(tasks))
    released = context.Event()
    if cpu_roles is None:
        released.set()
    processes = [
        context.Process(
            target=_entry, args=(task, window, barrier, results, released), daemon=True
        )
        for task in tasks
    ]
    for process in processes:
        process.start()
    total = Tally()
    failures: list[str] = []
    deadline = time.monotonic() + timeout_s
    meter = None
    if cpu_roles is not None:
        own_roles: dict[str, list[int]] = {}
        for task, process in zip(tasks, processes, strict=True):
            if process.pid is not None:
                own_roles.setdefault(task.cpu_role, []).append(process.pid)
        meter = CpuMeter({**cpu_roles, **own_roles})
    metering: threading.Thread | None = None
    try:
        reported = 0
        while reported < len(processes):
            try:
                kind, payload = results.get(timeout=0.5)
            except queue_module.Empty:
                if time.monotonic() > deadline:
                    failures.append("a load process did not report in time")
                    break
                if sum(p.is_alive() for p in processes) < len(processes) - reported:
                    # One died without reporting (killed, or crashed before it could).
                    time.sleep(0.5)
                    if results.empty():
                        failures.append("a load process died without reporting")
                        break
                continue
            if kind == "start":
                if meter is not None and metering is None:
                    metering = threading.Thread(
                        target=_meter_window,
                        args=(meter, payload, window, released),
                        daemon=True,
                    )
                    metering.start()
                continue
            reported += 1
            if kind == "ok":
                total.merge(payload)
            else:
                failures.append(payload)
    finally:
        if metering is None:
            released.set()
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
    if failures:
        raise LoadFailed(failures[0])
    if meter is not None and metering is not None:
        metering.join(timeout=window.warmup_s + window.measure_s + 5)
        total.info["cpu_ms_per_op"] = per_operation_ms(meter.spent, total.count)
        total.info["switches_per_op"] = per_operation(meter.switched, total.count)
    return total


# HTTP

REQUESTS_PER_CONNECTION = 100  # see HttpConnection


def request_bytes(
    host: str,
    port: int,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None = None,
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None or method in ("POST", "PUT", "PATCH", "DELETE"):
        lines.append(f"Content-Length: {len(body or b'')}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def _head(raw: bytes) -> tuple[int, dict[str, str]]:
    head = raw.decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


class HttpConnection:
    """A keep-alive client; `call()` sends a request and reads the whole response.

    Its connection is replaced every `requests_per_connection` answers (the new one is opened by
    the next call, whose latency includes it). gunicorn's workers take connections as they
    arrive, so a few connections held for a whole window can all end up in one of the two
    workers: the other idles and that window runs at about half the rate, for a reason of the
    load generator's (about one window in five, on ours and on the bare baseline alike). Many
    users' connections spread over the workers; replacing a client's connection often lets
    each window average over many such placements, as theirs would."""

    def __init__(
        self,
        host: str,
        port: int,
        timeout_s: float = 30.0,
        requests_per_connection: int = REQUESTS_PER_CONNECTION,
    ):
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.requests_per_connection = requests_per_connection
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._answered = 0

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._buffer = b""
        self._answered = 0
        return sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def request_bytes(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None = None
    ) -> bytes:
        return request_bytes(self.host, self.port, method, path, headers, body)

    def call(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            sock = self._sock or self._connect()
            try:
                sock.sendall(raw)
                answer = self._response(sock)
            except (ConnectionError, BrokenPipeError):
                # The server closed an idle keep-alive connection: once more on a new one.
                self.close()
                if attempt == 2:
                    raise
                continue
            self._answered += 1
            if self._answered >= self.requests_per_connection:
                self.close()
            return answer
        raise AssertionError("unreachable")

    def _fill(self, sock: socket.socket) -> None:
        chunk = sock.recv(262144)
        if not chunk:
            raise ConnectionError("connection closed by the server")
        self._buffer += chunk

    def _response(self, sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
        while (end := self._buffer.find(b"\r\n\r\n")) < 0:
            self._fill(sock)
        status, headers = _head(self._buffer[:end])
        self._buffer = self._buffer[end + 4 :]
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._chunked(sock)
        else:
            length = int(headers.get("content-length", "0"))
            while len(self._buffer) < length:
                self._fill(sock)
            body, self._buffer = self._buffer[:length], self._buffer[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def _chunked(self, sock: socket.socket) -> bytes:
        parts = []
        while True:
            while (end := self._buffer.find(b"\r\n")) < 0:
                self._fill(sock)
            size = int(self._buffer[:end].split(b";")[0], 16)
            self._buffer = self._buffer[end + 2 :]
            while len(self._buffer) < size + 2:
                self._fill(sock)
            parts.append(self._buffer[:size])
            self._buffer = self._buffer[size + 2 :]
            if size == 0:
                return b"".join(parts)


class AsyncHttpConnection:
    """One keep-alive connection for an asyncio loop; `call()` as HttpConnection's."""

    def __init__(self, host: str, port: int):
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._reader = self._writer = None

    async def call(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
                sock = self._writer.get_extra_info("socket")
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            assert self._reader is not None
            try:
                self._writer.write(raw)
                return await self._response(self._reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                # The server closed an idle keep-alive connection: once more on a new one.
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self, reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
        status, headers = _head((await reader.readuntil(b"\r\n\r\n"))[:-4])
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append((await reader.readexactly(size + 2))[:-2])
            await reader.readuntil(b"\r\n")
            body = b"".join(parts)
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body


class AsyncHttpPool:
    """Keep-alive connections handed to one request at a time; a new one when all are busy (up
    to `size`, then the request waits for one, and that wait counts in its latency)."""

    def __init__(self, host: str, port: int, size: int = 64):
        self.host = host
        self.port = port
        self._idle: list[AsyncHttpConnection] = []
        self._slots = asyncio.Semaphore(size)

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncHttpConnection]:
        async with self._slots:
            conn = self._idle.pop() if self._idle else AsyncHttpConnection(self.host, self.port)
            try:
                yield conn
            except BaseException:
                conn.close()
                raise
            self._idle.append(conn)

    async def call(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        async with self.connection() as conn:
            return await conn.call(raw)

    def close(self) -> None:
        for conn in self._idle:
            conn.close()
        self._idle.clear()


@dataclass(frozen=True)
class OpenLoop:
    lags: list[float]  # how late each request of the measured window left
    backlog: int  # requests still unanswered when the last one left

    def kept_up(self) -> bool:
        """Whether the server answered at the offered rate: a server that cannot keep up
        gathers a backlog that grows for as long as the window lasts, and the latencies then
        measure the queue, not the server (and p99 / p50 shrinks towards 1)."""
        return self.backlog <= max(10, len(self.lags) // 20)


def run_open_loop(
    start: float,
    window: Window,
    rate: float,
    offset: float,
    send: Callable[[int], Awaitable[Any]],
    on_answer: Callable[[int, float, Any, bool], None],
    finish: Callable[[], None] | None = None,
) -> OpenLoop:
    """Starts `send(index)` at every scheduled moment of `pace` (open loop), without waiting
    for the earlier ones to answer; `on_answer(index, latency from the scheduled moment,
    send's result, in window)` as each answers; `finish()` at the end, inside the loop (to close
    its connections). How late each request of the window left, and how many were still out
    when the last one left (the backlog)."""

    async def loop() -> OpenLoop:
        lags: list[float] = []
        running: set[asyncio.Task[None]] = set()

        async def one(index: int, scheduled: float, counted: bool) -> None:
            result = await send(index)
            on_answer(index, time.perf_counter() - scheduled, result, counted)

        index = 0
        measuring = False
        for since_start, in_window in open_loop_schedule(window, rate, offset):
            moment = start + since_start
            delay = moment - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if in_window:
                if not measuring:
                    # Indexes start again with the measured window (a request mix keyed by
                    # index then has every kind in it).
                    measuring, index = True, 0
                lags.append(max(0.0, time.perf_counter() - moment))
            task = asyncio.create_task(one(index, moment, in_window))
            running.add(task)
            task.add_done_callback(running.discard)
            index += 1
        backlog = max(0, len(running) - 1)  # besides the one just sent
        try:
            if running:
                await asyncio.gather(*running)
        finally:
            if finish is not None:
                finish()
        return OpenLoop(lags, backlog)

    return asyncio.run(loop())


def pace(
    start: float, window: Window, rate: float | None, offset: float
) -> Iterator[tuple[float, bool]]:
    """Yields (scheduled moment, in window) until the window ends; closed loop: scheduled = now."""
    begin = start + window.warmup_s
    end = begin + window.measure_s
    if rate is None:
        while (now := time.perf_counter()) < end:
            yield now, now >= begin
        return
    for since_start, in_window in open_loop_schedule(window, rate, offset):
        moment = start + since_start
        delay = moment - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        yield moment, in_window


# Below a millionth of an interval, a moment is taken to fall on the window's edge.
_EDGE = 1e-6


def open_loop_schedule(window: Window, rate: float, offset: float) -> Iterator[tuple[float, bool]]:
    """(Seconds from the start, in the measured window) of each scheduled moment of an open
    loop: `offset` intervals in, then one every 1/`rate` s, until the window ends. Each moment
    is reckoned from its index, not by adding intervals up: a sum drifts by rounding, and a
    window would hold one request more or fewer depending on where the clock stood."""
    interval = 1.0 / rate
    measured_from = window.warmup_s * rate - _EDGE
    ends_at = (window.warmup_s + window.measure_s) * rate - _EDGE
    index = 0
    while (intervals := offset + index) < ends_at:
        yield intervals * interval, intervals >= measured_from
        index += 1


@dataclass
class GetTask(Task):
    """Repeats one GET."""

    host: str
    port: int
    path: str
    headers: dict[str, str]
    rate: float | None = None  # per process; None = closed loop
    offset: float = 0.0  # share of an interval this process is shifted by (open loop)
    expect: int = 200  # 304 for conditional reads (If-None-Match)

    def setup(self) -> Any:
        conn = HttpConnection(self.host, self.port)
        raw = conn.request_bytes("GET", self.path, self.headers)
        status, _, _ = conn.call(raw)  # connect and warm this connection
        if status != self.expect:
            raise LoadFailed(f"GET {self.path} answered {status}")
        return conn, raw

    def run(self, state: Any, start: float, window: Window) -> Tally:
        conn, raw = state
        tally = Tally(seconds=window.measure_s)
        for scheduled, counted in pace(start, window, self.rate, self.offset):
            status, headers, _ = conn.call(raw)
            done = time.perf_counter()
            if counted:
                tally.count += 1
                tally.latencies.append(done - scheduled)
                tally.statuses[status] += 1
                if status != self.expect:
                    tally.errors += 1
                if "x-bench-shim" in headers:
                    tally.info["shim"] = headers["x-bench-shim"]
        conn.close()
        return tally


@dataclass
class CommandTask(Task):
    """The command mix on one need this process owns: add a SWOT item, remove it, edit the title
    — each with If-Match of the version the previous answer gave."""

    host: str
    port: int
    token: str
    need_id: str

    def setup(self) -> Any:
        conn = HttpConnection(self.host, self.port)
        path = f"/api/v1/needs/{self.need_id}"
        status, _, payload = conn.call(
            conn.request_bytes("GET", path, {"Authorization": f"Bearer {self.token}"})
        )
        if status != 200:
            raise LoadFailed(f"GET {path} answered {status}")
        state = json.loads(payload)
        return conn, int(state["version"]), str(state["title"])

    def run(self, state: Any, start: float, window: Window) -> Tally:
        conn, version, current = state
        tally = Tally(seconds=window.measure_s)
        base = f"/api/v1/needs/{self.need_id}"
        auth = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        step, item = 0, ""
        for scheduled, counted in pace(start, window, None, 0.0):
            headers = {**auth, "If-Match": f'"{version}"'}
            if step == 0:
                body = json.dumps({"quadrant": "strength", "text": "Engagerade medarbetare"})
                raw = conn.request_bytes("POST", f"{base}/swot", headers, body.encode())
            elif step == 1:
                raw = conn.request_bytes("DELETE", f"{base}/swot/{item}", headers)
            else:
                title = "Titel A" if current != "Titel A" else "Titel B"
                body = json.dumps({"title": title}, ensure_ascii=False)
                raw = conn.request_bytes("PATCH", base, headers, body.encode())
            status, _, payload = conn.call(raw)
            done = time.perf_counter()
            if counted:
                tally.count += 1
                tally.latencies.append(done - scheduled)
                tally.statuses[status] += 1
            if status in (200, 201):
                answer = json.loads(payload)
                version = int(answer["version"])
                if step == 0:
                    item = answer["created"]["item_id"]
                elif step == 2:
                    current = title
                step = (step + 1) % 3
                continue
            if counted:
                tally.errors += 1
            # Out of step (should not happen: the need is ours alone): re-read and start over.
            status, _, payload = conn.call(
                conn.request_bytes("GET", base, {"Authorization": auth["Authorization"]})
            )
            if status != 200:
                raise LoadFailed(f"GET {base} answered {status} after a failed command")
            state_now = json.loads(payload)
            version, current, step = int(state_now["version"]), state_now["title"], 0
        conn.close()
        return tally
