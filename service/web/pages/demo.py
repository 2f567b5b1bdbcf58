"""The demo's sign-in: with the demo network loaded, a visitor picks one of its people.

It exists only where the service was started with the demo sign-in enabled *and* the demo
network is in the store; every page says so while it is on. It signs in as a member of a demo
municipality, whose roles are read live like anyone else's.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request

from service.api.context import services
from service.audit.people import PeopleDirectory
from service.demo.network import MUNICIPALITIES
from service.errors import NotFound
from service.web.pages import bp
from service.web.signin import safe_next, start_session

DEMO_SLUGS = tuple(m["slug"] for m in MUNICIPALITIES)


def demo_available() -> bool:
    svc = services()
    if not svc.settings.web.demo_sign_in:
        return False
    try:
        svc.innoledger.require_registered(DEMO_SLUGS[0])
    except NotFound:
        return False
    return True


def demo_people() -> list[dict[str, Any]]:
    app = services().innoledger
    people: list[dict[str, Any]] = []
    for slug in DEMO_SLUGS:
        try:
            municipality = app.require_registered(slug)
        except NotFound:
            continue
        names = PeopleDirectory.of(app).display_names(
            (slug, user_id) for user_id in municipality.members
        )
        for user_id, roles in sorted(municipality.members.items()):
            people.append(
                {
                    "user_id": user_id,
                    "municipality": slug,
                    "municipality_name": municipality.name,
                    "roles": list(roles),
                    "name": names.get(f"{slug}/{user_id}") or user_id,
                }
            )
    return people


@bp.get("/logga-in/demo")
def demo_sign_in() -> Any:
    if not demo_available():
        abort(404)
    return render_template(
        "demo_sign_in.html", people=demo_people(), next=safe_next(request.args.get("next"))
    )


@bp.post("/logga-in/demo")
def demo_sign_in_as() -> Any:
    if not demo_available():
        abort(404)
    user_id = request.form.get("user_id", "")
    chosen = next((p for p in demo_people() if p["user_id"] == user_id), None)
    if chosen is None:
        abort(400, description="no such demo person")
    start_session(user_id=user_id, municipality=chosen["municipality"], via="demo")
    return redirect(safe_next(request.form.get("next")))
