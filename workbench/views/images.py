"""The report's charts as static images (PNG or SVG) for documents and slides.

The same charts as the interactive report (`workbench.views.figures` decides what is
on each), drawn with matplotlib's object API (a `Figure` per chart and the Agg canvas:
no pyplot, no global figure, no display needed).

Deterministic for a given session, so an SVG can be diffed and committed:
- `svg.hashsalt` is fixed, so the ids matplotlib derives for clip paths and glyphs
  are the same on every run;
- the SVG's date metadata is dropped (matplotlib writes the current time otherwise);
- text is kept as text (`svg.fonttype = none`): the file holds no glyph outlines that
  depend on which fonts a machine has, and names stay selectable;
- math parsing is off (`text.parse_math`), so a name with two "$" is shown as typed
  and can never be an invalid formula.

matplotlib is imported lazily (the `images` extra).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.errors import InputError
from workbench.evaluation import Evaluation
from workbench.fmt import num, pct, usd
from workbench.views import figures as F
from workbench.views.canvas import money_tick, plain_tick

FORMATS = ("png", "svg")
SIZE_IN = (10.0, 5.6)  # 16:9-ish, fits a slide and a page
DPI = 150
COLOURS = {
    F.PICK: "#E69F00", F.FRONTIER: "#D55E00", F.FEASIBLE: "#0072B2",
    F.INFEASIBLE: "#999999", "budget": "#009E73", "minimum": "#CC79A7",
}
SERIES = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000",
          "#999999")
RC = {
    "svg.hashsalt": "workbench",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e5e5e5",
    "path.simplify": True,
}
# Metadata keys each format writes with a value that changes run to run (or machine
# to machine): set to None, matplotlib leaves them out.
_METADATA = {"svg": {"Date": None}, "png": {}}
LABELLED_MAX = 12  # frontier points named on the chart; more get their rank only
# rcParams are process-wide: one chart at a time (the TUI draws from worker threads).
_LOCK = threading.Lock()


def _matplotlib() -> Any:
    F.need("matplotlib", "images")
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullFormatter

    return rc_context, Figure, FigureCanvasAgg, FuncFormatter, NullFormatter


def chart_images(evaluation: Evaluation, fmt: str = "png") -> list[tuple[str, bytes]]:
    """(key, image bytes) for every chart of the evaluation, in report order."""
    if fmt not in FORMATS:
        raise InputError(f"image format must be png or svg, got {fmt!r}")
    return [(chart.key, render_chart(chart, fmt)) for chart in F.charts_of(evaluation)]


def render_chart(chart: F.Chart, fmt: str = "png") -> bytes:
    rc_context, Figure, FigureCanvasAgg, FuncFormatter, NullFormatter = _matplotlib()
    with _LOCK, rc_context(RC):
        fig = Figure(figsize=SIZE_IN, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        _DRAW[chart.key](ax, chart, FuncFormatter, NullFormatter)
        ax.set_title(chart.title, loc="left", fontsize=11)
        notes = tuple(getattr(chart, "notes", ())) + tuple(getattr(chart, "changes", ()))
        if notes:
            fig.text(0.01, 0.01, "; ".join(notes), fontsize=7, color="#555555", va="bottom")
        fig.tight_layout(rect=(0, 0.035 if notes else 0, 1, 1))
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, metadata=_METADATA[fmt], dpi=DPI)
    return buffer.getvalue()


def write_images(evaluation: Evaluation, folder: Path | str, fmt: str = "png") -> list[Path]:
    """Write each chart as FOLDER/<key>.<fmt> (atomically, the previous file kept as
    .bak); the folder is created when its parent exists. Returns the files written."""
    from workbench.atomic import atomic_write_bytes

    target = prepare_folder(folder)
    written = []
    for key, data in chart_images(evaluation, fmt):
        written.append(atomic_write_bytes(target / f"{key}.{fmt}", data))
    return written


def prepare_folder(folder: Path | str) -> Path:
    """The output folder, created if missing (its parent must exist: a typo must not
    create a tree of folders)."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise InputError("is not a folder; give a folder for the images", source=str(folder))
    if not path.exists():
        if not path.parent.is_dir():
            raise InputError(f"folder {str(path.parent)!r} does not exist", source=str(folder))
        try:
            path.mkdir()
        except OSError as exc:
            from workbench.fileio import os_message

            raise InputError(f"cannot create the folder: {os_message(exc)}",
                             source=str(folder)) from None
    return path


def image_paths(folder: Path | str, fmt: str) -> list[Path]:
    """Every file `write_images` may write into `folder` (for guard_outputs)."""
    return [Path(folder) / f"{key}.{fmt}" for key in F.KEYS]


