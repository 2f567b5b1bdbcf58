"""What a principal is shown of an aggregate: its public state, minus what is secret to them."""

from __future__ import annotations

from collections.abc import Mapping
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


def party_ids(procurement: Procurement) -> set[str]:
    """The party directory entries (sole traders) a procurement refers to."""
    ids = {bid.get("tenderer_party_id") for bid in procurement.bids}
    if procurement.award is not None:
        ids |= {supplier.get("party_id") for supplier in procurement.award["suppliers"]}
    if procurement.contract is not None:
        ids.add(procurement.contract.get("supplier_party_id"))
    return {party_id for party_id in ids if party_id}


def with_parties(
    body: dict[str, Any],
    procurement: Procurement,
    principal: Principal,
    parties: Mapping[str, Any],
) -> dict[str, Any]:
    """Shows a sole trader's number and name (from the party directory) to the lead's people
    and platform auditors only; everyone else, and everyone once erased, sees the entry's id."""
    shown = principal.municipality == procurement.lead or principal.is_platform_auditor

    def number(party_id: str | None) -> str | None:
        party = parties.get(party_id or "")
        return party.shown_number if shown and party is not None else None

    def name(party_id: str | None) -> str | None:
        party = parties.get(party_id or "")
        return party.name if shown and party is not None else None

    if body.get("bids"):
        body["bids"] = [
            {
                **bid,
                **(
                    {
                        "tenderer_org_number": number(bid["tenderer_party_id"]),
                        "tenderer_name": name(bid["tenderer_party_id"]),
                    }
                    if bid.get("tenderer_party_id")
                    else {}
                ),
            }
            for bid in body["bids"]
        ]
    if body.get("award"):
        body["award"] = {
            **body["award"],
            "suppliers": [
                {
                    **supplier,
                    **(
                        {
                            "org_number": number(supplier["party_id"]),
                            "name": name(supplier["party_id"]),
                        }
                        if supplier.get("party_id")
                        else {}
                    ),
                }
                for supplier in body["award"]["suppliers"]
            ],
        }
    if body.get("contract"):
        party_id = body["contract"].get("supplier_party_id")
        body["contract"] = {
            **body["contract"],
            **({"supplier_org_number": number(party_id)} if party_id else {}),
        }
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
