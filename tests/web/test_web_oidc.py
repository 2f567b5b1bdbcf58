"""Sign-in through a municipality's own OpenID Connect provider, end to end against a real
provider (oidc-provider on Node.js) that the test starts: authorization code with PKCE, the
subject mapped to a member, no role -> no access."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from flask import Flask

from service.api import create_app
from service.demo.scenario import load_demo
from service.settings import OidcProviderSettings, Settings, WebSettings
from tests.web.oidc_provider import Client, running_provider
from tests.web.visitor import Visitor

CALLBACK = "http://localhost/logga-in/oidc/ystad/svar"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with running_provider(Client("innoledger-ystad", "ystad-hemlighet", (CALLBACK,))) as url:
        yield url


@pytest.fixture(scope="module")
def oidc_app(issuer: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    provider = OidcProviderSettings(
        municipality="ystad",
        issuer=issuer,
        client_id="innoledger-ystad",
        client_secret="ystad-hemlighet",
    )
    app = create_app(
        Settings(
            var_dir=Path(tmp_path_factory.mktemp("oidc")),
            testing=True,
            web=WebSettings(oidc_providers=(provider,)),
        )
    )
    load_demo(app)
    yield app
    app.extensions["innoledger"].close()


def _submit(
    browser: requests.Session, page: requests.Response, fields: dict[str, str]
) -> requests.Response:
    """Posts the provider's form on `page` (its hidden fields plus `fields`)."""
    form = re.search(
        r'<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>(.*?)</form>', page.text, re.S
    )
    assert form, page.text[:500]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    data.update(fields)
    return browser.post(
        urljoin(page.url, unescape(form.group(1))), data=data, allow_redirects=False
    )


def _through_the_provider(authorize_url: str, login: str) -> str:
    """A person signs in at the provider and consents; answers where it sends them back."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=True)
    response = _submit(browser, response, {"login": login, "password": "vad som helst"})
    while True:
        location = response.headers.get("Location")
        if location is None:  # the consent page
            response = _submit(browser, response, {})
            continue
        target = urljoin(response.url, location)
        if target.startswith(CALLBACK):
            return target
        response = browser.get(target, allow_redirects=False)


def _sign_in(visitor: Visitor, login: str, next_path: str = "/behov") -> tuple[str, object]:
    start = visitor.get(f"/logga-in/oidc/ystad?next={next_path}")
    assert start.status_code == 302
    authorize_url = start.headers["Location"]
    callback = _through_the_provider(authorize_url, login)
    parts = urlsplit(callback)
    return authorize_url, visitor.get(f"{parts.path}?{parts.query}")


def test_sign_in_page_offers_the_municipality_s_provider(oidc_app: Flask) -> None:
    html = Visitor(oidc_app.test_client()).text("/logga-in")
    assert "Logga in via Ystads kommun" in html and "/logga-in/oidc/ystad" in html
    assert "demo" not in html.lower()  # no demo sign-in where it is not enabled


def test_a_member_signs_in_with_code_and_pkce(oidc_app: Flask) -> None:
    visitor = Visitor(oidc_app.test_client())
    authorize_url, answer = _sign_in(visitor, "ystad-officer")
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["state"][0] and query["nonce"][0]
    assert answer.status_code == 302 and answer.headers["Location"] == "/behov"  # type: ignore[attr-defined]
    html = visitor.text("/behov")
    assert "Inloggad som" in html and "ystad-officer" in html and "Lärprocess för AI" in html


def test_a_subject_without_a_role_gets_no_access(oidc_app: Flask) -> None:
    visitor = Visitor(oidc_app.test_client())
    _, answer = _sign_in(visitor, "nobody-in-ystad")
    assert answer.headers["Location"] == "/logga-in"  # type: ignore[attr-defined]
    assert "ingen roll" in visitor.text("/logga-in")
    assert visitor.get("/behov").status_code == 302


def test_a_member_of_another_municipality_gets_no_access_through_ystad(oidc_app: Flask) -> None:
    visitor = Visitor(oidc_app.test_client())
    _, answer = _sign_in(visitor, "skurup-officer")
    assert answer.headers["Location"] == "/logga-in"  # type: ignore[attr-defined]
    assert visitor.get("/behov").status_code == 302


def test_a_forged_or_replayed_callback_is_refused(oidc_app: Flask) -> None:
    visitor = Visitor(oidc_app.test_client())
    forged = visitor.get("/logga-in/oidc/ystad/svar?code=made-up&state=made-up")
    assert forged.headers["Location"] == "/logga-in"
    assert visitor.get("/behov").status_code == 302
    # A real answer taken to another browser (no state in its session) is refused too.
    start = visitor.get("/logga-in/oidc/ystad")
    parts = urlsplit(_through_the_provider(start.headers["Location"], "ystad-officer"))
    thief = Visitor(oidc_app.test_client())
    stolen = thief.get(f"{parts.path}?{parts.query}")
    assert stolen.headers["Location"] == "/logga-in"
    assert thief.get("/behov").status_code == 302


def test_an_unknown_municipality_has_no_sign_in(oidc_app: Flask) -> None:
    assert Visitor(oidc_app.test_client()).get("/logga-in/oidc/skurup").status_code == 404


def test_providers_are_configured_per_municipality_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "INNOLEDGER_OIDC": "ystad, kavlinge",
            "INNOLEDGER_OIDC_YSTAD_ISSUER": "https://login.ystad.example",
            "INNOLEDGER_OIDC_YSTAD_CLIENT_ID": "innoledger",
            "INNOLEDGER_OIDC_YSTAD_CLIENT_SECRET": "s",
            "INNOLEDGER_OIDC_KAVLINGE_ISSUER": "https://idp.kavlinge.example",
            "INNOLEDGER_OIDC_KAVLINGE_CLIENT_ID": "il",
            "INNOLEDGER_OIDC_KAVLINGE_USER_CLAIM": "preferred_username",
        }
    )
    ystad, kavlinge = settings.web.oidc_providers
    assert (ystad.municipality, ystad.issuer, ystad.client_secret) == (
        "ystad",
        "https://login.ystad.example",
        "s",
    )
    assert (kavlinge.user_claim, kavlinge.client_secret) == ("preferred_username", "")
