"""One report value, rendered three ways: JSON (its `body`), CSV and PDF (its tables).

A report's tables show the very items of its JSON body (`Table.rows` are the body's lists), each
column naming the item's field, so the printed, the spreadsheet and the JSON form cannot say
different things. Headings are Swedish: the reports are filed in Swedish municipalities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# How a column's values are written (see service.reports.formatting).
KINDS = ("text", "count", "money", "share", "percent", "bool", "datetime", "date", "link", "code",
         "lines")  # lines: a list, one item a line (proof paths)


@dataclass(frozen=True)
class Column:
    key: str  # a field of the row, dotted for nested fields ("authority.rule_id")
    heading: str
    kind: str = "text"
    # Left out of the PDF, where it would not fit (a full URL): the CSV and JSON keep it, and
    # the printed id leads to the same object.
    printed: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key}: unknown kind {self.kind!r}")

    def value_of(self, row: dict[str, Any]) -> Any:
        value: Any = row
        for part in self.key.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value


@dataclass(frozen=True)
class Table:
    key: str
    heading: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    note: str = ""
    # Small print (hashes, proofs) in the PDF.
    dense: bool = False

    @property
    def printed_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.printed)


@dataclass(frozen=True)
class Fact:
    """One line of the report's summary: a label and a value with its kind."""

    label: str
    value: Any
    kind: str = "text"


@dataclass(frozen=True)
class Report:
    kind: str  # board_annual, auditor, project
    title: str
    subtitle: str
    filename: str  # without extension
    body: dict[str, Any]  # the JSON form
    facts: tuple[Fact, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()  # Swedish paragraphs: definitions, how to verify
    generated_at: str = ""
    sources: dict[str, int] = field(default_factory=dict)  # view -> log position it reflected
