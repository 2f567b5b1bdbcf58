"""Every refusal the core can give is told on the pages in the person's language, in words
about that rule: a rule added to the core is never shown as a generic refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, session

from domain.errors import RuleViolation
from service.api import create_app
from service.settings import Settings
from service.web.refusals import RULE_TEXTS, explain
from tests.api.test_api_explains_itself import _rule_codes_in_the_code


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """An empty service: explaining a refusal reads nothing from the store."""
    app = create_app(Settings(var_dir=tmp_path, testing=True))
    yield app
    app.extensions["innoledger"].close()


def _explained(app: Flask, rule: str, language: str) -> str:
    with app.test_request_context("/"):
        session["lang"] = language
        return explain(RuleViolation(f"refused by {rule}", rule=rule)).message


def test_every_rule_of_the_core_is_explained_on_the_pages(app: Flask) -> None:
    codes = _rule_codes_in_the_code() - {"domain_rule", "rule_violation", "invalid_value"}
    assert {"extended_standstill", "interim_order", "standstill"} <= codes
    for language in ("sv", "en"):
        generic = {_explained(app, "rule_violation", language)}
        vague = sorted(code for code in codes if _explained(app, code, language) in generic)
        assert not vague, (language, vague)


def test_a_rule_without_words_of_the_pages_is_told_as_the_api_explains_it(app: Flask) -> None:
    assert "extended_standstill" not in RULE_TEXTS
    swedish = _explained(app, "extended_standstill", "sv")
    assert swedish.startswith("Förlängd avtalsspärr: En ansökan om överprövning kom in")
    assert "`" not in swedish and "dates" not in swedish
    assert _explained(app, "extended_standstill", "en").startswith("Extended standstill: ")
