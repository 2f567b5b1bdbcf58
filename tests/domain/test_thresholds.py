from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.rules.thresholds import (
    AmountInForce,
    InvalidLawTable,
    LawTable,
    NoRuleInForce,
    StandstillPeriod,
    direct_award_limit_on,
    eu_threshold_on,
    law_table,
    standstill_days_on,
)

# The packaged table, as recorded from Konkurrensverket / Upphandlingsmyndigheten:
#   direct-award limit: 2018-01-01 586 907; 2020-01-01 615 312; 2022-02-01 700 000;
#                       2024-01-01 700 000 (restated)
#   EU threshold (sub-central goods and services): 2018-01-01 2 096 097;
#                       2020-01-01 2 197 545; 2022-01-01 2 236 731; 2024-01-01 2 389 585
#   standstill: from 2017-01-01, 10 days electronic, 15 otherwise


@pytest.mark.parametrize(
    ("day", "limit"),
    [
        (date(2018, 1, 1), "586907"),  # first day of the first entry
        (date(2019, 12, 31), "586907"),  # last day before the 2020 change
        (date(2020, 1, 1), "615312"),
        (date(2022, 1, 31), "615312"),  # the fixed 700 000 came with the law change of 1 Feb
        (date(2022, 2, 1), "700000"),
        (date(2023, 12, 31), "700000"),
        (date(2024, 1, 1), "700000"),
        (date(2031, 6, 30), "700000"),  # the latest entry stays in force until a newer one
    ],
)
def test_direct_award_limit_in_force_on_boundary_days(day: date, limit: str) -> None:
    assert direct_award_limit_on(day) == Decimal(limit)


@pytest.mark.parametrize(
    ("day", "threshold"),
    [
        (date(2018, 1, 1), "2096097"),
        (date(2019, 12, 31), "2096097"),
        (date(2020, 1, 1), "2197545"),
        (date(2021, 12, 31), "2197545"),
        (date(2022, 1, 1), "2236731"),
        (date(2023, 12, 31), "2236731"),
        (date(2024, 1, 1), "2389585"),
    ],
)
def test_eu_threshold_in_force_on_boundary_days(day: date, threshold: str) -> None:
    assert eu_threshold_on(day) == Decimal(threshold)


def test_amounts_are_decimals_not_floats() -> None:
    assert type(direct_award_limit_on(date(2024, 1, 1))) is Decimal
    assert type(eu_threshold_on(date(2024, 1, 1))) is Decimal


def test_percentage_era_limits_are_28_percent_of_the_threshold_rounded_down() -> None:
    # Cross-check of the recorded data: until 2022-02-01 the limit was 28 % of the threshold.
    for day in (date(2018, 1, 1), date(2020, 1, 1)):
        assert direct_award_limit_on(day) == int(eu_threshold_on(day) * Decimal("0.28"))


def test_day_before_the_first_entry_is_refused_with_a_clear_error() -> None:
    with pytest.raises(NoRuleInForce, match=r"2017-12-31.*starts on 2018-01-01"):
        direct_award_limit_on(date(2017, 12, 31))
    with pytest.raises(NoRuleInForce, match="EU threshold"):
        eu_threshold_on(date(2017, 12, 31))
    with pytest.raises(NoRuleInForce, match="standstill"):
        standstill_days_on(date(2016, 12, 31), electronic=True)


def test_standstill_day_counts() -> None:
    assert standstill_days_on(date(2017, 1, 1), electronic=True) == 10
    assert standstill_days_on(date(2024, 6, 1), electronic=True) == 10
    assert standstill_days_on(date(2024, 6, 1), electronic=False) == 15


def test_a_datetime_is_refused_where_a_calendar_date_is_meant() -> None:
    with pytest.raises(TypeError, match="calendar date"):
        direct_award_limit_on(datetime(2024, 1, 1, 12, 0))


def test_packaged_table_is_loaded_once() -> None:
    assert law_table() is law_table()


def test_every_packaged_entry_names_its_source() -> None:
    table = law_table()
    all_entries: list[AmountInForce | StandstillPeriod] = [
        *table.direct_award_limits.entries,
        *table.eu_thresholds.entries,
        *table.standstill_periods.entries,
    ]
    assert all(entry.source.strip() for entry in all_entries)


def test_the_2022_direct_award_change_carries_a_note() -> None:
    entry = law_table().direct_award_limit_entry_on(date(2022, 2, 1))
    assert entry.effective_from == date(2022, 2, 1)
    assert entry.note


# --- loading and validating a table (what a person editing the JSON file gets told) ---------


