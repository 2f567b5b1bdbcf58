"""The stable event topics the views read, and what the lifecycle events mean for status.

Topics are part of the stored format (they never change once written), so the views name them
as data rather than importing the aggregate classes; a test checks each against the domain.
"""

from __future__ import annotations

# Municipality
MUNICIPALITY_AREA_ADDED = "innoledger:Municipality.InnovationAreaAdded"
MUNICIPALITY_AREA_RETIRED = "innoledger:Municipality.InnovationAreaRetired"
MUNICIPALITY_TARGET_ADOPTED = "innoledger:Municipality.InnovationTargetAdopted"
MUNICIPALITY_ROLE_GRANTED = "innoledger:Municipality.RoleGranted"
MUNICIPALITY_ROLE_REVOKED = "innoledger:Municipality.RoleRevoked"

# Need
NEED_IDENTIFIED = "innoledger:Need.Identified"
NEED_EDITED = "innoledger:Need.Edited"
NEED_SWOT_ITEM_ADDED = "innoledger:Need.SwotItemAdded"
NEED_SWOT_ITEM_REMOVED = "innoledger:Need.SwotItemRemoved"
NEED_WORKSHOP_RECORDED = "innoledger:Need.WorkshopRecorded"
NEED_SHARED = "innoledger:Need.Shared"
NEED_UNSHARED = "innoledger:Need.Unshared"
NEED_CO_OWNER_JOINED = "innoledger:Need.CoOwnerJoined"
NEED_PRIORITISED = "innoledger:Need.Prioritised"
NEED_PARKED = "innoledger:Need.Parked"
NEED_REOPENED = "innoledger:Need.Reopened"
NEED_REJECTED = "innoledger:Need.Rejected"
NEED_PROCUREMENT_DECIDED = "innoledger:Need.ProcurementDecided"
NEED_ATTACHED = "innoledger:Need.AttachedToProcurement"
NEED_RELEASED = "innoledger:Need.ReleasedFromProcurement"
NEED_REALISED = "innoledger:Need.Realised"

# Procurement
PROCUREMENT_STARTED = "innoledger:Procurement.Started"
PROCUREMENT_EDITED = "innoledger:Procurement.Edited"
PROCUREMENT_DECIDED = "innoledger:Procurement.ProcurementDecided"
PROCUREMENT_PARTICIPANT_INVITED = "innoledger:Procurement.ParticipantInvited"
PROCUREMENT_PARTICIPATION_DECIDED = "innoledger:Procurement.ParticipationDecided"
PROCUREMENT_SCREENED = "innoledger:Procurement.Screened"
PROCUREMENT_PROCEDURE_CHOSEN = "innoledger:Procurement.ProcedureChosen"
PROCUREMENT_PUBLISHED = "innoledger:Procurement.Published"
PROCUREMENT_MARKET_DIALOGUE = "innoledger:Procurement.MarketDialogueRecorded"
PROCUREMENT_BID_RECEIVED = "innoledger:Procurement.BidReceived"
PROCUREMENT_EVALUATION_STARTED = "innoledger:Procurement.EvaluationStarted"
PROCUREMENT_AWARDED = "innoledger:Procurement.Awarded"
PROCUREMENT_CONTRACT_SIGNED = "innoledger:Procurement.ContractSigned"
PROCUREMENT_REVIEW_FILED = "innoledger:Procurement.ReviewFiled"
PROCUREMENT_REVIEW_RULED = "innoledger:Procurement.ReviewRuled"
PROCUREMENT_INTERIM_ORDER_ISSUED = "innoledger:Procurement.InterimOrderIssued"
PROCUREMENT_INTERIM_ORDER_LIFTED = "innoledger:Procurement.InterimOrderLifted"
PROCUREMENT_REVIEW_APPEALED = "innoledger:Procurement.ReviewAppealed"
PROCUREMENT_APPEAL_RULED = "innoledger:Procurement.AppealRuled"
PROCUREMENT_MILESTONE = "innoledger:Procurement.MilestoneRecorded"
PROCUREMENT_FOLLOWED_UP = "innoledger:Procurement.FollowedUp"
PROCUREMENT_LESSON = "innoledger:Procurement.LessonRecorded"
PROCUREMENT_CANCELLED = "innoledger:Procurement.Cancelled"
PROCUREMENT_CLOSED = "innoledger:Procurement.Closed"
PROCUREMENT_TERMINATED_EARLY = "innoledger:Procurement.TerminatedEarly"

# Project (a joint development project)
PROJECT_ESTABLISHED = "innoledger:Project.Established"
PROJECT_MUNICIPALITY_INVITED = "innoledger:Project.MunicipalityInvited"
PROJECT_PARTNERSHIP_DECIDED = "innoledger:Project.PartnershipDecided"
PROJECT_ORGANISATION_ADDED = "innoledger:Project.OrganisationAdded"
PROJECT_REFERENCE_MEMBER_ADDED = "innoledger:Project.ReferenceGroupMemberAdded"
PROJECT_REFERENCE_MEMBER_REMOVED = "innoledger:Project.ReferenceGroupMemberRemoved"
PROJECT_PHASE_PLANNED = "innoledger:Project.PhasePlanned"
PROJECT_LINKED = "innoledger:Project.Linked"
PROJECT_UNLINKED = "innoledger:Project.Unlinked"

