"""What a caller is shown of an aggregate: its public state, minus what the redaction policy
(`service.redaction`, judged in the core by `Innoledger.show`) withholds from them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.municipality import Municipality
from domain.need import Need
from domain.procurement import Procurement
from domain.procurement_values import plain
from domain.project import PHASES, Project
from service.use_cases.reads import Shown


def _common(aggregate: Any) -> dict[str, Any]:
    return {
        "id": str(aggregate.id),
        "version": aggregate.version,
        "created_on": aggregate.created_on,
        "modified_on": aggregate.modified_on,
    }


def _public(aggregate: Any) -> dict[str, Any]:
    body = {k: plain(v) for k, v in vars(aggregate).items() if not k.startswith("_")}
    body.update(_common(aggregate))
    return body


def need_representation(shown: Shown) -> dict[str, Any]:
    need: Need = shown.aggregate
    body = _public(need)
    body["weighted_total"] = need.weighted_total
    body["market_publication"] = need.market
    return shown.representation(body)


def procurement_representation(shown: Shown) -> dict[str, Any]:
    procurement: Procurement = shown.aggregate
    body = _public(procurement)
    body["under_review"] = procurement.under_review
    body["extended_standstill_last_day"] = procurement.extended_standstill_last_day
    body["signing_allowed_from"] = procurement.signing_allowed_from
    body["innovation"] = procurement.innovation
    body["cpv_codes"] = procurement.cpv_codes
    body["procurement_decision"] = procurement.procurement_decision
    body["register_reference"] = procurement.register_reference
    body["framework_agreement"] = getattr(procurement, "framework_agreement", None)
    # Withheld with the bids before the award: not even how many came in.
    body["bid_count"] = len(procurement.bids)
    return shown.representation(body)


def shown_parties(shown: Shown) -> tuple[str, ...]:
    """What `with_parties` shows this caller of the party directory, for the ETag: an entry
    changes (an erasure) without a new version of the procurement."""
    return tuple(
        f"{party_id}={party.shown_number}|{party.name}"
        for party_id, party in sorted(shown.parties.items())
    )


def with_parties(body: dict[str, Any], shown: Shown) -> dict[str, Any]:
    """Shows a sole trader's number and name (from the party directory) where the core gave
    them (`Shown.parties`: withheld from whoever may not see them); otherwise, and once
    erased, the entry's id alone."""
    parties = shown.parties

    def number(party_id: str | None) -> str | None:
        party = parties.get(party_id or "")
        return party.shown_number if party is not None else None

    def name(party_id: str | None) -> str | None:
        party = parties.get(party_id or "")
        return party.name if party is not None else None

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


def municipality_representation(shown: Shown) -> dict[str, Any]:
    municipality: Municipality = shown.aggregate
    return shown.representation(_public(municipality))


def project_representation(
    shown: Shown, linked: list[Any], names: Mapping[str, str]
) -> dict[str, Any]:
    """A project with its phases in the work model's order, and its linked needs and
    procurements as the caller may see them (`Innoledger.linked_work`)."""
    project: Project = shown.aggregate
    body = _common(project)
    body.update(
        title=project.title,
        description=project.description,
        coordinator={"slug": project.coordinator, "name": names.get(project.coordinator)},
        starts_on=project.starts_on,
        ends_on=project.ends_on,
        funder=project.funder,
        partners=[
            {**partner, "name": partner["name"] or names.get(partner["municipality"] or "")}
            for partner in project.partners
        ],
        reference_group=project.reference_group,
        phases=[project.phases[phase] for phase in PHASES if phase in project.phases],
        needs=[vars(work) for work in linked if work.kind == "need"],
        procurements=[vars(work) for work in linked if work.kind == "procurement"],
        decisions=project.decisions,
    )
    return shown.representation(body)
