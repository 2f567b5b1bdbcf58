"""§8: against the CRUD alternative a user would otherwise pick (SQLAlchemy 2 with
SQLAlchemy-Continuum history tables, same command mix, its own typical as-of query): our commands
over HTTP at least 2× its in-process command rate; our as-of read in a 1 M-row store at most 1/20
of its time.

Commands: the same mix as `bench.commands` (add a SWOT item, remove it, edit the title), measured
in `bench.commands`' rounds right after ours and the library's (so a busy moment of the machine
hits all three alike; the round with the median ratio counts), each a unit of work as a web
request would run it — a session, `session.get()` of the need with its
items, the version check, the change (the need's `updated_at`/`updated_by` touched, so its
`version_id_col` guards it and Continuum records a need version), `commit()` — in one process and
in as many as gunicorn has workers; the faster counts.

As-of: history tables of `large` rows in all (need versions and SWOT item versions; one
Continuum transaction per command, needs' commands interleaved as they would arrive), written in
bulk. Continuum answers "as of a version" but not "as of a moment", so the typical as-of query
finds the last transaction issued at or before the moment, then asks Continuum for the need's
version valid at it (`version_at`, the validity strategy's range query) and that version's SWOT
items (its versioned relationship). Ours is `state_as_of` in the large event store (`bench.audit`).
Continuum's schema has no index on `transaction.issued_at`; for information, the as-of of a user
who added one and looks the transaction up newest-first through it (`ORDER BY issued_at DESC
LIMIT 1` instead of `max(id)`).
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bench.context import Context, size_label
from bench.loadgen import Tally, Task, Window, pace, run_parallel
from bench.results import HIGHER, LOWER, Measure, median_pair, rate_ratio

COMMAND_TARGET = 2.0
AS_OF_TARGET = 0.05  # ours / theirs: at most 1/20
COMMANDS_PER_NEED = 30
ITEMS_PER_NEED = 4
CHUNK = 10_000
EPOCH = datetime(2019, 1, 1, 8, 0, 0)


def installed() -> bool:
    try:
        import sqlalchemy  # noqa: F401
        import sqlalchemy_continuum  # noqa: F401
    except ImportError:
        return False
    return True


def engine_for(url: str) -> Any:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    if url.startswith("sqlite"):

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _: Any) -> None:
            # The same journal as eventsourcing's SQLite store uses.
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA busy_timeout=10000")

    return engine


def create_schema(url: str) -> None:
    from bench.crud_models import Base

    engine = engine_for(url)
    Base.metadata.create_all(engine)
    engine.dispose()


def new_need(session: Any, owner: str, index: int) -> str:
    from bench.crud_models import CrudNeed

    need = CrudNeed(
        id=str(uuid.uuid4()), owner=owner, title="Tillgängliga lekplatser",
        problem_statement=f"Barn med funktionsnedsättning kan inte använda lekplats {index}",
        innovation_area_id=str(uuid.uuid4()), status="identified", visibility="private",
        updated_by=f"{owner}-officer", updated_at=datetime.now(), version=1,
    )  # fmt: skip
    session.add(need)
    return need.id


# Commands


@dataclass
class CrudLoop(Task):
    url: str
    need_id: str
    user: str

    def setup(self) -> Any:
        from sqlalchemy.orm import Session

        import bench.crud_models  # noqa: F401  (maps the classes in this process)

        engine = engine_for(self.url)
        with Session(engine) as session:
            session.connection()
        return engine

    def run(self, state: Any, start: float, window: Window) -> Tally:
        from sqlalchemy.orm import Session, selectinload

        from bench.crud_models import CrudNeed, CrudSwotItem

        engine = state
        tally = Tally(seconds=window.measure_s)
        step, item, version = 0, "", None
        for scheduled, counted in pace(start, window, None, 0.0):
            with Session(engine) as session:
                need = session.get(
                    CrudNeed, self.need_id, options=[selectinload(CrudNeed.swot_items)]
                )
                assert need is not None
                if version is not None and need.version != version:
                    raise RuntimeError("lost update")  # the need is this process's alone
                if step == 0:
                    item = str(uuid.uuid4())
                    need.swot_items.append(
                        CrudSwotItem(
                            id=item,
                            quadrant="strength",
                            text="Engagerade medarbetare",
                            author=self.user,
                        )
                    )
                elif step == 1:
                    need.swot_items = [i for i in need.swot_items if i.id != item]
                else:
                    need.title = "Titel A" if need.title != "Titel A" else "Titel B"
                need.updated_at = datetime.now()
                need.updated_by = self.user
                session.commit()
                version = need.version
            step = (step + 1) % 3
            if counted:
                tally.count += 1
                tally.latencies.append(time.perf_counter() - scheduled)
        engine.dispose()
        return tally


def prepare_commands(ctx: Context) -> tuple[str, list[str]]:
    """A fresh CRUD store with a need per process the loop may run in."""
    from sqlalchemy.orm import Session

    store = ctx.database.fresh("crud-commands")
    url = ctx.database.sqlalchemy_url(store)
    create_schema(url)
    engine = engine_for(url)
    with Session(engine) as session:
        needs = [new_need(session, "bench-crud", i) for i in range(ctx.config.workers)]
        session.commit()
    engine.dispose()
    return url, needs


def command_rate(ctx: Context, url: str, needs: list[str], counts: list[int]) -> Tally:
    """The best of running the CRUD loop in each of `counts` processes."""
    best: Tally | None = None
    for count in counts:
        tasks = [CrudLoop(url, needs[i], "bench-crud-officer") for i in range(count)]
        tally = run_parallel(tasks, ctx.config.window)
        tally.info["processes"] = count
        ctx.say(f"  SQLAlchemy + Continuum, {count} process(es): {tally.rate:,.0f} cmd/s")
        if best is None or tally.rate > best.rate:
            best = tally
    assert best is not None
    return best


# The history store and the as-of query


def fill_history(url: str, rows: int, progress: Any) -> list[tuple[str, datetime]]:
    """Writes history tables of about `rows` version rows, as Continuum would have written them;
    returns (need id, a moment in the middle of its history) for needs spread over the table."""
    import sqlalchemy as sa

    from bench.crud_models import CrudNeed, CrudSwotItem, NeedVersion, SwotItemVersion, Transaction

    per_need = COMMANDS_PER_NEED + ITEMS_PER_NEED
    needs = max(1, rows // per_need)
    ids = [str(uuid.UUID(int=index + 1)) for index in range(needs)]
    tx_of = lambda step, n: step * needs + n + 1  # noqa: E731  (commands interleave)
    issued = lambda tx: EPOCH + timedelta(milliseconds=tx)  # noqa: E731
    engine = engine_for(url)
    need_t, item_t = _table(CrudNeed), _table(CrudSwotItem)
    need_v, item_v, tx_t = _table(NeedVersion), _table(SwotItemVersion), _table(Transaction)

    def need_row(n: int, step: int) -> dict[str, Any]:
        return {
            "id": ids[n], "owner": f"kommun-{n % 12:03d}",
            "title": "Titel A" if step % 2 else "Tillgängliga lekplatser",
            "problem_statement": f"Problem {n}", "innovation_area_id": ids[(n * 7) % needs],
            "status": "identified", "visibility": "private", "updated_by": "officer",
            "updated_at": issued(tx_of(step, n)), "version": step + 1,
        }  # fmt: skip

    def item_row(n: int, k: int) -> dict[str, Any]:
        return {"id": str(uuid.UUID(int=(n + 1) * 16 + k)), "need_id": ids[n],
                "quadrant": ("strength", "weakness", "opportunity", "threat")[k],
                "text": f"Punkt {k}", "author": "officer"}  # fmt: skip

    started = time.perf_counter()
    with engine.begin() as conn:
        for first in range(0, needs, CHUNK):
            batch = range(first, min(needs, first + CHUNK))
            conn.execute(sa.insert(need_t), [need_row(n, COMMANDS_PER_NEED - 1) for n in batch])
            conn.execute(
                sa.insert(item_t), [item_row(n, k) for n in batch for k in range(ITEMS_PER_NEED)]
            )
        for step in range(COMMANDS_PER_NEED):
            last = step == COMMANDS_PER_NEED - 1
            for first in range(0, needs, CHUNK):
                batch = range(first, min(needs, first + CHUNK))
                conn.execute(
                    sa.insert(tx_t),
                    [
                        {
                            "id": tx_of(step, n),
                            "issued_at": issued(tx_of(step, n)),
                            "remote_addr": None,
                        }
                        for n in batch
                    ],
                )
                conn.execute(
                    sa.insert(need_v),
                    [
                        {
                            **need_row(n, step),
                            "transaction_id": tx_of(step, n),
                            "end_transaction_id": None if last else tx_of(step + 1, n),
                            "operation_type": 0 if step == 0 else 1,
                        }
                        for n in batch
                    ],
                )
                if 1 <= step <= ITEMS_PER_NEED:
                    conn.execute(
                        sa.insert(item_v),
                        [
                            {
                                **item_row(n, step - 1),
                                "transaction_id": tx_of(step, n),
                                "end_transaction_id": None,
                                "operation_type": 0,
                            }
                            for n in batch
                        ],
                    )
            if step % 10 == 9:
                progress(f"  CRUD history: {step + 1}/{COMMANDS_PER_NEED} commands per need")
        if conn.dialect.name == "postgresql":
            conn.execute(
                sa.text(
                    "SELECT setval('transaction_id_seq', (SELECT max(id) FROM \"transaction\"))"
                )
            )
            for table in (
                "need",
                "swot_item",
                "need_version",
                "swot_item_version",
                '"transaction"',
            ):
                conn.execute(sa.text(f"ANALYZE {table}"))
        else:
            conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    progress(
        f"  CRUD history: {needs * per_need:,} version rows in"
        f" {time.perf_counter() - started:.1f} s"
    )
    step = COMMANDS_PER_NEED // 2
    picks = [n * (needs // 20) for n in range(20)] if needs >= 20 else list(range(needs))
    return [(ids[n], issued(tx_of(step, n))) for n in picks]


def _table(cls: Any) -> Any:
    return cls.__table__


def crud_as_of(
    session: Any, need_id: str, moment: datetime, *, tuned: bool = False
) -> tuple[Any, list[Any]]:
    """The need and its SWOT items as the record showed them at `moment`. `tuned`: the
    transaction is found through an index on issued_at (newest first, one row) instead of
    max(id) — what a user who indexed issued_at would write."""
    import sqlalchemy as sa

    from bench.crud_models import NeedVersion, Transaction

    if tuned:
        tx = session.scalar(
            sa.select(Transaction.id)
            .where(Transaction.issued_at <= moment)
            .order_by(Transaction.issued_at.desc(), Transaction.id.desc())
            .limit(1)
        )
    else:
        tx = session.scalar(
            sa.select(sa.func.max(Transaction.id)).where(Transaction.issued_at <= moment)
        )
    version = NeedVersion.version_at(session, {"id": need_id}, tx)
    if version is None:
        return None, []
    return version, list(version.swot_items)


def as_of_ms(
    url: str, samples: list[tuple[str, datetime]], repeats: int, *, tuned: bool = False
) -> float:
    from sqlalchemy.orm import Session

    engine = engine_for(url)
    timings: list[float] = []
    try:
        for round_ in range(repeats + 1):
            for need_id, moment in samples:
                with Session(engine) as session:
                    started = time.perf_counter()
                    version, items = crud_as_of(session, need_id, moment, tuned=tuned)
                    elapsed = time.perf_counter() - started
                    if version is None or len(items) != ITEMS_PER_NEED:
                        raise RuntimeError(f"as-of of {need_id} found {version}, {len(items)}")
                if round_:
                    timings.append(elapsed)
    finally:
        engine.dispose()
    return statistics.median(timings) * 1000


def add_issued_at_index(url: str) -> None:
    import sqlalchemy as sa

    engine = engine_for(url)
    with engine.begin() as conn:
        conn.execute(sa.text('CREATE INDEX transaction_issued_at ON "transaction" (issued_at)'))
    engine.dispose()


# The measure


def measure(ctx: Context) -> None:
    sizes = ctx.config.sizes
    if not installed():
        for key, name, target in (
            (
                "crud.commands",
                "CRUD: our commands over HTTP vs SQLAlchemy+Continuum",
                f"≥ {COMMAND_TARGET:g}",
            ),
            (
                "crud.as_of",
                f"CRUD: as-of read in a {size_label(sizes.large)} store",
                "≤ 0.05 (1/20)",
            ),
        ):
            ctx.add(
                Measure(
                    group="crud",
                    key=key,
                    database=ctx.db,
                    name=name,
                    target=target,
                    note="not installed",
                )
            )
        return
    if "crud.command_pairs" not in ctx.shared:
        # bench.commands measures the CRUD loop in its rounds, between ours and the library.
        from bench import commands
        from bench.web import web_session

        with web_session(ctx) as web:
            commands.measure(ctx, web)
    ours_as_of = ctx.shared.get("audit.as_of_ms_large")
    if ours_as_of is None:
        from bench import audit

        audit.measure(ctx)
        ours_as_of = ctx.shared["audit.as_of_ms_large"]

    pairs = ctx.shared["crud.command_pairs"]
    ours_http, crud_rate, ratio = median_pair(pairs)
    row = Measure(
        group="crud",
        key="crud.commands",
        database=ctx.db,
        name="CRUD: our commands over HTTP vs SQLAlchemy+Continuum in process",
        unit="cmd/s",
        ours=ours_http,
        baseline=crud_rate,
        ratio=ratio,
        target=f"≥ {COMMAND_TARGET:g}",
        details={
            "crud_processes": ctx.shared.get("crud.processes"),
            "round_ratios": [rate_ratio(o, b) for o, b in pairs],
        },
    )
    row.judge(row.ratio, HIGHER, COMMAND_TARGET)
    ctx.add(row)

    history_store = ctx.database.fresh("crud-history")
    url = ctx.database.sqlalchemy_url(history_store)
    create_schema(url)
    ctx.say(f"crud: history tables of {sizes.large:,} rows")
    samples = fill_history(url, sizes.large, ctx.say)
    repeats = max(1, ctx.config.repeats)
    theirs = as_of_ms(url, samples, repeats)
    row = Measure(
        group="crud",
        key="crud.as_of",
        database=ctx.db,
        name=f"CRUD: as-of read, {size_label(sizes.large)} store: ours vs Continuum's",
        unit="ms",
        ours=ours_as_of,
        baseline=theirs,
        ratio=ours_as_of / theirs,
        target="≤ 0.05 (1/20)",
        details={"our_store_events": ctx.shared.get("audit.as_of_store_events")},
    )
    row.judge(row.ratio, LOWER, AS_OF_TARGET)
    ctx.add(row)
    add_issued_at_index(url)
    indexed = as_of_ms(url, samples, repeats, tuned=True)
    ctx.add(
        Measure(
            group="crud",
            key="crud.as_of_indexed",
            database=ctx.db,
            name="  same, tuned: index on transaction.issued_at, newest-first lookup",
            unit="ms",
            ours=ours_as_of,
            baseline=indexed,
            ratio=ours_as_of / indexed,
        )
    )
