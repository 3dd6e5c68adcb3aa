"""Against the decision: each assumption beside production, and the criteria, judged.

Production's figures are the period's (workbench.audit.daily: requests per calendar
day, cost per 1k, the requests-weighted p95, accuracy with its Wilson interval). The
run rate is the cost per day x days per month + the deployed candidate's fixed costs
(fixed monthly + one-time over the horizon). Verdicts, per line:

    volume per day   breaks above the volume at which the budget breaks (or [monitoring]
                     max_volume_per_day) or below min_volume_per_day; watch above the
                     assumed volume by more than 10%
    cost per 1k      breaks above the [monitoring] drift limit; watch more than 10% above
                     the decision's
    monthly cost     breaks above the budget; watch above 90% of it
    p95 latency      breaks above the limit; watch above 90% of it
    accuracy         n/a under min_labels labelled requests; breaks when the 95% interval
                     lies wholly below the floor; watch when the estimate is below the
                     floor or below the eval set's interval
    escalation share breaks above the share at which the budget breaks (or [monitoring]
                     max_escalation_share); watch above the routing plan's share
Each criterion ([monitoring], see workbench.audit.thresholds) passes or fails on the
same figures; "n/a" when the log cannot say (no labels, no escalation column).
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.audit.daily import Figures
from workbench.audit.refit import Refit
from workbench.audit.thresholds import Criterion, DecisionBaseline
from workbench.fmt import num, pct, usd

WATCH_SHARE = 0.10  # 10% worse than assumed, or within 10% of a limit


@dataclass(frozen=True)
class AssumptionCheck:
    # volume_per_day, cost_per_1k, monthly_cost, p95_latency_ms, accuracy, escalation_share
    key: str
    label: str
    unit: str
    assumed: float | None
    observed: float | None
    limit: float | None
    verdict: str  # ok | watch | breaks | n/a
    note: str

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    observed: float | None
    status: str  # pass | fail | n/a
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {**self.criterion.to_dict(), "observed": self.observed, "status": self.status,
                "detail": self.detail}


@dataclass(frozen=True)
class Observation:
    """Production in the period: the system's figures and its per-day rates."""

    figures: Figures
    days: int
    volume_per_day: float
    cost_per_day: float
    run_rate_monthly_usd: float


def observation(figures: Figures, days: int, base: DecisionBaseline) -> Observation:
    volume = figures.requests / days
    cost = figures.cost_usd / days
    return Observation(figures, days, volume, cost,
                       cost * base.days_per_month + base.overhead_monthly_usd)


def assumption_checks(base: DecisionBaseline, obs: Observation, mon_min_volume: float | None,
                      mon_max_volume: float | None) -> tuple[AssumptionCheck, ...]:
    f = obs.figures
    out: list[AssumptionCheck] = []
    # Volume.
    limit = mon_max_volume if mon_max_volume is not None else base.break_volume_per_day
    v = obs.volume_per_day
    if limit is not None and v > limit:
        verdict, note = "breaks", f"above {num(limit)}/day, where the budget breaks" if (
            mon_max_volume is None) else f"above the ceiling {num(limit)}/day"
    elif mon_min_volume is not None and v < mon_min_volume:
        verdict, note = "breaks", f"below the floor {num(mon_min_volume)}/day"
    elif base.volume_per_day is not None and v > base.volume_per_day * (1 + WATCH_SHARE):
        verdict, note = "watch", f"{_drift(v, base.volume_per_day)} above the assumption"
    elif base.volume_per_day is None and limit is None:
        verdict, note = "n/a", "the session states no volume"
    else:
        verdict, note = "ok", _drift_text(v, base.volume_per_day)
    out.append(AssumptionCheck("volume_per_day", "volume per day", "per day",
                               base.volume_per_day, v, limit, verdict, note))
    # Cost per 1k.
    drift = base.criterion("cost_per_1k")
    cpk = f.cost_per_1k
    if cpk is None or base.cost_per_1k is None:
        verdict, note = "n/a", "no cost to compare"
    elif drift is not None and drift.limit is not None and cpk > drift.limit:
        verdict, note = "breaks", f"above the drift limit {usd(drift.limit, 4)}"
    elif cpk > base.cost_per_1k * (1 + WATCH_SHARE):
        verdict, note = "watch", f"{_drift(cpk, base.cost_per_1k)} above the decision's"
    else:
        verdict, note = "ok", _drift_text(cpk, base.cost_per_1k)
    out.append(AssumptionCheck("cost_per_1k", "cost per 1k requests", "USD/1k", base.cost_per_1k,
                               cpk, None if drift is None else drift.limit, verdict, note))
    # Monthly cost (run rate).
    run = obs.run_rate_monthly_usd
    budget = base.budget_usd
    if budget is not None and run > budget:
        verdict, note = "breaks", f"above the budget {usd(budget)}/month"
    elif budget is not None and run > budget * (1 - WATCH_SHARE):
        verdict, note = "watch", "within 10% of the budget"
    elif budget is None and base.monthly_cost_usd is None:
        verdict, note = "n/a", "the session states no volume and no budget"
    else:
        verdict, note = "ok", ("" if budget is None else f"{run / budget:.0%} of the budget")
    out.append(AssumptionCheck("monthly_cost", "monthly cost (run rate)", "USD/month",
                               base.monthly_cost_usd, run, budget, verdict, note))
    # p95 latency.
    p95, lim = f.p95_latency_ms, base.max_p95_latency_ms
    if p95 is None:
        verdict, note = "n/a", "the log has no latency"
    elif lim is not None and p95 > lim:
        verdict, note = "breaks", f"above the limit {num(lim)} ms"
    elif lim is not None and p95 > lim * (1 - WATCH_SHARE):
        verdict, note = "watch", "within 10% of the limit"
    else:
        verdict, note = "ok", ("" if lim is None else f"{p95 / lim:.0%} of the limit")
    out.append(AssumptionCheck("p95_latency_ms", "p95 latency", "ms", base.latency_ms, p95, lim,
                               verdict, note))
    # Accuracy.
    floor = base.min_accuracy
    if f.accuracy is None:
        verdict, note = "n/a", "no labelled requests"
    elif f.labelled < base.min_labels:
        verdict = "n/a"
        note = f"{num(f.labelled)} labelled requests; judged from {num(base.min_labels)}"
    elif floor is not None and f.accuracy_high is not None and f.accuracy_high < floor:
        verdict = "breaks"
        note = (f"95% interval {pct(f.accuracy_low)}-{pct(f.accuracy_high)} below the floor "
                f"{pct(floor)}")
    elif floor is not None and f.accuracy < floor:
        verdict = "watch"
        note = (f"below the floor {pct(floor)} (not surely: interval {pct(f.accuracy_low)}-"
                f"{pct(f.accuracy_high)})")
    elif base.accuracy_interval is not None and f.accuracy < base.accuracy_interval[0]:
        verdict = "watch"
        note = (f"below the eval set's interval {pct(base.accuracy_interval[0])}-"
                f"{pct(base.accuracy_interval[1])}")
    else:
        verdict = "ok"
        note = f"interval {pct(f.accuracy_low)}-{pct(f.accuracy_high)} on {num(f.labelled)} labels"
    out.append(AssumptionCheck("accuracy", "accuracy", "%", base.accuracy, f.accuracy, floor,
                               verdict, note))
    # Escalation share.
    share = f.escalation_share
    plan = base.escalation_plan_share
    crit = base.criterion("escalation")
    hard = base.escalation_budget_share
    if crit is not None and crit.source.startswith("[monitoring]"):
        hard = crit.limit
    if share is None:
        if plan is not None:
            out.append(AssumptionCheck("escalation_share", "escalation share", "share", plan,
                                       None, hard, "n/a", "the log has no escalated column"))
    else:
        if hard is not None and share > hard:
            verdict, note = "breaks", (f"above {hard:.1%}, where the budget breaks"
                                       if hard == base.escalation_budget_share else
                                       f"above the ceiling {hard:.1%}")
        elif plan is not None and share > plan:
            verdict, note = "watch", f"above the routing plan's {plan:.1%}: its cost is exceeded"
        else:
            verdict, note = "ok", "" if plan is None else f"the plan says {plan:.1%}"
        out.append(AssumptionCheck("escalation_share", "escalation share", "share", plan, share,
                                   hard, verdict, note))
    return tuple(out)


