"""A round in which the baseline measured nothing (a starved, busy machine) must not abort a run."""

import math

from bench.results import median_pair, rate_ratio


def test_a_baseline_that_did_nothing_gives_no_ratio_instead_of_an_error() -> None:
    assert math.isnan(rate_ratio(120.0, 0.0))
    assert rate_ratio(120.0, 60.0) == 2.0


def test_the_median_round_skips_over_a_starved_round() -> None:
    ours, base, ratio = median_pair([(100.0, 50.0), (90.0, 0.0), (80.0, 80.0)])
    assert (ours, base, ratio) == (100.0, 50.0, 2.0)
