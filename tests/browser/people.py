"""A person at the browser: one Playwright page with its own cookies, working either with the
mouse or with the keyboard alone (every control reached with Tab and used with Enter or Space).

Every page a person arrives at is checked with axe-core for WCAG 2.1 A and AA and, when
asked, photographed into tests/artifacts/screenshots/."""

from __future__ import annotations

import re
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import screenshot_path

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE = Axe()


@dataclass
class Findings:
    """What the checks found across all pages, asserted at the end of a test."""

    violations: dict[str, list[str]] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)
    audited: set[str] = field(default_factory=set)


def _threads_in_the_service() -> list[str]:
    """The stacks of the live service's threads that are inside its code (it runs in this
    process): a request that never got its answer is one of them."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    found = []
    for ident, frame in sys._current_frames().items():
        stack = traceback.extract_stack(frame)
        if ident == threading.get_ident() or not any(
            f"{sep}service{sep}" in entry.filename for sep in ("/", "\\") for entry in stack
        ):
            continue
        found.append(f"thread {names.get(ident, ident)}:")
        found.extend(line.rstrip() for line in traceback.format_list(stack[-15:]))
    return found or ["(none)"]


class Person:
    def __init__(
        self,
        browser: Browser,
        base_url: str,
        name: str,
        *,
        keyboard: bool,
        findings: Findings,
        photograph: bool = True,
        audit: bool = True,
    ):
        self.context = browser.new_context(base_url=base_url, locale="sv-SE")
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.base_url = base_url
        self.name = name
        self.keyboard = keyboard
        self.findings = findings
        self.photograph = photograph
        self.audit = audit
        self.checked: set[str] = set()
        # What the browser did lately, told when an expected page never comes: whether the
        # request left, failed, or was answered tells a dropped click from a slow server.
        self.seen: deque[str] = deque(maxlen=40)
        self._started = time.monotonic()
        for kind in ("request", "requestfinished", "requestfailed"):
            self.page.on(kind, lambda r, kind=kind: self._saw(kind, f"{r.method} {r.url}"))
        self.page.on("response", lambda r: self._saw("response", f"{r.status} {r.url}"))
        self.page.on("framenavigated", lambda f: self._saw("navigated", f.url))
        self.page.on("console", lambda m: self._saw(f"console.{m.type}", m.text))
        self.page.on("pageerror", lambda e: self._saw("pageerror", str(e)))

    def _saw(self, kind: str, what: str) -> None:
        self.seen.append(f"{time.monotonic() - self._started:8.3f} {kind} {what}")

    def close(self) -> None:
        self.context.close()

    # Arriving at a page

    def arrived(self, label: str) -> None:
        """Checks the page the person is on: no server error, axe-core, a screenshot."""
        page = self.page
        page.wait_for_load_state("load")
        assert "Internal Server Error" not in page.content()
        path = re.sub(
            r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", page.url.split("://", 1)[1].split("/", 1)[1]
        )
        key = f"{label}:{path.split('?')[0]}"
        if key in self.checked:
            return
        self.checked.add(key)
        self.findings.pages.append(f"/{path}")
        if self.photograph:
            number = len(self.findings.pages)
            name = f"{number:02d}-{self.name}-{label}".replace(" ", "-")
            page.screenshot(path=str(screenshot_path(name)), full_page=True)
        # axe-core once per kind of page (its path without ids), the slowest check here.
        if not self.audit or path.split("?")[0] in self.findings.audited:
            return
        self.findings.audited.add(path.split("?")[0])
        results = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
        if results.violations_count:
            self.findings.violations[f"{label} /{path}"] = [
                f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
                for v in results.response["violations"]
            ]

    def go(self, path: str, label: str) -> None:
        self.page.goto(path)
        self.arrived(label)

    # Using controls

    def _focus(self, target: Locator) -> None:
        """Tab until the control has the focus: fails if the keyboard cannot reach it."""
        target.wait_for(state="visible")
        handle = target.element_handle()
        for _ in range(400):
            if self.page.evaluate("el => el === document.activeElement", handle):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"{target} cannot be reached with the keyboard")

    def press(self, target: Locator, *, navigates: bool = False) -> None:
        """Follows a link or presses a button (waiting for the next page when it leads to one)."""
        if self.keyboard:
            self._focus(target)
        if navigates:
            self._saw("press", str(target))
            try:
                with self.page.expect_navigation():
                    self._activate(target)
            except PlaywrightTimeout as error:
                raise AssertionError(self._why_no_page(target, error)) from error
        else:
            self._activate(target)

    def _why_no_page(self, target: Locator, error: Exception) -> str:
        page = self.page
        name = f"{self.name}-no-navigation"
        page.screenshot(path=str(screenshot_path(name)), full_page=True)
        state = page.evaluate(
            """el => el && ({tag: el.tagName, type: el.type, disabled: el.disabled,
                form: el.form && el.form.action, valid: el.form && el.form.checkValidity(),
                focused: document.activeElement && document.activeElement.outerHTML.slice(0, 200),
                ready: document.readyState})""",
            target.element_handle(timeout=1000),
        )
        return "\n".join(
            [
                f"{self.name}: no new page after pressing {target} ({error})",
                f"on {page.url}; the control: {state}; screenshot {name}.png",
                "what the browser did (seconds since the person began):",
                *self.seen,
                "where the service's threads were (a request still being answered shows here):",
                *_threads_in_the_service(),
            ]
        )

    def _activate(self, target: Locator) -> None:
        if self.keyboard:
            self.page.keyboard.press("Enter")
        else:
            target.click()

    def link(self, name: str, label: str, *, exact: bool = False) -> None:
        self.press(self.page.get_by_role("link", name=name, exact=exact).first, navigates=True)
        self.arrived(label)

    def button(self, name: str, label: str | None = None, *, exact: bool = False) -> None:
        self.press(
            self.page.get_by_role("button", name=name, exact=exact).first, navigates=bool(label)
        )
        if label:
            self.arrived(label)

    def fill(self, field_label: str, value: str, *, within: Locator | None = None) -> None:
        target = (within or self.page).get_by_label(field_label, exact=True).first
        if not self.keyboard:
            target.fill(value)
            return
        self._focus(target)
        # Every field, dates and times included, is typed key by key (no value is set from
        # outside): what is there is selected and replaced, as a person would.
        self.page.keyboard.press("Control+a")
        self.page.keyboard.press("Delete")
        self.page.keyboard.type(value)
        assert target.input_value() == value, (field_label, target.input_value(), value)

    def choose(self, field_label: str, value: str, *, within: Locator | None = None) -> None:
        target = (within or self.page).get_by_label(field_label, exact=True).first
        if not self.keyboard:
            target.select_option(value)
            return
        self._focus(target)
        for key in ("Home", *["ArrowDown"] * 40):
            if target.input_value() == value:
                return
            self.page.keyboard.press(key)
        assert target.input_value() == value, (field_label, value)

    def check(self, field_label: str, on: bool = True) -> None:
        target = self.page.get_by_label(field_label, exact=True).first
        if target.is_checked() == on:
            return
        if self.keyboard:
            self._focus(target)
            self.page.keyboard.press("Space")
        else:
            target.click()

    def open_details(self, summary: str) -> Locator:
        details = self.page.locator(
            "details", has=self.page.locator("summary", has_text=summary)
        ).first
        if details.get_attribute("open") is None:
            self.press(details.locator("summary"))
            # The panel slides open (a transition of its height, 0.4 s): a person waits until
            # it stands still. A click on a button while the page still moves under the pointer
            # can press on one element and release on another, which presses nothing.
            # (The transition is on a pseudo-element, which getAnimations() does not list:
            # the panel's height is watched instead, frame by frame, until it holds still.)
            self.page.wait_for_function(
                """panel => {
                    const height = panel.getBoundingClientRect().height;
                    const seen = (panel.__heights || []).concat([height]).slice(-4);
                    panel.__heights = seen;
                    return seen.length === 4 && seen.every(h => h === height);
                }""",
                arg=details.element_handle(),
                polling="raf",
            )
        return details

    def expect_text(self, text: str) -> None:
        expect(self.page.locator("main")).to_contain_text(text)

    def attr(self, selector: str, name: str) -> Any:
        return self.page.locator(selector).first.get_attribute(name)
