"""Probes and metrics: unauthenticated, outside /api/v1."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from service.api.context import services

blp = Blueprint("probes", __name__, description="Liveness, readiness and metrics")


class ReadinessSchema(Schema):
    status = fields.String()
    database = fields.String()
    head_position = fields.Integer(allow_none=True)
    checks = fields.Dict()


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
        """The store is reachable (and, when running, how far the views lag)"""
        svc = services()
        checks: dict[str, Any] = {}
        try:
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
        for name, probe in current_app.extensions.get("innoledger.readiness", {}).items():
            checks[name] = probe(head)
        return {
            "status": "ok",
            "database": svc.settings.database,
            "head_position": head or 0,
            "checks": checks,
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
