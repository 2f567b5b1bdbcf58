"""How a report's values are written: for print (PDF) and for Swedish spreadsheets (CSV).

Print: amounts with spaces between thousands and a decimal comma (`1 500 000,00`), shares in
percent (`33,33 %`), times in Swedish time. Spreadsheets: the JSON's exact figure with a decimal
comma (`1500000,00`, `0,3333`), which Excel and LibreOffice read as numbers in a Swedish locale.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.values.timestamps import STOCKHOLM

MISSING_PRINTED = "–"


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _grouped(amount: Decimal, places: int) -> str:
    text = f"{amount:,.{places}f}"  # 1,500,000.00
    return text.replace(",", " ").replace(".", ",")


def swedish_time(value: str) -> str:
    """An RFC 3339 moment as a Stockholm wall-clock time, `2019-03-01 10:00`."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def link(path: str, base_url: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return base_url.rstrip("/") + path


def printed(value: Any, kind: str, base_url: str = "") -> str:
    if value is None or value == "":
        return MISSING_PRINTED
    if kind == "bool":
        return "Ja" if value else "Nej"
    if kind == "money":
        amount = _decimal(value)
        return str(value) if amount is None else _grouped(amount, 2)
    if kind == "share":
        share = _decimal(value)
        return str(value) if share is None else _grouped(share * 100, 2) + " %"
    if kind == "percent":
        percent = _decimal(value)
        return str(value) if percent is None else _grouped(percent, 2) + " %"
    if kind == "datetime":
        return swedish_time(str(value))
    if kind == "link":
        return link(str(value), base_url)
    if isinstance(value, (list, tuple)):
        return ("\n" if kind == "lines" else ", ").join(str(v) for v in value)
    return str(value)


def sheet(value: Any, kind: str, base_url: str = "") -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "Ja" if value else "Nej"
    if kind in ("money", "share", "percent"):
        return str(value).replace(".", ",")
    if kind == "datetime":
        return swedish_time(str(value))
    if kind == "link":
        return link(str(value), base_url)
    if kind == "lines" and isinstance(value, (list, tuple)):
        return "\n".join(str(v) for v in value)  # the service's own hashes and keys
    if isinstance(value, (list, tuple)):
        return _inert(" ".join(str(v) for v in value))
    return _inert(str(value))


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): text
# from the record (a rationale, a title) is written with a leading apostrophe instead.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
