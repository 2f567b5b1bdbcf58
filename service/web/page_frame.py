"""The frame of every page — the skip link, the demo notice, the header with the person signed in,
their roles, the forms to sign out and to change language, the menu, and the footer — drawn once
per process for everything it shows, instead of on every request: it is most of a page's
translated strings and built links, and it changes only with those.

The key holds everything the frame's templates read: the language, the demo notice, the
person (user, municipality, roles), the page (endpoint and path with query, for the menu's
current item and the language form's way back) and the session's CSRF token (in both forms).
A frame is therefore never another person's or another page's.
"""

from __future__ import annotations

from flask import Flask, render_template, request, session
from markupsafe import Markup

from service.principal import Principal
from service.web.fragments import rendered_frames
from service.web.i18n import chosen_language
from service.web.security import CSRF_FIELD, csrf_token


def page_header(principal: Principal | None, demo_mode: bool) -> Markup:
    def draw() -> str:
        return render_template("_page_header.html", principal=principal, demo_mode=demo_mode)

    if not session.get(CSRF_FIELD):
        # A session's first page (it gets its token now) is not kept: a client that keeps no
        # cookies is new on every request and would fill the memory with frames never asked
        # for again.
        csrf_token()
        return Markup(draw())
    person = None if principal is None else (
        principal.user_id, principal.municipality, principal.roles
    )
    key = (
        "header", chosen_language(), bool(demo_mode), person,
        request.endpoint, request.full_path, csrf_token(),
    )  # fmt: skip
    return rendered_frames().get_or_render(key, draw)


def page_footer() -> Markup:
    return rendered_frames().get_or_render(
        ("footer", chosen_language()), lambda: render_template("_page_footer.html")
    )


def register(app: Flask) -> None:
    app.jinja_env.globals["page_header"] = page_header
    app.jinja_env.globals["page_footer"] = page_footer
