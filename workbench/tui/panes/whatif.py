"""Pane 5: what if the volume changes, what is one more accuracy point worth, and what
the cost model says. `v` switches views:

- sweep: the volume sweep (who is recommended at each volume) and the accuracy delta
  (errors avoided, cost per avoided error, net value per month); from the `-wide`
  breakpoint the volume chart sits beside the delta;
- chart: monthly cost by volume, for the candidates it names above the plot (`p`
  chooses them; by default the top four and every candidate the sweep recommends);
- costs: the cost model: how each candidate is priced, instances and capacity at
  each sweep volume, API-or-self-host break-evens, reserve-or-not answers and the
  cost-of-ownership ledger (`l` edits its items).

At 80 columns tables use compact figures ($75k) and short headers.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Label, Select, Static

from workbench.fmt import num, printable, usd, usd_short
from workbench.parse import parse_optional as parse_number
from workbench.tui.panes.base import Pane
from workbench.tui.safe import literal
from workbench.tui.state import LARGE_TABLE, Snapshot
from workbench.tui.widgets import charts
from workbench.tui.widgets.chart import ChartPanel
from workbench.tui.widgets.field import CommitField, Outcome, apply_now
from workbench.tui.widgets.select import FieldSelect
from workbench.tui.widgets.tables import WorkbenchTable

SWEEP_COLUMNS_MAX = 6  # per-candidate cost columns in the sweep table, small tables only
BASELINE_OPTIONS = 100
DELTA_ROWS = 100
VOLUME_PLOT = 14  # lines of the volume plot; its key follows below
PICK_OPTIONS = 100  # candidates offered when choosing the chart's lines
NAME_CUT_NARROW = 22
COST_ROWS = 50


def _shown_table(table_id: str) -> WorkbenchTable:
    """A table the cost-model view shows in full: the view scrolls (j/k, pgdn), not it."""
    table = WorkbenchTable(id=table_id, cursor_type="none", zebra_stripes=True)
    table.can_focus = False
    return table


def _error_cost(text: str) -> float | None:
    return parse_number(text, blank_ok=True, minimum=0.0)


class WhatIfPane(Pane):
    PRIMARY = "#sweep-table"
    TITLE = "What-if · cost model"
    VIEWS = ("sweep", "chart", "costs")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "next_view", "Sweep/chart/costs", id="whatif.view",
                tooltip="Switch view: volume sweep and accuracy delta, volume chart, cost model"),
        Binding("p", "pick_lines", "Lines", id="whatif.pick_lines",
                tooltip="Choose which candidates the volume chart draws"),
        Binding("l", "ledger", "Ledger", id="whatif.ledger", show=False,
                tooltip="Cost-of-ownership ledger items: add, edit, delete"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._baseline_names: list[str] = []
        self.chart_names: list[str] | None = None  # None: the chart's own choice

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="whatif-scroll"):
            with Vertical(id="sweep-box"):
                yield Static("Volume sweep", classes="section-title", id="sweep-title")
                yield WorkbenchTable(id="sweep-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="sweep-note")
            with Container(id="whatif-lower"):
                with Vertical(id="chart-box"):
                    yield Static("", id="chart-lines")
                    yield ChartPanel(id="volume-chart", fill=False, plot_height=VOLUME_PLOT)
                with Vertical(id="delta-box"):
                    yield Static("Accuracy delta", classes="section-title")
                    with Horizontal(classes="form-row"):
                        yield Label("Baseline", classes="form-label")
                        yield FieldSelect([], prompt="the recommendation", id="baseline-select",
                                          compact=True)
                    with Horizontal(classes="form-row"):
                        yield Label("Error cost $", classes="form-label")
                        yield CommitField(_error_cost, self._apply_error_cost,
                                          label="Error cost $", id="error-cost",
                                          placeholder="none")
                    yield Static("", id="error-cost-note", classes="field-note")
                    yield Static("", id="delta-summary")
                    yield WorkbenchTable(id="delta-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="costs-view"):
            yield Static("", id="costs-summary")
            yield Static("How each candidate is priced", classes="section-title")
            yield _shown_table("priced-table")
            yield Static("API or self-host? Reserve or not?", classes="section-title")
            yield Static("", id="questions")
            yield Static("Instances needed by volume", classes="section-title",
                         id="capacity-title")
            yield _shown_table("capacity-table")
            yield Static("Cost of ownership ledger (l: edit items)", classes="section-title")
            yield Static("", id="ledger-text")

    def primary(self) -> Widget | None:
        return self.query_one({"chart": "#volume-chart", "costs": "#costs-view"}.get(
            self.view, "#sweep-table"))

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        if self.view == "costs":
            self._draw_costs(snapshot)
            return
        self._draw_sweep(snapshot)
        self._draw_chart(snapshot)
        self._draw_inputs(snapshot)
        self._draw_delta(snapshot)

    # ---- volume sweep ------------------------------------------------------

    def _draw_sweep(self, snapshot: Snapshot) -> None:
        analysis = snapshot.analysis
        sweep = analysis.volume_sweep
        table = self.query_one("#sweep-table", WorkbenchTable)
        note = self.query_one("#sweep-note", Static)
        narrow = self.narrow
        money = usd_short if narrow else usd
        if sweep is None:
            table.replace_rows([("none", "")], [])
            note.update(Text("Set a volume per day (pane 2) to see the sweep.", style="dim"))
            return
        names = analysis.table["name"].tolist()
        per_candidate = len(names) <= SWEEP_COLUMNS_MAX
        header: list[tuple[str, Any]] = [
            ("volume", Text("Volume/day", justify="right")),
            ("mult", Text("×", justify="right")),
            ("rec", "Recommendation"),
            ("cost", Text("Its $/mo" if narrow else "Its $/month", justify="right")),
        ]
        if per_candidate:
            header += [(f"n:{n}", literal(n, justify="right", cut=10 if narrow else 14))
                       for n in names]
        rows = []
        previous = None
        for j, m in enumerate(sweep.multipliers.tolist()):
            pick = sweep.recommendations[j]
            changed = j > 0 and pick != previous
            previous = pick
            now = math.isclose(m, 1.0)
            style = "bold yellow" if changed else ("bold" if now else "")
            cells: list[Any] = [
                Text(num(sweep.volumes_per_day[j]), justify="right", style="bold" if now else ""),
                Text(f"{m:g}" + (" now" if now else ""), justify="right"),
                literal(("↳ " if changed else "") + (pick or "none feasible"), style=style,
                        cut=NAME_CUT_NARROW if narrow else None),
            ]
            if pick is not None:
                cost = sweep.monthly_cost_usd[analysis.position(pick), j]
                cells.append(Text(money(cost), justify="right"))
            else:
                cells.append(Text("", justify="right"))
            if per_candidate:
                for i, _ in enumerate(names):
                    ok = bool(sweep.feasible[i, j])
                    cells.append(Text(money(sweep.monthly_cost_usd[i, j]) + ("" if ok else " ✗"),
                                      justify="right", style="" if ok else "red"))
            rows.append((str(j), cells))
        keep, _ = table.cursor_keys()
        table.replace_rows(header, rows, keep_row=keep)
        table.fixed_columns = 3 if narrow else 0
        budget = snapshot.session.scenario.constraints.monthly_budget_usd
        parts = ["↳ pick changes", "✗ breaks a constraint"]
        if budget is not None:
            parts.append(f"budget {usd(budget)}/mo")
        parts.append("v: chart, costs")
        note.update(Text(" · ".join(parts), style="dim"))

    # ---- volume chart ------------------------------------------------------

    def _draw_chart(self, snapshot: Snapshot) -> None:
        from workbench.views.charts import VOLUME_MAX_LINES, volume_chart_rows

        analysis = snapshot.analysis
        lines = self.query_one("#chart-lines", Static)
        names = self.chart_names
        if names is not None:
            names = [n for n in names if analysis.position(n) is not None]
        rows = volume_chart_rows(analysis, names) if analysis.volume_sweep is not None else []
        n = len(analysis.table)
        if analysis.volume_sweep is None:
            lines.update("")
        else:
            drawn = analysis.table["name"].iloc[rows].tolist()
            how = ("chosen with p" if names is not None else
                   "the top 4 by rank and every pick of the sweep")
            text = Text(f"Lines: {len(rows)} of {n:,} candidates ({how}; at most "
                        f"{VOLUME_MAX_LINES}) · p: choose", style="dim")
            if len(rows) < n and len(rows) <= 6:
                text.append("\nDrawn: ", style="dim")
                text.append_text(literal(", ".join(f"{r + 1} {printable(name)}"
                                                   for r, name in zip(rows, drawn))))
            lines.update(text)
        self.query_one("#volume-chart", ChartPanel).set_draw(
            charts.volume(analysis, names), threaded=snapshot.size > LARGE_TABLE)

    def action_pick_lines(self) -> None:
        from workbench.tui.screens.pick import PickScreen
        from workbench.views.charts import VOLUME_MAX_LINES, volume_chart_rows

        if self.snapshot is None:
            return
        analysis = self.snapshot.analysis
        if analysis.volume_sweep is None:
            self.notify("The volume chart needs a volume per day (pane 2).", severity="warning")
            return
        names = analysis.table["name"].head(PICK_OPTIONS).astype(str).tolist()
        current = set(analysis.table["name"].iloc[volume_chart_rows(analysis, self.chart_names)]
                      .astype(str).tolist())

        def done(chosen: list[str] | None) -> None:
            if chosen is None:
                return
            self.chart_names = chosen or None
            if self.view != "chart" and not self.screen.has_class("-wide") \
                    and not self.screen.has_class("-widest"):
                self.set_view("chart")
            else:
                self.redraw()

        self.app.push_screen(PickScreen(
            "Lines of the volume chart", names, current, limit=VOLUME_MAX_LINES,
            note=f"space: draw or not · enter: apply · at most {VOLUME_MAX_LINES} lines · "
                 "none: the default choice"), done)

    # ---- accuracy delta ------------------------------------------------------

    def _draw_inputs(self, snapshot: Snapshot) -> None:
        analysis = snapshot.analysis
        whatif = snapshot.session.scenario.whatif
        names = analysis.table["name"].head(BASELINE_OPTIONS).astype(str).tolist()
        if whatif.baseline is not None and whatif.baseline not in names:
            names.append(whatif.baseline)
        select = self.query_one("#baseline-select", Select)
        with select.prevent(Select.Changed):
            if names != self._baseline_names:
                self._baseline_names = names
                select.set_options([(literal(n), n) for n in names])
            wanted = Select.NULL if whatif.baseline is None else whatif.baseline
            if select.value != wanted:
                select.value = wanted
        cost = whatif.error_cost_usd
        self.query_one("#error-cost", CommitField).show("" if cost is None else f"{cost:g}")

    def _draw_delta(self, snapshot: Snapshot) -> None:
        analysis = snapshot.analysis
        delta = analysis.accuracy_delta
        table = self.query_one("#delta-table", WorkbenchTable)
        summary = self.query_one("#delta-summary", Static)
        narrow = self.narrow
        if delta is None:
            table.replace_rows([("none", "")], [])
            summary.update("")
            return
        text = Text()
        text.append(f"Baseline {printable(delta.baseline)}", style="bold")
        text.append(f" ({printable(delta.baseline_reason)})")
        if delta.value_of_one_point_usd is not None:
            text.append("\nOne more accuracy point is worth ")
            text.append(f"{usd(delta.value_of_one_point_usd)}/month", style="bold green")
            text.append(" (1% of the monthly volume × the cost of one error)", style="dim")
        elif delta.error_cost_usd is None:
            text.append("\nType the cost of one error to see net values.", style="dim")
        if len(delta.rows) > DELTA_ROWS:
            text.append(f"\nshowing {DELTA_ROWS} of {len(delta.rows):,} by rank", style="dim")
        summary.update(text)
        rows_frame = delta.rows.head(DELTA_ROWS)
        has_net = "net_monthly_value_usd" in rows_frame.columns
        money = usd_short if narrow else usd
        header: list[tuple[str, Any]] = [
            ("name", "Candidate"),
            ("dacc", Text("Δacc pp" if narrow else "Δ acc pp", justify="right")),
            ("avoided", Text("Avoided/mo" if narrow else "Errors avoided/mo", justify="right")),
            ("dcost", Text("Δ$/mo" if narrow else "Δ $/month", justify="right")),
            ("per", Text("$/avoided" if narrow else "$/avoided error", justify="right")),
        ]
        if has_net:
            header.append(("net", Text("Net $/mo" if narrow else "Net $/month", justify="right")))
        rows = []
        records = rows_frame.to_dict(orient="records")
        for rec in records:
            avoided = rec["errors_avoided_per_month"]
            cells: list[Any] = [
                literal(rec["name"], style="bold" if rec["name"] == delta.baseline else "",
                        cut=NAME_CUT_NARROW if narrow else None),
                Text(f"{rec['delta_accuracy_pp']:+.2f}", justify="right"),
                Text(usd_short(avoided).lstrip("$") if narrow and abs(avoided) >= 10_000
                     else num(avoided), justify="right"),
                Text(money(rec["delta_monthly_cost_usd"]), justify="right"),
                Text(usd(rec["cost_per_avoided_error_usd"], 4), justify="right"),
            ]
            if has_net:
                net = rec["net_monthly_value_usd"]
                style = ("" if math.isnan(net) else
                         "green" if net > 0 else "red" if net < 0 else "")
                cells.append(Text(money(net), justify="right", style=style))
            rows.append((str(rec["name"]), cells))
        keep, _ = table.cursor_keys()
        table.replace_rows(header, rows, keep_row=keep)
        table.fixed_columns = 1

    @on(Select.Changed, "#baseline-select")
    def _baseline(self, event: Select.Changed) -> None:
        event.stop()
        value = None if event.value is Select.NULL else str(event.value)
        self.edit(lambda s: s.with_scenario(whatif=replace(s.scenario.whatif, baseline=value)),
                  "baseline", origin=event.select)

    def _apply_error_cost(self, field: CommitField, value: float | None) -> Outcome:
        return apply_now(field, lambda s: s.with_scenario(
            whatif=replace(s.scenario.whatif, error_cost_usd=value)), "cost of one error")

    @on(CommitField.Noted)
    def _field_noted(self, event: CommitField.Noted) -> None:
        event.stop()
        note = self.query_one("#error-cost-note", Static)
        note.update(event.rich())
        note.set_class(bool(event.text), "-shown")

    # ---- cost model ----------------------------------------------------------------

    def _draw_costs(self, snapshot: Snapshot) -> None:
        analysis = snapshot.analysis
        narrow = self.narrow
        money = usd_short if narrow else usd
        table = analysis.table
        priced = analysis.pricing
        summary = self.query_one("#costs-summary", Static)
        if priced is None:
            summary.update(Text(
                "Every candidate has its own cost per 1k: nothing is priced per token or on "
                "instances. Give a candidate token prices (usd_per_1m_input_tokens ...) or an "
                "instance (hourly_usd and throughput_per_s, or instance) and set its pricing "
                "mode with m on pane 1; pane 2's Pricing group sets tokens per request, "
                "utilization and the plan.", style="dim"))
        else:
            modes = [str(m) for m in priced.modes]
            counts = {m: modes.count(m) for m in dict.fromkeys(modes)}
            summary.update(Text("Priced: " + ", ".join(f"{n} {m.replace('_', ' ')}"
                                                        for m, n in counts.items())
                                + f" · {priced.hours_per_month:g} h/month, "
                                f"peak/average {priced.peak_to_average:g}", style="bold"))
        header: list[tuple[str, Any]] = [("name", "Candidate"), ("as", "Priced as")]
        columns = [("cost_per_1k", "$/1k", lambda v: usd(v, 4))]
        if "instances" in table.columns:
            columns.append(("instances", "Inst.", num))
        columns.append(("monthly_cost_usd", "$/mo" if narrow else "$/month", money))
        if "tco_monthly_usd" in table.columns:
            columns.append(("tco_monthly_usd", "TCO/mo" if narrow else "TCO $/month", money))
        header += [(c, Text(label, justify="right")) for c, label, _ in columns]
        rows = []
        for row_label, row in table.head(COST_ROWS).iterrows():
            priced_as = str(row.get("priced_as", "per_inference")).replace("_", " ")
            cells: list[Any] = [literal(row["name"], cut=NAME_CUT_NARROW if narrow else None),
                                literal(priced_as)]
            cells += [Text(f(row[c]) if row[c] == row[c] else "", justify="right")
                      for c, _, f in columns]
            rows.append((str(row_label), cells))
        widget = self.query_one("#priced-table", WorkbenchTable)
        keep, _ = widget.cursor_keys()
        widget.replace_rows(header, rows, keep_row=keep)
        widget.fixed_columns = 1
        self._draw_capacity(snapshot)
        self.query_one("#questions", Static).update(self._questions(snapshot))
        self.query_one("#ledger-text", Static).update(self._ledger(snapshot))

    def _draw_capacity(self, snapshot: Snapshot) -> None:
        import numpy as np

        analysis = snapshot.analysis
        priced = analysis.pricing
        widget = self.query_one("#capacity-table", WorkbenchTable)
        title = self.query_one("#capacity-title", Static)
        sweep = analysis.volume_sweep
        if priced is None or not priced.is_instance.any() or sweep is None:
            title.update("Instances needed by volume: no candidate is priced on instances"
                         + ("" if sweep is not None or priced is None else " (or no volume)"))
            widget.replace_rows([("none", "")], [])
            return
        title.update("Instances needed by volume (at the target utilization)")
        rows_idx = [int(i) for i in np.flatnonzero(priced.is_instance)][:6]
        grid = priced.instances_at(sweep.volumes_per_day)  # (volumes, n) in table order
        header: list[tuple[str, Any]] = [("volume", Text("Volume/day", justify="right"))]
        header += [(f"i:{i}", literal(priced.names[i], justify="right", cut=14)) for i in rows_idx]
        rows = []
        for j, v in enumerate(sweep.volumes_per_day.tolist()):
            now = math.isclose(float(sweep.multipliers[j]), 1.0)
            cells: list[Any] = [Text(num(v) + (" now" if now else ""), justify="right",
                                     style="bold" if now else "")]
            cells += [Text(num(grid[j, i]), justify="right") for i in rows_idx]
            rows.append((str(j), cells))
        widget.replace_rows(header, rows)

    def _questions(self, snapshot: Snapshot) -> Text:
        questions = snapshot.evaluation.cost_questions
        text = Text()
        if questions is None:
            text.append("Only candidates priced on instances raise these questions.", style="dim")
            return text
        for api, host, answer in questions.break_evens:
            text.append(f"{printable(api)} or {printable(host)}: ", style="bold")
            if answer.volume_per_day is None:
                text.append(f"{printable(answer.explanation)}\n")
            else:
                text.append(f"self-hosting is cheaper above {num(answer.volume_per_day)}/day"
                            + (f" ({num(answer.instances)} instances)" if answer.instances else "")
                            + "\n")
        for host, one, three in questions.reserve:
            text.append(f"{printable(host)}: ", style="bold")
            parts = []
            # Its own name: `answer` above is a BreakEven, these are ReserveAnswers.
            for reserve in (one, three):
                verdict = "saves" if reserve.saving_monthly_usd > 0 else "costs"
                parts.append(f"{reserve.label} {verdict} "
                             f"{usd(abs(reserve.saving_monthly_usd))}/month (worth it above "
                             f"{reserve.break_even_utilization:.0%} duty)")
            text.append("; ".join(parts) + "\n")
        text.rstrip()
        return text

    def _ledger(self, snapshot: Snapshot) -> Text:
        ledger = snapshot.analysis.ledger
        items = snapshot.session.scenario.tco.items
        text = Text()
        if ledger is None:
            text.append(f"{len(items)} item(s); " if items else "No ledger items; ", style="dim")
            text.append("l adds one (labeling, maintenance, monitoring...)", style="dim")
            return text
        pick = snapshot.analysis.recommendation
        i = ledger.names.index(pick.name) if pick is not None and pick.name in ledger.names else 0
        text.append(f"{printable(ledger.names[i])} over {ledger.horizon_months:g} months:\n",
                    style="bold")
        for line in ledger.lines:
            text.append(f"  {printable(line.name)}: {usd(line.monthly_usd[i])}/month "
                        f"({printable(line.formula)})\n")
        text.append(f"  total {usd(ledger.total_monthly_usd[i])}/month, "
                    f"{usd(ledger.total_horizon_usd[i])} over the horizon", style="bold")
        return text

    def action_ledger(self) -> None:
        from workbench.tui.screens.ledger import LedgerScreen

        self.app.push_screen(LedgerScreen())
