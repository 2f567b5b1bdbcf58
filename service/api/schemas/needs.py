"""Request and response bodies of needs (behov)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.need import QUADRANTS, REJECTION_REASONS, SCORE_CRITERIA
from service.api.schemas.common import (
    UUID_PATTERN,
    DecisionBaseSchema,
    DecisionRecordSchema,
    MoneyOut,
    text,
)
from service.api.schemas.polymorphic import TypedUnionSchema
from service.api.schemas.values import DateField

short_list = fields.List(text(200), validate=validate.Length(max=50))


class NeedCreateSchema(Schema):
    title = text(200, required=True)
    problem_statement = text(
        10000,
        required=True,
        metadata={"description": "Solution-neutral: the problem, not a product"},
    )
    innovation_area_id = fields.String(required=True, validate=validate.Regexp(UUID_PATTERN))
    affected_end_users = fields.List(text(200), validate=validate.Length(max=50))
    competences = fields.List(text(200), validate=validate.Length(max=50))


class NeedEditSchema(Schema):
    title = text(200)
    problem_statement = text(10000)
    innovation_area_id = fields.String(validate=validate.Regexp(UUID_PATTERN))
    affected_end_users = fields.List(text(200), validate=validate.Length(max=50))
    competences = fields.List(text(200), validate=validate.Length(max=50))


class SwotItemCreateSchema(Schema):
    quadrant = fields.String(required=True, validate=validate.OneOf(QUADRANTS))
    text = text(2000, required=True)


class WorkshopCreateSchema(Schema):
    held_on = DateField(required=True)
    competences_present = fields.List(
        text(200), validate=validate.Length(max=50), load_default=list
    )
    participant_count = fields.Integer(required=True, validate=validate.Range(min=1, max=10000))
    notes = fields.String(validate=validate.Length(max=10000), allow_none=True)


def _scores() -> fields.Nested:

    return fields.Nested(
        Schema.from_dict(
            {
                c: fields.Integer(required=True, validate=validate.Range(min=1, max=5))
                for c in SCORE_CRITERIA
            },
            name="PrioritisationScores",
        ),
        required=True,
    )


class SwotAdditionSchema(Schema):
    quadrant = fields.String(required=True, validate=validate.OneOf(QUADRANTS))
    text = text(2000, required=True)


class SwotChangesSchema(Schema):
    add = fields.List(fields.Nested(SwotAdditionSchema), validate=validate.Length(max=100))
    remove = fields.List(
        fields.String(validate=validate.Regexp(UUID_PATTERN)), validate=validate.Length(max=500)
    )


class PrioritiseDecisionSchema(DecisionBaseSchema):
    type = fields.String(required=True, validate=validate.Equal("prioritise"))
    scores = _scores()
    weights = fields.Dict(
        keys=fields.String(validate=validate.OneOf(SCORE_CRITERIA)),
        values=fields.Integer(validate=validate.Range(min=0, max=100)),
        metadata={"description": "Relative weight per criterion; equal weights when left out"},
    )
    swot_changes = fields.Nested(
        SwotChangesSchema,
        metadata={
            "description": "Once prioritised, the SWOT is frozen: it changes only with a new "
            "prioritisation, through these changes"
        },
    )


class ParkDecisionSchema(DecisionBaseSchema):
    type = fields.String(required=True, validate=validate.Equal("park"))


class ReopenDecisionSchema(DecisionBaseSchema):
    type = fields.String(required=True, validate=validate.Equal("reopen"))


class RejectDecisionSchema(DecisionBaseSchema):
    type = fields.String(required=True, validate=validate.Equal("reject"))
    reason = fields.String(required=True, validate=validate.OneOf(REJECTION_REASONS))


class DecideToProcureDecisionSchema(DecisionBaseSchema):
    type = fields.String(required=True, validate=validate.Equal("decide_to_procure"))


class MarkRealisedDecisionSchema(DecisionBaseSchema):
    type = fields.String(required=True, validate=validate.Equal("mark_realised"))


class NeedDecisionSchema(TypedUnionSchema):
    COMPONENT_PREFIX = "NeedDecision"
    TYPES = {
        "prioritise": PrioritiseDecisionSchema,
        "park": ParkDecisionSchema,
        "reopen": ReopenDecisionSchema,
        "reject": RejectDecisionSchema,
        "decide_to_procure": DecideToProcureDecisionSchema,
        "mark_realised": MarkRealisedDecisionSchema,
    }


class PublishToMarketDecisionSchema(DecisionBaseSchema):
    summary = text(
        5000, allow_none=True,
        metadata={"description": "What the municipality asks of the market (shown with the "
                  "need without sign-in)"},
    )


class WithdrawFromMarketDecisionSchema(DecisionBaseSchema):
    """Takes the need off the market."""


class MarketDecisionSchema(TypedUnionSchema):
    COMPONENT_PREFIX = "MarketDecision"
    TYPES = {
        "publish_to_market": PublishToMarketDecisionSchema,
        "withdraw_from_market": WithdrawFromMarketDecisionSchema,
    }


class SwotItemSchema(Schema):
    id = fields.String()
    quadrant = fields.String()
    text = fields.String()
    author = fields.String()


class WorkshopSchema(Schema):
    id = fields.String()
    held_on = fields.Date()
    competences_present = fields.List(fields.String())
    participant_count = fields.Integer()
    notes = fields.String(allow_none=True)


class ScoringSchema(Schema):
    scores = fields.Dict(keys=fields.String(), values=fields.Integer())
    weights = fields.Dict(keys=fields.String(), values=MoneyOut())
    weighted_total = MoneyOut()
    decided_at = fields.DateTime()


class MarketPublicationSchema(Schema):
    decided_at = fields.DateTime()
    summary = fields.String(allow_none=True)
    version = fields.Integer(metadata={"description": "The need's version it was published in"})


class NeedSchema(Schema):
    id = fields.String()
    version = fields.Integer()
    owner = fields.String()
    co_owners = fields.List(fields.String())
    title = fields.String()
    problem_statement = fields.String()
    innovation_area_id = fields.String()
    affected_end_users = fields.List(fields.String())
    competences = fields.List(fields.String())
    visibility = fields.String()
    status = fields.String()
    swot = fields.List(fields.Nested(SwotItemSchema))
    workshops = fields.List(fields.Nested(WorkshopSchema))
    scorings = fields.List(fields.Nested(ScoringSchema))
    weighted_total = MoneyOut(allow_none=True)
    decisions = fields.List(fields.Nested(DecisionRecordSchema))
    rejection_reason = fields.String(allow_none=True)
    procurement_id = fields.String(allow_none=True)
    market_publication = fields.Nested(
        MarketPublicationSchema, allow_none=True,
        metadata={"description": "Published to the market (open without sign-in) since"},
    )
    created_on = fields.DateTime()
    modified_on = fields.DateTime()


class NeedSummarySchema(Schema):
    id = fields.String()
    version = fields.Integer()
    owner = fields.String()
    title = fields.String()
    status = fields.String()
    visibility = fields.String()


class NeedListSchema(Schema):
    items = fields.List(fields.Nested(NeedSummarySchema))
    next_cursor = fields.String(allow_none=True)
    position = fields.Integer()
