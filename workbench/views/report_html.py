"""The interactive report: one self-contained HTML file with Plotly charts and the memo.

`render_html(evaluation)` returns a page that opens offline: plotly.js is inlined (no
CDN, no web fonts, no `src`/`href` to another host) and a Content-Security-Policy
forbids the browser any request at all (`default-src 'none'`), so a stakeholder can
open it from a mail attachment on a plane. The charts are those of
`workbench.views.figures` (the same as the static images and the deck), and the memo's
text follows them, rendered from its markdown.

Names are escaped everywhere: Plotly reads trace names, tick labels and hover text as
HTML (it honours tags such as <b> and <a href>), so every user string placed in a
figure goes through `esc` (& < > as entities, which Plotly shows as text), and the
memo is rendered with raw HTML disabled (the memo escapes names already). Plotly's
own JSON writer escapes < > / in the data, so nothing can close the <script>.

Deterministic: fixed div ids (the chart keys), no timestamps, no random ids, so the
same session always gives the same file.

plotly and markdown-it-py are imported lazily (the `report` extra).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.evaluation import Evaluation
from workbench.fmt import num, pct, usd
from workbench.views import figures as F

# Okabe-Ito: told apart by people with colour-vision deficiencies, and by marker too.
COLOURS = {
    F.PICK: "#E69F00", F.FRONTIER: "#D55E00", F.FEASIBLE: "#0072B2",
    F.INFEASIBLE: "#999999", "budget": "#009E73", "minimum": "#CC79A7",
}
SERIES = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000",
          "#999999")
HEIGHT_PX = 480
# The browser may run the inline scripts and styles of this file and show data: images
# (Plotly's modebar icons are inline SVG); nothing else, from anywhere.
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data:; font-src data:")
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "showSendToCloud": False,
                 "toImageButtonOptions": {"format": "png", "scale": 2}}
_CAPTIONS = {
    "frontier": ("Hover over a point for every figure of that candidate. The frontier "
                 "holds the candidates no other beats on both cost and accuracy."),
    "cost_per_point": "Cost per 1k inferences divided by accuracy in percent.",
    "volume": ("Monthly cost of the top candidates at each volume of the what-if sweep; "
               "an open marker breaks a constraint at that volume."),
    "matrix": ("Each bar is a candidate's weighted score, split into what each criterion "
               "adds (weight x normalized value, 1 = best)."),
    "routing": "Accuracy and cost of the routed system at every threshold of the simulation.",
    "tornado": ("The bar spans the weight shares over which the recommendation stays the "
                "same; the diamond is the share now."),
}


def esc(text: Any) -> str:
    """Text Plotly (or a browser) shows but never reads as markup: one printable line,
    & < > as entities (Plotly decodes these three for display)."""
    return html.escape(F.label(text), quote=False)


def _hover(lines: tuple[str, ...], name: str) -> str:
    return "<b>" + esc(name) + "</b><br>" + "<br>".join(esc(line) for line in lines)


def plotly_figures(evaluation: Evaluation) -> list[tuple[str, str, Any]]:
    """(key, title, plotly Figure) for every chart of the evaluation, in report order."""
    go = F.need("plotly.graph_objects", "report")
    out = []
    for chart in F.charts_of(evaluation):
        build = _BUILDERS[chart.key]
        fig = build(go, chart)
        fig.update_layout(
            template="plotly_white", height=fig.layout.height or HEIGHT_PX,
            margin={"l": 70, "r": 30, "t": 60, "b": 60},
            title={"text": esc(chart.title)},
            font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"},
            legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        )
        out.append((chart.key, chart.title, fig))
    return out


# --------------------------------------------------------------------- the builders


def _frontier(go: Any, c: F.FrontierChart) -> Any:
    fig = go.Figure()

    def x_of(p: F.Point) -> float:
        return c.zero_at if (c.zero_at is not None and p.cost <= 0) else p.cost

    def hover(p: F.Point) -> str:
        return _hover(p.hover, p.name)

    # Stacking order: the rest under the frontier line, the pick on top of all.
    for kind, symbol, legend in ((F.INFEASIBLE, "x", "Infeasible (breaks a constraint)"),
                                 (F.FEASIBLE, "circle", "Feasible")):
        pts = [p for p in c.points if p.kind == kind]
        if not pts:
            continue
        fig.add_trace(go.Scatter(
            x=[x_of(p) for p in pts], y=[p.accuracy for p in pts], mode="markers",
            name=legend, text=[esc(p.name) for p in pts],
            hovertext=[hover(p) for p in pts], hovertemplate="%{hovertext}<extra></extra>",
            marker={"symbol": symbol, "size": 9, "color": COLOURS[kind],
                    "line": {"width": 1, "color": COLOURS[kind]}},
        ))
    front = [c.points[k] for k in c.frontier]
    if front:
        # One trace, in the engine's frontier order: its names are the analysis' frontier.
        fig.add_trace(go.Scatter(
            x=[x_of(p) for p in front], y=[p.accuracy for p in front], mode="lines+markers",
            name="Frontier (cheapest first)", text=[esc(p.name) for p in front],
            hovertext=[hover(p) for p in front], hovertemplate="%{hovertext}<extra></extra>",
            line={"color": COLOURS[F.FRONTIER], "width": 2},
            marker={"symbol": ["diamond" if p.feasible else "diamond-open" for p in front],
                    "size": 11, "color": COLOURS[F.FRONTIER]},
        ))
    picks = [p for p in c.points if p.pick]
    costs = sorted(x_of(p) for p in c.points)
    for p in picks:
        # The label grows away from the nearer edge, so it is never cut off.
        right = not costs or x_of(p) <= costs[len(costs) // 2]
        fig.add_trace(go.Scatter(
            x=[x_of(p)], y=[p.accuracy], mode="markers+text", name=f"Recommended: {esc(p.name)}",
            text=[esc(F.label(p.name, 40))], textposition="top right" if right else "top left",
            cliponaxis=False,
            hovertext=[hover(p)], hovertemplate="%{hovertext}<extra></extra>",
            marker={"symbol": "star", "size": 20, "color": COLOURS[F.PICK],
                    "line": {"width": 1.5, "color": "#000000"}},
        ))
    xs = [x_of(p) for p in c.points]
    ys = [p.accuracy for p in c.points]
    if c.budget is not None and ys:
        lo, hi = min(ys), max(ys)
        fig.add_trace(go.Scatter(
            x=[c.budget, c.budget], y=[lo, hi], mode="lines",
            name=f"Budget {usd(c.budget)}/month", hoverinfo="name",
            line={"color": COLOURS["budget"], "dash": "dash", "width": 2},
        ))
    if c.min_accuracy is not None and xs:
        xlo = min(xs + ([c.budget] if c.budget is not None else []))
        xhi = max(xs + ([c.budget] if c.budget is not None else []))
        fig.add_trace(go.Scatter(
            x=[xlo, xhi], y=[c.min_accuracy, c.min_accuracy], mode="lines",
            name=f"Minimum accuracy {pct(c.min_accuracy)}", hoverinfo="name",
            line={"color": COLOURS["minimum"], "dash": "dot", "width": 2},
        ))
    fig.update_xaxes(title=esc(c.x_title), type="log" if c.log_x else "linear",
                     tickprefix="$", separatethousands=True, exponentformat="none")
    fig.update_yaxes(title=esc(c.y_title), ticksuffix="%")
    _notes(fig, c.notes)
    return fig


def _bars(go: Any, c: F.Bars) -> Any:
    fig = go.Figure()
    for kind, legend in ((F.PICK, "Recommended"), (F.FEASIBLE, "Feasible"),
                         (F.INFEASIBLE, "Infeasible")):
        idx = [i for i, k in enumerate(c.kinds) if k == kind]
        if not idx:
            continue
        fig.add_trace(go.Bar(
            x=[c.values[i] for i in idx], y=[esc(c.labels[i]) for i in idx], orientation="h",
            name=legend, marker={"color": COLOURS[kind],
                                 "pattern": {"shape": "x" if kind == F.INFEASIBLE else ""}},
            text=[esc(c.texts[i]) for i in idx], textposition="outside",
            hovertemplate="%{y}<br>%{text} per 1k per accuracy point<extra></extra>",
        ))
    fig.update_yaxes(categoryorder="array", categoryarray=[esc(v) for v in reversed(c.labels)])
    # Room after the longest bar for its printed value; plain decimals, not "2μ".
    fig.update_xaxes(title=esc(c.x_title), tickprefix="$", exponentformat="none",
                     range=[0, max([*c.values, 0.0]) * 1.25 or 1])
    fig.update_layout(height=_bars_height(len(c.values)))
    _notes(fig, c.notes)
    return fig


def _volume(go: Any, c: F.VolumeChart) -> Any:
    fig = go.Figure()
    for k, line in enumerate(c.lines):
        colour = SERIES[k % len(SERIES)]
        hover = [
            _hover((f"{num(v)}/day", f"Monthly cost: {usd(cost)}",
                    "meets every constraint" if ok else "breaks a constraint",
                    *(("recommended at this volume",) if picked else ())),
                   f"{line.rank}. {line.name}")
            for v, cost, ok, picked in zip(c.volumes, line.costs, line.feasible, line.picked)
        ]
        fig.add_trace(go.Scatter(
            x=list(c.volumes), y=list(line.costs), mode="lines+markers",
            name=esc(f"{line.rank}. {F.label(line.name, 40)}"), hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            line={"color": colour, "width": 2},
            marker={"size": [13 if p else 8 for p in line.picked],
                    "symbol": [("star" if p else "circle") if ok else "circle-open"
                               for ok, p in zip(line.feasible, line.picked)],
                    "color": colour},
        ))
    if c.budget is not None:
        fig.add_trace(go.Scatter(
            x=[c.volumes[0], c.volumes[-1]], y=[c.budget, c.budget], mode="lines",
            name=f"Budget {usd(c.budget)}/month", hoverinfo="name",
            line={"color": COLOURS["budget"], "dash": "dash", "width": 2},
        ))
    if c.current is not None:
        costs = [v for line in c.lines for v in line.costs if v == v]
        if costs:
            fig.add_trace(go.Scatter(
                x=[c.current, c.current], y=[min(costs), max(costs)], mode="lines",
                name=f"Current volume {num(c.current)}/day", hoverinfo="name",
                line={"color": "#555555", "dash": "dot", "width": 1.5},
            ))
    fig.update_xaxes(title=esc(c.x_title), type="log" if c.log_x else "linear",
                     separatethousands=True)
    fig.update_yaxes(title=esc(c.y_title), type="log" if c.log_y else "linear",
                     tickprefix="$", separatethousands=True, exponentformat="none")
    _notes(fig, tuple(c.changes))
    return fig


def _matrix(go: Any, c: F.MatrixChart) -> Any:
    fig = go.Figure()
    labels = [esc(v) for v in c.labels]
    for k, (criterion, values) in enumerate(zip(c.criteria, c.contributions)):
        fig.add_trace(go.Bar(
            x=list(values), y=labels, orientation="h", name=esc(criterion),
            marker={"color": SERIES[k % len(SERIES)]},
            hovertemplate="%{y}<br>" + esc(criterion) + ": %{x:.3f}<extra></extra>",
        ))
    fig.add_trace(go.Scatter(
        x=list(c.scores), y=labels, mode="text", name="Score",
        text=[f"{s:.3f}" + {F.PICK: " ★ recommended", F.INFEASIBLE: " (infeasible)"}.get(k, "")
              for s, k in zip(c.scores, c.kinds)],
        textposition="middle right", hovertemplate="%{y}<br>score %{x:.3f}<extra></extra>",
        showlegend=False,
    ))
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"},
                      height=_bars_height(len(c.labels)))
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)))
    fig.update_xaxes(title=esc(c.x_title), range=[0, max([*c.scores, 0.0]) * 1.3 or 1])
    _notes(fig, c.notes)
    return fig


def _routing(go: Any, c: F.RoutingChart) -> Any:
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=list(c.cost_per_1k), y=list(c.accuracy), mode="lines+markers", name="Thresholds",
        customdata=list(c.thresholds),
        hovertemplate=("threshold %{customdata:.4g}<br>$%{x:.4f} per 1k<br>"
                       "accuracy %{y:.2f}%<extra></extra>"),
        line={"color": SERIES[0]}, marker={"size": 5},
    ))
    if c.cost_per_1k:
        fig.add_trace(go.Scatter(
            x=[min(c.cost_per_1k), max(c.cost_per_1k)], y=[c.target, c.target], mode="lines",
            name=f"Target accuracy {pct(c.target)}", hoverinfo="name",
            line={"color": COLOURS["minimum"], "dash": "dot"},
        ))
    if c.chosen is not None:
        x, y, what = c.chosen
        fig.add_trace(go.Scatter(
            x=[x], y=[y], mode="markers", name=esc(what[:1].upper() + what[1:]),
            hovertemplate=esc(what) + "<extra></extra>",
            marker={"symbol": "star", "size": 18, "color": COLOURS[F.PICK],
                    "line": {"width": 1.5, "color": "#000000"}},
        ))
    fig.update_xaxes(title=esc(c.x_title), type="log" if c.log_x else "linear", tickprefix="$",
                     exponentformat="none")
    fig.update_yaxes(title=esc(c.y_title), ticksuffix="%")
    return fig


def _tornado(go: Any, c: F.TornadoChart) -> Any:
    fig = go.Figure()
    names = [esc(r.criterion) for r in c.rows]
    fig.add_trace(go.Bar(
        x=[r.high - r.low for r in c.rows], base=[r.low for r in c.rows], y=names,
        orientation="h", name="The pick holds", marker={"color": SERIES[4]},
        hovertext=[esc(r.text) for r in c.rows], hovertemplate="%{hovertext}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=[r.current for r in c.rows], y=names, mode="markers", name="Share now",
        marker={"symbol": "diamond", "size": 12, "color": "#000000"},
        hovertemplate="%{y}: share now %{x:.2f}<extra></extra>",
    ))
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(names)))
    fig.update_xaxes(title=esc(c.x_title), range=[0, 1])
    return fig


def _bars_height(n: int) -> int:
    """Room for n bars: at least the other charts' height, 26 px a bar beyond."""
    return max(HEIGHT_PX, 180 + 26 * n)