# The status each lifecycle event leaves a need in (the need's own transitions).
NEED_STATUS_AFTER = {
    NEED_IDENTIFIED: "identified",
    NEED_PRIORITISED: "prioritised",
    NEED_PARKED: "parked",
    NEED_REOPENED: "identified",
    NEED_REJECTED: "rejected",
    NEED_PROCUREMENT_DECIDED: "procurement_decided",
    NEED_ATTACHED: "in_procurement",
    NEED_RELEASED: "procurement_decided",
    NEED_REALISED: "realised",
}

# The status each lifecycle event leaves a procurement in; rulings depend on the state
# (see views.common.procurement_status_after).
PROCUREMENT_STATUS_AFTER = {
    PROCUREMENT_STARTED: "planning",
    PROCUREMENT_PUBLISHED: "tendering",
    PROCUREMENT_EVALUATION_STARTED: "evaluation",
    PROCUREMENT_AWARDED: "awarded",
    PROCUREMENT_CONTRACT_SIGNED: "contracted",
    PROCUREMENT_MILESTONE: "implementing",
    PROCUREMENT_CLOSED: "closed",
    PROCUREMENT_TERMINATED_EARLY: "closed",
    PROCUREMENT_CANCELLED: "cancelled",
}

# Every event that carries a decision record (`decision` = {type, rationale, authority, ...}).
DECISION_TOPICS = (
    MUNICIPALITY_TARGET_ADOPTED,
    NEED_PRIORITISED,
    NEED_PARKED,
    NEED_REOPENED,
    NEED_REJECTED,
    NEED_PROCUREMENT_DECIDED,
    NEED_REALISED,
    PROCUREMENT_DECIDED,
    PROCUREMENT_PARTICIPATION_DECIDED,
    PROCUREMENT_SCREENED,
    PROCUREMENT_PROCEDURE_CHOSEN,
    PROCUREMENT_PUBLISHED,
    PROCUREMENT_AWARDED,
    PROCUREMENT_CONTRACT_SIGNED,
    PROCUREMENT_CANCELLED,
    PROCUREMENT_CLOSED,
    PROCUREMENT_TERMINATED_EARLY,
    PROJECT_ESTABLISHED,
    PROJECT_PARTNERSHIP_DECIDED,
    PROJECT_LINKED,
    PROJECT_UNLINKED,
)

NEED_TOPICS = (
    NEED_IDENTIFIED,
    NEED_EDITED,
    NEED_SWOT_ITEM_ADDED,
    NEED_SWOT_ITEM_REMOVED,
    NEED_WORKSHOP_RECORDED,
    NEED_SHARED,
    NEED_UNSHARED,
    NEED_CO_OWNER_JOINED,
    NEED_PRIORITISED,
    NEED_PARKED,
    NEED_REOPENED,
    NEED_REJECTED,
    NEED_PROCUREMENT_DECIDED,
    NEED_ATTACHED,
    NEED_RELEASED,
    NEED_REALISED,
)

PROCUREMENT_TOPICS = (
    PROCUREMENT_STARTED,
    PROCUREMENT_EDITED,
    PROCUREMENT_DECIDED,
    PROCUREMENT_PARTICIPANT_INVITED,
    PROCUREMENT_PARTICIPATION_DECIDED,
    PROCUREMENT_SCREENED,
    PROCUREMENT_PROCEDURE_CHOSEN,
    PROCUREMENT_PUBLISHED,
    PROCUREMENT_MARKET_DIALOGUE,
    PROCUREMENT_BID_RECEIVED,
    PROCUREMENT_EVALUATION_STARTED,
    PROCUREMENT_AWARDED,
    PROCUREMENT_CONTRACT_SIGNED,
    PROCUREMENT_REVIEW_FILED,
    PROCUREMENT_REVIEW_RULED,
    PROCUREMENT_INTERIM_ORDER_ISSUED,
    PROCUREMENT_INTERIM_ORDER_LIFTED,
    PROCUREMENT_REVIEW_APPEALED,
    PROCUREMENT_APPEAL_RULED,
    PROCUREMENT_MILESTONE,
    PROCUREMENT_FOLLOWED_UP,
    PROCUREMENT_LESSON,
    PROCUREMENT_CANCELLED,
    PROCUREMENT_CLOSED,
    PROCUREMENT_TERMINATED_EARLY,
)

PROJECT_TOPICS = (
    PROJECT_ESTABLISHED,
    PROJECT_MUNICIPALITY_INVITED,
    PROJECT_PARTNERSHIP_DECIDED,
    PROJECT_ORGANISATION_ADDED,
    PROJECT_REFERENCE_MEMBER_ADDED,
    PROJECT_REFERENCE_MEMBER_REMOVED,
    PROJECT_PHASE_PLANNED,
    PROJECT_LINKED,
    PROJECT_UNLINKED,
)
