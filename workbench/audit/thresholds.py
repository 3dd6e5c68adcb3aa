"""What the decision assumed, and the alert thresholds that follow from it.

One definition, used by `workbench audit` (to judge production) and by the memo's
"Operating the decision" section (to state what will be judged):

- the deployed system: [decision] chosen when it is a candidate, else the pick;
- the volume per day at which the budget breaks: its max_volume_per_day_in_budget
  (workbench.costs);
- the p95 latency limit: [monitoring] max_p95_latency_ms, else [constraints]
  max_latency_ms;
- the accuracy floor: [monitoring] min_accuracy, else [constraints] min_accuracy; the
  deployed model's eval-set interval (Wilson, or Beta as [uncertainty] interval says)
  beside it; production accuracy is judged after [monitoring] min_labels labelled
  requests, and fails when its 95% interval lies wholly below the floor;
- with [routing]: the escalation share of the routing plan (above it the plan's cost is
  exceeded), and the share at which the budget breaks, for two tiers:
      cost_per_1k(s) = plan cost_per_1k + (s - plan share) * slope,
      slope = the last tier's cost per 1k (cascade: escalated items also ran on the first)
            = last - first tier's cost per 1k (exclusive),
      budget share = plan share + (budget cost per 1k - plan cost per 1k) / slope,
      budget cost per 1k = (budget - fixed monthly) / (volume per day * days) * 1000;
- cost per 1k: with [monitoring] max_cost_per_1k_drift_pct, the decision's cost per 1k
  times (1 + pct / 100);
- the promotion rule: with [monitoring] promote_min_saving_pct, the re-analysis' pick
  at production's figures replaces the deployed system when it costs at least that
  many percent less a month and loses at most promote_max_accuracy_loss_pp points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.evaluation import Evaluation
from workbench.fmt import num, pct, usd


@dataclass(frozen=True)
class Criterion:
    """One promotion or demotion criterion, as the session states it."""

    # "monthly_cost", "max_volume", "min_volume", "cost_per_1k", "p95_latency", "accuracy",
    # "escalation", "promotion"
    key: str
    kind: str  # "demote" or "promote"
    label: str
    op: str  # "<=" or ">=": what passing means for the observed value
    limit: float | None
    unit: str  # "USD/month", "per day", "USD/1k", "ms", "%", "share", ""
    source: str  # where the limit comes from: "[monitoring] max_p95_latency_ms", ...
    rule: str  # the condition, completing "Demote when ..." or "Promote the pick when ..."

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class DecisionBaseline:
    """The deployed system's assumed figures and the criteria that watch them."""

    deployed: str | None
    deployed_from: str  # "[decision] chosen" or "the analysis' pick"
    is_pick: bool
    volume_per_day: float | None
    days_per_month: float
    cost_per_1k: float | None
    monthly_cost_usd: float | None
    overhead_monthly_usd: float  # fixed monthly + one-time over the horizon
    latency_ms: float | None
    accuracy: float | None
    eval_n: float | None
    accuracy_interval: tuple[float, float] | None
    budget_usd: float | None
    break_volume_per_day: float | None
    max_p95_latency_ms: float | None
    min_accuracy: float | None
    min_labels: float
    escalation_plan_share: float | None
    escalation_budget_share: float | None
    criteria: tuple[Criterion, ...]

    def criterion(self, key: str) -> Criterion | None:
        return next((c for c in self.criteria if c.key == key), None)

    def to_dict(self) -> dict[str, object]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "criteria"}
        out["accuracy_interval"] = (None if self.accuracy_interval is None
                                    else list(self.accuracy_interval))
        out["criteria"] = [c.to_dict() for c in self.criteria]
        return out


def _finite(value: object) -> float | None:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def deployed_name(evaluation: Evaluation) -> str | None:
    """[decision] chosen when it is a candidate of the analysis, else the pick."""
    a = evaluation.analysis
    chosen = evaluation.session.decision.chosen
    if chosen and a.position(chosen) is not None:
        return chosen
    return a.recommendation.name if a.recommendation is not None else None


