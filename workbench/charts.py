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

plotext keeps one global figure, so every build runs under a lock: the TUI draws from
worker threads.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.export import num, one_line, pct, usd

if TYPE_CHECKING:
    from workbench.analysis import Analysis

__all__ = ["cost_per_point_bars", "frontier_chart", "series_chart", "volume_chart"]

_PLOTEXT_LOCK = threading.Lock()

FEASIBLE = "o"
INFEASIBLE = "x"
PICK = "@"
LINE = "·"
# How many top-ranked candidates get a key on a chart too big to key every point.
TOP_KEYED = 10
# Above this many drawn points only the pick, the top ranks and part of the frontier are
# keyed, at most KEYED_MAX: more labels than that on 78x22 cells are unreadable.
KEY_ALL_UP_TO = 60
KEYED_MAX = 24
MIN_WIDTH = 32
MIN_HEIGHT = 8

_RESET = "\x1b[0m"
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


# ----------------------------------------------------------------------------- text


def clean_label(text: Any, limit: int | None = None) -> str:
    """One printable line (see `export.one_line`), cut to `limit` characters with "…".

    Model names go to terminals and into a memo's code block, so an escape sequence or
    a newline in a name must reach neither.
    """
    s = one_line(text)
    if limit is not None and len(s) > limit:
        s = s[: max(limit - 1, 0)] + "…"
    return s


def _money_tick(value: float) -> str:
    """Short axis label for a USD amount: $0.000005, $0.25, $15, $1.5k, $300k, $2M."""
    if value == 0:
        return "$0"
    sign = "-" if value < 0 else ""
    v = abs(value)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if v >= scale:
            return f"{sign}${v / scale:.3g}{suffix}"
    if v < 0.01:
        return sign + usd(v)  # fixed notation: $0.000005, never $5e-06
    return f"{sign}${v:.3g}"


def _plain_tick(value: float) -> str:
    if value == 0:
        return "0"
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.4g}"


def _wrap(items: list[str], width: int) -> list[str]:
    """Join legend items with two spaces, wrapping at `width`."""
    lines: list[str] = []
    current = ""
    for item in items:
        if current and len(current) + 2 + len(item) > width:
            lines.append(current)
            current = ""
        current = f"{current}  {item}" if current else item
    if current:
        lines.append(current)
    return lines


# ------------------------------------------------------------------------------ axes


@dataclass(frozen=True)
class _Axis:
    """One axis: drawing range in plotted units (log10 when `log`), ticks in data units."""

    log: bool
    lo: float
    hi: float
    ticks: list[float]
    labels: list[str]
    clip: float | None = None  # on a log axis, where values <= 0 are drawn

    def to_plot(self, values: np.ndarray) -> np.ndarray:
        """Data -> plotted units (what plotext puts on the canvas)."""
        v = np.asarray(values, dtype=float)
        if not self.log:
            return v
        assert self.clip is not None
        out: np.ndarray = np.log10(np.maximum(v, self.clip))
        return out

    def data(self, values: np.ndarray) -> np.ndarray:
        """Values as handed to plotext (it applies the log itself)."""
        v = np.asarray(values, dtype=float)
        if not self.log:
            return v
        assert self.clip is not None
        out: np.ndarray = np.maximum(v, self.clip)
        return out


def _linear_ticks(lo: float, hi: float, target: int) -> list[float]:
    """Ticks at a 1-2-2.5-5 step, the step whose tick count is nearest `target`."""
    span = hi - lo
    power = 10 ** math.floor(math.log10(span / max(target, 1)))
    best: list[float] = []
    for step in sorted(m * power * f for m in (1.0, 2.0, 2.5, 5.0) for f in (0.1, 1.0, 10.0)):
        first = math.ceil(lo / step - 1e-9)
        last = math.floor(hi / step + 1e-9)
        # round() trims float noise such as 0.30000000000000004 from the labels
        ticks = [round(k * step, 12) for k in range(first, last + 1)]
        if not best or abs(len(ticks) - target) < abs(len(best) - target):
            best = ticks
    return best


