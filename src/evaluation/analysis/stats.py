"""Honest uncertainty for small counts: intervals, exact tests and a Danish verdict.

A municipality sees tens of cases a year, split over networks, so a KPI moving from 4 to 7
says little. Everything here is exact or small-sample safe, and returns a verdict a
consultant can read without statistics:

- a **count** (cases per year) is compared as two Poisson rates with the exact conditional
  binomial test: given ``x1 + x2`` events, ``x1`` is Binomial(``x1 + x2``, ``t1 / (t1 + t2)``)
  under equal rates. Its Clopper–Pearson interval for the binomial proportion converts to an
  exact interval for the rate ratio.
- a **share** gets a Wilson interval per year (good coverage at small n, never outside 0..1)
  and an exact unconditional test for the difference: Boschloo's test (uniformly more powerful
  than Fisher's, whose p-value is its statistic) while the two groups together have at most
  ``BOSCHLOO_MAX_N`` cases; above that Fisher's exact test, which is then nearly as powerful
  and costs a millisecond instead of ~50–100 ms. The method used is returned, so a report can
  name it. The difference gets Newcombe's hybrid score interval (method 10).
- **large counts** (more than ``LARGE_N`` cases in the two periods together, and every
  expected cell at least 5 — only in big pooled data, such as the benchmark's million
  cases) use the normal approximation to the same test (two-proportion z-test, or the
  conditional binomial with continuity correction): at that size it is within a few
  hundredths of the exact p-values (Fisher being slightly conservative) and costs
  microseconds instead of milliseconds, which keeps a dashboard filter change within its
  time budget. The intervals stay the same.

Tests are two-sided at ``ALPHA``. Figures shown together (the key figures of a page or of
the report) are judged together: nine figures each tested at 5 % would give a false "beyond
chance" on about a third of pages, so ``judge_together`` controls the false-discovery rate
across them (Benjamini–Hochberg) and the verdict follows the adjusted p-value. Dashboards
and report call the same function, so the same figure gets the same verdict everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import Literal

from scipy import special

from evaluation.format import quote

# scipy.stats is imported where a test needs it, not here: importing it costs about 0.5 s,
# paid by every report, page and command that only needs an interval (intervals use
# scipy.special, which scipy.stats itself calls for the same quantiles).

ALPHA = 0.05
CONFIDENCE = 0.95
# Boschloo's test costs ~10-60 ms up to 100 cases in all, more above; Fisher is ~1 ms.
BOSCHLOO_MAX_N = 100
# A share needs at least this many cases in each year before a change is judged: below it
# one case moves the share by more than 20 percentage points.
MIN_GROUP_N = 5
# Above this many cases in the two periods together, the normal approximation is used.
LARGE_N = 1000

VERDICT_UP = "Stigning ud over tilfældig variation"
VERDICT_DOWN = "Fald ud over tilfældig variation"
VERDICT_NONE = "Ingen sikker ændring (kan skyldes tilfældigheder)"
VERDICT_TOO_FEW = "For få sager til at vurdere"

Method = Literal["poisson_exact", "poisson_normal", "boschloo", "fisher", "z_test", "none"]

METHOD_LABELS: dict[str, str] = {
    "poisson_exact": "Eksakt test af to Poisson-rater (betinget binomialtest)",
    "poisson_normal": "Test af to Poisson-rater (normalapproksimation, store tal)",
    "boschloo": "Boschloos eksakte test",
    "fisher": "Fishers eksakte test",
    "z_test": "Test af to andele (normalapproksimation, store tal)",
    "none": "Ingen test",
}
_Z = {CONFIDENCE: NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / 2)}


@dataclass(frozen=True)
class Comparison:
    """This period against the previous one, with an interval for the change and a verdict.

    ``estimate`` is the rate ratio (current / previous) for counts and the difference in
    shares (current − previous) for shares; ``low``/``high`` bound it at ``CONFIDENCE``.
    ``direction`` is +1, −1 or 0 (no change in the point estimate).
    """

    estimate: float
    low: float
    high: float
    p_value: float
    method: Method
    too_few: bool
    direction: int
    verdict: str


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a share; (nan, nan) when there are no cases.

    The closed form (same as ``binomtest(...).proportion_ci(method="wilson")``, which is
    ~100× slower at large n because it also computes a p-value).
    """
    if n <= 0:
        return (math.nan, math.nan)
    z = _Z.get(confidence) or NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def exact_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Clopper–Pearson (exact) interval for a share; conservative, used where exactness is asked."""
    if n <= 0:
        return (math.nan, math.nan)
    tail = (1 - confidence) / 2
    low = 0.0 if successes == 0 else float(special.betaincinv(successes, n - successes + 1, tail))
    high = 1.0 if successes == n else float(special.betaincinv(successes + 1, n - successes, 1 - tail))
    return (low, high)


def poisson_interval(count: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count: what a year's case count could have been."""
    tail = (1 - confidence) / 2
    low = 0.0 if count == 0 else float(special.gammaincinv(count, tail))
    high = float(special.gammaincinv(count + 1, 1 - tail))
    return (low, high)


