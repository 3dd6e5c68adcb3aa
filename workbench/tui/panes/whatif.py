"""Pane 5: what if the volume changes, and what is one more accuracy point worth."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual import events, on
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Select, Static

from workbench.fmt import num, printable, usd
from workbench.parse import parse_optional as parse_number
from workbench.tui.panes.base import Pane
from workbench.tui.safe import literal
from workbench.tui.state import LARGE_TABLE, Snapshot
from workbench.tui.widgets import charts
from workbench.tui.widgets.chart import ChartPanel
from workbench.tui.widgets.field import CommitField, Outcome, apply_now
from workbench.tui.widgets.tables import WorkbenchTable

WIDE = 110
SWEEP_COLUMNS_MAX = 6  # per-candidate cost columns in the sweep table, small tables only
BASELINE_OPTIONS = 100
DELTA_ROWS = 100
VOLUME_PLOT = 14  # lines of the volume plot; its key follows below


def _error_cost(text: str) -> float | None:
    return parse_number(text, blank_ok=True, minimum=0.0)


class WhatIfPane(Pane):
    PRIMARY = "#sweep-table"
    TITLE = "What-if"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._baseline_names: list[str] = []

    def compose(self):  # type: ignore[no-untyped-def]
        with VerticalScroll(id="whatif-scroll"):
            with Vertical(id="sweep-box"):
                yield Static("Volume sweep", classes="section-title")
                yield WorkbenchTable(id="sweep-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="sweep-note")
            with Container(id="whatif-lower"):
                yield ChartPanel(id="volume-chart", fill=False, plot_height=VOLUME_PLOT)
                with Vertical(id="delta-box"):
                    yield Static("Accuracy delta", classes="section-title")
                    with Horizontal(classes="form-row"):
                        yield Label("Baseline", classes="form-label")
                        yield Select([], prompt="the recommendation", id="baseline-select",
                                     compact=True)
                    with Horizontal(classes="form-row"):
                        yield Label("Error cost $", classes="form-label")
                        yield CommitField(_error_cost, self._apply_error_cost,
                                          label="Error cost $", id="error-cost",
                                          placeholder="none")
                    yield Static("", id="error-cost-note", classes="field-note")
                    yield Static("", id="delta-summary")
                    yield WorkbenchTable(id="delta-table", cursor_type="row", zebra_stripes=True)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE, "-wide")

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        self._draw_sweep(snapshot)
        self.query_one("#volume-chart", ChartPanel).set_draw(
            charts.volume(snapshot.analysis), threaded=snapshot.size > LARGE_TABLE)
        self._draw_inputs(snapshot)
        self._draw_delta(snapshot)

    # ---- volume sweep ------------------------------------------------------

    def _draw_sweep(self, snapshot: Snapshot) -> None:
        analysis = snapshot.analysis
        sweep = analysis.volume_sweep
        table = self.query_one("#sweep-table", WorkbenchTable)
        note = self.query_one("#sweep-note", Static)
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
            ("cost", Text("Its $/month", justify="right")),
        ]
        if per_candidate:
            header += [(f"n:{n}", literal(n, justify="right", cut=14))
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
                literal(("↳ " if changed else "") + (pick or "none feasible"), style=style),
            ]
            if pick is not None:
                cells.append(Text(usd(sweep.monthly_cost_usd[analysis.position(pick), j]), justify="right"))
            else:
                cells.append(Text("", justify="right"))
            if per_candidate:
                for i, _ in enumerate(names):
                    ok = bool(sweep.feasible[i, j])
                    cells.append(Text(usd(sweep.monthly_cost_usd[i, j]) + ("" if ok else " ✗"),
                                      justify="right", style="" if ok else "red"))
            rows.append((str(j), cells))
        keep, _ = table.cursor_keys()
        table.replace_rows(header, rows, keep_row=keep)
        budget = snapshot.session.scenario.constraints.monthly_budget_usd
        parts = ["↳ the pick changes", "✗ breaks a constraint"]
        if budget is not None:
            parts.append(f"budget {usd(budget)}/month")
        note.update(Text(" · ".join(parts), style="dim"))

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
        header: list[tuple[str, Any]] = [
            ("name", "Candidate"),
            ("dacc", Text("Δ acc pp", justify="right")),
            ("avoided", Text("Errors avoided/mo", justify="right")),
            ("dcost", Text("Δ $/month", justify="right")),
            ("per", Text("$/avoided error", justify="right")),
        ]
        if has_net:
            header.append(("net", Text("Net $/month", justify="right")))
        rows = []
        records = rows_frame.to_dict(orient="records")
        for rec in records:
            cells: list[Any] = [
                literal(rec["name"], style="bold" if rec["name"] == delta.baseline else ""),
                Text(f"{rec['delta_accuracy_pp']:+.2f}", justify="right"),
                Text(num(rec["errors_avoided_per_month"]), justify="right"),
                Text(usd(rec["delta_monthly_cost_usd"]), justify="right"),
                Text(usd(rec["cost_per_avoided_error_usd"], 4), justify="right"),
            ]
            if has_net:
                net = rec["net_monthly_value_usd"]
                style = "" if math.isnan(net) else ("green" if net > 0 else "red" if net < 0 else "")
                cells.append(Text(usd(net), justify="right", style=style))
            rows.append((str(rec["name"]), cells))
        keep, _ = table.cursor_keys()
        table.replace_rows(header, rows, keep_row=keep)

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
