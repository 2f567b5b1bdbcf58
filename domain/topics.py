"""The stable topics of the needs' and procurements' events.

Topics are part of the stored format: once written they never change, so whatever reads stored
events (the lifecycle, the read models) names them as data rather than importing the aggregate
classes. Each is the `topic=` of one @event method; tests check both directions.
"""

from __future__ import annotations

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
NEED_PUBLISHED_TO_MARKET = "innoledger:Need.PublishedToMarket"
NEED_WITHDRAWN_FROM_MARKET = "innoledger:Need.WithdrawnFromMarket"

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