def _notes(fig: Any, notes: tuple[str, ...]) -> None:
    if notes:
        fig.add_annotation(text="<br>".join(esc(n) for n in notes), xref="paper",
                           yref="paper", x=0, y=1.0, xanchor="left", yanchor="bottom",
                           showarrow=False, align="left", font={"size": 11, "color": "#555"})


# Each builder takes its own chart class and `chart.key` picks the matching one, which a
# type cannot say of a dict: the chart is Any here (plotly's objects are Any anyway).
_BUILDERS: dict[str, Callable[[Any, Any], Any]] = {
    "frontier": _frontier, "cost_per_point": _bars, "volume": _volume,
    "matrix": _matrix, "routing": _routing, "tornado": _tornado,
}


# ------------------------------------------------------------------------- the page


def markdown_html(text: str) -> str:
    """GitHub-flavoured markdown (tables, fences) as HTML, raw HTML shown as text."""
    markdown_it = F.need("markdown_it", "report")
    md = markdown_it.MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"])
    return str(md.render(text))


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 1.5rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
.byline { color: #555; margin-top: 0; }
.summary { font-size: 1.1rem; background: #f6f8fa; border-left: 4px solid #E69F00;
           padding: .8rem 1rem; }
figure { margin: 1.5rem 0; }
figcaption { color: #555; font-size: .9rem; }
.chart { width: 100%; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; }
pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; font-size: .8rem; }
blockquote { color: #444; border-left: 3px solid #d0d7de; margin-left: 0; padding-left: 1rem; }
nav a { margin-right: 1rem; }
"""


def render_html(
    evaluation: Evaluation,
    session_path: Path | str | None = None,
    *,
    notes: list[str] | None = None,
) -> str:
    """The report of an evaluated session as one self-contained HTML page."""
    pio = F.need("plotly.io", "report")
    plotly_offline = F.need("plotly.offline", "report")
    from workbench.views.brief import summary_sentences
    from workbench.views.memo import render_memo

    session = evaluation.session
    memo = render_memo(session, notes=notes,
                       session_path=Path(session_path) if session_path is not None else None,
                       evaluation=evaluation)
    # The memo's first lines (its title and byline) are the page's header.
    memo_body = memo.split("\n", 3)[3] if memo.count("\n") >= 3 else memo
    byline = f"Interactive decision report written by workbench {__version__}"
    if session_path is not None:
        byline += f" from {Path(session_path).name}"
    if session.modified:
        byline += f"; session last modified {session.modified}"
    charts = []
    nav = []
    for key, title, fig in plotly_figures(evaluation):
        div = pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=key,
                          config=PLOTLY_CONFIG, default_height=f"{fig.layout.height}px",
                          default_width="100%", validate=True)
        charts.append(
            f'<figure id="figure-{key}"><div class="chart">{div}</div>'
            f"<figcaption>{html.escape(_CAPTIONS[key])}</figcaption></figure>")
        nav.append(f'<a href="#figure-{key}">{html.escape(title.split(":")[0])}</a>')
    summary = markdown_html(" ".join(summary_sentences(evaluation)))
    page = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(session.title)}</title>",
        f"<style>{_STYLE}</style>",
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>",
        f"<script>{plotly_offline.get_plotlyjs()}</script>",
        "</head>",
        "<body>",
        f"<header><h1>{esc(session.title)}</h1>",
        f'<p class="byline">{esc(byline)}.</p></header>',
        f'<section class="summary">{summary}</section>',
        f"<nav>{''.join(nav)}<a href=\"#memo\">Decision memo</a></nav>",
        "<main>",
        *charts,
        '<section id="memo"><h2>Decision memo</h2>',
        # The memo's sections sit under this one: its h2 become h3 (code is escaped,
        # so a literal "<h2>" can only be a heading markdown-it wrote).
        markdown_html(memo_body).replace("<h2>", "<h3>").replace("</h2>", "</h3>"),
        "</section>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(page) + "\n"
