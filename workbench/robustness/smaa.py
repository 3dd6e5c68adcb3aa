"""SMAA-2: how often each candidate ranks first, second, ... when the inputs are uncertain.

Stochastic multicriteria acceptability analysis (Lahdelma and Salminen, 2001), as a
seeded Monte Carlo over the analysis' own weighted sum. In each draw:

- weights: uniform on the simplex (Dirichlet(1, ..., 1), drawn as normalized
  exponentials; every criterion of the analysis takes part, zero-weight ones too), or
  the analysis' weights ("fixed"), or each raw weight uniform within its given range
  [low, high] (criteria without a range keep their raw weight), then normalized as
  `analyze` normalizes raw weights;
- accuracy, for rows with an eval-set size n: the Beta(k + 1, n - k + 1) posterior of
  k = p n correct answers ("beta"), or normal with variance p (1 - p) / n clipped to
  [0, 100] ("normal"); rows without n keep their accuracy;
- prices: one factor per row, uniform on [1 - r, 1 + r] for a +-r% range, moving every
  price of the row together (cost_per_1k, fixed_monthly_usd, one_time_usd and so the
  monthly cost); latencies likewise with their own factor;
- every derived column is recomputed (`costs.derive_costs`), each criterion is
  normalized over the draw's candidates with the analysis' method and scale
  (`problem.normalize_rows`, the row-wise twin of `scoring.normalize`), the
  constraints are re-checked on the drawn values, and the feasible candidates are
  ranked by score (ties: lower base cost, then name, as `rank_order`).

Outputs: the rank acceptability b_i^r, the share of draws in which candidate i is
feasible and ranks r among the feasible ones (so sum_r b_i^r = P(i feasible), and
sum_i b_i^1 = 1 - P(no candidate feasible)); the central weight vector of each
candidate, the mean weights over the draws where it ranks first; the probability
that the analysis' pick ranks first. A share p from D draws has a Monte Carlo
standard error sqrt(p (1 - p) / D).

Deterministic for a seed: draws are generated chunk by chunk from one
`numpy.random.default_rng(seed)` stream, and the chunk size depends only on the
number of candidates (to bound memory at ~8 MB per draws x candidates matrix).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.analysis import Analysis
from workbench.columns import VOLUME_DEPENDENT
from workbench.costs import derive_costs, monthly_cost, overhead_monthly_usd
from workbench.errors import InputError
from workbench.robustness.problem import (
    PRICE_INPUTS,
    Problem,
    normalize_rows,
    problem_of,
    row_values,
    tie_order,
    violated,
)

WEIGHT_MODES: tuple[str, ...] = ("simplex", "fixed", "ranges")
ACCURACY_MODELS: tuple[str, ...] = ("beta", "normal")
CHUNK_ELEMENTS = 1 << 20  # draws x candidates per chunk: 8 MB per float matrix
MAX_DRAWS = 1_000_000

# Which analysis columns move when accuracy, prices or latencies are drawn.
_ACCURACY_COLUMNS = {"accuracy", "cost_per_accuracy_point", "cost_per_1k_correct"}
_PRICE_COLUMNS = {*PRICE_INPUTS, "monthly_cost_usd", "inference_monthly_usd",
                  "cost_per_accuracy_point", "cost_per_1k_correct",
                  "max_volume_per_day_in_budget"}
_DERIVED = {"monthly_cost_usd", "inference_monthly_usd", "cost_per_accuracy_point",
            "cost_per_1k_correct", "max_volume_per_day_in_budget"}


@dataclass(frozen=True)
class SmaaSettings:
    draws: int = 10_000
    seed: int = 0
    weights: str = "simplex"  # simplex | fixed | ranges
    # {criterion (as written, or its column): (low, high) raw weight}; mode "ranges"
    weight_ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    eval_n: float | None = None  # default eval-set size; a table column eval_n wins per row
    accuracy_model: str = "beta"  # beta | normal
    price_range_pct: float | None = None  # +-% on a row's prices; column price_range_pct wins
    latency_range_pct: float | None = None  # +-%; column latency_range_pct wins
    max_rank: int | None = None  # ranks reported (None: all)


@dataclass(frozen=True)
class SmaaResult:
    names: tuple[str, ...]  # rank order of the analysis
    criteria: tuple[str, ...]  # as written (given_as)
    draws: int
    seed: int
    acceptability: np.ndarray  # (n, ranks): [i, r] = P(i feasible and ranked r + 1)
    central_weights: np.ndarray  # (n, k): mean weights where i ranks first; NaN if never
    p_feasible: np.ndarray  # (n,)
    p_no_pick: float  # share of draws in which no candidate is feasible
    pick: str | None  # the analysis' pick
    varied: tuple[str, ...]  # what was drawn: "weights", "accuracy", "prices", "latency"

    def first(self, name: str) -> float:
        return float(self.acceptability[self.names.index(name), 0])

    @property
    def p_pick_first(self) -> float | None:
        """The probability that the analysis' pick stays first."""
        return None if self.pick is None else self.first(self.pick)

    def standard_error(self, p: float) -> float:
        return math.sqrt(max(p * (1.0 - p), 0.0) / self.draws)


