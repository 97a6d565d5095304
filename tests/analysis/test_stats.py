"""stats.py: textbook values for the intervals and tests, and the Danish verdicts."""

from __future__ import annotations

import math
import random
import subprocess
import sys

import pytest
from scipy import stats as sps

from evaluation.analysis import stats


def test_wilson_interval_for_3_of_10_is_the_textbook_value() -> None:
    # Newcombe (1998), Table I / Agresti & Coull (1998): 3/10 -> 0.108 to 0.603.
    low, high = stats.wilson_interval(3, 10)
    assert low == pytest.approx(0.1078, abs=1e-4)
    assert high == pytest.approx(0.6032, abs=1e-4)


@pytest.mark.parametrize(("x", "n"), [(0, 10), (3, 10), (10, 10), (1, 7), (1234, 100_000)])
def test_closed_form_intervals_agree_with_scipy(x: int, n: int) -> None:
    result = sps.binomtest(x, n)
    assert stats.wilson_interval(x, n) == pytest.approx(tuple(result.proportion_ci(method="wilson")))
    assert stats.exact_interval(x, n) == pytest.approx(tuple(result.proportion_ci(method="exact")))


def test_intervals_stay_within_0_and_1_and_nan_without_cases() -> None:
    assert stats.wilson_interval(0, 4)[0] == 0.0
    assert stats.wilson_interval(4, 4)[1] == 1.0
    assert all(math.isnan(v) for v in stats.wilson_interval(0, 0))
    assert stats.exact_interval(3, 10) == pytest.approx((0.0667, 0.6525), abs=1e-4)


def test_poisson_interval_is_garwood() -> None:
    assert stats.poisson_interval(0) == pytest.approx((0.0, 3.689), abs=1e-3)
    assert stats.poisson_interval(10) == pytest.approx((4.795, 18.390), abs=1e-3)


@pytest.mark.parametrize("count", [1, 2, 5, 17, 40, 333, 10_000])
def test_poisson_interval_is_the_chi_square_quantile(count: int) -> None:
    # Garwood's interval is defined by chi-square quantiles; the code takes them from
    # scipy.special's inverse gamma function (scipy.stats is not imported for an interval).
    expected = (sps.chi2.ppf(0.025, 2 * count) / 2, sps.chi2.ppf(0.975, 2 * (count + 1)) / 2)
    assert stats.poisson_interval(count) == pytest.approx(expected, rel=1e-12)


