"""The pages, one module per area of work, all on the `web` blueprint."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from domain.errors import DomainError
from service.errors import ApplicationError
from service.web.refusals import explain
from service.web.security import check_csrf

log = logging.getLogger("innoledger.web")
WEB_ROOT = Path(__file__).resolve().parent.parent
bp = Blueprint(
    "web",
    __name__,
    template_folder=str(WEB_ROOT / "templates"),
    static_folder=str(WEB_ROOT / "static"),
    static_url_path="/assets",
)


def _refused(error: Exception) -> Any:
    refusal = explain(error)
    return render_template("error.html", refusal=refusal), refusal.status


# Only the pages' own routes: a request no page answers (the API, an unknown path, a wrong
# method) is refused by routing first, as before.
bp.before_request(check_csrf)
bp.register_error_handler(DomainError, _refused)
bp.register_error_handler(ApplicationError, _refused)


def _failed(error: Exception) -> Any:
    if isinstance(error, HTTPException):
        return http_error(error)
    from service.api.availability import is_database_unavailable, note_database_unavailable

    if is_database_unavailable(error):
        log.warning("database unavailable: %s", error)
        note_database_unavailable()
        return render_template("http_error.html", status=503, error=error), 503
    log.exception("unhandled error on a page")
    return render_template("http_error.html", status=500, error=error), 500


bp.register_error_handler(Exception, _failed)


def _wants_page() -> bool:
    if request.path.startswith("/api/") or request.path in ("/livez", "/readyz", "/metrics"):
        return False
    # Browsers ask for HTML; API clients and bare requests get problem+json as before.
    accept = request.accept_mimetypes
    return accept.provided and accept.best_match(["application/json", "text/html"]) == "text/html"


def http_error(error: HTTPException) -> Response | tuple[str, int]:
    """A page for browsers; problem+json, as before, for everyone else."""
    from service.api.problems import handle_http_exception

    if not _wants_page():
        return handle_http_exception(error)
    status = error.code or 500
    return render_template("http_error.html", status=status, error=error), status


def register_pages(app: Flask) -> None:
    from service.web.pages import (
        audit,
        chrome,
        decisions,
        demo,
        home,
        needs,
        network,
        oidc,
        procurements,
        reports,
    )

    del audit, decisions, demo, home, needs, network, procurements, reports  # routes are on bp
    app.register_blueprint(bp)
    chrome.register(app)
    oidc.register(app)

    app.register_error_handler(HTTPException, http_error)
