"""Why the bill changed: an exact, order-independent decomposition of the cost change.

Per period, per model m, per day of the period: requests N_m, rows (batches) B_m, cost
C_m and work W_m: its tokens, each kind (input, output, cached) weighted by the
session's price of it, so that a shift from cheap to dear tokens is work and not price
(a model the session has no token prices for counts plain tokens; a model without token
counts has W_m = N_m). The daily cost is a product of five factors:

    C = V * sum_m  s_m * p_m * w_m * e_m
    V   = sum_m N_m                  volume: requests per day
    s_m = N_m / V                    traffic mix: each model's share of the requests
    p_m = C_m / (B_m * w_m)          unit price: what one batch costs per unit of work
                                     per request (unbatched: the price per request per
                                     token, or per request without token counts)
    w_m = W_m / N_m                  work per request (priced tokens per request; 1 without)
    e_m = B_m / N_m                  batch efficiency: batches per request (1 / mean
                                     batch size; 1 for one request per row)
The product is C_m exactly, so nothing is left unexplained.

The change between the baseline and the period, C1 - C0 (USD per day), is split among
the five factors by their Shapley values: each factor's part is its mean marginal effect
over every order in which the factors could move from baseline to period values,
    part_f = sum over S not holding f of |S|! (5 - |S| - 1)! / 5! * (v(S + f) - v(S)),
where v(S) is the daily cost with the factors in S at their period values and the
others at baseline. The parts sum to the change exactly (computed in exact rational
arithmetic from the logged sums, then rounded once each) and do not depend on any
order. Per model the same split of that model's term gives a model-by-factor table whose
rows sum to each model's change and whose columns sum to each factor's part.

A model absent from one period takes its price, work and batch factors from the other
(its share there is 0, so only the mix moves it: a new model is traffic moved to it).

Where (`--by DIMENSION`): per cell (model, value) with baseline unit cost u0 and
period unit cost u1 = p1 w1 e1 (a cell new in the period takes its model's baseline
factors, so moving traffic to a new value costs nothing by itself):
    traffic_c = N1_c * u0_c - C0_c            requests moved, priced at baseline unit cost
    excess_c  = N1_c * (u1_c - u0_c)          what the period's requests cost above that,
                split into unit price, work and batch efficiency by Shapley values
traffic + excess is each value's change; both sum over values to the total change. The
value named "where the change happened" is the one holding the largest share of the
larger of the two totals (unit cost or traffic).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from workbench.audit.periods import Period
from workbench.errors import InputError

FACTORS: tuple[str, ...] = ("volume", "mix", "unit_price", "work", "batching")
UNIT_FACTORS: tuple[str, ...] = ("unit_price", "work", "batching")
FACTOR_LABELS: dict[str, str] = {
    "volume": "volume (requests per day)",
    "mix": "traffic mix across models",
    "unit_price": "unit price (cost per batch per unit of work)",
    "work": "work per request (tokens)",
    "batching": "batch efficiency (batches per request)",
}


@dataclass(frozen=True)
class Usage:
    """One model (or cell) in one period, per day of the period."""

    requests: float
    rows: float
    cost: float
    work: float | None = None  # tokens per day; None when the log has no token counts


@dataclass(frozen=True)
class ModelChange:
    model: str
    baseline_usd_per_day: float
    current_usd_per_day: float
    parts: dict[str, float]  # factor -> USD per day
    # The factors themselves (baseline, period), for the reader to check.
    share: tuple[float, float]
    unit_price: tuple[float, float]
    work: tuple[float, float]
    batching: tuple[float, float]

    @property
    def change(self) -> float:
        return self.current_usd_per_day - self.baseline_usd_per_day

    def to_dict(self) -> dict[str, object]:
        return {"model": self.model, "baseline_usd_per_day": self.baseline_usd_per_day,
                "current_usd_per_day": self.current_usd_per_day, "change_usd_per_day": self.change,
                "parts_usd_per_day": dict(self.parts),
                "factors": {"share": list(self.share), "unit_price": list(self.unit_price),
                            "work_per_request": list(self.work),
                            "batches_per_request": list(self.batching)}}


@dataclass(frozen=True)
class DimensionChange:
    value: str
    baseline_usd_per_day: float
    current_usd_per_day: float
    traffic_usd_per_day: float
    excess_usd_per_day: float
    excess_parts: dict[str, float]  # unit_price, work, batching

    @property
    def change(self) -> float:
        return self.current_usd_per_day - self.baseline_usd_per_day

    def to_dict(self) -> dict[str, object]:
        return {"value": self.value, "baseline_usd_per_day": self.baseline_usd_per_day,
                "current_usd_per_day": self.current_usd_per_day, "change_usd_per_day": self.change,
                "traffic_usd_per_day": self.traffic_usd_per_day,
                "excess_usd_per_day": self.excess_usd_per_day,
                "excess_parts_usd_per_day": dict(self.excess_parts)}


@dataclass(frozen=True)
class WhereChange:
    dimension: str
    values: tuple[DimensionChange, ...]  # largest |change| first
    traffic_usd_per_day: float
    excess_usd_per_day: float
    named: str | None  # the value where the change happened
    named_part: str | None  # "unit cost" or "traffic"
    named_usd_per_day: float | None
    named_share: float | None  # of that part's total (0..1 when concentrated)

    def to_dict(self) -> dict[str, object]:
        return {"dimension": self.dimension, "traffic_usd_per_day": self.traffic_usd_per_day,
                "excess_usd_per_day": self.excess_usd_per_day, "named": self.named,
                "named_part": self.named_part, "named_usd_per_day": self.named_usd_per_day,
                "named_share": self.named_share,
                "values": [v.to_dict() for v in self.values]}


@dataclass(frozen=True)
class BillChange:
    baseline: Period
    period: Period
    baseline_usd_per_day: float
    current_usd_per_day: float
    parts: dict[str, float]  # factor -> USD per day, in FACTORS order
    models: tuple[ModelChange, ...]
    days_per_month: float
    where: WhereChange | None = None

    @property
    def change_usd_per_day(self) -> float:
        return self.current_usd_per_day - self.baseline_usd_per_day

    @property
    def change_pct(self) -> float | None:
        b = self.baseline_usd_per_day
        return 100.0 * self.change_usd_per_day / b if b > 0 else None

    def monthly(self, usd_per_day: float) -> float:
        return usd_per_day * self.days_per_month

    def main_factor(self) -> str | None:
        """The factor with the largest part in the direction of the change."""
        change = self.change_usd_per_day
        if change == 0:
            return None
        sign = 1.0 if change > 0 else -1.0
        best = max(FACTORS, key=lambda f: sign * self.parts[f])
        return best if sign * self.parts[best] > 0 else None

    def to_dict(self) -> dict[str, object]:
        return {
            "baseline_period": self.baseline.to_dict(), "period": self.period.to_dict(),
            "baseline_usd_per_day": self.baseline_usd_per_day,
            "current_usd_per_day": self.current_usd_per_day,
            "change_usd_per_day": self.change_usd_per_day, "change_pct": self.change_pct,
            "days_per_month": self.days_per_month,
            "change_usd_per_month": self.monthly(self.change_usd_per_day),
            "parts_usd_per_day": dict(self.parts),
            "parts_usd_per_month": {f: self.monthly(v) for f, v in self.parts.items()},
            "main_factor": self.main_factor(),
            "models": [m.to_dict() for m in self.models],
            "where": None if self.where is None else self.where.to_dict(),
        }


# ------------------------------------------------------------------ the arithmetic


def _weight(k: int, n: int) -> Fraction:
    """Shapley weight of a coalition of k others among n players."""
    return Fraction(math.factorial(k) * math.factorial(n - k - 1), math.factorial(n))


def shapley_product(x0: dict[str, Fraction], x1: dict[str, Fraction]) -> dict[str, Fraction]:
    """Shapley values of the game v(S) = prod_f (x1[f] if f in S else x0[f]): each
    factor's part of prod(x1) - prod(x0), exactly."""
    players = list(x0)
    n = len(players)
    out: dict[str, Fraction] = {}
    for f in players:
        others = [g for g in players if g != f]
        total = Fraction(0)
        for k in range(n):
            w = _weight(k, n)
            for subset in itertools.combinations(others, k):
                chosen = set(subset)
                rest = Fraction(1)
                for g in others:
                    rest *= x1[g] if g in chosen else x0[g]
                total += w * rest
        out[f] = (x1[f] - x0[f]) * total
    return out


