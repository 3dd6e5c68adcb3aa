"""What would change the pick: critical weights (exact) and pick/runner-up swaps.

Critical weights (closed form). Let w be the normalized weights, N the normalized
values (n x k; normalization runs over all candidates and ignores the weights, so N is
fixed) and S = N w the scores. Set criterion k's share to t and rescale the others to
keep their proportions, w_j(t) = w_j (1 - t) / (1 - w_k). Each score is linear in t:

    s_i(t) = a_i + b_i t,   a_i = sum_{j != k} w_j N_ij / (1 - w_k),   b_i = N_ik - a_i

(a criterion holding all the weight, w_k = 1, hands the freed share to the others in
equal parts: a_i = mean_{j != k} N_ij). Lines cross once, so the pick p loses to a
feasible c for every t past

    t_c = w_k + (S_p - S_c) / (b_c - b_p)    upwards, where b_c > b_p
    t_c = w_k - (S_p - S_c) / (b_p - b_c)    downwards, where b_c < b_p

and the critical share is the nearest t_c inside the open interval (0, 1); "never"
(None) when there is none. Past it the new pick is the crossing candidate with the
steepest line in that direction (a tie there follows `scoring.rank_order`: lower cost,
then name). Feasibility does not depend on weights. `raw_weight_at` is the same change
spelled as the one raw weight to type, the others left as they are:
raw_k = t / (1 - t) * sum_{j != k} raw_j.

Pick/runner-up swaps (numeric). One input of one candidate moves (or the volume, which
moves every monthly cost) and everything it feeds is re-evaluated as `analyze` does:
derived costs (`costs.derive_costs`, `costs.monthly_cost`), the normalization over all
candidates (minmax bounds move when the moved value is an extreme; ratio and vector
norms move with it), the constraint checks. The event is "the pick is no longer chosen
over the runner-up": the pick breaks a constraint, or the runner-up is feasible and
ranks above it (`rank_order`'s rule). Other candidates are not considered (the weight
analysis covers the whole field). No closed form exists once bounds move, so each swap
is found by a bracketing search: a 256-point scan outward from the current value (a
log grid for multiplicative ranges, linear otherwise) finds the first grid point where
the pick has lost, and that bracket is narrowed by repeated 64-way sections (bisection
generalised; every step evaluated in one vectorised call) until it is 1e-12 of the
value wide. `at` is the bracket's end where the pick has lost. A flip that reverts
between two neighbouring scan points is not seen; for the single-value moves the
margin is monotone (moving the value against the pick never helps it), for volume it
need not be, hence the scan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from workbench.analysis import UNIT_OF, Analysis
from workbench.costs import derive_costs, monthly_cost, overhead_monthly_usd
from workbench.fmt import with_unit
from workbench.frontier import pareto_mask
from workbench.robustness.problem import (
    PRICE_INPUTS,
    Problem,
    RowStats,
    normalize_with,
    problem_of,
    violated,
)
from workbench.scoring import ResolvedCriterion

# ---------------------------------------------------------------- critical weights


@dataclass(frozen=True)
class WeightChange:
    """Where the pick changes when one criterion's weight moves one way."""

    direction: str  # "up" or "down"
    weight_at: float | None  # the criterion's share (0..1) at which the pick changes
    change: float | None  # weight_at - current share (signed)
    raw_weight_at: float | None  # the raw weight giving that share, others unchanged
    new_pick: str | None  # who is picked just past weight_at

    @property
    def never(self) -> bool:
        return self.weight_at is None


@dataclass(frozen=True)
class WeightSensitivity:
    criterion: str  # as the user wrote it (given_as): "cost", "accuracy", ...
    column: str  # the analysis column it reads
    weight: float  # current share (normalized)
    raw_weight: float
    up: WeightChange
    down: WeightChange

    @property
    def nearest(self) -> WeightChange | None:
        """The smaller of the two changes, None when neither direction changes the pick."""
        found = [c for c in (self.up, self.down) if c.change is not None]
        return min(found, key=lambda c: abs(c.change or 0.0)) if found else None


