"""Bodies of the audit endpoints: histories, the ledger and its proofs, the raw event stream."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.schemas.values import QueryDateTimeField


class HistoryQuerySchema(Schema):
    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    decided_from = QueryDateTimeField(metadata={"description": "Valid time: decided at or after"})
    decided_to = QueryDateTimeField(metadata={"description": "Valid time: decided before"})


class HistoryEntrySchema(Schema):
    version = fields.Integer()
    position = fields.Integer()
    leaf_index = fields.Integer(allow_none=True)
    recorded_at = fields.String()
    type = fields.String()
    topic = fields.String()
    actor = fields.Dict()
    decision = fields.Dict(allow_none=True)
    data = fields.Dict()
    changes = fields.List(fields.Dict(), metadata={"description": "RFC 6902 JSON Patch"})
    redacted = fields.Boolean()


class HistoryPageSchema(Schema):
    aggregate_id = fields.String()
    aggregate_type = fields.String()
    current_version = fields.Integer()
    entries = fields.List(fields.Nested(HistoryEntrySchema))
    next_cursor = fields.String(allow_none=True)


class InclusionQuerySchema(Schema):
    leaf_index = fields.Integer(required=True, validate=validate.Range(min=0, max=2**62))
    tree_size = fields.Integer(required=True, validate=validate.Range(min=1, max=2**62))


class ConsistencyQuerySchema(Schema):
    first = fields.Integer(required=True, validate=validate.Range(min=0, max=2**62))
    second = fields.Integer(required=True, validate=validate.Range(min=1, max=2**62))


class EventsQuerySchema(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    municipality = fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9-]{1,62}$"))


class PersonSchema(Schema):
    user_id = fields.String()
    municipality = fields.String(
        allow_none=True, metadata={"description": "Whose entry this is (none: the platform's)"}
    )
    display_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    erased = fields.Boolean()


class PersonUpdateSchema(Schema):
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))


class TreeHeadSchema(Schema):
    tree_size = fields.Integer()
    root_hash = fields.String(metadata={"description": "hex"})
    timestamp = fields.String()
    timestamp_ms = fields.Integer()
    signature = fields.String(metadata={"description": "base64 Ed25519 signature"})
    key_id = fields.String()
    signature_algorithm = fields.String()
    hash_algorithm = fields.String()
    signed_data = fields.String()


class InclusionProofSchema(Schema):
    leaf_index = fields.Integer()
    tree_size = fields.Integer()
    leaf_hash = fields.String()
    inclusion_path = fields.List(fields.String())
    root_hash = fields.String()
    event = fields.Dict(
        allow_none=True,
        metadata={"description": "The event the leaf stands for; null when not yours to read"},
    )
    tree_head = fields.Nested(TreeHeadSchema, allow_none=True)


class ConsistencyProofSchema(Schema):
    first = fields.Integer()
    second = fields.Integer()
    consistency_path = fields.List(fields.String())
    first_root_hash = fields.String()
    second_root_hash = fields.String()


class EventPageSchema(Schema):
    events = fields.List(fields.Dict())
    next_after = fields.Integer(allow_none=True)
    reflects_position = fields.Integer(allow_none=True)
    more = fields.Boolean()
