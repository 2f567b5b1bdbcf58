"""Request ids, JSON logs and Prometheus metrics (correct across several gunicorn workers)."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Request, Response, g, has_request_context, request

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _request_id(req: Request) -> str:
    given = req.headers.get("X-Request-ID")
    if given is not None and _SAFE_REQUEST_ID.match(given):
        return given
    return os.urandom(16).hex()  # as random as a UUID4's hex, without building one


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is None and has_request_context():
            request_id = g.get("request_id")
        if request_id:
            entry["request_id"] = request_id
        for key in ("method", "path", "status", "duration_ms", "user"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_json_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers = [handler]
    root.setLevel(level)


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        # In multiprocess mode each worker writes files and /metrics aggregates them, so a
        # scrape that lands on any worker sees the whole service.
        self.registry = None if self.multiprocess else CollectorRegistry()
        kwargs: dict[str, Any] = {} if self.multiprocess else {"registry": self.registry}
        self.requests = Counter(
            "innoledger_http_requests_total",
            "HTTP requests answered",
            ["method", "endpoint", "status"],
            **kwargs,
        )
        self.latency = Histogram(
            "innoledger_http_request_seconds",
            "HTTP request latency",
            ["method", "endpoint"],
            **kwargs,
        )
        # Each (method, route, status)'s series, once found: the library's `labels` checks
        # and converts its values and takes a lock on every call.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def count(self, method: str, endpoint: str, status: int, duration: float) -> None:
        key = (method, endpoint, status)
        series = self._series.get(key)
        if series is None:
            series = (
                self.requests.labels(method, endpoint, str(status)),
                self.latency.labels(method, endpoint),
            )
            self._series[key] = series
        series[0].inc()
        series[1].observe(duration)

    def render(self) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = self.registry  # type: ignore[assignment]
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


_metrics_singleton: Metrics | None = None


def _metrics() -> Metrics:
    # prometheus_client registers metric names per process; one instance per process is
    # required, whatever the number of apps a test creates.
    global _metrics_singleton
    if _metrics_singleton is None:
        _metrics_singleton = Metrics()
    return _metrics_singleton


READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _metrics_endpoint(req: Request) -> str:
    """The route of a read; every command counts as one "command". /metrics needs no
    credentials, so per-route counts of commands would tell anyone, say, how many bids came
    in and when — a secret until the award."""
    if req.method not in READS:
        return "command"
    rule = req.url_rule
    return rule.rule if rule else "unmatched"


def register_observability(app: Flask) -> None:
    access_log = logging.getLogger("innoledger.access")
    metrics = _metrics()
    app.extensions["innoledger.metrics"] = metrics

    @app.before_request
    def start_request() -> None:
        # The request's objects taken once: each use of the `request`/`g` proxies is a
        # context variable look-up and three calls, on every request.
        req, state = request._get_current_object(), g._get_current_object()  # type: ignore[attr-defined]
        state.request_id = _request_id(req)
        state.started = time.perf_counter()

    @app.after_request
    def finish_request(response: Response) -> Response:
        req, state = request._get_current_object(), g._get_current_object()  # type: ignore[attr-defined]
        request_id = state.get("request_id")
        response.headers["X-Request-ID"] = request_id or ""
        duration = time.perf_counter() - state.get("started", time.perf_counter())
        endpoint = _metrics_endpoint(req)
        method = req.method
        metrics.count(method, endpoint, response.status_code, duration)
        if access_log.isEnabledFor(logging.INFO):
            principal = state.get("principal")
            # Made directly: Logger.info would walk the stack for the caller's file and line,
            # which an access line never shows, on every request.
            record = access_log.makeRecord(
                access_log.name,
                logging.INFO,
                __file__,
                0,
                "request",
                (),
                None,
                extra={
                    # On the record itself, so a handler that formats it later still has it.
                    "request_id": request_id,
                    "method": method,
                    # never the query string or headers: no tokens in logs
                    "path": req.path,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 2),
                    "user": None if principal is None else principal.user_id,
                },
            )
            access_log.handle(record)
        return response
