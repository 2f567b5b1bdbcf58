"""Audit: histories of every aggregate, the verifiable ledger with RFC 9162 proofs, the raw
event stream. History and proofs answer what the record says; the ledger proves it unaltered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from marshmallow import Schema

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.dumping import dumped
from service.api.schemas.audit import (
    ConsistencyProofSchema,
    ConsistencyQuerySchema,
    EventPageSchema,
    EventsQuerySchema,
    HistoryPageSchema,
    HistoryQuerySchema,
    InclusionProofSchema,
    InclusionQuerySchema,
    TreeHeadSchema,
)
from service.api.views import answer_made_of, log_answer
from service.audit.access import require_auditor
from service.audit.events_stream import events_after
from service.audit.history import history
from service.audit.people import PeopleDirectory
from service.audit.proofs import current_ledger, inclusion_proof
from service.ledger.ledger import Ledger

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1",
    description="Audit: history of every need, procurement and municipality; the Merkle ledger "
    "over all events (RFC 9162) with signed tree heads and proofs; the raw event stream.",
)


def history_answer(kind: str, object_id: str, query: dict[str, Any]) -> Response:
    """A page of an object's history, or 304: besides the log, the page shows how far the
    ledger has appended (each entry's leaf) and the people directory's names of the actors,
    which change without an event."""
    require_auditor(current_principal())
    app = services().innoledger

    def build() -> Response:
        page = history(app, current_principal(), kind, object_id, **query)
        # `to_json()` gives exactly what the schema would dump (tests/api/
        # test_history_shape.py holds it to that): dumping it again was more than half of
        # the page's time, on the heaviest request auditors make.
        return jsonify(page.to_json())

    ledger_size = f"ledger={Ledger.of(app).tree_size()}"
    return log_answer(build, ledger_size, f"people={PeopleDirectory.of(app).state()}")


@blp.route("/needs/<need_id>/history")
class NeedHistory(MethodView):
    @blp.conditional
    @blp.arguments(HistoryQuerySchema, location="query")
    @blp.response(200, HistoryPageSchema)
    def get(self, query: dict[str, Any], need_id: str) -> Any:
        """Every event of a need: who, when, the decision record, what changed"""
        return history_answer("need", need_id, query)


@blp.route("/procurements/<procurement_id>/history")
class ProcurementHistory(MethodView):
    @blp.conditional
    @blp.arguments(HistoryQuerySchema, location="query")
    @blp.response(200, HistoryPageSchema)
    def get(self, query: dict[str, Any], procurement_id: str) -> Any:
        """Every event of a procurement (bids redacted for whoever may not see them)"""
        return history_answer("procurement", procurement_id, query)


@blp.route("/municipalities/<slug>/history")
class MunicipalityHistory(MethodView):
    @blp.conditional
    @blp.arguments(HistoryQuerySchema, location="query")
    @blp.response(200, HistoryPageSchema)
    def get(self, query: dict[str, Any], slug: str) -> Any:
        """Every event of a municipality: roles, areas, delegation orders"""
        return history_answer("municipality", slug, query)


def _current_ledger() -> Ledger:
    return current_ledger(services().innoledger, current_principal())


def _ledger_answer(build: Callable[[], Any], schema: type[Schema], *parts: str) -> Response:
    """A ledger answer, or 304: the ledger is brought up to the log before it answers, so the
    log's head (and the key that signs) decides what it says. Only an auditor gets either."""
    require_auditor(current_principal())
    return log_answer(lambda: jsonify(dumped(schema, build())), *parts)


@blp.route("/audit/ledger/tree-head")
class TreeHeadEndpoint(MethodView):
    @blp.conditional
    @blp.response(200, TreeHeadSchema)
    def get(self) -> Any:
        """The latest signed tree head (Ed25519 over RFC 9162 TreeHeadDataV2)"""
        signer = Ledger.of(services().innoledger).signer
        return _ledger_answer(
            lambda: _current_ledger().tree_head().to_json(), TreeHeadSchema, signer.key_id
        )


@blp.route("/audit/ledger/inclusion")
class InclusionEndpoint(MethodView):
    @blp.conditional
    @blp.arguments(InclusionQuerySchema, location="query")
    @blp.response(200, InclusionProofSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Inclusion proof of a leaf (event) in the tree of a given size (RFC 9162 §2.1.3)"""
        return _ledger_answer(
            lambda: inclusion_proof(
                services().innoledger, current_principal(), query["leaf_index"],
                query["tree_size"],
            ),
            InclusionProofSchema,
        )


@blp.route("/audit/ledger/consistency")
class ConsistencyEndpoint(MethodView):
    @blp.conditional
    @blp.arguments(ConsistencyQuerySchema, location="query")
    @blp.response(200, ConsistencyProofSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Consistency proof between two tree sizes (RFC 9162 §2.1.4)"""
        return _ledger_answer(
            lambda: _current_ledger().consistency(query["first"], query["second"]).to_json(),
            ConsistencyProofSchema,
        )


@blp.route("/audit/ledger/public-key")
class PublicKeyEndpoint(MethodView):
    @blp.conditional
    @blp.doc(
        responses={
            "200": {
                "description": "The Ed25519 public key that signs tree heads (PEM)",
                "content": {"application/x-pem-file": {"schema": {"type": "string"}}},
            }
        }
    )
    def get(self) -> Any:
        """The ledger's public key, to check tree-head signatures"""
        current_principal()
        signer = Ledger.of(services().innoledger).signer
        return answer_made_of(
            lambda: Response(signer.public_key_pem, mimetype="application/x-pem-file"),
            signer.key_id,
        )


@blp.route("/audit/events")
class EventsEndpoint(MethodView):
    @blp.conditional
    @blp.arguments(EventsQuerySchema, location="query")
    @blp.response(200, EventPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Raw stored events after a log position (auditors; tenant auditors see their own)"""

        def build() -> Response:
            page = events_after(services().innoledger, current_principal(), **query)
            return jsonify(dumped(EventPageSchema, page.to_json()))

        return log_answer(build)
