"""The journey in a real Chromium, with the mouse and with the keyboard alone; axe-core finds
no WCAG 2.1 A/AA violation on any page visited; every page is photographed."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import LiveService
from tests.browser.journey import whole_journey
from tests.browser.people import Findings, Person
from tests.web.test_web_review_pages import _awarded as awarded
from tests.web.test_web_review_pages import _record as record
from tests.web.test_web_review_pages import _review_id as review_of
from tests.web.visitor import signed_in


def test_the_whole_journey_in_the_browser(browser: Browser, live: LiveService) -> None:
    findings = Findings()
    whole_journey(browser, live.url, keyboard=False, findings=findings)
    assert len(findings.pages) > 20
    assert not findings.violations, findings.violations


def test_the_whole_journey_with_the_keyboard_alone(browser: Browser, live: LiveService) -> None:
    """Every link, button, field, list and checkbox reached with Tab and used with Enter, Space,
    arrows and typing: nothing of the journey needs a mouse."""
    findings = Findings()
    whole_journey(browser, live.url, keyboard=True, findings=findings)
    assert len(findings.pages) > 20


PAGES_OUTSIDE_THE_JOURNEY = (
    ("visitor", None, ("/logga-in", "/logga-in/demo", "/tillganglighet")),
    ("viewer", "burlov-viewer", ("/behov", "/upphandlingar", "/natverket/behov",
                                 "/natverket/behov?q=golv", "/natverket/innovationsandel")),
    ("auditor", "ystad-auditor", ("/revision/beslutslogg", "/revision/beslutslogg?type=award",
                                  "/revision/liggare", "/rapporter")),
    ("officer", "ystad-officer", ("/rapporter", "/natverket/innovationsandel")),
)  # fmt: skip


def reviewed_procurement(live: LiveService) -> str:
    """A procurement of Ystad's whose award was reviewed: the ruling dismissed the application
    (an extended standstill runs) and the ruling is appealed, so every review step's form is
    on its page."""
    officer = signed_in(live.app, "ystad-officer")
    maker = signed_in(live.app, "ystad-decision-maker")
    path = awarded(live.app, officer, maker)
    record(
        officer,
        path,
        "overprovning",
        filed_on="2018-12-28",
        court="Förvaltningsrätten i Malmö",
        applicant="Konkurrent AB",
        reference="1234-18",
    )
    review_id = review_of(officer.text(path))
    record(
        officer,
        path,
        "overprovning-avgjord",
        review_id=review_id,
        ruled_on="2019-01-10",
        outcome="dismissed",
        summary="Ansökan avslås.",
    )
    record(
        officer,
        path,
        "overprovning-overklagad",
        review_id=review_id,
        appealed_on="2019-01-15",
        court="Kammarrätten i Göteborg",
        appellant="Konkurrent AB",
        reference="99-19",
    )
    return path


def test_every_other_page_has_no_wcag_violation(browser: Browser, live: LiveService) -> None:
    findings = Findings()
    need_id = live.demo.needs["Lärprocess för AI"]
    floors = live.demo.procurements["floors"]
    extra = {
        "auditor": (
            f"/revision/need/{need_id}/historik",
            f"/revision/need/{need_id}/per-datum?date=2099-01-01",
            f"/revision/procurement/{floors}/historik",
            f"/natverket/behov?lika={need_id}",
        ),
        "viewer": (f"/behov/{need_id}",),
    }  # fmt: skip
    for label, user, paths in PAGES_OUTSIDE_THE_JOURNEY:
        someone = Person(browser, live.url, label, keyboard=False, findings=findings)
        try:
            if user is not None:
                someone.go("/logga-in/demo", "demo-sign-in")
                someone.press(
                    someone.page.get_by_role("button", name="Logga in som ", exact=False).and_(
                        someone.page.locator(f"button[value={user}]")
                    )
                )
                someone.page.wait_for_url(lambda url: "/logga-in" not in url)
            for path in (*paths, *extra.get(label, ())):
                someone.go(path, path.strip("/").split("/")[0].split("?")[0] or "start")
            if label == "officer":
                # Every form of the review steps, opened, as the officer sees them.
                someone.page.goto(reviewed_procurement(live))
                someone.page.evaluate(
                    "document.querySelectorAll('details').forEach(d => { d.open = true })"
                )
                someone.arrived("procurement-reviews-open")
                expect(someone.page.locator("#overprovningar")).to_be_visible()
        finally:
            someone.close()
    assert len(findings.pages) >= 18
    assert not findings.violations, findings.violations
