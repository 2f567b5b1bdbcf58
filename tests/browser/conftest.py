"""Browser tests: the service on a live port, a real OpenID provider, and the distribution's
Chromium driven by Playwright. Chromium is installed by `make test` (scripts/ensure-chromium);
a missing browser fails these tests, never skips them."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Playwright, sync_playwright
from werkzeug.serving import make_server

from service.api import create_app
from service.demo.scenario import DemoResult, load_demo
from service.settings import OidcProviderSettings, Settings, WebSettings
from tests.web.oidc_provider import Client, running_provider

CHROMIUM = os.environ.get("INNOLEDGER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=sv-SE",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
OIDC_MUNICIPALITIES = ("ystad", "skurup")


class LateApp:
    """The WSGI app, set once the port (and so the OIDC redirect URIs) is known."""

    app: Flask | None = None

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        assert self.app is not None
        return self.app(environ, start_response)


@dataclass
class LiveService:
    url: str
    app: Flask
    demo: DemoResult


@pytest.fixture(scope="session")
def live() -> Iterator[LiveService]:
    import tempfile

    late = LateApp()
    server = make_server("127.0.0.1", 0, late, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    clients = [
        Client(f"innoledger-{slug}", f"{slug}-secret", (f"{base}/logga-in/oidc/{slug}/svar",))
        for slug in OIDC_MUNICIPALITIES
    ]
    with running_provider(*clients) as issuer, tempfile.TemporaryDirectory() as var_dir:
        providers = tuple(
            OidcProviderSettings(
                municipality=slug,
                issuer=issuer,
                client_id=f"innoledger-{slug}",
                client_secret=f"{slug}-secret",
            )
            for slug in OIDC_MUNICIPALITIES
        )
        app = create_app(
            Settings(
                var_dir=Path(var_dir),
                testing=True,
                web=WebSettings(demo_sign_in=True, oidc_providers=providers),
            )
        )
        demo = load_demo(app)
        late.app = app
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LiveService(base, app, demo)
        finally:
            server.shutdown()
            thread.join(timeout=10)
            app.extensions["innoledger"].close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed at {CHROMIUM}: `make test` installs it (apt-get)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"
