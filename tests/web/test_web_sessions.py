"""Browser sessions end at once, on every worker: at sign-out (a copy of the cookie too), when
one of the member's roles or (by an admin) one of their tokens is revoked, and when an admin
ends them; a member's other sessions, and other members' sessions, are not touched."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api import create_app
from service.demo.scenario import DemoResult
from tests.web.visitor import signed_in

REVOKED = "din behörighet har ändrats eller återkallats"


def _bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def _etag(api: FlaskClient, slug: str, token: str) -> str:
    return str(api.get(f"/api/v1/municipalities/{slug}", headers=_bearer(token)).headers["ETag"])


@pytest.fixture
def second_worker(app: Flask) -> Iterator[Flask]:
    """Another process of the same service: the same store and secret key, nothing shared
    in memory."""
    other = create_app(app.extensions["innoledger"].settings)
    yield other
    other.extensions["innoledger"].close()


def test_a_copy_of_the_cookie_is_worthless_after_sign_out(app: Flask) -> None:
    officer = signed_in(app, "ystad-officer")
    thief = officer.copy()
    assert thief.get("/behov").status_code == 200
    officer.post("/logga-ut")
    assert thief.get("/behov").status_code == 302
    assert "Du är utloggad" in thief.text("/logga-in")


def test_a_session_ended_on_one_worker_is_refused_on_another(
    app: Flask, second_worker: Flask
) -> None:
    officer = signed_in(app, "ystad-officer")
    elsewhere = officer.copy(second_worker)
    assert elsewhere.get("/behov").status_code == 200
    officer.post("/logga-ut")
    assert elsewhere.get("/behov").status_code == 302


def test_revoking_one_role_ends_the_session_and_leaves_the_others(
    app: Flask, demo: DemoResult
) -> None:
    admin = demo.tokens["kavlinge"]["tenant_admin"]
    api = app.test_client()
    granted = api.post(
        "/api/v1/municipalities/kavlinge/members",
        json={"user_id": "kavlinge-officer", "role": "viewer"},
        headers=_bearer(admin, **{"If-Match": _etag(api, "kavlinge", admin)}),
    )
    assert granted.status_code == 200, granted.get_data(as_text=True)
    member = signed_in(app, "kavlinge-officer")
    colleague = signed_in(app, "kavlinge-decision-maker")
    assert member.get("/behov").status_code == 200
    revoked = api.delete(
        "/api/v1/municipalities/kavlinge/members/kavlinge-officer/roles/viewer",
        headers=_bearer(admin, **{"If-Match": _etag(api, "kavlinge", admin)}),
    )
    assert revoked.status_code == 200, revoked.get_data(as_text=True)
    assert member.get("/behov").status_code == 302
    assert REVOKED in member.text("/logga-in")
    assert colleague.get("/beslut").status_code == 200
    member.sign_in_as("kavlinge-officer")  # still an officer
    assert member.get("/behov").status_code == 200


def test_an_admin_revoking_a_token_ends_the_holder_s_sessions(app: Flask, demo: DemoResult) -> None:
    admin = demo.tokens["trelleborg"]["tenant_admin"]
    api = app.test_client()
    issued = api.post(
        "/api/v1/municipalities/trelleborg/tokens",
        json={"user_id": "trelleborg-officer", "label": "skript"},
        headers=_bearer(admin),
    ).get_json()
    member = signed_in(app, "trelleborg-officer")
    # The holder retiring a token of their own keeps their browser session.
    own = api.post(
        "/api/v1/municipalities/trelleborg/tokens",
        json={"user_id": "trelleborg-officer", "label": "eget"},
        headers=_bearer(admin),
    ).get_json()
    assert (
        api.delete(f"/api/v1/tokens/{own['token_id']}", headers=_bearer(own["token"])).status_code
        == 204
    )
    assert member.get("/behov").status_code == 200
    assert (
        api.delete(f"/api/v1/tokens/{issued['token_id']}", headers=_bearer(admin)).status_code
        == 204
    )
    assert member.get("/behov").status_code == 302
    assert REVOKED in member.text("/logga-in")


def test_an_admin_ends_a_member_s_sessions_and_nobody_else_may(
    app: Flask, demo: DemoResult
) -> None:
    api = app.test_client()
    laptop = signed_in(app, "skurup-officer")
    phone = signed_in(app, "skurup-officer")
    path = "/api/v1/municipalities/skurup/members/skurup-officer/sessions"
    for municipality, role in (("ystad", "tenant_admin"), ("skurup", "viewer")):
        refused = api.delete(path, headers=_bearer(demo.tokens[municipality][role]))
        assert refused.status_code in (403, 404), (municipality, role)
    assert laptop.get("/behov").status_code == 200
    ended = api.delete(path, headers=_bearer(demo.tokens["skurup"]["tenant_admin"]))
    assert ended.status_code == 200 and ended.get_json() == {"ended": 2}
    assert laptop.get("/behov").status_code == 302
    assert phone.get("/behov").status_code == 302
    assert REVOKED in phone.text("/logga-in")
    again = api.delete(path, headers=_bearer(demo.tokens["skurup"]["tenant_admin"]))
    assert again.get_json() == {"ended": 0}
