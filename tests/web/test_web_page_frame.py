"""The frame of the pages (header with the person, their roles and the menu, the language and
sign-out forms, the footer) is kept per process by what it shows. Every page, generated from the
URL map, is asked so that each thing the frame shows changes while everything else stays — by
every role and signed out; in the other language; by another browser of the same person; with a
query; after a role is granted — and each time the frame given must be the one a process that has
drawn none would draw. A frame kept without one of its inputs in its key shows up there as
another person's, language's, session's or page's."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from service.demo.scenario import DemoResult
from service.web.fragments import FRAMES_KEY
from tests.web.members import grant, revoke
from tests.web.routes import ROLES, concrete, routes
from tests.web.visitor import HTML, Visitor, signed_in

MAIN = re.compile(r"<main\b.*</main>", re.DOTALL)


def _frame(html: str) -> str:
    """Everything of the page but its main content."""
    return MAIN.sub("<main/>", html)


@pytest.fixture
def pages(app: Flask, demo: DemoResult) -> list[str]:
    found = [
        concrete(rule, demo)
        for rule in routes(app, "GET")
        if "/oidc/" not in rule and "/logga-ut" not in rule
    ]
    assert len(found) >= 15
    return found


def _walk(app: Flask, visitor: Visitor, paths: list[str]) -> Iterator[str]:
    """Asks each page (from the frames kept so far) and compares its frame with the frame drawn
    by a process that has kept none; the pages compared."""
    for path in paths:
        given = visitor.get(path)
        if given.status_code != 200 or given.mimetype != "text/html":
            continue
        kept = app.extensions.pop(FRAMES_KEY, None)
        try:
            drawn = visitor.get(path)
        finally:
            if kept is not None:
                app.extensions[FRAMES_KEY] = kept
        html = given.get_data(as_text=True)
        assert MAIN.search(html), path
        assert _frame(html) == _frame(drawn.get_data(as_text=True)), path
        yield path


def test_every_page_has_the_frame_of_each_person_signed_in_or_not(
    app: Flask, pages: list[str]
) -> None:
    for user in (None, *ROLES):
        visitor = Visitor(app.test_client()) if user is None else signed_in(app, user)
        compared = list(_walk(app, visitor, pages))
        assert len(compared) >= (3 if user is None else 10), (user, compared)


def test_every_page_has_the_frame_of_its_language_session_and_query(
    app: Flask, pages: list[str]
) -> None:
    officer = signed_in(app, "ystad-officer")
    assert list(_walk(app, officer, pages))
    officer.post("/sprak", {"lang": "en", "next": "/"})
    assert list(_walk(app, officer, pages))  # the Swedish frames are kept: not given in English
    another_browser = signed_in(app, "ystad-officer")
    another_browser.post("/sprak", {"lang": "en", "next": "/"})
    assert list(_walk(app, another_browser, pages))  # the session's own CSRF token
    with_query = [f"{path}?sida=2" for path in pages]
    assert list(_walk(app, another_browser, with_query))  # the language form's way back


def test_every_page_has_the_frame_of_the_roles_the_person_holds_now(
    app: Flask, demo: DemoResult, pages: list[str]
) -> None:
    officer = signed_in(app, "ystad-officer")
    assert list(_walk(app, officer, pages))
    grant(app, demo, "ystad-officer", "decision_maker")
    try:
        assert list(_walk(app, officer, pages))
    finally:
        revoke(app, demo, "ystad-officer", "decision_maker")


def test_a_client_that_keeps_no_cookies_leaves_no_frames_behind(app: Flask) -> None:
    kept = app.extensions.pop(FRAMES_KEY, None)
    try:
        for _ in range(5):  # a new session each time: its first page
            page = app.test_client(use_cookies=False).get("/logga-in", headers=HTML)
            assert page.status_code == 200 and "Set-Cookie" in page.headers
        frames = app.extensions[FRAMES_KEY]
        assert len(frames) == 1  # the footer, the same for everyone in a language
        browser = Visitor(app.test_client())
        browser.get("/logga-in")
        browser.get("/logga-in")  # the session has its token now: its frame is kept
        assert len(frames) == 2
    finally:
        app.extensions.pop(FRAMES_KEY, None)
        if kept is not None:
            app.extensions[FRAMES_KEY] = kept
