"""Pane 3: the cost-accuracy frontier and the cost of one accuracy point."""

from __future__ import annotations

from textual import events
from textual.containers import Container

from workbench.tui.panes.base import Pane
from workbench.tui.state import LARGE_TABLE, Snapshot
from workbench.tui.widgets import charts
from workbench.tui.widgets.chart import ChartPanel

WIDE = 110  # columns from which the two charts sit side by side


class FrontierPane(Pane):
    PRIMARY = "#frontier-chart"
    TITLE = "Frontier"

    def compose(self):  # type: ignore[no-untyped-def]
        with Container(id="frontier-body"):
            yield ChartPanel(id="frontier-chart", fill=True)
            yield ChartPanel(id="bars-chart", fill=False, plot_height=None)

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        analysis = snapshot.analysis
        threaded = snapshot.size > LARGE_TABLE
        self.query_one("#frontier-chart", ChartPanel).set_draw(charts.frontier(analysis),
                                                               threaded=threaded)
        self.query_one("#bars-chart", ChartPanel).set_draw(charts.cost_bars(analysis),
                                                           threaded=threaded)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE, "-wide")
