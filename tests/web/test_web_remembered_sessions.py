"""Every page refuses, at once, a session ended in another process — also when that process
remembers the session and confirms it with the page's own read instead of a check of its own.

Generated from the URL map: for every page (GET) a member reads with a session, another
instance of the service on the same store (another worker or host) reads it twice, and so
remembers the session. Then

- the municipality's record moves on (a role granted to somebody else): the page answers as it
  did (the remembered member is not confirmed, and the page is answered again with the session
  checked in full);
- the member signs out on the first instance: the other one sends them to sign in.

A role granted to the member shows on their next page there too: the roles are never older than
the municipality's record.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from service.api import create_app
from service.demo.scenario import DemoResult
from tests.web.members import grant, revoke
from tests.web.routes import PUBLIC, concrete, routes
from tests.web.visitor import signed_in


@pytest.fixture
def second_worker(app: Flask) -> Iterator[Flask]:
    other = create_app(app.extensions["innoledger"].settings)
    yield other
    other.extensions["innoledger"].close()


def _pages(app: Flask, demo: DemoResult) -> list[str]:
    return [
        concrete(rule, demo)
        for rule in routes(app, "GET")
        if rule not in PUBLIC and "/oidc/" not in rule and not rule.startswith("/logga-")
    ]


def test_every_page_refuses_a_remembered_session_ended_elsewhere(
    app: Flask, second_worker: Flask, demo: DemoResult
) -> None:
    pages = _pages(app, demo)
    assert len(pages) >= 15
    for number, path in enumerate(pages):
        officer = signed_in(app, "ystad-officer")
        elsewhere = officer.copy(second_worker)
        first = elsewhere.get(path)
        assert first.status_code < 500, (path, first.status_code)
        assert elsewhere.get(path).status_code == first.status_code, path  # remembered now

        grant(app, demo, f"ystad-guest-{number}")
        again = elsewhere.get(path)
        assert again.status_code == first.status_code, (path, again.status_code)
        if first.status_code == 302:
            assert again.headers["Location"] == first.headers["Location"], path

        officer.post("/logga-ut")
        refused = elsewhere.get(path)
        assert refused.status_code == 302, (path, refused.status_code)
        assert "/logga-in" in refused.headers["Location"], path


def test_a_role_granted_shows_at_once_where_the_session_is_remembered(
    app: Flask, second_worker: Flask, demo: DemoResult
) -> None:
    officer = signed_in(app, "ystad-officer")
    elsewhere = officer.copy(second_worker)
    need = f"/behov/{demo.needs['Lärprocess för AI']}"
    assert "Fatta beslut" not in elsewhere.text(need)
    assert "Fatta beslut" not in elsewhere.text(need)  # remembered now
    grant(app, demo, "ystad-officer", "decision_maker")
    try:
        assert "Fatta beslut" in elsewhere.text(need)
    finally:
        revoke(app, demo, "ystad-officer", "decision_maker")
