"""What a principal is shown of an aggregate: its public state, minus what is secret to them."""

from __future__ import annotations

from typing import Any

from domain.municipality import Municipality
from domain.need import Need
from domain.procurement import Procurement
from service.access_policy import can_see_bids
from service.principal import Principal


def _common(aggregate: Any) -> dict[str, Any]:
    return {
        "id": str(aggregate.id),
        "version": aggregate.version,
        "created_on": aggregate.created_on,
        "modified_on": aggregate.modified_on,
    }


def need_representation(need: Need) -> dict[str, Any]:
    body = {k: v for k, v in vars(need).items() if not k.startswith("_")}
    body.update(_common(need))
    body["weighted_total"] = need.weighted_total
    return body


def procurement_representation(procurement: Procurement, principal: Principal) -> dict[str, Any]:
    body = {k: v for k, v in vars(procurement).items() if not k.startswith("_")}
    body.update(_common(procurement))
    body["under_review"] = procurement.under_review
    body["innovation"] = procurement.innovation
    body["cpv_codes"] = procurement.cpv_codes
    body["procurement_decision"] = procurement.procurement_decision
    body["register_reference"] = procurement.register_reference
    body["framework_agreement"] = getattr(procurement, "framework_agreement", None)
    if can_see_bids(principal, procurement):
        body["bid_count"] = len(procurement.bids)
    else:
        # Absolute secrecy before award: not even how many bids came in.
        body["bids"] = None
        body["bid_count"] = None
    return body


def municipality_representation(municipality: Municipality, principal: Principal) -> dict[str, Any]:
    body = {k: v for k, v in vars(municipality).items() if not k.startswith("_")}
    body.update(_common(municipality))
    if (
        principal.municipality != municipality.slug
        and not principal.has_role("platform_admin")
        and not principal.is_platform_auditor
    ):
        # Members are the municipality's own business; the network sees the public record.
        body["members"] = None
    return body
