"""The pages' routes from the URL map, made concrete on the demo network: what the generated
tests of the pages walk, so a new page cannot slip through."""

from __future__ import annotations

import re

from flask import Flask

from service.demo.scenario import DemoResult

PUBLIC = {"/", "/logga-in", "/logga-in/demo", "/tillganglighet", "/api/docs"}
ROLES = ("ystad-officer", "ystad-decision-maker", "ystad-auditor", "ystad-viewer", "ystad-admin")


def routes(app: Flask, method: str) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("web.", "api_docs."))
        and method in (rule.methods or ())
        and rule.endpoint != "web.static"
    )


def concrete(rule: str, demo: DemoResult) -> str:
    values = {
        "need_id": demo.needs["Lärprocess för AI"],
        "procurement_id": demo.procurements["ai"],
        "item_id": "00000000-0000-4000-8000-000000000000",
        "kind": "need",
        "object_id": demo.needs["Lärprocess för AI"],
        "municipality": "ystad",
        "year": "2019",
        "project_id": demo.projects["vinnova"],
    }
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values[m.group(1)], rule)
