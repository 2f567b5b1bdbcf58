"""Audit: histories of every aggregate, the verifiable ledger with RFC 9162 proofs, the raw
event stream. History and proofs answer what the record says; the ledger proves it unaltered."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
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
from service.audit.events_stream import events_after
from service.audit.history import history
from service.audit.proofs import current_ledger, inclusion_proof
from service.ledger.ledger import Ledger

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1",
    description="Audit: history of every need, procurement and municipality; the Merkle ledger "
    "over all events (RFC 9162) with signed tree heads and proofs; the raw event stream.",
)


def _history(kind: str, object_id: str, query: dict[str, Any]) -> dict[str, Any]:
    page = history(services().innoledger, current_principal(), kind, object_id, **query)
    return page.to_json()


@blp.route("/needs/<need_id>/history")
class NeedHistory(MethodView):
    @blp.arguments(HistoryQuerySchema, location="query")
    @blp.response(200, HistoryPageSchema)
    def get(self, query: dict[str, Any], need_id: str) -> Any:
        """Every event of a need: who, when, the decision record, what changed"""
        return _history("need", need_id, query)


@blp.route("/procurements/<procurement_id>/history")
class ProcurementHistory(MethodView):
    @blp.arguments(HistoryQuerySchema, location="query")
    @blp.response(200, HistoryPageSchema)
    def get(self, query: dict[str, Any], procurement_id: str) -> Any:
        """Every event of a procurement (bids redacted for whoever may not see them)"""
        return _history("procurement", procurement_id, query)


@blp.route("/municipalities/<slug>/history")
class MunicipalityHistory(MethodView):
    @blp.arguments(HistoryQuerySchema, location="query")
    @blp.response(200, HistoryPageSchema)
    def get(self, query: dict[str, Any], slug: str) -> Any:
        """Every event of a municipality: roles, areas, delegation orders"""
        return _history("municipality", slug, query)


def _current_ledger() -> Ledger:
    return current_ledger(services().innoledger, current_principal())


@blp.route("/audit/ledger/tree-head")
class TreeHeadEndpoint(MethodView):
    @blp.response(200, TreeHeadSchema)
    def get(self) -> Any:
        """The latest signed tree head (Ed25519 over RFC 9162 TreeHeadDataV2)"""
        return _current_ledger().tree_head().to_json()


@blp.route("/audit/ledger/inclusion")
class InclusionEndpoint(MethodView):
    @blp.arguments(InclusionQuerySchema, location="query")
    @blp.response(200, InclusionProofSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Inclusion proof of a leaf (event) in the tree of a given size (RFC 9162 §2.1.3)"""
        return inclusion_proof(
            services().innoledger, current_principal(), query["leaf_index"], query["tree_size"]
        )


@blp.route("/audit/ledger/consistency")
class ConsistencyEndpoint(MethodView):
    @blp.arguments(ConsistencyQuerySchema, location="query")
    @blp.response(200, ConsistencyProofSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Consistency proof between two tree sizes (RFC 9162 §2.1.4)"""
        return _current_ledger().consistency(query["first"], query["second"]).to_json()


@blp.route("/audit/ledger/public-key")
class PublicKeyEndpoint(MethodView):
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
        pem = Ledger.of(services().innoledger).public_key_pem()
        return Response(pem, mimetype="application/x-pem-file")


@blp.route("/audit/events")
class EventsEndpoint(MethodView):
    @blp.arguments(EventsQuerySchema, location="query")
    @blp.response(200, EventPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Raw stored events after a log position (auditors; tenant auditors see their own)"""
        page = events_after(services().innoledger, current_principal(), **query)
        return page.to_json()
