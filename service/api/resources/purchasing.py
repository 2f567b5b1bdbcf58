"""A municipality's purchasing register (inköpsregister) imported as a CSV file."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView
from marshmallow import Schema, fields

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.problems import problem
from service.api.views import answer_made_of
from service.purchasing.register_csv import COLUMNS, RegisterFileError, read_register, template

blp = Blueprint(
    "purchasing",
    __name__,
    url_prefix="/api/v1/purchasing-register",
    description="Ordinary purchasing from a municipality's register or case system, imported "
    "as CSV: every line registered and screened, all or nothing, never twice.",
)
CSV_BODY = {
    "required": True,
    "content": {"text/csv": {"schema": {"type": "string"}, "example": template()}},
    "description": "The register: a header line naming the columns ("
    + ", ".join(f"{name}{' (required)' if required else ''}"
                for name, (required, _) in COLUMNS.items())
    + "), then one line per procurement; `;` or `,` between columns, UTF-8 or Windows-1252.",
}


class ImportedSchema(Schema):
    line = fields.Integer()
    reference = fields.String()
    id = fields.String()
    status = fields.String()


class ImportReportSchema(Schema):
    municipality = fields.String()
    lines = fields.Integer(metadata={"description": "Lines read (blank lines skipped)"})
    registered = fields.Integer(metadata={"description": "Procurements registered now"})
    unchanged = fields.Integer(metadata={"description": "Lines registered by an earlier import"})
    saved = fields.Boolean()
    errors = fields.List(fields.Dict(), metadata={"description": "Always empty when answered"})
    procurements = fields.List(fields.Nested(ImportedSchema))
    position = fields.Integer(allow_none=True)


@blp.route("/imports")
class RegisterImports(MethodView):
    @blp.doc(requestBody=CSV_BODY)
    @blp.response(200, ImportReportSchema)
    @blp.alt_response(422, description="Lines that cannot be registered, each naming its line "
                      "and column; nothing was saved")
    def post(self) -> Any:
        """Import the municipality's purchasing register (officer or decision maker): every
        line is checked first and all are saved in one transaction, or none; lines imported
        before are left as they are"""
        principal = current_principal()
        if request.mimetype not in ("text/csv", "text/plain"):
            return problem(415, "Unsupported media type",
                           detail="send the register as text/csv", kind="unsupported-media-type")
        try:
            lines = read_register(request.get_data())
        except RegisterFileError as error:
            return problem(422, "Invalid input", detail=str(error), kind="invalid-input",
                           errors={"file": [str(error)]})
        report = services().innoledger.import_purchasing_register(principal, lines)
        if not report.ok:
            errors: dict[str, list[str]] = {}
            for refusal in report.errors:
                errors.setdefault(f"line {refusal['line']}: {refusal['column']}", []).append(
                    refusal["message"])
            return problem(
                422, "Invalid input", kind="invalid-input",
                detail=f"{len(report.errors)} problems on "
                f"{len({e['line'] for e in report.errors})} lines; nothing was imported",
                errors=errors,
            )
        return jsonify(report.as_dict())


@blp.route("/template")
class RegisterTemplate(MethodView):
    @blp.conditional
    @blp.response(200, description="The header line of a register file",
                  content_type="text/csv")
    def get(self) -> Any:
        """The columns of a register file, as an empty CSV to fill in"""
        current_principal()
        text = template()
        return answer_made_of(lambda: Response(text, mimetype="text/csv"), text)
