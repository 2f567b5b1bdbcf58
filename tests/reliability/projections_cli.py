"""`innoledger projections ...` for the tests' runner processes.

The `projections` command group (service/cli/projections.py) is not attached to the main
`innoledger` command yet, so the tests start it through this module:
`python -m tests.reliability.projections_cli run --batch-size 50`.
"""

from __future__ import annotations

from service.cli.projections import projections_group

if __name__ == "__main__":
    projections_group(prog_name="innoledger projections")
