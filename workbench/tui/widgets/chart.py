"""A scrollable panel that draws a text chart at its own size.

The plot is drawn to fill the visible height (or at a fixed height); the chart's
legend and key, which `workbench.views.charts` prints below the plot, scroll into view.
Resizing redraws. For large analyses the drawing runs in a thread worker (the charts
module serialises plotext with a lock) and the previous picture stays until the new
one is ready.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from workbench.fmt import printable

Draw = Callable[[int, "int | None"], str]
MIN_PLOT = 8


def to_text(chart: str) -> Text:
    """The chart's own colours (ANSI SGR from `workbench.views.charts`, whose labels are
    already one printable line each, see `charts.clean_label`) as a Text."""
    return Text.from_ansi(chart.rstrip("\n"), no_wrap=True, overflow="crop")


class ChartPanel(VerticalScroll):
    """`fill=True`: the plot is as tall as the panel; else `plot_height` (None: natural)."""

    DEFAULT_CSS = """
    ChartPanel { height: 1fr; scrollbar-gutter: stable; }
    ChartPanel > Static { width: 1fr; height: auto; }
    """

    def __init__(self, *, fill: bool = True, plot_height: int | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.fill = fill
        self.plot_height = plot_height
        self._draw: Draw | None = None
        self._threaded = False
        self._drawn: tuple[int, int | None, int] | None = None
        self._token = 0

    def compose(self) -> ComposeResult:
        yield Static("", classes="chart-text")

    def set_draw(self, draw: Draw | None, *, threaded: bool = False) -> None:
        self._draw = draw
        self._threaded = threaded
        self._token += 1
        self.redraw()

    def _chart_size(self) -> tuple[int, int | None]:
        region = self.scrollable_content_region
        height = region.height if self.fill else self.plot_height
        return region.width, height

    def redraw(self) -> None:
        width, height = self._chart_size()
        if self._draw is None or width < 8 or (height is not None and height < 3):
            return
        key = (width, height, self._token)
        if key == self._drawn:
            return
        self._drawn = key
        draw = self._draw
        fit = self.fill
        if self._threaded:
            self.run_worker(lambda: (key, self._safe(draw, width, height, fit)), thread=True,
                            exclusive=True, group="chart", name="chart")
            return
        self._show(self._safe(draw, width, height, fit))

    @staticmethod
    def _safe(draw: Draw, width: int, height: int | None, fit: bool) -> str:
        """Draw; when filling, shrink the plot once so the key below fits too, unless
        that would leave the plot less than 60% of the panel (then the key scrolls)."""
        try:
            chart = draw(width, height)
            if fit and height is not None:
                lines = chart.rstrip("\n").count("\n") + 1
                smaller = height - (lines - height)
                if lines > height and smaller >= max(MIN_PLOT, int(height * 0.6)):
                    chart = draw(width, smaller)
            return chart
        except Exception as exc:  # noqa: BLE001 - a chart must never take the app down
            # The message may quote a name; escaped, from_ansi finds no sequence in it.
            return f"chart unavailable: {printable(exc)}"

    def _show(self, chart: str) -> None:
        self.query_one(".chart-text", Static).update(to_text(chart))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "chart":
            return
        event.stop()
        if event.state == WorkerState.SUCCESS and event.worker.result is not None:
            key, chart = event.worker.result
            if key == self._drawn:
                self._show(chart)
        elif event.state == WorkerState.ERROR:
            self._show(f"chart unavailable: {printable(event.worker.error)}")

    def on_resize(self, event: events.Resize) -> None:
        self.redraw()

    def chart_text(self) -> str:
        """What is drawn, as plain text (for tests)."""
        return str(self.query_one(".chart-text", Static).render())
