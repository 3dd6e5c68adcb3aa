"""Charts as plain text: pure functions from an analysis to a `str`.

The TUI's Frontier and What-if panes and the decision memo draw the same charts from
these functions, so a chart in the memo is exactly what the user saw.

Drawing is done by plotext 5.3.2 (module-level API), always colourless; the point keys
and, when `color=True`, ANSI colours are added afterwards by this module. Doing that
ourselves instead of with `plt.text` / plotext colours is what lets us (a) place every
key label next to its point without two labels overwriting each other, and (b) keep the
colourless output free of escape codes (plotext's "clear" theme still emits resets).

Conventions shared by every chart here:
- markers: `o` feasible, `x` infeasible, `@` the recommendation, `·` a connecting line;
  limits are box-drawing lines (`│` vertical, `─` horizontal);
- points are keyed by rank (1 = best); the key is printed as plain lines below the
  chart, so a chart is readable without colour and survives copy and paste;
- no number is computed here: values come from the analysis and are only placed and
  formatted (a log axis is a drawing transform, not a figure).

The drawing itself (axes, ticks, grid, labels, colour) is `workbench.views.canvas`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.fmt import num, pct, usd
from workbench.views.canvas import (
    FEASIBLE,
    INFEASIBLE,
    KEY_ALL_UP_TO,
    KEYED_MAX,
    LINE,
    MIN_HEIGHT,
    MIN_WIDTH,
    PICK,
    TOP_KEYED,
    Axis,
    build,
    clean_label,
    finish,
    fit,
    limit_line,
    make_axis,
    money_tick,
    place_labels,
    plain_tick,
    plot_height,
    set_axes,
    thin,
    wrap,
)

if TYPE_CHECKING:
    from workbench.analysis import Analysis

__all__ = ["audit_cost_chart", "cost_per_point_bars", "frontier_chart", "series_chart",
           "volume_chart"]

def _cost_words(analysis: Analysis) -> tuple[str, str]:
    """(axis title, unit suffix) for the analysis' cost column."""
    if analysis.cost_column == "monthly_cost_usd":
        return "monthly cost, USD", "/month"
    return "cost per 1k inferences, USD", "/1k"


def _fmt_cost(analysis: Analysis, value: float) -> str:
    if analysis.cost_column == "monthly_cost_usd":
        return usd(value) + "/month"
    return usd(value, 4) + "/1k"


# ------------------------------------------------------------------------- frontier


def _sample(
    xp: np.ndarray,
    yp: np.ndarray,
    feasible: np.ndarray,
    must: np.ndarray,
    max_points: int,
    resolution: tuple[int, int],
    xaxis: Axis,
    yaxis: Axis,
) -> np.ndarray:
    """Rank positions to draw when there are too many: deterministic, no randomness.

    `must` (the frontier, the top ranks, the pick) always stays. The rest is thinned to
    one candidate per (screen cell, feasibility), the best-ranked, which draws the same
    picture as all of them; if that is still too many, an even spread by rank is kept.
    `xp`, `yp` are in plotted units (log10 on a log axis).
    """
    keep = np.flatnonzero(must)
    if keep.size >= max_points:
        # More must-draw points than the budget (a huge frontier): an even spread by
        # rank, which starts at rank 1, the pick.
        spread = np.unique(np.linspace(0, keep.size - 1, max_points).round().astype(int))
        kept: np.ndarray = keep[spread]
        return kept
    rest = np.flatnonzero(~must)
    cols, rows = resolution
    cx = np.floor((xp[rest] - xaxis.lo) / (xaxis.hi - xaxis.lo) * cols).astype(np.int64)
    cy = np.floor((yp[rest] - yaxis.lo) / (yaxis.hi - yaxis.lo) * rows).astype(np.int64)
    key = (cx * (rows + 1) + cy) * 2 + feasible[rest].astype(np.int64)
    # np.unique gives the first index of each key; `rest` is in rank order, so that is
    # the best-ranked candidate in the cell.
    _, first = np.unique(key, return_index=True)
    thinned = rest[np.sort(first)]
    room = max_points - keep.size
    if thinned.size > room:
        spread = np.unique(np.linspace(0, thinned.size - 1, room).round().astype(int))
        thinned = thinned[spread]
    drawn: np.ndarray = np.sort(np.concatenate([keep, thinned]))
    return drawn


