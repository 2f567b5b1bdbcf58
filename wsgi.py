"""WSGI entry point for gunicorn: each worker builds its app after the fork (no preload)."""

from service.api import create_app

app = create_app()
