"""Blueprints of the API, one module per resource."""

from __future__ import annotations

from flask_smorest import Api


def register_blueprints(api: Api) -> None:
    from service.api.resources import (
        audit,
        law,
        market,
        municipalities,
        needs,
        ocds,
        parties,
        people,
        probes,
        procurements,
        projects,
        purchasing,
        reports,
        share,
        tokens,
        views,
    )

    for module in (
        probes, municipalities, tokens, needs, procurements, purchasing, views, share, ocds,
        audit, people, parties, projects, reports, market, law,
    ):
        api.register_blueprint(module.blp)
        for union in getattr(module, "TYPED_UNIONS", ()):
            for kind, schema in union.TYPES.items():
                api.spec.components.schema(union.component_name(kind), schema=schema)
