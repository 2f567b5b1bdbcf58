"""The network's pages: the shared needs catalogue with search and similar needs side by side,
and the innovation share as a chart with its data table, for everyone signed in."""

from __future__ import annotations

import re

from flask import Flask

from domain.innovation_areas import shared_area_named
from projections.runner import head_position
from service.demo.scenario import DemoResult
from tests.view_tables import view_tables_away
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


def test_the_trend_against_the_target_tells_the_api_s_figures(app: Flask, demo: DemoResult) -> None:
    officer = signed_in(app, "ystad-officer")
    # As fresh as the page, which reads at the log's head: without a position the API answers
    # whatever the view holds, and no runner keeps it up to date here.
    head = head_position(app.extensions["innoledger"].innoledger.recorder)
    api = app.test_client().get(
        "/api/v1/network/innovation-share/trend?municipality=ystad&measure=started_count"
        f"&position={head}",
        headers={"Authorization": f"Bearer {demo.tokens['ystad']['officer']}"},
    )
    assert api.status_code == 200, api.get_data(as_text=True)
    expected = api.get_json()
    html = officer.text("/natverket/innovationsandel")  # the person's own municipality
    assert "Trend och mål" in html and "Innovationsandel för Ystads kommun mot målet" in html
    table = html[html.index("mot målet</caption>") :]
    rows = re.findall(r'<th scope="row">(\d{4})</th>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>', table)
    assert [int(year) for year, _, _ in rows] == [y["year"] for y in expected["years"]]
    for (_, actual, target), year in zip(rows, expected["years"], strict=True):
        assert actual == (f"{year['actual_percent']} %" if year["actual_percent"] else "–")
        assert target == (f"{year['target_percent']} %" if year["target_percent"] else "–")
    assert any(y["target_percent"] for y in expected["years"])  # the demo adopted targets
    network = officer.text("/natverket/innovationsandel?kommun=natverket&matt=contracted_value")
    assert "Innovationsandel för nätverket mot målet" in network
    assert "Tecknade avtal, värde" in network


def test_the_catalogue_kept_between_pages_shows_every_change_at_once(
    app: Flask, demo: DemoResult
) -> None:
    """The catalogue's rows are rendered once per change of the view (and language and search):
    a need shared after the page was last shown is on the very next page, in either language,
    and a search keeps its own rows and links."""
    viewer = signed_in(app, "burlov-viewer")
    title = "Bänkar som inte välter i skolgården"
    before = viewer.text("/natverket/behov")
    assert title not in before
    viewer.text("/natverket/behov?q=golv")  # another search kept beside it

    api = app.test_client()
    auth = {"Authorization": f"Bearer {demo.tokens['ystad']['officer']}"}
    created = api.post(
        "/api/v1/needs",
        headers=auth,
        json={
            "title": title,
            "problem_statement": "Bänkarna välter när barnen klättrar på dem",
            "innovation_area_id": shared_area_named("Privat mark").id,
        },
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    need_id, version = created.get_json()["id"], created.get_json()["version"]
    shared = api.post(
        f"/api/v1/needs/{need_id}/share", headers={**auth, "If-Match": f'"{version}"'}
    )
    assert shared.status_code == 200, shared.get_data(as_text=True)

    after = viewer.text("/natverket/behov")
    assert title in after and f'href="/behov/{need_id}"' in after
    assert f"lika={need_id}" in after and "Liknande behov" in after
    floors = viewer.text("/natverket/behov?q=golv")
    assert title not in floors and "q=golv&amp;lika=" in floors

    viewer.post("/sprak", {"lang": "en", "next": "/natverket/behov"})
    english = viewer.text("/natverket/behov")
    assert title in english and "Similar needs" in english and "Liknande behov" not in english


def _catalogue(html: str) -> str:
    start = html.index('<section aria-labelledby="catalogue-heading">')
    return html[start : html.index("</section>", start)]


def test_the_catalogue_is_shown_again_without_reading_the_view_while_it_has_not_moved(
    app: Flask,
) -> None:
    viewer = signed_in(app, "burlov-viewer")
    first = viewer.text("/natverket/behov")
    assert "Lärprocess för AI" in first
    with view_tables_away(app, "network_needs"):
        again = viewer.text("/natverket/behov")
        assert _catalogue(again) == _catalogue(first)
        # A search no page has drawn yet needs the view's rows, out of reach now.
        assert viewer.get("/natverket/behov?q=aldrig-ritad").status_code != 200