@dataclass(frozen=True)
class TornadoBar:
    """One bar of the tornado chart: the share range over which the pick holds."""

    criterion: str
    low: float  # share at which the pick changes going down (0 when never)
    high: float  # share at which it changes going up (1 when never)
    current: float
    low_pick: str | None  # the pick below `low` (None: never changes that way)
    high_pick: str | None  # the pick above `high`


_GROUP = 1e-12  # crossings closer than this are the same event


def weight_sensitivity(analysis: Analysis) -> tuple[WeightSensitivity, ...]:
    """For each criterion: the nearest share, up and down, at which the pick changes.

    Empty when there is no pick (no feasible candidate)."""
    problem = problem_of(analysis)
    if problem.pick is None:
        return ()
    return tuple(_one_criterion(problem, k) for k in range(len(problem.criteria)))


def _one_criterion(problem: Problem, k: int) -> WeightSensitivity:
    crit = problem.criteria[k]
    n_crit = len(problem.criteria)
    w = problem.weights
    t0 = float(w[k])
    raw_others = sum(c.raw_weight for j, c in enumerate(problem.criteria) if j != k)
    never_up = WeightChange("up", None, None, None, None)
    never_down = WeightChange("down", None, None, None, None)
    if n_crit == 1:
        return WeightSensitivity(
            crit.given_as, crit.column, t0, crit.raw_weight, never_up, never_down
        )
    N = problem.normalized
    others = [j for j in range(n_crit) if j != k]
    if 1.0 - t0 > 1e-15:
        # Sum in criteria order, as score_matrix does, divided once.
        rest = np.zeros(problem.n)
        for j in others:
            rest = rest + w[j] * N[:, j]
        a = rest / (1.0 - t0)
    else:
        a = N[:, others].mean(axis=1)
    b = N[:, k] - a
    p = 0
    rivals = np.flatnonzero(problem.feasible)
    rivals = rivals[rivals != p]
    gap = problem.score[p] - problem.score[rivals]  # >= 0: p is the pick
    slope = b[rivals] - b[p]

    def change(direction: str) -> WeightChange:
        sign = 1.0 if direction == "up" else -1.0
        gaining = sign * slope > 0
        if not gaining.any():
            return never_up if sign > 0 else never_down
        cand = rivals[gaining]
        with np.errstate(divide="ignore"):
            t = t0 + sign * gap[gaining] / np.abs(slope[gaining])
        inside = (t < 1.0) if sign > 0 else (t > 0.0)
        if not inside.any():
            return never_up if sign > 0 else never_down
        cand, t = cand[inside], t[inside]
        t_star = float(t.min() if sign > 0 else t.max())
        group = cand[np.abs(t - t_star) <= _GROUP]
        # Past the crossing the steepest line (in this direction) leads; equal lines
        # tie for good and the tie-break decides.
        steep = sign * b[group]
        lead = group[steep >= steep.max() - 1e-15]
        winner = _tie_break(problem, lead)
        raw_at = t_star / (1.0 - t_star) * raw_others if raw_others > 0 else None
        return WeightChange(direction, t_star, t_star - t0, raw_at, problem.names[winner])

    return WeightSensitivity(
        crit.given_as, crit.column, t0, crit.raw_weight, change("up"), change("down")
    )


def _tie_break(problem: Problem, idx: np.ndarray) -> int:
    """The first of tied candidates as `rank_order` orders them: lower cost, then name."""
    if idx.size == 1:
        return int(idx[0])
    cost = np.where(np.isnan(problem.cost[idx]), np.inf, problem.cost[idx])
    cheapest = idx[cost == cost.min()]
    return int(min(cheapest.tolist(), key=lambda i: problem.names[i]))


def tornado(sensitivities: tuple[WeightSensitivity, ...]) -> tuple[TornadoBar, ...]:
    """Bars sorted with the most sensitive criterion (nearest change) first."""
    bars = [
        TornadoBar(
            s.criterion,
            s.down.weight_at if s.down.weight_at is not None else 0.0,
            s.up.weight_at if s.up.weight_at is not None else 1.0,
            s.weight,
            s.down.new_pick,
            s.up.new_pick,
        )
        for s in sensitivities
    ]

    def distance(s: WeightSensitivity) -> float:
        near = s.nearest
        return abs(near.change) if near is not None and near.change is not None else np.inf

    order = sorted(range(len(bars)), key=lambda i: (distance(sensitivities[i]), i))
    return tuple(bars[i] for i in order)


