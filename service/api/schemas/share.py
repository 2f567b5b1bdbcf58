"""Request and response bodies of the innovation share's targets and trend."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.innovation_share import TARGET_MEASURES
from service.api.schemas.common import DecisionBaseSchema

SLUG = validate.Regexp(r"^[a-z][a-z0-9-]{1,62}$")
PERCENT = validate.Regexp(r"^\d{1,3}(\.\d{1,2})?$", error='a percentage like "25.00"')


class InnovationTargetSchema(DecisionBaseSchema):
    type = fields.String(
        validate=validate.Equal("adopt_innovation_target"),
        load_default="adopt_innovation_target",
    )
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    target_percent = fields.String(
        required=True,
        validate=PERCENT,
        metadata={"description": "The innovation share aimed at, in percent", "example": "25"},
    )
    measure = fields.String(
        load_default="started_count",
        validate=validate.OneOf(TARGET_MEASURES),
        metadata={"description": "What the share is of: procurements started or contracted "
                  "in the year, by count or by value"},
    )


class TrendQuerySchema(Schema):
    municipality = fields.String(
        validate=SLUG, metadata={"description": "Leave out for the network"}
    )
    measure = fields.String(load_default="started_count", validate=validate.OneOf(TARGET_MEASURES))
    position = fields.Integer(
        validate=validate.Range(min=0, max=2**62),
        metadata={"description": "Wait until the view reflects this log position"},
    )


class TrendYearSchema(Schema):
    year = fields.Integer()
    actual_percent = fields.String(allow_none=True)
    target_percent = fields.String(allow_none=True)
    distance_points = fields.String(
        allow_none=True, metadata={"description": "Actual minus target, percentage points"}
    )
    change_points = fields.String(
        allow_none=True, metadata={"description": "Change from the year before"}
    )
    target_decision_positions = fields.List(
        fields.Integer(), metadata={"description": "Log positions of the target decisions"}
    )


class TrendSchema(Schema):
    municipality = fields.String(allow_none=True)
    measure = fields.String()
    years = fields.List(fields.Nested(TrendYearSchema))
    slope_points_per_year = fields.String(
        allow_none=True, metadata={"description": "Least-squares slope of the actual share"}
    )
    direction = fields.String(allow_none=True)
    position = fields.Integer()
