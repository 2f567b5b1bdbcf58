"""Request and response bodies of joint development projects."""

from __future__ import annotations

from typing import ClassVar

from marshmallow import Schema, fields, validate

from domain.project import LINK_KINDS, ORGANISATION_KINDS, PARTNER_ROLES, PHASES
from service.api.schemas.common import (
    UUID_PATTERN,
    DecisionBaseSchema,
    DecisionRecordSchema,
    MoneyOut,
    money,
    text,
)
from service.api.schemas.polymorphic import TypedUnionSchema
from service.api.schemas.values import DateField

SLUG = validate.Regexp(r"^[a-z][a-z0-9-]{1,62}$")
PARTNER_KINDS = ("municipality", *ORGANISATION_KINDS)


class FunderSchema(Schema):
    name = text(200, required=True, metadata={"example": "Vinnova"})
    programme = text(200, allow_none=True, metadata={"example": "Innovationsupphandling"})
    reference = text(100, allow_none=True, metadata={"description": "The funder's case number"})
    granted_sek = money(allow_none=True)


class ProjectCreateSchema(DecisionBaseSchema):
    type = fields.String(
        validate=validate.Equal("establish_project"), load_default="establish_project"
    )
    title = text(200, required=True)
    description = text(10000, required=True)
    starts_on = DateField(required=True)
    ends_on = DateField(allow_none=True)
    funder = fields.Nested(FunderSchema, allow_none=True)


class ProjectEditSchema(Schema):
    title = text(200)
    description = text(10000)
    starts_on = DateField()
    ends_on = DateField(allow_none=True)
    funder = fields.Nested(FunderSchema, allow_none=True)


class PartnerCreateSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(PARTNER_KINDS),
        metadata={"description": "`municipality`: a municipality of the network, invited (it "
                  "joins by its own decision); any other kind: an organisation recorded as a "
                  "partner by the coordinator"},
    )
    role = fields.String(required=True, validate=validate.OneOf(PARTNER_ROLES))
    municipality = fields.String(validate=SLUG, metadata={"description": "kind municipality"})
    name = text(200, metadata={"description": "Other kinds: the organisation's name"})
    organisation_number = fields.String(
        validate=validate.Length(max=20), allow_none=True,
        metadata={"description": "Other kinds: organisationsnummer NNNNNN-NNNN (optional)"},
    )


class ReferenceGroupMemberCreateSchema(Schema):
    organisation = text(200, required=True)
    represents = text(
        500, required=True,
        metadata={"description": "What the organisation brings (an organisation or function, "
                  "never a person's name)"},
    )


class PhasePlanSchema(Schema):
    starts_on = DateField(required=True)
    ends_on = DateField(allow_none=True)
    description = text(10000, allow_none=True, metadata={"description": "What the phase does"})
    results = text(10000, allow_none=True, metadata={"description": "What it achieved"})


class JoinProjectDecisionSchema(DecisionBaseSchema):
    """The invited municipality joins the project."""


class DeclineProjectDecisionSchema(DecisionBaseSchema):
    """The invited municipality declines."""


class WithdrawFromProjectDecisionSchema(DecisionBaseSchema):
    """A municipality that joined leaves (after unlinking its work)."""


class _LinkDecisionSchema(DecisionBaseSchema):
    kind = fields.String(required=True, validate=validate.OneOf(LINK_KINDS))
    object_id = fields.String(
        required=True, validate=validate.Regexp(UUID_PATTERN),
        metadata={"description": "The caller's own need (owner) or procurement (lead)"},
    )


class LinkToProjectDecisionSchema(_LinkDecisionSchema):
    """A partner puts its own need or procurement under the project."""


class UnlinkFromProjectDecisionSchema(_LinkDecisionSchema):
    """The municipality that linked it takes it out again."""


class ProjectDecisionSchema(TypedUnionSchema):
    """A municipality's own decision on a project."""

    TYPES: ClassVar = {
        "join_project": JoinProjectDecisionSchema,
        "decline_project": DeclineProjectDecisionSchema,
        "withdraw_from_project": WithdrawFromProjectDecisionSchema,
        "link_to_project": LinkToProjectDecisionSchema,
        "unlink_from_project": UnlinkFromProjectDecisionSchema,
    }
    COMPONENT_PREFIX = "ProjectDecision"


class ProjectQuerySchema(Schema):
    cursor = fields.String(validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    municipality = fields.String(
        validate=SLUG, metadata={"description": "Only projects it coordinates or joined"}
    )


class FunderOutSchema(Schema):
    name = fields.String()
    programme = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    granted_sek = MoneyOut(allow_none=True)


class MunicipalityRefSchema(Schema):
    slug = fields.String()
    name = fields.String()


class PartnerSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"description": "municipality, or the organisation's kind"})
    municipality = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    organisation_number = fields.String(allow_none=True)
    role = fields.String()
    status = fields.String(metadata={"description": "invited, joined, declined or withdrawn"})
    decision = fields.Nested(DecisionRecordSchema, allow_none=True)


class ReferenceGroupMemberSchema(Schema):
    id = fields.String()
    organisation = fields.String()
    represents = fields.String()


class PhaseSchema(Schema):
    phase = fields.String(metadata={"description": ", ".join(PHASES)})
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    description = fields.String(allow_none=True)
    results = fields.String(allow_none=True)


class LinkedWorkSchema(Schema):
    id = fields.String()
    municipality = fields.String(metadata={"description": "Whose it is (who linked it)"})
    linked_at = fields.DateTime(metadata={"description": "Valid time of the link decision"})
    title = fields.String(allow_none=True, metadata={"description": "Null unless you may see it"})
    status = fields.String(allow_none=True)
    innovation = fields.Boolean(allow_none=True)


class ProjectSchema(Schema):
    id = fields.String()
    version = fields.Integer()
    title = fields.String()
    description = fields.String()
    coordinator = fields.Nested(MunicipalityRefSchema)
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    funder = fields.Nested(FunderOutSchema, allow_none=True)
    partners = fields.List(fields.Nested(PartnerSchema))
    reference_group = fields.List(fields.Nested(ReferenceGroupMemberSchema))
    phases = fields.List(fields.Nested(PhaseSchema))
    needs = fields.List(fields.Nested(LinkedWorkSchema))
    procurements = fields.List(fields.Nested(LinkedWorkSchema))
    decisions = fields.List(
        fields.Nested(DecisionRecordSchema),
        metadata={"description": "Establishment, partners' decisions, links and unlinks, in "
                  "the order taken; each with its authority"},
    )
    created_on = fields.DateTime()
    modified_on = fields.DateTime()


class ProjectSummarySchema(Schema):
    id = fields.String()
    version = fields.Integer()
    title = fields.String()
    coordinator = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    funder = fields.String(allow_none=True, metadata={"description": "The funder's name"})
    partners = fields.List(fields.String(), metadata={"description": "Municipalities that "
                           "joined, and the other partners' names"})


class ProjectListSchema(Schema):
    items = fields.List(fields.Nested(ProjectSummarySchema))
    next_cursor = fields.String(allow_none=True)
