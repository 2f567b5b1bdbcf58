"""The whole journey of the work model in the browser, as the people of two municipalities
take it: sign in through the municipality's OpenID provider, identify a need, SWOT,
prioritise, decide to procure, a joint procurement that Skurup joins, publish, bids, award,
the standstill refusing an early signature, sign, follow up, and the auditor verifying the
signed contract in the browser."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.people import Findings, Person

MUNICIPALITY_NAMES = {"ystad": "Ystads kommun", "skurup": "Skurups kommun"}
TITLE = "Digital skolskjuts"


def sign_in(person: Person, slug: str, login: str) -> None:
    """Through the municipality's own OpenID provider (its login and consent pages)."""
    person.go("/logga-in", "sign-in")
    person.press(
        person.page.get_by_role("link", name=f"Logga in via {MUNICIPALITY_NAMES[slug]}"),
        navigates=True,
    )
    person.page.wait_for_selector("input[name=login]")
    for name, value in (("login", login), ("password", "vad som helst")):
        field = person.page.locator(f"input[name={name}]")
        if person.keyboard:
            person._focus(field)
            person.page.keyboard.type(value)
        else:
            field.fill(value)
    person.press(person.page.get_by_role("button", name="Sign-in"), navigates=True)
    person.page.wait_for_selector("button:has-text('Continue')")
    person.press(person.page.get_by_role("button", name="Continue"), navigates=True)
    try:
        person.page.wait_for_url(
            lambda url: url.startswith(person.base_url) and "/logga-in" not in url
        )
    except Exception as error:
        text = person.page.locator("body").inner_text()[:500]
        raise AssertionError(f"sign-in ended at {person.page.url}: {text}") from error
    person.arrived("after-sign-in")
    person.expect_text("")
    expect(person.page.locator("header")).to_contain_text(login)


def decide(
    person: Person,
    kind_label: str,
    fields: dict[str, str],
    decided_on: str,
    *,
    selects: dict[str, str] | None = None,
    checks: tuple[str, ...] = (),
) -> None:
    """Fills a decision form already open, checks the authority first, then decides."""
    for label, value in (selects or {}).items():
        person.choose(label, value)
    for label, value in fields.items():
        person.fill(label, value)
    for label in checks:
        person.check(label)
    person.fill("Motivering", f"Motivering: {kind_label}")
    person.fill("Beslutsdatum", decided_on)
    person.fill("Beslutstid", "10:00")
    person.button("Kontrollera befogenheten", f"check-{kind_label}")
    expect(person.page.locator("#authority")).to_contain_text("Delegationspunkt")
    person.button("Fatta beslutet", f"decided-{kind_label}")
    person.expect_text("Beslutet är registrerat")


def open_decision(person: Person, kind_value: str, label: str) -> None:
    person.choose("Beslut", kind_value)
    person.button("Välj", label, exact=True)


