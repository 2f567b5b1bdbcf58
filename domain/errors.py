"""Refusals the domain gives, each naming the rule or field that refused.

The HTTP layer maps them to problem answers: invalid input to 422, a broken business rule to 409,
a decision without authority to 403. The `rule` is a stable machine-readable code.
"""

from __future__ import annotations


class DomainError(Exception):
    rule = "domain_rule"

    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        field: str | None = None,
        details: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        if rule is not None:
            self.rule = rule
        self.field = field
        # Facts the refusal rests on (e.g. the two dates out of order), shown to the caller.
        self.details = details or {}


class InvalidValue(DomainError):
    """A value that can never be right, whatever the state (bad format, out of range)."""

    rule = "invalid_value"


class RuleViolation(DomainError):
    """A command that is well-formed but not allowed by a business or legal rule now."""

    rule = "rule_violation"


class WrongState(RuleViolation):
    """Not allowed in the object's current state; names the states that would allow it."""

    rule = "wrong_state"

    def __init__(
        self,
        message: str,
        *,
        subject: str | None = None,
        allowed: tuple[str, ...] = (),
        rule: str | None = None,
    ):
        super().__init__(message, rule=rule)
        self.subject = subject  # "need", "procurement"
        self.allowed = allowed


class OutOfOrder(RuleViolation):
    """Valid times of one lifecycle out of order: a step dated before the step it rests on."""

    rule = "valid_time_order"


class AuthorityMissing(DomainError):
    """A decision that neither the delegation order nor a recorded board decision backs."""

    rule = "no_authority"


class NotParticipant(DomainError):
    """A municipality acting on behalf of another one."""

    rule = "not_own_decision"


class MissingAuditContext(RuntimeError):
    """An event was about to be recorded without knowing who caused it: a programming error."""
