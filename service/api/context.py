"""Per-process services of the web app, and the principal of the current request."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g

from eventstore.sql import SqlStore
from service.api.answer_cache import AnswerCache
from service.auth.principal_cache import PrincipalCache
from service.auth.session_cache import SessionCache
from service.auth.sessions import BrowserSessions
from service.auth.throttle import FailedAuthThrottle
from service.auth.tokens import TokenStore
from service.innoledger import Innoledger
from service.principal import Principal
from service.settings import Settings
from service.use_cases.access import AccessAdministration


@dataclass
class Services:
    settings: Settings
    innoledger: Innoledger
    sql: SqlStore
    tokens: TokenStore
    access: AccessAdministration
    throttle: FailedAuthThrottle
    sessions: BrowserSessions
    principals: PrincipalCache
    known_sessions: SessionCache
    answers: AnswerCache

    def close(self) -> None:
        self.innoledger.close()


def services() -> Services:
    return current_app.extensions["innoledger"]


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:  # the before-request hook authenticates every API request
        raise RuntimeError("no principal: endpoint outside the authenticated API")
    return principal
