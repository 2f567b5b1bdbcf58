"""Request and response bodies of municipalities (tenants) and their tokens."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.decisions import DELEGABLE_DECISION_TYPES
from domain.innovation_areas import AREA_OWN, AREA_VISIBILITIES
from domain.municipality import SWEDISH_COUNTIES, TENANT_ROLES
from domain.rules.delegation import DELEGABLE_ROLES
from service.api.schemas.common import (
    DecisionBaseSchema,
    DecisionRecordSchema,
    MoneyOut,
    money,
    text,
)
from service.api.schemas.values import DateField


class MunicipalityCreateSchema(Schema):
    slug = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9-]{1,62}$"))
    name = text(200, required=True)
    organisation_number = fields.String(
        required=True,
        validate=validate.Regexp(r"^\d{6}-?\d{4}$", error="organisationsnummer NNNNNN-NNNN"),
    )
    county = fields.String(required=True, validate=validate.OneOf(SWEDISH_COUNTIES))


class MemberGrantSchema(Schema):
    user_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._@-]{1,128}$"))
    role = fields.String(required=True, validate=validate.OneOf(TENANT_ROLES))


class InnovationAreaCreateSchema(Schema):
    name = text(200, required=True)
    description = fields.String(validate=validate.Length(max=2000), allow_none=True)
    visibility = fields.String(
        validate=validate.OneOf(AREA_VISIBILITIES),
        load_default=AREA_OWN,
        metadata={
            "description": "Whose catalogue lists the area: this municipality's only "
            "(`municipality`, the default) or every municipality's (`network`). Names are not "
            "confidential: the municipality's record shows all its areas."
        },
    )


class DelegationRuleSchema(Schema):
    rule_id = text(64, required=True)
    decision_type = fields.String(
        required=True, validate=validate.OneOf(DELEGABLE_DECISION_TYPES)
    )
    role = fields.String(required=True, validate=validate.OneOf(DELEGABLE_ROLES))
    max_value_sek = money(
        allow_none=True,
        metadata={"description": "Value ceiling in SEK; none means no ceiling"},
    )


class DelegationOrderSchema(DecisionBaseSchema):
    """The board's (or council's) decision adopting the order, recorded by a tenant admin:
    `authority` is `{"kind": "board", "body", "meeting_date", "minutes_reference"}`."""

    type = fields.String(
        validate=validate.Equal("adopt_delegation_order"),
        load_default="adopt_delegation_order",
    )
    effective_from = DateField(
        required=True,
        metadata={"description": "The first day the order is in force; not before the meeting"},
    )
    rules = fields.List(
        fields.Nested(DelegationRuleSchema), required=True, validate=validate.Length(min=1, max=500)
    )


class SuspensionSchema(Schema):
    rationale = text(2000, required=True)


class InnovationAreaSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    visibility = fields.String(validate=validate.OneOf(AREA_VISIBILITIES))
    retired = fields.Boolean()


class DelegationRuleOutSchema(Schema):
    rule_id = fields.String()
    decision_type = fields.String()
    role = fields.String()
    max_value_sek = MoneyOut(allow_none=True)


class DelegationOrderOutSchema(Schema):
    version = fields.Integer()
    effective_from = fields.Date()
    rules = fields.List(fields.Nested(DelegationRuleOutSchema))
    decision = fields.Nested(
        DecisionRecordSchema,
        allow_none=True,
        metadata={
            "description": "The board's adopting decision; null for orders recorded before "
            "adoptions carried it"
        },
    )


class MunicipalitySchema(Schema):
    id = fields.String()
    version = fields.Integer()
    slug = fields.String()
    name = fields.String()
    organisation_number = fields.String()
    county = fields.String()
    suspended = fields.Boolean()
    members = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        allow_none=True,
        metadata={"description": "Own municipality only"},
    )
    innovation_areas = fields.List(fields.Nested(InnovationAreaSchema))
    delegation_orders = fields.List(fields.Nested(DelegationOrderOutSchema))
    created_on = fields.DateTime()
    modified_on = fields.DateTime()


class MunicipalitySummarySchema(Schema):
    slug = fields.String()
    name = fields.String()
    county = fields.String()


class MunicipalityListSchema(Schema):
    items = fields.List(fields.Nested(MunicipalitySummarySchema))


class TokenCreateSchema(Schema):
    user_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._@-]{1,128}$"))
    label = fields.String(validate=validate.Length(max=200), allow_none=True)
    expires_in_days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=366))


class TokenIssuedSchema(Schema):
    token_id = fields.String()
    token = fields.String(metadata={"description": "The bearer token; shown this once only"})
    user_id = fields.String()
    municipality = fields.String(allow_none=True)
    expires_at = fields.DateTime()


class TokenRecordSchema(Schema):
    token_id = fields.String()
    user_id = fields.String()
    municipality = fields.String(allow_none=True)
    label = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.String()
    expires_at = fields.String()
    revoked_at = fields.String(allow_none=True)
    active = fields.Boolean()


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenRecordSchema))


class SessionsEndedSchema(Schema):
    ended = fields.Integer(
        required=True, metadata={"description": "How many browser sessions were open and ended"}
    )
