"""The store and the gunicorn server that the HTTP measures (commands, reads) share per database.

The store is a copy of the small generated network (so the network view has shared needs to
answer), with the network-needs view caught up, plus a municipality of the benchmark's own with
one need per command client and per baseline process, and bearer tokens for its officer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.context import Context
from bench.fixtures import Tenant, issue_token, setup_tenant
from bench.servers import Server, gunicorn
from bench.stores import Store

INNOLEDGER_APP = "bench.wsgi:innoledger_app()"
BARE_APP = "bench.wsgi:bare_app()"
READER = ("kommun-001-officer", "kommun-001")  # an officer of the generated network


@dataclass
class WebSession:
    store: Store
    server: Server
    tenant: Tenant
    command_token: str
    reader_token: str
    http_needs: list[str]  # one per HTTP client
    library_needs: list[str]  # one per in-process baseline process


def prepare_web_store(ctx: Context) -> tuple[Store, Tenant, str, str, list[str], list[str]]:
    from projections.registry import projection_named
    from projections.runner import ProjectionRunner

    config = ctx.config
    store = ctx.fresh_network(config.sizes.small, "web")
    app = store.open()
    try:
        ctx.say("catching up the network-needs view of the web store")
        ProjectionRunner(app, projection_named("network_needs"), batch_size=1000).catch_up()
        tenant = setup_tenant(app, "bench-kommun", needs=config.clients + config.workers)
        command_token = issue_token(app, tenant.officer.user_id, tenant.slug)
        reader_token = issue_token(app, READER[0], READER[1])
    finally:
        app.close()
    needs = tenant.need_ids
    return (
        store,
        tenant,
        command_token,
        reader_token,
        needs[: config.clients],
        needs[config.clients :],
    )


@contextmanager
def web_session(ctx: Context) -> Iterator[WebSession]:
    store, tenant, command_token, reader_token, http_needs, library_needs = prepare_web_store(ctx)
    config = ctx.config
    ctx.say(f"starting gunicorn ({config.workers} workers x {config.threads} threads)")
    with gunicorn(
        INNOLEDGER_APP,
        store.env(),
        workers=config.workers,
        threads=config.threads,
        settle_s=0.3 if config.smoke else 1.5,
    ) as server:
        yield WebSession(
            store, server, tenant, command_token, reader_token, http_needs, library_needs
        )
