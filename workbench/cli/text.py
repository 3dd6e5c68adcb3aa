"""The analysis as rich tables for a terminal (`--format text`). A view: no maths here.

Imports rich, so the engine modules never import this one. Every string that came from
a file (names, criterion columns, reasons, notes) goes through `_literal`: its control
characters become visible escapes (`fmt.printable`) and, as a `Text`, rich never reads
it as markup (a name `[link=http://x]a[/]` prints as written).
"""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from workbench.analysis import Analysis
from workbench.fmt import num, pct, printable, usd

SHOWN_ROWS = 50  # candidates listed; --format csv or json lists every one


def _literal(value: object, style: str = "") -> Text:
    return Text(printable(value), style=style)


def render(analysis: Analysis, extra_notes: list[str] | None = None) -> Group:
    a = analysis
    parts: list[object] = []
    w = a.scenario.workload
    c = a.scenario.constraints
    head = Text()
    head.append("Workload ", style="bold")
    head.append(
        f"{num(w.volume_per_day)}/day x {num(w.days_per_month)} days = "
        f"{num(w.monthly_volume)}/month"
        if w.volume_per_day is not None
        else "no volume (costs per 1k)"
    )
    limits = []
    if c.monthly_budget_usd is not None:
        limits.append(
            f"budget {usd(c.monthly_budget_usd)}/month"
            + ("" if w.volume_per_day is not None else " (NOT CHECKED: no volume per day)")
        )
    if c.max_latency_ms is not None:
        limits.append(f"latency <= {num(c.max_latency_ms)} ms")
    if c.min_accuracy is not None:
        limits.append(f"accuracy >= {num(c.min_accuracy)}%")
    limits += [f"{printable(k)} <= {num(v)}" for k, v in c.max.items()]
    limits += [f"{printable(k)} >= {num(v)}" for k, v in c.min.items()]
    head.append("\nConstraints ", style="bold")
    head.append(", ".join(limits) if limits else "none")
    parts.append(head)
    rec = Text()
    if a.recommendation:
        r = a.row(a.recommendation.name)
        rec.append("Recommendation: ", style="bold green")
        rec.append(printable(a.recommendation.name), style="bold")
        rec.append(
            f" ({pct(r['accuracy'])}, {num(r['latency_ms'])} ms, "
            + (f"{usd(r['monthly_cost_usd'])}/month" if w.volume_per_day is not None
               else f"{usd(r['cost_per_1k'], 4)}/1k")
            + f"): {printable(a.recommendation.reason)}"
        )
    else:
        rec.append("No recommendation: ", style="bold red")
        rec.append(printable(a.no_recommendation_reason))
    parts.append(rec)

    monthly = w.volume_per_day is not None
    t = Table(title="Candidates (rank order; F * = on the cost-accuracy frontier)",
              title_justify="left", expand=False, pad_edge=False)
    t.add_column("#", justify="right")
    t.add_column("F", width=1)
    t.add_column("Candidate", overflow="fold", min_width=12, max_width=30)
    t.add_column("Acc %", justify="right")
    t.add_column("ms", justify="right")
    t.add_column("$/month" if monthly else "$/1k", justify="right")
    t.add_column("Score", justify="right")
    t.add_column("Feasible", overflow="fold")
    shown = a.table.head(SHOWN_ROWS)  # only the rows shown are read, whatever the size
    for i in range(len(shown)):
        r = shown.iloc[i]
        feas = "yes" if r["feasible"] else "; ".join(a.violations_at(i))
        t.add_row(
            str(int(r["rank"])),
            "*" if r["pareto"] else "",
            _literal(r["name"]),
            f"{r['accuracy']:.2f}",
            num(r["latency_ms"]),
            usd(r["monthly_cost_usd"]) if monthly else usd(r["cost_per_1k"], 4),
            f"{r['score']:.3f}",
            _literal(feas, style="green" if r["feasible"] else "red"),
        )
    parts.append(t)
    if len(a.table) > SHOWN_ROWS:
        parts.append(Text(f"... {len(a.table) - SHOWN_ROWS} more candidates "
                          "(use --format csv or json)"))

    m = Table(title="Decision matrix: contribution = weight x normalized value",
              title_justify="left", pad_edge=False)
    m.add_column("#", justify="right")
    m.add_column("Candidate", overflow="fold", max_width=24)
    for cr in a.criteria:
        m.add_column(_literal(cr.column).append(f"\n{cr.direction} w{cr.weight:.2f}"),
                     justify="right")
    m.add_column("Score", justify="right")
    contributions = a.contributions.iloc[:15]
    for i in range(min(len(a.table), 15)):
        r = a.table.iloc[i]
        m.add_row(
            str(int(r["rank"])), _literal(r["name"]),
            *[f"{contributions.iloc[i][cr.column]:.3f}" for cr in a.criteria],
            f"{r['score']:.3f}",
        )
    parts.append(m)

    if a.volume_sweep is not None:
        s = a.volume_sweep
        v = Table(title="What-if: volume", title_justify="left", pad_edge=False)
        v.add_column("x", justify="right")
        v.add_column("Volume/day", justify="right")
        v.add_column("Recommendation", overflow="fold")
        v.add_column("Its $/month", justify="right")
        for j, mult in enumerate(s.multipliers):
            pick = s.recommendations[j]
            pos = a.position(pick) if pick is not None else None
            cost = s.monthly_cost_usd[pos, j] if pos is not None else None
            v.add_row(f"{mult:g}", num(s.volumes_per_day[j]), _literal(pick or "none feasible"),
                      usd(cost))
        parts.append(v)

    d = a.accuracy_delta
    if d is not None and w.volume_per_day is not None:
        dt = Table(title=_literal(f"What-if: accuracy against {d.baseline}"), title_justify="left",
                   pad_edge=False)
        dt.add_column("Candidate", overflow="fold", max_width=28)
        dt.add_column("Δ pp", justify="right")
        dt.add_column("Errors avoided/mo", justify="right")
        dt.add_column("Δ $/month", justify="right")
        dt.add_column("$/avoided error", justify="right")
        has_net = "net_monthly_value_usd" in d.rows.columns
        if has_net:
            dt.add_column("Net $/month", justify="right")
        for rec_ in d.rows.head(15).to_dict(orient="records"):
            row: list[str | Text] = [_literal(rec_["name"]), f"{rec_['delta_accuracy_pp']:+.2f}",
                   num(rec_["errors_avoided_per_month"]), usd(rec_["delta_monthly_cost_usd"]),
                   usd(rec_["cost_per_avoided_error_usd"], 4)]
            if has_net:
                row.append(usd(rec_["net_monthly_value_usd"]))
            dt.add_row(*row)
        parts.append(dt)
        if d.value_of_one_point_usd is not None:
            parts.append(Text(f"One more point of accuracy for {printable(d.baseline)} is worth "
                              f"{usd(d.value_of_one_point_usd)}/month at "
                              f"{usd(d.error_cost_usd)} per error."))
    notes = [*(extra_notes or []), *a.notes]
    if notes:
        nt = Text("Notes\n", style="bold")
        for n in notes:
            nt.append(f"- {printable(n)}\n", style="dim")
        parts.append(nt)
    return Group(*parts)  # type: ignore[arg-type]


def to_text(analysis: Analysis, extra_notes: list[str] | None = None, width: int | None = None,
            color: bool = False) -> str:
    console = Console(width=width or 100, record=True, no_color=not color,
                      force_terminal=color, color_system="standard" if color else None,
                      file=io.StringIO())
    console.print(render(analysis, extra_notes))
    text = console.export_text(styles=color)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