def _table_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "how_to_update": ["ignored by the loader"],
        "direct_award_limit": [
            {"effective_from": "2024-01-01", "amount_sek": "700000", "source": "test"},
        ],
        "eu_threshold_sub_central_goods_services": [
            {"effective_from": "2024-01-01", "amount_sek": "2389585", "source": "test"},
        ],
        "standstill_days": [
            {
                "effective_from": "2017-01-01",
                "standstill_days_electronic": 10,
                "standstill_days_other": 15,
                "source": "test",
            }
        ],
        "extended_standstill_days": [
            {"effective_from": "2017-01-01", "days_after_ruling": 10, "source": "test"}
        ],
    }
    data.update(overrides)
    return data


def _limit_entry(**fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"effective_from": "2024-01-01", "amount_sek": "1", "source": "t"}
    entry.update(fields)
    return {"direct_award_limit": [entry]}


def test_entries_may_be_written_in_any_order() -> None:
    table = LawTable.from_mapping(
        _table_data(
            direct_award_limit=[
                {"effective_from": "2024-01-01", "amount_sek": "3", "source": "t"},
                {"effective_from": "2020-01-01", "amount_sek": "1", "source": "t"},
                {"effective_from": "2022-01-01", "amount_sek": "2.50", "source": "t"},
            ]
        )
    )
    assert table.direct_award_limit_on(date(2021, 12, 31)) == Decimal("1")
    assert table.direct_award_limit_on(date(2022, 1, 1)) == Decimal("2.50")
    assert table.direct_award_limit_on(date(2024, 1, 1)) == Decimal("3")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (_limit_entry(amount_sek=700000), "in quotes"),
        (_limit_entry(amount_sek=700000.0), "in quotes"),
        (_limit_entry(amount_sek="2 389 585"), "digits only"),
        (_limit_entry(amount_sek="2,389,585"), "digits only"),
        (_limit_entry(amount_sek="700000.123"), "two decimals"),
        (_limit_entry(amount_sek="-5"), "digits only"),
        (_limit_entry(amount_sek="NaN"), "digits only"),
        (_limit_entry(amount_sek="0"), "greater than zero"),
        (_limit_entry(effective_from="2024-13-01"), "YYYY-MM-DD"),
        (_limit_entry(effective_from="1 januari 2024"), "YYYY-MM-DD"),
        (_limit_entry(effective_from=20240101), "YYYY-MM-DD"),
        (_limit_entry(source=""), "source must be non-empty"),
        (_limit_entry(efective_from="2024-01-01"), "unknown field"),
        (_limit_entry(note=5), "note must be non-empty"),
        ({"direct_award_limit": [{"amount_sek": "1", "source": "t"}]}, "missing effective_from"),
        ({"direct_award_limit": []}, "no entries"),
        ({"direct_award_limit": {"effective_from": "2024-01-01"}}, "must be a list"),
        ({"direct_award_limit": ["700000"]}, "must be a JSON object"),
        (
            {
                "direct_award_limit": [
                    {"effective_from": "2024-01-01", "amount_sek": "1", "source": "t"},
                    {"effective_from": "2024-01-01", "amount_sek": "2", "source": "t"},
                ]
            },
            "two entries take effect on 2024-01-01",
        ),
        (
            {
                "standstill_days": [
                    {
                        "effective_from": "2017-01-01",
                        "standstill_days_electronic": True,
                        "standstill_days_other": 15,
                        "source": "t",
                    }
                ]
            },
            "whole number of days",
        ),
        (
            {
                "standstill_days": [
                    {
                        "effective_from": "2017-01-01",
                        "standstill_days_electronic": 10,
                        "standstill_days_other": 0,
                        "source": "t",
                    }
                ]
            },
            "whole number of days",
        ),
    ],
)
def test_malformed_table_is_refused_with_a_message_pointing_at_the_entry(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidLawTable, match=message) as refusal:
        LawTable.from_mapping(_table_data(**overrides), origin="procurement_law.json")
    assert str(refusal.value).startswith("procurement_law.json")


def test_error_names_the_entry_number_as_written() -> None:
    data = _table_data(
        eu_threshold_sub_central_goods_services=[
            {"effective_from": "2022-01-01", "amount_sek": "2236731", "source": "t"},
            {"effective_from": "2024-01-01", "amount_sek": "2 389 585", "source": "t"},
        ]
    )
    with pytest.raises(InvalidLawTable, match="eu_threshold_sub_central_goods_services entry 2"):
        LawTable.from_mapping(data)


def test_invalid_json_text_is_refused() -> None:
    with pytest.raises(InvalidLawTable, match="not valid JSON"):
        LawTable.from_json_text('{"direct_award_limit": [}')
    with pytest.raises(InvalidLawTable, match="top level"):
        LawTable.from_json_text("[]")


def test_packaged_file_loads_through_the_json_loader() -> None:
    # A fresh read, not the cached one, so a renamed key in the file fails here directly.
    table = LawTable.packaged()
    assert table.eu_threshold_on(date(2024, 1, 1)) == Decimal("2389585")
    assert table.direct_award_limit_on(date(2024, 1, 1)) == Decimal("700000")
