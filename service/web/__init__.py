"""The web app: server-rendered pages for the people of the work model, in Swedish first.

Pages call the same application services as the JSON API; every rule, permission and
redaction is the core's. Registered by the composition root `create_app(settings)`.
"""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def register_web(app: Flask, settings: Settings) -> None:
    from service.web import i18n, page_frame, security, signin
    from service.web.docs import blp as docs_blp
    from service.web.pages import register_pages

    web = settings.web
    app.secret_key = security.load_secret_key(web.secret_key, settings.var_dir)
    app.session_interface = security.TlsAwareSessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME="innoledger_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Static assets are versioned by the package; browsers may keep them a day.
        SEND_FILE_MAX_AGE_DEFAULT=86400,
    )
    i18n.register(app)
    signin.register(app)
    app.after_request(security.add_security_headers)
    app.jinja_env.globals["csrf_token"] = security.csrf_token
    page_frame.register(app)
    app.register_blueprint(docs_blp)
    register_pages(app)
