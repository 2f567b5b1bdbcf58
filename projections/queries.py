"""Reading the views: filters, cursor paging, read-your-writes and lag.

Every list answers a `Page`: the rows, an opaque cursor for the next page (None on the last),
and the log position the view reflected when it answered. A view that stores its rows' API form
(the network needs catalogue) answers the stored texts instead, decoded only if someone asks for
the rows, so that serving a page need not touch the rows one by one.

Each page is read by ONE statement that joins the view's tracking row, so rows and position
come from the same snapshot on PostgreSQL (where each statement of a READ COMMITTED transaction
has its own) and on SQLite alike, also while a rebuild swaps the tables.

Order is stable and collation-free where it matters (log positions, years), and the cursor
carries the last row's sort key, so paging neither skips nor repeats rows that stay put.
The needs' text search uses each database's own Swedish full-text index (see
projections/swedish_text.py), and also finds a term as written (LIKE over folded text).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from eventsourcing.persistence import ApplicationRecorder, OperationalError

from domain.decisions import DECISION_TYPES
from domain.innovation_areas import SHARED_AREAS
from domain.innovation_share import COUNTS, METRICS, NETWORK, TARGET_MEASURES, add_credits
from domain.need import NEED_STATES
from domain.procurement import PROCEDURES, PROCUREMENT_STATES
from eventstore.sql import SqlStore
from projections import swedish_text, tracking
from projections.db import POSTGRES, table_exists
from projections.registry import all_projections, projection_named
from projections.runner import ensure_tables, head_position
from projections.values import fold, from_json, like_escape, micros, rfc3339, sek
from projections.views.api_text import render
from projections.views.innovation_share import VIEW_NAME as SHARE_VIEW
from projections.views.procurement_portfolio import VALUE_BANDS

DEFAULT_LIMIT = 50
# The decision log also records the admins' grants and revocations of roles.
LOGGED_DECISION_TYPES = (*DECISION_TYPES, "grant_role", "revoke_role")
MAX_LIMIT = 200
MAX_SEARCH_TERMS = 10
Row = dict[str, Any]
_Read = TypeVar("_Read")


class InvalidQuery(ValueError):
    """A filter, limit or cursor the caller got wrong (answer 422)."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.field = field


class NotInView(LookupError):
    """The object is not in the view (answer 404): absent, private, or not published."""


class Page:
    """A page of a view: its rows, the cursor of the next page and the position it reflects.

    Made either of rows or of `texts`, the rows' API form as JSON text (see
    `projections.views.network_needs`); `rows` then decodes the texts when first asked for.
    """

    __slots__ = ("_rows", "next_cursor", "position", "texts")

    def __init__(
        self,
        rows: list[Row] | None,
        next_cursor: str | None,
        position: int,  # the log position the view reflects
        *,
        texts: list[str] | None = None,
    ):
        if (rows is None) == (texts is None):
            raise ValueError("a page is made of rows or of texts")
        self._rows = rows
        self.texts = texts
        self.next_cursor = next_cursor
        self.position = position

    @property
    def rows(self) -> list[Row]:
        if self._rows is None:
            self._rows = [json.loads(text) for text in self.texts or ()]
        return self._rows

    def __len__(self) -> int:
        """How many rows, without decoding stored texts."""
        return len(self.texts if self.texts is not None else self.rows)

    def __repr__(self) -> str:
        return f"<Page of {len(self)} at {self.position}, next {self.next_cursor!r}>"


# Plumbing

_ready: weakref.WeakKeyDictionary[SqlStore, set[str]] = weakref.WeakKeyDictionary()


def _ensure(store: SqlStore, name: str) -> None:
    """Creates the view's tables on first use, so a web process answers (empty, position 0)
    before any runner has started."""
    done = _ready.setdefault(store, set())
    if name not in done:
        ensure_tables(store, projection_named(name))
        done.add(name)


def _read(store: SqlStore, statement: str, params: Sequence[Any]) -> list[Row]:
    return _again_if_dropped(lambda: store.select(statement, params))


