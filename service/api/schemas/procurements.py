"""Request and response bodies of procurements (upphandlingar)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_dump, post_load, validate

from domain.procurement import (
    CLOSE_OUTCOMES,
    INNOVATION_KINDS,
    LESSON_PHASES,
    MARKET_DIALOGUE_KINDS,
    PARTICIPANT_ROLES,
    PROCEDURES,
    REVIEW_OUTCOMES,
    TERMINATION_REASONS,
)
from domain.procurement_decisions import ProcurementDecision, procurement_decision
from service.api.schemas.common import (
    UUID_PATTERN,
    AuthoritySchema,
    DecisionBaseSchema,
    DecisionRecordSchema,
    MoneyOut,
    money,
    strict_boolean,
    text,
)
from service.api.schemas.polymorphic import TypedUnionSchema
from service.api.schemas.values import DateField, DateTimeField

# An organisation number, or a sole trader's personnummer: the domain tells them apart by the
# third digit and keeps a person's number only in the erasable party directory.
ORG_NUMBER = validate.Regexp(
    r"^(16|19|20)?[0-9]{6}[-+]?[0-9]{4}$",
    error="organisationsnummer NNNNNN-NNNN (or a sole trader's personnummer YYMMDD-NNNN)",
)
PARTY_NUMBER_DESCRIPTION = (
    "Organisationsnummer NNNNNN-NNNN; for a sole trader (enskild näringsidkare) their"
    " personnummer, kept only in the erasable party directory and never in events"
)
CPV = validate.Regexp(r"^\d{8}-\d$", error="CPV code like 48000000-8")


class ProcurementCreateSchema(Schema):
    title = text(200, required=True)
    description = text(20000, required=True)
    estimated_value_sek = money(required=True)
    need_ids = fields.List(
        fields.String(validate=validate.Regexp(UUID_PATTERN)),
        required=True,
        validate=validate.Length(min=1, max=50),
    )
    case_number = fields.String(
        validate=validate.Length(max=64), allow_none=True, metadata={"description": "Diarienummer"}
    )
    cpv_code = fields.String(validate=CPV, allow_none=True)


class RegistrationDecisionSchema(Schema):
    rationale = text(10000, required=True, metadata={"description": "Why procure"})
    authority = fields.Nested(AuthoritySchema, required=True)
    decided_at = DateTimeField(
        required=True,
        metadata={
            "description": "Valid time: when the procurement decision (anskaffningsbeslut) was "
            "taken; its Stockholm calendar year is the year the procurement counts as started"
        },
    )


class ScreeningInSchema(Schema):
    innovation = strict_boolean(required=True)
    kind = fields.String(validate=validate.OneOf(INNOVATION_KINDS), allow_none=True)
    rationale = text(10000, required=True)


class RegisteredContractSchema(Schema):
    supplier = fields.Nested(lambda: SupplierSchema(), required=True)
    contract_value_sek = money(required=True)
    signed_on = DateField(
        required=True,
        metadata={"description": "Signing day; its year is the year the contract counts in"},
    )
    rationale = fields.String(validate=validate.Length(min=1, max=10000), allow_none=True)


class ProcurementRegistrationSchema(Schema):
    title = text(200, required=True)
    description = fields.String(validate=validate.Length(max=20000), allow_none=True)
    estimated_value_sek = money(required=True)
    cpv_codes = fields.List(
        fields.String(validate=CPV),
        validate=validate.Length(max=20),
        metadata={"description": "Main CPV code first, then additional ones"},
    )
    need_ids = fields.List(
        fields.String(validate=validate.Regexp(UUID_PATTERN)),
        validate=validate.Length(max=50),
        metadata={"description": "Optional: needs (each with a procurement decision) it meets"},
    )
    case_number = fields.String(
        validate=validate.Length(max=64), allow_none=True, metadata={"description": "Diarienummer"}
    )
    procedure = fields.String(required=True, validate=validate.OneOf(PROCEDURES))
    framework_agreement = fields.String(
        validate=validate.Length(min=1, max=200),
        allow_none=True,
        metadata={"description": "Call-offs (avrop): the framework agreement called off"},
    )
    exemption_rationale = fields.String(validate=validate.Length(min=1, max=10000), allow_none=True)
    decision = fields.Nested(RegistrationDecisionSchema, required=True)
    screening = fields.Nested(
        ScreeningInSchema,
        required=True,
        metadata={"description": "Innovation screening: required for every procurement"},
    )
    contract = fields.Nested(
        RegisteredContractSchema,
        allow_none=True,
        metadata={"description": "Direct awards and call-offs already signed (no standstill)"},
    )
    register_reference = fields.String(
        validate=validate.Length(min=1, max=100),
        allow_none=True,
        metadata={
            "description": "The line's id in the municipality's purchasing register; "
            "registering the same reference again answers 409"
        },
    )


class ProcurementEditSchema(Schema):
    title = text(200)
    description = text(20000)
    estimated_value_sek = money()
    case_number = fields.String(validate=validate.Length(max=64), allow_none=True)
    cpv_code = fields.String(validate=CPV, allow_none=True)


class ParticipantInviteSchema(Schema):
    municipality = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9-]{1,62}$"))
    role = fields.String(required=True, validate=validate.OneOf(PARTICIPANT_ROLES))


def _typed(kind: str) -> fields.String:
    return fields.String(required=True, validate=validate.Equal(kind))


class JoinDecisionSchema(DecisionBaseSchema):
    type = _typed("join")
    value_share_percent = fields.String(
        validate=validate.Regexp(r"^\d{1,3}(\.\d{1,2})?$", error='a percentage like "20.00"'),
        allow_none=True,
        metadata={
            "description": "The joining municipality's own share of the value, in percent, "
            "where known: what the innovation share credits it with",
            "example": "20.00",
        },
    )


class DeclineDecisionSchema(DecisionBaseSchema):
    type = _typed("decline")


class WithdrawDecisionSchema(DecisionBaseSchema):
    type = _typed("withdraw")


class ParticipationDecisionSchema(TypedUnionSchema):
    COMPONENT_PREFIX = "ParticipationDecision"
    TYPES = {
        "join": JoinDecisionSchema,
        "decline": DeclineDecisionSchema,
        "withdraw": WithdrawDecisionSchema,
    }


class LeadDecisionSchema(DecisionBaseSchema):
    """A decision of the lead on its procurement: loads as its typed command."""

    @post_load
    def to_command(self, data: dict[str, Any], **kwargs: Any) -> ProcurementDecision:
        return procurement_decision(data)


class ScreenDecisionSchema(LeadDecisionSchema):
    type = _typed("screen")
    innovation = strict_boolean(required=True)
    kind = fields.String(validate=validate.OneOf(INNOVATION_KINDS), allow_none=True)


class ChooseProcedureDecisionSchema(LeadDecisionSchema):
    type = _typed("choose_procedure")
    procedure = fields.String(required=True, validate=validate.OneOf(PROCEDURES))
    exemption_rationale = fields.String(
        validate=validate.Length(min=1, max=10000),
        allow_none=True,
        metadata={"description": "Pre-commercial procurement: why the R&D exemption applies"},
    )
    framework_agreement = fields.String(
        validate=validate.Length(min=1, max=200),
        allow_none=True,
        metadata={"description": "Call-offs (avrop): the framework agreement called off"},
    )


class PublishDecisionSchema(LeadDecisionSchema):
    type = _typed("publish")
    notice_id = text(100, required=True, metadata={"description": "Id in the notice database"})
    tender_deadline = DateTimeField(required=True)


class SupplierSchema(Schema):
    org_number = fields.String(
        required=True, validate=ORG_NUMBER, metadata={"description": PARTY_NUMBER_DESCRIPTION}
    )
    name = text(200, required=True)


class AwardDecisionSchema(LeadDecisionSchema):
    type = _typed("award")
    suppliers = fields.List(
        fields.Nested(SupplierSchema), required=True, validate=validate.Length(min=1, max=50)
    )
    evaluation_summary = text(20000, required=True)
    notification_sent_at = DateTimeField(required=True)
    sent_electronically = strict_boolean(required=True)


class CancelDecisionSchema(LeadDecisionSchema):
    type = _typed("cancel")


class SignContractDecisionSchema(LeadDecisionSchema):
    type = _typed("sign_contract")
    supplier_org_number = fields.String(
        required=True, validate=ORG_NUMBER, metadata={"description": PARTY_NUMBER_DESCRIPTION}
    )
    contract_value_sek = money(required=True)
    signed_on = DateField(required=True)


class CloseDecisionSchema(LeadDecisionSchema):
    type = _typed("close")
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(CLOSE_OUTCOMES),
        metadata={"description": "Only a contract implemented and followed up is closed"},
    )


class TerminateEarlyDecisionSchema(LeadDecisionSchema):
    type = _typed("terminate_early")
    reason = fields.String(
        required=True,
        validate=validate.OneOf(TERMINATION_REASONS),
        metadata={"description": "Why the contract ends before it is finished"},
    )


class ProcurementDecisionSchema(TypedUnionSchema):
    COMPONENT_PREFIX = "ProcurementDecision"
    TYPES = {
        "screen": ScreenDecisionSchema,
        "choose_procedure": ChooseProcedureDecisionSchema,
        "publish": PublishDecisionSchema,
        "award": AwardDecisionSchema,
        "cancel": CancelDecisionSchema,
        "sign_contract": SignContractDecisionSchema,
        "close": CloseDecisionSchema,
        "terminate_early": TerminateEarlyDecisionSchema,
    }


class MarketDialogueSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(MARKET_DIALOGUE_KINDS))
    held_on = DateField(required=True)
    supplier_count = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    summary = text(10000, required=True)


class BidSchema(Schema):
    tenderer_org_number = fields.String(
        required=True, validate=ORG_NUMBER, metadata={"description": PARTY_NUMBER_DESCRIPTION}
    )
    tenderer_name = text(200, required=True)
    received_at = DateTimeField(required=True)


class EvaluationStartSchema(Schema):
    at = DateTimeField(metadata={"description": "When the bids were opened; now if left out"})


class ReviewFiledSchema(Schema):
    filed_on = DateField(
        required=True, metadata={"description": "The day the application reached the court"}
    )
    court = text(200, required=True, metadata={"example": "Förvaltningsrätten i Malmö"})
    applicant = text(200, required=True)
    reference = text(100, required=True, metadata={"description": "Case number (målnummer)"})


REVIEW_OUTCOME_DESCRIPTION = (
    "dismissed: the procurement may go on (after the extended standstill if the application"
    " came in during the standstill); redo: it is to be redone, back to planning; correct:"
    " it is to be corrected (rättelse), the award is void and the evaluation redone"
)


class ReviewRulingSchema(Schema):
    ruled_on = DateField(required=True)
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(REVIEW_OUTCOMES),
        metadata={"description": REVIEW_OUTCOME_DESCRIPTION},
    )
    summary = text(10000, required=True)


class InterimOrderSchema(Schema):
    ordered_on = DateField(
        required=True,
        metadata={
            "description": "Interimistiskt beslut of the court where the case is pending: no"
            " contract may be signed until further notice"
        },
    )


class InterimOrderLiftedSchema(Schema):
    lifted_on = DateField(required=True)


class AppealSchema(Schema):
    appealed_on = DateField(required=True)
    court = text(200, required=True, metadata={"example": "Kammarrätten i Göteborg"})
    appellant = text(200, required=True)
    reference = text(100, required=True, metadata={"description": "Case number (målnummer)"})


class MilestoneSchema(Schema):
    title = text(200, required=True)
    reached_on = DateField(required=True)
    note = fields.String(validate=validate.Length(max=10000), allow_none=True)


class FollowUpSchema(Schema):
    need_id = fields.String(required=True, validate=validate.Regexp(UUID_PATTERN))
    followed_up_on = DateField(required=True)
    effect = text(10000, required=True, metadata={"description": "Effect on the need"})
    measurement = text(2000, required=True, metadata={"description": "What was measured"})


class LessonSchema(Schema):
    text = text(10000, required=True)
    shareable = strict_boolean(required=True, metadata={"description": "Share with the network"})
    phase = fields.String(
        validate=validate.OneOf(LESSON_PHASES),
        allow_none=True,
        metadata={"description": "The work model's phase the lesson is about"},
    )
    what_worked = fields.String(validate=validate.Length(max=10000), allow_none=True)
    what_to_change = fields.String(validate=validate.Length(max=10000), allow_none=True)
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)),
        validate=validate.Length(max=20),
        metadata={"description": "Keywords the network searches lessons by"},
    )


# Responses


class ParticipantSchema(Schema):
    municipality = fields.String()
    role = fields.String()
    status = fields.String()
    value_share_percent = fields.Decimal(places=2, as_string=True, allow_none=True)


class ScreeningSchema(Schema):
    innovation = fields.Boolean()
    kind = fields.String(allow_none=True)
    rationale = fields.String()
    decided_at = fields.DateTime()


class BidOutSchema(Schema):
    id = fields.String()
    tenderer_org_number = fields.String(allow_none=True)
    tenderer_name = fields.String(allow_none=True)
    tenderer_party_id = fields.String(
        allow_none=True,
        metadata={
            "description": "A sole trader's entry in the party directory; their number and name"
            " are shown to the lead only, and to nobody once erased"
        },
    )
    received_at = fields.DateTime()
    late = fields.Boolean()


class SupplierOutSchema(Schema):
    org_number = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    party_id = fields.String(
        allow_none=True,
        metadata={
            "description": "A sole trader's entry in the party directory; their number and name"
            " are shown to the lead only, and to nobody once erased"
        },
    )


class AwardOutSchema(Schema):
    suppliers = fields.List(fields.Nested(SupplierOutSchema))
    evaluation_summary = fields.String()
    notification_sent_at = fields.DateTime()
    sent_electronically = fields.Boolean()
    standstill_last_day = fields.Date(
        allow_none=True, metadata={"description": "Last day of the avtalsspärr (standstill)"}
    )
    earliest_signing_day = fields.Date()
    extended_standstill_last_day = fields.Date(
        allow_none=True,
        metadata={"description": "Last day of the förlängd avtalsspärr after a review's ruling"},
    )
    extended_earliest_signing_day = fields.Date(
        allow_none=True,
        metadata={"description": "First signing day after the extended standstill"},
    )
    decided_at = fields.DateTime()


class ContractOutSchema(Schema):
    supplier_org_number = fields.String(allow_none=True)
    supplier_party_id = fields.String(allow_none=True)  # a sole trader's; absent otherwise
    contract_value_sek = MoneyOut()
    signed_on = fields.Date()

    @post_dump
    def without_absent_party(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("supplier_party_id") is None:
            data.pop("supplier_party_id", None)
        return data


class AppealRulingOutSchema(Schema):
    ruled_on = fields.Date()
    outcome = fields.String()
    summary = fields.String()


class RulingOutSchema(AppealRulingOutSchema):
    extended_standstill_last_day = fields.Date(allow_none=True)
    earliest_signing_day = fields.Date(allow_none=True)


class InterimOrderOutSchema(Schema):
    instance = fields.String(metadata={"description": "first (the review's court) or appeal"})
    court = fields.String()
    ordered_on = fields.Date()
    lifted_on = fields.Date(allow_none=True)


class AppealOutSchema(Schema):
    appealed_on = fields.Date()
    court = fields.String()
    appellant = fields.String()
    reference = fields.String()
    ruling = fields.Nested(AppealRulingOutSchema, allow_none=True)


class ReviewOutSchema(Schema):
    id = fields.String()
    filed_on = fields.Date()
    court = fields.String()
    applicant = fields.String()
    reference = fields.String()
    interim_orders = fields.List(fields.Nested(InterimOrderOutSchema))
    ruling = fields.Nested(RulingOutSchema, allow_none=True)
    appeal = fields.Nested(AppealOutSchema, allow_none=True)


class MarketDialogueOutSchema(MarketDialogueSchema):
    id = fields.String()


class MilestoneOutSchema(MilestoneSchema):
    id = fields.String()


class FollowUpOutSchema(FollowUpSchema):
    id = fields.String()
    municipality = fields.String(metadata={"description": "Who followed up"})


class LessonOutSchema(LessonSchema):
    id = fields.String()
    municipality = fields.String(metadata={"description": "Who recorded it"})


class ProcurementSchema(Schema):
    id = fields.String()
    version = fields.Integer()
    lead = fields.String()
    participants = fields.List(fields.Nested(ParticipantSchema))
    need_ids = fields.List(fields.String())
    proposed_need_ids = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "Other municipalities' needs proposed by the lead, by owner: each "
            "enters the procurement only when its owner joins"
        },
    )
    title = fields.String()
    description = fields.String()
    estimated_value_sek = MoneyOut()
    cpv_code = fields.String(allow_none=True)
    cpv_codes = fields.List(fields.String())
    case_number = fields.String(allow_none=True)
    procurement_decision = fields.Nested(
        DecisionRecordSchema,
        allow_none=True,
        metadata={"description": "Anskaffningsbeslut of a registered procurement"},
    )
    register_reference = fields.String(allow_none=True)
    framework_agreement = fields.String(allow_none=True)
    status = fields.String()
    screening = fields.Nested(ScreeningSchema, allow_none=True)
    innovation = fields.Boolean(allow_none=True)
    procedure = fields.String(allow_none=True)
    exemption_rationale = fields.String(allow_none=True)
    above_threshold = fields.Boolean(allow_none=True)
    notice_id = fields.String(allow_none=True)
    tender_deadline = fields.DateTime(allow_none=True)
    market_dialogue = fields.List(fields.Nested(MarketDialogueOutSchema))
    bids = fields.List(
        fields.Nested(BidOutSchema),
        allow_none=True,
        metadata={
            "description": "Secret (null) before the award except to the lead's officers, decision "
            "makers and auditors"
        },
    )
    bid_count = fields.Integer(allow_none=True)
    bids_disclosed = fields.Boolean()
    evaluation_started_at = fields.DateTime(allow_none=True)
    award = fields.Nested(AwardOutSchema, allow_none=True)
    contract = fields.Nested(ContractOutSchema, allow_none=True)
    under_review = fields.Boolean(
        metadata={"description": "A review is pending or an interim order forbids signing"}
    )
    extended_standstill_last_day = fields.Date(allow_none=True)
    signing_allowed_from = fields.Date(
        allow_none=True,
        metadata={
            "description": "First day the contract may be signed as far as the calendar goes: "
            "after the standstill, any extended standstill, rulings and liftings"
        },
    )
    reviews = fields.List(fields.Nested(ReviewOutSchema))
    milestones = fields.List(fields.Nested(MilestoneOutSchema))
    follow_ups = fields.List(fields.Nested(FollowUpOutSchema))
    lessons = fields.List(fields.Nested(LessonOutSchema))
    outcome = fields.String(allow_none=True)
    termination_reason = fields.String(allow_none=True)
    cancelled_from = fields.String(allow_none=True)
    decisions = fields.List(fields.Nested(DecisionRecordSchema))
    created_on = fields.DateTime()
    modified_on = fields.DateTime()
