"""Swedish first, English second: the catalogue under translations/, chosen per session."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, session
from flask_babel import Babel

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"


def chosen_language() -> str:
    language = session.get("lang")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def register(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Stockholm")
    Babel(
        app,
        locale_selector=chosen_language,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    app.jinja_env.globals["chosen_language"] = chosen_language
