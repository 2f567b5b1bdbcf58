"""The auditor's report (revisionsrapport): the decisions of a period, each with its authority
and the proof that it is in the signed record.

For each decision taken in the period (by `decided_at`, Stockholm calendar): who took it, under
which authority, and its event's leaf in the ledger with an RFC 9162 inclusion proof against
one signed tree head, which the report carries whole (size, root, timestamp, Ed25519 signature,
key id and public key). So the printed report can be checked later, with nothing but SHA-256
and Ed25519, against the events (export, audit event stream) and against any later tree head
(consistency proof).

Auditors only: a municipality's auditor gets its decision log (the decisions on its objects and
those it took), a platform auditor the network's or one municipality's; each row as the decision
log shows it to them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.errors import InvalidValue
from eventstore.sql import SqlStore
from service.audit.decision_log import require_decision_log_reader
from service.audit.proofs import current_ledger
from service.errors import Forbidden
from service.ledger.ledger import Ledger
from service.ledger.signing import TreeHead
from service.principal import Principal
from service.reports.document import Column, Fact, Report, Table
from service.reports.labels import DECISION_TYPES_SV, ROLES_SV, named
from service.reports.reading import decisions_in, period_bounds

API = "/api/v1"
COLLECTIONS = {"need": "needs", "procurement": "procurements", "municipality": "municipalities"}


def auditor_report(
    app: Any,
    store: SqlStore,
    principal: Principal,
    *,
    period_from: date,
    period_until: date,
    municipality: str | None = None,
) -> Report:
    require_decision_log_reader(principal)
    scope = _scope(app, principal, municipality)
    if period_until < period_from:
        raise InvalidValue("until: the period ends before it begins", field="until")
    start, end = period_bounds(period_from, period_until)
    rows, position = decisions_in(
        app, store, principal, scope=scope, too_many_field="from",
        decided_from=start, decided_until=end,
    )
    ledger = current_ledger(app, principal)
    head, leaves = _signed_leaves(ledger, [row["position"] for row in rows])
    decisions = [_decision_item(row, ledger, head, leaves[row["position"]]) for row in rows]
    body: dict[str, Any] = {
        "report": "auditor",
        "scope": scope,
        "period": {"from": period_from.isoformat(), "until": period_until.isoformat()},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tree_head": {**head.to_json(), "public_key_pem": ledger.public_key_pem()},
        "decisions": decisions,
        "sources": {"decision_log": position, "ledger": head.tree_size},
        "verification": VERIFICATION,
    }
    who = scope or "natverket"
    return Report(
        kind="auditor",
        title="Revisionsrapport: beslut och bevis",
        subtitle=f"{_scope_name(app, principal, scope)}, {period_from.isoformat()} – "
        f"{period_until.isoformat()}",
        filename=f"revisionsrapport-{who}-{period_from.isoformat()}-{period_until.isoformat()}",
        body=body,
        facts=_facts(body),
        tables=_tables(body),
        notes=NOTES,
        generated_at=body["generated_at"],
        sources={"decision_log": position},
    )


def _scope(app: Any, principal: Principal, municipality: str | None) -> str | None:
    if principal.is_platform_auditor:
        if municipality is not None:
            app.municipality(principal, municipality)  # 404 for an unknown one
        return municipality
    if municipality not in (None, principal.municipality):
        raise Forbidden("a municipality's auditor reports on its own municipality's decisions")
    return principal.municipality


def _scope_name(app: Any, principal: Principal, scope: str | None) -> str:
    if scope is None:
        return "Hela nätverket"
    found = app.municipality(principal, scope)
    return f"{found.name} ({found.organisation_number})"


def _signed_leaves(ledger: Ledger, positions: list[int]) -> tuple[TreeHead, dict[int, int]]:
    """The signed tree head and the leaf of each position under it. The ledger was brought up
    to the safe head, which the decision log never passes; a second catch-up covers a runner
    that signed in between."""
    for _attempt in range(2):
        head = ledger.tree_head()
        leaves = ledger.leaf_indexes_of(positions)
        if all(p in leaves and leaves[p] < head.tree_size for p in positions):
            return head, leaves
        ledger.catch_up()
    missing = [p for p in positions if p not in leaves]
    raise RuntimeError(f"the ledger does not hold the decisions at positions {missing[:5]}")


def _decision_item(
    row: dict[str, Any], ledger: Ledger, head: TreeHead, leaf_index: int
) -> dict[str, Any]:
    proof = ledger.inclusion(leaf_index, head.tree_size)
    if proof.root_hash != head.root_hash or proof.leaf.position != row["position"]:
        raise RuntimeError(f"the proof of leaf {leaf_index} does not reach the signed root")
    kind = str(row["aggregate_type"]).lower()
    object_id = row["tenant"] if kind == "municipality" else row["aggregate_id"]
    path = f"{API}/{COLLECTIONS.get(kind, kind + 's')}/{object_id}"
    return {
        "position": row["position"],
        "leaf_index": leaf_index,
        "leaf_hash": proof.leaf.leaf_hash.hex(),
        "inclusion_path": [node.hex() for node in proof.inclusion_path],
        "aggregate_type": row["aggregate_type"],
        "aggregate_id": row["aggregate_id"],
        "aggregate_version": row["aggregate_version"],
        "event_type": row["event_type"],
        "tenant": row["tenant"],
        "decision_type": row["decision_type"],
        "decision_type_sv": named(DECISION_TYPES_SV, row["decision_type"]),
        "decided_at": row["decided_at"],
        "recorded_at": row["recorded_at"],
        "decided_by": row.get("decided_by"),
        "roles": row.get("roles"),
        "municipality": row["municipality"],
        "authority": row.get("authority"),
        "authority_sv": authority_text(row.get("authority")),
        "rationale": row.get("rationale"),
        "value_sek": row.get("value_sek"),
        "link": path,
        "history": f"{path}/history",
    }


def authority_text(authority: Any) -> str | None:
    """The authority a decision rests on, in Swedish, as a line of the report."""
    if not isinstance(authority, dict):
        return None
    kind = authority.get("kind")
    if kind == "delegation":
        role = named(ROLES_SV, authority.get("role")) or "–"
        return (f"Delegation: punkt {authority.get('rule_id')}, delegationsordning version "
                f"{authority.get('order_version')}, {role.lower()}")
    if kind == "board":
        meeting = authority.get("meeting_date")
        held = f", sammanträde {meeting}" if meeting else ""
        return f"{authority.get('body')}{held}, {authority.get('minutes_reference')}"
    if kind == "role":
        roles = ", ".join(named(ROLES_SV, r) or r for r in authority.get("roles") or [])
        return f"Egen roll: {roles.lower()}"
    return str(authority)


def _facts(body: dict[str, Any]) -> tuple[Fact, ...]:
    head = body["tree_head"]
    return (
        Fact("Omfattning", body["scope"] or "hela nätverket"),
        Fact("Period (beslutsdag)", f"{body['period']['from']} – {body['period']['until']}"),
        Fact("Antal beslut", len(body["decisions"]), "count"),
        Fact("Signerat trädhuvud: storlek (antal händelser)", head["tree_size"], "count"),
        Fact("Signerat trädhuvud: rothash (SHA-256)", head["root_hash"], "code"),
        Fact("Signerat trädhuvud: tidpunkt", head["timestamp"], "datetime"),
        Fact("Signerat trädhuvud: tidpunkt (ms)", head["timestamp_ms"], "code"),
        Fact("Signatur (Ed25519, base64)", head["signature"], "code"),
        Fact("Nyckel-id (SHA-256 av nyckeln)", head["key_id"], "code"),
        Fact("Publik nyckel (PEM)", head["public_key_pem"].strip().splitlines(), "lines"),
    )


def _tables(body: dict[str, Any]) -> tuple[Table, ...]:
    return (
        Table(
            "decisions",
            "Beslut under perioden",
            (
                Column("decided_at", "Beslutat", "datetime"),
                Column("recorded_at", "Registrerat", "datetime"),
                Column("decision_type_sv", "Beslut"),
                Column("municipality", "Kommun"),
                Column("decided_by", "Beslutsfattare", "code"),
                Column("authority_sv", "Befogenhet"),
                Column("value_sek", "Belopp (kr)", "money"),
                Column("rationale", "Motivering"),
                Column("aggregate_id", "Objekt", "code"),
                Column("position", "Loggposition"),
                Column("leaf_index", "Lövindex"),
            ),
            body["decisions"],
            note="Varje beslut med den befogenhet det vilar på och dess plats i den signerade "
            "loggen (lövindex i Merkleträdet).",
        ),
        Table(
            "proofs",
            "Inklusionsbevis mot det signerade trädhuvudet",
            (
                Column("leaf_index", "Lövindex"),
                Column("position", "Loggposition"),
                Column("aggregate_version", "Version"),
                Column("leaf_hash", "Lövhash (SHA-256)", "code"),
                Column("inclusion_path", "Inklusionsväg (RFC 9162, nedifrån och upp)", "lines"),
            ),
            body["decisions"],
            note="Lövhash och inklusionsväg räcker för att räkna fram rothashen ovan.",
            dense=True,
        ),
    )


VERIFICATION = {
    "tree_head_signature": "Ed25519 (RFC 8032) over RFC 9162 TreeHeadDataV2: timestamp_ms "
    "(uint64) || tree_size (uint64) || 0x20 || root_hash (32 bytes) || 0x0000; key_id is the "
    "hex SHA-256 of the public key's DER SubjectPublicKeyInfo",
    "leaf_hash": "SHA-256(0x00 || LedgerEntry) of the decision's stored event (service/ledger/"
    "README.md): recompute it from the event (GET /api/v1/audit/events, or an export)",
    "inclusion": "RFC 9162 §2.1.3.2 with leaf_hash, leaf_index, tree_size and inclusion_path "
    "must give root_hash",
    "later": "GET /api/v1/audit/ledger/consistency?first=<tree_size>&second=<a later size> "
    "proves that a later tree head extends this one",
}
NOTES = (
    "Så kontrolleras rapporten: (1) Signaturen är Ed25519 över RFC 9162 TreeHeadDataV2 "
    "(tidpunkt i ms, storlek, 0x20, rothash, 0x0000) med den publika nyckeln; nyckel-id är "
    "SHA-256 av nyckelns DER-kodning. (2) Varje besluts lövhash är SHA-256 av 0x00 följt av "
    "den lagrade händelsens kodning (se tjänstens dokumentation av revisionsloggen); den kan "
    "räknas fram på nytt ur händelsen. (3) Lövhash, lövindex och inklusionsväg ger rothashen "
    "enligt RFC 9162 avsnitt 2.1.3.2. (4) Att ett senare trädhuvud bygger vidare på detta "
    "visas med ett konsistensbevis (/api/v1/audit/ledger/consistency).",
    "Verktyg: innoledger audit verify --remote URL --token TOKEN --tree-head FIL kontrollerar "
    "hela loggen mot ett sparat trädhuvud utan att lita på tjänsten.",
)
