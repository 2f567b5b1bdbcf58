"""Every route of the pages, generated from the URL map so a new page cannot slip through:
each GET answers every role without a server error and sends anonymous visitors to sign in;
each POST refuses a form without the session's CSRF token."""

from __future__ import annotations

import pytest
from flask import Flask

from service.demo.scenario import DemoResult
from tests.web.routes import PUBLIC, ROLES, concrete, routes
from tests.web.visitor import Visitor, signed_in


def test_the_url_map_holds_the_pages(app: Flask) -> None:
    assert len(routes(app, "GET")) >= 15 and len(routes(app, "POST")) >= 15


@pytest.mark.parametrize("user", (None, *ROLES))
def test_every_page_answers_every_role_without_a_server_error(
    app: Flask, demo: DemoResult, user: str | None
) -> None:
    visitor = Visitor(app.test_client()) if user is None else signed_in(app, user)
    for rule in routes(app, "GET"):
        if "/oidc/" in rule:
            continue  # no provider configured here: 404 (tested with a real one elsewhere)
        path = concrete(rule, demo)
        response = visitor.get(path)
        assert response.status_code < 500, (user, path, response.status_code)
        if user is None and rule not in PUBLIC:
            assert response.status_code == 302, (path, response.status_code)
            assert "/logga-in" in response.headers["Location"]


def test_every_form_target_refuses_a_post_without_the_csrf_token(
    app: Flask, demo: DemoResult
) -> None:
    officer = signed_in(app, "ystad-officer")
    for rule in routes(app, "POST"):
        path = concrete(rule, demo)
        response = officer.post(path, {"version": "1"}, csrf=False)
        assert response.status_code == 400, (path, response.status_code)
    assert officer.get("/behov").status_code == 200  # still signed in: nothing happened
