"""Error cost inside the decision: what wrong predictions cost, and ranking by total cost.

Per candidate, with an error cost e (USD per wrong prediction) and the monthly volume V:
    errors_per_month        = (1 - accuracy / 100) * V
    error_cost_monthly_usd  = errors_per_month * e
    total_monthly_cost_usd  = monthly_cost_usd + error_cost_monthly_usd

Ranking by total cost (the session's `rank_by = "total_cost"`): feasible candidates
first, by lowest total monthly cost; ties by lower monthly (compute) cost, then name.
Infeasible candidates follow in the same order, as in the weighted ranking.

Break-even error cost between two candidates a (more accurate) and b:
    (monthly_cost_a - monthly_cost_b) / (errors_per_month_b - errors_per_month_a)
the error cost above which a's avoided errors pay for its extra compute.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.analysis import Analysis
from workbench.columns import names_of
from workbench.errors import InputError
from workbench.fmt import num, usd
from workbench.scoring import rank_order

RANK_BY: tuple[str, ...] = ("matrix", "total_cost")


@dataclass(frozen=True)
class ErrorCosts:
    """The error-cost columns, in the analysis' rank order."""

    error_cost_usd: float
    monthly_volume: float
    names: tuple[str, ...]
    errors_per_month: np.ndarray
    error_cost_monthly_usd: np.ndarray
    monthly_cost_usd: np.ndarray
    total_monthly_cost_usd: np.ndarray

    def at(self, name: str) -> int:
        return self.names.index(name)


@dataclass(frozen=True)
class TotalCostPick:
    """The pick by lowest total monthly cost, beside the weighted matrix's pick."""

    name: str | None  # None: no candidate meets every constraint
    reason: str
    runner_up: str | None  # the next feasible candidate by total cost
    matrix_pick: str | None  # the weighted matrix's recommendation
    disagreement: str | None  # why the two picks differ; None when they agree
    order: np.ndarray  # positions into analysis.table, by total cost (feasible first)
    costs: ErrorCosts

    @property
    def agrees(self) -> bool:
        return self.name == self.matrix_pick


def errors_per_month(accuracy_pct: np.ndarray | float, monthly_volume: float) -> np.ndarray:
    """(1 - accuracy / 100) * monthly volume: the wrong predictions a month."""
    return (1.0 - np.asarray(accuracy_pct, dtype=float) / 100.0) * monthly_volume


def break_even(
    monthly_a: float, errors_a: float, monthly_b: float, errors_b: float
) -> float | None:
    """The error cost at which a and b cost the same in total: (monthly_a - monthly_b)
    / (errors_b - errors_a); None when one is both more accurate and cheaper (or
    their error counts are equal)."""
    d_errors = errors_b - errors_a
    d_compute = monthly_a - monthly_b
    if not (d_errors != 0 and np.isfinite(d_errors) and np.isfinite(d_compute)):
        return None
    value = d_compute / d_errors
    return float(value) if value > 0 else None


def error_costs(analysis: Analysis, error_cost_usd: float | None = None) -> ErrorCosts:
    """The error-cost columns at `error_cost_usd` (default: the session's)."""
    e = analysis.scenario.whatif.error_cost_usd if error_cost_usd is None else error_cost_usd
    if e is None:
        raise InputError("error cost needs an error cost per wrong prediction",
                         key="whatif.error_cost_usd")
    if not (e >= 0 and np.isfinite(e)):
        raise InputError(f"must be a finite number >= 0, got {e}", key="whatif.error_cost_usd")
    volume = analysis.monthly_volume
    if volume is None:
        raise InputError("error cost needs a volume (errors per month)",
                         key="workload.volume_per_day")
    table = analysis.table
    accuracy = table["accuracy"].to_numpy(dtype=float)
    monthly = table["monthly_cost_usd"].to_numpy(dtype=float)
    errors = errors_per_month(accuracy, volume)
    error_cost = errors * e
    return ErrorCosts(
        error_cost_usd=float(e),
        monthly_volume=float(volume),
        names=tuple(names_of(table)),
        errors_per_month=errors,
        error_cost_monthly_usd=error_cost,
        monthly_cost_usd=monthly,
        total_monthly_cost_usd=monthly + error_cost,
    )


def break_even_error_cost(costs: ErrorCosts, a: int, b: int) -> float | None:
    """`break_even` of the candidates at rank positions a and b."""
    return break_even(
        float(costs.monthly_cost_usd[a]), float(costs.errors_per_month[a]),
        float(costs.monthly_cost_usd[b]), float(costs.errors_per_month[b]),
    )


