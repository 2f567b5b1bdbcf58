"""The pages a problem answer's `type` points at: `/problems/` and `/problems/<slug>`.

Swedish first, English second, each in an element with its own `lang`, so a screen reader reads
both right; plain semantic HTML, no script or style. `Accept: application/json` gets the same
entry as JSON. No authentication: the rules are public law and public policy.
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, Response, abort, jsonify, request
from markupsafe import Markup, escape

from service.api.problem_types import PROBLEM_TYPES, ProblemType

blp = Blueprint("problem_pages", __name__)

_CODE = re.compile(r"`([^`]+)`")


def _text(value: str) -> Markup:
    return Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(value))))


def _page(title: str, body: str) -> Response:
    html = (
        '<!doctype html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} – Innoledger</title>\n</head>\n<body>\n<main>\n{body}\n"
        "</main>\n</body>\n</html>\n"
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _entry_html(slug: str, entry: ProblemType) -> str:
    legal = (
        f"<p><strong>Rättslig grund / Legal reference:</strong> {_text(entry.legal)}</p>"
        if entry.legal
        else "<p><strong>Rättslig grund / Legal reference:</strong> "
        "Innoledgers egen regel / Innoledger's own rule.</p>"
    )
    return (
        f"<h1>{escape(entry.title_sv)}</h1>\n"
        f"<p>HTTP {entry.status} · <code>{escape(slug)}</code></p>\n"
        f'<section lang="sv" aria-labelledby="sv"><h2 id="sv">På svenska</h2>'
        f"<p>{_text(entry.text_sv)}</p></section>\n"
        f'<section lang="en" aria-labelledby="en"><h2 id="en">{escape(entry.title_en)}</h2>'
        f"<p>{_text(entry.text_en)}</p></section>\n"
        f"{legal}\n"
        '<p><a href="/problems/">Alla regler / All rules</a></p>'
    )


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


@blp.get("/problems/")
def index() -> Response:
    if _wants_json():
        return jsonify({slug: _as_json(slug, entry) for slug, entry in PROBLEM_TYPES.items()})
    items = "\n".join(
        f'<li><a href="/problems/{escape(slug)}">{escape(entry.title_sv)}</a> '
        f'(<span lang="en">{escape(entry.title_en)}</span>), HTTP {entry.status}</li>'
        for slug, entry in sorted(PROBLEM_TYPES.items())
    )
    return _page(
        "Regler och fel",
        '<h1>Regler och fel <span lang="en">(rules and errors)</span></h1>\n'
        "<p>Varje avvisning från Innoledgers API pekar hit med sitt <code>type</code>.</p>\n"
        f"<ul>\n{items}\n</ul>",
    )


@blp.get("/problems/<slug>")
def page(slug: str) -> Response:
    entry = PROBLEM_TYPES.get(slug)
    if entry is None:
        abort(404)
    if _wants_json():
        return jsonify(_as_json(slug, entry))
    return _page(entry.title_sv, _entry_html(slug, entry))


def _as_json(slug: str, entry: ProblemType) -> dict[str, object]:
    return {
        "slug": slug,
        "status": entry.status,
        "title": {"sv": entry.title_sv, "en": entry.title_en},
        "text": {"sv": entry.text_sv, "en": entry.text_en},
        "legal_reference": entry.legal or None,
    }


def register_problem_pages(app: Flask) -> None:
    app.register_blueprint(blp)