def _keyed(
    drawn: np.ndarray, front_line: list[int], top: np.ndarray, pick: int
) -> list[int]:
    """Which drawn points get a key label: all of them on a small chart.

    On a big chart: the pick, the top ranks and an even spread of the frontier, at
    most KEYED_MAX, so the labels stay readable.
    """
    if drawn.size <= KEY_ALL_UP_TO:
        return [int(i) for i in drawn]
    base = set(np.flatnonzero(top).tolist()) | ({pick} if pick >= 0 else set())
    room = max(KEYED_MAX - len(base), 0)
    spread = np.unique(np.linspace(0, len(front_line) - 1, min(room, len(front_line)))
                       .round().astype(int)) if front_line and room else np.zeros(0, int)
    return sorted(base | {front_line[k] for k in spread.tolist()})


def frontier_chart(
    analysis: Analysis,
    width: int = 78,
    height: int = 22,
    color: bool = False,
    max_points: int = 2000,
) -> str:
    """Cost-accuracy scatter with the frontier, the limits and a key below the chart.

    x is `analysis.cost_column` (monthly cost when a volume is set, else cost per 1k),
    log-scaled when the costs span more than 10x; y is accuracy %. The chart itself is
    `height` lines; a legend and the key (rank -> name, cost, accuracy) follow as plain
    lines. Above `max_points` candidates, the frontier, the top ranks and a
    deterministic sample of the rest are drawn and the title says "showing N of M".
    """
    width = max(int(width), MIN_WIDTH)
    height = max(int(height), MIN_HEIGHT)
    max_points = max(int(max_points), 1)
    a = analysis
    table = a.table
    m = len(table)
    cost = table[a.cost_column].to_numpy(dtype=float)
    accuracy = table["accuracy"].to_numpy(dtype=float)
    feasible = table["feasible"].to_numpy(dtype=bool)
    pareto = table["pareto"].to_numpy(dtype=bool)
    c = a.scenario.constraints
    budget = c.monthly_budget_usd if a.cost_column == "monthly_cost_usd" else None
    pos = a.position(a.recommendation.name) if a.recommendation is not None else None
    pick = -1 if pos is None else pos

    drawable = np.isfinite(cost) & np.isfinite(accuracy)
    # Axes fit every candidate, drawn or not, so sampling never moves them.
    xaxis, x_fitted = make_axis(
        cost[drawable], want_log=True, label=money_tick,
        limits=[budget] if budget is not None else [], ticks_target=5, floor_zero=True,
    )
    yaxis, y_fitted = make_axis(
        accuracy[drawable], want_log=False, label=plain_tick,
        limits=[c.min_accuracy] if c.min_accuracy is not None else [], ticks_target=4,
        floor_zero=True,
    )
    xp = xaxis.to_plot(cost)
    front = pareto & drawable
    top = np.zeros(m, dtype=bool)
    top[: min(TOP_KEYED, m)] = True
    top &= drawable
    must = front | top
    if pick >= 0:
        must[pick] = drawable[pick]
    if int(drawable.sum()) > max_points:
        drawn = _sample(xp, accuracy, feasible, must, max_points, (width, height), xaxis, yaxis)
        drawn = drawn[drawable[drawn]]
    else:
        drawn = np.flatnonzero(drawable)
    # The frontier line runs cheapest first (then most accurate), as the engine orders it.
    front_drawn = [i for i in drawn.tolist() if front[i]]
    front_line = sorted(front_drawn, key=lambda i: (cost[i], -accuracy[i]))
    others = [i for i in drawn.tolist() if not front[i] and i != pick]
    front_points = [i for i in front_drawn if i != pick]

    axis_title, _ = _cost_words(a)
    title = "Accuracy % vs " + axis_title.split(",")[0]
    if drawn.size < m:
        title += f" (showing {num(drawn.size)} of {num(m)})"
    xlabel = axis_title + (", log scale" if xaxis.log else "")
    xaxis, yaxis = fit(xaxis, yaxis, width, plot_height(height, xlabel))

    def scatter(plt: Any, idx: list[int]) -> None:
        # Infeasible first, so a feasible point sharing its cell stays visible.
        for ok in (False, True):
            part = [i for i in idx if bool(feasible[i]) == ok]
            if part:
                plt.scatter(xaxis.data(cost[part]).tolist(), accuracy[part].tolist(),
                            marker=FEASIBLE if ok else INFEASIBLE)

    def draw(plt: Any) -> None:
        set_axes(plt, xaxis, yaxis)
        if budget is not None and budget in x_fitted:
            limit_line(plt, xaxis, budget, vertical=True)
        if c.min_accuracy is not None and c.min_accuracy in y_fitted:
            limit_line(plt, yaxis, c.min_accuracy, vertical=False)
        # Drawing order is stacking order: the frontier line under every point, then
        # the rest, then the frontier's own points, then the pick on top.
        if len(front_line) > 1:
            plt.plot(xaxis.data(cost[front_line]).tolist(), accuracy[front_line].tolist(),
                     marker=LINE)
        scatter(plt, others)
        scatter(plt, front_points)
        if pick >= 0 and drawable[pick]:
            plt.scatter(xaxis.data(cost[[pick]]).tolist(), [float(accuracy[pick])], marker=PICK)

    canvas = build(draw, width, height, title, xlabel, xaxis)

    keyed = _keyed(drawn, front_line, top, pick)
    lines, cols = canvas.cells(xp[drawn], accuracy[drawn], xaxis, yaxis)
    at = {i: (int(ln), int(cl)) for i, ln, cl in zip(drawn.tolist(), lines, cols)}
    markers = set(at.values())
    protected = {at[i] for i in keyed} | {at[i] for i in front_drawn}
    # The pick first, then the frontier, then by rank: crowding drops the least useful.
    # Keyed points that share a cell share one label, "4,17": only one marker shows.
    groups: dict[tuple[int, int], list[int]] = {}
    for i in sorted(keyed, key=lambda i: (i != pick, not front[i], i)):
        groups.setdefault(at[i], []).append(i)
    spots = [(*cell, ",".join(str(i + 1) for i in sorted(members)))
             for cell, members in groups.items()]
    fits = place_labels(canvas, spots, protected, markers)
    placed = {i: ok for members, ok in zip(groups.values(), fits) for i in members}

    below = _frontier_legend(a, width, xaxis, budget, x_fitted, y_fitted, drawn, m,
                             front_line, pick, cost)
    below += _frontier_key(a, width, keyed, placed, pick, front, feasible, cost, accuracy, m)
    return finish(canvas, color, below)


