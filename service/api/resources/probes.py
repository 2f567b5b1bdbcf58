"""Probes and metrics: unauthenticated, outside /api/v1."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from flask.views import MethodView
from marshmallow import Schema, fields

from eventstore.connections import answers_within
from projections.queries import view_status
from service.api.blueprint import Blueprint
from service.api.context import services
from service.ledger.ledger import Ledger

blp = Blueprint("probes", __name__, description="Liveness, readiness and metrics")


class ReadinessSchema(Schema):
    status = fields.String()
    database = fields.String()
    head_position = fields.Integer(allow_none=True)
    checks = fields.Dict()
    warnings = fields.List(
        fields.Dict(),
        metadata={"description": "Still ready, but for the operator to act on: the law's "
                  "amounts revised every second year whose newest entry is over two years old"},
    )


PROBE_CONNECT_TIMEOUT_S = 2


def _check_reachable(svc: Any) -> None:
    """A probe must answer within seconds: the library's reads retry for most of a minute and
    the pool may be busy, so PostgreSQL is asked over a connection of the probe's own."""
    answers_within(svc.innoledger.recorder, PROBE_CONNECT_TIMEOUT_S)


def _ledger_check(svc: Any) -> dict[str, Any]:
    """Events up to the last leaf's position = tree size (see Ledger.check_consistency)."""
    result = Ledger.of(svc.innoledger).check_consistency()
    return {
        "status": "ok" if result.consistent else "inconsistent",
        "tree_size": result.tree_size,
        "last_leaf_position": result.last_position,
        "events_up_to_last_leaf": result.events,
    }


@blp.route("/livez")
class Live(MethodView):
    @blp.doc(security=[])
    @blp.response(200, Schema.from_dict({"status": fields.String()}, name="Liveness")())
    def get(self) -> Any:
        """The process answers"""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.doc(security=[])
    @blp.response(200, ReadinessSchema)
    @blp.alt_response(503, schema=ReadinessSchema)
    def get(self) -> Any:
        """The store is reachable; the ledger holds one leaf per event up to its last leaf;
        how far each view lags behind the log (in positions)"""
        svc = services()
        checks: dict[str, Any] = {}
        try:
            _check_reachable(svc)
            head = svc.innoledger.recorder.max_notification_id()
        except Exception as error:  # any failure to reach the store means "not ready"
            body = {
                "status": "unavailable",
                "database": svc.settings.database,
                "head_position": None,
                "checks": {"store": f"unreachable: {type(error).__name__}"},
            }
            response = jsonify(body)
            response.status_code = 503
            response.headers["Retry-After"] = "2"
            return response
        checks["store"] = "ok"
        ledger = _ledger_check(svc)
        checks["ledger"] = ledger
        checks["views"] = {
            status.name: {"position": status.position, "lag": status.lag}
            for status in view_status(svc.sql, svc.innoledger.recorder)
            if not status.rebuilding
        }
        return {
            # The service still answers with an inconsistent ledger: it is for the operator
            # to see (and `innoledger audit verify` to explain), not a reason to stop serving.
            "status": "ok" if ledger["status"] == "ok" else "degraded",
            "database": svc.settings.database,
            "head_position": head or 0,
            "checks": checks,
            "warnings": [
                {"check": "law_amounts", **warning}
                for warning in svc.innoledger.law_amount_warnings()
            ],
        }


@blp.route("/metrics")
class MetricsEndpoint(MethodView):
    @blp.doc(
        security=[],
        responses={
            "200": {
                "description": "Prometheus text format",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        },
    )
    def get(self) -> Any:
        """Prometheus metrics of every worker"""
        return current_app.extensions["innoledger.metrics"].render()
