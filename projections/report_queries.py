"""Reading the views for reports: the rows behind a figure, not only the figure.

A report shows each figure with the procurements and decisions it is made of, so every number
can be traced to its decisions. These reads answer those rows from the views' own tables, each
with the log position its view reflected (read in the same statement, as `queries` does).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.innovation_share import COUNTS, METRICS, credits
from eventstore.sql import SqlStore
from projections.queries import InvalidQuery, _ensure, _read, view_position
from projections.values import from_json, sek
from projections.views.innovation_share import VIEW_NAME as SHARE_VIEW
from projections.views.innovation_share import facts_of

Row = dict[str, Any]


def _tracked(store: SqlStore, view: str, inner: str, params: list[Any]) -> tuple[list[Row], int]:
    """The rows of `inner` and the position of `view`, from one snapshot."""
    _ensure(store, view)
    found = _read(
        store,
        "SELECT t.position AS view_position, v.* FROM projection_tracking t"
        f" LEFT JOIN ({inner}) v ON 1 = 1 WHERE t.name = ?",
        [*params, view],
    )
    position = int(found[0]["view_position"]) if found else 0
    return found, position


def share_credits_by_procurement(
    store: SqlStore, municipality: str, year: int
) -> tuple[list[Row], int]:
    """Every procurement that adds to `municipality`'s innovation share in `year` (started or
    contracted in it), with exactly what it credits there by the definition
    (`domain.innovation_share.credits`): the rows add up to the view's row for that
    municipality and year. Answers the rows (by procurement id) and the view's position."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidQuery("year: a year", field="year")
    found, position = _tracked(
        store,
        SHARE_VIEW,
        "SELECT * FROM share_procurements WHERE started_year = ? OR contracted_year = ?",
        [year, year],
    )
    rows: list[Row] = []
    for row in found:
        if row["procurement_id"] is None:
            continue
        facts = facts_of({**row, "partners": from_json(row["partners"])})
        if facts is None:
            continue
        credited = credits(facts).get((municipality, year))
        if not credited:
            continue
        figures = {
            metric: int(credited.get(metric, 0)) if metric in COUNTS
            else sek(credited.get(metric, 0))
            for metric in METRICS
        }
        rows.append({
            "procurement_id": row["procurement_id"],
            "lead": facts.lead,
            "innovation": facts.innovation,
            "partners": [name for name, _ in facts.partners],
            "started_year": facts.started_year,
            "contracted_year": facts.contracted_year,
            **figures,
        })
    rows.sort(key=lambda r: r["procurement_id"])
    return rows, position


def tenant_objects(
    store: SqlStore, municipality: str, ids: Iterable[str]
) -> tuple[dict[str, Row], int]:
    """The needs and procurements among `ids` that `municipality` owns, co-owns, leads or was
    invited to, as its own lists show them (title, status, relation): what its people may read.
    Answers them by id, with the tenant index's position."""
    wanted = sorted({str(i) for i in ids})
    if not wanted:
        _ensure(store, "tenant_index")
        return {}, view_position(store, "tenant_index")
    marks = ",".join("?" * len(wanted))
    inner = (
        "SELECT 'procurement' AS kind, p.procurement_id AS id, p.title, p.status, p.procedure,"
        " p.lead, m.relation, m.participation FROM tenant_procurements p"
        " JOIN tenant_procurement_members m ON m.id = p.procurement_id"
        f" WHERE m.municipality = ? AND p.procurement_id IN ({marks})"
        " UNION ALL"
        " SELECT 'need' AS kind, n.need_id AS id, n.title, n.status, NULL AS procedure,"
        " n.owner AS lead, m.relation, NULL AS participation FROM tenant_needs n"
        " JOIN tenant_need_members m ON m.id = n.need_id"
        f" WHERE m.municipality = ? AND n.need_id IN ({marks})"
    )
    found, position = _tracked(
        store, "tenant_index", inner, [municipality, *wanted, municipality, *wanted]
    )
    objects = {
        row["id"]: {
            "kind": row["kind"],
            "title": row["title"],
            "status": row["status"],
            "procedure": row["procedure"],
            "lead": row["lead"],
            "relation": row["relation"],
            "participation": row["participation"],
        }
        for row in found
        if row.get("id") is not None
    }
    return objects, position