def _frontier_legend(
    a: Analysis,
    width: int,
    xaxis: Axis,
    budget: float | None,
    x_fitted: list[float],
    y_fitted: list[float],
    drawn: np.ndarray,
    m: int,
    front_line: list[int],
    pick: int,
    cost: np.ndarray,
) -> list[str]:
    c = a.scenario.constraints
    items = [f"{FEASIBLE} feasible", f"{INFEASIBLE} infeasible"]
    if pick >= 0:
        items.append(f"{PICK} recommended")
    if len(front_line) > 1:
        items.append(f"{LINE * 3} frontier")
    elif front_line:
        items.append(f"frontier: {front_line[0] + 1} alone")
    if budget is not None:
        if budget in x_fitted:
            items.append(f"│ budget {usd(budget)}/month")
        else:
            side = "right" if xaxis.to_plot(np.array([budget]))[0] > xaxis.hi else "left"
            items.append(f"budget {usd(budget)}/month: off the chart ({side})")
    elif c.monthly_budget_usd is not None:
        items.append("budget not drawn: costs are per 1k (no volume)")
    if c.min_accuracy is not None:
        if c.min_accuracy in y_fitted:
            items.append(f"─ minimum accuracy {pct(c.min_accuracy)}")
        else:
            items.append(f"minimum accuracy {pct(c.min_accuracy)}: off the chart")
    notes: list[str] = []
    if xaxis.log and xaxis.clip is not None and bool((cost[drawn] <= 0).any()):
        notes.append(f"a cost of $0 cannot sit on a log axis: drawn at {usd(xaxis.clip)}")
    if drawn.size < m:
        notes.append(
            f"showing {num(drawn.size)} of {num(m)}: the frontier, the top {TOP_KEYED}, "
            "the pick and the best-ranked candidate in each screen cell"
        )
    return ["", *wrap(items, width), *wrap(notes, width)]


