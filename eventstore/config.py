"""The library's configuration holds what the application gives it and nothing else.

eventsourcing's `Application.construct_env` merges os.environ into the configuration, and the
library looks each key up under the application's name first; our applications override
`construct_env` with `closed_environment`, so only the mapping built from their settings counts.
"""

from __future__ import annotations

from collections.abc import Mapping

from eventsourcing.utils import Environment


def closed_environment(name: str, env: Mapping[str, str]) -> Environment:
    """The library's `Environment` for application `name` holding `env` only (never
    os.environ)."""
    return Environment(name, dict(env))
