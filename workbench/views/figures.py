"""The charts of the reports for people, as data: what to draw, not how.

The interactive HTML report (`report_html`, Plotly), the static images (`images`,
matplotlib) and the slide deck (`deck`, which places the images) draw the same charts,
so what goes on each chart is decided once, here: which candidates, in which group
(pick, frontier, feasible, infeasible), which limit lines, which axis scale, and every
figure a hover or a caption shows, already formatted by `workbench.fmt`.

No number is computed here: values come from the evaluation and are only chosen and
formatted (a log axis is a drawing decision, not a figure). Texts are raw: each
renderer escapes them for its medium (HTML entities for Plotly, which reads text as
HTML; matplotlib's math parsing off).

Pure: no plotting library is imported here; `need` imports an optional one lazily and
turns its absence into an InputError that names the extra to install.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from workbench.analysis import UNIT_OF
from workbench.errors import InputError
from workbench.evaluation import Evaluation
from workbench.fmt import clip, num, pct, printable, usd, with_unit
from workbench.views.charts import VOLUME_TOP

# Above this many candidates the frontier chart draws the frontier, the top ranks, the
# pick and an even spread of the rest by rank, and says so: a browser stays responsive
# and a file stays small. Deterministic (no sampling at random).
MAX_POINTS = 5_000
TOP_ALWAYS = 50
BARS_TOP = 20  # cost per 1% accuracy bars, top by rank (as the text chart)
MATRIX_TOP = 15  # stacked contribution bars, top by rank
# Chart keys, in report order: the HTML div ids and the image file names.
KEYS = ("frontier", "cost_per_point", "volume", "matrix", "routing", "tornado")
# Kinds of a candidate point, drawn apart by marker and legend in every renderer.
PICK, FRONTIER, FEASIBLE, INFEASIBLE = "pick", "frontier", "feasible", "infeasible"


def need(module: str, extra: str) -> ModuleType:
    """Import an optional library, or say which extra installs it."""
    try:
        # The top-level package first: a library that is absent (or disabled) must fail
        # here even when one of its submodules was imported before.
        importlib.import_module(module.split(".")[0])
        return importlib.import_module(module)
    except ImportError:
        raise InputError(
            f"this output needs {module.split('.')[0]}, which is not installed: "
            f"pip install 'workbench[{extra}]'"
        ) from None


def label(text: Any, limit: int | None = None) -> str:
    """A name as one printable line (controls shown as escapes), optionally clipped."""
    s = printable(text)
    return clip(s, limit) if limit else s


# ------------------------------------------------------------------------ frontier


@dataclass(frozen=True)
class Point:
    """One candidate on the frontier chart."""

    rank: int
    name: str
    cost: float  # the analysis' cost column (monthly cost, or cost per 1k without volume)
    accuracy: float
    feasible: bool
    pareto: bool
    pick: bool
    hover: tuple[str, ...]  # every figure of the candidate, one line each ("Accuracy: 90.00%")

    @property
    def kind(self) -> str:
        """The group it is drawn in: the pick over the frontier over the rest."""
        if self.pick:
            return PICK
        if self.pareto:
            return FRONTIER
        return FEASIBLE if self.feasible else INFEASIBLE


@dataclass(frozen=True)
class FrontierChart:
    key: str
    title: str
    x_title: str
    y_title: str
    cost_unit: str  # "/month" or " per 1k"
    log_x: bool
    points: tuple[Point, ...]  # drawn points, rank order
    frontier: tuple[int, ...]  # indexes into points, in `analysis.frontier` order
    budget: float | None  # a vertical line (only when costs are monthly)
    min_accuracy: float | None  # a horizontal line
    zero_at: float | None  # where a $0 cost is drawn on a log axis (None: not needed)
    notes: tuple[str, ...]


def _hover(a: Any, i: int, row: dict[str, Any], extra: list[str]) -> tuple[str, ...]:
    """Every figure of the candidate at rank position i (`row`: its table values)."""
    rec = a.recommendation
    lines = [f"Rank {int(row['rank'])}"
             + (" · recommended" if rec is not None and str(row["name"]) == rec.name else "")
             + (" · on the frontier" if bool(row["pareto"]) else "")]
    if a.scenario.workload.volume_per_day is not None:
        lines.append(f"Monthly cost: {usd(row['monthly_cost_usd'])}")
    lines += [
        f"Cost per 1k: {usd(row['cost_per_1k'], 4)}",
        f"Accuracy: {pct(row['accuracy'])}",
        f"Latency: {num(row['latency_ms'])} ms",
        f"Score: {float(row['score']):.3f}",
        f"Cost per 1% accuracy: {usd(row['cost_per_accuracy_point'], 4)} per 1k",
        f"Cost per 1k correct: {usd(row['cost_per_1k_correct'], 4)}",
    ]
    if a.scenario.constraints.monthly_budget_usd is not None:
        lines.append(f"Max volume in budget: {num(row['max_volume_per_day_in_budget'], 0)}/day")
    for column in extra:
        value = row[column]
        if isinstance(value, (bool, np.bool_)):
            shown = "yes" if value else "no"
        elif isinstance(value, (int, float, np.number)):
            unit = UNIT_OF.get(column) or ("USD" if column.endswith("_usd")
                                           else "ms" if column.endswith("_ms") else "")
            shown = with_unit(value, unit)
        else:
            shown = "" if value is None else label(value, 60)
        if shown and shown != "n/a":
            lines.append(f"{label(column, 40)}: {shown}")
    if bool(row["feasible"]):
        lines.append("Feasible: meets every constraint")
    else:
        lines.append("Infeasible: " + "; ".join(a.violations_at(i)))
    return tuple(lines)


# The columns the hover shows by name above; any other column is listed after them.
_SHOWN = {
    "name", "rank", "feasible", "pareto", "score", "monthly_cost_usd", "cost_per_1k",
    "accuracy", "latency_ms", "cost_per_accuracy_point", "cost_per_1k_correct",
    "max_volume_per_day_in_budget", "inference_monthly_usd",
}


def _drawn_rows(a: Any, drawable: np.ndarray) -> np.ndarray:
    """Rank positions drawn: all when few; else the frontier, the top ranks, the pick
    and an even spread of the rest by rank, MAX_POINTS at most."""
    rows = np.flatnonzero(drawable)
    if rows.size <= MAX_POINTS:
        return rows
    pareto = a.table["pareto"].to_numpy(dtype=bool)
    must = np.zeros(len(a.table), dtype=bool)
    must[: min(TOP_ALWAYS, len(must))] = True
    must |= pareto
    must &= drawable
    keep = np.flatnonzero(must)
    if keep.size >= MAX_POINTS:
        # A frontier larger than the budget (pathological, but possible): an even spread
        # by rank, which starts at rank 1, the pick; the chart's note says so.
        spread = np.unique(np.linspace(0, keep.size - 1, MAX_POINTS).round().astype(int))
        kept: np.ndarray = keep[spread]
        return kept
    rest = np.flatnonzero(drawable & ~must)
    room = MAX_POINTS - keep.size
    spread = np.unique(np.linspace(0, rest.size - 1, room).round().astype(int))
    return np.sort(np.concatenate([keep, rest[spread]]))


def frontier_chart(evaluation: Evaluation) -> FrontierChart:
    a = evaluation.analysis
    t = a.table
    cost = t[a.cost_column].to_numpy(dtype=float)
    accuracy = t["accuracy"].to_numpy(dtype=float)
    drawable = np.isfinite(cost) & np.isfinite(accuracy)
    rows = _drawn_rows(a, drawable)
    pick_name = a.recommendation.name if a.recommendation is not None else None
    extra = [c for c in t.columns if c not in _SHOWN]
    head = t.iloc[rows]
    columns = {c: head[c].to_numpy() for c in t.columns}
    points = []
    for k, i in enumerate(rows.tolist()):
        points.append(Point(
            rank=int(columns["rank"][k]), name=str(columns["name"][k]), cost=float(cost[i]),
            accuracy=float(accuracy[i]), feasible=bool(columns["feasible"][k]),
            pareto=bool(columns["pareto"][k]), pick=str(columns["name"][k]) == pick_name,
            hover=_hover(a, i, {c: v[k] for c, v in columns.items()}, extra),
        ))
    # The frontier in the engine's order (cheapest first), by name: a.frontier is the
    # contract the chart keeps.
    at = {p.name: k for k, p in enumerate(points)}
    frontier = tuple(at[n] for n in a.frontier if n in at)
    positive = cost[drawable & (cost > 0)]
    log_x = bool(positive.size) and float(positive.max()) > 10 * float(positive.min())
    zero_at = None
    notes: list[str] = []
    if log_x and bool((cost[rows] <= 0).any()):
        zero_at = float(positive.min()) / 10
        notes.append(f"a cost of $0 cannot sit on a log axis: drawn at {usd(zero_at, 4)}")
    if rows.size < len(t):
        notes.append(f"showing {num(rows.size)} of {num(len(t))} candidates: the frontier, "
                     f"the top {TOP_ALWAYS} by rank and an even spread of the rest")
    hidden = int((~drawable).sum())
    if hidden:
        notes.append(f"{num(hidden)} without a cost or an accuracy not drawn")
    monthly = a.cost_column == "monthly_cost_usd"
    c = a.scenario.constraints
    budget = c.monthly_budget_usd if monthly else None
    if c.monthly_budget_usd is not None and not monthly:
        notes.append("budget not drawn: costs are per 1k inferences (no volume)")
    x_title = ("Monthly cost, USD" if monthly else "Cost per 1k inferences, USD") + (
        " (log scale)" if log_x else "")
    return FrontierChart(
        key="frontier", title="Cost against accuracy: the frontier and the pick",
        x_title=x_title, y_title="Accuracy, %", cost_unit="/month" if monthly else " per 1k",
        log_x=log_x, points=tuple(points), frontier=frontier, budget=budget,
        min_accuracy=c.min_accuracy, zero_at=zero_at, notes=tuple(notes),
    )


# ---------------------------------------------------------------------------- bars


@dataclass(frozen=True)
class Bars:
    """Horizontal bars, one per candidate, rank 1 on top."""

    key: str
    title: str
    x_title: str
    labels: tuple[str, ...]  # "1. name"
    values: tuple[float, ...]
    kinds: tuple[str, ...]  # PICK, FEASIBLE or INFEASIBLE
    texts: tuple[str, ...]  # the value as printed at the bar
    notes: tuple[str, ...]


def _kind(feasible: bool, is_pick: bool) -> str:
    return PICK if is_pick else (FEASIBLE if feasible else INFEASIBLE)


def cost_per_point_bars(evaluation: Evaluation) -> Bars:
    a = evaluation.analysis
    head = a.table.head(BARS_TOP)
    values = head["cost_per_accuracy_point"].to_numpy(dtype=float)
    ok = np.isfinite(values)
    pick = a.recommendation.name if a.recommendation is not None else None
    names = head["name"].tolist()
    ranks = head["rank"].to_numpy(dtype=int)
    feasible = head["feasible"].to_numpy(dtype=bool)
    idx = np.flatnonzero(ok).tolist()
    notes = []
    if len(a.table) > BARS_TOP:
        notes.append(f"top {BARS_TOP} of {num(len(a.table))} by rank")
    if len(idx) < len(head):
        notes.append(f"{len(head) - len(idx)} without a value (accuracy 0) not drawn")
    return Bars(
        key="cost_per_point", title="Cost per 1% accuracy (lower buys each point more cheaply)",
        x_title="USD per 1k inferences per accuracy point",
        labels=tuple(f"{ranks[i]}. {label(names[i], 40)}" for i in idx),
        values=tuple(float(values[i]) for i in idx),
        kinds=tuple(_kind(bool(feasible[i]), names[i] == pick) for i in idx),
        texts=tuple(usd(values[i], 4) for i in idx),
        notes=tuple(notes),
    )


# -------------------------------------------------------------------------- volume


@dataclass(frozen=True)
class VolumeLine:
    name: str
    rank: int
    costs: tuple[float, ...]  # monthly cost at each volume
    feasible: tuple[bool, ...]
    picked: tuple[bool, ...]  # the sweep recommends it at that volume


@dataclass(frozen=True)
class VolumeChart:
    key: str
    title: str
    x_title: str
    y_title: str
    volumes: tuple[float, ...]  # per day, ascending
    lines: tuple[VolumeLine, ...]  # rank order
    budget: float | None
    current: float | None
    log_x: bool
    log_y: bool
    changes: tuple[str, ...]  # "Between 1M/day and 2M/day: A -> B"


def _span(values: np.ndarray) -> bool:
    positive = values[np.isfinite(values) & (values > 0)]
    return bool(positive.size) and float(positive.max()) > 10 * float(positive.min())


def volume_chart(evaluation: Evaluation) -> VolumeChart | None:
    """The sweep's monthly cost per volume for the same candidates as the text chart:
    the top VOLUME_TOP by rank plus every candidate the sweep recommends somewhere."""
    a = evaluation.analysis
    s = a.volume_sweep
    if s is None or s.volumes_per_day.size == 0:
        return None
    rows = list(range(min(VOLUME_TOP, len(a.table))))
    picks = {a.position(p) for p in s.recommendations if p is not None}
    rows = sorted(set(rows) | {p for p in picks if p is not None})[:17]
    order = np.argsort(s.volumes_per_day, kind="stable")
    volumes = np.asarray(s.volumes_per_day, dtype=float)[order]
    recs = [s.recommendations[j] for j in order.tolist()]
    names = a.table["name"].iloc[rows].tolist()
    ranks = a.table["rank"].iloc[rows].to_numpy(dtype=int)
    costs = np.asarray(s.monthly_cost_usd, dtype=float)[rows][:, order]
    feasible = np.asarray(s.feasible, dtype=bool)[rows][:, order]
    lines = tuple(
        VolumeLine(str(n), int(r), tuple(float(v) for v in costs[k]),
                   tuple(bool(v) for v in feasible[k]), tuple(rec == n for rec in recs))
        for k, (n, r) in enumerate(zip(names, ranks))
    )
    changes = []
    for j in range(1, len(recs)):
        if recs[j] != recs[j - 1]:
            changes.append(f"Between {num(volumes[j - 1])}/day and {num(volumes[j])}/day: "
                           f"{label(recs[j - 1] or 'none feasible')} → "
                           f"{label(recs[j] or 'none feasible')}")
    log_y = _span(costs.ravel())
    return VolumeChart(
        key="volume", title="Monthly cost as the volume changes",
        x_title="Volume per day" + (" (log scale)" if _span(volumes) else ""),
        y_title="Monthly cost, USD" + (" (log scale)" if log_y else ""),
        volumes=tuple(float(v) for v in volumes), lines=lines,
        budget=a.scenario.constraints.monthly_budget_usd,
        current=a.scenario.workload.volume_per_day,
        log_x=_span(volumes), log_y=log_y, changes=tuple(changes),
    )


# -------------------------------------------------------------------------- matrix


@dataclass(frozen=True)
class MatrixChart:
    """Stacked contributions (weight x normalized value) per candidate: a bar's length
    is the candidate's score."""

    key: str
    title: str
    x_title: str
    labels: tuple[str, ...]  # "1. name", rank order
    kinds: tuple[str, ...]
    criteria: tuple[str, ...]  # "accuracy (max, w=0.40)"
    contributions: tuple[tuple[float, ...], ...]  # per criterion, per candidate
    scores: tuple[float, ...]
    notes: tuple[str, ...]