def smaa(analysis: Analysis, settings: SmaaSettings = SmaaSettings()) -> SmaaResult:
    problem = problem_of(analysis)
    draws = _check(settings, problem)
    n, k = problem.n, len(problem.criteria)
    ranks = n if settings.max_rank is None else max(1, min(int(settings.max_rank), n))
    rng = np.random.default_rng(settings.seed)
    inputs = _Inputs(analysis, problem, settings)

    counts = np.zeros((n, ranks), dtype=np.int64)
    weight_sums = np.zeros((n, k))
    feasible_counts = np.zeros(n, dtype=np.int64)
    no_pick = 0
    tie_perm = tie_order(problem)
    chunk = max(1, min(draws, CHUNK_ELEMENTS // max(n, 1)))
    done = 0
    while done < draws:
        size = min(chunk, draws - done)
        done += size
        weights = inputs.weights(rng, size)
        score, feasible = inputs.evaluate(rng, size, weights)
        feasible_counts += feasible.sum(axis=0)
        n_feasible = feasible.sum(axis=1)
        no_pick += int((n_feasible == 0).sum())
        order = _rank(score, feasible, tie_perm, ranks)
        # Every (draw, place) with a feasible candidate in it, counted in one pass.
        places = np.arange(ranks)
        filled = places[None, :] < n_feasible[:, None]
        flat = (order * ranks + places[None, :])[filled]
        counts += np.bincount(flat, minlength=n * ranks).reshape(n, ranks)
        has = n_feasible > 0
        winners = order[has, 0]
        for j in range(k):
            weight_sums[:, j] += np.bincount(winners, weights=weights[has, j], minlength=n)
    firsts = counts[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        central = np.where(firsts[:, None] > 0, weight_sums / firsts[:, None], np.nan)
    return SmaaResult(
        names=problem.names,
        criteria=tuple(c.given_as for c in problem.criteria),
        draws=draws,
        seed=settings.seed,
        acceptability=counts / draws,
        central_weights=central,
        p_feasible=feasible_counts / draws,
        p_no_pick=no_pick / draws,
        pick=problem.names[0] if problem.pick is not None else None,
        varied=inputs.varied,
    )


def _rank(score: np.ndarray, feasible: np.ndarray, tie_perm: np.ndarray, ranks: int) -> np.ndarray:
    """Candidate positions by place in each draw (draws x ranks): feasible ones by
    score, ties as `rank_order` breaks them (lower base cost, then name).

    The columns are laid out in tie-break order, so a stable sort of -score ranks
    exactly as rank_order. A stable sort is ~3x slower than numpy's default, and ties
    are rare once anything is drawn, so the default sort runs first and only the
    draws with a tie among feasible candidates are sorted again, stably. Infeasible
    candidates sort last (+inf) and are never counted, so their order is irrelevant.
    """
    key = np.where(feasible, -score, np.inf)[:, tie_perm]
    order = np.argsort(key, axis=1)
    ordered = np.take_along_axis(key, order, axis=1)
    tied = ((ordered[:, 1:] == ordered[:, :-1]) & np.isfinite(ordered[:, 1:])).any(axis=1)
    if tied.any():
        order[tied] = np.argsort(key[tied], axis=1, kind="stable")
    return tie_perm[order[:, :ranks]]


def _check(settings: SmaaSettings, problem: Problem) -> int:
    draws = settings.draws
    if isinstance(draws, bool) or not (1 <= draws <= MAX_DRAWS) or int(draws) != draws:
        raise InputError(f"must be a whole number from 1 to {MAX_DRAWS:,}, got {draws}",
                         key="uncertainty.smaa_draws")
    if isinstance(settings.seed, bool) or int(settings.seed) != settings.seed or settings.seed < 0:
        raise InputError(f"must be a whole number >= 0, got {settings.seed}",
                         key="uncertainty.seed")
    if settings.weights not in WEIGHT_MODES:
        raise InputError(f"must be one of {', '.join(WEIGHT_MODES)}, got {settings.weights!r}",
                         key="uncertainty.weights")
    if settings.accuracy_model not in ACCURACY_MODELS:
        raise InputError(
            f"must be one of {', '.join(ACCURACY_MODELS)}, got {settings.accuracy_model!r}",
            key="uncertainty.accuracy_model",
        )
    if settings.weights == "ranges":
        known = {c.given_as for c in problem.criteria} | {c.column for c in problem.criteria}
        if not settings.weight_ranges:
            raise InputError("weights 'ranges' needs at least one weight range",
                             key="uncertainty.weight_ranges")
        for name, (lo, hi) in settings.weight_ranges.items():
            if name not in known:
                raise InputError(f"{name!r} is not a criterion; criteria: "
                                 f"{', '.join(c.given_as for c in problem.criteria)}",
                                 key="uncertainty.weight_ranges")
            if not (0 <= lo <= hi and math.isfinite(hi)):
                raise InputError(f"{name}: a range needs 0 <= low <= high, got {lo:g}..{hi:g}",
                                 key="uncertainty.weight_ranges")
    return int(draws)


class _Inputs:
    """The analysis' values and what each draw varies."""

    def __init__(self, analysis: Analysis, problem: Problem, settings: SmaaSettings) -> None:
        self.problem = problem
        self.settings = settings
        scenario = analysis.scenario
        self.workload = scenario.workload
        self.constraints = scenario.constraints
        n = problem.n

        sizes = row_values(analysis, "eval_n", settings.eval_n)
        self.acc_rows = np.flatnonzero(sizes >= 1)
        accuracy = problem.columns["accuracy"]
        p = np.clip(accuracy[self.acc_rows] / 100.0, 0.0, 1.0)
        size = sizes[self.acc_rows]
        self.beta_a, self.beta_b = p * size + 1.0, (1.0 - p) * size + 1.0
        self.acc_p, self.acc_sd = p, np.sqrt(p * (1.0 - p) / size)

        self.price_pct = _ranges(analysis, "price_range_pct", settings.price_range_pct)
        self.latency_pct = _ranges(analysis, "latency_range_pct", settings.latency_range_pct)
        self.price_rows = np.flatnonzero(self.price_pct > 0)
        self.latency_rows = np.flatnonzero(self.latency_pct > 0)

        moving: set[str] = set()
        varied = [] if settings.weights == "fixed" else ["weights"]
        if self.acc_rows.size:
            moving |= _ACCURACY_COLUMNS
            varied.append("accuracy")
        if self.price_rows.size:
            moving |= _PRICE_COLUMNS
            varied.append("prices")
        if self.latency_rows.size:
            moving.add("latency_ms")
            varied.append("latency")
        self.varied = tuple(varied)
        used = {c.column for c in problem.criteria} | {s[1] for s in problem.specs}
        self.moving = moving & used
        # The raw inputs of the derived costs, in rank order.
        order = analysis.table.index.to_numpy()
        cands = scenario.candidates
        # From the analysed table (rank order): its cost_per_1k is the one the pricing
        # engine derived for candidates priced per token or on instances.
        table = analysis.table
        self.raw = {
            col: table[col].to_numpy(dtype=float)
            for col in ("accuracy", *PRICE_INPUTS) if col in table.columns
        }
        self.overhead = overhead_monthly_usd(cands, self.workload)[order]
        self.base_ok = {
            name: ~violated(problem.columns[col], op, lim)
            for name, col, op, lim in problem.specs if col not in self.moving
        }
        self.n = n
        if settings.weights == "ranges":
            self.low = np.array([c.raw_weight for c in problem.criteria])
            self.high = self.low.copy()
            for j, c in enumerate(problem.criteria):
                for key in (c.given_as, c.column):
                    if key in settings.weight_ranges:
                        self.low[j], self.high[j] = settings.weight_ranges[key]
            if not (self.high.sum() > 0):
                raise InputError("the weight ranges leave every weight at 0",
                                 key="uncertainty.weight_ranges")

    def weights(self, rng: np.random.Generator, size: int) -> np.ndarray:
        k = len(self.problem.criteria)
        mode = self.settings.weights
        if mode == "fixed":
            return np.broadcast_to(self.problem.weights, (size, k)).copy()
        if mode == "simplex":
            e = rng.standard_exponential((size, k))
        else:
            e = self.low + (self.high - self.low) * rng.random((size, k))
            # All-zero draws (every range starting at 0) are measure-zero; keep
            # them finite as equal weights rather than dividing by zero.
            e[e.sum(axis=1) == 0] = 1.0
        weights: np.ndarray = e / e.sum(axis=1, keepdims=True)
        return weights

    def evaluate(
        self, rng: np.random.Generator, size: int, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(score, feasible), each draws x candidates."""
        prob = self.problem
        n = self.n
        # Draw every random input in a fixed order, whether or not a criterion uses
        # it, so that a seed means the same draws whatever the criteria are.
        acc = None
        if self.acc_rows.size:
            if self.settings.accuracy_model == "beta":
                part = 100.0 * rng.beta(self.beta_a, self.beta_b, (size, self.acc_rows.size))
            else:
                part = 100.0 * np.clip(
                    self.acc_p + self.acc_sd * rng.standard_normal((size, self.acc_rows.size)),
                    0.0, 1.0,
                )
            acc = np.broadcast_to(prob.columns["accuracy"], (size, n)).copy()
            acc[:, self.acc_rows] = part
        price = None
        if self.price_rows.size:
            r = self.price_pct[self.price_rows] / 100.0
            price = np.ones((size, n))
            price[:, self.price_rows] = 1.0 + r * (2.0 * rng.random((size, r.size)) - 1.0)
        latency = None
        if self.latency_rows.size:
            r = self.latency_pct[self.latency_rows] / 100.0
            latency = np.ones((size, n))
            latency[:, self.latency_rows] = 1.0 + r * (2.0 * rng.random((size, r.size)) - 1.0)

        values = self._columns(size, acc, price, latency)
        score = np.zeros((size, n))
        for j, crit in enumerate(prob.criteria):
            if crit.column in values:
                norm = normalize_rows(values[crit.column], crit, prob.method)
                norm *= weights[:, j : j + 1]
                score += norm
            else:
                score += weights[:, j : j + 1] * prob.normalized[:, j][None, :]
        feasible = np.ones((size, n), dtype=bool)
        for name, col, op, lim in prob.specs:
            if col in values:
                feasible &= ~violated(values[col], op, lim)
            else:
                feasible &= self.base_ok[name][None, :]
        return score, feasible

    def _columns(
        self, size: int, acc: np.ndarray | None, price: np.ndarray | None,
        latency: np.ndarray | None,
    ) -> dict[str, np.ndarray]:
        """The drawn values of every moving column a criterion or a check reads."""
        prob = self.problem
        out: dict[str, np.ndarray] = {}
        if not self.moving:
            return out
        if "latency_ms" in self.moving:
            out["latency_ms"] = prob.columns["latency_ms"][None, :] * (
                latency if latency is not None else 1.0)
        raw: dict[str, np.ndarray] = {}
        for col, base in self.raw.items():
            if col == "accuracy":
                raw[col] = acc if acc is not None else np.broadcast_to(base, (size, self.n))
            else:
                raw[col] = base[None, :] * price if price is not None else np.broadcast_to(
                    base, (size, self.n))
        for col in ("accuracy", *PRICE_INPUTS):
            if col in self.moving and col in raw:
                out[col] = raw[col]
        derived = self.moving & _DERIVED
        if derived and derived <= set(VOLUME_DEPENDENT):
            # The common case (a monthly cost criterion, a budget): the one definition
            # of the monthly cost, without deriving the columns nobody reads.
            # A price factor scales every price of a row, so the overhead (fixed +
            # one-time / horizon) scales with it.
            overhead = self.overhead[None, :] * (price if price is not None else 1.0)
            volume = self.workload.monthly_volume
            if volume is None:
                nan = np.full((size, self.n), np.nan)
                inference, total = nan, nan
            else:
                inference, total = monthly_cost(raw["cost_per_1k"], overhead, volume)
            at = {"monthly_cost_usd": total, "inference_monthly_usd": inference}
            for col in derived:
                out[col] = np.broadcast_to(at[col], (size, self.n))
        elif derived:
            # One definition of the derived costs: derive_costs on the flattened draws.
            flat = pd.DataFrame({c: np.ascontiguousarray(v).ravel() for c, v in raw.items()},
                                copy=False)
            cols = derive_costs(flat, self.workload, self.constraints)
            for col in derived:
                out[col] = cols[col].reshape(size, self.n)
        return out


def _ranges(analysis: Analysis, column: str, default: float | None) -> np.ndarray:
    pct = row_values(analysis, column, default)
    pct = np.where(np.isnan(pct), 0.0, pct)
    bad = ~((pct >= 0) & (pct < 100))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"a +-% range must be >= 0 and < 100 (prices and latencies stay positive), "
            f"got {pct[i]:g} for {analysis.table['name'].iloc[i]}",
            key=f"uncertainty.{column}",
        )
    return pct
