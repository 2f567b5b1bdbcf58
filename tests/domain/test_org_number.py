import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.values.org_number import (
    InvalidOrganisationNumber,
    OrganisationNumber,
    luhn_check_digit,
)

# Municipalities in Skåne; each number's last digit is the Luhn check digit of the first nine.
MUNICIPAL_NUMBERS = [
    "212000-1249",  # Ystads kommun
    "212000-1181",  # Skurups kommun
    "212000-1173",  # Trelleborgs kommun
    "212000-1132",  # Staffanstorps kommun
    "212000-1108",  # Kävlinge kommun
    "212000-1116",  # Burlövs kommun
]


@pytest.mark.parametrize("number", MUNICIPAL_NUMBERS)
def test_real_municipal_numbers_are_accepted_in_dashed_form(number: str) -> None:
    assert str(OrganisationNumber.parse(number)) == number


@pytest.mark.parametrize("number", MUNICIPAL_NUMBERS)
def test_ten_digits_without_dash_are_normalised_to_the_dashed_form(number: str) -> None:
    parsed = OrganisationNumber.parse(number.replace("-", ""))
    assert parsed == OrganisationNumber(number)
    assert str(parsed) == number
    assert parsed.digits == number.replace("-", "")


def test_surrounding_whitespace_is_ignored() -> None:
    assert str(OrganisationNumber.parse("  212000-1249\n")) == "212000-1249"


def test_luhn_check_digit_worked_example() -> None:
    # 2 1 2 0 0 0 1 2 4 weighted 2,1,2,1,...: 4+1+4+0+0+0+2+2+8 = 21 → (10 - 1) % 10 = 9
    assert luhn_check_digit("212000124") == 9


def test_wrong_check_digit_is_refused_naming_the_check_digit() -> None:
    with pytest.raises(InvalidOrganisationNumber, match="check digit") as refusal:
        OrganisationNumber.parse("212000-1248")
    assert "requires 9" in str(refusal.value)


def test_wrong_check_digit_without_dash_is_refused_too() -> None:
    with pytest.raises(InvalidOrganisationNumber, match="check digit"):
        OrganisationNumber.parse("2120001248")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "212000-124",  # nine digits
        "212000-12490",  # eleven digits
        "21200-01249",  # dash in the wrong place
        "212000--1249",
        "212000 1249",  # a space is not the dash
        "16212000-1249",  # the 12-digit form with the "16" prefix is not accepted
        "2120001-249",
        "21200O-1249",  # letter O, not zero
        "٢١٢٠٠٠-١٢٤٩",  # Arabic-Indic digits are digits to Python, not to us
        "212000–1249",  # en dash
    ],
)
def test_malformed_text_is_refused_as_a_format_error(text: str) -> None:
    with pytest.raises(InvalidOrganisationNumber, match="not in the form NNNNNN-NNNN"):
        OrganisationNumber.parse(text)


@pytest.mark.parametrize("not_text", [2120001249, None, b"212000-1249"])
def test_non_text_is_refused_as_a_domain_error(not_text: object) -> None:
    with pytest.raises(InvalidOrganisationNumber, match="must be text"):
        OrganisationNumber.parse(not_text)  # type: ignore[arg-type]


def test_refusal_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        OrganisationNumber.parse("nonsense")


def test_very_long_input_is_echoed_truncated() -> None:
    with pytest.raises(InvalidOrganisationNumber) as refusal:
        OrganisationNumber.parse("9" * 10_000)
    assert len(str(refusal.value)) < 200


def test_direct_construction_validates_too() -> None:
    with pytest.raises(InvalidOrganisationNumber, match="check digit"):
        OrganisationNumber("212000-1248")
    # The constructor holds the canonical form only; parse() is the way in for undashed input.
    with pytest.raises(InvalidOrganisationNumber, match="not in the form"):
        OrganisationNumber("2120001249")


def test_is_immutable_and_hashable() -> None:
    number = OrganisationNumber.parse("212000-1249")
    with pytest.raises(dataclasses.FrozenInstanceError):
        number.value = "212000-1181"  # type: ignore[misc]
    assert {number, OrganisationNumber.parse("2120001249")} == {number}


# Organisation numbers: the third digit is 2 or more (0 or 1 begins a personnummer's month).
organisation_prefixes = st.tuples(
    st.text(alphabet="0123456789", min_size=2, max_size=2),
    st.sampled_from("23456789"),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
).map("".join)


@given(organisation_prefixes)
def test_exactly_one_check_digit_is_accepted_for_any_nine_digits(first_nine: str) -> None:
    accepted = []
    for last in "0123456789":
        try:
            OrganisationNumber.parse(first_nine + last)
        except InvalidOrganisationNumber:
            continue
        accepted.append(last)
    assert accepted == [str(luhn_check_digit(first_nine))]


@given(organisation_prefixes, st.integers(0, 8), st.data())
def test_changing_any_single_digit_is_detected(
    first_nine: str, position: int, data: st.DataObject
) -> None:
    valid = first_nine + str(luhn_check_digit(first_nine))
    digits = "23456789" if position == 2 else "0123456789"
    replacement = data.draw(st.sampled_from([d for d in digits if d != valid[position]]))
    altered = valid[:position] + replacement + valid[position + 1 :]
    with pytest.raises(InvalidOrganisationNumber, match="check digit"):
        OrganisationNumber.parse(altered)
