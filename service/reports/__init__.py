"""Reports people print, file and open in spreadsheets (docs/reports.md).

Each report is a read-side use case taking the principal: built from the read models and the
ledger with the same access and redaction as every other read, returned as one `Report` value
(document.py) and rendered as JSON, CSV (spreadsheet.py) or PDF (pdf.py).
"""
