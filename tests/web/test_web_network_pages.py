"""The network's pages: the shared needs catalogue with search and similar needs side by side,
and the innovation share as a chart with its data table, for everyone signed in."""

from __future__ import annotations

import re

from flask import Flask

from service.demo.scenario import DemoResult
from tests.web.visitor import signed_in


def test_catalogue_searches_the_network_s_shared_needs(app: Flask) -> None:
    viewer = signed_in(app, "burlov-viewer")
    everything = viewer.text("/natverket/behov")
    assert "Lärprocess för AI" in everything and "Rena och torra golv i förskolan" in everything
    floors = viewer.text("/natverket/behov?q=golv")
    assert "Rena och torra golv i förskolan" in floors and "Lärprocess för AI" not in floors


def test_similar_needs_are_shown_beside_the_catalogue(app: Flask, demo: DemoResult) -> None:
    officer = signed_in(app, "kavlinge-officer")
    need_id = demo.needs["Samutnyttjade lokaler"]
    html = officer.text(f"/natverket/behov?lika={need_id}")
    assert "Behov som liknar Samutnyttjade lokaler" in html


def test_innovation_share_has_a_chart_and_the_same_figures_in_a_table(app: Flask) -> None:
    html = signed_in(app, "trelleborg-decision-maker").text("/natverket/innovationsandel")
    assert "bar-chart" in html and "<table" in html and "Nätverket" in html
    bars = re.findall(r'class="bar w-(\d+)"', html)
    cells = re.findall(r"<td>(\d+) %</td>", html)
    assert bars and set(bars) <= set(cells) | {"0"}