def _frontier_key(
    a: Analysis,
    width: int,
    keyed: list[int],
    placed: dict[int, bool],
    pick: int,
    front: np.ndarray,
    feasible: np.ndarray,
    cost: np.ndarray,
    accuracy: np.ndarray,
    m: int,
) -> list[str]:
    """Plain lines: rank, marker, name, cost, accuracy, and whether the label fits."""
    if not keyed:
        return []
    # Only the keyed rows: copying a million-name column costs more than the chart.
    names = dict(zip(keyed, a.table["name"].iloc[keyed].tolist()))
    digits = len(str(max(keyed) + 1))
    rows = []
    for i in keyed:
        mark = PICK if i == pick else (FEASIBLE if feasible[i] else INFEASIBLE)
        tags = (["frontier"] if front[i] else []) + ([] if placed.get(i) else ["no label: crowded"])
        rows.append((i, mark, _fmt_cost(a, cost[i]), pct(accuracy[i]), ", ".join(tags)))
    cost_w = max(len(r[2]) for r in rows)
    acc_w = max(len(r[3]) for r in rows)
    longest = max(len(clean_label(names[i])) for i in keyed)
    fixed = digits + 2 + 2 + 2 + cost_w + 2 + acc_w
    name_w = max(16, min(longest, width - fixed))
    head = "Key: rank, marker, name, cost, accuracy"
    if len(keyed) < m:
        head += f" ({num(len(keyed))} of {num(m)} keyed)"
    out = ["", head]
    for i, mark, cost_s, acc_s, tag_s in rows:
        name = clean_label(names[i], name_w).ljust(name_w)
        line = f"{i + 1:>{digits}} {mark}  {name}  {cost_s:>{cost_w}}  {acc_s:>{acc_w}}"
        out.append(line + (f"  {tag_s}" if tag_s else ""))
    return out


# ------------------------------------------------------------------------------ bars


BAR_ORDERS: tuple[str, ...] = ("rank", "value")


