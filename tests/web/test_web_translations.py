"""Swedish first: every text of the pages has its Swedish translation, and the compiled
catalogue the service reads says the same as the one people edit."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "service" / "web"
CATALOGUE = WEB / "translations" / "sv" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2)}


def _texts_in_the_code() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(WEB), method_map=method_map, keywords=KEYWORDS
        )
    }


def test_every_text_of_the_pages_has_a_swedish_translation() -> None:
    with open(CATALOGUE / "messages.po", "rb") as handle:
        catalogue = read_po(handle, locale="sv")
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(_texts_in_the_code() - translated)
    assert not missing, f"run scripts/web-translations and translate: {missing}"


def test_the_compiled_catalogue_matches_the_edited_one() -> None:
    with open(CATALOGUE / "messages.po", "rb") as handle:
        edited = {m.id: m.string for m in read_po(handle, locale="sv") if m.id}
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == edited, "run scripts/web-translations to compile messages.mo"
