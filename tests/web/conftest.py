"""Pages through Flask's test client, on a store holding the demo network (loaded once per
module: it takes seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from service.api import create_app
from service.demo.scenario import DemoResult, load_demo
from service.settings import Settings, WebSettings
from tests.web.visitor import Visitor


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, DemoResult]]:
    var_dir: Path = tmp_path_factory.mktemp("web")
    app = create_app(Settings(var_dir=var_dir, testing=True, web=WebSettings(demo_sign_in=True)))
    result = load_demo(app)
    yield app, result
    app.extensions["innoledger"].close()


@pytest.fixture
def app(demo_app: tuple[Flask, DemoResult]) -> Flask:
    return demo_app[0]


@pytest.fixture
def demo(demo_app: tuple[Flask, DemoResult]) -> DemoResult:
    return demo_app[1]


@pytest.fixture
def visitor(app: Flask) -> Visitor:
    return Visitor(app.test_client())


@pytest.fixture
def officer(app: Flask) -> Visitor:
    visitor = Visitor(app.test_client())
    visitor.sign_in_as("ystad-officer")
    return visitor
