"""Schemas shared by every resource."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from domain.values.money import MONEY_PATTERN as _MONEY_PATTERN
from service.api.schemas.values import DateField, DateTimeField, MoneyField, QueryDateTimeField

UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
# Re-exported for schemas that document money: the one definition lives with the value object.
MONEY_PATTERN = _MONEY_PATTERN


def money(**kwargs: object) -> MoneyField:
    """SEK as a string with at most two decimals; never a float (spec §9)."""
    return MoneyField(**kwargs)


def text(max_length: int = 2000, **kwargs: object) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)  # type: ignore[arg-type]


class MoneyOut(fields.Decimal):
    """Decimal rendered as a two-decimal string (documented as a string, see openapi.py)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(places=2, as_string=True, **kwargs)  # type: ignore[arg-type]


def strict_boolean(**kwargs: object) -> fields.Boolean:
    """true or false only: marshmallow would also take "yes", "on" and 1."""
    return fields.Boolean(truthy={True}, falsy={False}, **kwargs)  # type: ignore[arg-type]


class CommandResultSchema(Schema):
    id = fields.String(required=True, metadata={"description": "The aggregate's id"})
    version = fields.Integer(required=True, metadata={"description": "Its new version (ETag)"})
    position = fields.Integer(
        required=True,
        metadata={
            "description": "Position of the last event in the log; pass it to a view "
            "read as `position` to read your write"
        },
    )
    created = fields.Dict(keys=fields.String(), values=fields.String())


class AuthoritySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["delegation", "board"]))
    rule_id = fields.String(
        validate=validate.Length(max=64),
        metadata={"description": "Delegation rule relied on; found automatically when omitted"},
    )
    body = text(200, metadata={"description": "Board decisions: the deciding body"})
    meeting_date = DateField(
        metadata={
            "description": "Board decisions: the day of the meeting (not in the future; the "
            "decision is not dated before it)"
        }
    )
    minutes_reference = text(
        200,
        metadata={
            "description": 'Board decisions: the minutes, e.g. "Kommunstyrelsen 2018-03-14 § 45"'
        },
    )


class DecisionBaseSchema(Schema):
    type = fields.String(required=True)
    rationale = text(10000, required=True)
    authority = fields.Nested(AuthoritySchema, required=True)
    decided_at = DateTimeField(
        required=True,
        metadata={"description": "Valid time: when the decision was taken (RFC 3339)"},
    )


class DecisionRecordSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String()
    rationale = fields.String()
    authority = fields.Dict()
    decided_at = fields.DateTime()
    decided_by = fields.String(
        allow_none=True,
        metadata={"description": "Null where the deciding municipality's members are withheld "
                  "from the caller"},
    )
    municipality = fields.String()
    value_sek = MoneyOut(allow_none=True)


class VersionQuerySchema(Schema):
    version = fields.Integer(
        validate=validate.Range(min=1, max=10**9),
        metadata={"description": "State as of this version (auditors)"},
    )
    as_of = QueryDateTimeField(
        metadata={"description": "State as of this moment, transaction time (auditors)"}
    )


class PageQuerySchema(Schema):
    cursor = fields.String(validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