def rank_by_total_cost(
    analysis: Analysis, error_cost_usd: float | None = None
) -> TotalCostPick:
    costs = error_costs(analysis, error_cost_usd)
    table = analysis.table
    feasible = table["feasible"].to_numpy(dtype=bool)
    # rank_order sorts by score (descending), then cost, then name: the negated
    # total as the score gives "lowest total, then lower compute cost, then name".
    order = rank_order(-costs.total_monthly_cost_usd, feasible, costs.monthly_cost_usd,
                       table["name"].reset_index(drop=True))
    matrix = analysis.matrix_pick
    n_feasible = int(feasible.sum())
    if n_feasible == 0:
        return TotalCostPick(
            None, "no candidate meets every constraint", None, matrix, None, order, costs
        )
    best = int(order[0])
    runner = int(order[1]) if n_feasible > 1 else None
    reason = _reason(analysis, costs, best, runner, n_feasible, feasible)
    disagreement = None
    if matrix is not None and matrix != costs.names[best]:
        disagreement = _disagreement(analysis, costs, costs.at(matrix), best)
    return TotalCostPick(
        name=costs.names[best],
        reason=reason,
        runner_up=costs.names[runner] if runner is not None else None,
        matrix_pick=matrix,
        disagreement=disagreement,
        order=order,
        costs=costs,
    )


def _total_text(costs: ErrorCosts, i: int) -> str:
    return (
        f"{usd(costs.total_monthly_cost_usd[i])}/month = {usd(costs.monthly_cost_usd[i])} "
        f"compute + {usd(costs.error_cost_monthly_usd[i])} for "
        f"{num(costs.errors_per_month[i])} errors at {usd(costs.error_cost_usd)}"
    )


def _reason(
    analysis: Analysis,
    costs: ErrorCosts,
    best: int,
    runner: int | None,
    n_feasible: int,
    feasible: np.ndarray,
) -> str:
    if n_feasible == 1:
        text = f"the only candidate that meets every constraint: {_total_text(costs, best)}"
    else:
        text = (
            f"lowest total cost of the {n_feasible} candidates that meet every "
            f"constraint: {_total_text(costs, best)}"
        )
    if runner is not None:
        gap = costs.total_monthly_cost_usd[runner] - costs.total_monthly_cost_usd[best]
        text += f"; runner-up {costs.names[runner]} costs {usd(gap)}/month more in total"
    # A candidate ruled out by a constraint that would be cheaper in total is worth
    # naming: the constraint, not the money, decides.
    total = costs.total_monthly_cost_usd
    cheaper = ~feasible & (total < total[best])
    if cheaper.any():
        i = int(np.argmin(np.where(cheaper, total, np.inf)))
        broken = ", ".join(analysis.violations_at(i))
        text += (
            f"; {costs.names[i]} would cost {usd(total[best] - total[i])}/month less in "
            f"total ({usd(total[i])}/month){_tradeoff(costs, i, best)}, but breaks {broken}"
        )
    return text


def _disagreement(analysis: Analysis, costs: ErrorCosts, matrix: int, best: int) -> str:
    score = analysis.table["score"].to_numpy(dtype=float)
    total = costs.total_monthly_cost_usd
    text = (
        f"the weighted matrix picks {costs.names[matrix]} (score {score[matrix]:.3f}); "
        f"by total cost {costs.names[best]} is {usd(total[matrix] - total[best])}/month "
        f"cheaper ({usd(total[best])} against {usd(total[matrix])})"
    )
    return text + _tradeoff(costs, matrix, best)


def _tradeoff(costs: ErrorCosts, a: int, b: int) -> str:
    """": X's 750,000 fewer errors a month are worth $75,000 against $73,500 more
    compute (break-even at $0.0980 per error)", or "" when one of a and b is both
    more accurate and cheaper to run (no trade-off to name)."""
    acc, cheap = (a, b) if costs.errors_per_month[a] < costs.errors_per_month[b] else (b, a)
    d_errors = costs.errors_per_month[cheap] - costs.errors_per_month[acc]
    d_compute = costs.monthly_cost_usd[acc] - costs.monthly_cost_usd[cheap]
    even = break_even_error_cost(costs, acc, cheap)
    if not (d_errors > 0 and d_compute > 0) or even is None:
        return ""
    return (
        f": {costs.names[acc]}'s {num(d_errors)} fewer errors a month are worth "
        f"{usd(d_errors * costs.error_cost_usd)} against {usd(d_compute)} more compute "
        f"(break-even at {usd(even, 4)} per error)"
    )
