"""How sure the accuracies are: intervals from the eval-set size, and tests between them.

An accuracy p (a fraction here; percent in and out) measured on n items:

Wilson 95% score interval (the default):
    centre = (p + z^2 / 2n) / (1 + z^2 / n)
    half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2),   z = 1.959964
Beta posterior (the option): with k = p n correct answers and a uniform prior the
    accuracy is Beta(k + 1, n - k + 1); the interval is its 2.5% and 97.5% quantiles
    (the regularized incomplete beta function, inverted by bisection).

Indistinguishable pair: the two-sided two-proportion z-test with pooled variance,
    z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2)),  p = (p1 n1 + p2 n2) / (n1 + n2),
does not reject equality at 5%. It treats the two evaluations as independent samples;
when both models ran on the same items, per-item results and McNemar's test are the
sharper tool (the z-test is then conservative when the errors are correlated).
Items needed to separate them (per model, 5% two-sided, 80% power):
    n = (z_a sqrt(2 pbar qbar) + z_b sqrt(p1 q1 + p2 q2))^2 / (p1 - p2)^2.

McNemar (paired 0/1 results per item): b = items only A gets right, c = items only B
gets right. Exact: p = min(1, 2 P(X <= min(b, c))), X ~ Binomial(b + c, 1/2).
Chi-square: (|b - c| - 1)^2 / (b + c) with 1 degree of freedom (continuity corrected).
"auto" uses the exact test when b + c < 25, the usual rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from workbench.analysis import Analysis
from workbench.columns import names_of
from workbench.errors import InputError
from workbench.robustness.problem import row_values

Z95 = NormalDist().inv_cdf(0.975)
METHODS: tuple[str, ...] = ("wilson", "beta")


def _fractions(
    accuracy_pct: np.ndarray | float, n: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(accuracy_pct, dtype=float) / 100.0
    size = np.asarray(n, dtype=float)
    p_b, size_b = np.broadcast_arrays(p, size)
    return p_b, size_b


def wilson_interval(
    accuracy_pct: np.ndarray | float, n: np.ndarray | float, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) in percent; NaN where n is missing or not positive."""
    p, size = _fractions(accuracy_pct, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.where(size > 0, size, np.nan)
        z2 = z * z
        denom = 1.0 + z2 / size
        centre = (p + z2 / (2 * size)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / size + z2 / (4 * size * size))
    return 100.0 * (centre - half), 100.0 * (centre + half)


def beta_interval(
    accuracy_pct: np.ndarray | float, n: np.ndarray | float, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed posterior interval of Beta(k + 1, n - k + 1), k = p n, in percent."""
    p, size = _fractions(accuracy_pct, n)
    with np.errstate(invalid="ignore"):
        ok = (size > 0) & (p >= 0) & (p <= 1)
    a = np.where(ok, p * size + 1.0, 1.0)
    b = np.where(ok, (1.0 - p) * size + 1.0, 1.0)
    tail = (1.0 - level) / 2.0
    low = betaincinv(a, b, np.full(a.shape, tail))
    high = betaincinv(a, b, np.full(a.shape, 1.0 - tail))
    return np.where(ok, 100.0 * low, np.nan), np.where(ok, 100.0 * high, np.nan)


def betainc(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The regularized incomplete beta function I_x(a, b), vectorised (Lentz's
    continued fraction, with the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where it
    converges faster)."""
    a, b, x = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(x, float))
    flip = x > (a + 1.0) / (a + b + 2.0)
    aa = np.where(flip, b, a)
    bb = np.where(flip, a, b)
    xx = np.where(flip, 1.0 - x, x)
    inner = (xx > 0) & (xx < 1)
    xs = np.where(inner, xx, 0.5)
    lgam = np.vectorize(math.lgamma, otypes=[float])
    with np.errstate(divide="ignore"):
        log_front = (lgam(aa + bb) - lgam(aa) - lgam(bb)
                     + aa * np.log(xs) + bb * np.log1p(-xs))
    front = np.exp(log_front) / aa
    cf = _betacf(aa, bb, xs)
    value = np.where(inner, front * cf, np.where(xx <= 0, 0.0, 1.0))
    return np.where(flip, 1.0 - value, value)


def _betacf(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = np.where(np.abs(d) < tiny, tiny, d)
    d = 1.0 / d
    h = d.copy()
    for m in range(1, 2000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        h = h * d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if np.all(np.abs(delta - 1.0) < 1e-15):
            break
    return h


def betaincinv(a: np.ndarray, b: np.ndarray, q: np.ndarray) -> np.ndarray:
    """x with I_x(a, b) = q, by bisection on [0, 1] (60 halvings: below 1e-18)."""
    a, b, q = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(q, float))
    lo = np.zeros(a.shape)
    hi = np.ones(a.shape)
    for _ in range(60):
        mid = (lo + hi) / 2.0
        below = betainc(a, b, mid) < q
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return (lo + hi) / 2.0


# ------------------------------------------------------------------ pairs of accuracies


def two_proportion_test(
    p1_pct: float, n1: float, p2_pct: float, n2: float
) -> tuple[float, float]:
    """(z, two-sided p-value) of the pooled two-proportion z-test."""
    p1, p2 = p1_pct / 100.0, p2_pct / 100.0
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    var = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if var <= 0:
        # Both perfect (or both always wrong): no evidence of a difference, unless
        # they differ, which a zero pooled variance rules out.
        return 0.0, 1.0
    z = (p1 - p2) / math.sqrt(var)
    return z, math.erfc(abs(z) / math.sqrt(2.0))


def n_to_separate(
    p1_pct: float, p2_pct: float, alpha: float = 0.05, power: float = 0.8
) -> float | None:
    """Items per model for the z-test to tell p1 from p2 (None when equal)."""
    p1, p2 = p1_pct / 100.0, p2_pct / 100.0
    if p1 == p2:
        return None
    za = NormalDist().inv_cdf(1.0 - alpha / 2.0)
    zb = NormalDist().inv_cdf(power)
    pbar = (p1 + p2) / 2.0
    top = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return top * top / (p1 - p2) ** 2


@dataclass(frozen=True)
class PairTest:
    a: str
    b: str
    diff_pp: float  # accuracy a - accuracy b, points
    n_a: float
    n_b: float
    z: float
    p_value: float
    indistinguishable: bool  # p_value >= alpha
    n_needed: float | None  # items per model to separate them (80% power)


@dataclass(frozen=True)
class AccuracyUncertainty:
    """Intervals for every candidate (rank order) and tests among the top ones."""

    names: tuple[str, ...]
    method: str  # wilson or beta
    eval_n: np.ndarray  # per candidate; NaN where unknown
    low: np.ndarray  # percent
    high: np.ndarray
    pairs: tuple[PairTest, ...]
    alpha: float

    def interval(self, name: str) -> tuple[float, float]:
        i = self.names.index(name)
        return float(self.low[i]), float(self.high[i])

    def pair(self, a: str, b: str) -> PairTest | None:
        for t in self.pairs:
            if {t.a, t.b} == {a, b}:
                return t
        return None


def accuracy_uncertainty(
    analysis: Analysis,
    eval_n: float | None = None,
    method: str = "wilson",
    top: int = 5,
    alpha: float = 0.05,
) -> AccuracyUncertainty | None:
    """Intervals from the eval-set size (the table's `eval_n` column per row, else
    `eval_n`), and the z-test between each pair of the first `top` feasible
    candidates plus the runner-up. None when no row has an eval-set size."""
    if method not in METHODS:
        raise InputError(f"must be one of {', '.join(METHODS)}, got {method!r}",
                         key="uncertainty.interval")
    if eval_n is not None and not (eval_n >= 1 and math.isfinite(eval_n)):
        raise InputError(f"must be a number >= 1, got {eval_n:g}", key="uncertainty.eval_n")
    sizes = row_values(analysis, "eval_n", eval_n)
    sizes = np.where(sizes >= 1, sizes, np.nan)
    if np.isnan(sizes).all():
        return None
    table = analysis.table
    names = tuple(names_of(table))
    accuracy = table["accuracy"].to_numpy(dtype=float)
    interval = wilson_interval if method == "wilson" else beta_interval
    low, high = interval(accuracy, sizes)
    feasible = table["feasible"].to_numpy(dtype=bool)
    chosen = [int(i) for i in np.flatnonzero(feasible)[:top]]
    rec = analysis.recommendation
    if rec is not None and rec.runner_up is not None:
        r = names.index(rec.runner_up)
        if r not in chosen:
            chosen.append(r)
    pairs: list[PairTest] = []
    for x, i in enumerate(chosen):
        for j in chosen[x + 1:]:
            if np.isnan(sizes[i]) or np.isnan(sizes[j]):
                continue
            z, pv = two_proportion_test(accuracy[i], sizes[i], accuracy[j], sizes[j])
            pairs.append(PairTest(
                names[i], names[j], float(accuracy[i] - accuracy[j]), float(sizes[i]),
                float(sizes[j]), z, pv, pv >= alpha,
                n_to_separate(accuracy[i], accuracy[j], alpha),
            ))
    return AccuracyUncertainty(names, method, sizes, low, high, tuple(pairs), alpha)


# ----------------------------------------------------------------------- McNemar


@dataclass(frozen=True)
class McNemar:
    only_a: int  # b: items A gets right and B wrong
    only_b: int  # c: items B gets right and A wrong
    statistic: float  # chi-square (continuity corrected); for the exact test min(b, c)
    p_value: float
    method: str  # "exact" or "chi-square"
    significant: bool  # p_value < alpha


def mcnemar(
    correct_a: np.ndarray, correct_b: np.ndarray, method: str = "auto", alpha: float = 0.05
) -> McNemar:
    """McNemar's test on paired per-item results (0/1 or bool, same items, same order)."""
    a = np.asarray(correct_a)
    b = np.asarray(correct_b)
    if a.shape != b.shape or a.ndim != 1:
        raise InputError(
            f"paired results need two 1-D arrays of the same length, got {a.shape} and {b.shape}",
            key="uncertainty.paired",
        )
    if not (np.isin(a, (0, 1)).all() and np.isin(b, (0, 1)).all()):
        raise InputError("paired results must be 0 or 1 per item", key="uncertainty.paired")
    if method not in ("auto", "exact", "chi-square"):
        raise InputError(f"must be auto, exact or chi-square, got {method!r}",
                         key="uncertainty.mcnemar")
    only_a = int(np.sum((a == 1) & (b == 0)))
    only_b = int(np.sum((a == 0) & (b == 1)))
    total = only_a + only_b
    if method == "auto":
        method = "exact" if total < 25 else "chi-square"
    if total == 0:
        return McNemar(only_a, only_b, 0.0, 1.0, method, False)
    if method == "exact":
        k = min(only_a, only_b)
        p = min(1.0, 2.0 * _binom_cdf_half(k, total))
        return McNemar(only_a, only_b, float(k), p, method, p < alpha)
    stat = (abs(only_a - only_b) - 1.0) ** 2 / total if abs(only_a - only_b) >= 1 else 0.0
    p = math.erfc(math.sqrt(stat / 2.0))
    return McNemar(only_a, only_b, stat, p, method, p < alpha)


def _binom_cdf_half(k: int, n: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2): exact integers up to n = 5000, log-space
    summation beyond (the terms are all positive: no cancellation)."""
    if n <= 5000:
        outcomes: int = 2**n  # n >= 0: an exact integer
        return sum(math.comb(n, i) for i in range(k + 1)) / outcomes
    logs = np.array([math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                     for i in range(k + 1)]) - n * math.log(2.0)
    top = logs.max()
    return float(math.exp(top) * np.exp(logs - top).sum())