def _drift(value: float, assumed: float) -> str:
    return f"{(value / assumed - 1):+.0%}" if assumed else ""


def _drift_text(value: float, assumed: float | None) -> str:
    return "" if not assumed else f"{_drift(value, assumed)} against the assumption"


def judge(base: DecisionBaseline, obs: Observation, refit: Refit | None,
          max_accuracy_loss_pp: float) -> tuple[CriterionResult, ...]:
    """Every criterion of `base`, passed or failed on production's figures."""
    f = obs.figures
    out: list[CriterionResult] = []
    for c in base.criteria:
        observed: float | None
        if c.key == "monthly_cost":
            observed = obs.run_rate_monthly_usd
        elif c.key in ("max_volume", "min_volume"):
            observed = obs.volume_per_day
        elif c.key == "cost_per_1k":
            observed = f.cost_per_1k
        elif c.key == "p95_latency":
            observed = f.p95_latency_ms
        elif c.key == "escalation":
            observed = f.escalation_share
        elif c.key == "accuracy":
            observed = f.accuracy
            if f.accuracy is None or f.labelled < base.min_labels:
                out.append(CriterionResult(c, observed, "n/a",
                                           f"{num(f.labelled)} labelled requests; judged from "
                                           f"{num(base.min_labels)}"))
                continue
            failed = (f.accuracy_high is not None and c.limit is not None
                      and f.accuracy_high < c.limit)
            out.append(CriterionResult(
                c, observed, "fail" if failed else "pass",
                f"95% interval {pct(f.accuracy_low)}-{pct(f.accuracy_high)}"))
            continue
        elif c.key == "promotion":
            out.append(_promotion(c, refit, max_accuracy_loss_pp))
            continue
        else:  # pragma: no cover - every key is handled above
            observed = None
        if observed is None or c.limit is None:
            out.append(CriterionResult(c, observed, "n/a", "the log cannot say"))
            continue
        ok = observed <= c.limit if c.op == "<=" else observed >= c.limit
        out.append(CriterionResult(c, observed, "pass" if ok else "fail", ""))
    return tuple(out)


def _promotion(c: Criterion, refit: Refit | None, max_loss: float) -> CriterionResult:
    if refit is None or refit.pick is None:
        return CriterionResult(c, None, "n/a", "no re-analysis pick")
    if refit.holds:
        return CriterionResult(c, 0.0, "fail", f"the deployed {refit.deployed} is still the pick")
    saving = refit.saving_pct
    loss = (None if refit.deployed_accuracy is None or refit.pick_accuracy is None
            else refit.deployed_accuracy - refit.pick_accuracy)
    if saving is None:
        return CriterionResult(c, None, "n/a", "no monthly cost to compare (no volume)")
    enough = c.limit is not None and saving >= c.limit
    kept = loss is None or loss <= max_loss
    status = "pass" if enough and kept else "fail"
    detail = (f"{refit.pick} saves {saving:.1f}% a month"
              + ("" if loss is None else f" and loses {loss:.2f} accuracy points"))
    return CriterionResult(c, saving, status, detail)