def _log_ticks(lo_exp: float, hi_exp: float) -> list[float]:
    """Powers of ten inside [lo_exp, hi_exp] (log10 units), with 2 and 5 on short spans."""
    decades = list(range(math.ceil(lo_exp - 1e-9), math.floor(hi_exp + 1e-9) + 1))
    mantissas = (1.0,) if len(decades) >= 3 else (1.0, 2.0, 5.0)
    ticks = [
        m * 10.0**d
        for d in range(math.floor(lo_exp), math.ceil(hi_exp) + 1)
        for m in mantissas
        if lo_exp - 1e-9 <= math.log10(m * 10.0**d) <= hi_exp + 1e-9
    ]
    return ticks


def _axis(
    values: np.ndarray,
    *,
    want_log: bool,
    label: Callable[[float], str],
    limits: list[float],
    ticks_target: int,
    floor_zero: bool,
) -> tuple[_Axis, list[float]]:
    """Fit an axis to finite `values`; returns it and the limits that fit on it.

    A limit line is brought onto the chart when that at most doubles the span, so a
    budget far away from every candidate does not squash the points into one column.
    """
    v = values[np.isfinite(values)]
    positive = v[v > 0]
    log = bool(
        want_log and positive.size > 0 and float(positive.max()) > 10 * float(positive.min())
    )
    clip: float | None = None
    if log:
        # Zero (or negative) values cannot sit on a log axis: draw them at half the
        # smallest positive value and say so in the legend.
        clip = float(positive.min()) / 2
        plotted = np.log10(np.maximum(v, clip))
    else:
        plotted = v
    lo = float(plotted.min()) if plotted.size else 0.0
    hi = float(plotted.max()) if plotted.size else 1.0
    fitted: list[float] = []
    for limit in limits:
        if log and limit <= 0:
            continue
        p = math.log10(limit) if log else limit
        new_lo, new_hi = min(lo, p), max(hi, p)
        if hi - lo > 0 and new_hi - new_lo > 2 * (hi - lo):
            continue
        if hi - lo == 0 and abs(p - lo) > max(abs(lo), 1.0):
            continue
        lo, hi = new_lo, new_hi
        fitted.append(limit)
    span = hi - lo
    if span > 0:
        pad = 0.04 * span
    elif log:
        pad = 0.5  # half a decade either side of a single value
    else:
        pad = abs(lo) * 0.1 if lo != 0 else 1.0  # one value: +-10% shows it in context
    lo, hi = lo - pad, hi + pad
    if floor_zero and not log and v.size and float(v.min()) >= 0:
        lo = max(lo, 0.0)
    if log:
        ticks = _log_ticks(lo, hi)
    else:
        ticks = _linear_ticks(lo, hi, ticks_target)
    labels = [label(t) for t in ticks]
    return _Axis(log, lo, hi, ticks, labels, clip), fitted


# --------------------------------------------------------------------------- canvas


@dataclass
class _Canvas:
    """The built chart as a character grid, plus where plotext put the data area."""

    grid: list[list[str]]
    top: int  # line of the top frame (┌)
    bottom: int  # line of the bottom frame (└)
    left: int  # column of the left frame
    right: int  # column of the right frame

    @property
    def width(self) -> int:
        return self.right - self.left - 1

    @property
    def height(self) -> int:
        return self.bottom - self.top - 1

    def inside(self, line: int, col: int) -> bool:
        return self.top < line < self.bottom and self.left < col < self.right

    def cells(
        self, x: np.ndarray, y: np.ndarray, xaxis: _Axis, yaxis: _Axis
    ) -> tuple[np.ndarray, np.ndarray]:
        """(lines, columns) of points given in plotted units, rounded as plotext does.

        plotext maps v to floor(0.5 + (bins - 1) * (v - lo) / (hi - lo)), rounded to 8
        decimals first (its `get_matrix_data`); row 0 is the bottom of the data area.
        """

        cols = _bins(x, xaxis.lo, xaxis.hi, self.width)
        rows = _bins(y, yaxis.lo, yaxis.hi, self.height)
        return self.bottom - 1 - rows, self.left + 1 + cols

    def text(self) -> str:
        return "\n".join("".join(row).rstrip() for row in self.grid)