def test_an_interval_does_not_import_scipy_stats() -> None:
    # scipy.stats costs about half a second to import in every report kernel and page; an
    # interval must not pull it in (the exact tests import it when they are asked).
    code = ("import sys; from evaluation.analysis import stats; stats.exact_interval(3, 10); "
            "stats.poisson_interval(4); print('scipy.stats' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_newcombe_difference_interval_matches_the_paper() -> None:
    # Newcombe (1998) example: 56/70 vs 48/80, method 10 -> 0.0524 to 0.3339.
    assert stats.newcombe_difference_interval(56, 70, 48, 80) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_poisson_rate_test_10_vs_20() -> None:
    result = stats.compare_counts(10, 20)
    assert result.method == "poisson_exact"
    assert result.p_value == pytest.approx(0.0987, abs=1e-4)  # exact conditional binomial
    assert result.estimate == pytest.approx(0.5)
    assert (result.low, result.high) == pytest.approx((0.209, 1.119), abs=1e-3)
    assert result.direction == -1
    assert result.verdict == stats.VERDICT_NONE


def test_count_verdicts_up_down_and_too_few() -> None:
    assert stats.compare_counts(2, 30).verdict == stats.VERDICT_DOWN
    assert stats.compare_counts(30, 2).verdict == stats.VERDICT_UP
    # 5 vs 0: even the most lopsided split of 5 cases has p = 0.0625, so no judgement.
    five = stats.compare_counts(5, 0)
    assert five.too_few and five.verdict == stats.VERDICT_TOO_FEW
    six = stats.compare_counts(6, 0)
    assert not six.too_few and six.p_value == pytest.approx(0.03125)
    assert six.verdict == stats.VERDICT_UP
    assert stats.compare_counts(0, 0).verdict == stats.VERDICT_TOO_FEW


def test_large_counts_use_the_normal_approximation_close_to_exact() -> None:
    result = stats.compare_counts(1000, 1100)
    assert result.method == "poisson_normal"
    assert result.p_value == pytest.approx(sps.binomtest(1000, 2100).pvalue, abs=1e-3)
    assert result.verdict == stats.VERDICT_DOWN


def test_share_comparison_uses_boschloo_for_small_groups() -> None:
    result = stats.compare_shares(9, 10, 1, 10)
    assert result.method == "boschloo"
    assert result.p_value < sps.fisher_exact([[9, 1], [1, 9]]).pvalue  # more powerful than Fisher
    assert result.estimate == pytest.approx(0.8)
    assert result.verdict == stats.VERDICT_UP
    assert stats.compare_shares(1, 10, 9, 10).verdict == stats.VERDICT_DOWN


def test_share_comparison_methods_by_size() -> None:
    assert stats.compare_shares(30, 60, 40, 70).method == "fisher"
    big = stats.compare_shares(400, 1000, 450, 1100)
    assert big.method == "z_test"
    assert big.p_value == pytest.approx(sps.fisher_exact([[400, 600], [450, 650]]).pvalue, abs=0.03)


def test_share_verdicts_none_and_too_few() -> None:
    assert stats.compare_shares(3, 10, 4, 10).verdict == stats.VERDICT_NONE
    tiny = stats.compare_shares(1, 4, 3, 4)
    assert tiny.too_few and tiny.verdict == stats.VERDICT_TOO_FEW
    assert stats.compare_shares(0, 0, 2, 8).verdict == stats.VERDICT_TOO_FEW
    # No variation at all: nothing to test, but enough cases to say "no change".
    flat = stats.compare_shares(0, 10, 0, 12)
    assert flat.p_value == 1.0 and flat.verdict == stats.VERDICT_NONE


def test_every_method_has_a_danish_label() -> None:
    methods = {"poisson_exact", "poisson_normal", "boschloo", "fisher", "z_test", "none"}
    assert methods <= set(stats.METHOD_LABELS)


# --- figures shown together: false-discovery rate (Benjamini–Hochberg) -------------------

def test_benjamini_hochberg_known_answer() -> None:
    # Worked by hand: sorted 0.005, 0.01, 0.03, 0.04 -> 0.005*4/1, 0.01*4/2, 0.03*4/3, 0.04*4/4
    # = 0.02, 0.02, 0.04, 0.04 (each the minimum of itself and those above it).
    adjusted = stats.benjamini_hochberg([0.01, 0.04, 0.03, 0.005, math.nan])
    assert adjusted[:4] == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert math.isnan(adjusted[4])


def test_judging_together_can_withdraw_a_lone_significant_verdict() -> None:
    # One share change at p ~ 0.03 among eight quiet ones: alone "beyond chance", together not.
    lone = stats.compare_shares(12, 20, 5, 20)
    assert lone.verdict == stats.VERDICT_UP and lone.p_value < 0.05
    quiet = [stats.compare_shares(10, 20, 10, 20) for _ in range(8)]
    judged = stats.judge_together([lone, *quiet])
    assert judged[0].verdict == stats.VERDICT_NONE
    assert judged[0].p_value == pytest.approx(min(1.0, lone.p_value * 9))


def test_too_few_stays_too_few_and_does_not_tighten_the_others() -> None:
    strong = stats.compare_counts(40, 10)
    few = [stats.compare_counts(1, 2) for _ in range(5)]
    judged = stats.judge_together([strong, *few])
    assert [c.verdict for c in judged[1:]] == [stats.VERDICT_TOO_FEW] * 5
    assert judged[0].p_value == pytest.approx(strong.p_value), "one real test: nothing to adjust"


def test_fdr_control_on_pages_of_nine_null_figures() -> None:
    """Nine figures with no real change: unadjusted, about a third of pages show a false
    "beyond chance"; judged together, about one page in twenty (the promise of the sentence)."""
    rng = random.Random(7)
    pages, alone, together = 400, 0, 0
    for _ in range(pages):
        comparisons = [stats.compare_shares(*_null_pair(rng)) for _ in range(9)]
        alone += any(c.verdict in (stats.VERDICT_UP, stats.VERDICT_DOWN) for c in comparisons)
        together += any(c.verdict in (stats.VERDICT_UP, stats.VERDICT_DOWN)
                        for c in stats.judge_together(comparisons))
    assert alone / pages > 0.2
    assert together / pages < 0.08


def _null_pair(rng: random.Random) -> tuple[int, int, int, int]:
    n1, n2 = 40, 40
    return (sum(rng.random() < 0.4 for _ in range(n1)), n1, sum(rng.random() < 0.4 for _ in range(n2)), n2)
