"""The reports' JSON: the same report the PDF and CSV forms print (service/reports)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.schemas.share import TrendSchema
from service.api.schemas.values import DateField

FORMATS = ("json", "csv", "pdf")


class ReportFormatQuerySchema(Schema):
    format = fields.String(
        validate=validate.OneOf(FORMATS),
        metadata={
            "description": "json, csv (Swedish Excel: `;`, decimal comma, UTF-8 with BOM) or "
            "pdf, for links that cannot send `Accept`; without it the `Accept` header decides "
            "(application/json, text/csv, application/pdf; JSON when it names none of them "
            "but allows anything)"
        },
    )


class AuditorReportQuerySchema(ReportFormatQuerySchema):
    period_from = DateField(
        required=True,
        data_key="from",
        metadata={"description": "First day of the period (Stockholm calendar), YYYY-MM-DD"},
    )
    period_until = DateField(
        required=True,
        data_key="until",
        metadata={"description": "Last day of the period, included, YYYY-MM-DD"},
    )
    municipality = fields.String(
        validate=validate.Regexp(r"^[a-z][a-z0-9-]{1,62}$"),
        metadata={"description": "Platform auditors: one municipality's decisions (the "
                  "decisions on its objects and those it took); leave out for all"},
    )


class ReportMunicipalitySchema(Schema):
    slug = fields.String()
    name = fields.String()
    organisation_number = fields.String()


class ReportProcurementSchema(Schema):
    procurement_id = fields.String()
    title = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    status_sv = fields.String(allow_none=True)
    procedure = fields.String(allow_none=True)
    procedure_sv = fields.String(allow_none=True)
    lead = fields.String()
    relation = fields.String(allow_none=True)
    relation_sv = fields.String(allow_none=True)
    innovation = fields.Boolean()
    started_count = fields.Integer(metadata={"description": "1 if started in the year"})
    started_innovation_count = fields.Integer()
    started_value_sek = fields.String(
        metadata={"description": "The value credited to the municipality (its part of a joint "
                  "procurement)"}
    )
    started_innovation_value_sek = fields.String()
    contracted_count = fields.Integer(metadata={"description": "1 if signed in the year"})
    contracted_innovation_count = fields.Integer()
    contracted_value_sek = fields.String()
    contracted_innovation_value_sek = fields.String()
    link = fields.String()
    history = fields.String()


class DelegationDecisionSchema(Schema):
    position = fields.Integer(metadata={"description": "Log position of the decision's event"})
    decision_type = fields.String()
    decision_type_sv = fields.String()
    decided_at = fields.String(metadata={"description": "Valid time (RFC 3339)"})
    recorded_at = fields.String(metadata={"description": "Transaction time (RFC 3339)"})
    decided_by = fields.String(allow_none=True)
    decided_by_name = fields.String(allow_none=True)
    rule_id = fields.String(allow_none=True, metadata={"description": "Delegation rule relied on"})
    order_version = fields.Integer(allow_none=True)
    role = fields.String(allow_none=True)
    role_sv = fields.String(allow_none=True)
    max_value_sek = fields.String(allow_none=True)
    value_sek = fields.String(allow_none=True)
    rationale = fields.String(allow_none=True)
    aggregate_type = fields.String()
    aggregate_id = fields.String()
    subject = fields.String(allow_none=True, metadata={"description": "Title of the object"})
    link = fields.String()
    history = fields.String()


class BoardReportSchema(Schema):
    report = fields.String(metadata={"example": "board_annual"})
    municipality = fields.Nested(ReportMunicipalitySchema)
    year = fields.Integer()
    generated_at = fields.String()
    innovation_share = fields.Dict(
        allow_none=True,
        metadata={"description": "The municipality's row of GET /network/innovation-share for "
                  "the year (started, contracted, network, target); null when it has none"},
    )
    trend = fields.Nested(TrendSchema)
    procurements = fields.List(
        fields.Nested(ReportProcurementSchema),
        metadata={"description": "The procurements behind the year's figures; their credits "
                  "add up to `innovation_share`"},
    )
    delegation_decisions = fields.List(fields.Nested(DelegationDecisionSchema))
    sources = fields.Dict(
        keys=fields.String(), values=fields.Integer(),
        metadata={"description": "Each view read, with the log position it reflected"},
    )
    links = fields.Dict(keys=fields.String(), values=fields.String())


class ReportTreeHeadSchema(Schema):
    tree_size = fields.Integer()
    root_hash = fields.String()
    timestamp = fields.String()
    timestamp_ms = fields.Integer()
    signature = fields.String(metadata={"description": "Ed25519 signature, base64"})
    key_id = fields.String()
    signature_algorithm = fields.String()
    hash_algorithm = fields.String()
    signed_data = fields.String()
    public_key_pem = fields.String(metadata={"description": "The key that signed the head"})


class AuditedDecisionSchema(Schema):
    position = fields.Integer()
    leaf_index = fields.Integer(metadata={"description": "The event's leaf in the ledger"})
    leaf_hash = fields.String()
    inclusion_path = fields.List(
        fields.String(),
        metadata={"description": "RFC 9162 inclusion proof of the leaf in the tree of "
                  "`tree_head.tree_size` leaves, hex"},
    )
    aggregate_type = fields.String()
    aggregate_id = fields.String()
    aggregate_version = fields.Integer()
    event_type = fields.String()
    tenant = fields.String()
    decision_type = fields.String()
    decision_type_sv = fields.String()
    decided_at = fields.String()
    recorded_at = fields.String()
    decided_by = fields.String(allow_none=True)
    roles = fields.List(fields.String(), allow_none=True)
    municipality = fields.String()
    authority = fields.Dict(allow_none=True)
    authority_sv = fields.String(allow_none=True)
    rationale = fields.String(allow_none=True)
    value_sek = fields.String(allow_none=True)
    link = fields.String()
    history = fields.String()


class AuditorReportSchema(Schema):
    report = fields.String(metadata={"example": "auditor"})
    scope = fields.String(
        allow_none=True, metadata={"description": "The municipality, or null for the network"}
    )
    period = fields.Dict(keys=fields.String(), values=fields.String())
    generated_at = fields.String()
    tree_head = fields.Nested(ReportTreeHeadSchema)
    decisions = fields.List(fields.Nested(AuditedDecisionSchema))
    sources = fields.Dict(keys=fields.String(), values=fields.Integer())
    verification = fields.Dict(keys=fields.String(), values=fields.String())


class ReportProjectSchema(Schema):
    id = fields.String()
    version = fields.Integer()
    title = fields.String()
    description = fields.String()
    coordinator = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    starts_on = fields.String()
    ends_on = fields.String(allow_none=True)
    funder = fields.Dict(allow_none=True, metadata={
        "description": "name, programme, reference, granted_sek"})
    link = fields.String()
    history = fields.String()


class ReportPartnerSchema(Schema):
    id = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    kind_sv = fields.String(allow_none=True)
    municipality = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    organisation_number = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    role_sv = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    status_sv = fields.String(allow_none=True)
    decided_at = fields.String(allow_none=True)
    authority_sv = fields.String(allow_none=True)


class ReportPhaseSchema(Schema):
    phase = fields.String()
    phase_sv = fields.String()
    starts_on = fields.String(allow_none=True)
    ends_on = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    results = fields.String(allow_none=True)
    activities = fields.Integer(metadata={"description": "Needs (needs identification), "
                                "procurements (pilots) or results (implementation) in it"})


class ReportLinkedNeedSchema(Schema):
    need_id = fields.String()
    municipality = fields.String()
    linked_at = fields.String(allow_none=True)
    title = fields.String(allow_none=True, metadata={"description": "null when not visible"})
    status = fields.String(allow_none=True)
    status_sv = fields.String(allow_none=True)
    link = fields.String()
    history = fields.String()


class ReportLinkedProcurementSchema(Schema):
    procurement_id = fields.String()
    municipality = fields.String()
    linked_at = fields.String(allow_none=True)
    title = fields.String(allow_none=True, metadata={"description": "null when not visible"})
    status = fields.String(allow_none=True)
    status_sv = fields.String(allow_none=True)
    innovation = fields.Boolean(allow_none=True)
    procedure = fields.String(allow_none=True)
    procedure_sv = fields.String(allow_none=True)
    estimated_value_sek = fields.String(allow_none=True)
    contract_value_sek = fields.String(allow_none=True)
    signed_on = fields.String(allow_none=True)
    link = fields.String()
    history = fields.String()


class ReportResultSchema(Schema):
    procurement_id = fields.String()
    procurement = fields.String()
    kind = fields.String(metadata={"description": "milestone or follow_up"})
    kind_sv = fields.String()
    on = fields.String()
    what = fields.String()
    measured = fields.String(allow_none=True)
    municipality = fields.String()
    history = fields.String()


class ReportProjectDecisionSchema(Schema):
    decision_type = fields.String()
    decision_type_sv = fields.String(allow_none=True)
    decided_at = fields.String(allow_none=True)
    municipality = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    authority = fields.Dict(allow_none=True)
    authority_sv = fields.String(allow_none=True)
    rationale = fields.String(allow_none=True)


class ProjectReportSchema(Schema):
    report = fields.String(metadata={"example": "project"})
    project = fields.Nested(ReportProjectSchema)
    generated_at = fields.String()
    partners = fields.List(fields.Nested(ReportPartnerSchema))
    reference_group = fields.List(fields.Dict())
    phases = fields.List(fields.Nested(ReportPhaseSchema))
    needs = fields.List(fields.Nested(ReportLinkedNeedSchema))
    procurements = fields.List(fields.Nested(ReportLinkedProcurementSchema))
    results = fields.List(fields.Nested(ReportResultSchema))
    decisions = fields.List(fields.Nested(ReportProjectDecisionSchema))
    totals = fields.Dict(metadata={"description": "Of the linked procurements the reader may "
                         "see: counts, estimated and contract values"})
