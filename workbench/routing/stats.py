"""Finite-sample statistics for routing: binomial tails, Learn-then-Test cut-offs, drift.

No scipy: the binomial CDF is the regularized incomplete beta function, evaluated by
its continued fraction (modified Lentz), which stays accurate for n in the tens of
millions where summing probability terms would underflow. Every guarantee here is
turned into one integer (or real) cut-off on a sum of losses, so testing a million
thresholds costs one comparison each.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_EPS = 1e-16
_TINY = 1e-300


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz's method).

    Converges in O(sqrt(max(a, b))) terms for x < (a + 1) / (a + b + 2); the caller
    uses the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) to stay in that region.
    """
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    limit = 1000 + 20 * int(math.sqrt(max(a, b)))
    for m in range(1, limit):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            return h
    return h  # pragma: no cover - the limit is far beyond the convergence bound


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function I_x(a, b) for a, b > 0 and x in [0, 1]."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def binom_cdf(k: int | float, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p); k may be any real (floored)."""
    k = math.floor(k)
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    # P(X <= k) = I_{1-p}(n - k, k + 1).
    return betainc(n - k, k + 1.0, 1.0 - p)


def _largest_k(n: int, ok: Callable[[int], bool | np.bool_]) -> int:
    """Largest k in [-1, n] with ok(k) true, for ok monotone (true then false); ok(-1) is true."""
    lo, hi = -1, n  # invariant: ok(lo); answer in [lo, hi]
    if ok(hi):
        return hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo


def binomial_cutoff(n: int, risk: float, delta: float, scale: float = 1.0) -> int:
    """Most losses out of n that still reject "true risk > ``risk``" at level delta.

    The exact binomial (Clopper-Pearson) p-value of k losses is P(Bin(n, risk) <= k);
    under any true risk above ``risk`` the count is stochastically larger, so the
    p-value is valid. It rises with k, so the test is "losses <= cutoff". -1 means
    nothing can be certified with n items (e.g. risk 0, or too few items).
    ``scale`` multiplies the p-value (Bentkus' e factor for graded losses).
    """
    if n <= 0 or risk <= 0.0:
        return -1
    return _largest_k(n, lambda k: scale * binom_cdf(k, n, risk) <= delta)


def _kl_bernoulli(a: float, b: float) -> float:
    """h1(a, b) = a log(a / b) + (1 - a) log((1 - a) / (1 - b)), the Hoeffding exponent."""
    out = 0.0
    if a > 0:
        out += a * math.log(a / b)
    if a < 1:
        out += (1 - a) * math.log((1 - a) / (1 - b))
    return out


def hoeffding_bentkus_cutoff(n: int, risk: float, delta: float) -> float:
    """Largest loss sum L (losses in [0, 1]) whose Hoeffding-Bentkus p-value is <= delta.

    p(L) = min(exp(-n h1(min(L / n, risk), risk)), e * P(Bin(n, risk) <= ceil(L)))
    (Bates, Angelopoulos, Lei, Malik, Jordan 2021; the p-value Learn-then-Test uses for
    bounded losses). Both parts rise with L, so the test is "L <= cutoff"; -1 when no
    sum passes.
    """
    if n <= 0 or risk <= 0.0:
        return -1.0
    goal = math.log(1.0 / delta) / n
    hoeffding = -1.0
    if _kl_bernoulli(0.0, risk) >= goal:
        lo, hi = 0.0, risk  # h1(., risk) falls from h1(0) to 0 on [0, risk]
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if _kl_bernoulli(mid, risk) >= goal:
                lo = mid
            else:
                hi = mid
        hoeffding = lo * n
    bentkus = float(binomial_cutoff(n, risk, delta, scale=math.e))
    return max(hoeffding, bentkus)


@dataclass(frozen=True)
class LossBound:
    """How a Learn-then-Test p-value turns into a cut-off on the loss sum of n items."""

    n: int
    risk: float  # the risk level being certified (e.g. 1 - target accuracy)
    delta: float
    cutoff: float  # certify when the loss sum <= cutoff
    method: str  # "exact binomial" or "Hoeffding-Bentkus"


def loss_bound(n: int, risk: float, delta: float, graded: bool) -> LossBound:
    """The cut-off for 0/1 losses (exact binomial) or losses in [0, 1] (Hoeffding-Bentkus)."""
    if graded:
        return LossBound(n, risk, delta, hoeffding_bentkus_cutoff(n, risk, delta),
                         "Hoeffding-Bentkus")
    return LossBound(n, risk, delta, float(binomial_cutoff(n, risk, delta)), "exact binomial")


def certified(losses: np.ndarray, bound: LossBound) -> np.ndarray:
    """True where the loss sum passes the test (a tiny tolerance for float sums)."""
    return np.asarray(losses, dtype=np.float64) <= bound.cutoff + 1e-9 * max(bound.n, 1)


def fixed_sequence(ok_in_order: np.ndarray) -> int:
    """Length of the leading run of passed tests: fixed-sequence testing stops at the
    first hypothesis it cannot reject, and every one before it is certified."""
    ok = np.asarray(ok_in_order, dtype=bool)
    if ok.all():
        return int(ok.size)
    return int(np.argmin(ok))


# ---------------------------------------------------------------------- drift


def ks_two_sample(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic D = max |F_a - F_b| and its asymptotic
    p-value Q_KS((sqrt(m) + 0.12 + 0.11 / sqrt(m)) D), m = n_a n_b / (n_a + n_b)."""
    x = np.sort(np.asarray(a, dtype=np.float64))
    y = np.sort(np.asarray(b, dtype=np.float64))
    if x.size == 0 or y.size == 0:
        return math.nan, math.nan
    points = np.concatenate((x, y))
    fa = np.searchsorted(x, points, side="right") / x.size
    fb = np.searchsorted(y, points, side="right") / y.size
    d = float(np.max(np.abs(fa - fb)))
    m = x.size * y.size / (x.size + y.size)
    lam = (math.sqrt(m) + 0.12 + 0.11 / math.sqrt(m)) * d
    return d, _q_ks(lam)


def _q_ks(lam: float) -> float:
    if lam < 1e-3:
        return 1.0
    total, sign = 0.0, 1.0
    for j in range(1, 101):
        term = sign * 2.0 * math.exp(-2.0 * j * j * lam * lam)
        total += term
        if abs(term) < 1e-12:
            break
        sign = -sign
    return min(max(total, 0.0), 1.0)


PSI_BINS = 10
PSI_FLOOR = 1e-4


def psi(reference: np.ndarray, current: np.ndarray, bins: int = PSI_BINS) -> float:
    """Population stability index over the reference's decile bins.

    PSI = sum over bins of (c - r) ln(c / r), r and c the shares of the reference and
    current sample in each bin; shares are floored at 1e-4 so an empty bin stays finite.
    Bin edges are the reference's quantiles (repeated edges merged).
    """
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    if ref.size == 0 or cur.size == 0:
        return math.nan
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins, method="inverted_cdf"))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=edges.size + 1) / ref.size
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=edges.size + 1) / cur.size
    r = np.maximum(r, PSI_FLOOR)
    c = np.maximum(c, PSI_FLOOR)
    return float(np.sum((c - r) * np.log(c / r)))
