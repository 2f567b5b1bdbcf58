"""Every operation of the OpenAPI document says what it does, who may call it and what refuses it.

The summary (a handler's docstring) says what; the table below says who and which rules can
refuse, each rule linked to its page under `/problems/`. The error answers each operation can
give are added from what the operation is, so the document cannot drift from the behaviour:

- an authenticated operation (`/api/v1/...`) answers 401 without a valid token and 429 when
  failed authentications from a token id or address are throttled;
- a command on an existing object (it takes the `If-Match` header) answers 428 without it, 412
  when it names an old version, and 409 when another writer saved in between or a rule refuses;
- every other command answers 409 when a rule refuses, and 403 when the caller's role may not;
- an open GET answers 304 to a matching `If-None-Match`; so does every authenticated GET: its
  handler answers conditionally (`service.api.conditional`) and says so with
  `Blueprint.conditional` (`tests/api/test_conditional_generated.py` finds one that answers 200
  without an ETag, or an ETag without saying so).

A new operation without an entry in `OPERATIONS` fails the test that reads the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apispec import BasePlugin

from service.api.problem_types import PROBLEM_TYPES, slug_of

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api/v1/"
COMMAND_METHODS = {"post", "put", "patch", "delete"}

ANYONE = "anyone with a valid token of any municipality or the platform"
OWN_READ = "every role of the owning municipality (and co-owners / participants where shared)"
AUDITOR = "auditors of the municipality (their own tenant's events) and platform auditors"
LEAD_OFFICER = "an officer of the lead municipality (a co-lead's officer for facts)"
LEAD_MAKER = "a decision maker of the lead municipality, under its delegation order"
OWNER_OFFICER = "an officer of the owning municipality"
TENANT_ADMIN = "a tenant admin of the municipality"
PLATFORM_ADMIN = "a platform admin"
NOBODY = "anyone, without a token"
COORDINATOR_OFFICER = "an officer of the coordinating municipality"

NEED_DECISION_RULES = (
    "wrong_state", "swot_incomplete", "no_delegation_order", "not_delegated",
    "above_delegated_ceiling", "no_signed_contract", "other_procurement", "role_missing",
)  # fmt: skip
PROCUREMENT_DECISION_RULES = (
    "wrong_state", "not_screened", "no_procedure", "procedure_without_notice",
    "direct_award_limit", "no_rule_in_force", "supplier_without_bid", "standstill",
    "under_review", "not_awarded", "procurement_before_need_decision",
    "award_before_participation", "cancel_before_participation",
    "no_delegation_order", "not_delegated", "above_delegated_ceiling", "not_own_decision",
    "municipality_suspended",
)  # fmt: skip


@dataclass(frozen=True)
class OperationDoc:
    who: str
    refusals: tuple[str, ...] = ()
    more: str = ""


OPERATIONS: dict[str, OperationDoc] = {
    "GET /livez": OperationDoc(NOBODY),
    "GET /readyz": OperationDoc(
        NOBODY, more="Readiness: 503 with `Retry-After` while the store is unreachable."
    ),
    "GET /metrics": OperationDoc(NOBODY, more="Prometheus text format, all workers together."),
    "GET /api/v1/municipalities": OperationDoc(ANYONE),
    "GET /api/v1/law/amounts": OperationDoc(
        ANYONE,
        more="The law's amounts on record (direct-award limit, EU thresholds), each with its "
        "effective date, official source and who entered it; `?version=` or `?as_of=` show the "
        "record as it stood. `warnings` name amounts revised every second year whose newest "
        "entry is more than two years old.",
    ),
    "POST /api/v1/law/amounts": OperationDoc(
        PLATFORM_ADMIN,
        ("amount_on_record", "dated_in_future"),
        "Records a new amount as an event (effective date, source, who entered it): decisions "
        "dated from then on are checked against it, and each decision's event keeps the "
        "amounts it was checked against. EU thresholds take effect on 1 January; no amount "
        "more than a year ahead; an entry never changes.",
    ),
    "POST /api/v1/municipalities": OperationDoc(PLATFORM_ADMIN, ("already_exists",)),
    "GET /api/v1/municipalities/{slug}": OperationDoc(
        ANYONE + "; members are listed only to the municipality's own people"
    ),
    "POST /api/v1/municipalities/{slug}/members": OperationDoc(
        TENANT_ADMIN + "; a platform admin seats the first tenant admin",
        ("role_held", "self_grant", "municipality_suspended", "person_erased"),
        more="Every grant is a decision in the decision log; nobody grants a role to themself.",
    ),
    "GET /api/v1/municipalities/{slug}/members/{user_id}/tokens": OperationDoc(
        TENANT_ADMIN + ", or a platform admin",
        more="Lists the member's tokens (id, expiry, revocation), never a secret, so the one to "
        "revoke can be found.",
    ),
    "DELETE /api/v1/municipalities/{slug}/members/{user_id}/roles/{role}": OperationDoc(
        TENANT_ADMIN, ("role_not_held", "municipality_suspended"),
        "Ends the member's browser sessions there at once; with the last role go their tokens.",
    ),
    "DELETE /api/v1/municipalities/{slug}/members/{user_id}/sessions": OperationDoc(
        TENANT_ADMIN + ", or the member themself",
        more="Ends every browser session of the member in the municipality at once (signed in "
        "on the pages); the next page they open asks them to sign in again. Answers how many "
        "were open.",
    ),
    "PUT /api/v1/municipalities/{slug}/delegation-order": OperationDoc(
        TENANT_ADMIN,
        ("municipality_suspended", "effective_before_adoption", "decided_before_meeting",
         "dated_in_future", "role_missing"),
        "Records the board's or council's decision adopting a new, versioned delegation order "
        "(delegationsordning): `authority` is the board's (`kind: board`, `body`, "
        "`meeting_date`, `minutes_reference`) and the order takes effect no earlier than the "
        "meeting. Decisions are checked against the order in force on their `decided_at` when "
        "they are recorded; a later order never changes the authority a recorded decision rests "
        "on.",
    ),
    "POST /api/v1/municipalities/{slug}/innovation-areas": OperationDoc(
        TENANT_ADMIN, ("area_exists", "municipality_suspended")
    ),
    "DELETE /api/v1/municipalities/{slug}/innovation-areas/{area_id}": OperationDoc(
        TENANT_ADMIN, ("area_retired", "municipality_suspended")
    ),
    "POST /api/v1/municipalities/{slug}/suspend": OperationDoc(
        PLATFORM_ADMIN, ("already_suspended",)
    ),
    "POST /api/v1/municipalities/{slug}/reactivate": OperationDoc(
        PLATFORM_ADMIN, ("not_suspended",)
    ),
    "POST /api/v1/municipalities/{slug}/tokens": OperationDoc(
        TENANT_ADMIN + " for its members; a platform admin for a tenant admin",
        more="The secret is in this answer only; it is stored as a hash.",
    ),
    "DELETE /api/v1/tokens/{token_id}": OperationDoc(
        "the token's holder, a tenant admin of its municipality, or a platform admin",
        more="Revoked by anyone but its holder, it also ends the holder's browser sessions.",
    ),
    "POST /api/v1/needs": OperationDoc(
        "an officer of the caller's municipality (the owner)", ("area_retired",)
    ),
    "GET /api/v1/needs": OperationDoc("every role of the caller's municipality"),
    "GET /api/v1/needs/{need_id}": OperationDoc(
        OWN_READ + "; `?version=` and `?as_of=` for auditors", ("not_yet_existing",)
    ),
    "PATCH /api/v1/needs/{need_id}": OperationDoc(
        OWNER_OFFICER, ("wrong_state", "no_change", "area_retired")
    ),
    "POST /api/v1/needs/{need_id}/swot": OperationDoc(
        "an officer of the owner or a co-owner", ("wrong_state", "swot_full")
    ),
    "DELETE /api/v1/needs/{need_id}/swot/{item_id}": OperationDoc(
        "an officer of the owner or a co-owner", ("wrong_state",)
    ),
    "POST /api/v1/needs/{need_id}/workshops": OperationDoc(
        "an officer of the owner or a co-owner", ("wrong_state",)
    ),
    "POST /api/v1/needs/{need_id}/share": OperationDoc(OWNER_OFFICER, ("already_shared",)),
    "POST /api/v1/needs/{need_id}/unshare": OperationDoc(
        OWNER_OFFICER, ("not_shared", "has_co_owners")
    ),
    "POST /api/v1/needs/{need_id}/co-owners": OperationDoc(
        "an officer of another municipality, for its own municipality",
        ("wrong_state", "not_shared", "is_owner", "co_owner", "not_own_decision"),
    ),
    "POST /api/v1/needs/{need_id}/decisions": OperationDoc(
        "a decision maker of the owning municipality under its delegation order, or an "
        "officer or decision maker recording a board decision",
        NEED_DECISION_RULES,
        "Prioritisation needs a SWOT item in every quadrant; `decide_to_procure` "
        "(anskaffningsbeslut) needs a prioritised need; `mark_realised` needs its procurement's "
        "signed contract.",
    ),
    "POST /api/v1/procurements": OperationDoc(
        "an officer of the lead municipality",
        ("need_not_owned", "need_not_decided", "wrong_state"),
        "The needs move to `in_procurement` in the same transaction.",
    ),
    "GET /api/v1/procurements": OperationDoc("every role of the caller's municipality"),
    "POST /api/v1/procurements/register": OperationDoc(
        "an officer of the lead municipality, with its decision maker's authority",
        ("direct_award_limit", "no_delegation_order", "not_delegated",
         "above_delegated_ceiling", "need_not_owned", "need_not_decided",
         "already_registered", "contract_needs_award"),
        "Registers an ordinary procurement in one step, screened for innovation.",
    ),
    "GET /api/v1/procurements/{procurement_id}": OperationDoc(
        "the lead's and participants' roles, everyone once published; bids only for the lead's "
        "officers, decision makers and auditors before the award",
        ("not_yet_existing",),
    ),
    "PATCH /api/v1/procurements/{procurement_id}": OperationDoc(
        LEAD_OFFICER, ("wrong_state", "no_change")
    ),
    "POST /api/v1/procurements/{procurement_id}/participants": OperationDoc(
        LEAD_OFFICER, ("wrong_state", "is_lead", "already_invited")
    ),
    "POST /api/v1/procurements/{procurement_id}/participation": OperationDoc(
        "a decision maker of the invited municipality, for itself",
        ("wrong_state", "not_own_decision", "no_delegation_order", "not_delegated",
         "procurement_before_need_decision", "participation_before_previous"),
    ),
    "POST /api/v1/procurements/{procurement_id}/decisions": OperationDoc(
        LEAD_MAKER + ", or an officer or decision maker recording a board decision",
        PROCUREMENT_DECISION_RULES,
        "Award needs the evaluation started (`POST /procurements/{id}/evaluation`); signing "
        "waits out the standstill (avtalsspärr) and any pending review.",
    ),
    "POST /api/v1/procurements/{procurement_id}/market-dialogue": OperationDoc(
        LEAD_OFFICER, ("wrong_state",)
    ),
    "POST /api/v1/procurements/{procurement_id}/bids": OperationDoc(
        LEAD_OFFICER, ("wrong_state", "duplicate_bid"),
        "Bids and tenderers are secret until the award decision.",
    ),
    "POST /api/v1/procurements/{procurement_id}/evaluation": OperationDoc(
        LEAD_OFFICER, ("wrong_state", "before_tender_deadline", "opening_before_participation"),
        "Moves a tendering procurement to evaluation: the step the award needs.",
    ),
    "POST /api/v1/procurements/{procurement_id}/reviews": OperationDoc(
        LEAD_OFFICER, ("wrong_state", "dated_in_future", "review_before_publication"),
        "A pending review blocks signing; filed during the standstill it extends it.",
    ),
    "POST /api/v1/procurements/{procurement_id}/reviews/{review_id}/interim-order": OperationDoc(
        LEAD_OFFICER,
        ("contract_signed", "no_pending_case", "interim_order", "interim_order_before_case"),
        "The interim order of the court where the case is pending forbids signing until it is "
        "lifted or that court rules.",
    ),
    "POST /api/v1/procurements/{procurement_id}/reviews/{review_id}/interim-order/lifting": (
        OperationDoc(LEAD_OFFICER, ("no_interim_order", "lifting_before_interim_order"))
    ),
    "POST /api/v1/procurements/{procurement_id}/reviews/{review_id}/appeal": OperationDoc(
        LEAD_OFFICER, ("not_ruled", "already_appealed", "contract_signed", "appeal_before_ruling"),
        "An appeal alone does not bar signing; an interim order of the court of appeal does.",
    ),
    "POST /api/v1/procurements/{procurement_id}/reviews/{review_id}/appeal/ruling": OperationDoc(
        LEAD_OFFICER, ("not_appealed", "already_ruled", "contract_signed", "ruling_before_appeal"),
        "Redo or correct sends the procurement back as a first-instance ruling does.",
    ),
    "POST /api/v1/procurements/{procurement_id}/milestones": OperationDoc(
        LEAD_OFFICER, ("wrong_state",)
    ),
    "POST /api/v1/procurements/{procurement_id}/follow-ups": OperationDoc(
        LEAD_OFFICER, ("wrong_state", "other_procurement")
    ),
    "POST /api/v1/procurements/{procurement_id}/lessons": OperationDoc(LEAD_OFFICER),
    "POST /api/v1/procurements/{procurement_id}/reviews/{review_id}/ruling": OperationDoc(
        LEAD_OFFICER, ("already_ruled", "ruling_before_filing", "dated_in_future"),
        "Dismissed after an application during the standstill: the extended standstill runs "
        "ten days from the ruling. Redo: back to planning; correct: the award is void.",
    ),
    "POST /api/v1/purchasing-register/imports": OperationDoc(
        "an officer or decision maker of the caller's municipality, for its own register",
        ("already_registered", "direct_award_limit", "no_delegation_order", "not_delegated",
         "above_delegated_ceiling", "municipality_suspended"),
        "Every line is checked first; all are saved in one transaction, or none (422 names "
        "each line and column).",
    ),
    "GET /api/v1/purchasing-register/template": OperationDoc(ANYONE),
    "GET /api/v1/network/needs": OperationDoc(ANYONE),
    "GET /api/v1/network/needs/{need_id}/similar": OperationDoc(ANYONE),
    "GET /api/v1/network/need-areas": OperationDoc(ANYONE),
    "GET /api/v1/innovation-areas": OperationDoc(
        ANYONE,
        more="The shared catalogue is the same for every municipality from the day it joins; "
        "an area a municipality adds is listed to it alone or, with visibility `network`, to "
        "every municipality.",
    ),
    "GET /api/v1/network/procurements": OperationDoc(ANYONE),
    "GET /api/v1/network/innovation-share": OperationDoc(ANYONE),
    "GET /api/v1/network/lessons": OperationDoc(ANYONE),
    "GET /api/v1/network/innovation-share/trend": OperationDoc(ANYONE),
    "POST /api/v1/municipalities/{slug}/innovation-targets": OperationDoc(
        "a decision maker of the municipality under its delegation order, or an officer or "
        "decision maker recording a board decision",
        ("no_delegation_order", "not_delegated", "municipality_suspended", "not_own_decision"),
    ),
    "POST /api/v1/projects": OperationDoc(
        "a decision maker of the caller's municipality under its delegation order, or an "
        "officer or decision maker recording a board decision; the caller's municipality "
        "coordinates the project",
        ("no_delegation_order", "not_delegated", "municipality_suspended"),
        "Establishing the project is the coordinator's decision (`establish_project`), in the "
        "decision log like any other.",
    ),
    "GET /api/v1/projects": OperationDoc(ANYONE),
    "GET /api/v1/projects/{project_id}": OperationDoc(
        ANYONE + "; a linked need's or procurement's title and status only to whoever may see "
        "it; `?version=` and `?as_of=` for auditors",
        ("not_yet_existing",),
    ),
    "PATCH /api/v1/projects/{project_id}": OperationDoc(COORDINATOR_OFFICER, ("no_change",)),
    "POST /api/v1/projects/{project_id}/partners": OperationDoc(
        COORDINATOR_OFFICER,
        ("is_coordinator", "already_invited", "already_partner", "project_full"),
        "A municipality of the network is invited and joins by its own decision; another "
        "organisation (university, region, agency) is recorded as a partner at once.",
    ),
    "POST /api/v1/projects/{project_id}/reference-group": OperationDoc(
        COORDINATOR_OFFICER, ("project_full",),
        "Members are organisations and what they bring, never named persons.",
    ),
    "DELETE /api/v1/projects/{project_id}/reference-group/{member_id}": OperationDoc(
        COORDINATOR_OFFICER
    ),
    "PUT /api/v1/projects/{project_id}/phases/{phase}": OperationDoc(
        COORDINATOR_OFFICER, ("no_change",),
    ),
    "POST /api/v1/projects/{project_id}/decisions": OperationDoc(
        "a decision maker of the deciding municipality, for itself, under its delegation order, "
        "or an officer or decision maker recording a board decision",
        ("not_own_decision", "wrong_state", "not_project_partner", "already_linked",
         "not_linked", "linked_work", "project_full", "project_decision_before_establishment",
         "unlink_before_link", "no_delegation_order", "not_delegated", "municipality_suspended"),
        "An invited municipality joins, declines or withdraws; a partner links its own needs "
        "(as owner) and procurements (as lead), and only it unlinks them.",
    ),
    "GET /api/v1/projects/{project_id}/history": OperationDoc(ANYONE + " but viewers"),
    "GET /api/v1/municipalities/{slug}/reports/annual/{year}": OperationDoc(
        "the municipality's officers, decision makers, tenant admins and auditors, and platform "
        "auditors",
        more="One report in three forms: JSON, CSV or PDF (`?format=` or `Accept`). Every "
        "procurement and decision in it links to its history; the procurements' credits add "
        "up to the year's figures.",
    ),
    "GET /api/v1/audit/reports/decisions": OperationDoc(
        AUDITOR + "; a platform auditor may name one municipality",
        more="The decisions taken in the period (`decided_at`, Stockholm calendar), each with "
        "its authority, ledger leaf index and RFC 9162 inclusion proof against the signed tree "
        "head the report carries (size, root, signature, key id, public key): the printed "
        "report can be verified later. JSON, CSV or PDF (`?format=` or `Accept`).",
    ),
    "GET /api/v1/projects/{project_id}/report": OperationDoc(
        ANYONE + " with a role, as the project itself; a linked need's or procurement's title, "
        "figures and results only to whoever may see it",
        more="The funder's report: project, funder, partners, reference group, phases with "
        "their activities (needs, procurements) and results (milestones, follow-ups), and the "
        "project's decisions with their authority. JSON, CSV or PDF (`?format=` or `Accept`).",
    ),
    "POST /api/v1/needs/{need_id}/market": OperationDoc(
        "a decision maker of the owning municipality under its delegation order, or an "
        "officer or decision maker recording a board decision",
        ("already_on_market", "not_on_market", "wrong_state", "no_delegation_order",
         "not_delegated", "valid_time_order", "municipality_suspended"),
        "`publish_to_market` opens the need's title, problem statement, innovation area, end "
        "users and `summary` to everyone without sign-in (`/api/open/v1/needs`); never its "
        "SWOT, workshops, scores or rationales. `withdraw_from_market` takes it back. Distinct "
        "from sharing with the network.",
    ),
    "GET /api/open/v1/needs": OperationDoc(
        NOBODY, more="Public data: `Cache-Control: public`, ETag and Last-Modified (304)."
    ),
    "GET /api/open/v1/needs/{need_id}": OperationDoc(
        NOBODY, more="A need that is not on the market answers 404."
    ),
    "GET /api/open/v1/feeds/needs.atom": OperationDoc(
        NOBODY, more="Atom 1.0; withdrawals are RFC 6721 tombstones; `next` links older entries."
    ),
    "GET /api/open/v1/feeds/procurements.atom": OperationDoc(
        NOBODY, more="Atom 1.0 of published procurements, each linking to its open OCDS record."
    ),
    "GET /api/open/v1/ocds/releases": OperationDoc(
        NOBODY, more="Published procurements only; tenderers only from the award on."
    ),
    "GET /api/open/v1/procurements/{procurement_id}/ocds/releases": OperationDoc(
        NOBODY, more="A procurement that is not published answers 404."
    ),
    "GET /api/open/v1/procurements/{procurement_id}/ocds/record": OperationDoc(
        NOBODY, more="A procurement that is not published answers 404."
    ),
    "GET /api/v1/audit/decisions": OperationDoc(AUDITOR),
    "GET /api/v1/procurements/{procurement_id}/ocds/releases": OperationDoc(
        "whoever may read the procurement; tenderers only after the award"
    ),
    "GET /api/v1/procurements/{procurement_id}/ocds/record": OperationDoc(
        "whoever may read the procurement; tenderers only after the award"
    ),
    "GET /api/v1/ocds/releases": OperationDoc(ANYONE),
    "GET /api/v1/needs/{need_id}/history": OperationDoc(
        "whoever may read the need, with the same redaction"
    ),
    "GET /api/v1/procurements/{procurement_id}/history": OperationDoc(
        "whoever may read the procurement, with the same redaction"
    ),
    "GET /api/v1/municipalities/{slug}/history": OperationDoc(
        "the municipality's own people and platform auditors"
    ),
    "GET /api/v1/audit/ledger/tree-head": OperationDoc(ANYONE),
    "GET /api/v1/audit/ledger/inclusion": OperationDoc(ANYONE),
    "GET /api/v1/audit/ledger/consistency": OperationDoc(ANYONE),
    "GET /api/v1/audit/ledger/public-key": OperationDoc(ANYONE),
    "GET /api/v1/audit/events": OperationDoc(AUDITOR),
    "GET /api/v1/people/{user_id}": OperationDoc(
        "the people of the caller's own municipality, which keeps its own entry for each of its "
        "members and former members; e-mail for the person and their admins"
    ),
    "PUT /api/v1/people/{user_id}": OperationDoc(
        "the person, or a tenant admin of the caller's own municipality (its own entry only)",
        ("person_erased",),
    ),
    "DELETE /api/v1/people/{user_id}": OperationDoc(
        "a tenant admin of the caller's own municipality, for its members and former members "
        "(its own entry only), or a platform admin"
    ),
    "GET /api/v1/parties/{party_id}": OperationDoc(
        "the staff of the municipality that recorded the sole trader, and platform auditors"
    ),
    "DELETE /api/v1/parties/{party_id}": OperationDoc(
        "a tenant admin of the municipality that recorded the sole trader, or a platform admin",
        more="Erases the personnummer and name; bids, awards and contracts then show the entry "
        "as erased.",
    ),
}


# Its answer holds a secret shown once, which is never stored (see service/api/idempotency.py).
NO_IDEMPOTENCY_KEY = {"POST /api/v1/municipalities/{slug}/tokens"}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    # The pattern of service/api/idempotency.py: a quoted string of printable characters
    # (no quote or backslash inside), or a bare token.
    "schema": {
        "type": "string",
        "pattern": r'^("[\x20-\x21\x23-\x5b\x5d-\x7e]{1,255}"|[A-Za-z0-9._~:+/=-]{1,255})$',
        "maxLength": 257,
        "example": '"8e03978e-40d5-43e8-bc93"',
    },
    "description": "Makes a retry safe (IETF httpapi draft): the same key with the same request "
    "answers the first answer again (`Idempotent-Replayed: true`) without a second write; the "
    "same key with another request is refused (422, /problems/idempotency-key-reused); a retry "
    "while the first still runs answers 409 (/problems/idempotency-key-in-use). Keys are kept "
    "24 hours per caller.",
}


def _response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}}


def _link(rule: str) -> str:
    slug = slug_of(rule)
    entry = PROBLEM_TYPES.get(slug)
    title = entry.title_en if entry else rule
    return f"[`{rule}`](/problems/{slug}) ({title})"


def describe(key: str, operation: dict[str, Any]) -> None:
    """Adds the description and the error answers of one operation (in place)."""
    doc = OPERATIONS.get(key)
    method, path = key.split(" ", 1)
    parts = [operation.get("summary", "").rstrip(".") + "."]
    if doc is not None:
        if doc.more:
            parts.append(doc.more)
        parts.append(f"**Who may call it:** {doc.who}.")
        if doc.refusals:
            parts.append("**Rules that can refuse it:** " + "; ".join(map(_link, doc.refusals)))
        if "wrong_state" in doc.refusals:
            parts.append(
                "A refusal that depends on the state names, in `next_steps`, the call that "
                "leads to a state that allows this one."
            )
    operation["description"] = "\n\n".join(p for p in parts if p)
    responses = operation.setdefault("responses", {})
    authenticated = path.startswith(API_PREFIX)
    versioned = any(
        p.get("in") == "header" and p.get("name") == "If-Match" and p.get("required")
        for p in operation.get("parameters", [])
        if isinstance(p, dict)
    )
    if authenticated:
        responses.setdefault(
            "401",
            _response(
                "No valid token (missing, unknown, expired or revoked): /problems/unauthorized"
            ),
        )
        responses.setdefault(
            "429",
            _response(
                "Too many failed authentications for this token id or from this address; "
                "wait `Retry-After` seconds: /problems/too-many-requests"
            ),
        )
        if method.lower() in COMMAND_METHODS or "{" in path:
            responses.setdefault(
                "404",
                _response("Unknown, or another municipality's private object: /problems/not-found"),
            )
    if versioned:
        responses.setdefault(
            "428", _response('`If-Match: "<version>"` is missing: /problems/precondition-required')
        )
        responses.setdefault(
            "412",
            _response(
                "`If-Match` names an old version; the answer gives `current_version`: "
                "/problems/version-mismatch"
            ),
        )
    if not authenticated and operation.get("security") == [] and method.lower() == "get":
        # Open data: conditional requests, and objects that are not (or no longer) public.
        responses.setdefault("304", {"description": "Not Modified (If-None-Match matched)"})
        if "{" in path:
            responses.setdefault(
                "404", _response("Not published (or unknown): /problems/not-found")
            )
    if authenticated and method.lower() in COMMAND_METHODS and key not in NO_IDEMPOTENCY_KEY:
        operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
        responses.setdefault(
            "422", _response("Invalid input, or an Idempotency-Key used for another request")
        )
    if authenticated and method.lower() in COMMAND_METHODS:
        rules = ", ".join(f"`{r}`" for r in doc.refusals) if doc and doc.refusals else ""
        conflict = (
            "A rule refuses it now" + (f" ({rules})" if rules else "")
            + (", or another writer saved the object in between" if versioned else "")
            + ": see the problem's `type` page"
        )
        responses.setdefault("409", _response(conflict))
        responses.setdefault(
            "403", _response("The caller's role may not do this: /problems/forbidden")
        )


class OperationDocsPlugin(BasePlugin):
    """Runs after flask-smorest filled in an operation: adds its description and error answers."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None,
                         **kwargs: Any) -> None:  # fmt: skip
        for method, operation in (operations or {}).items():
            if isinstance(operation, dict):
                describe(f"{method.upper()} {path}", operation)