@dataclass(frozen=True)
class _Factors:
    p: Fraction
    w: Fraction
    e: Fraction

    @property
    def unit_cost(self) -> Fraction:
        return self.p * self.w * self.e


def _factors(u: Usage, measured: bool) -> _Factors:
    n, b = Fraction(u.requests), Fraction(u.rows)
    w = Fraction(u.work) / n if measured and u.work is not None else Fraction(1)
    return _Factors(Fraction(u.cost) / (b * w), w, b / n)


def _active(u: Usage | None) -> Usage | None:
    """The usage when the model served requests in the period, else None."""
    return u if u is not None and u.requests > 0 else None


def _measured(*usages: Usage | None) -> bool:
    """Work counts only when every period that has the model logged its tokens."""
    present = [u for u in usages if u is not None and u.requests > 0]
    return bool(present) and all(u.work is not None and u.work > 0 for u in present)


def decompose(
    baseline: dict[str, Usage], current: dict[str, Usage], *, baseline_period: Period,
    period: Period, days_per_month: float = 30.0,
) -> BillChange:
    """The bill change between two periods, by model and factor (the module's formulas)."""
    # Start the sums at Fraction(0): the volumes stay exact fractions even when empty.
    v0 = sum((Fraction(u.requests) for u in baseline.values()), Fraction(0))
    v1 = sum((Fraction(u.requests) for u in current.values()), Fraction(0))
    if v0 <= 0:
        raise InputError(f"the baseline period {baseline_period} has no requests: nothing to "
                         "compare with (choose another --baseline-period)")
    if v1 <= 0:
        raise InputError(f"the period {period} has no requests (choose another --period)")
    models = sorted(set(baseline) | set(current),
                    key=lambda m: -(current.get(m, Usage(0, 0, 0)).cost
                                    + baseline.get(m, Usage(0, 0, 0)).cost))
    totals = {f: Fraction(0) for f in FACTORS}
    changes: list[ModelChange] = []
    for m in models:
        # A model with no requests in a period counts as absent from it.
        u0, u1 = _active(baseline.get(m)), _active(current.get(m))
        if u0 is None and u1 is None:
            continue  # no requests in either period (e.g. only invalid rows): no change
        measured = _measured(u0, u1)
        f0 = _factors(u0, measured) if u0 is not None else None
        f1 = _factors(u1, measured) if u1 is not None else None
        f0 = f0 or f1
        f1 = f1 or f0
        assert f0 is not None and f1 is not None  # the model is active in a period
        s0 = Fraction(u0.requests) / v0 if u0 is not None else Fraction(0)
        s1 = Fraction(u1.requests) / v1 if u1 is not None else Fraction(0)
        x0 = {"volume": v0, "mix": s0, "unit_price": f0.p, "work": f0.w, "batching": f0.e}
        x1 = {"volume": v1, "mix": s1, "unit_price": f1.p, "work": f1.w, "batching": f1.e}
        parts = shapley_product(x0, x1)
        for f in FACTORS:
            totals[f] += parts[f]
        changes.append(ModelChange(
            model=m,
            baseline_usd_per_day=float(u0.cost) if u0 is not None else 0.0,
            current_usd_per_day=float(u1.cost) if u1 is not None else 0.0,
            parts={f: float(parts[f]) for f in FACTORS},
            share=(float(s0), float(s1)), unit_price=(float(f0.p), float(f1.p)),
            work=(float(f0.w), float(f1.w)), batching=(float(f0.e), float(f1.e)),
        ))
    return BillChange(
        baseline=baseline_period, period=period,
        baseline_usd_per_day=float(sum(Fraction(u.cost) for u in baseline.values())),
        current_usd_per_day=float(sum(Fraction(u.cost) for u in current.values())),
        parts={f: float(totals[f]) for f in FACTORS}, models=tuple(changes),
        days_per_month=days_per_month,
    )


