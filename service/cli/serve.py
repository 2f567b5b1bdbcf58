"""`innoledger serve`: the web service under gunicorn with the project's gunicorn.conf.py."""

from __future__ import annotations

import os
from pathlib import Path

import click

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn workers.")
def serve_command(host: str, port: int, workers: int) -> None:
    """Serve the HTTP API with gunicorn (threaded workers, no preload)."""
    config = PROJECT_ROOT / "gunicorn.conf.py"
    argv = [
        "gunicorn",
        "--config",
        str(config),
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--chdir",
        str(PROJECT_ROOT),
        "wsgi:app",
    ]
    os.execvp(argv[0], argv)
