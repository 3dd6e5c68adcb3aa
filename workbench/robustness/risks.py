"""The risk register: what could go wrong with the pick, each with its figure and a
mitigation, listed only when it applies.

Codes, in register order, and when each applies (the thresholds are constants below):
    close_call           a weight share change under CLOSE_WEIGHT changes the pick, or
                         the pick is first in under CLOSE_SMAA of the SMAA draws, or
                         the runner-up outscores it after a price change under
                         CLOSE_COST_PCT or an accuracy change under CLOSE_ACCURACY_PP
                         (value: the first of these figures found, in that order)
    least_accurate_pick  the pick is the least accurate feasible candidate and some
                         candidate is more accurate (figure: its errors a month)
    single_feasible      one candidate of several meets every constraint
    budget_headroom      (budget - monthly cost) / budget < HEADROOM
    latency_headroom     (limit - latency) / limit < HEADROOM
    eval_too_small       the pick's accuracy is indistinguishable (two-proportion
                         z-test at 5%) from a feasible rival's at the eval-set size
    vendor_lock_in       a `provider` (or `vendor`) column names an outside provider
                         for the pick (not self-hosted); figure: the cheapest
                         candidate of another provider
    accuracy_drift       a drift rate (points a month) is given: with min_accuracy,
                         months_to_breach = (accuracy - min_accuracy) / drift and the
                         retraining cadence floor(months_to_breach); without it, the
                         points lost over the horizon
    price_exposure       the price rise that breaks the budget, budget / monthly cost
                         - 1, is under PRICE_EXPOSURE (and headroom is not already
                         under HEADROOM, which says the same)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.analysis import Analysis
from workbench.columns import names_of
from workbench.errors import InputError
from workbench.fmt import num, pct, usd, with_unit
from workbench.robustness.errors import break_even, errors_per_month
from workbench.robustness.sensitivity import Swaps, WeightSensitivity, weight_sensitivity
from workbench.robustness.smaa import SmaaResult
from workbench.robustness.uncertainty import AccuracyUncertainty

CODES: tuple[str, ...] = (
    "close_call", "least_accurate_pick", "single_feasible", "budget_headroom",
    "latency_headroom", "eval_too_small", "vendor_lock_in", "accuracy_drift",
    "price_exposure",
)
CLOSE_WEIGHT = 0.05  # share points (0.40 -> 0.35)
CLOSE_SMAA = 0.75  # probability of staying first
CLOSE_COST_PCT = 10.0
CLOSE_ACCURACY_PP = 1.0
HEADROOM = 0.10
PRICE_EXPOSURE = 0.50  # a 50% price rise breaks the budget
# Provider values that mean "we run it ourselves": no outside party to be locked in to.
SELF_HOSTED = {"", "self", "self-hosted", "self hosted", "in-house", "inhouse", "internal",
               "own", "on-prem", "on-premise", "on-premises", "on-device", "none"}


@dataclass(frozen=True)
class Risk:
    code: str  # one of CODES
    title: str
    figure: str  # the number that makes it a risk, in words
    value: float | None  # that number, for exports (see each code's unit in `detail`)
    detail: str
    mitigation: str


def risk_register(
    analysis: Analysis,
    *,
    sensitivity: tuple[WeightSensitivity, ...] | None = None,
    swaps: Swaps | None = None,
    smaa: SmaaResult | None = None,
    uncertainty: AccuracyUncertainty | None = None,
    drift_pp_per_month: float | None = None,
) -> tuple[Risk, ...]:
    """The risks of the analysis' pick (empty when there is no pick). The weight
    sensitivity is computed when not given (it is closed form); SMAA, swaps and
    uncertainty results are used when given."""
    if drift_pp_per_month is not None and not (
        drift_pp_per_month >= 0 and math.isfinite(drift_pp_per_month)
    ):
        raise InputError(f"must be a number >= 0, got {drift_pp_per_month:g}",
                         key="uncertainty.drift_pp_per_month")
    if analysis.recommendation is None:
        return ()
    ctx = _Context(analysis)
    if sensitivity is None:
        sensitivity = weight_sensitivity(analysis)
    found = [
        _close_call(ctx, sensitivity, swaps, smaa),
        _least_accurate(ctx),
        _single_feasible(ctx),
        _budget_headroom(ctx),
        _latency_headroom(ctx),
        _eval_too_small(ctx, uncertainty),
        _vendor_lock_in(ctx),
        _accuracy_drift(ctx, drift_pp_per_month),
        _price_exposure(ctx),
    ]
    return tuple(r for r in found if r is not None)


class _Context:
    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        table = analysis.table
        self.names = names_of(table)
        self.pick = self.names[0]
        self.accuracy = table["accuracy"].to_numpy(dtype=float)
        self.latency = table["latency_ms"].to_numpy(dtype=float)
        self.monthly = table["monthly_cost_usd"].to_numpy(dtype=float)
        self.cost = table[analysis.cost_column].to_numpy(dtype=float)
        self.feasible = table["feasible"].to_numpy(dtype=bool)
        self.volume = analysis.monthly_volume
        self.constraints = analysis.scenario.constraints
        self.error_cost = analysis.scenario.whatif.error_cost_usd

    def breaks(self, i: int) -> str:
        return ", ".join(self.analysis.violations_at(i))

    def cost_text(self, i: int) -> str:
        unit = "USD/month" if self.analysis.cost_column == "monthly_cost_usd" else "USD/1k"
        return with_unit(self.cost[i], unit)


def _close_call(
    ctx: _Context, sensitivity: tuple[WeightSensitivity, ...], swaps: Swaps | None,
    smaa: SmaaResult | None,
) -> Risk | None:
    figures: list[str] = []
    value: float | None = None
    nearest = [(s, s.nearest) for s in sensitivity if s.nearest is not None]
    if nearest:
        s, change = min(nearest, key=lambda sc: abs(sc[1].change or 0.0))
        assert change is not None and change.change is not None and change.weight_at is not None
        if abs(change.change) < CLOSE_WEIGHT:
            figures.append(
                f"moving the {s.criterion} weight from {s.weight:.2f} to "
                f"{change.weight_at:.2f} of the total makes {change.new_pick} the pick"
            )
            value = abs(change.change)
    if smaa is not None and smaa.p_pick_first is not None and smaa.p_pick_first < CLOSE_SMAA:
        figures.append(
            f"{ctx.pick} ranks first in {smaa.p_pick_first:.0%} of {smaa.draws:,} "
            f"draws of {', '.join(smaa.varied) or 'nothing'}"
        )
        value = smaa.p_pick_first if value is None else value
    if swaps is not None:
        for sw in swaps.swaps:
            # Constraint edges are the headroom risks' business; a close call is
            # about scores that a small measurement error would flip.
            if sw.change is None or sw.moved is None or sw.event != "score":
                continue
            if sw.parameter == "cost" and abs(sw.change) < CLOSE_COST_PCT:
                figures.append(f"a {abs(sw.change):.1f}% price change of {sw.moved} "
                               f"puts {swaps.runner_up} ahead of {swaps.pick}")
            elif sw.parameter == "accuracy" and abs(sw.change) < CLOSE_ACCURACY_PP:
                figures.append(f"{abs(sw.change):.2f} accuracy points on {sw.moved} "
                               f"put {swaps.runner_up} ahead of {swaps.pick}")
            else:
                continue
            value = abs(sw.change) if value is None else value
    if not figures:
        return None
    rival = ctx.analysis.recommendation.runner_up if ctx.analysis.recommendation else None
    return Risk(
        "close_call", "Close call", figures[0], value, "; ".join(figures),
        "agree the weights with the people who own the decision before committing "
        "(the tornado shows which weights matter)"
        + (f", and run {ctx.pick} and {rival} side by side on live traffic" if rival else ""),
    )


def _least_accurate(ctx: _Context) -> Risk | None:
    feasible_acc = ctx.accuracy[ctx.feasible]
    acc = ctx.accuracy[0]
    if np.isnan(acc) or acc > np.nanmin(feasible_acc):
        return None
    better = np.flatnonzero(ctx.accuracy > acc)
    if better.size == 0:
        return None
    # The nearest step up in accuracy, preferring one that meets every constraint.
    pool = better[ctx.feasible[better]] if ctx.feasible[better].any() else better
    step = int(pool[np.argmin(ctx.accuracy[pool])])
    gap = ctx.accuracy[step] - acc
    step_text = f"{ctx.names[step]} is {gap:.1f} points more accurate ({pct(ctx.accuracy[step])})"
    if ctx.volume is not None:
        errors = float(errors_per_month(acc, ctx.volume))
        step_errors = float(errors_per_month(ctx.accuracy[step], ctx.volume))
        figure = f"{num(errors)} errors a month ({100 - acc:.2f}% of {num(ctx.volume)})"
        value: float = errors
        step_text += f", {num(errors - step_errors)} fewer errors a month"
        even = break_even(ctx.monthly[step], step_errors, ctx.monthly[0], errors)
        extra = ctx.monthly[step] - ctx.monthly[0]
        if extra > 0:
            step_text += f", for {usd(extra)}/month more"
    else:
        figure = f"{pct(acc)} accuracy, {gap:.1f} points below {ctx.names[step]}"
        value = float(acc)
        even = None
    if not ctx.feasible[step]:
        step_text += f", but breaks {ctx.breaks(step)}"
    if ctx.error_cost is not None and ctx.volume is not None:
        mitigation = (
            f"at {usd(ctx.error_cost)} per error they cost "
            f"{usd(float(errors_per_month(acc, ctx.volume)) * ctx.error_cost)}/month: "
            f"rank by total cost to weigh them against compute"
        )
    else:
        mitigation = "price a wrong prediction (error cost) and compare total costs"
    if even is not None:
        mitigation += f"; the step up to {ctx.names[step]} pays off above {usd(even, 4)} per error"
    return Risk(
        "least_accurate_pick", "The pick is the least accurate feasible candidate", figure,
        value, f"{ctx.pick} ({pct(acc)}) is the least accurate candidate that meets every "
        f"constraint; {step_text}", mitigation,
    )


def _single_feasible(ctx: _Context) -> Risk | None:
    n = len(ctx.names)
    if n < 2 or int(ctx.feasible.sum()) != 1:
        return None
    others = [i for i in range(n) if not ctx.feasible[i]]
    shown = [f"{ctx.names[i]} breaks {ctx.breaks(i)}" for i in others[:3]]
    if len(others) > 3:
        shown.append(f"and {len(others) - 3} more")
    nearest = others[0]  # the best-scoring of the rest
    return Risk(
        "single_feasible", "Only one candidate is feasible", f"1 of {n} candidates",
        1.0, f"{ctx.pick} is the only candidate that meets every constraint: "
        + "; ".join(shown),
        f"there is no fallback if {ctx.pick} fails or its terms change: add candidates, "
        f"or decide whether {ctx.names[nearest]}'s "
        f"{ctx.breaks(nearest)} could be accepted",
    )


def _budget_headroom(ctx: _Context) -> Risk | None:
    budget = ctx.constraints.monthly_budget_usd
    if budget is None or ctx.volume is None or not budget > 0:
        return None
    cost = ctx.monthly[0]
    headroom = (budget - cost) / budget
    if not headroom < HEADROOM:
        return None
    rise = budget / cost - 1.0 if cost > 0 else math.inf
    return Risk(
        "budget_headroom", "Little budget headroom",
        f"{headroom:.1%} headroom ({usd(budget - cost)}/month)", float(headroom),
        f"{ctx.pick} costs {usd(cost)}/month against a {usd(budget)}/month budget",
        f"{rise:.1%} more volume or a {rise:.1%} price rise breaks the budget: agree a "
        "buffer, cap the volume or lock the price in",
    )


def _latency_headroom(ctx: _Context) -> Risk | None:
    limit = ctx.constraints.max_latency_ms
    if limit is None or not limit > 0:
        return None
    latency = ctx.latency[0]
    headroom = (limit - latency) / limit
    if not headroom < HEADROOM:
        return None
    return Risk(
        "latency_headroom", "Little latency headroom",
        f"{headroom:.1%} headroom ({num(limit - latency)} ms)", float(headroom),
        f"{ctx.pick} takes {num(latency)} ms against a {num(limit)} ms limit",
        "measure p95/p99 latency under production load and on the target hardware; "
        "a slower network hop takes it over the limit",
    )


def _eval_too_small(ctx: _Context, unc: AccuracyUncertainty | None) -> Risk | None:
    if unc is None:
        return None
    for i in range(1, len(ctx.names)):
        if not ctx.feasible[i]:
            continue
        test = unc.pair(ctx.pick, ctx.names[i])
        if test is None or not test.indistinguishable:
            continue
        lo_p, hi_p = unc.interval(ctx.pick)
        lo_r, hi_r = unc.interval(ctx.names[i])
        need = (f"evaluate both on at least {math.ceil(test.n_needed):,} items (80% power "
                f"at the observed {abs(test.diff_pp):.2f}-point difference)"
                if test.n_needed is not None else "their accuracies are equal: look at "
                "per-item errors")
        return Risk(
            "eval_too_small", "Eval set too small to separate the top candidates",
            f"p = {test.p_value:.2f} (two-proportion z-test)", float(test.p_value),
            f"{ctx.pick} {lo_p:.1f}-{hi_p:.1f}% (n = {num(test.n_a)}) and "
            f"{ctx.names[i]} {lo_r:.1f}-{hi_r:.1f}% (n = {num(test.n_b)}), 95% intervals: "
            "the difference is within measurement noise",
            f"{need}, or compare per-item results of one shared eval set with "
            "McNemar's test",
        )
    return None


def _provider_column(ctx: _Context) -> str | None:
    for column in ctx.analysis.table.columns:
        if str(column).lower() in ("provider", "vendor"):
            return str(column)
    return None


def _vendor_lock_in(ctx: _Context) -> Risk | None:
    column = _provider_column(ctx)
    if column is None:
        return None
    providers = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
                 for v in ctx.analysis.table[column].tolist()]
    mine = providers[0]
    if mine.lower() in SELF_HOSTED:
        return None
    others = [i for i in range(len(providers)) if providers[i].lower() != mine.lower()]
    if others:
        pool = [i for i in others if ctx.feasible[i]] or others
        alt = min(pool, key=lambda i: (np.nan_to_num(ctx.cost[i], nan=np.inf), ctx.names[i]))
        where = "meets every constraint" if ctx.feasible[alt] else f"breaks {ctx.breaks(alt)}"
        provider = providers[alt] or "no provider given"
        figure = f"cheapest alternative: {ctx.names[alt]} ({provider}, {ctx.cost_text(alt)})"
        mitigation = (f"keep {ctx.names[alt]} integrated as a fallback (it {where}); "
                      "negotiate price protection and an exit clause")
    else:
        figure = "no candidate from another provider"
        mitigation = "add a candidate from another provider or a self-hosted one as a fallback"
    return Risk(
        "vendor_lock_in", "Vendor lock-in", figure, None,
        f"{ctx.pick} depends on one provider, {mine}: its prices, limits and deprecations "
        "become yours", mitigation,
    )


def _accuracy_drift(ctx: _Context, drift: float | None) -> Risk | None:
    if drift is None or not drift > 0:
        return None
    acc = ctx.accuracy[0]
    floor = ctx.constraints.min_accuracy
    days = ctx.analysis.scenario.workload.days_per_month
    if floor is not None:
        months = (acc - floor) / drift
        month = math.floor(months) + 1  # the first month that ends under the minimum
        if months >= 1:
            cadence = f"retrain at least every {math.floor(months)} months"
        else:
            cadence = f"retrain at least every {max(1, math.floor(months * days))} days"
        return Risk(
            "accuracy_drift", "Accuracy drifts under the minimum",
            f"under {pct(floor)} in month {month}", float(months),
            f"at {drift:g} points a month {ctx.pick} goes from {pct(acc)} to under "
            f"{pct(floor)} after {months:.1f} months",
            f"{cadence}, and check accuracy on labelled production samples every month",
        )
    horizon = ctx.analysis.scenario.workload.horizon_months
    lost = drift * horizon
    extra = f", {num(drift / 100 * ctx.volume * horizon)} more errors a month by then" \
        if ctx.volume is not None else ""
    return Risk(
        "accuracy_drift", "Accuracy drifts",
        f"-{lost:g} points over {horizon:g} months", float(lost),
        f"at {drift:g} points a month {ctx.pick} goes from {pct(acc)} to "
        f"{pct(max(acc - lost, 0.0))}{extra}",
        "set a minimum accuracy to get a retraining cadence, and check accuracy on "
        "labelled production samples every month",
    )


def _price_exposure(ctx: _Context) -> Risk | None:
    budget = ctx.constraints.monthly_budget_usd
    if budget is None or ctx.volume is None:
        return None
    cost = ctx.monthly[0]
    if not cost > 0:
        return None
    with np.errstate(over="ignore"):  # a cost near zero: no rise breaks the budget (inf)
        rise = budget / cost - 1.0
    if (budget - cost) / budget < HEADROOM or not rise < PRICE_EXPOSURE:
        return None
    return Risk(
        "price_exposure", "Price exposure", f"a {rise:.0%} price rise breaks the budget",
        float(rise),
        f"{ctx.pick} costs {usd(cost)}/month; every price of it {rise:.0%} higher reaches "
        f"the {usd(budget)}/month budget",
        "lock the price in for the horizon, or keep a cheaper fallback ready",
    )
