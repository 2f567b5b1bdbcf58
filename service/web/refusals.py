"""Refusals of the core, told as people understand them: in the chosen language, next to the
field or step they concern. The core's own sentence is kept beside it as the detail."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from domain.errors import AuthorityMissing, DomainError, InvalidValue, NotParticipant
from service.errors import ApplicationError, ConcurrentUpdate, Forbidden, NotFound, VersionMismatch

# Rule code -> what it means for the person at the form.
RULE_TEXTS = {
    "invalid_value": lazy_gettext("The value is not valid."),
    "wrong_state": lazy_gettext("This step is not possible in the current state."),
    "rule_violation": lazy_gettext("A rule of the work model does not allow this now."),
    "no_authority": lazy_gettext(
        "No rule of the delegation order in force on the decision date gives you this decision."
    ),
    "not_delegated": lazy_gettext("The delegation order does not delegate this decision to you."),
    "no_delegation_order": lazy_gettext("No delegation order was in force on the decision date."),
    "above_delegated_ceiling": lazy_gettext(
        "The value is above the ceiling of the delegation rule."
    ),
    "role_not_held": lazy_gettext("You do not hold the role the delegation rule names."),
    "not_own_decision": lazy_gettext("Only the municipality concerned takes this decision."),
    "role_missing": lazy_gettext("Your roles do not allow this."),
    "swot_incomplete": lazy_gettext("Prioritising needs at least one SWOT item in every quadrant."),
    "swot_full": lazy_gettext("The SWOT holds as many items as it may."),
    "need_not_decided": lazy_gettext(
        "Only needs with a procurement decision (anskaffningsbeslut) can be procured."
    ),
    "need_not_owned": lazy_gettext("The need belongs to another municipality; join it first."),
    "standstill": lazy_gettext(
        "The standstill period (avtalsspärr) has not ended: the contract may not be signed yet."
    ),
    "under_review": lazy_gettext(
        "A review (överprövning) is pending: the contract may not be signed until it is ruled on."
    ),
    "direct_award_limit": lazy_gettext(
        "Direct award is allowed only below the direct-award limit in force on the decision date."
    ),
    "not_screened": lazy_gettext("Screen the procurement for innovation first."),
    "no_procedure": lazy_gettext("Choose the procedure first."),
    "not_awarded": lazy_gettext("The procurement has no award decision (tilldelningsbeslut) yet."),
    "before_tender_deadline": lazy_gettext("The tender deadline has not passed yet."),
    "supplier_without_bid": lazy_gettext("The supplier has not submitted a bid."),
    "duplicate_bid": lazy_gettext("This tenderer's bid is recorded already."),
    "already_shared": lazy_gettext("The need is shared with the network already."),
    "not_shared": lazy_gettext("The need is not shared with the network."),
    "already_invited": lazy_gettext("The municipality is invited already."),
    "municipality_suspended": lazy_gettext("Your municipality is suspended."),
    "area_retired": lazy_gettext("The innovation area is retired."),
    "no_signed_contract": lazy_gettext("Its procurement has no signed contract yet."),
    "no_change": lazy_gettext("Nothing would change."),
    "not_yet_existing": lazy_gettext("The object did not exist yet at that moment."),
}


def rule_text(rule: str | None) -> str | None:
    """What the rule means, in the chosen language: the pages' own words where they have
    them, else the explanation the API's problem type gives for the same rule (so a rule
    added to the core is explained on the pages too, never left as a generic refusal)."""
    if not rule:
        return None
    own = RULE_TEXTS.get(rule)
    if own is not None:
        return str(own)
    from service.api.problem_types import PROBLEM_TYPES, slug_of
    from service.web.i18n import chosen_language

    problem = PROBLEM_TYPES.get(slug_of(rule))
    if problem is None:
        return None
    swedish = chosen_language() == "sv"
    title, text = (
        (problem.title_sv, problem.text_sv) if swedish else (problem.title_en, problem.text_en)
    )
    # Sentences that point at fields of the API's answer mean nothing on a page.
    sentences = [s for s in re.split(r"(?<=\.)\s+", text) if "`" not in s]
    return f"{title}: {' '.join(sentences)}" if sentences else title


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str  # in the chosen language
    detail: str  # the core's own words
    field: str | None = None
    rule: str | None = None
    conflict: bool = False


def explain(error: Exception) -> Refusal:
    rule = getattr(error, "rule", None)
    detail = getattr(error, "message", None) or str(error)
    text = rule_text(rule)
    from service.web.forms import UnreadableValue

    if isinstance(error, UnreadableValue):
        return Refusal(422, error.message, error.message, error.field, rule)
    if isinstance(error, InvalidValue):
        return Refusal(422, str(text or _("The value is not valid.")), detail, error.field, rule)
    if isinstance(error, (AuthorityMissing, NotParticipant)):
        return Refusal(403, str(text or RULE_TEXTS["no_authority"]), detail, None, rule)
    if isinstance(error, DomainError):
        return Refusal(409, str(text or RULE_TEXTS["rule_violation"]), detail, error.field, rule)
    if isinstance(error, (VersionMismatch, ConcurrentUpdate)):
        return Refusal(
            409,
            _("Someone changed this while you were editing. Here is what it looks like now."),
            detail,
            None,
            rule,
            conflict=True,
        )
    if isinstance(error, Forbidden):
        return Refusal(403, str(text or RULE_TEXTS["role_missing"]), detail, None, rule)
    if isinstance(error, NotFound):
        message = str(text) if text else _("There is no such object, or it is not yours to see.")
        return Refusal(404, message, detail, None, rule)
    if isinstance(error, ApplicationError):
        return Refusal(409, str(text or RULE_TEXTS["rule_violation"]), detail, None, rule)
    raise error
