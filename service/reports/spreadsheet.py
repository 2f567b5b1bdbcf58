"""A report as CSV for spreadsheets, as Swedish Excel reads it: UTF-8 with a byte order mark,
`;` between columns, decimal commas.

The file is the report's blocks one after the other, each separated by an empty line: first the
summary (`Uppgift;Värde`), then each table with its heading on a line of its own, the column
headings, and its rows.
"""

from __future__ import annotations

import csv
import io

from service.reports.document import Report
from service.reports.formatting import sheet

MEDIA_TYPE = "text/csv"


def render_csv(report: Report, base_url: str = "") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([report.title])
    writer.writerow([report.subtitle])
    writer.writerow([])
    writer.writerow(["Uppgift", "Värde"])
    for fact in report.facts:
        writer.writerow([fact.label, sheet(fact.value, fact.kind, base_url)])
    writer.writerow(["Framtagen", report.generated_at])
    for view, position in sorted(report.sources.items()):
        writer.writerow([f"Loggposition ({view})", str(position)])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([table.heading])
        writer.writerow([column.heading for column in table.columns])
        for row in table.rows:
            writer.writerow(
                [sheet(column.value_of(row), column.kind, base_url) for column in table.columns]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