def whole_journey(browser: Browser, base_url: str, *, keyboard: bool, findings: Findings) -> None:
    def person(name: str) -> Person:
        return Person(
            browser, base_url, name, keyboard=keyboard, findings=findings, photograph=not keyboard
        )

    officer, maker = person("ystad-officer"), person("ystad-decision-maker")
    skurup_maker, auditor = person("skurup-decision-maker"), person("skurup-auditor")
    try:
        sign_in(officer, "ystad", "ystad-officer")
        officer.link("Registrera ett behov", "identify-need")
        officer.fill("Rubrik", TITLE)
        officer.fill("Problembeskrivning (lösningsneutral)", "Skolskjutsar planeras för hand.")
        officer.fill("Berörda slutanvändare", "elever, vårdnadshavare")
        officer.button("Registrera behovet", "need")
        officer.expect_text("Behovet är registrerat")
        need_url = officer.page.url
        for quadrant, text in (
            ("Styrkor", "Engagerade chaufförer"),
            ("Svagheter", "Pappersrutiner"),
            ("Möjligheter", "Grannkommuner har samma behov"),
            ("Hot", "Inlåsning"),
        ):
            officer.fill(f"Ny punkt: {quadrant}", text)
            section = officer.page.locator(
                "section", has=officer.page.get_by_role("heading", name=quadrant)
            )
            officer.press(section.get_by_role("button", name="Lägg till"), navigates=True)
            officer.arrived("swot")
            officer.expect_text(text)

        sign_in(maker, "ystad", "ystad-decision-maker")
        maker.page.goto(need_url)
        maker.arrived("need-for-decision")
        maker.link("Fatta beslut", "decision-form")
        open_decision(maker, "prioritise", "decision-prioritise")
        decide(maker, "prioritise", {}, "2018-03-14")
        maker.link("Fatta beslut", "decision-form")
        open_decision(maker, "decide_to_procure", "decision-procure")
        decide(maker, "decide_to_procure", {}, "2018-04-10")
        maker.expect_text("Anskaffningsbeslut fattat")

        officer.link("Upphandlingar", "procurements")
        officer.link("Påbörja en upphandling", "start-procurement")
        officer.check(TITLE)
        officer.fill("Rubrik", "Skolskjuts som tjänst")
        officer.fill("Beskrivning", "Funktionsupphandling av planering av skolskjuts")
        officer.fill("Uppskattat värde (kr)", "1500000.00")
        officer.button("Påbörja upphandlingen", "procurement")
        procurement_url = officer.page.url
        invite = officer.open_details("Bjud in en kommun")
        officer.choose("Kommun", "skurup", within=invite)
        officer.button("Bjud in", "invited", exact=True)
        officer.expect_text("Kommunen är inbjuden")

        sign_in(skurup_maker, "skurup", "skurup-decision-maker")
        skurup_maker.link("Beslut som väntar", "waiting")
        skurup_maker.link("Skolskjuts som tjänst, leds av Ystads kommun", "join-form")
        decide(skurup_maker, "join", {}, "2018-04-20")

        maker.page.goto(procurement_url)
        maker.arrived("procurement-for-decision")
        for kind, fields, selects, day in (
            ("screen", {}, {"Är det en innovationsupphandling?": "yes"}, "2018-05-02"),
            ("choose_procedure", {}, {"Förfarande": "open"}, "2018-05-02"),
            (
                "publish",
                {
                    "Annonsens id i annonsdatabasen": "2018-YST-7",
                    "Sista anbudsdag (datum)": "2018-10-15",
                    "Sista anbudsdag (tid)": "12:00",
                },
                {},
                "2018-09-03",
            ),
        ):
            maker.link("Fatta beslut", "decision-form")
            open_decision(maker, kind, f"decision-{kind}")
            decide(maker, kind, fields, day, selects=selects)

        officer.page.goto(procurement_url)
        officer.arrived("procurement-tendering")
        officer.open_details("Inkommet anbud")
        officer.fill("Anbudsgivarens organisationsnummer", "556677-8899")
        officer.fill("Anbudsgivarens namn", "Skjuts AB")
        officer.fill("Inkom (datum)", "2018-10-10")
        officer.fill("Inkom (tid)", "13:00")
        officer.button("Registrera anbudet", "bid")
        officer.expect_text("Anbud från Skjuts AB")
        officer.fill("Anbuden öppnade (datum)", "2018-10-16")
        officer.fill("Anbuden öppnade (tid)", "09:00")
        officer.button("Börja utvärderingen", "evaluation")
        officer.expect_text("Utvärderingen har börjat")

        maker.page.goto(procurement_url)
        maker.arrived("procurement-evaluation")
        maker.link("Fatta beslut", "decision-form")
        open_decision(maker, "award", "decision-award")
        decide(
            maker,
            "award",
            {
                "Leverantör 1: organisationsnummer": "556677-8899",
                "Leverantör 1: namn": "Skjuts AB",
                "Sammanfattning av utvärderingen": "Bäst förhållande mellan pris och kvalitet",
                "Tilldelningsbeslutet skickat (datum)": "2018-12-20",
                "Tilldelningsbeslutet skickat (tid)": "11:00",
            },
            "2018-12-20",
            checks=("Skickat elektroniskt (avtalsspärr 10 dagar i stället för 15)",),
        )
        maker.expect_text("Avtalsspärrens sista dag")

        # Inside the standstill the signature is refused, with the reason, in Swedish.
        maker.link("Fatta beslut", "decision-form")
        open_decision(maker, "sign_contract", "decision-sign")
        maker.fill("Avtalsvärde (kr)", "1450000.00")
        maker.fill("Tecknat den", "2019-01-02")
        maker.fill("Motivering", "Avtalet tecknas")
        maker.fill("Beslutsdatum", "2019-01-02")
        maker.button("Fatta beslutet", "sign-refused")
        expect(maker.page.locator("#refusal")).to_contain_text("Avtalsspärren har inte löpt ut")
        decide(maker, "sign_contract", {"Tecknat den": "2019-01-03"}, "2019-01-03")
        maker.expect_text("Avtal tecknat")

        officer.page.goto(procurement_url)
        officer.arrived("procurement-contracted")
        officer.open_details("Delmål i genomförandet")
        officer.fill("Delmål", "Pilot i två skolor")
        officer.fill("Uppnått den", "2019-03-01")
        officer.button("Registrera delmålet", "milestone")
        officer.open_details("Uppföljning av ett behov")
        officer.fill("Uppföljt den", "2019-09-02")
        officer.fill("Effekt på behovet", "Färre missade skjutsar")
        officer.fill("Hur det mättes", "Avvikelser per månad")
        officer.button("Registrera uppföljningen", "follow-up")
        officer.expect_text("Färre missade skjutsar")

        # Skurup took part: its auditor verifies the signed contract in the browser.
        sign_in(auditor, "skurup", "skurup-auditor")
        auditor.link("Liggare", "ledger")
        auditor.choose("Beslut", "sign_contract")
        auditor.button("Filtrera", "ledger-filtered")
        expect(auditor.page.locator("tr.ledger-check").first).to_be_visible()
        auditor.button("Kontrollera i den här webbläsaren")
        summary = auditor.page.locator("#verify-summary")
        expect(summary).to_have_attribute("data-outcome", "verified")
        expect(summary).to_contain_text("Signaturen är giltig")
        expect(auditor.page.locator("tr.ledger-check[data-outcome=verified]").first).to_be_visible()
        assert auditor.page.locator("tr.ledger-check[data-outcome=failed]").count() == 0
    finally:
        for someone in (officer, maker, skurup_maker, auditor):
            someone.close()