def where(
    dimension: str, baseline: dict[tuple[str, str], Usage], current: dict[tuple[str, str], Usage],
    model_baseline: dict[str, Usage], model_current: dict[str, Usage],
) -> WhereChange:
    """Where the change happened: per value of the dimension (the module's formulas).
    Cells are keyed (model, value)."""
    per_value: dict[str, dict[str, Fraction]] = {}
    keys = ("c0", "c1", "traffic", "excess", *UNIT_FACTORS)
    for cell in sorted(set(baseline) | set(current)):
        model, value = cell
        u0, u1 = baseline.get(cell), current.get(cell)
        has0 = u0 is not None and u0.requests > 0
        has1 = u1 is not None and u1.requests > 0
        m0, m1 = model_baseline.get(model), model_current.get(model)
        measured = _measured(m0, m1)
        c0 = Fraction(u0.cost) if has0 else Fraction(0)  # type: ignore[union-attr]
        c1 = Fraction(u1.cost) if has1 else Fraction(0)  # type: ignore[union-attr]
        acc = per_value.setdefault(value, {k: Fraction(0) for k in keys})
        acc["c0"] += c0
        acc["c1"] += c1
        if not has1:
            acc["traffic"] -= c0  # the value lost its requests
            continue
        assert u1 is not None
        f1 = _factors(u1, measured)
        if has0:
            assert u0 is not None
            f0 = _factors(u0, measured)
        elif m0 is not None and m0.requests > 0:
            f0 = _factors(m0, measured)  # new here: its model's baseline unit cost
        else:
            f0 = f1  # a model new in the period: traffic only
        n1 = Fraction(u1.requests)
        acc["traffic"] += n1 * f0.unit_cost - c0
        parts = shapley_product({"unit_price": f0.p, "work": f0.w, "batching": f0.e},
                                {"unit_price": f1.p, "work": f1.w, "batching": f1.e})
        for f in UNIT_FACTORS:
            acc[f] += n1 * parts[f]
            acc["excess"] += n1 * parts[f]
    values = [
        DimensionChange(value=v, baseline_usd_per_day=float(a["c0"]),
                        current_usd_per_day=float(a["c1"]),
                        traffic_usd_per_day=float(a["traffic"]),
                        excess_usd_per_day=float(a["excess"]),
                        excess_parts={f: float(a[f]) for f in UNIT_FACTORS})
        for v, a in per_value.items()
    ]
    values.sort(key=lambda d: (-abs(d.change), d.value))
    traffic = float(sum((a["traffic"] for a in per_value.values()), Fraction(0)))
    excess = float(sum((a["excess"] for a in per_value.values()), Fraction(0)))
    named = part = None
    amount = share = None
    use_excess = abs(excess) >= abs(traffic)
    total = excess if use_excess else traffic
    if total != 0 and values:
        sign = 1.0 if total > 0 else -1.0
        pick = max(values, key=lambda d: sign * (d.excess_usd_per_day if use_excess
                                                 else d.traffic_usd_per_day))
        amount = pick.excess_usd_per_day if use_excess else pick.traffic_usd_per_day
        if sign * amount > 0:
            named, share = pick.value, amount / total
            part = "unit cost" if use_excess else "traffic"
        else:
            amount = None
    return WhereChange(dimension, tuple(values), traffic, excess, named, part, amount, share)