def decision_baseline(evaluation: Evaluation) -> DecisionBaseline:
    """The module's thresholds for the session of `evaluation`."""
    from workbench.robustness.problem import row_values
    from workbench.robustness.uncertainty import beta_interval, wilson_interval

    session = evaluation.session
    a = evaluation.analysis
    sc = a.scenario
    mon = session.monitoring
    w, c = sc.workload, sc.constraints
    deployed = deployed_name(evaluation)
    pos = a.position(deployed) if deployed is not None else None
    row = a.table.iloc[pos] if pos is not None else None

    def cell(column: str) -> float | None:
        return None if row is None or column not in row.index else _finite(row[column])

    cost_per_1k = cell("cost_per_1k")
    monthly = cell("monthly_cost_usd")
    inference = cell("inference_monthly_usd")
    overhead = (monthly - inference) if monthly is not None and inference is not None else 0.0
    accuracy = cell("accuracy")
    eval_n = interval = None
    if pos is not None:
        sizes = row_values(a, "eval_n", sc.uncertainty.eval_n)
        size = _finite(sizes[pos])
        if size is not None and size >= 1 and accuracy is not None:
            eval_n = size
            method = beta_interval if sc.uncertainty.interval == "beta" else wilson_interval
            lo, hi = method(accuracy, size)
            interval = (float(lo), float(hi))
    break_volume = cell("max_volume_per_day_in_budget")
    p95_limit = mon.max_p95_latency_ms if mon.max_p95_latency_ms is not None else c.max_latency_ms
    floor = mon.min_accuracy if mon.min_accuracy is not None else c.min_accuracy
    plan_share, budget_share = _escalation_shares(evaluation, overhead)
    criteria: list[Criterion] = []
    if c.monthly_budget_usd is not None:
        criteria.append(Criterion(
            "monthly_cost", "demote", "monthly cost (run rate)", "<=", c.monthly_budget_usd,
            "USD/month", "[constraints] monthly_budget_usd",
            f"production's cost per day x {num(w.days_per_month)} days plus fixed costs "
            f"exceeds the budget, {usd(c.monthly_budget_usd)}/month"))
    if mon.max_volume_per_day is not None or break_volume is not None:
        limit = mon.max_volume_per_day if mon.max_volume_per_day is not None else break_volume
        source = ("[monitoring] max_volume_per_day" if mon.max_volume_per_day is not None
                  else "the budget's break point, max_volume_per_day_in_budget")
        criteria.append(Criterion(
            "max_volume", "demote", "volume per day", "<=", limit, "per day", source,
            f"production averages more than {num(limit)} requests/day"))
    if mon.min_volume_per_day is not None:
        criteria.append(Criterion(
            "min_volume", "demote", "volume per day (floor)", ">=", mon.min_volume_per_day,
            "per day", "[monitoring] min_volume_per_day",
            f"production averages fewer than {num(mon.min_volume_per_day)} requests/day"))
    if mon.max_cost_per_1k_drift_pct is not None and cost_per_1k is not None:
        limit = cost_per_1k * (1 + mon.max_cost_per_1k_drift_pct / 100.0)
        criteria.append(Criterion(
            "cost_per_1k", "demote", "cost per 1k requests", "<=", limit, "USD/1k",
            "[monitoring] max_cost_per_1k_drift_pct",
            f"production's cost per 1k is more than "
            f"{num(mon.max_cost_per_1k_drift_pct)}% above the decision's {usd(cost_per_1k, 4)}"))
    if p95_limit is not None:
        criteria.append(Criterion(
            "p95_latency", "demote", "p95 latency", "<=", p95_limit, "ms",
            "[monitoring] max_p95_latency_ms" if mon.max_p95_latency_ms is not None
            else "[constraints] max_latency_ms",
            f"production's p95 latency is above {num(p95_limit)} ms"))
    if floor is not None:
        criteria.append(Criterion(
            "accuracy", "demote", "accuracy", ">=", floor, "%",
            "[monitoring] min_accuracy" if mon.min_accuracy is not None
            else "[constraints] min_accuracy",
            f"production accuracy's 95% interval lies wholly below {pct(floor)} "
            f"(judged after {num(mon.min_labels)} labelled requests)"))
    esc_limit = mon.max_escalation_share if mon.max_escalation_share is not None else plan_share
    if esc_limit is not None:
        criteria.append(Criterion(
            "escalation", "demote", "escalation share", "<=", esc_limit, "share",
            "[monitoring] max_escalation_share" if mon.max_escalation_share is not None
            else "the routing plan's escalation share",
            f"more than {esc_limit:.1%} of requests escalate"))
    if mon.promote_min_saving_pct is not None:
        criteria.append(Criterion(
            "promotion", "promote", "promotion", ">=", mon.promote_min_saving_pct, "%",
            "[monitoring] promote_min_saving_pct",
            f"the re-analysis' pick at production's figures costs at least "
            f"{num(mon.promote_min_saving_pct)}% less a month than the deployed system and "
            "loses at most "
            f"{num(mon.promote_max_accuracy_loss_pp)} accuracy points"))
    return DecisionBaseline(
        deployed=deployed,
        deployed_from=("[decision] chosen" if deployed is not None
                       and deployed == session.decision.chosen else "the analysis' pick"),
        is_pick=(a.recommendation is not None
                                    and deployed == a.recommendation.name),
        volume_per_day=w.volume_per_day, days_per_month=w.days_per_month,
        cost_per_1k=cost_per_1k, monthly_cost_usd=monthly, overhead_monthly_usd=overhead,
        latency_ms=cell("latency_ms"), accuracy=accuracy, eval_n=eval_n,
        accuracy_interval=interval, budget_usd=c.monthly_budget_usd,
        break_volume_per_day=break_volume, max_p95_latency_ms=p95_limit, min_accuracy=floor,
        min_labels=mon.min_labels, escalation_plan_share=plan_share,
        escalation_budget_share=budget_share, criteria=tuple(criteria),
    )


def _escalation_shares(evaluation: Evaluation, overhead: float
                       ) -> tuple[float | None, float | None]:
    """(the routing plan's escalation share, the share at which the budget breaks)."""
    routing = evaluation.routing
    if routing is None:
        return None, None
    _, fig = routing.chosen()
    if fig is None:
        return None, None
    plan = float(fig.escalated_share)
    sc = evaluation.analysis.scenario
    budget, volume = sc.constraints.monthly_budget_usd, sc.workload.volume_per_day
    costs = routing.tier_cost_per_1k
    if budget is None or not volume or len(costs) != 2:
        return plan, None
    slope = costs[-1] if routing.policy == "cascade" else costs[-1] - costs[0]
    if not slope > 0:
        return plan, None
    per_1k = (budget - overhead) / (volume * sc.workload.days_per_month) * 1000.0
    share = plan + (per_1k - float(fig.cost_per_1k)) / slope
    return plan, float(np.clip(share, 0.0, 1.0)) if share < 1.0 else None
