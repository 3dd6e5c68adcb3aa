"""Pane 3: the cost-accuracy frontier and the cost of one accuracy point.

The two charts sit side by side from the `-wide` breakpoint on (app.tcss); the bars of
cost per 1% accuracy are in rank order or, with `o`, cheapest first.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container

from workbench.tui.panes.base import Pane
from workbench.tui.state import LARGE_TABLE, Snapshot
from workbench.tui.widgets import charts
from workbench.tui.widgets.chart import ChartPanel

BAR_ORDERS = ("rank", "value")


class FrontierPane(Pane):
    PRIMARY = "#frontier-chart"
    TITLE = "Frontier"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "bar_order", "Sort bars", id="frontier.bar_order",
                tooltip="Cost-per-1% bars: rank order, or cheapest first"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.bar_order = "rank"

    def compose(self) -> ComposeResult:
        with Container(id="frontier-body"):
            yield ChartPanel(id="frontier-chart", fill=True)
            yield ChartPanel(id="bars-chart", fill=False, plot_height=None)

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        analysis = snapshot.analysis
        threaded = snapshot.size > LARGE_TABLE
        self.query_one("#frontier-chart", ChartPanel).set_draw(charts.frontier(analysis),
                                                               threaded=threaded)
        self.query_one("#bars-chart", ChartPanel).set_draw(
            charts.cost_bars(analysis, self.bar_order), threaded=threaded)

    def action_bar_order(self) -> None:
        self.bar_order = BAR_ORDERS[(BAR_ORDERS.index(self.bar_order) + 1) % len(BAR_ORDERS)]
        self.notify("Cost-per-1% bars: " + ("rank order" if self.bar_order == "rank"
                                            else "cheapest first") + " (o switches)")
        self.redraw()