def usage_by(frame: pd.DataFrame, keys: list[str], days: int, work: bool,
             token_weights: dict[str, dict[str, float]] | None = None) -> dict[object, Usage]:
    """Per key: the period's rows as per-day Usage (frame: aggregation rows of one period;
    keys start with "model"). `token_weights` {model: {token column: weight}} prices each
    kind of token for the work factor; a model missing a weight for a kind it logs counts
    plain tokens."""
    cols = ["rows", "requests", "cost_usd"]
    tokens = [c for c in ("input_tokens", "output_tokens", "cached_input_tokens")
              if c in frame.columns]
    data = frame[[*keys, *cols]].copy()
    if work and tokens:
        weights = token_weights or {}
        logged = frame.groupby("model")[tokens].sum()
        total = pd.Series(0.0, index=frame.index)
        for model, logged_sums in logged.iterrows():
            mine = weights.get(str(model), {})
            kinds = [c for c in tokens if logged_sums[c] > 0]
            priced = bool(kinds) and all(c in mine for c in kinds)
            rows = frame["model"] == model
            for c in kinds:
                total[rows] += frame.loc[rows, c] * (mine[c] if priced else 1.0)
        data["work"] = total
        cols.append("work")
    sums = data.groupby(keys, sort=False)[cols].sum()
    out: dict[object, Usage] = {}
    for key, row in sums.iterrows():
        w = float(row["work"]) / days if "work" in cols else None
        out[key] = Usage(float(row["requests"]) / days, float(row["rows"]) / days,
                         float(row["cost_usd"]) / days, w)
    return out