def matrix_chart(evaluation: Evaluation) -> MatrixChart | None:
    a = evaluation.analysis
    if not a.criteria or len(a.table) == 0:
        return None
    head = a.table.head(MATRIX_TOP)
    pick = a.recommendation.name if a.recommendation is not None else None
    names = head["name"].tolist()
    feasible = head["feasible"].to_numpy(dtype=bool)
    ranks = head["rank"].to_numpy(dtype=int)
    n = len(head)
    contributions = tuple(
        tuple(float(v) for v in a.contributions[c.column].to_numpy(dtype=float)[:n])
        for c in a.criteria
    )
    notes = []
    if len(a.table) > n:
        notes.append(f"top {n} of {num(len(a.table))} by rank")
    if a.scenario.scoring.rank_by != "matrix":
        notes.append("the pick is ranked by total cost; the matrix is shown for comparison")
    return MatrixChart(
        key="matrix", title="Decision matrix: what each criterion adds to the score",
        x_title="Weighted score (sum of weight x normalized value)",
        labels=tuple(f"{r}. {label(nm, 40)}" for r, nm in zip(ranks, names)),
        kinds=tuple(_kind(bool(f), nm == pick) for f, nm in zip(feasible, names)),
        criteria=tuple(f"{label(c.given_as, 30)} ({c.direction}, w={c.weight:.2f})"
                       for c in a.criteria),
        contributions=contributions,
        scores=tuple(float(v) for v in head["score"].to_numpy(dtype=float)),
        notes=tuple(notes),
    )


