"""Personnummer and samordningsnummer are told apart from organisation numbers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.values.org_number import InvalidOrganisationNumber, OrganisationNumber, luhn_check_digit
from domain.values.personal_identity import (
    InvalidPersonalIdentityNumber,
    PersonalIdentityNumber,
    parse_party_number,
)


def with_check_digit(first_nine: str) -> str:
    return first_nine + str(luhn_check_digit(first_nine))


# Skatteverket's published test numbers have this shape; these are computed, not real people.
PERSON = with_check_digit("811218987")  # 1981-12-18
COORDINATION = with_check_digit("701063239")  # day 63 = 3rd + 60


def test_a_personnummer_is_refused_as_an_organisation_number_without_echoing_it() -> None:
    with pytest.raises(InvalidOrganisationNumber, match="personal identity number") as refusal:
        OrganisationNumber.parse(f"{PERSON[:6]}-{PERSON[6:]}")
    assert PERSON[:6] not in str(refusal.value)


def test_a_personnummer_is_read_as_a_person() -> None:
    number = parse_party_number(f"{PERSON[:6]}-{PERSON[6:]}")
    assert isinstance(number, PersonalIdentityNumber)
    assert number.digits == PERSON
    assert not number.is_coordination_number
    assert PERSON not in repr(number)
    assert parse_party_number(f"19{PERSON}") == number
    assert parse_party_number(f"19{PERSON[:6]}-{PERSON[6:]}") == number


def test_a_samordningsnummer_is_a_person_too() -> None:
    number = parse_party_number(COORDINATION)
    assert isinstance(number, PersonalIdentityNumber)
    assert number.is_coordination_number


def test_an_organisation_number_is_an_organisation() -> None:
    assert parse_party_number("556677-8899") == OrganisationNumber("556677-8899")
    assert parse_party_number("212000-1249") == OrganisationNumber("212000-1249")
    assert parse_party_number("165566778899") == OrganisationNumber("556677-8899")


@pytest.mark.parametrize(
    "first_nine",
    ["811318987", "810018987", "811232987", "810230987", "811292987"],  # month 13, 00, day 32, ...
)
def test_a_third_digit_below_two_that_is_no_date_is_neither(first_nine: str) -> None:
    with pytest.raises(InvalidOrganisationNumber, match="Neither"):
        parse_party_number(with_check_digit(first_nine))


def test_a_wrong_check_digit_is_refused_for_persons_too() -> None:
    wrong = PERSON[:9] + str((int(PERSON[9]) + 1) % 10)
    with pytest.raises(InvalidOrganisationNumber):
        parse_party_number(wrong)
    with pytest.raises(InvalidPersonalIdentityNumber):
        PersonalIdentityNumber.parse(wrong)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.booleans(),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
)
def test_every_birth_date_and_coordination_day_is_a_person_never_an_organisation(
    born: date, coordination: bool, serial: str
) -> None:
    day = born.day + (60 if coordination else 0)
    number = with_check_digit(f"{born:%y%m}{day:02d}{serial}")
    parsed = parse_party_number(f"{number[:6]}-{number[6:]}")
    assert isinstance(parsed, PersonalIdentityNumber)
    assert parsed.is_coordination_number == coordination
    with pytest.raises(InvalidOrganisationNumber):
        OrganisationNumber.parse(number)


@given(
    st.sampled_from("23456789"),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
)
def test_every_third_digit_from_two_is_an_organisation(third: str, rest: str) -> None:
    number = with_check_digit(rest[:2] + third + rest[2:])
    assert isinstance(parse_party_number(number), OrganisationNumber)
