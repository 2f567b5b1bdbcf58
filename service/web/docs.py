"""/api/docs: Swagger UI from the service's own copy of its assets (no CDN), and started by a
script file rather than inline script, so the page keeps the strict Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, render_template

blp = Blueprint(
    "api_docs",
    __name__,
    template_folder=str(Path(__file__).resolve().parent / "templates"),
)


@blp.get("/api/docs")
def api_docs() -> str:
    return render_template("api_docs.html")
