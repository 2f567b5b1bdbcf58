"""The journey in a real Chromium, with the mouse and with the keyboard alone; axe-core finds
no WCAG 2.1 A/AA violation on any page visited; every page is photographed."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.browser.conftest import LiveService
from tests.browser.journey import whole_journey
from tests.browser.people import Findings, Person


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
                                  "/revision/liggare")),
)  # fmt: skip


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
        finally:
            someone.close()
    assert len(findings.pages) >= 15
    assert not findings.violations, findings.violations
