"""Request and response bodies of the law's amounts (direct-award limit, EU thresholds)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.law_amounts import SERIES
from service.api.schemas.common import MoneyOut, money, text
from service.api.schemas.values import DateField, QueryDateTimeField


class LawAmountSchema(Schema):
    series = fields.String(required=True, validate=validate.OneOf(list(SERIES)))
    effective_from = DateField(
        required=True,
        metadata={
            "description": "First day in force; 1 January for the EU thresholds; at most a "
            "year ahead"
        },
    )
    amount = money(
        required=True,
        metadata={"description": "In the series' currency (SEK, or EUR for the _eur series)"},
    )
    source = text(1000, required=True, metadata={"description": "The official source"})
    note = fields.String(validate=validate.Length(min=1, max=2000), allow_none=True)


class LawAmountsQuerySchema(Schema):
    version = fields.Integer(
        validate=validate.Range(min=1, max=10**9),
        metadata={"description": "The record as of this version"},
    )
    as_of = QueryDateTimeField(
        metadata={"description": "The record as of this moment (transaction time)"}
    )


class LawAmountEntrySchema(Schema):
    effective_from = fields.Date()
    amount = MoneyOut()
    currency = fields.String()
    source = fields.String()
    note = fields.String(allow_none=True)
    entered_by = fields.String()
    seeded = fields.Boolean(metadata={"description": "Imported from the bundled seed"})


class LawAmountSeriesSchema(Schema):
    series = fields.String()
    name = fields.String()
    currency = fields.String()
    revised_biennially = fields.Boolean()
    checked_by_decisions = fields.Boolean()
    entries = fields.List(fields.Nested(LawAmountEntrySchema))


class LawAmountWarningSchema(Schema):
    series = fields.String()
    newest_effective_from = fields.String()
    due = fields.String()
    message = fields.String()


class LawAmountsSchema(Schema):
    version = fields.Integer(
        metadata={
            "description": "The record's version; 0 while it is not opened yet (the "
            "entries are then the bundled seed it opens with)"
        }
    )
    on_record = fields.Boolean()
    series = fields.List(fields.Nested(LawAmountSeriesSchema))
    warnings = fields.List(fields.Nested(LawAmountWarningSchema))