# ------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class RoutingChart:
    key: str
    title: str
    x_title: str
    y_title: str
    cost_per_1k: tuple[float, ...]
    accuracy: tuple[float, ...]
    thresholds: tuple[float, ...]
    target: float
    chosen: tuple[float, float, str] | None  # (cost per 1k, accuracy, what it is)
    log_x: bool


def routing_chart(evaluation: Evaluation) -> RoutingChart | None:
    result = evaluation.routing
    if result is None or not result.curve:
        return None
    curve = sorted(result.curve, key=lambda p: (p.cost_per_1k, p.accuracy))
    x = np.asarray([p.cost_per_1k for p in curve], dtype=float)
    pick = result.recommended or result.safe
    chosen = None
    if pick is not None:
        which = "recommended" if result.recommended is not None else "safe"
        chosen = (float(pick.cost_per_1k), float(pick.accuracy),
                  f"{which} policy: {usd(pick.cost_per_1k, 4)} per 1k, {pct(pick.accuracy)}")
    return RoutingChart(
        key="routing",
        title=f"Routing: accuracy against cost over {num(len(curve))} thresholds",
        x_title="Cost per 1k items, USD" + (" (log scale)" if _span(x) else ""),
        y_title="Accuracy, %",
        cost_per_1k=tuple(float(v) for v in x),
        accuracy=tuple(float(p.accuracy) for p in curve),
        thresholds=tuple(float(p.threshold) for p in curve),
        target=float(result.target_accuracy), chosen=chosen, log_x=_span(x),
    )