# ---------------------------------------------------------------------- the drawing


def _money_axis(axis: Any, log: bool, FuncFormatter: Any, NullFormatter: Any) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: money_tick(v)))
    if log:
        axis.set_minor_formatter(NullFormatter())


def _frontier(ax: Any, c: F.FrontierChart, FuncFormatter: Any, NullFormatter: Any) -> None:
    def x_of(p: F.Point) -> float:
        return c.zero_at if (c.zero_at is not None and p.cost <= 0) else p.cost

    if c.log_x:
        ax.set_xscale("log")
    for kind, marker, legend in ((F.INFEASIBLE, "x", "infeasible"),
                                 (F.FEASIBLE, "o", "feasible")):
        pts = [p for p in c.points if p.kind == kind]
        if pts:
            ax.scatter([x_of(p) for p in pts], [p.accuracy for p in pts], marker=marker,
                       s=30, color=COLOURS[kind], label=legend, zorder=2)
    front = [c.points[k] for k in c.frontier]
    if front:
        ax.plot([x_of(p) for p in front], [p.accuracy for p in front], color=COLOURS[F.FRONTIER],
                linewidth=1.5, zorder=3, label="frontier (cheapest first)")
        for p in front:
            ax.scatter([x_of(p)], [p.accuracy], marker="D", s=40, zorder=4,
                       facecolors=COLOURS[F.FRONTIER] if p.feasible else "white",
                       edgecolors=COLOURS[F.FRONTIER])
        named = len(front) <= LABELLED_MAX
        for p in front:
            if not p.pick:
                ax.annotate(F.label(p.name, 28) if named else str(p.rank), (x_of(p), p.accuracy),
                            textcoords="offset points", xytext=(6, -10), fontsize=8,
                            color="#333333")
    for p in (p for p in c.points if p.pick):
        ax.scatter([x_of(p)], [p.accuracy], marker="*", s=260, color=COLOURS[F.PICK],
                   edgecolors="black", linewidths=0.8, zorder=5,
                   label=f"recommended: {F.label(p.name, 40)}")
        ax.annotate(F.label(p.name, 40), (x_of(p), p.accuracy), textcoords="offset points",
                    xytext=(8, 8), fontsize=9, fontweight="bold")
    if c.budget is not None:
        ax.axvline(c.budget, color=COLOURS["budget"], linestyle="--", linewidth=1.5,
                   label=f"budget {usd(c.budget)}/month")
    if c.min_accuracy is not None:
        ax.axhline(c.min_accuracy, color=COLOURS["minimum"], linestyle=":", linewidth=1.5,
                   label=f"minimum accuracy {pct(c.min_accuracy)}")
    ax.set_xlabel(c.x_title)
    ax.set_ylabel(c.y_title)
    _money_axis(ax.xaxis, c.log_x, FuncFormatter, NullFormatter)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}%"))
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)


def _bars(ax: Any, c: F.Bars, FuncFormatter: Any, NullFormatter: Any) -> None:
    y = list(range(len(c.values), 0, -1))  # rank 1 on top
    colours = [COLOURS[k] for k in c.kinds]
    hatches = ["xx" if k == F.INFEASIBLE else "" for k in c.kinds]
    bars = ax.barh(y, c.values, color=colours, hatch=hatches, edgecolor="white")
    for bar, text in zip(bars, c.texts):
        ax.annotate(text, (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    textcoords="offset points", xytext=(4, 0), va="center", fontsize=8)
    ax.set_yticks(y, [F.label(v, 40) for v in c.labels])
    ax.set_xlabel(c.x_title)
    ax.set_xlim(0, (max(c.values) if c.values else 1) * 1.2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: money_tick(v)))
    ax.grid(axis="y", visible=False)
    _kind_legend(ax, set(c.kinds))


def _kind_legend(ax: Any, kinds: set[str]) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=COLOURS[k], hatch="xx" if k == F.INFEASIBLE else "",
                     edgecolor="white", label={F.PICK: "recommended", F.FEASIBLE: "feasible",
                                               F.INFEASIBLE: "infeasible"}[k])
               for k in (F.PICK, F.FEASIBLE, F.INFEASIBLE) if k in kinds]
    ax.legend(handles=handles, loc="lower right", fontsize=8)


