"""The drawing canvas the charts share: axes, ticks, a character grid, labels, colour.

plotext 5.3.2 (module-level API) draws the data area; this module fixes its axes and
ticks, places point keys so that no two labels overwrite each other, and adds ANSI
colour afterwards (only when asked), so colourless output never holds an escape code.
The five charts in `workbench.views.charts` are built from these pieces; nothing here
knows what an analysis is.

plotext keeps one global figure, so every build runs under a lock: the TUI draws from
worker threads.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from workbench.fmt import one_line, usd

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


def money_tick(value: float) -> str:
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


def plain_tick(value: float) -> str:
    if value == 0:
        return "0"
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.4g}"


def wrap(items: list[str], width: int) -> list[str]:
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
class Axis:
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


def make_axis(
    values: np.ndarray,
    *,
    want_log: bool,
    label: Callable[[float], str],
    limits: list[float],
    ticks_target: int,
    floor_zero: bool,
) -> tuple[Axis, list[float]]:
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
    ticks = _log_ticks(lo, hi) if log else _linear_ticks(lo, hi, ticks_target)
    labels = [label(t) for t in ticks]
    return Axis(log, lo, hi, ticks, labels, clip), fitted


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
        self, x: np.ndarray, y: np.ndarray, xaxis: Axis, yaxis: Axis
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


def plot_height(height: int, xlabel: str | None) -> int:
    # Our title line, then plotext's figure, then our axis-label line.
    return height - 1 - (1 if xlabel else 0)


def _bins(values: Any, lo: float, hi: float, bins: int) -> np.ndarray:
    """plotext's own data -> cell mapping (its `get_matrix_data`), vectorised."""
    scaled = 0.5 + (bins - 1) * (np.asarray(values, dtype=float) - lo) / (hi - lo)
    return np.floor(np.round(scaled, 8)).astype(np.int64)


def _bin(value: float, lo: float, hi: float, bins: int) -> int:
    return int(_bins(np.array([value]), lo, hi, bins)[0])


def fit(xaxis: Axis, yaxis: Axis, width: int, plot_height: int) -> tuple[Axis, Axis]:
    """Drop ticks whose labels would collide, before plotext sees them.

    plotext shuffles ticks through a set (string hashes vary per process) and, when two
    labels collide, keeps whichever it happens to draw first: the output would change
    from run to run. With no collisions left there is nothing for it to choose.
    The data area is `width` minus the y labels and two axis lines, by `plot_height`
    minus the two frame lines and the x tick labels.
    """
    data_w = width - 2 - max((len(label) for label in yaxis.labels), default=0)
    data_h = plot_height - 3
    return thin(xaxis, data_w, horizontal=True), thin(yaxis, data_h, horizontal=False)


def thin(axis: Axis, cells: int, horizontal: bool) -> Axis:
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


def build(
    draw: Callable[[Any], None],
    width: int,
    height: int,
    title: str,
    xlabel: str | None,
    xaxis: Axis,
) -> _Canvas:
    """Run `draw(plt)` on a fresh colourless plotext figure and return its grid.

    The title, the x tick labels and the x-axis label are written by us, not plotext:
    plotext silently drops a title wider than the data area, places colliding tick
    labels in a per-process random order, and "log scale" must never go missing.
    """
    import plotext as plt  # lazily: the import costs ~50 ms

    with _PLOTEXT_LOCK:
        plt.clear_figure()
        plt.theme("clear")
        plt.plotsize(width, plot_height(height, xlabel))
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


def _write_xticks(canvas: _Canvas, axis: Axis) -> None:
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


def set_axes(plt: Any, xaxis: Axis, yaxis: Axis) -> None:
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


def limit_line(plt: Any, axis: Axis, value: float, vertical: bool) -> None:
    # Like points, limit lines go in data units (clipped on a log axis): plotext takes
    # their log itself, unlike xlim/ylim.
    if vertical:
        plt.vline(float(axis.data(np.array([value]))[0]))
    else:
        plt.hline(float(axis.data(np.array([value]))[0]))


def place_labels(
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


def finish(
    canvas: _Canvas, color: bool, below: list[str], palette: dict[str, str] | None = None
) -> str:
    chart = _colorize(canvas, palette or _FRONTIER_PALETTE) if color else canvas.text()
    return chart + ("\n" + "\n".join(below) if below else "") + "\n"


