"""Swedish organisation number (organisationsnummer) as a validated value object."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_CANONICAL_FORM: Final = re.compile(r"[0-9]{6}-[0-9]{4}")
# A plain ASCII character class, not \d: \d would also accept e.g. Arabic-Indic digits,
# which int() happily converts, so they would slip through as a "valid" number.
_ACCEPTED_INPUT: Final = re.compile(r"([0-9]{6})-?([0-9]{4})")

# Long inputs are echoed truncated so an error message (which may end up in an API
# response or a log line) stays readable and bounded.
_MAX_ECHOED_CHARS: Final = 40


class InvalidOrganisationNumber(ValueError):
    """The text is not a well-formed Swedish organisation number with a valid check digit."""


def luhn_check_digit(first_nine_digits: str) -> int:
    """The Luhn (mod 10) check digit Bolagsverket and Skatteverket use for these numbers."""
    total = 0
    for position, character in enumerate(first_nine_digits):
        # Weights alternate 2, 1, 2, ... starting from the first digit; a doubled digit
        # above 9 contributes the sum of its two digits, i.e. value - 9.
        weighted = int(character) * (2 if position % 2 == 0 else 1)
        total += weighted - 9 if weighted > 9 else weighted
    return (10 - total % 10) % 10


def _echo(text: str) -> str:
    if len(text) > _MAX_ECHOED_CHARS:
        return repr(text[:_MAX_ECHOED_CHARS] + "…")
    return repr(text)


def looks_like_personal_number(digits: str) -> bool:
    """Ten digits whose third is 0 or 1: a month, so a personnummer, not an organisation.

    Organisation numbers keep their third digit at 2 or more precisely so that they can never be
    mistaken for a person's number.
    """
    return digits[2] in "01"


PERSONAL_NUMBER_REFUSAL: Final = (
    "Organisation number: this is a personal identity number (personnummer or"
    " samordningsnummer; its third digit is 0 or 1, an organisation number's is 2 or more)."
    " A person's number is personal data and is not recorded as an organisation number."
)


def _refusal_reason(dashed: str) -> str | None:
    if _CANONICAL_FORM.fullmatch(dashed) is None:
        return (
            f"Organisation number {_echo(dashed)} is not in the form NNNNNN-NNNN "
            "(10 digits, optionally with a dash after the sixth)."
        )
    digits = dashed.replace("-", "")
    if looks_like_personal_number(digits):
        # Never echoed: it is probably a person's number.
        return PERSONAL_NUMBER_REFUSAL
    expected = luhn_check_digit(digits[:9])
    if int(digits[9]) != expected:
        return (
            f"Organisation number {dashed} has an invalid check digit: the last digit is "
            f"{digits[9]} but the Luhn check over the first nine digits requires {expected}."
        )
    return None


@dataclass(frozen=True, slots=True)
class OrganisationNumber:
    """A Swedish organisationsnummer, always held in the dashed form ``NNNNNN-NNNN``.

    Constructing one directly also validates, so no invalid instance can exist; use
    :meth:`parse` for user input, which additionally accepts the undashed form.
    """

    value: str

    def __post_init__(self) -> None:
        reason = _refusal_reason(self.value)
        if reason is not None:
            raise InvalidOrganisationNumber(reason)

    @classmethod
    def parse(cls, text: str) -> OrganisationNumber:
        """Read ``NNNNNN-NNNN`` or ``NNNNNNNNNN``; surrounding whitespace is ignored."""
        # Callers pass decoded JSON, where a number or null can arrive in place of a string;
        # refusing it as a domain error keeps it a 4xx rather than a crash.
        if not isinstance(text, str):
            raise InvalidOrganisationNumber(
                f"Organisation number must be text, got {type(text).__name__}."
            )
        stripped = text.strip()
        match = _ACCEPTED_INPUT.fullmatch(stripped)
        if match is None:
            raise InvalidOrganisationNumber(
                f"Organisation number {_echo(stripped)} is not in the form NNNNNN-NNNN "
                "or NNNNNNNNNN (10 digits, optionally with a dash after the sixth)."
            )
        return cls(f"{match.group(1)}-{match.group(2)}")

    @property
    def digits(self) -> str:
        """The ten digits without the dash."""
        return self.value.replace("-", "")

    def __str__(self) -> str:
        return self.value
