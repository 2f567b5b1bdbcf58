"""The one seam between Innoledger and the eventsourcing library's infrastructure.

Everything that knows how the library stores events lives here: its configuration (from our
settings only), its recorders and their PostgreSQL overrides (fail-fast retries, serialised table
creation, the idle ping), the copy-on-write repository, SQL on the library's events table, the
safe head followers read up to, and the SQL store our own tables share with it.
`tests/contracts/` checks what this package relies on in the library and runs first in
`make test`.

It imports neither `service`, `projections` nor `domain` (see docs/architecture.md).
"""
