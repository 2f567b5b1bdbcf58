"""A `Visitor` is one browser on the pages through Flask's test client: its own cookies, and
forms posted with the CSRF token its session holds, unless a test leaves it out on purpose."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

HTML = {"Accept": "text/html,application/xhtml+xml"}
NEED_LINK = re.compile(r'href="/behov/([0-9a-f-]{36})"')


class Visitor:
    def __init__(self, client: FlaskClient):
        self.client = client

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, headers=HTML, **kwargs)

    def csrf(self) -> str:
        with self.client.session_transaction() as session:
            token = session.get("csrf_token")
        if token is None:  # a page sets it when it first renders a form
            self.get("/logga-in")
            with self.client.session_transaction() as session:
                token = session["csrf_token"]
        return str(token)

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True
    ) -> TestResponse:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf())
        return self.client.post(path, data=form, headers=HTML)

    def sign_in_as(self, user_id: str) -> TestResponse:
        response = self.post("/logga-in/demo", {"user_id": user_id})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def session_id(self) -> str:
        with self.client.session_transaction() as session:
            return str(session["sid"])

    def age_session(
        self, *, idle: timedelta = timedelta(0), started: timedelta = timedelta(0)
    ) -> None:
        """Moves this browser's stored session back in time: as if its last page had been
        `idle` ago and its sign-in `started` ago."""
        from service.api.context import services

        with self.client.application.app_context(), services().sql.transaction() as cursor:
            cursor.execute(
                "UPDATE web_sessions SET last_seen = last_seen - ?, started_at = started_at - ?"
                " WHERE session_hash = ?",
                (
                    int(idle.total_seconds() * 1000),
                    int(started.total_seconds() * 1000),
                    hashlib.sha256(self.session_id().encode()).hexdigest(),
                ),
            )

    def copy(self, app: Flask | None = None) -> Visitor:
        """Another browser holding a copy of this one's session cookie (at another instance of
        the service, `app`, if given)."""
        other = Visitor((app or self.client.application).test_client())
        cookie = self.client.get_cookie("innoledger_session")
        assert cookie is not None
        other.client.set_cookie("innoledger_session", cookie.value)
        return other

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)


def signed_in(app: Flask, user_id: str) -> Visitor:
    visitor = Visitor(app.test_client())
    visitor.sign_in_as(user_id)
    return visitor