def _canvas(built: str) -> _Canvas:
    lines = [_ESCAPES.sub("", line) for line in built.rstrip("\n").split("\n")]
    width = max((len(line) for line in lines), default=0)
    grid = [list(line.ljust(width)) for line in lines]
    # Find the frame from the bottom up: tick labels (bar charts put names there) sit
    # beside the frame, never on the bottom edge, so a "┌" in a name cannot fool this.
    bottom = max(i for i, line in enumerate(lines) if "┘" in line)
    left = lines[bottom].index("└")
    right = lines[bottom].rindex("┘")
    top = max(i for i in range(bottom) if grid[i][left] == "┌")
    return _Canvas(grid, top, bottom, left, right)


def _plot_height(height: int, xlabel: str | None) -> int:
    # Our title line, then plotext's figure, then our axis-label line.
    return height - 1 - (1 if xlabel else 0)


def _bins(values: Any, lo: float, hi: float, bins: int) -> np.ndarray:
    """plotext's own data -> cell mapping (its `get_matrix_data`), vectorised."""
    scaled = 0.5 + (bins - 1) * (np.asarray(values, dtype=float) - lo) / (hi - lo)
    return np.floor(np.round(scaled, 8)).astype(np.int64)


def _bin(value: float, lo: float, hi: float, bins: int) -> int:
    return int(_bins(np.array([value]), lo, hi, bins)[0])


def _fit(xaxis: _Axis, yaxis: _Axis, width: int, plot_height: int) -> tuple[_Axis, _Axis]:
    """Drop ticks whose labels would collide, before plotext sees them.

    plotext shuffles ticks through a set (string hashes vary per process) and, when two
    labels collide, keeps whichever it happens to draw first: the output would change
    from run to run. With no collisions left there is nothing for it to choose.
    The data area is `width` minus the y labels and two axis lines, by `plot_height`
    minus the two frame lines and the x tick labels.
    """
    data_w = width - 2 - max((len(label) for label in yaxis.labels), default=0)
    data_h = plot_height - 3
    return _thin(xaxis, data_w, horizontal=True), _thin(yaxis, data_h, horizontal=False)


def _thin(axis: _Axis, cells: int, horizontal: bool) -> _Axis:
    if cells < 2 or not axis.ticks:
        return axis
    plotted = axis.to_plot(np.asarray(axis.ticks, dtype=float)) if axis.log else axis.ticks
    keep: list[int] = []
    last = -(10**9)
    for k, t in enumerate(plotted):
        cell = _bin(float(t), axis.lo, axis.hi, cells)
        if not 0 <= cell < cells:
            continue
        # Centred labels need half of each label plus two blanks between them; rows
        # need one blank row between two labels.
        gap = (len(axis.labels[keep[-1]]) + len(axis.labels[k])) // 2 + 2 if (
            horizontal and keep) else 2
        if cell - last >= gap:
            keep.append(k)
            last = cell
    return replace(axis, ticks=[axis.ticks[k] for k in keep],
                   labels=[axis.labels[k] for k in keep])