# ------------------------------------------------------------- pick/runner-up swaps

PARAMETERS: tuple[str, ...] = ("cost", "accuracy", "latency", "volume")


@dataclass(frozen=True)
class Swap:
    """The change of one input at which the pick loses to the runner-up."""

    parameter: str  # cost, accuracy, latency or volume
    moved: str | None  # whose value moves (pick or runner-up); None: volume (everyone)
    direction: str  # which way the input moves: "up" or "down"
    unit: str  # of `change`: "%" (cost, volume), "pp" (accuracy), "ms" (latency)
    current: float  # cost_per_1k (USD), accuracy (%), latency (ms) or volume per day
    at: float | None  # the value at which the pick has lost; None: never in `searched`
    change: float | None  # cost, volume: % change; accuracy: points; latency: ms
    searched: tuple[float, float]  # the value range searched (current to the far end)
    why: str | None  # what happens there, in words
    # What flips: "pick_breaks" (a constraint), "runner_up_feasible" (it now meets
    # every constraint and ranks above), "score" (both feasible, the runner-up scores
    # higher); None when never.
    event: str | None = None


@dataclass(frozen=True)
class Swaps:
    pick: str
    runner_up: str
    swaps: tuple[Swap, ...]

    def get(self, parameter: str, moved: str | None, direction: str | None = None) -> Swap:
        for s in self.swaps:
            if s.parameter == parameter and s.moved == moved and direction in (None, s.direction):
                return s
        raise KeyError((parameter, moved, direction))


_SCAN = 256
_SECTIONS = 64
_TOL = 1e-12
_FAR = 1000.0  # multiplicative ranges search up to x1000 (and volume down to /1000)


def swaps(analysis: Analysis) -> Swaps | None:
    """For the pick and the runner-up: the cost, accuracy, latency and volume at which
    the pick loses to the runner-up. None without a pick or a runner-up."""
    rec = analysis.recommendation
    if rec is None or rec.runner_up is None:
        return None
    problem = problem_of(analysis)
    pair = _Pair(analysis, problem, 0, problem.names.index(rec.runner_up))
    found: list[Swap] = []
    for who in (pair.p, pair.r):
        name = problem.names[who]
        worse = who == pair.p  # the pick's values move against it, the runner-up's for it
        cost = float(problem.columns["cost_per_1k"][who])
        found.append(pair.search(
            "cost", who, name, "%", cost,
            (1.0, _FAR) if worse else (1.0, 0.0), "log" if worse else "lin",
            _times(cost), lambda f: (f - 1.0) * 100.0,
        ))
        acc = float(problem.columns["accuracy"][who])
        found.append(pair.search(
            "accuracy", who, name, "pp", acc, (acc, 0.0) if worse else (acc, 100.0), "lin",
            lambda x: x, _minus(acc),
        ))
        lat = float(problem.columns["latency_ms"][who])
        if worse:
            span, grid = ((lat, lat * _FAR), "log") if lat > 0 else ((0.0, 10_000.0), "lin")
        else:
            span, grid = (lat, 0.0), "lin"
        found.append(pair.search(
            "latency", who, name, "ms", lat, span, grid, lambda x: x, _minus(lat),
        ))
    per_day = analysis.scenario.workload.volume_per_day
    if per_day is not None:
        for span in ((1.0, _FAR), (1.0, 1.0 / _FAR)):
            found.append(pair.search(
                "volume", None, None, "%", per_day, span, "log",
                _times(per_day), lambda m: (m - 1.0) * 100.0,
            ))
    return Swaps(problem.names[0], rec.runner_up, tuple(found))


# The moves' value and change functions, each bound to this loop's figure (a closure
# over the loop variable itself would see its last value).
def _times(base: float) -> Callable[[float], float]:
    return lambda factor: base * factor


def _minus(origin: float) -> Callable[[float], float]:
    return lambda x: x - origin


