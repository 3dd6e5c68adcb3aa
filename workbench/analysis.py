"""One pure function: a scenario goes in, an analysis comes out.

Every number any view shows (CLI, TUI, memo) is computed here, once. The views only
format. The function is vectorised throughout so that 1M candidates analyse in well
under a second; anything per-row that only a view needs (violation strings, JSON
records) is produced lazily by the view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.columns import (
    DERIVED_NUMERIC,
    OPTIONAL,
    OPTIONAL_DERIVED,
    REQUIRED,
    VOLUME_DEPENDENT,
)
from workbench.costs import cost_ledger, derive_costs, error_columns, price
from workbench.errors import InputError, Note
from workbench.fields import validate as validate_fields
from workbench.fmt import versus, versus_column, with_unit
from workbench.frontier import frontier_order, pareto_mask
from workbench.model import (
    COST_ALIAS,
    DEFAULT_CRITERIA,
    TOTAL_COST_ALIAS,
    Criterion,
    Scenario,
)
from workbench.scoring import (
    ResolvedCriterion,
    best_index,
    rank_order,
    score_matrix,
    take_names,
)
from workbench.whatif import (
    AccuracyDelta,
    VolumeSweep,
    accuracy_delta,
    violated,
    volume_sweep,
)

if TYPE_CHECKING:
    from workbench.pricing.ledger import Ledger
    from workbench.pricing.resolve import PricedCandidates

__all__ = ["VOLUME_DEPENDENT", "AccuracyDelta", "Analysis", "VolumeSweep", "analyze"]



@dataclass(frozen=True)
class ConstraintCheck:
    """One business constraint and which candidates break it (rank order)."""

    name: str  # the constraint's own name: max_latency_ms, monthly_budget_usd, max.params_m
    column: str
    op: str  # "<=" or ">=": what a feasible value must satisfy
    limit: float
    violated: np.ndarray  # bool, rank order
    values: np.ndarray  # the column's values, rank order

    def _words(self) -> tuple[str, str, str]:
        """(label, limit word, unit) of the check's messages."""
        return _CHECK_WORDS.get(self.name, (self.column, "", UNIT_OF.get(self.column, "")))

    def message(self, i: int) -> str:
        """What breaks, with units: "monthly cost $75,000/month > budget $15,000/month".

        Value and limit are formatted so that they never print alike (a $100.40 cost
        against a $100 budget is never "$100 > $100"; see `fmt.versus`)."""
        label, limit_word, unit = self._words()
        limit_word = f"{limit_word} " if limit_word else ""
        value = self.values[i]
        if math.isnan(value):
            op = "≤" if self.op == "<=" else "≥"
            return f"{label} missing ({limit_word or 'limit '}{op} {with_unit(self.limit, unit)})"
        shown, limit = versus(float(value), self.limit, unit)
        sign = ">" if self.op == "<=" else "<"
        return f"{label} {shown} {sign} {limit_word}{limit}"

    def messages(self, mask: np.ndarray | None = None, *,  # type: ignore[no-untyped-def]
                 rows: np.ndarray | None = None):
        """`message(i)` for every i in `np.flatnonzero(mask)`, or in `rows` (default:
        the candidates that break this constraint), as one pyarrow string array: the
        same words, built a column at a time (`fmt.versus_column`) so that exports of a
        million candidates need no Python per message. A value that prints like the
        limit is handed to `message` itself, which adds digits until they differ."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if rows is None:
            rows = np.flatnonzero(self.violated if mask is None else mask)
        label, limit_word, unit = self._words()
        limit_word = f"{limit_word} " if limit_word else ""
        values = self.values[rows].astype(float)
        missing = np.isnan(values)
        shown, limit, redo = versus_column(values, self.limit, unit)
        sign = ">" if self.op == "<=" else "<"
        text = pc.binary_join_element_wise(f"{label} ", shown, f" {sign} {limit_word}{limit}", "")
        if missing.any():
            op = "≤" if self.op == "<=" else "≥"
            text = pc.if_else(
                pa.array(missing),
                f"{label} missing ({limit_word or 'limit '}{op} {with_unit(self.limit, unit)})",
                text,
            )
            redo &= ~missing
        if redo.any():
            text = pc.replace_with_mask(
                text, pa.array(redo),
                pa.array([self.message(int(i)) for i in rows[redo]], pa.string()),
            )
        return text


# How a broken built-in constraint reads: (what, the limit's name, unit).
_CHECK_WORDS: dict[str, tuple[str, str, str]] = {
    "monthly_budget_usd": ("monthly cost", "budget", "USD"),
    "max_latency_ms": ("latency", "limit", "ms"),
    "min_accuracy": ("accuracy", "minimum", "%"),
}
# Units of the table's own columns, for limits set on them by name.
UNIT_OF: dict[str, str] = {
    "accuracy": "%", "latency_ms": "ms", "cost_per_1k": "USD/1k",
    "monthly_cost_usd": "USD/month", "inference_monthly_usd": "USD/month",
    "fixed_monthly_usd": "USD/month", "one_time_usd": "USD",
    "cost_per_accuracy_point": "USD/1k", "cost_per_1k_correct": "USD/1k",
}


@dataclass(frozen=True)
class Recommendation:
    name: str
    reason: str
    runner_up: str | None
    score_gap: float | None  # pick's score minus runner-up's


@dataclass
class Analysis:
    scenario: Scenario
    table: pd.DataFrame  # rank order; index = row position in scenario.candidates
    criteria: tuple[ResolvedCriterion, ...]
    normalized: pd.DataFrame  # rank order, one column per criterion
    contributions: pd.DataFrame  # rank order, one column per criterion
    checks: tuple[ConstraintCheck, ...]
    cost_column: str
    frontier: list[str]
    recommendation: Recommendation | None
    no_recommendation_reason: str | None
    volume_sweep: VolumeSweep | None
    accuracy_delta: AccuracyDelta | None
    notes: list[str] = field(default_factory=list)
    # How candidates priced per token or on instances were priced (None: every
    # candidate had a cost_per_1k), and the cost-of-ownership ledger (None: no items).
    pricing: PricedCandidates | None = None
    ledger: Ledger | None = None
    # The weighted matrix's pick, whatever `scoring.rank_by` says (views show both when
    # ranking by total cost disagrees with it).
    matrix_pick: str | None = None
    _positions: dict[str, int] | None = field(default=None, repr=False, compare=False)

    @property
    def monthly_volume(self) -> float | None:
        return self.scenario.workload.monthly_volume

    def violations_at(self, i: int) -> list[str]:
        """Human-readable broken constraints of the candidate at rank position i."""
        return [c.message(i) for c in self.checks if c.violated[i]]

    def violations(self) -> list[list[str]]:
        """All violation lists in rank order (for exports; O(n) Python on purpose)."""
        out: list[list[str]] = [[] for _ in range(len(self.table))]
        for check in self.checks:
            for i in np.flatnonzero(check.violated):
                out[int(i)].append(check.message(int(i)))
        return out

    def position(self, name: str) -> int | None:
        """Rank position (0-based) of a candidate, or None.

        Views mostly ask about the top ranks (the pick, the runner-up, the sweep's picks),
        so those are looked up in the first rows; any other name builds a dict once per
        analysis (copying the name column costs ~0.15 s at 1M rows).
        """
        if self._positions is None:
            head = self.table["name"].iloc[:8].tolist()
            if name in head:
                return head.index(name)
            self._positions = {n: i for i, n in enumerate(self.table["name"].tolist())}
        return self._positions.get(name)

    def row(self, name: str) -> pd.Series:
        pos = self.position(name)
        if pos is None:
            raise KeyError(name)
        return self.table.iloc[pos]


def as_float(value: object) -> float:
    """A cell of a numeric column (`table[c].iat[i]`, a numpy or Python number) as a
    float. pandas types a cell as any scalar (text, dates, NA); the analysis's numeric
    columns hold numbers only, so anything else is a bug, raised rather than shown."""
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}: {value!r}")


def as_int(value: object) -> int:
    """A cell of an integer column (rank, counts) as an int; see `as_float`."""
    if isinstance(value, (int, np.integer)):
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__}: {value!r}")


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


def _alias(column: str, cost_column: str) -> str:
    """The analysis column a criterion names: "cost" is the cost column in use,
    "total_cost" compute plus errors."""
    if column == COST_ALIAS:
        return cost_column
    if column == TOTAL_COST_ALIAS:
        return "total_monthly_cost_usd"
    return column


def resolve_criteria(
    scenario: Scenario, available: list[str], cost_column: str, notes: list[str]
) -> tuple[ResolvedCriterion, ...]:
    given = scenario.scoring.criteria
    defaults = given is None
    chosen: list[Criterion] = []
    for criterion in DEFAULT_CRITERIA if defaults else given:  # type: ignore[union-attr]
        column = _alias(criterion.column, cost_column)
        if column not in available:
            if defaults:
                continue  # e.g. no maintainability column: drop it, renormalize the rest
            raise InputError(
                f"criterion column {criterion.column!r} is not a numeric column of the "
                f"table; numeric columns: {', '.join(available)}",
                key="criteria",
            )
        if criterion.direction not in ("max", "min"):
            raise InputError(
                f"criterion {criterion.column!r}: direction must be max or min, "
                f"got {criterion.direction!r}",
                key="criteria",
            )
        if criterion.scale not in ("linear", "log10"):
            raise InputError(
                f"criterion {criterion.column!r}: scale must be linear or log10, "
                f"got {criterion.scale!r}",
                key="criteria",
            )
        if not (criterion.weight >= 0 and math.isfinite(criterion.weight)):
            raise InputError(
                f"criterion {criterion.column!r}: weight must be a finite number >= 0, "
                f"got {criterion.weight}",
                key="criteria",
            )
        chosen.append(Criterion(column, criterion.direction, criterion.weight, criterion.scale))
    seen = [c.column for c in chosen]
    dupes = sorted({c for c in seen if seen.count(c) > 1})
    if dupes:
        raise InputError(f"criterion column {dupes[0]!r} is given twice", key="criteria")
    given_as = [c.column for c in (DEFAULT_CRITERIA if defaults else given)]  # type: ignore[union-attr]
    total = sum(c.weight for c in chosen)
    if not chosen or total <= 0:
        raise InputError("at least one criterion needs a weight > 0", key="criteria")
    originals = [
        g for g in given_as
        if _alias(g, cost_column) in available
    ] if defaults else given_as
    resolved = tuple(
        ResolvedCriterion(c.column, c.direction, c.weight / total, c.scale, orig, c.weight)
        for c, orig in zip(chosen, originals)
    )
    if defaults:
        notes.append(Note(
            "criteria_default",
            "criteria: defaults (accuracy max 0.4, latency_ms min 0.2, cost min 0.3, "
            "maintainability max 0.1 when present), renormalized to sum to 1"
        ))
    return resolved


def _constraint_checks(
    scenario: Scenario, columns: dict[str, np.ndarray], available: list[str], notes: list[str]
) -> list[tuple[str, str, str, float]]:
    c = scenario.constraints
    specs: list[tuple[str, str, str, float]] = []
    if c.max_latency_ms is not None:
        specs.append(("max_latency_ms", "latency_ms", "<=", c.max_latency_ms))
    if c.monthly_budget_usd is not None:
        if scenario.workload.volume_per_day is None:
            notes.append(Note(
                "budget_unchecked",
                "budget not checked: it needs a volume (--volume-per-day); "
                "max_volume_per_day_in_budget shows what each candidate can afford"
            ))
        else:
            specs.append(("monthly_budget_usd", "monthly_cost_usd", "<=", c.monthly_budget_usd))
    if c.min_accuracy is not None:
        specs.append(("min_accuracy", "accuracy", ">=", c.min_accuracy))
    for op, limits in (("<=", c.max), (">=", c.min)):
        for column, limit in limits.items():
            if column not in available:
                raise InputError(
                    f"limit on {column!r}: not a numeric column of the table; "
                    f"numeric columns: {', '.join(available)}",
                    key=f"constraints.{'max' if op == '<=' else 'min'}.{column}",
                )
            if column in VOLUME_DEPENDENT and scenario.workload.volume_per_day is None:
                notes.append(Note("limit_unchecked",
                                  f"limit on {column} not checked: it needs a volume"))
                continue
            specs.append((f"{'max' if op == '<=' else 'min'}.{column}", column, op, limit))
    return specs


def analyze(scenario: Scenario) -> Analysis:
    """Run the whole analysis. Raises InputError for inputs it cannot honour."""
    validate_fields(scenario)  # ranges of every scalar input: see workbench.fields
    frame = scenario.candidates
    for column in REQUIRED:
        if column not in frame.columns:
            raise InputError(f"candidate table has no {column!r} column")
    if len(frame) == 0:
        raise InputError("the candidate table is empty")
    notes: list[str] = []
    workload = scenario.workload
    priced = price(scenario)
    if priced is not None:
        # cost_per_1k as the pricing engine derives it at the workload (per token, on
        # instances); the table keeps its inputs (prices, token counts, throughput).
        frame = frame.assign(cost_per_1k=priced.cost_per_1k)
        notes.extend(Note("pricing", n) for n in priced.notes)
    derived = derive_costs(frame, workload, scenario.constraints, priced)
    has_volume = workload.volume_per_day is not None
    cost_column = "monthly_cost_usd" if has_volume else "cost_per_1k"
    ledger = cost_ledger(scenario, frame, derived["inference_monthly_usd"])
    if ledger is not None:
        derived["tco_monthly_usd"] = ledger.total_monthly_usd
    error_cost = scenario.whatif.error_cost_usd
    monthly_volume = workload.monthly_volume  # None exactly when there is no volume
    if error_cost is not None and monthly_volume is not None:
        derived.update(error_columns(frame["accuracy"].to_numpy(dtype=float),
                                     derived["monthly_cost_usd"], monthly_volume, error_cost))
    rank_by = scenario.scoring.rank_by
    if rank_by == "total_cost" and "total_monthly_cost_usd" not in derived:
        raise InputError(
            "ranking by total cost needs an error cost (--error-cost, whatif.error_cost_usd) "
            "and a volume (--volume-per-day)", key="scoring.rank_by")
    criterion_cost = cost_column
    if scenario.tco.cost_basis == "tco":
        if has_volume:
            criterion_cost = "tco_monthly_usd"
        else:
            notes.append(Note("tco_basis_unpriced", "cost basis tco needs a volume: the cost "
                              "criterion reads cost_per_1k"))
    if not has_volume:
        notes.append(Note("no_volume", "no volume given: monthly figures are empty and cost "
                          "means cost_per_1k"))
    if scenario.constraints.min_accuracy is not None and 0 < scenario.constraints.min_accuracy <= 1:
        notes.append(Note(
            "min_accuracy_as_percent",
            f"min_accuracy {scenario.constraints.min_accuracy:g} is read as a percentage "
            f"({scenario.constraints.min_accuracy:g}%), not a fraction"
        ))

    columns: dict[str, np.ndarray] = {
        c: frame[c].to_numpy(dtype=float) for c in numeric_columns(frame)
    }
    columns.update(derived)
    available = [c for c in columns if c not in VOLUME_DEPENDENT or has_volume]

    criteria = resolve_criteria(scenario, available, criterion_cost, notes)
    specs = _constraint_checks(scenario, columns, available, notes)

    broken = {name: violated(columns[col], op, lim) for name, col, op, lim in specs}
    feasible = np.ones(len(frame), dtype=bool)
    for mask in broken.values():
        feasible &= ~mask

    cost = columns[cost_column]
    accuracy = columns["accuracy"]
    pareto = pareto_mask(cost, accuracy)
    score, normalized, contributions = score_matrix(
        columns, criteria, scenario.scoring.normalization, label="candidates"
    )
    names = frame["name"].reset_index(drop=True)
    # The ranking key: the weighted score, or (rank_by total_cost) the lowest total cost.
    rank_key = score if rank_by == "matrix" else -derived["total_monthly_cost_usd"]
    order = rank_order(rank_key, feasible, cost, names)
    best = best_index(score, feasible, cost, names)
    matrix_pick = None if best is None else str(names.iloc[best])

    table = frame.take(order)
    for name in DERIVED_NUMERIC:
        table[name] = derived[name][order]
    for name in OPTIONAL_DERIVED:
        if name in derived:
            table[name] = derived[name][order]
    if priced is not None:
        table["priced_as"] = np.asarray(priced.modes, dtype=object)[order]
        if priced.is_instance.any():
            table["instances"] = priced.instances[order]
    table["feasible"] = feasible[order]
    table["pareto"] = pareto[order]
    table["score"] = score[order]
    table["rank"] = np.arange(1, len(order) + 1)
    table.index = pd.Index(order, name="row")
    table = table[_column_order(list(table.columns))]

    checks = tuple(
        ConstraintCheck(name, col, op, lim, broken[name][order], columns[col][order])
        for name, col, op, lim in specs
    )
    crit_cols = list(normalized)
    norm_frame = pd.DataFrame(_taken(normalized, crit_cols, order), columns=crit_cols,
                              index=table.index, copy=False)
    contrib_frame = pd.DataFrame(_taken(contributions, crit_cols, order), columns=crit_cols,
                                 index=table.index, copy=False)

    front = frontier_order(cost, accuracy, pareto)
    frontier = [str(n) for n in take_names(names, front)]

    recommendation, no_reason = _recommend(table, checks, criteria)
    sweep = volume_sweep(
        scenario, columns, criteria, specs, order, table, contrib_frame, notes,
        priced=priced, rank_by_total=(error_cost if rank_by == "total_cost" else None),
        ledger_at=(None if ledger is None else
                                  lambda inference, monthly_volume: cost_ledger(
                                      scenario, frame, inference, monthly_volume
                                  ).total_monthly_usd),  # type: ignore[union-attr]
    )
    delta = accuracy_delta(
        scenario, table, recommendation.name if recommendation else None, cost_column
    )
    analysis = Analysis(
        scenario=scenario,
        table=table,
        criteria=criteria,
        normalized=norm_frame,
        contributions=contrib_frame,
        checks=checks,
        cost_column=cost_column,
        frontier=frontier,
        recommendation=recommendation,
        no_recommendation_reason=no_reason,
        volume_sweep=sweep,
        accuracy_delta=delta,
        notes=notes,
        pricing=priced,
        ledger=ledger,
        matrix_pick=matrix_pick,
    )
    if rank_by == "total_cost" and recommendation is not None:
        from workbench.robustness.errors import rank_by_total_cost

        pick = rank_by_total_cost(analysis)
        runner = pick.runner_up
        analysis.recommendation = Recommendation(str(pick.name), pick.reason, runner, None)
    return analysis


def _taken(columns: dict[str, np.ndarray], names: list[str], order: np.ndarray) -> np.ndarray:
    """The columns in rank order as one (rows x columns) float array, each column taken
    straight into its place: column-major, which a DataFrame holds without a copy (a
    column_stack and a 2-D take made two more arrays of that size, 3.5x the time)."""
    out = np.empty((order.size, len(names)), order="F")
    for j, name in enumerate(names):
        np.take(np.asarray(columns[name], dtype=float), order, out=out[:, j])
    return out


def _column_order(columns: list[str]) -> list[str]:
    first = [c for c in (*REQUIRED, *OPTIONAL) if c in columns]
    derived = [*DERIVED_NUMERIC, "feasible", "pareto", "score", "rank"]
    rest = [c for c in columns if c not in first and c not in derived]
    return first + derived + rest


def _recommend(
    table: pd.DataFrame, checks: tuple[ConstraintCheck, ...],
    criteria: tuple[ResolvedCriterion, ...],
) -> tuple[Recommendation | None, str | None]:
    feasible = table["feasible"].to_numpy()
    n_feasible = int(feasible.sum())
    top = table.iloc[0]
    if not bool(top["feasible"]):
        broken = [c.message(0) for c in checks if c.violated[0]]
        return None, (
            f"no candidate meets every constraint; the best-scoring, {top['name']}, "
            f"violates {', '.join(broken)}"
        )
    runner_up = None
    gap = None
    if n_feasible > 1:
        second = table.iloc[1]
        runner_up = str(second["name"])
        gap = float(top["score"] - second["score"])
    elif len(table) > 1:
        runner_up = str(table.iloc[1]["name"])
        gap = float(top["score"] - table.iloc[1]["score"])
    if n_feasible == 1 and len(table) > 1:
        reason = (
            f"the only one of {len(table)} candidates that meets every constraint "
            f"(score {top['score']:.3f})"
        )
    elif n_feasible == 1:
        reason = f"the only candidate (score {top['score']:.3f})"
    else:
        reason = (
            f"highest weighted score ({top['score']:.3f}) of the {n_feasible} candidates "
            f"that meet every constraint; runner-up {runner_up} scores "
            f"{table.iloc[1]['score']:.3f}"
        )
    return Recommendation(str(top["name"]), reason, runner_up, gap), None