def _build(
    draw: Callable[[Any], None],
    width: int,
    height: int,
    title: str,
    xlabel: str | None,
    xaxis: _Axis,
) -> _Canvas:
    """Run `draw(plt)` on a fresh colourless plotext figure and return its grid.

    The title, the x tick labels and the x-axis label are written by us, not plotext:
    plotext silently drops a title wider than the data area, places colliding tick
    labels in a per-process random order, and "log scale" must never go missing.
    """
    import plotext as plt  # type: ignore[import-untyped]  # lazily: the import costs ~50 ms

    with _PLOTEXT_LOCK:
        plt.clear_figure()
        plt.theme("clear")
        plt.plotsize(width, _plot_height(height, xlabel))
        draw(plt)
        built = plt.build()
        plt.clear_figure()
    canvas = _canvas(built)
    _write_xticks(canvas, xaxis)
    blank = [" "] * len(canvas.grid[0])
    head = list(clean_label(title, width).center(width).ljust(len(blank)))
    canvas.grid.insert(0, head)
    canvas.top += 1
    canvas.bottom += 1
    if xlabel:
        # Centred under the data area, where plotext would have put it.
        middle = (canvas.left + canvas.right) // 2
        text = clean_label(xlabel, width)
        start = max(0, min(middle - len(text) // 2, width - len(text)))
        canvas.grid.append(list((" " * start + text).ljust(len(blank))))
    return canvas


def _write_xticks(canvas: _Canvas, axis: _Axis) -> None:
    """x tick labels centred under their tick marks; one that would touch its left
    neighbour is skipped (in tick order, so the result never varies)."""
    row_index = canvas.bottom + 1
    if row_index >= len(canvas.grid):
        return
    row = canvas.grid[row_index]
    plotted = axis.to_plot(np.asarray(axis.ticks, dtype=float)) if axis.log else axis.ticks
    end = -1
    for t, label in zip(plotted, axis.labels):
        col = canvas.left + 1 + _bin(float(t), axis.lo, axis.hi, canvas.width)
        start = max(0, min(col - (len(label) - 1) // 2, len(row) - len(label)))
        if start <= end + 1:
            continue
        row[start:start + len(label)] = list(label)
        end = start + len(label) - 1


def _set_axes(plt: Any, xaxis: _Axis, yaxis: _Axis) -> None:
    if xaxis.log:
        plt.xscale("log")
    if yaxis.log:
        plt.yscale("log")
    # plotext compares user limits with the log10 of the data, so limits go in plotted
    # units while ticks go in data units (plotext takes their log itself).
    plt.xlim(xaxis.lo, xaxis.hi)
    plt.ylim(yaxis.lo, yaxis.hi)
    # Blank x labels: plotext draws the tick marks, `_write_xticks` the labels.
    plt.xticks(xaxis.ticks, [""] * len(xaxis.ticks))
    plt.yticks(yaxis.ticks, yaxis.labels)


def _limit_line(plt: Any, axis: _Axis, value: float, vertical: bool) -> None:
    # Like points, limit lines go in data units (clipped on a log axis): plotext takes
    # their log itself, unlike xlim/ylim.
    if vertical:
        plt.vline(float(axis.data(np.array([value]))[0]))
    else:
        plt.hline(float(axis.data(np.array([value]))[0]))


def _place_labels(
    canvas: _Canvas,
    spots: list[tuple[int, int, str]],
    protected: set[tuple[int, int]],
    markers: set[tuple[int, int]],
) -> list[bool]:
    """Write each label next to its (line, col) cell without hiding what matters.

    Tries right, left, then the lines above and below. A label never covers a keyed or
    frontier point (`protected`) or another label, first tries to cover nothing at
    all, and keeps one blank cell from other labels and from other points' markers
    (`markers`) on its own line, so "12" next to "3" cannot read as "123" and "x4"
    points at one point only. Returns, per label, whether it was placed.
    """
    taken: set[tuple[int, int]] = set()  # cells holding a label
    placed: list[bool] = []
    for line, col, label in spots:
        n = len(label)
        options = [
            (line, col + 1), (line, col - n),
            (line - 1, col + 1), (line + 1, col + 1),
            (line - 1, col - n), (line + 1, col - n),
            (line - 1, col - n // 2), (line + 1, col - n // 2),
        ]
        own = (line, col)
        where = None
        for crowded in (False, True):
            where = next(
                (
                    (ln, start)
                    for ln, start in options
                    if _fits(canvas, ln, start, n, crowded, own, taken, protected, markers)
                ),
                None,
            )
            if where is not None:
                break
        if where is not None:
            ln, start = where
            for k in range(n):
                canvas.grid[ln][start + k] = label[k]
                taken.add((ln, start + k))
        placed.append(where is not None)
    return placed


def _fits(
    canvas: _Canvas,
    line: int,
    start: int,
    n: int,
    crowded: bool,
    own: tuple[int, int],
    taken: set[tuple[int, int]],
    protected: set[tuple[int, int]],
    markers: set[tuple[int, int]],
) -> bool:
    if not (canvas.inside(line, start) and canvas.inside(line, start + n - 1)):
        return False
    row = canvas.grid[line]
    for c in range(start, start + n):
        if (line, c) in taken or (line, c) in protected:
            return False
        if row[c] != " " and not crowded:
            return False
    for c in (start - 1, start + n):
        if (line, c) in taken or ((line, c) in markers and (line, c) != own):
            return False
    return True


_FRONTIER_PALETTE = {
    FEASIBLE: "\x1b[32m",  # green
    INFEASIBLE: "\x1b[31m",  # red
    PICK: "\x1b[1;33m",  # bold yellow
    LINE: "\x1b[36m",  # cyan
    **{ch: "\x1b[35m" for ch in "─│┼"},  # limits: magenta
}


def _colorize(canvas: _Canvas, palette: dict[str, str]) -> str:
    """ANSI colours for characters inside the data area; frame, ticks and keys stay plain."""
    out: list[str] = []
    for i, row in enumerate(canvas.grid):
        parts: list[str] = []
        for j, ch in enumerate(row):
            code = palette.get(ch) if canvas.inside(i, j) else None
            parts.append(f"{code}{ch}{_RESET}" if code else ch)
        out.append("".join(parts).rstrip())
    return "\n".join(out)


def _finish(
    canvas: _Canvas, color: bool, below: list[str], palette: dict[str, str] | None = None
) -> str:
    chart = _colorize(canvas, palette or _FRONTIER_PALETTE) if color else canvas.text()
    return chart + ("\n" + "\n".join(below) if below else "") + "\n"


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
    xaxis: _Axis,
    yaxis: _Axis,
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
    xaxis, x_fitted = _axis(
        cost[drawable], want_log=True, label=_money_tick,
        limits=[budget] if budget is not None else [], ticks_target=5, floor_zero=True,
    )
    yaxis, y_fitted = _axis(
        accuracy[drawable], want_log=False, label=_plain_tick,
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
    xaxis, yaxis = _fit(xaxis, yaxis, width, _plot_height(height, xlabel))

    def scatter(plt: Any, idx: list[int]) -> None:
        # Infeasible first, so a feasible point sharing its cell stays visible.
        for ok in (False, True):
            part = [i for i in idx if bool(feasible[i]) == ok]
            if part:
                plt.scatter(xaxis.data(cost[part]).tolist(), accuracy[part].tolist(),
                            marker=FEASIBLE if ok else INFEASIBLE)

    def draw(plt: Any) -> None:
        _set_axes(plt, xaxis, yaxis)
        if budget is not None and budget in x_fitted:
            _limit_line(plt, xaxis, budget, vertical=True)
        if c.min_accuracy is not None and c.min_accuracy in y_fitted:
            _limit_line(plt, yaxis, c.min_accuracy, vertical=False)
        # Drawing order is stacking order: the frontier line under every point, then
        # the rest, then the frontier's own points, then the pick on top.
        if len(front_line) > 1:
            plt.plot(xaxis.data(cost[front_line]).tolist(), accuracy[front_line].tolist(),
                     marker=LINE)
        scatter(plt, others)
        scatter(plt, front_points)
        if pick >= 0 and drawable[pick]:
            plt.scatter(xaxis.data(cost[[pick]]).tolist(), [float(accuracy[pick])], marker=PICK)

    canvas = _build(draw, width, height, title, xlabel, xaxis)

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
    fits = _place_labels(canvas, spots, protected, markers)
    placed = {i: ok for members, ok in zip(groups.values(), fits) for i in members}

    below = _frontier_legend(a, width, xaxis, budget, x_fitted, y_fitted, drawn, m,
                             front_line, pick, cost)
    below += _frontier_key(a, width, keyed, placed, pick, front, feasible, cost, accuracy, m)
    return _finish(canvas, color, below)


def _frontier_legend(
    a: Analysis,
    width: int,
    xaxis: _Axis,
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
    return [""] + _wrap(items, width) + _wrap(notes, width)


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


def cost_per_point_bars(
    analysis: Analysis, width: int = 78, height: int | None = None, color: bool = False
) -> str:
    """Horizontal bars of cost per accuracy point (USD per 1k per 1%), top 20 by rank.

    Bars are linear (a bar's length is its value); the value is printed in the label
    so a bar too short to see still reads. `height=None` gives one line per bar.
    """
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
    xaxis, _ = _axis(np.array([0.0, top]), want_log=False, label=_money_tick, limits=[],
                     ticks_target=4, floor_zero=True)
    xaxis = _thin(xaxis, width - 2 - max(len(label) for label in labels), horizontal=True)

    def draw(plt: Any) -> None:
        plt.bar(positions, values[idx].tolist(), orientation="horizontal", width=0.4,
                marker="█")
        plt.xlim(0.0, xaxis.hi)
        plt.xticks(xaxis.ticks, [""] * len(xaxis.ticks))
        plt.ylim(lo, hi)
        plt.yticks(positions, labels)

    title = "Cost per 1% accuracy, USD per 1k inferences (rank order)"
    canvas = _build(draw, width, total_height, title, None, xaxis)
    below: list[str] = []
    if len(a.table) > 20:
        below.append(f"top 20 of {num(len(a.table))} by rank")
    if n < len(shown):
        below.append(f"{len(shown) - n} without a value (accuracy 0) not drawn")
    return _finish(canvas, color, below, {"█": "\x1b[36m"})


# ---------------------------------------------------------------------------- volume


_SERIES_MARKS = "123456789ABCDEFGH"
VOLUME_TOP = 4


def volume_chart(
    analysis: Analysis, width: int = 78, height: int = 20, color: bool = False
) -> str:
    """Monthly cost against volume per day for the top candidates (from the sweep).

    Each line is drawn with its candidate's key; candidates the sweep recommends at
    some volume are added to the top five. Log axes when a span exceeds 10x. Returns
    "" when the analysis has no volume sweep.
    """
    a = analysis
    sweep = a.volume_sweep
    if sweep is None or sweep.volumes_per_day.size == 0:
        return ""
    width = max(int(width), MIN_WIDTH)
    height = max(int(height), MIN_HEIGHT)
    rows = list(range(min(VOLUME_TOP, len(a.table))))
    picks = {a.position(p) for p in sweep.recommendations if p is not None}
    rows += sorted(pos for pos in picks if pos is not None and pos not in rows)
    rows = sorted(rows)[: len(_SERIES_MARKS)]
    marks = {}
    spare = iter(_SERIES_MARKS[9:])
    for r in rows:
        marks[r] = str(r + 1) if r < 9 else next(spare)
    volumes = np.asarray(sweep.volumes_per_day, dtype=float)
    costs = np.asarray(sweep.monthly_cost_usd, dtype=float)[rows, :]
    budget = a.scenario.constraints.monthly_budget_usd
    current = a.scenario.workload.volume_per_day
    xaxis, x_fitted = _axis(volumes, want_log=True, label=_plain_tick,
                            limits=[current] if current else [], ticks_target=5,
                            floor_zero=True)
    yaxis, y_fitted = _axis(costs.ravel(), want_log=True, label=_money_tick,
                            limits=[budget] if budget is not None else [], ticks_target=4,
                            floor_zero=True)
    order = np.argsort(volumes, kind="stable")
    title = "Monthly cost (USD" + (", log scale" if yaxis.log else "") + ") vs volume per day"
    xlabel = "volume per day" + (", log scale" if xaxis.log else "")
    xaxis, yaxis = _fit(xaxis, yaxis, width, _plot_height(height, xlabel))

    def draw(plt: Any) -> None:
        _set_axes(plt, xaxis, yaxis)
        if budget is not None and budget in y_fitted:
            _limit_line(plt, yaxis, budget, vertical=False)
        if current and current in x_fitted:
            _limit_line(plt, xaxis, current, vertical=True)
        # Worst rank first, so the best-ranked line is drawn on top.
        for k in reversed(range(len(rows))):
            plt.plot(xaxis.data(volumes[order]).tolist(),
                     yaxis.data(costs[k, order]).tolist(), marker=marks[rows[k]])

    canvas = _build(draw, width, height, title, xlabel, xaxis)
    items: list[str] = []
    if budget is not None:
        items.append(f"─ budget {usd(budget)}/month" if budget in y_fitted
                     else f"budget {usd(budget)}/month is off the chart")
    if current and current in x_fitted:
        items.append(f"│ current volume {num(current)}/day")
    if yaxis.log and bool((costs <= 0).any()) and yaxis.clip is not None:
        items.append(f"cost $0 drawn at {usd(yaxis.clip, 4)} (log axis)")
    below = [""] + _wrap(items, width) if items else []
    below += ["", "Key: line marker, rank, name"]
    digits = len(str(max(rows) + 1))
    names = dict(zip(rows, a.table["name"].iloc[rows].tolist()))
    for r in rows:
        below.append(f"{marks[r]}  {r + 1:>{digits}}  {clean_label(names[r], width - digits - 5)}")
    colours = ["\x1b[32m", "\x1b[34m", "\x1b[33m", "\x1b[35m", "\x1b[36m", "\x1b[31m"]
    palette = {marks[r]: colours[k % len(colours)] for k, r in enumerate(rows)}
    palette.update({ch: "\x1b[2m" for ch in "─│┼"})  # limits: dim
    return _finish(canvas, color, below, palette)


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
    xaxis, x_fitted = _axis(xs, want_log=xlog and bool((xs > 0).all()), label=_plain_tick,
                            limits=[marker_x] if marker_x is not None else [],
                            ticks_target=5, floor_zero=False)
    yaxis, y_fitted = _axis(ys, want_log=False, label=_plain_tick,
                            limits=[hline] if hline is not None else [], ticks_target=4,
                            floor_zero=False)
    chosen = int(np.argmin(np.abs(xs - marker_x))) if marker_x is not None else None
    xaxis, yaxis = _fit(xaxis, yaxis, width, _plot_height(height, xlabel))

    def draw(plt: Any) -> None:
        _set_axes(plt, xaxis, yaxis)
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

    canvas = _build(draw, width, height, title, xlabel, xaxis)
    items = [f"y: {clean_label(ylabel)}"]
    if hline is not None:
        items.append(f"─ target {_plain_tick(hline)}" if hline in y_fitted
                     else f"target {_plain_tick(hline)} is off the chart")
    if chosen is not None:
        items.append(f"{PICK} chosen: x {_plain_tick(float(xs[chosen]))}, "
                     f"y {_plain_tick(float(ys[chosen]))}")
    return _finish(canvas, color, [""] + _wrap(items, width))


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
        title=f"Accuracy vs cost per 1k over {len(curve)} thresholds (target {result.target_accuracy:g}%)",
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
