"""Query parameters and answers of the read models (network views, tenant lists, decision log)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.need import NEED_STATES
from domain.procurement import LESSON_PHASES, PROCEDURES, PROCUREMENT_STATES
from projections.queries import LOGGED_DECISION_TYPES
from service.api.schemas.values import QueryDateTimeField

SLUG = validate.Regexp(r"^[a-z][a-z0-9-]{1,62}$")


class ViewQuerySchema(Schema):
    cursor = fields.String(validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    position = fields.Integer(
        validate=validate.Range(min=0, max=2**62),
        metadata={
            "description": "Read your writes: wait (bounded) until the view reflects "
            "this log position, e.g. the `position` a command answered"
        },
    )


class TenantNeedsQuerySchema(ViewQuerySchema):
    status = fields.String(validate=validate.OneOf(NEED_STATES))
    relation = fields.String(validate=validate.OneOf(["owner", "co_owner"]))
    municipality = fields.String(
        validate=SLUG, metadata={"description": "Platform auditors only: whose needs"}
    )


class TenantProcurementsQuerySchema(ViewQuerySchema):
    status = fields.String(validate=validate.OneOf(PROCUREMENT_STATES))
    relation = fields.String(validate=validate.OneOf(["lead", "co_lead", "participant"]))
    municipality = fields.String(
        validate=SLUG, metadata={"description": "Platform auditors only: whose procurements"}
    )


class NetworkNeedsQuerySchema(ViewQuerySchema):
    area = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Innovation area name, any municipality's (case-insensitive)"},
    )
    innovation_area_id = fields.String(validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf(NEED_STATES))
    owner = fields.String(validate=SLUG)
    municipality = fields.String(validate=SLUG, metadata={"description": "Owner or co-owner"})
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Text search: every word must occur"},
    )


class NetworkProcurementsQuerySchema(ViewQuerySchema):
    status = fields.String(validate=validate.OneOf(PROCUREMENT_STATES))
    procedure = fields.String(validate=validate.OneOf(PROCEDURES))
    innovation = fields.Boolean(truthy={"true"}, falsy={"false"})
    lead = fields.String(validate=SLUG)
    municipality = fields.String(validate=SLUG, metadata={"description": "Lead or participant"})
    joint = fields.Boolean(truthy={"true"}, falsy={"false"})
    value_band = fields.String(validate=validate.Length(max=64))


class InnovationShareQuerySchema(ViewQuerySchema):
    municipality = fields.String(validate=SLUG)
    year = fields.Integer(
        validate=validate.Range(min=1900, max=2200),
        metadata={"description": "Year of the procurement decision or of the signing "
                  "(valid time, Europe/Stockholm)"},
    )
    as_of = QueryDateTimeField(
        metadata={
            "description": "Auditors: the figures as the record showed them at this moment "
            "(transaction time), e.g. what the board saw on the day of its annual report"
        }
    )


class LessonsQuerySchema(ViewQuerySchema):
    area = fields.String(validate=validate.Length(min=1, max=200))
    lead = fields.String(validate=SLUG)
    procurement_id = fields.String(validate=validate.Length(max=64))
    municipality = fields.String(
        validate=SLUG, metadata={"description": "The municipality that recorded the lesson"}
    )
    phase = fields.String(validate=validate.OneOf(LESSON_PHASES))
    tag = fields.String(validate=validate.Length(min=1, max=50))
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Words all found in the lesson (text, what worked, what to "
                  "change, tags)"},
    )


class DecisionLogQuerySchema(ViewQuerySchema):
    municipality = fields.String(validate=SLUG, metadata={"description": "Deciding municipality"})
    tenant = fields.String(validate=SLUG, metadata={"description": "Owner of the aggregate"})
    type = fields.String(validate=validate.OneOf(LOGGED_DECISION_TYPES))
    aggregate_type = fields.String(validate=validate.OneOf(["Need", "Procurement", "Municipality"]))
    aggregate_id = fields.String(validate=validate.Length(max=64))
    decided_from = QueryDateTimeField(metadata={"description": "Valid time, inclusive"})
    decided_until = QueryDateTimeField(metadata={"description": "Valid time, exclusive"})
    recorded_from = QueryDateTimeField(metadata={"description": "Transaction time, inclusive"})
    recorded_until = QueryDateTimeField(metadata={"description": "Transaction time, exclusive"})


class ViewPageSchema(Schema):
    items = fields.List(fields.Dict())
    next_cursor = fields.String(allow_none=True)
    position = fields.Integer(metadata={"description": "The log position the view reflects"})


# The network needs catalogue's entries. The view answers them as stored (see
# projections.views.network_needs.api_form), not through these schemas: they document the
# answer, and the contract tests hold every answer to them.


class InnovationAreaRefSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class NetworkNeedSchema(Schema):
    need_id = fields.String(required=True)
    title = fields.String(required=True)
    problem_statement = fields.String(required=True)
    owner = fields.String(required=True, metadata={"description": "Owning municipality"})
    co_owners = fields.List(fields.String(), required=True)
    innovation_area = fields.Nested(InnovationAreaRefSchema, required=True)
    status = fields.String(required=True, validate=validate.OneOf(NEED_STATES))
    priority_score = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": 'Weighted total of the last prioritisation, e.g. "4.00"'},
    )
    affected_end_users = fields.List(fields.String(), required=True)
    competences = fields.List(fields.String(), required=True)
    identified_at = fields.DateTime(required=True)
    shared_at = fields.DateTime(required=True, allow_none=True)
    updated_at = fields.DateTime(required=True)


class SimilaritySchema(Schema):
    score = fields.String(
        required=True,
        metadata={
            "description": "0.9 × text_score, plus 0.1 for the same innovation area; four "
            "decimals. Two needs with no word in common score at most 0.1."
        },
    )
    text_score = fields.String(
        required=True,
        metadata={
            "description": "The share of words the two titles and problem statements have in "
            "common in any Swedish form (Sørensen–Dice over stems), 0 to 1"
        },
    )
    same_area = fields.Boolean(required=True)
    common_stems = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The word stems both say ('äldreboend' for äldreboendet "
                  "and äldreboenden)"},
    )
    suggest_co_ownership = fields.Boolean(
        required=True,
        metadata={
            "description": "True when your municipality owns or co-owns the compared need, "
            "does not own or co-own this one, and the two say much the same (text_score at "
            "least 0.3): ask to co-own it (POST /needs/{id}/co-owners)"
        },
    )
    co_ownership_with = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The municipality to co-own it with (its owner) when suggested"},
    )


class SimilarNeedSchema(NetworkNeedSchema):
    similarity = fields.Nested(SimilaritySchema, required=True)


class NetworkNeedsPageSchema(ViewPageSchema):
    items = fields.List(fields.Nested(NetworkNeedSchema))


class SimilarNeedsPageSchema(ViewPageSchema):
    items = fields.List(fields.Nested(SimilarNeedSchema))


class CatalogueAreaSchema(Schema):
    id = fields.String(required=True, metadata={"description": "What a need's "
                       "innovation_area_id names"})
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    scope = fields.String(
        required=True,
        validate=validate.OneOf(("shared", "own", "network")),
        metadata={"description": "shared: the network's catalogue (the nine areas Skurup and "
                  "Ystad found), every municipality's from the day it joins; own: added by "
                  "your municipality; network: added by another municipality for the network"},
    )
    municipality = fields.String(allow_none=True, metadata={"description": "Who added it"})
    visibility = fields.String(required=True, validate=validate.OneOf(("municipality",
                                                                      "network")))
    retired = fields.Boolean(required=True)


class CataloguePageSchema(ViewPageSchema):
    items = fields.List(fields.Nested(CatalogueAreaSchema))
