"""Dates and times are typed into plain text fields: the ISO form and the ways people type it
are read alike; anything else is refused next to its field, never guessed."""

from __future__ import annotations

from datetime import date, time

import pytest
from flask import Flask

from service.demo.scenario import DemoResult
from service.web.forms import UnreadableValue, parse_day, parse_time
from tests.web.visitor import Visitor


@pytest.mark.parametrize("typed", ["2019-03-04", "20190304", "2019-3-4", " 2019-03-04 "])
def test_a_date_as_people_type_it(typed: str) -> None:
    assert parse_day(typed, field="d") == date(2019, 3, 4)


@pytest.mark.parametrize("typed", ["13:05", "13.05", "1305", "9:05"])
def test_a_time_as_people_type_it(typed: str) -> None:
    assert parse_time(typed, field="t") in (time(13, 5), time(9, 5))


@pytest.mark.parametrize("typed", ["04/03/2019", "2019-13-01", "2019-02-30", "igår", ""])
def test_anything_else_is_refused_in_words(app: Flask, typed: str) -> None:
    with app.test_request_context("/"), pytest.raises(UnreadableValue) as refused:
        parse_day(typed, field="d")
    assert refused.value.field == "d" and "ÅÅÅÅ-MM-DD" in refused.value.message


def test_date_fields_are_text_fields_with_their_format_as_hint(
    officer: Visitor, demo: DemoResult
) -> None:
    html = officer.text(f"/behov/{demo.needs['Lärprocess för AI']}")
    assert 'id="field-held_on" name="held_on" type="text"' in html
    assert 'aria-describedby="hint-held_on"' in html and "Som ÅÅÅÅ-MM-DD" in html
    assert 'type="date"' not in html and 'type="time"' not in html