def _read_tuples(
    store: SqlStore, statement: str, params: Sequence[Any]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    return _again_if_dropped(lambda: store.select_tuples(statement, params))


def _again_if_dropped(read: Callable[[], _Read]) -> _Read:
    attempts = 3
    for attempt in range(attempts):
        try:
            return read()
        except OperationalError:
            # A deadlock with a rebuild's swap (PostgreSQL picks one side) or a dropped
            # connection: reading again is always safe.
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery(f"limit: from 1 to {MAX_LIMIT}", field="limit")
    return limit


def encode_cursor(view: str, key: Sequence[Any]) -> str:
    raw = json.dumps([view, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, view: str, types: Sequence[type]) -> list[Any]:
    if not isinstance(cursor, str) or len(cursor) > 500:
        raise InvalidQuery("cursor: not a cursor this list gave out", field="cursor")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidQuery("cursor: not a cursor this list gave out", field="cursor") from None
    if (
        not isinstance(decoded, list)
        or len(decoded) != len(types) + 1
        or decoded[0] != view
        or not all(
            isinstance(value, kind) and not isinstance(value, bool)
            for value, kind in zip(decoded[1:], types, strict=True)
        )
    ):
        raise InvalidQuery("cursor: not a cursor this list gave out", field="cursor")
    return decoded[1:]


class _Where:
    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def one_of(self, column: str, values: str | Sequence[str] | None, allowed: Sequence[str],
               field: str) -> None:
        if values is None:
            return
        chosen = [values] if isinstance(values, str) else list(values)
        unknown = [value for value in chosen if value not in allowed]
        if unknown or not chosen:
            raise InvalidQuery(f"{field}: one or more of {', '.join(allowed)}", field=field)
        self.add(f"{column} IN ({','.join('?' * len(chosen))})", *chosen)

    def sql(self) -> str:
        return (" WHERE " + " AND ".join(self.clauses)) if self.clauses else ""


def _page(
    store: SqlStore,
    view: str,
    inner: str,
    params: Sequence[Any],
    *,
    order: str,
    limit: int,
    key_column: str,
    key_of: Callable[[Row], list[Any]],
    shape: Callable[[Row], dict[str, Any]] | None = None,
    text_column: str | None = None,
    cursor_tag: str | None = None,
) -> Page:
    """Runs `inner` (a SELECT ending in `LIMIT ?`) joined to the view's tracking row.
    Each row is answered as `shape` makes it, or as the API text stored in `text_column`.
    `cursor_tag` names the list in its cursors (default: the view)."""
    _ensure(store, view)
    statement = (
        "SELECT t.position AS view_position, v.* FROM projection_tracking t"
        f" LEFT JOIN ({inner}) v ON 1 = 1 WHERE t.name = ? ORDER BY {order}"
    )
    if text_column is not None:
        # Only a few columns of each row are needed: rows as tuples, no dictionary each.
        names, tuples = _read_tuples(store, statement, [*params, limit + 1, view])
        at_key, at_text = names.index(key_column), names.index(text_column)
        position = int(tuples[0][names.index("view_position")]) if tuples else 0
        kept = [row for row in tuples if row[at_key] is not None]
        more = len(kept) > limit
        kept = kept[:limit]
        next_cursor = (
            encode_cursor(cursor_tag or view, key_of(dict(zip(names, kept[-1], strict=True))))
            if more
            else None
        )
        return Page(None, next_cursor, position, texts=[row[at_text] for row in kept])
    found = _read(store, statement, [*params, limit + 1, view])
    position = int(found[0]["view_position"]) if found else 0
    rows = [row for row in found if row[key_column] is not None]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(cursor_tag or view, key_of(rows[-1])) if more else None
    if shape is None:
        raise TypeError("_page: shape or text_column")
    return Page([shape(row) for row in rows], next_cursor, position)


def _text_terms(q: str | None) -> list[str]:
    if q is None:
        return []
    if not isinstance(q, str) or len(q) > 200:
        raise InvalidQuery("q: text of at most 200 characters", field="q")
    terms = fold(q).split()
    if len(terms) > MAX_SEARCH_TERMS:
        raise InvalidQuery(f"q: at most {MAX_SEARCH_TERMS} words", field="q")
    return terms


def _instant(value: datetime | None, field: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidQuery(f"{field}: a date-time with an offset (RFC 3339)", field=field)
    return micros(value)


def _seq_cursor(where: _Where, column: str, view: str, cursor: str | None) -> None:
    """Newest first by log position of the row's first event."""
    if cursor is not None:
        (seq,) = decode_cursor(cursor, view, (int,))
        where.add(f"{column} < ?", seq)


# Network needs catalogue (rows answer their stored API form, `network_needs.api`)


def list_network_needs(
    store: SqlStore,
    *,
    area: str | None = None,
    innovation_area_id: str | None = None,
    status: str | Sequence[str] | None = None,
    owner: str | None = None,
    municipality: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """Shared needs, newest first. `area` is an innovation area's name (any municipality's,
    compared case-insensitively); `municipality` matches owners and co-owners; `q` must find
    every word in the title or problem statement, in any of its Swedish forms (the database's
    full-text search), or as written in the title, problem statement or area name."""
    where = _Where()
    if area is not None:
        where.add("area_key = ?", fold(area))
    if innovation_area_id is not None:
        where.add("innovation_area_id = ?", innovation_area_id)
    where.one_of("status", status, NEED_STATES, "status")
    if owner is not None:
        where.add("owner = ?", owner)
    if municipality is not None:
        where.add(
            "(owner = ? OR co_owners LIKE ? ESCAPE '!')",
            municipality,
            f'%{like_escape(json.dumps(municipality))}%',
        )
    for term in _text_terms(q):
        # A word is found in any Swedish form by the full-text index (äldreboenden finds
        # äldreboendet), and any term also as it is written (codes, numbers, "100%").
        literal = ("search_text LIKE ? ESCAPE '!'", [f"%{like_escape(term)}%"])
        stemmed = _text_search(store, swedish_text.keys(term), every=True)
        if stemmed is None:
            where.add(literal[0], *literal[1])
        else:
            where.add(f"({literal[0]} OR {stemmed[0]})", *literal[1], *stemmed[1])
    _seq_cursor(where, "seq", "network_needs", cursor)
    return _page(
        store,
        "network_needs",
        f"SELECT need_id, seq, api FROM network_needs{where.sql()} ORDER BY seq DESC LIMIT ?",
        where.params,
        order="v.seq DESC",
        limit=_limit(limit),
        key_column="need_id",
        key_of=lambda row: [row["seq"]],
        text_column="api",
    )


def _text_search(
    store: SqlStore, prefixes: set[str], *, every: bool, column: str = "seq"
) -> tuple[str, list[Any]] | None:
    """A condition on `column` (a need's seq) that holds for the shared needs whose text has
    every (or any) of these stem prefixes, by the database's own full-text index; None when
    there is nothing to search for."""
    if not prefixes:
        return None
    if store.dialect == POSTGRES:
        return (
            f"{column} IN (SELECT seq FROM network_need_search"
            " WHERE document @@ CAST(? AS tsquery))",
            [swedish_text.tsquery(prefixes, every=every)],
        )
    return (
        f"{column} IN (SELECT rowid FROM network_need_search WHERE network_need_search MATCH ?)",
        [swedish_text.fts5_query(prefixes, every=every)],
    )


def _relevance(store: SqlStore, prefixes: set[str]) -> tuple[str, list[Any]]:
    """A sub-select of (seq, relevance) for the needs matching any prefix: the database's own
    ranking (ts_rank on PostgreSQL, FTS5's bm25 on SQLite), larger is more relevant."""
    if store.dialect == POSTGRES:
        query = swedish_text.tsquery(prefixes, every=False)
        return (
            "SELECT seq, ts_rank(document, CAST(? AS tsquery)) AS relevance"
            " FROM network_need_search WHERE document @@ CAST(? AS tsquery)",
            [query, query],
        )
    return (
        "SELECT rowid AS seq, -bm25(network_need_search) AS relevance"
        " FROM network_need_search WHERE network_need_search MATCH ?",
        [swedish_text.fts5_query(prefixes, every=False)],
    )


# Shared words weigh nine tenths, the same area one tenth: two needs with no word in common
# score at most 0.1 even in one area.
TEXT_WEIGHT = Decimal("0.9")
AREA_WEIGHT = Decimal("0.1")
# From this share of words in common (Dice, after stemming), a municipality working on the
# compared need is told it might co-own the other one.
SUGGEST_CO_OWNERSHIP_AT = Decimal("0.3")


def similar_network_needs(
    store: SqlStore,
    need_id: str,
    *,
    viewer: str | None = None,
    limit: int = 20,
) -> Page:
    """Shared needs of other municipalities like this need, most alike first.

    Alike by what the problem statements and titles say, in Swedish: the database's full-text
    index finds the shared needs with any of the subject's word stems (or in its area), and
    the score is 0.9 × the words in common (Sørensen–Dice over stems, 0 to 1) + 0.1 if the
    area is the same. Each row says why under `similarity`, and whether `viewer` (a
    municipality that owns or co-owns the subject) might co-own the other need. Private
    needs are never compared with, as only shared ones are indexed. Raises NotInView for a
    need that is not shared.
    """
    limit = _limit(limit)
    _ensure(store, "network_needs")
    subject = _catalogued_subject(store, str(need_id))
    subject_keys = swedish_text.keys(f"{subject.title}\n{subject.problem_statement}")
    # Needs in the subject's area, and needs with any of its stems by the full-text index.
    matched, matched_params = "0 = 1", list[Any]()
    relevance, relevance_params = "SELECT NULL AS seq, NULL AS relevance", list[Any]()
    found_by_text = _text_search(store, subject_keys, every=False, column="o.seq")
    if found_by_text is not None:
        matched, matched_params = found_by_text
        relevance, relevance_params = _relevance(store, subject_keys)
    found = _read(
        store,
        "SELECT t.position AS view_position, o.need_id, o.seq, o.owner, o.co_owners,"
        " o.area_key, o.title, o.problem_statement, o.api, r.relevance"
        " FROM projection_tracking t"
        f" LEFT JOIN (network_needs o LEFT JOIN ({relevance}) r ON r.seq = o.seq)"
        f" ON o.need_id <> ? AND o.owner <> ? AND (o.area_key = ? OR {matched})"
        " WHERE t.name = ?",
        [*relevance_params, subject.need_id, subject.owner, subject.area_key, *matched_params,
         "network_needs"],
    )
    working_on_subject = viewer is not None and (
        viewer == subject.owner or viewer in subject.co_owners
    )
    scored = []
    for row in found:
        if row["need_id"] is None:
            continue
        other_keys = swedish_text.keys(f"{row['title']}\n{row['problem_statement']}")
        text = Decimal(str(swedish_text.dice(subject_keys, other_keys))).quantize(
            Decimal("0.0001")
        )
        same_area = bool(subject.area_key) and row["area_key"] == subject.area_key
        score = TEXT_WEIGHT * text + (AREA_WEIGHT if same_area else Decimal(0))
        if not score:  # found by a longer word that only begins like one of the subject's
            continue
        co_owners = set(from_json(row["co_owners"]))
        suggest = (
            working_on_subject
            and text >= SUGGEST_CO_OWNERSHIP_AT
            and viewer != row["owner"]
            and viewer not in co_owners
        )
        rank = float(row["relevance"] or 0)
        scored.append((score, rank, row["seq"], row, {
            "score": str(score.quantize(Decimal("0.0001"))),
            "text_score": str(text),
            "same_area": same_area,
            "common_stems": sorted(subject_keys & other_keys),
            "suggest_co_ownership": suggest,
            "co_ownership_with": row["owner"] if suggest else None,
        }))
    scored.sort(key=lambda item: (-item[0], -item[1], -item[2]))
    # Each row's stored form with `similarity` added as its last member, as
    # {**row, "similarity": ...} would serialise.
    texts = [
        row["api"][:-1] + ',"similarity":' + render(similarity) + "}"
        for _, _, _, row, similarity in scored[:limit]
    ]
    return Page(None, None, int(found[0]["view_position"]) if found else 0, texts=texts)


@dataclass(frozen=True)
class _Subject:
    need_id: str
    title: str
    problem_statement: str
    area_key: str
    owner: str
    co_owners: tuple[str, ...]


def _catalogued_subject(store: SqlStore, need_id: str) -> _Subject:
    rows = _read(
        store,
        "SELECT need_id, owner, co_owners, title, problem_statement, area_key"
        " FROM network_needs WHERE need_id = ?",
        [need_id],
    )
    if not rows:
        raise NotInView(f"no shared need {need_id}")
    row = rows[0]
    return _Subject(
        need_id=row["need_id"],
        title=row["title"],
        problem_statement=row["problem_statement"],
        area_key=row["area_key"],
        owner=row["owner"],
        co_owners=tuple(from_json(row["co_owners"])),
    )


def network_need_areas(store: SqlStore) -> Page:
    """Innovation areas with shared needs, side by side across municipalities: for each area
    name, which municipalities share needs in it and how many. Areas shared by most
    municipalities come first; those with two or more are where the network can meet."""
    _ensure(store, "network_needs")
    found = _read(
        store,
        "SELECT t.position AS view_position, v.area_key, v.area_name, v.owner, v.needs"
        " FROM projection_tracking t LEFT JOIN (SELECT area_key, area_name, owner,"
        " COUNT(*) AS needs FROM network_needs GROUP BY area_key, area_name, owner) v ON 1 = 1"
        " WHERE t.name = ?",
        ["network_needs"],
    )
    areas: dict[str, dict[str, Any]] = {}
    for row in found:
        if row["area_key"] is None:
            continue
        area = areas.setdefault(row["area_key"], {"names": {}, "municipalities": {}})
        area["names"][row["area_name"]] = area["names"].get(row["area_name"], 0) + row["needs"]
        by = area["municipalities"]
        by[row["owner"]] = by.get(row["owner"], 0) + int(row["needs"])
    rows = []
    for area in areas.values():
        name = min(area["names"], key=lambda n: (-area["names"][n], n))
        municipalities = [
            {"municipality": slug, "needs": count}
            for slug, count in sorted(area["municipalities"].items())
        ]
        rows.append({
            "area_name": name,
            "municipality_count": len(municipalities),
            "need_count": sum(m["needs"] for m in municipalities),
            "municipalities": municipalities,
        })
    rows.sort(key=lambda r: (-r["municipality_count"], -r["need_count"], r["area_name"]))
    position = int(found[0]["view_position"]) if found else 0
    return Page(rows, None, position)


# Innovation areas: the shared catalogue and the areas municipalities added


def list_innovation_areas(store: SqlStore, municipality: str | None) -> Page:
    """The areas a municipality files its needs under and sees: the network's shared catalogue
    first (the same for everyone, from the day a municipality joins), then its own areas
    (private or not, retired ones marked) and the areas other municipalities made visible to
    the network, by name. Without a municipality (platform readers): shared and network ones."""
    _ensure(store, "innovation_areas")
    found = _read(
        store,
        "SELECT t.position AS view_position, a.area_id, a.municipality, a.name, a.description,"
        " a.visibility, a.retired FROM projection_tracking t"
        " LEFT JOIN innovation_areas a ON (a.municipality = ?"
        "  OR (a.visibility = 'network' AND a.retired = 0))"
        " WHERE t.name = ?",
        [municipality, "innovation_areas"],
    )
    rows: list[dict[str, Any]] = [
        {
            "id": area.id,
            "name": area.name,
            "description": area.description,
            "scope": "shared",
            "municipality": None,
            "visibility": "network",
            "retired": False,
        }
        for area in SHARED_AREAS
    ]
    added = [row for row in found if row["area_id"] is not None]
    added.sort(key=lambda r: (r["municipality"] != municipality, fold(r["name"]), r["area_id"]))
    rows.extend(
        {
            "id": row["area_id"],
            "name": row["name"],
            "description": row["description"],
            "scope": "own" if row["municipality"] == municipality else "network",
            "municipality": row["municipality"],
            "visibility": row["visibility"],
            "retired": bool(row["retired"]),
        }
        for row in added
    )
    position = int(found[0]["view_position"]) if found else 0
    return Page(rows, None, position)


# Procurement portfolio

# Each row's API form is stored with it (projections/views/procurement_portfolio.py).
_PORTFOLIO_SELECT = "procurement_id, seq, api"


def list_portfolio(
    store: SqlStore,
    *,
    status: str | Sequence[str] | None = None,
    procedure: str | Sequence[str] | None = None,
    innovation: bool | None = None,
    lead: str | None = None,
    municipality: str | None = None,
    joint: bool | None = None,
    value_band: str | Sequence[str] | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """Published procurements of the whole network, newest first. `municipality` matches the
    lead and the participants taking part (invited or joined)."""
    where = _Where()
    where.one_of("status", status, PROCUREMENT_STATES, "status")
    where.one_of("procedure", procedure, PROCEDURES, "procedure")
    where.one_of("value_band", value_band, VALUE_BANDS, "value_band")
    if innovation is not None:
        where.add("innovation = ?", int(bool(innovation)))
    if joint is not None:
        where.add("joint = ?", int(bool(joint)))
    if lead is not None:
        where.add("lead = ?", lead)
    if municipality is not None:
        where.add("members LIKE ? ESCAPE '!'", f"% {like_escape(municipality)} %")
    _seq_cursor(where, "seq", "procurement_portfolio", cursor)
    return _page(
        store,
        "procurement_portfolio",
        f"SELECT {_PORTFOLIO_SELECT} FROM procurement_portfolio{where.sql()}"
        " ORDER BY seq DESC LIMIT ?",
        where.params,
        order="v.seq DESC",
        limit=_limit(limit),
        key_column="procurement_id",
        key_of=lambda row: [row["seq"]],
        text_column="api",
    )


# Innovation share

_SHARE = Decimal("0.0001")


def _ratio(part: Decimal, whole: Decimal) -> str | None:
    return None if not whole else str((part / whole).quantize(_SHARE))


def _share_figures(row: Row, prefix: str = "") -> dict[str, Any]:
    def figures(stage: str) -> dict[str, Any]:
        count = int(row[f"{prefix}{stage}_count"])
        innovation_count = int(row[f"{prefix}{stage}_innovation_count"])
        value = Decimal(row[f"{prefix}{stage}_value_sek"])
        innovation_value = Decimal(row[f"{prefix}{stage}_innovation_value_sek"])
        return {
            "count": count,
            "value_sek": row[f"{prefix}{stage}_value_sek"],
            "innovation_count": innovation_count,
            "innovation_value_sek": row[f"{prefix}{stage}_innovation_value_sek"],
            "innovation_share": _ratio(Decimal(innovation_count), Decimal(count)),
            "innovation_value_share": _ratio(innovation_value, value),
        }

    return {"started": figures("started"), "contracted": figures("contracted")}


def list_innovation_share(
    store: SqlStore,
    *,
    municipality: str | None = None,
    year: int | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """Per municipality and year (newest year first, then by municipality): procurements
    started and contracted, how many are innovation procurements and their share, with the
    network's figures for the same year under `network` (valid time: see
    domain.innovation_share)."""
    where = _Where()
    if municipality is not None:
        where.add("s.municipality = ?", municipality)
    if year is not None:
        where.add("s.year = ?", _year(year))
    if cursor is not None:
        last_year, last_municipality = decode_cursor(cursor, "innovation_share", (int, str))
        where.add("(s.year < ? OR (s.year = ? AND s.municipality > ?))",
                  last_year, last_year, last_municipality)
    network_columns = ", ".join(f"n.{m} AS network_{m}" for m in METRICS)
    target_columns = ("tg.target_percent AS target_percent, tg.measure AS target_measure,"
                      " tg.decided_at AS target_decided_at, tg.position AS target_position")
    return _page(
        store,
        SHARE_VIEW,
        f"SELECT s.*, {network_columns}, {target_columns} FROM share_by_municipality s"
        f" JOIN share_network n ON n.year = s.year"
        " LEFT JOIN share_targets tg ON tg.municipality = s.municipality AND tg.year = s.year"
        f"{where.sql()}"
        " ORDER BY s.year DESC, s.municipality LIMIT ?",
        where.params,
        order="v.year DESC, v.municipality",
        limit=_limit(limit),
        key_column="municipality",
        key_of=lambda row: [row["year"], row["municipality"]],
        cursor_tag="innovation_share",
        shape=lambda row: {
            "municipality": row["municipality"],
            "year": int(row["year"]),
            **_share_figures(row),
            "network": _share_figures(row, "network_"),
            "target": _target(row),
        },
    )


_POINTS = Decimal("0.01")


def _percent(row: Row, measure: str, prefix: str = "") -> Decimal | None:
    """The actual share in percent on a target's measure (e.g. started_count)."""
    stage, kind = measure.split("_")
    suffix = "count" if kind == "count" else "value_sek"
    whole = Decimal(row[f"{prefix}{stage}_{suffix}"])
    if not whole:
        return None
    part = Decimal(row[f"{prefix}{stage}_innovation_{suffix}"])
    return (part * 100 / whole).quantize(_POINTS)


def _target(row: Row) -> dict[str, Any] | None:
    if row.get("target_percent") is None:
        return None
    target = Decimal(row["target_percent"])
    actual = _percent(row, row["target_measure"])
    return {
        "target_percent": str(target),
        "measure": row["target_measure"],
        "actual_percent": None if actual is None else str(actual),
        "distance_points": None if actual is None else str(actual - target),
        "decided_at": rfc3339(row["target_decided_at"]),
        "decision_position": int(row["target_position"]),
    }


def innovation_share_trend(
    store: SqlStore, *, municipality: str | None = None, measure: str = "started_count"
) -> dict[str, Any]:
    """Year by year, oldest first: the actual share on `measure`, the target, the distance and
    the change from the year before, with the least-squares slope over the years (percentage
    points a year). Without `municipality`, the network: its target for a year is the mean of
    the targets the municipalities adopted for it on that measure."""
    if measure not in TARGET_MEASURES:
        raise InvalidQuery(f"measure: one of {', '.join(TARGET_MEASURES)}", field="measure")
    _ensure(store, SHARE_VIEW)
    if municipality is None:
        figures = _read(store, "SELECT * FROM share_network ORDER BY year", [])
        targets = _read(store, "SELECT * FROM share_targets WHERE measure = ?", [measure])
    else:
        figures = _read(store, "SELECT * FROM share_by_municipality WHERE municipality = ?"
                        " ORDER BY year", [municipality])
        targets = _read(store, "SELECT * FROM share_targets WHERE municipality = ?",
                        [municipality])
    by_year: dict[int, list[Row]] = {}
    for adopted_row in targets:
        by_year.setdefault(int(adopted_row["year"]), []).append(adopted_row)
    actual = {int(row["year"]): _percent(row, measure) for row in figures}
    years = sorted(set(actual) | set(by_year))
    series: list[dict[str, Any]] = []
    previous: Decimal | None = None
    for year in years:
        value = actual.get(year)
        adopted = by_year.get(year, [])
        target: Decimal | None = None
        decisions: list[int] = []
        if municipality is None and adopted:
            target = (sum((Decimal(t["target_percent"]) for t in adopted), Decimal(0))
                      / len(adopted)).quantize(_POINTS)
            decisions = sorted(int(t["position"]) for t in adopted)
        elif adopted and adopted[0]["measure"] == measure:
            target = Decimal(adopted[0]["target_percent"])
            decisions = [int(adopted[0]["position"])]
        series.append({
            "year": year,
            "actual_percent": None if value is None else str(value),
            "target_percent": None if target is None else str(target),
            "distance_points": None if value is None or target is None else str(value - target),
            "change_points": None if value is None or previous is None else str(value - previous),
            "target_decision_positions": decisions,
        })
        if value is not None:
            previous = value
    points = [(year, value) for year, value in actual.items() if value is not None]
    slope = _slope(points)
    return {
        "municipality": municipality,
        "measure": measure,
        "years": series,
        "slope_points_per_year": None if slope is None else str(slope),
        "direction": None if slope is None
        else "rising" if slope > 0 else "falling" if slope < 0 else "flat",
        "position": view_position(store, SHARE_VIEW),
    }


def _slope(points: list[tuple[int, Decimal]]) -> Decimal | None:
    if len(points) < 2:
        return None
    n = Decimal(len(points))
    mean_x = sum((Decimal(x) for x, _ in points), Decimal(0)) / n
    mean_y = sum((y for _, y in points), Decimal(0)) / n
    spread = sum(((Decimal(x) - mean_x) ** 2 for x, _ in points), Decimal(0))
    covariance = sum(((Decimal(x) - mean_x) * (y - mean_y) for x, y in points), Decimal(0))
    return (covariance / spread).quantize(_POINTS)


def _year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidQuery("year: a year", field="year")
    return year


def list_network_innovation_share(
    store: SqlStore,
    *,
    year: int | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """The network's totals per year, newest first."""
    where = _Where()
    if year is not None:
        where.add("year = ?", _year(year))
    if cursor is not None:
        (last_year,) = decode_cursor(cursor, "innovation_share_network", (int,))
        where.add("year < ?", last_year)
    return _page(
        store,
        SHARE_VIEW,
        f"SELECT * FROM share_network{where.sql()} ORDER BY year DESC LIMIT ?",
        where.params,
        order="v.year DESC",
        limit=_limit(limit),
        key_column="year",
        key_of=lambda row: [row["year"]],
        cursor_tag="innovation_share_network",
        shape=lambda row: {"year": int(row["year"]), **_share_figures(row)},
    )


def innovation_share_as_of(
    store: SqlStore,
    as_of: datetime,
    *,
    municipality: str | None = None,
    year: int | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """The same figures as the record showed them at `as_of` (transaction time): the changes
    recorded up to that moment, added up. Pages like list_innovation_share."""
    moment = _instant(as_of, "as_of")
    _ensure(store, SHARE_VIEW)
    where = _Where()
    where.add("recorded_at <= ?", moment)
    if year is not None:
        where.add("year = ?", _year(year))
    found = _read(
        store,
        "SELECT t.position AS view_position, c.* FROM projection_tracking t"
        f" LEFT JOIN (SELECT * FROM share_changes{where.sql()}) c ON 1 = 1"
        " WHERE t.name = ?",
        [*where.params, SHARE_VIEW],
    )
    position = int(found[0]["view_position"]) if found else 0
    totals: dict[tuple[str, int], dict[str, Any]] = {}
    for row in found:
        if row["municipality"] is None:
            continue
        add_credits(totals, {(row["municipality"], int(row["year"])): {
            metric: int(row[metric]) if metric in COUNTS else Decimal(row[metric])
            for metric in METRICS
        }})
    keys = sorted((k for k, row in totals.items() if k[0] != NETWORK and any(row.values())),
                  key=lambda k: (-k[1], k[0]))
    if municipality is not None:
        keys = [k for k in keys if k[0] == municipality]
    if cursor is not None:
        last_year, last_municipality = decode_cursor(cursor, "innovation_share", (int, str))
        keys = [k for k in keys
                if k[1] < last_year or (k[1] == last_year and k[0] > last_municipality)]
    page, more = keys[: _limit(limit)], len(keys) > limit

    def flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
        return {f"{prefix}{m}": values.get(m, 0) if m in COUNTS else sek(values.get(m, 0))
                for m in METRICS}

    rows = [
        {
            "municipality": name,
            "year": year_,
            **_share_figures({**flat(totals[(name, year_)]),
                              **flat(totals.get((NETWORK, year_), {}), "network_")}),
            "network": _share_figures(flat(totals.get((NETWORK, year_), {}), "network_"),
                                      "network_"),
            # Targets are decisions on the municipality: its history as of the moment has them.
            "target": None,
        }
        for name, year_ in page
    ]
    next_cursor = encode_cursor("innovation_share", [page[-1][1], page[-1][0]]) if more else None
    return Page(rows, next_cursor, position)


# Lessons learned


def list_lessons(
    store: SqlStore,
    *,
    area: str | None = None,
    lead: str | None = None,
    procurement_id: str | None = None,
    municipality: str | None = None,
    phase: str | None = None,
    tag: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """Shareable lessons, newest first; `area` is an innovation area name of the procurement's
    needs (case-insensitive); `municipality` who recorded it; `q` words all found in its text,
    what worked, what to change or tags."""
    where = _Where()
    if municipality is not None:
        where.add("COALESCE(d.municipality, p.lead) = ?", municipality)
    if phase is not None:
        where.add("d.phase = ?", phase)
    if tag is not None:
        where.add("d.tag_keys LIKE ? ESCAPE '!'", f"%|{like_escape(fold(tag))}|%")
    for word in fold(q or "").split()[:10]:
        where.add("COALESCE(d.search, '') LIKE ? ESCAPE '!'", f"%{like_escape(word)}%")
    if area is not None:
        where.add(
            "EXISTS (SELECT 1 FROM lessons_procurement_areas a"
            " WHERE a.procurement_id = l.procurement_id AND a.area_key = ?)",
            fold(area),
        )
    if lead is not None:
        where.add("p.lead = ?", lead)
    if procurement_id is not None:
        where.add("l.procurement_id = ?", procurement_id)
    _seq_cursor(where, "l.seq", "lessons", cursor)
    return _page(
        store,
        "lessons",
        "SELECT l.lesson_id, l.seq, l.procurement_id, l.text, l.recorded_at, p.lead, p.title,"
        " p.published, p.areas, d.municipality, d.phase, d.what_worked, d.what_to_change,"
        " d.tags FROM lessons l"
        " JOIN lessons_procurements p ON p.procurement_id = l.procurement_id"
        f" LEFT JOIN lessons_details d ON d.lesson_id = l.lesson_id{where.sql()}"
        " ORDER BY l.seq DESC LIMIT ?",
        where.params,
        order="v.seq DESC",
        limit=_limit(limit),
        key_column="lesson_id",
        key_of=lambda row: [row["seq"]],
        shape=lambda row: {
            "lesson_id": row["lesson_id"],
            "text": row["text"],
            "recorded_at": rfc3339(row["recorded_at"]),
            "procurement": {
                "id": row["procurement_id"],
                "title": row["title"] if row["published"] else None,
                "lead": row["lead"],
            },
            "innovation_areas": from_json(row["areas"]),
            "municipality": row["municipality"] or row["lead"],
            "phase": row["phase"],
            "what_worked": row["what_worked"],
            "what_to_change": row["what_to_change"],
            "tags": from_json(row["tags"]) or [],
        },
    )


# Decision log


def _decision(row: Row) -> dict[str, Any]:
    return {
        "position": int(row["position"]),
        "aggregate_type": row["aggregate_type"],
        "aggregate_id": row["aggregate_id"],
        "aggregate_version": int(row["aggregate_version"]),
        "event_type": row["event_type"],
        "tenant": row["tenant"],
        "decision_type": row["decision_type"],
        "decided_by": row["decided_by"],
        "roles": from_json(row["actor_roles"]),
        "municipality": row["municipality"],
        "decided_at": rfc3339(row["decided_at"]),
        "recorded_at": rfc3339(row["recorded_at"]),
        "rationale": row["rationale"],
        "authority": from_json(row["authority"]),
        "value_sek": row["value_sek"],
        "details": from_json(row["details"]),
        "request_id": row["request_id"],
    }


def list_decisions(
    store: SqlStore,
    *,
    scope: str | None,
    municipality: str | None = None,
    tenant: str | None = None,
    decision_type: str | Sequence[str] | None = None,
    aggregate_type: str | None = None,
    aggregate_id: str | None = None,
    decided_from: datetime | None = None,
    decided_until: datetime | None = None,
    recorded_from: datetime | None = None,
    recorded_until: datetime | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """Decisions in log order, for auditors (the caller checks the auditor role).

    `scope` is required: the auditor's municipality, which limits the log to decisions on that
    municipality's aggregates and decisions that municipality took; None for a platform
    auditor, who sees all. `municipality` filters on the deciding municipality, `tenant` on the
    aggregate's owner. Ranges include `*_from` and exclude `*_until`.
    """
    where = _Where()
    if scope is not None:
        where.add("(tenant = ? OR municipality = ?)", scope, scope)
    if municipality is not None:
        where.add("municipality = ?", municipality)
    if tenant is not None:
        where.add("tenant = ?", tenant)
    where.one_of("decision_type", decision_type, LOGGED_DECISION_TYPES, "decision_type")
    if aggregate_type is not None:
        if aggregate_type not in ("Need", "Procurement", "Municipality"):
            raise InvalidQuery("aggregate_type: Need, Procurement or Municipality",
                               field="aggregate_type")
        where.add("aggregate_type = ?", aggregate_type)
    if aggregate_id is not None:
        where.add("aggregate_id = ?", str(aggregate_id))
    for column, operator, value, field in (
        ("decided_at", ">=", decided_from, "decided_from"),
        ("decided_at", "<", decided_until, "decided_until"),
        ("recorded_at", ">=", recorded_from, "recorded_from"),
        ("recorded_at", "<", recorded_until, "recorded_until"),
    ):
        instant = _instant(value, field)
        if instant is not None:
            where.add(f"{column} {operator} ?", instant)
    if cursor is not None:
        (last,) = decode_cursor(cursor, "decision_log", (int,))
        where.add("position > ?", last)
    return _page(
        store,
        "decision_log",
        f"SELECT * FROM decision_log{where.sql()} ORDER BY position LIMIT ?",
        where.params,
        order="v.position",
        limit=_limit(limit),
        key_column="aggregate_id",
        key_of=lambda row: [int(row["position"])],
        shape=_decision,
    )


# Tenant index (GET /needs, GET /procurements)


def list_tenant_needs(
    store: SqlStore,
    municipality: str,
    *,
    status: str | Sequence[str] | None = None,
    relation: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """The needs `municipality` owns or co-owns (`relation`: owner or co_owner), newest first."""
    where = _Where()
    where.add("m.municipality = ?", municipality)
    where.one_of("n.status", status, NEED_STATES, "status")
    if relation is not None:
        where.one_of("m.relation", relation, ("owner", "co_owner"), "relation")
    _seq_cursor(where, "m.seq", "tenant_needs", cursor)
    return _page(
        store,
        "tenant_index",
        "SELECT n.need_id, m.seq, m.relation, n.owner, n.co_owners, n.title, n.status,"
        " n.visibility, n.innovation_area_id, n.procurement_id, n.version"
        " FROM tenant_needs n JOIN tenant_need_members m ON m.id = n.need_id"
        f"{where.sql()} ORDER BY m.seq DESC LIMIT ?",
        where.params,
        order="v.seq DESC",
        limit=_limit(limit),
        key_column="need_id",
        key_of=lambda row: [row["seq"]],
        cursor_tag="tenant_needs",
        shape=lambda row: {
            "need_id": row["need_id"],
            "title": row["title"],
            "status": row["status"],
            "version": int(row["version"]),
            "relation": row["relation"],
            "owner": row["owner"],
            "co_owners": from_json(row["co_owners"]),
            "visibility": row["visibility"],
            "innovation_area_id": row["innovation_area_id"],
            "procurement_id": row["procurement_id"],
        },
    )


def list_tenant_procurements(
    store: SqlStore,
    municipality: str,
    *,
    status: str | Sequence[str] | None = None,
    relation: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """The procurements `municipality` leads or was invited to, newest first; `relation`:
    lead, co_lead or participant; `participation` says invited, joined, declined or
    withdrawn for the last two."""
    where = _Where()
    where.add("m.municipality = ?", municipality)
    where.one_of("p.status", status, PROCUREMENT_STATES, "status")
    if relation is not None:
        where.one_of("m.relation", relation, ("lead", "co_lead", "participant"), "relation")
    _seq_cursor(where, "m.seq", "tenant_procurements", cursor)
    return _page(
        store,
        "tenant_index",
        "SELECT p.procurement_id, m.seq, m.relation, m.participation, p.lead, p.title,"
        " p.status, p.procedure, p.innovation, p.estimated_value_sek, p.participants,"
        " p.version FROM tenant_procurements p"
        " JOIN tenant_procurement_members m ON m.id = p.procurement_id"
        f"{where.sql()} ORDER BY m.seq DESC LIMIT ?",
        where.params,
        order="v.seq DESC",
        limit=_limit(limit),
        key_column="procurement_id",
        key_of=lambda row: [row["seq"]],
        cursor_tag="tenant_procurements",
        shape=lambda row: {
            "procurement_id": row["procurement_id"],
            "title": row["title"],
            "status": row["status"],
            "version": int(row["version"]),
            "relation": row["relation"],
            "participation": row["participation"],
            "lead": row["lead"],
            "participants": from_json(row["participants"]),
            "procedure": row["procedure"],
            "innovation": None if row["innovation"] is None else bool(row["innovation"]),
            "estimated_value_sek": row["estimated_value_sek"],
        },
    )


# Positions, read-your-writes and lag


def view_position(store: SqlStore, name: str) -> int:
    with store.reading() as cursor:
        if not table_exists(cursor, tracking.TRACKING.base):
            return 0
        return tracking.read_position(cursor, name) or 0


def position_and_head(store: SqlStore, name: str, highest: str) -> tuple[int, int]:
    """The position view `name` reflects and the log's highest position (`highest`, a query of
    one value), in one statement: one snapshot, so a view at that head shows every event
    visible then."""
    _ensure(store, name)  # once per process: no catalogue lookup per read
    rows = store.select(
        f"SELECT ({highest}) AS head,"
        " (SELECT position FROM projection_tracking WHERE name = ?) AS at",
        (name,),
    )
    row = rows[0] if rows else {}
    return int(row.get("at") or 0), int(row.get("head") or 0)


class ViewState(NamedTuple):
    position: int  # the log position the view reflects
    rows_since: int  # the position since which its rows have been as they are (<= position)


def view_states(store: SqlStore, names: Sequence[str]) -> dict[str, ViewState]:
    """Where several views are, in one statement (0 for a view never applied)."""
    wanted = sorted(set(names))
    for name in wanted:
        _ensure(store, name)  # once per process: no catalogue lookup per read
    rows = store.select(
        f"SELECT name, position, {tracking.ROWS_SINCE} AS rows_since"
        " FROM projection_tracking WHERE name IN (" + ",".join("?" * len(wanted)) + ")",
        wanted,
    )
    found = {
        row["name"]: ViewState(int(row["position"]), int(row["rows_since"])) for row in rows
    }
    return {name: found.get(name, ViewState(0, 0)) for name in wanted}


def wait_for_position(store: SqlStore, name: str, position: int, timeout_s: float) -> bool:
    """Waits (at most `timeout_s`) until view `name` reflects the log up to `position` — the
    position a command answered — and says whether it does."""
    deadline = time.monotonic() + max(0.0, timeout_s)
    pause = 0.002
    while True:
        if view_position(store, name) >= position:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(pause, remaining))
        pause = min(0.05, pause * 2)


@dataclass(frozen=True)
class ViewStatus:
    name: str
    position: int
    head: int
    lag: int  # head minus position: notification ids not yet reflected (an upper bound of
    # events, since PostgreSQL's ids can have gaps)
    updated_at: str | None
    holder: str | None  # host:pid of the runner that committed last
    rebuilding: bool


def view_status(store: SqlStore, recorder: ApplicationRecorder) -> list[ViewStatus]:
    """Position and lag of every view (and of rebuilds in progress) against the log's head."""
    head = head_position(recorder)
    with store.reading() as cursor:
        rows = tracking.read_all(cursor) if table_exists(cursor, tracking.TRACKING.base) else []
    known = {row.name: row for row in rows}
    names = [p.name for p in all_projections()]
    names += sorted(name for name in known if name not in names)
    out = []
    for name in names:
        row = known.get(name)
        position = row.position if row else 0
        out.append(ViewStatus(
            name=name,
            position=position,
            head=head,
            lag=max(0, head - position),
            updated_at=row.updated_at if row else None,
            holder=row.holder if row else None,
            rebuilding=tracking.REBUILD_MARK in name,
        ))
    return out


# The market's needs (open without sign-in): an index of publications and withdrawals


def list_market_needs(
    store: SqlStore, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page:
    """The needs on the market now, each at its latest publication, oldest first: a list a
    follower pages through to its end and polls there (the next page's cursor is stable).
    Rows: position, need_id, version (of the publication), owner, recorded_at (micros)."""
    where = _Where()
    where.add("e.event = ?", "published")
    where.add(
        "NOT EXISTS (SELECT 1 FROM market_need_events later"
        " WHERE later.need_id = e.need_id AND later.position > e.position)"
    )
    if cursor is not None:
        (after,) = decode_cursor(cursor, "market_needs", (int,))
        where.add("e.position > ?", after)
    return _page(
        store,
        "market_needs",
        "SELECT e.position, e.need_id, e.version, e.owner, e.recorded_at"
        f" FROM market_need_events e WHERE {' AND '.join(where.clauses)}"
        " ORDER BY e.position LIMIT ?",
        where.params,
        order="v.position",
        limit=_limit(limit),
        key_column="need_id",
        key_of=lambda row: [int(row["position"])],
        shape=lambda row: {
            k: row[k] for k in ("position", "need_id", "version", "owner", "recorded_at")
        },
    )


def market_need_events(
    store: SqlStore, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page:
    """Publications and withdrawals, newest first (the feed). Rows: position, need_id, version,
    owner, event (published | withdrawn), recorded_at (micros)."""
    where = _Where()
    _seq_cursor(where, "e.position", "market_need_events", cursor)
    clause = f" WHERE {' AND '.join(where.clauses)}" if where.clauses else ""
    return _page(
        store,
        "market_needs",
        "SELECT e.position, e.need_id, e.version, e.owner, e.event, e.recorded_at"
        " FROM market_need_events e"
        f"{clause} ORDER BY e.position DESC LIMIT ?",
        where.params,
        order="v.position DESC",
        limit=_limit(limit),
        key_column="need_id",
        key_of=lambda row: [int(row["position"])],
        shape=lambda row: {
            k: row[k] for k in ("position", "need_id", "version", "owner", "event", "recorded_at")
        },
        cursor_tag="market_need_events",
    )