def _volume(ax: Any, c: F.VolumeChart, FuncFormatter: Any, NullFormatter: Any) -> None:
    if c.log_x:
        ax.set_xscale("log")
    if c.log_y:
        ax.set_yscale("log")
    for k, line in enumerate(c.lines):
        colour = SERIES[k % len(SERIES)]
        ax.plot(c.volumes, line.costs, color=colour, linewidth=1.5,
                label=f"{line.rank}. {F.label(line.name, 36)}")
        ok = [(v, y) for v, y, f in zip(c.volumes, line.costs, line.feasible) if f]
        bad = [(v, y) for v, y, f in zip(c.volumes, line.costs, line.feasible) if not f]
        picked = [(v, y) for v, y, p in zip(c.volumes, line.costs, line.picked) if p]
        if ok:
            ax.scatter(*zip(*ok), s=18, color=colour, zorder=3)
        if bad:
            ax.scatter(*zip(*bad), s=22, facecolors="white", edgecolors=colour, zorder=3)
        if picked:
            ax.scatter(*zip(*picked), s=110, marker="*", color=colour, edgecolors="black",
                       linewidths=0.5, zorder=4)
    if c.budget is not None:
        ax.axhline(c.budget, color=COLOURS["budget"], linestyle="--", linewidth=1.5,
                   label=f"budget {usd(c.budget)}/month")
    if c.current is not None:
        ax.axvline(c.current, color="#555555", linestyle=":", linewidth=1.2,
                   label=f"current volume {num(c.current)}/day")
    ax.set_xlabel(c.x_title + " (star: recommended there; open: breaks a constraint)")
    ax.set_ylabel(c.y_title)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: plain_tick(v)))
    if c.log_x:
        ax.xaxis.set_minor_formatter(NullFormatter())
    _money_axis(ax.yaxis, c.log_y, FuncFormatter, NullFormatter)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)


def _matrix(ax: Any, c: F.MatrixChart, FuncFormatter: Any, NullFormatter: Any) -> None:
    y = list(range(len(c.labels), 0, -1))
    left = [0.0] * len(c.labels)
    for k, (criterion, values) in enumerate(zip(c.criteria, c.contributions)):
        ax.barh(y, values, left=left, color=SERIES[k % len(SERIES)], label=criterion,
                edgecolor="white")
        left = [a + b for a, b in zip(left, values)]
    for yy, score, kind in zip(y, c.scores, c.kinds):
        tag = {F.PICK: " ★ recommended", F.INFEASIBLE: " (infeasible)"}.get(kind, "")
        ax.annotate(f"{score:.3f}{tag}", (score, yy), textcoords="offset points",
                    xytext=(4, 0), va="center", fontsize=8)
    ax.set_yticks(y, [F.label(v, 40) for v in c.labels])
    ax.set_xlim(0, (max(c.scores) if c.scores else 1) * 1.35 or 1)
    ax.set_xlabel(c.x_title)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=min(len(c.criteria), 4),
              fontsize=8, frameon=False)


def _routing(ax: Any, c: F.RoutingChart, FuncFormatter: Any, NullFormatter: Any) -> None:
    if c.log_x:
        ax.set_xscale("log")
    ax.plot(c.cost_per_1k, c.accuracy, color=SERIES[0], marker="o", markersize=3,
            linewidth=1.2, label="thresholds")
    ax.axhline(c.target, color=COLOURS["minimum"], linestyle=":", linewidth=1.5,
               label=f"target accuracy {pct(c.target)}")
    if c.chosen is not None:
        x, y, what = c.chosen
        ax.scatter([x], [y], marker="*", s=220, color=COLOURS[F.PICK], edgecolors="black",
                   linewidths=0.8, zorder=5, label=what)
    ax.set_xlabel(c.x_title)
    ax.set_ylabel(c.y_title)
    _money_axis(ax.xaxis, c.log_x, FuncFormatter, NullFormatter)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}%"))
    ax.legend(loc="lower right", fontsize=8)


def _tornado(ax: Any, c: F.TornadoChart, FuncFormatter: Any, NullFormatter: Any) -> None:
    y = list(range(len(c.rows), 0, -1))
    ax.barh(y, [r.high - r.low for r in c.rows], left=[r.low for r in c.rows],
            color=SERIES[4], label="the pick holds", height=0.6)
    ax.scatter([r.current for r in c.rows], y, marker="D", s=40, color="black", zorder=3,
               label="share now")
    ax.set_yticks(y, [r.criterion for r in c.rows])
    ax.set_xlim(0, 1)
    ax.set_xlabel(c.x_title)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=8)


# Each drawer takes its own chart class and `chart.key` picks the matching one, which a
# type cannot say of a dict: the chart is Any here (matplotlib's objects are Any anyway).
_DRAW: dict[str, Callable[[Any, Any, Any, Any], None]] = {
    "frontier": _frontier, "cost_per_point": _bars, "volume": _volume,
    "matrix": _matrix, "routing": _routing, "tornado": _tornado,
}