def newcombe_difference_interval(
    x1: int, n1: int, x2: int, n2: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 − p2, built from the two Wilson intervals."""
    if n1 <= 0 or n2 <= 0:
        return (math.nan, math.nan)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, confidence)
    l2, u2 = wilson_interval(x2, n2, confidence)
    diff = p1 - p2
    low = diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (max(-1.0, low), min(1.0, high))


def compare_counts(
    current: int,
    previous: int,
    *,
    current_exposure: float = 1.0,
    previous_exposure: float = 1.0,
    alpha: float = ALPHA,
) -> Comparison:
    """Compare two counts as Poisson rates (exposure = e.g. months covered) and judge the change.

    "Too few" when not even the most lopsided split of the same total could be significant
    (at equal exposure: fewer than 6 cases in the two periods together).
    """
    x1, x2 = int(current), int(previous)
    total = x1 + x2
    p0 = current_exposure / (current_exposure + previous_exposure)
    if total == 0:
        return Comparison(math.nan, math.nan, math.nan, 1.0, "none", True, 0, VERDICT_TOO_FEW)
    method: Method
    if total > LARGE_N and min(total * p0, total * (1 - p0)) >= 5:
        method, too_few = "poisson_normal", False
        z = (abs(x1 - total * p0) - 0.5) / math.sqrt(total * p0 * (1 - p0))
        p_value = min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2)))
    else:
        method = "poisson_exact"
        p_value = _binom_p(x1, total, p0)
        too_few = min(_binom_p(0, total, p0), _binom_p(total, total, p0)) >= alpha
    ci_low, ci_high = exact_interval(x1, total, 1 - alpha)
    scale = previous_exposure / current_exposure
    low, high = _odds(ci_low) * scale, _odds(ci_high) * scale
    estimate = (x1 / current_exposure) / (x2 / previous_exposure) if x2 else math.inf
    direction = _sign((x1 / current_exposure) - (x2 / previous_exposure))
    return Comparison(estimate, low, high, p_value, method, too_few, direction,
                      verdict(p_value, direction, too_few, alpha))


def compare_shares(x1: int, n1: int, x2: int, n2: int, *, alpha: float = ALPHA) -> Comparison:
    """Compare a share this period (x1 of n1) with the previous one (x2 of n2) and judge it."""
    x1, n1, x2, n2 = int(x1), int(n1), int(x2), int(n2)
    if n1 < MIN_GROUP_N or n2 < MIN_GROUP_N:
        diff = (x1 / n1 - x2 / n2) if n1 and n2 else math.nan
        low, high = newcombe_difference_interval(x1, n1, x2, n2, 1 - alpha)
        return Comparison(diff, low, high, math.nan, "none", True,
                          0 if math.isnan(diff) else _sign(diff), VERDICT_TOO_FEW)
    p_value, method = _share_p(x1, n1, x2, n2)
    diff = x1 / n1 - x2 / n2
    low, high = newcombe_difference_interval(x1, n1, x2, n2, 1 - alpha)
    direction = _sign(diff)
    return Comparison(diff, low, high, p_value, method, False, direction,
                      verdict(p_value, direction, False, alpha))


def verdict(p_value: float, direction: int, too_few: bool, alpha: float = ALPHA) -> str:
    """The Danish reading of a comparison, as shown on KPI cards and in the report."""
    if too_few:
        return VERDICT_TOO_FEW
    if p_value < alpha and direction > 0:
        return VERDICT_UP
    if p_value < alpha and direction < 0:
        return VERDICT_DOWN
    return VERDICT_NONE


FDR_SENTENCE = (f"Når flere tal vurderes på én gang, er grænsen for {quote('ud over tilfældig variation')} "
                "strammet, så højst hver tyvende af de markerede ændringer ventes at være tilfældig.")


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the order given; NaN stays NaN.

    A change is "beyond chance" when its adjusted value is below ``ALPHA``: among all the
    changes so marked on a page, at most a share ``ALPHA`` are expected to be chance.
    """
    tested = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    m = len(tested)
    adjusted = [math.nan] * len(p_values)
    running = 1.0
    for rank in range(m, 0, -1):  # step-up: the smallest ratio from this rank upwards
        p, i = tested[rank - 1]
        running = min(running, p * m / rank)
        adjusted[i] = running
    return adjusted


def judge_together(comparisons: list[Comparison], alpha: float = ALPHA) -> list[Comparison]:
    """The comparisons shown together, each with the verdict of its FDR-adjusted p-value.

    Only real tests count as tests: comparisons with too few cases keep "too few" and do not
    make the correction stricter for the others. ``p_value`` becomes the adjusted value.
    """
    raw = [math.nan if c.too_few else c.p_value for c in comparisons]
    adjusted = benjamini_hochberg(raw)
    out = []
    for c, q in zip(comparisons, adjusted, strict=True):
        if c.too_few or math.isnan(q):
            out.append(c)
        else:
            out.append(Comparison(c.estimate, c.low, c.high, q, c.method, c.too_few, c.direction,
                                  verdict(q, c.direction, c.too_few, alpha)))
    return out


@lru_cache(maxsize=4096)
def _binom_p(successes: int, n: int, p: float) -> float:
    """Two-sided exact binomial p-value (cached: dashboards re-ask the same questions)."""
    from scipy import stats as sps

    return float(sps.binomtest(successes, n, p).pvalue)


@lru_cache(maxsize=4096)
def _share_p(x1: int, n1: int, x2: int, n2: int) -> tuple[float, Method]:
    """Two-sided p-value for equal shares: Boschloo when small, Fisher, z-test when large (cached)."""
    if x1 + x2 == 0 or x1 + x2 == n1 + n2:
        return (1.0, "fisher")  # no variation at all: nothing to test, Boschloo returns nan
    table = [[x1, n1 - x1], [x2, n2 - x2]]
    n, successes = n1 + n2, x1 + x2
    expected_min = min(successes, n - successes) * min(n1, n2) / n
    if n > LARGE_N and expected_min >= 5:
        pooled = successes / n
        z = abs(x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        return (min(1.0, math.erfc(z / math.sqrt(2))), "z_test")
    from scipy import stats as sps

    if n1 + n2 <= BOSCHLOO_MAX_N:
        return (float(min(1.0, sps.boschloo_exact(table).pvalue)), "boschloo")
    return (float(sps.fisher_exact(table).pvalue), "fisher")


def _odds(p: float) -> float:
    return math.inf if p >= 1 else p / (1 - p)


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)
