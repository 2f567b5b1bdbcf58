"""A municipality's purchasing register (inköpsregister) as a CSV file, line by line.

The columns are those a Swedish municipality's case or contract register exports (diarienummer,
benämning, CPV, förfarande, beslutsdatum, avtal); docs/purchasing-register.md lists them. Swedish
spreadsheets write `;` between columns and a decimal comma, so both `;` and `,` separators and
both decimal marks are read; the first line names the columns, in any order.

Each line becomes the body of one registration (service.use_cases.purchasing), or the reasons it
cannot, each naming the column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from domain.errors import InvalidValue
from domain.values.dates import parse_date
from domain.values.timestamps import STOCKHOLM

# column -> (required, what it holds); the order is the order of the template.
COLUMNS: dict[str, tuple[bool, str]] = {
    "Referens": (True, "The line's own id in the register (löpnummer); re-importing the same "
                       "reference never registers it twice"),
    "Diarienummer": (False, "Case number, e.g. KS 2019/123"),
    "Benämning": (True, "Title of the procurement"),
    "Beskrivning": (False, "Description"),
    "CPV": (False, "CPV codes, main first, separated by spaces or '|', e.g. 30192000-1"),
    "Uppskattat värde": (True, "Estimated value in SEK, e.g. 250000 or 250 000,00"),
    "Förfarande": (True, "Procedure: Direktupphandling, Avrop från ramavtal, Öppet förfarande, "
                         "Selektivt förfarande, Förhandlat förfarande med/utan annonsering, "
                         "Konkurrenspräglad dialog, Innovationspartnerskap, "
                         "Förkommersiell upphandling (or the API's codes)"),
    "Ramavtal": (False, "Call-offs: the framework agreement called off"),
    "Beslutsdatum": (True, "Day of the procurement decision (anskaffningsbeslut), YYYY-MM-DD"),
    "Motivering": (False, "Why the purchase was decided"),
    "Delegationspunkt": (False, "The delegation rule relied on (rule id); found when empty"),
    "Beslutsinstans": (False, "A board decision: the deciding body (then Protokoll too)"),
    "Protokoll": (False, "A board decision: the minutes, e.g. KS 2019-02-04 § 12"),
    "Sammanträdesdatum": (False, "A board decision: the day of the meeting, YYYY-MM-DD"),
    "Innovation": (True, "Innovation screening: Ja or Nej"),
    "Innovationstyp": (False, "When Ja: Funktionskrav, Innovationspartnerskap, "
                              "Förkommersiell upphandling, Marknadsdialog or Annan"),
    "Innovationsbedömning": (True, "Why the purchase is, or is not, an innovation procurement"),
    "Leverantör org.nr": (False, "Signed direct awards and call-offs: the supplier's "
                                 "organisationsnummer"),
    "Leverantör": (False, "The supplier's name"),
    "Avtalsvärde": (False, "The contract value in SEK"),
    "Avtalsdatum": (False, "The day the contract was signed, YYYY-MM-DD"),
}
CONTRACT_COLUMNS = ("Leverantör org.nr", "Leverantör", "Avtalsvärde", "Avtalsdatum")

PROCEDURES = {
    "direktupphandling": "direct_award",
    "avrop från ramavtal": "call_off",
    "avrop": "call_off",
    "öppet förfarande": "open",
    "selektivt förfarande": "restricted",
    "förhandlat förfarande med annonsering": "negotiated_with_notice",
    "förhandlat förfarande med föregående annonsering": "negotiated_with_notice",
    "förhandlat förfarande utan annonsering": "negotiated_without_notice",
    "förhandlat förfarande utan föregående annonsering": "negotiated_without_notice",
    "konkurrenspräglad dialog": "competitive_dialogue",
    "innovationspartnerskap": "innovation_partnership",
    "förkommersiell upphandling": "pre_commercial",
}
INNOVATION_KINDS = {
    "funktionskrav": "functional_requirements",
    "innovationspartnerskap": "innovation_partnership",
    "förkommersiell upphandling": "pre_commercial_procurement",
    "marknadsdialog": "market_dialogue",
    "annan": "other",
}
YES = {"ja", "j", "yes", "true", "1"}
NO = {"nej", "n", "no", "false", "0"}
MAX_LINES = 10_000
_AMOUNT = re.compile(r"^\d{1,13}([.,]\d{1,2})?$")


@dataclass
class RegisterLine:
    """One line of the file: the registration it asks for, or why it cannot be one."""

    line: int  # 1 is the header; data starts on line 2
    reference: str | None
    body: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class RegisterFileError(ValueError):
    """The file as a whole cannot be read (encoding, header, size)."""


def template() -> str:
    """An empty register with every column, for a spreadsheet."""
    return ";".join(COLUMNS) + "\r\n"


def read_register(data: bytes | str) -> list[RegisterLine]:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=";,\t")
    except csv.Error:
        raise RegisterFileError("the first line must name the columns, separated by ;") from None
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise RegisterFileError("the file is empty") from None
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name, (required, _) in COLUMNS.items() if required and name not in header]
    if unknown or missing:
        parts = []
        if missing:
            parts.append("missing columns: " + ", ".join(missing))
        if unknown:
            parts.append("unknown columns: " + ", ".join(unknown))
        raise RegisterFileError("; ".join(parts))
    lines: list[RegisterLine] = []
    for number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(lines) >= MAX_LINES:
            raise RegisterFileError(f"at most {MAX_LINES} lines in one import")
        if len(values) != len(header):
            lines.append(RegisterLine(number, None, errors={
                "_": f"{len(values)} values for {len(header)} columns"}))
            continue
        lines.append(_line(number, dict(zip(header, (v.strip() for v in values), strict=True))))
    return lines


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    for encoding in ("utf-8-sig", "cp1252"):  # Excel on Windows still writes cp1252
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RegisterFileError("the file is neither UTF-8 nor Windows-1252 text")


def _line(number: int, row: dict[str, str]) -> RegisterLine:
    line = RegisterLine(number, row.get("Referens") or None)
    errors = line.errors
    for name, (required, _) in COLUMNS.items():
        if required and not row.get(name):
            errors[name] = "required"
    body: dict[str, Any] = {
        "register_reference": row.get("Referens") or None,
        "case_number": row.get("Diarienummer") or None,
        "title": row.get("Benämning", ""),
        "description": row.get("Beskrivning") or None,
        "cpv_codes": [code for code in re.split(r"[\s|]+", row.get("CPV", "")) if code],
        "framework_agreement": row.get("Ramavtal") or None,
        "exemption_rationale": None,
        "need_ids": [],
        "contract": None,
    }
    body["estimated_value_sek"] = _amount(row.get("Uppskattat värde", ""), "Uppskattat värde",
                                          errors)
    procedure = row.get("Förfarande", "")
    body["procedure"] = PROCEDURES.get(procedure.casefold(), procedure)
    decided_on = _day(row.get("Beslutsdatum", ""), "Beslutsdatum", errors)
    authority: dict[str, Any] = {"kind": "delegation"}
    if row.get("Beslutsinstans") or row.get("Protokoll"):
        authority = {"kind": "board", "body": row.get("Beslutsinstans", ""),
                     "meeting_date": row.get("Sammanträdesdatum") or None,
                     "minutes_reference": row.get("Protokoll", "")}
    elif row.get("Delegationspunkt"):
        authority["rule_id"] = row["Delegationspunkt"]
    body["decision"] = {
        "rationale": row.get("Motivering")
        or f"Anskaffningsbeslut enligt inköpsregistret ({row.get('Referens', '')})",
        "authority": authority,
        "decided_at": None
        if decided_on is None
        else datetime.combine(decided_on, time(0, 0), tzinfo=STOCKHOLM),
    }
    flag = row.get("Innovation", "").casefold()
    innovation = True if flag in YES else False if flag in NO else None
    if row.get("Innovation") and innovation is None:
        errors["Innovation"] = "Ja or Nej"
    kind_text = row.get("Innovationstyp", "")
    body["screening"] = {
        "innovation": innovation,
        "kind": INNOVATION_KINDS.get(kind_text.casefold(), kind_text) or None,
        "rationale": row.get("Innovationsbedömning", ""),
    }
    if any(row.get(name) for name in CONTRACT_COLUMNS):
        for name in CONTRACT_COLUMNS:
            if not row.get(name):
                errors.setdefault(name, "required with a signed contract")
        body["contract"] = {
            "supplier": {"org_number": row.get("Leverantör org.nr", ""),
                         "name": row.get("Leverantör", "")},
            "contract_value_sek": _amount(row.get("Avtalsvärde", ""), "Avtalsvärde", errors),
            "signed_on": _day(row.get("Avtalsdatum", ""), "Avtalsdatum", errors),
        }
    line.body = body
    return line


def _amount(text: str, column: str, errors: dict[str, str]) -> str | None:
    cleaned = text.replace(" ", "").replace("\u00a0", "").removesuffix("kr").strip()
    if not text:
        return None
    if not _AMOUNT.match(cleaned):
        errors.setdefault(column, "an amount in SEK such as 250000 or 250 000,00")
        return None
    return cleaned.replace(",", ".")


def _day(text: str, column: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        return parse_date(text, field=column)  # as every entry point reads a date
    except InvalidValue:
        errors.setdefault(column, "a date YYYY-MM-DD")
        return None


# Which column a refusal of the registration names, by the field the domain names.
FIELD_COLUMNS = {
    "title": "Benämning",
    "description": "Beskrivning",
    "cpv_codes": "CPV",
    "case_number": "Diarienummer",
    "estimated_value_sek": "Uppskattat värde",
    "procedure": "Förfarande",
    "framework_agreement": "Ramavtal",
    "exemption_rationale": "Förfarande",
    "decided_at": "Beslutsdatum",
    "rationale": "Motivering",
    "authority": "Delegationspunkt",
    "authority.rule_id": "Delegationspunkt",
    "authority.body": "Beslutsinstans",
    "authority.minutes_reference": "Protokoll",
    "authority.meeting_date": "Sammanträdesdatum",
    "innovation": "Innovation",
    "kind": "Innovationstyp",
    "register_reference": "Referens",
    "contract.signed_on": "Avtalsdatum",
    "contract.contract_value_sek": "Avtalsvärde",
    "supplier_org_number": "Leverantör org.nr",
    "suppliers": "Leverantör",
}


# Which column a refusal by rule (no field) is about.
RULE_COLUMNS = {
    "direct_award_limit": "Uppskattat värde",
    "contract_needs_award": "Förfarande",
    "not_delegated": "Delegationspunkt",
    "above_delegated_ceiling": "Uppskattat värde",
    "no_delegation_order": "Beslutsdatum",
    "decided_before_meeting": "Sammanträdesdatum",
    "procurement_before_need_decision": "Beslutsdatum",
    "already_registered": "Referens",
}


def column_of(field_name: str | None, rule: str | None = None) -> str:
    if not field_name:
        return RULE_COLUMNS.get(rule or "", "_")
    if field_name.startswith("suppliers[0].org_number"):
        return "Leverantör org.nr"
    if field_name.startswith("suppliers[0].name"):
        return "Leverantör"
    if field_name.startswith("cpv_codes"):
        return "CPV"
    return FIELD_COLUMNS.get(field_name, field_name)