def cost_per_point_bars(
    analysis: Analysis, width: int = 78, height: int | None = None, color: bool = False,
    order: str = "rank",
) -> str:
    """Horizontal bars of cost per accuracy point (USD per 1k per 1%), top 20 by rank.

    Bars are linear (a bar's length is its value); the value is printed in the label
    so a bar too short to see still reads. `height=None` gives one line per bar.
    `order="value"` puts the cheapest point on top (the same 20 bars, re-ordered).
    """
    if order not in BAR_ORDERS:
        raise ValueError(f"order must be one of {', '.join(BAR_ORDERS)}, got {order!r}")
    width = max(int(width), MIN_WIDTH)
    a = analysis
    shown = a.table.head(20)
    values = shown["cost_per_accuracy_point"].to_numpy(dtype=float)
    names = shown["name"].tolist()
    ranks = shown["rank"].to_numpy(dtype=int)
    ok = np.isfinite(values)
    if not ok.any():
        return "Cost per accuracy point: not defined (every accuracy is 0)\n"
    idx = np.flatnonzero(ok)
    if order == "value":  # stable: equal values keep their rank order
        idx = idx[np.argsort(values[idx], kind="stable")]
    n = idx.size
    digits = len(str(int(ranks[idx].max())))
    texts = [usd(values[i], 4) for i in idx]
    value_w = max(len(t) for t in texts)
    name_w = max(8, min(28, width // 3))
    labels = [
        f"{ranks[i]:>{digits}} {clean_label(names[i], name_w).ljust(name_w)} {t:>{value_w}}"
        for i, t in zip(idx, texts)
    ]
    # One canvas line per bar: title, frame, n bars, frame, tick labels.
    total_height = n + 4 if height is None else max(int(height), n + 4)
    positions = list(range(n, 0, -1))  # rank 1 on top
    lo, hi = (1.0, float(n)) if n > 1 else (0.5, 1.5)
    top = float(values[idx].max())
    xaxis, _ = make_axis(np.array([0.0, top]), want_log=False, label=money_tick, limits=[],
                     ticks_target=4, floor_zero=True)
    xaxis = thin(xaxis, width - 2 - max(len(label) for label in labels), horizontal=True)

    def draw(plt: Any) -> None:
        plt.bar(positions, values[idx].tolist(), orientation="horizontal", width=0.4,
                marker="█")
        plt.xlim(0.0, xaxis.hi)
        plt.xticks(xaxis.ticks, [""] * len(xaxis.ticks))
        plt.ylim(lo, hi)
        plt.yticks(positions, labels)

    title = ("Cost per 1% accuracy, USD per 1k inferences "
             + ("(rank order)" if order == "rank" else "(cheapest first)"))
    canvas = build(draw, width, total_height, title, None, xaxis)
    below: list[str] = []
    if len(a.table) > 20:
        below.append(f"top 20 of {num(len(a.table))} by rank")
    if n < len(shown):
        below.append(f"{len(shown) - n} without a value (accuracy 0) not drawn")
    return finish(canvas, color, below, {"█": "\x1b[36m"})


# ---------------------------------------------------------------------------- volume


_SERIES_MARKS = "123456789ABCDEFGH"
VOLUME_TOP = 4


VOLUME_MAX_LINES = len(_SERIES_MARKS)


def volume_chart_rows(analysis: Analysis, names: list[str] | None = None) -> list[int]:
    """Rank positions of the candidates `volume_chart` draws, best rank first: the
    named ones (unknown names ignored), else the top four plus every candidate the
    sweep recommends at some volume; at most VOLUME_MAX_LINES lines."""
    a = analysis
    if names is not None:
        found = {a.position(n) for n in names}
        rows = sorted(pos for pos in found if pos is not None)
        return rows[:VOLUME_MAX_LINES]
    rows = list(range(min(VOLUME_TOP, len(a.table))))
    sweep = a.volume_sweep
    if sweep is not None:
        picks = {a.position(p) for p in sweep.recommendations if p is not None}
        rows += sorted(pos for pos in picks if pos is not None and pos not in rows)
    return sorted(rows)[:VOLUME_MAX_LINES]


def volume_chart(
    analysis: Analysis, width: int = 78, height: int = 20, color: bool = False,
    names: list[str] | None = None,
) -> str:
    """Monthly cost against volume per day for the top candidates (from the sweep).

    Each line is drawn with its candidate's key; candidates the sweep recommends at
    some volume are added to the top four (`volume_chart_rows`), or `names` chooses
    them. Log axes when a span exceeds 10x. Returns "" when the analysis has no
    volume sweep (or no named candidate is in the table).
    """
    a = analysis
    sweep = a.volume_sweep
    if sweep is None or sweep.volumes_per_day.size == 0:
        return ""
    width = max(int(width), MIN_WIDTH)
    height = max(int(height), MIN_HEIGHT)
    rows = volume_chart_rows(a, names)
    if not rows:
        return ""
    marks = {}
    spare = iter(_SERIES_MARKS[9:])
    for r in rows:
        marks[r] = str(r + 1) if r < 9 else next(spare)
    volumes = np.asarray(sweep.volumes_per_day, dtype=float)
    costs = np.asarray(sweep.monthly_cost_usd, dtype=float)[rows, :]
    budget = a.scenario.constraints.monthly_budget_usd
    current = a.scenario.workload.volume_per_day
    xaxis, x_fitted = make_axis(volumes, want_log=True, label=plain_tick,
                            limits=[current] if current else [], ticks_target=5,
                            floor_zero=True)
    yaxis, y_fitted = make_axis(costs.ravel(), want_log=True, label=money_tick,
                            limits=[budget] if budget is not None else [], ticks_target=4,
                            floor_zero=True)
    order = np.argsort(volumes, kind="stable")
    title = "Monthly cost (USD" + (", log scale" if yaxis.log else "") + ") vs volume per day"
    xlabel = "volume per day" + (", log scale" if xaxis.log else "")
    xaxis, yaxis = fit(xaxis, yaxis, width, plot_height(height, xlabel))

    def draw(plt: Any) -> None:
        set_axes(plt, xaxis, yaxis)
        if budget is not None and budget in y_fitted:
            limit_line(plt, yaxis, budget, vertical=False)
        if current and current in x_fitted:
            limit_line(plt, xaxis, current, vertical=True)
        # Worst rank first, so the best-ranked line is drawn on top.
        for k in reversed(range(len(rows))):
            plt.plot(xaxis.data(volumes[order]).tolist(),
                     yaxis.data(costs[k, order]).tolist(), marker=marks[rows[k]])

    canvas = build(draw, width, height, title, xlabel, xaxis)
    items: list[str] = []
    if budget is not None:
        items.append(f"─ budget {usd(budget)}/month" if budget in y_fitted
                     else f"budget {usd(budget)}/month is off the chart")
    if current and current in x_fitted:
        items.append(f"│ current volume {num(current)}/day")
    if yaxis.log and bool((costs <= 0).any()) and yaxis.clip is not None:
        items.append(f"cost $0 drawn at {usd(yaxis.clip, 4)} (log axis)")
    below = ["", *wrap(items, width)] if items else []
    below += ["", "Key: line marker, rank, name"]
    digits = len(str(max(rows) + 1))
    # Not `names` (the parameter that chose the rows): the label of each row drawn.
    labels = dict(zip(rows, a.table["name"].iloc[rows].tolist()))
    for r in rows:
        below.append(f"{marks[r]}  {r + 1:>{digits}}  "
                     f"{clean_label(labels[r], width - digits - 5)}")
    colours = ["\x1b[32m", "\x1b[34m", "\x1b[33m", "\x1b[35m", "\x1b[36m", "\x1b[31m"]
    palette = {marks[r]: colours[k % len(colours)] for k, r in enumerate(rows)}
    palette.update({ch: "\x1b[2m" for ch in "─│┼"})  # limits: dim
    return finish(canvas, color, below, palette)


# ---------------------------------------------------------------------------- series


def series_chart(
    x: list[float],
    y: list[float],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    hline: float | None = None,
    marker_x: float | None = None,
    width: int = 78,
    height: int = 20,
    color: bool = False,
    xlog: bool = False,
) -> str:
    """A line through (x, y) with an optional horizontal target and a chosen point.

    The chosen point is the data point nearest `marker_x` (drawn `@`, with a vertical
    line at `marker_x`): it is marked, never interpolated. Returns "" for no data.
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    if xs.shape != ys.shape:
        raise ValueError(f"x and y differ in length: {xs.size} and {ys.size}")
    ok = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[ok], ys[ok]
    if xs.size == 0:
        return ""
    width = max(int(width), MIN_WIDTH)
    height = max(int(height), MIN_HEIGHT)
    # A log x axis only when asked for and every x is positive.
    xaxis, x_fitted = make_axis(xs, want_log=xlog and bool((xs > 0).all()), label=plain_tick,
                            limits=[marker_x] if marker_x is not None else [],
                            ticks_target=5, floor_zero=False)
    yaxis, y_fitted = make_axis(ys, want_log=False, label=plain_tick,
                            limits=[hline] if hline is not None else [], ticks_target=4,
                            floor_zero=False)
    chosen = int(np.argmin(np.abs(xs - marker_x))) if marker_x is not None else None
    xaxis, yaxis = fit(xaxis, yaxis, width, plot_height(height, xlabel))

    def draw(plt: Any) -> None:
        set_axes(plt, xaxis, yaxis)
        if hline is not None and hline in y_fitted:
            plt.hline(hline)
        if marker_x is not None and marker_x in x_fitted:
            plt.vline(marker_x)
        if xs.size > 1:
            plt.plot(xs.tolist(), ys.tolist(), marker=LINE)
        else:
            plt.scatter(xs.tolist(), ys.tolist(), marker=FEASIBLE)
        if chosen is not None:
            plt.scatter([float(xs[chosen])], [float(ys[chosen])], marker=PICK)

    canvas = build(draw, width, height, title, xlabel, xaxis)
    items = [f"y: {clean_label(ylabel)}"]
    if hline is not None:
        items.append(f"─ target {plain_tick(hline)}" if hline in y_fitted
                     else f"target {plain_tick(hline)} is off the chart")
    if chosen is not None:
        items.append(f"{PICK} chosen: x {plain_tick(float(xs[chosen]))}, "
                     f"y {plain_tick(float(ys[chosen]))}")
    return finish(canvas, color, ["", *wrap(items, width)])


def routing_curve_chart(result: Any, width: int = 78, height: int = 18, color: bool = False) -> str:
    """Accuracy against cost per 1k over every routing threshold, with the target line
    and the recommended policy marked (a `workbench.routing.RoutingResult`)."""
    curve = list(result.curve)
    if not curve:
        return "(no thresholds to draw)"
    pick = result.recommended or result.safe
    return series_chart(
        [p.cost_per_1k for p in curve],
        [p.accuracy for p in curve],
        title=(f"Accuracy vs cost per 1k over {len(curve)} thresholds "
               f"(target {result.target_accuracy:g}%)"),
        xlabel="cost per 1k items, USD",
        ylabel="accuracy %",
        hline=result.target_accuracy,
        marker_x=pick.cost_per_1k if pick is not None else None,
        width=width,
        height=height,
        color=color,
        # The knee sits near the cheap end; a log axis gives it room when costs span 10x.
        xlog=max(p.cost_per_1k for p in curve) > 10 * min(p.cost_per_1k for p in curve) > 0,
    )


def tornado_chart(bars: Any, width: int = 72) -> str:
    """The weight shares over which the pick holds, one bar per criterion (most
    sensitive first): `|` the current share, `=` the range where the pick stays, the
    scale 0..1 of a criterion's share. Plain text, no colour."""
    label_w = max([len(clean_label(b.criterion, 18)) for b in bars] + [9])
    scale = max(width - label_w - 16, 10)
    lines = [f"{'criterion':<{label_w}}  0{' ' * (scale - 2)}1  holds"]
    for b in bars:
        lo = round(b.low * (scale - 1))
        hi = round(b.high * (scale - 1))
        now = round(b.current * (scale - 1))
        row = [" "] * scale
        for x in range(lo, hi + 1):
            row[x] = "="
        row[now] = "|"
        lines.append(f"{clean_label(b.criterion, 18):<{label_w}}  {''.join(row)}  "
                     f"{b.low:.2f}..{b.high:.2f}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- audit

ANOMALY = "x"  # a day whose cost left its rolling baseline (drawn red with colour)


def audit_cost_chart(result: Any, width: int = 78, height: int = 18,
                     color: bool = False) -> str:
    """The system's daily cost over the log (a `workbench.audit.AuditResult`), with the
    days whose cost left its rolling baseline marked `x` and the audited period's first
    day a vertical line. The key names each run of flagged days (as the audit's
    anomaly table counts them). Every figure is the audit's; none is computed here."""
    from datetime import date, timedelta

    totals = list(result.daily.totals)
    if not totals:
        return "(no days to draw)"
    first: date = totals[0].day
    xs = np.array([(t.day - first).days for t in totals], dtype=float)
    ys = np.array([t.figures.cost_usd for t in totals], dtype=float)
    flagged = sorted({a.day for a in result.anomalies if a.metric == "cost_usd"})
    start = float((result.period.start - first).days)
    width = max(int(width), MIN_WIDTH)
    height = max(int(height), MIN_HEIGHT)

    def day_tick(value: float) -> str:
        return (first + timedelta(days=round(value))).strftime("%m-%d")

    xaxis, x_fitted = make_axis(xs, want_log=False, label=day_tick, limits=[start],
                                ticks_target=5, floor_zero=False)
    # Whole days only: a tick at day 12.5 would name a date it is not on.
    whole = [t for t in xaxis.ticks if float(t).is_integer()]
    xaxis = Axis(xaxis.log, xaxis.lo, xaxis.hi, whole, [day_tick(t) for t in whole], xaxis.clip)
    yaxis, _ = make_axis(ys, want_log=False, label=money_tick, limits=[], ticks_target=4,
                         floor_zero=True)
    xaxis, yaxis = fit(xaxis, yaxis, width, plot_height(height, None))
    marks = [(float((d - first).days), float(ys[(d - first).days])) for d in flagged
             if 0 <= (d - first).days < len(ys) and totals[(d - first).days].day == d]

    def draw(plt: Any) -> None:
        set_axes(plt, xaxis, yaxis)
        if start in x_fitted:
            plt.vline(start)
        plt.plot(xs.tolist(), ys.tolist(), marker=LINE)
        if marks:
            plt.scatter([m[0] for m in marks], [m[1] for m in marks], marker=ANOMALY)

    title = f"Cost per day, USD, {first}..{totals[-1].day}"
    canvas = build(draw, width, height, title, None, xaxis)
    items = [f"│ period from {result.period.start}"]
    runs = _runs(flagged)
    if runs:
        items.append(f"{ANOMALY} cost anomaly:")
        items += [f"{d0}" + (f" ({n} days)" if n > 1 else "") for d0, n in runs]
    else:
        items.append(f"no cost anomaly (robust z above {plain_tick(result.anomaly_threshold)})")
    return finish(canvas, color, wrap(items, width), _AUDIT_PALETTE)


_AUDIT_PALETTE = {ANOMALY: "\x1b[1;31m", LINE: "\x1b[36m", "│": "\x1b[35m"}


def _runs(days: list[Any]) -> list[tuple[Any, int]]:
    """Consecutive days as (first day, number of days)."""
    out: list[tuple[Any, int]] = []
    for d in days:
        if out and (d - out[-1][0]).days == out[-1][1]:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((d, 1))
    return out
