"""OpenAPI 3.1 from the marshmallow schemas; errors documented as application/problem+json."""

from __future__ import annotations

import http
from typing import Any

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from service.api.links import add_links
from service.api.operation_docs import OperationDocsPlugin
from service.api.problems import PROBLEM_MEDIA_TYPE, ProblemSchema
from service.api.schemas.common import MoneyOut
from service.api.schemas.values import MoneyField

API_DESCRIPTION = """\
Innoledger carries the work model for innovation procurement of small and medium-sized Swedish
municipalities — needs identification (*behovsidentifiering*), joint procurements
(*innovationsupphandling*), implementation and follow-up — with a verifiable audit trail.

Authenticate with `Authorization: Bearer <token>`. Commands on an existing object need
`If-Match: "<version>"` (the ETag you read); they answer with the new ETag and the event
`position`. Errors are RFC 9457 problem details (`application/problem+json`); each one's `type`
is a page of this service (`/problems/<rule>`) that explains the rule in Swedish and English with
its legal reference, and a refusal that depends on the state names the next step in `next_steps`.
"""


class InnoledgerApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def create_api(app: Flask) -> InnoledgerApi:
    from service.api.resources import register_blueprints

    app.config.update(
        API_TITLE="Innoledger",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": API_DESCRIPTION},
            "security": [{"bearer": []}],
            "components": {
                "securitySchemes": {
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "Opaque token issued by a tenant admin (shown once)",
                    }
                }
            },
        },
    )
    api = InnoledgerApi(app, spec_kwargs={"extra_plugins": [OperationDocsPlugin()]})
    # Money leaves as a decimal string (spec §9), so the document must say string, not number.
    api.register_field(MoneyOut, "string", "decimal")
    api.register_field(MoneyField, "string", None)
    register_blueprints(api)
    add_links(api.spec)
    return api
