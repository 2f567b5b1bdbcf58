"""The party directory's entries: sole traders who tendered or were awarded."""

from __future__ import annotations

from marshmallow import Schema, fields


class PartySchema(Schema):
    party_id = fields.String()
    municipality = fields.String(metadata={"description": "The municipality that recorded it"})
    kind = fields.String(metadata={"description": "sole_trader (enskild näringsidkare)"})
    identity_number = fields.String(
        allow_none=True,
        metadata={"description": "Personnummer or samordningsnummer; null once erased"},
    )
    name = fields.String(allow_none=True, metadata={"description": "Null once erased"})
    recorded_at = fields.DateTime()
    erased = fields.Boolean()
    erased_at = fields.DateTime(allow_none=True)
