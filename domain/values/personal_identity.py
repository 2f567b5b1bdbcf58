"""Swedish personal identity numbers (personnummer, samordningsnummer) and telling them apart
from organisation numbers.

Both are ten digits with a Luhn check digit, so the check digit alone cannot tell a sole trader's
personnummer from a company's organisationsnummer. The third digit can: in an organisation
number it is 2 or more (Bolagsverket keeps the "month" above 20), in a personnummer it begins the
month. A personnummer's YYMMDD is a date; a samordningsnummer (coordination number) adds 60 to
the day. A person's number is personal data: it is kept only in an erasable directory, never in
events (see service.parties).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

from domain.values.org_number import (
    InvalidOrganisationNumber,
    OrganisationNumber,
    looks_like_personal_number,
    luhn_check_digit,
)

# YYMMDD-NNNN (+ instead of - from the year the person turns 100) or YYYYMMDD[-]NNNN.
_SHORT: Final = re.compile(r"([0-9]{6})([-+]?)([0-9]{4})")
_LONG: Final = re.compile(r"(19|20)([0-9]{6})-?([0-9]{4})")
# Skatteverket's twelve-digit form of an organisation number is prefixed with 16.
_LONG_ORGANISATION: Final = re.compile(r"16([0-9]{6})-?([0-9]{4})")
COORDINATION_DAY_OFFSET: Final = 60


class InvalidPersonalIdentityNumber(ValueError):
    """The text is not a well-formed personnummer or samordningsnummer."""


def _birth_date_valid(year: int | None, month: int, day: int) -> bool:
    if day > COORDINATION_DAY_OFFSET:
        day -= COORDINATION_DAY_OFFSET
    try:
        # Without the century, 29 February is possible in some century (2000 is a leap year).
        date(2000 if year is None else year, month, day)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class PersonalIdentityNumber:
    """A personnummer or samordningsnummer, held as its ten digits ``YYMMDDNNNN``.

    `value` is personal data: never put it in an event, a log line or an error message.
    """

    digits: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[0-9]{10}", self.digits):
            raise InvalidPersonalIdentityNumber("a personal identity number has ten digits")
        if not _birth_date_valid(None, int(self.digits[2:4]), int(self.digits[4:6])):
            raise InvalidPersonalIdentityNumber(
                "not a personal identity number: its month and day are not a date"
            )
        if int(self.digits[9]) != luhn_check_digit(self.digits[:9]):
            raise InvalidPersonalIdentityNumber(
                "not a personal identity number: the check digit is wrong"
            )

    @property
    def is_coordination_number(self) -> bool:
        return int(self.digits[4:6]) > COORDINATION_DAY_OFFSET

    @classmethod
    def parse(cls, text: object) -> PersonalIdentityNumber:
        if not isinstance(text, str):
            raise InvalidPersonalIdentityNumber("a personal identity number must be text")
        stripped = text.strip()
        long = _LONG.fullmatch(stripped)
        if long is not None:
            year = int(long.group(1) + long.group(2)[:2])
            month, day = int(long.group(2)[2:4]), int(long.group(2)[4:6])
            if not _birth_date_valid(year, month, day):
                raise InvalidPersonalIdentityNumber(
                    "not a personal identity number: its date of birth is not a date"
                )
            return cls(long.group(2) + long.group(3))
        short = _SHORT.fullmatch(stripped)
        if short is None:
            raise InvalidPersonalIdentityNumber(
                "a personal identity number has the form YYMMDD-NNNN or YYYYMMDD-NNNN"
            )
        return cls(short.group(1) + short.group(3))

    def masked(self) -> str:
        """For people who need to recognise the number, not read it: ``YYMMDD-****``."""
        return f"{self.digits[:6]}-****"

    def __str__(self) -> str:
        return f"{self.digits[:6]}-{self.digits[6:]}"

    def __repr__(self) -> str:  # never leak the number through a traceback or a log line
        return "PersonalIdentityNumber(<hidden>)"


PartyNumber = OrganisationNumber | PersonalIdentityNumber


def parse_party_number(text: object) -> PartyNumber:
    """An organisation number, or — for a sole trader — a personal identity number.

    Told apart by the third digit (2 or more: an organisation); refusals never echo a number
    that might be a person's.
    """
    if not isinstance(text, str):
        raise InvalidOrganisationNumber(
            f"Organisation number must be text, got {type(text).__name__}."
        )
    stripped = text.strip()
    long_organisation = _LONG_ORGANISATION.fullmatch(stripped)
    if long_organisation is not None:
        return OrganisationNumber.parse(
            f"{long_organisation.group(1)}-{long_organisation.group(2)}"
        )
    digits = re.sub(r"[-+]", "", stripped)
    if _LONG.fullmatch(stripped) is not None or (
        len(digits) == 10 and digits.isascii() and looks_like_personal_number(digits)
    ):
        try:
            return PersonalIdentityNumber.parse(stripped)
        except InvalidPersonalIdentityNumber as exc:
            raise InvalidOrganisationNumber(
                f"Neither an organisation number (its third digit would be 2 or more) nor {exc}."
            ) from None
    return OrganisationNumber.parse(stripped)
