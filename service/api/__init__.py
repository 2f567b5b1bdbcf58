"""The HTTP API: the composition root `create_app(settings)`. Nothing is built at import time."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from service.settings import Settings


class InnoledgerJSON(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return f"{o:.2f}"
        if isinstance(o, date):
            # RFC 3339 (a board's meeting date inside a decision's authority), never the HTTP
            # date format Flask would otherwise write.
            return o.isoformat()
        return DefaultJSONProvider.default(o)


# Set on a function Flask may call as it is (not a coroutine function).
_PLAIN = "_innoledger_runs_synchronously"


class InnoledgerFlask(Flask):
    """Flask, asking once per function (not for every hook of every request) whether it is a
    coroutine function to be run to completion."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each may replace a request's answer before it is made a response and sent
        # (authentication: an answer made for a cached holder waits for their confirmation).
        self.before_answer: list[Callable[[Any], Any]] = []

    def finalize_request(self, rv: Any, from_error_handler: bool = False) -> Any:
        if not from_error_handler:  # an unexpected error's 500 says nothing of anyone
            for replace in self.before_answer:
                rv = replace(rv)
        return super().finalize_request(rv, from_error_handler)

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # A bound method (a MethodView's handler) is made anew per request: its function
        # decides.
        # The answer is noted on the function itself (whether a function is a coroutine
        # function does not change): a look-up in C, where a weak set cost a Python call per
        # hook per request, and a function made for one request leaves with its note.
        code = getattr(func, "__func__", func)
        if getattr(code, _PLAIN, False):
            return func
        synchronous = super().ensure_sync(func)
        if synchronous is func:
            with contextlib.suppress(AttributeError, TypeError):  # no attributes: asked each time
                setattr(code, _PLAIN, True)
        return synchronous


def create_app(settings: Settings | None = None) -> Flask:
    from eventstore.eventlog import EventLog
    from eventstore.sql import SqlStore
    from service.api.answer_cache import AnswerCache
    from service.api.authentication import register_authentication
    from service.api.availability import register_availability
    from service.api.body_limit import register_body_limit
    from service.api.caching import register_caching
    from service.api.context import Services
    from service.api.idempotency import register_idempotency
    from service.api.observability import configure_json_logging, register_observability
    from service.api.openapi import create_api
    from service.api.problem_pages import register_problem_pages
    from service.api.problems import register_problem_handlers
    from service.audit.people import PeopleDirectory
    from service.auth.principal_cache import PrincipalCache
    from service.auth.session_cache import SessionCache
    from service.auth.sessions import BrowserSessions
    from service.auth.throttle import FailedAuthThrottle
    from service.auth.tokens import TokenStore
    from service.innoledger import Innoledger
    from service.use_cases.access import AccessAdministration
    from service.web import register_web

    settings = settings or Settings.from_env()
    settings.validate()
    if not settings.testing:
        configure_json_logging()

    app = InnoledgerFlask("innoledger")
    app.json = InnoledgerJSON(app)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        TESTING=settings.testing,
    )
    innoledger = Innoledger(settings)
    _law_amounts_at_start(innoledger)
    sql = SqlStore(innoledger.recorder)
    tokens = TokenStore(sql)
    tokens.create_tables()
    sessions = BrowserSessions(sql)
    sessions.create_tables()
    access = AccessAdministration(innoledger, tokens, PeopleDirectory.of(innoledger), sessions)
    throttle = FailedAuthThrottle(sql)
    throttle.create_tables()
    app.extensions["innoledger"] = Services(
        settings=settings,
        innoledger=innoledger,
        sql=sql,
        tokens=tokens,
        access=access,
        throttle=throttle,
        sessions=sessions,
        principals=PrincipalCache(sql, EventLog(innoledger.recorder, sql)),
        known_sessions=SessionCache(sql, EventLog(innoledger.recorder, sql)),
        answers=AnswerCache(settings.answer_cache_bytes),
    )

    register_observability(app)  # first: the request id must exist before anything logs
    register_body_limit(app)
    register_availability(app)  # before anything that waits for the database's pool
    register_authentication(app)
    register_idempotency(app)  # after authentication: keys belong to the caller
    register_caching(app)
    create_api(app)
    register_problem_handlers(app)
    register_problem_pages(app)
    register_web(app, settings)
    return app


def _law_amounts_at_start(innoledger: Any) -> None:
    """Imports seed amounts added to the bundled file since the record was opened, and says in
    the log when an amount revised every second year is out of date (as /readyz does)."""
    import logging

    log = logging.getLogger("innoledger.law_amounts")
    imported = innoledger.import_new_seed_amounts()
    if imported:
        log.info("imported %d new amounts of the bundled law table", imported)
    for warning in innoledger.law_amount_warnings():
        log.warning("law table out of date: %s", warning["message"])
