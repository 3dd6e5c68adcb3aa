"""Pane 3: the cost-accuracy frontier and the cost of one accuracy point."""

from __future__ import annotations

from textual import events
from textual.containers import Container
from textual.widgets import Static

from workbench.tui.panes.base import Pane
from workbench.tui.state import Snapshot
from workbench.tui.widgets import charts
from workbench.tui.widgets.chart import ChartView

WIDE = 110  # columns from which the two charts sit side by side


class FrontierPane(Pane):
    TITLE = "Frontier"

    def compose(self):  # type: ignore[no-untyped-def]
        with Container(id="frontier-body"):
            with Container(id="frontier-main", classes="chart-box"):
                yield Static("Cost vs accuracy  (★ frontier)", classes="section-title")
                yield ChartView(id="frontier-chart")
            with Container(id="frontier-side", classes="chart-box"):
                yield Static("Cost per 1% accuracy", classes="section-title")
                yield ChartView(id="bars-chart")

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        analysis = snapshot.analysis
        self.query_one("#frontier-chart", ChartView).set_draw(charts.frontier(analysis))
        self.query_one("#bars-chart", ChartView).set_draw(charts.cost_bars(analysis))

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE, "-wide")