class _Pair:
    """The pick p against the runner-up r, re-evaluated with one input moved."""

    def __init__(self, analysis: Analysis, problem: Problem, p: int, r: int) -> None:
        self.analysis = analysis
        self.problem = problem
        self.p, self.r = p, r
        scenario = analysis.scenario
        self.workload = scenario.workload
        self.constraints = scenario.constraints
        self.order = analysis.table.index.to_numpy()  # rank position -> original row
        self.cost_column = analysis.cost_column
        cost = np.where(np.isnan(problem.cost), np.inf, problem.cost)
        self.cost = cost
        self.base_ok = {
            name: ~violated(problem.columns[col], op, lim) for name, col, op, lim in problem.specs
        }
        self.name_first = problem.names[p] < problem.names[r]
        candidates = scenario.candidates
        # The analysed cost per 1k (the table's): a candidate priced per token or on
        # instances has none of its own in the scenario, only the one the engine derived.
        self.c1k = self.analysis.table["cost_per_1k"].to_numpy(dtype=float)
        self.overhead = overhead_monthly_usd(candidates, self.workload)[self.order]
        self._others: dict[tuple[int, int], RowStats] = {}
        self._subset: np.ndarray | None = None

    # -- the moved values ----------------------------------------------------------
    def _moved_columns(self, parameter: str, who: int, xs: np.ndarray) -> dict[str, np.ndarray]:
        """The moved candidate's columns (G values each) that the move changes."""
        # The table's row: its cost_per_1k is the analysed one (priced rows included).
        row = self.analysis.table.iloc[[who]]
        frame = row.loc[row.index.repeat(len(xs))].reset_index(drop=True)
        changed: dict[str, np.ndarray] = {}
        if parameter == "cost":
            for col in PRICE_INPUTS:
                if col in frame.columns:
                    frame[col] = frame[col].to_numpy(dtype=float) * xs
                    changed[col] = frame[col].to_numpy(dtype=float)
        elif parameter == "accuracy":
            frame["accuracy"] = xs
            changed["accuracy"] = xs
        else:
            frame["latency_ms"] = xs
            changed["latency_ms"] = xs
            return changed  # nothing is derived from latency
        derived = derive_costs(frame, self.workload, self.constraints)
        changed.update(derived)
        return changed

    def _volume_subset(self) -> np.ndarray:
        """p, r, then every candidate that can hold a monthly cost's minimum or maximum
        at some volume. A monthly cost is a line in the volume, c1k * v + overhead;
        a line lies below another everywhere when both its slope and intercept are no
        larger, so the extremes come from the two Pareto sets of (c1k, overhead). The
        minmax and ratio statistics over this subset equal those over all candidates."""
        if self._subset is None:
            ok = np.flatnonzero(~np.isnan(self.c1k) & ~np.isnan(self.overhead))
            a, b = self.c1k[ok], self.overhead[ok]
            ends = ok[pareto_mask(a, -b) | pareto_mask(-a, b)]
            rest = ends[(ends != self.p) & (ends != self.r)]
            self._subset = np.concatenate(([self.p, self.r], rest)).astype(np.intp)
        return self._subset

    def _volume_columns(self, ms: np.ndarray, idx: np.ndarray) -> dict[str, np.ndarray]:
        """The volume-dependent columns of candidates idx at each multiplier (G x m)."""
        volume = self.workload.monthly_volume
        assert volume is not None
        inference, total = monthly_cost(
            self.c1k[idx][None, :], self.overhead[idx][None, :], volume * ms[:, None]
        )
        return {"monthly_cost_usd": total, "inference_monthly_usd": inference}

    def _volume_sumsq(self, crit: ResolvedCriterion, ms: np.ndarray) -> np.ndarray:
        """Sum of squares of a volume-dependent column over all candidates, per
        multiplier (vector normalization needs every value, not just the extremes)."""
        keep = ~np.isnan(self.c1k) & ~np.isnan(self.overhead)
        if crit.scale != "log10":
            # sum (c u + o)^2 = u^2 sum c^2 + 2u sum c o + sum o^2, u = volume * m / 1000
            c = self.c1k[keep]
            o = self.overhead[keep] if crit.column == "monthly_cost_usd" else np.zeros(c.size)
            volume = self.workload.monthly_volume
            assert volume is not None
            u = volume * ms / 1000.0
            return u * u * float(c @ c) + 2.0 * u * float(c @ o) + float(o @ o)
        idx = np.flatnonzero(keep)
        out = np.empty(ms.size)
        step = max(1, (1 << 22) // max(idx.size, 1))  # bounded memory per chunk
        for start in range(0, ms.size, step):
            part = ms[start:start + step]
            values = _scaled_or_nan(self._volume_columns(part, idx)[crit.column], crit,
                                    self.problem.method)
            out[start:start + step] = np.nansum(values * values, axis=1)
        return out

    # -- the pair's order ------------------------------------------------------------
    def lost(
        self, parameter: str, who: int | None, xs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(lost, valid) per value: has the pick lost to the runner-up; could the value
        be scored at all (a log10 criterion needs positive values)."""
        prob = self.problem
        p, r = self.p, self.r
        g = len(xs)
        if parameter == "volume":
            full = self._volume_columns(xs, self._volume_subset())
            pair_values = {c: v[:, :2] for c, v in full.items()}  # p, r lead the subset
        else:
            assert who is not None
            moved = self._moved_columns(parameter, who, xs)
            pair_values = {}
            for col, v in moved.items():
                base = np.broadcast_to(prob.columns[col][[p, r]] if col in prob.columns
                                       else np.full(2, np.nan), (g, 2)).copy()
                base[:, 0 if who == p else 1] = v
                pair_values[col] = base
            full = {}
        valid = np.ones(g, dtype=bool)
        score = np.zeros((g, 2))
        for k, crit in enumerate(prob.criteria):
            if crit.column not in pair_values:
                norm = np.broadcast_to(prob.normalized[[p, r], k], (g, 2))
            else:
                norm, ok = self._normalized(k, crit, pair_values[crit.column], who, full, xs)
                valid &= ok
            score = score + prob.weights[k] * norm
        ok_pr = np.ones((g, 2), dtype=bool)
        for name, col, op, lim in prob.specs:
            if col in pair_values:
                ok_pr &= ~violated(pair_values[col], op, lim)
            else:
                ok_pr &= self.base_ok[name][[p, r]][None, :]
        cost = np.broadcast_to(self.cost[[p, r]], (g, 2)).copy()
        if self.cost_column in pair_values:
            cost = np.where(np.isnan(pair_values[self.cost_column]), np.inf,
                            pair_values[self.cost_column])
        ahead = (score[:, 0] > score[:, 1]) | (
            (score[:, 0] == score[:, 1])
            & ((cost[:, 0] < cost[:, 1]) | ((cost[:, 0] == cost[:, 1]) & self.name_first))
        )
        keeps = ok_pr[:, 0] & (~ok_pr[:, 1] | ahead)
        return ~keeps, valid

    def _normalized(
        self, k: int, crit: ResolvedCriterion, values: np.ndarray, who: int | None,
        full: dict[str, np.ndarray], xs: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        method = self.problem.method
        if who is None:  # volume: every value moved, statistics per multiplier
            raw = full[crit.column]
            column = _scaled_or_nan(raw, crit, method)
            valid = ~(np.isnan(column) & ~np.isnan(raw)).any(axis=1)
            stats = RowStats.of(column, "minmax")
            if method == "vector":
                stats = RowStats(stats.lo, stats.hi, self._volume_sumsq(crit, xs))
            return normalize_with(column[:, :2], stats, crit.direction, method), valid
        key = (k, who)
        if key not in self._others:
            base = _scaled_or_nan(self.problem.columns[crit.column], crit, method)
            self._others[key] = RowStats.of(np.delete(base, who)[None, :], method)
        moved_col = 0 if who == self.p else 1
        pair = _scaled_or_nan(values, crit, method)
        moved = pair[:, moved_col]
        valid = ~(np.isnan(moved) & ~np.isnan(values[:, moved_col]))
        stats = self._others[key].with_value(moved)
        return normalize_with(pair, stats, crit.direction, method), valid

    # -- the search ------------------------------------------------------------------
    def search(
        self, parameter: str, who: int | None, moved: str | None, unit: str, current: float,
        span: tuple[float, float], grid: str, value: Callable[[float], float],
        change: Callable[[float], float],
    ) -> Swap:
        """Scan span[0] -> span[1] (in the move's own variable: a factor for cost and
        volume, the value itself otherwise), then narrow the first bracket."""
        start, end = span
        shown = (value(start), value(end))

        direction = "up" if end > start else "down"

        def never() -> Swap:
            return Swap(parameter, moved, direction, unit, current, None, None, shown, None)

        if not np.isfinite(current) or start == end:
            return never()
        xs = _grid(start, end, _SCAN, grid)
        lost, valid = self.lost(parameter, who, xs)
        if not valid.all():
            stop = int(np.argmin(valid))
            lost[stop:] = False
            shown = (value(start), value(float(xs[stop - 1]) if stop else start))
        if not lost.any():
            return never()
        i = int(np.argmax(lost))
        lo = start if i == 0 else float(xs[i - 1])
        hi = float(xs[i])
        for _ in range(12):  # 64**12: far below _TOL long before the last round
            if abs(hi - lo) <= _TOL * max(abs(hi), abs(lo)):
                break
            inner = _grid(lo, hi, _SECTIONS, grid)[:-1]
            flags, ok = self.lost(parameter, who, inner)
            flags &= ok
            if flags.any():
                j = int(np.argmax(flags))
                lo, hi = (lo if j == 0 else float(inner[j - 1])), float(inner[j])
            else:
                lo = float(inner[-1])
        event, why = self._why(parameter, who, hi)
        return Swap(parameter, moved, direction, unit, current, value(hi), change(hi), shown,
                    why, event)

    def _why(self, parameter: str, who: int | None, x: float) -> tuple[str, str]:
        prob = self.problem
        p, r = self.p, self.r
        names = prob.names
        xs = np.array([x])
        if parameter == "volume":
            full = self._volume_columns(xs, np.array([p, r]))
            vals = {c: v[0] for c, v in full.items()}
        else:
            assert who is not None
            vals = {}
            for col, v in self._moved_columns(parameter, who, xs).items():
                base = (
                    prob.columns[col][[p, r]].copy() if col in prob.columns
                    else np.full(2, np.nan)
                )
                base[0 if who == p else 1] = v[0]
                vals[col] = base
        for idx, name in ((0, names[p]), (1, names[r])):
            broken = []
            for cname, col, op, lim in prob.specs:
                v = vals[col][idx] if col in vals else prob.columns[col][[p, r][idx]]
                if violated(np.array([v]), op, lim)[0]:
                    broken.append(limit_text(cname, col, op, lim))
            if idx == 0 and broken:
                return "pick_breaks", f"{name} breaks {', '.join(broken)}"
            if idx == 1 and not broken and not prob.feasible[r]:
                return "runner_up_feasible", (
                    f"{name} meets every constraint and ranks above {names[p]}")
        return "score", f"{names[r]} scores above {names[p]}"


def limit_text(name: str, column: str, op: str, limit: float) -> str:
    """A constraint by its limit: "the budget of $15,000/month". (At a swap the value
    sits on the limit, so "value > limit" would print two equal-looking numbers.)"""
    if name == "monthly_budget_usd":
        return f"the budget of {with_unit(limit, 'USD/month')}"
    if name == "max_latency_ms":
        return f"the latency limit of {with_unit(limit, 'ms')}"
    if name == "min_accuracy":
        return f"the minimum accuracy of {with_unit(limit, '%')}"
    sign = "≤" if op == "<=" else "≥"
    return f"the limit {column} {sign} {with_unit(limit, UNIT_OF.get(column, ''))}"


def _scaled_or_nan(values: np.ndarray, crit: ResolvedCriterion, method: str) -> np.ndarray:
    """log10 where the criterion asks for it; NaN where the value is out of its range."""
    if crit.scale != "log10":
        return values
    floor = 0.0 if method == "minmax" else 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(values > floor, np.log10(np.where(values > 0, values, 1.0)), np.nan)


def _grid(start: float, end: float, count: int, kind: str) -> np.ndarray:
    """`count` points after start up to end (inclusive), evenly spaced in value (lin)
    or in log (log; both ends > 0)."""
    steps = np.arange(1, count + 1) / count
    points: np.ndarray
    if kind == "log" and start > 0 and end > 0:
        points = np.exp(np.log(start) + (np.log(end) - np.log(start)) * steps)
    else:
        points = start + (end - start) * steps
    return points