# ------------------------------------------------------------------------- tornado


@dataclass(frozen=True)
class TornadoRow:
    criterion: str
    low: float
    high: float
    current: float
    text: str  # "holds from 0.17 to 1.00; below: EfficientNet-B0"


@dataclass(frozen=True)
class TornadoChart:
    key: str
    title: str
    x_title: str
    rows: tuple[TornadoRow, ...]  # most sensitive first


def tornado_chart(evaluation: Evaluation) -> TornadoChart | None:
    robust = evaluation.robustness
    if robust is None or not robust.tornado:
        return None
    rows = []
    for b in robust.tornado:
        parts = [f"the pick holds from a share of {b.low:.2f} to {b.high:.2f} "
                 f"(now {b.current:.2f})"]
        if b.low_pick:
            parts.append(f"below {b.low:.2f}: {label(b.low_pick)}")
        if b.high_pick:
            parts.append(f"above {b.high:.2f}: {label(b.high_pick)}")
        rows.append(TornadoRow(label(b.criterion, 30), float(b.low), float(b.high),
                               float(b.current), "; ".join(parts)))
    return TornadoChart(
        key="tornado",
        title="Critical weights: the share of each criterion over which the pick holds",
        x_title="Share of the total weight (the others rescaled in proportion)",
        rows=tuple(rows),
    )


# ----------------------------------------------------------------------------- all


Chart = FrontierChart | Bars | VolumeChart | MatrixChart | RoutingChart | TornadoChart


def charts_of(evaluation: Evaluation) -> list[Chart]:
    """Every chart that applies to the evaluation, in KEYS order."""
    out: list[Chart] = [frontier_chart(evaluation), cost_per_point_bars(evaluation)]
    for build in (volume_chart, matrix_chart, routing_chart, tornado_chart):
        chart = build(evaluation)
        if chart is not None:
            out.append(chart)
    return out
