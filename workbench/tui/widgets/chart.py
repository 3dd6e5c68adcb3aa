"""A Static that draws a text chart at its own size and redraws when resized."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.widgets import Static

Draw = Callable[[int, int], str]


class ChartView(Static):
    """Holds a draw function `(width, height) -> str` (ANSI allowed)."""

    DEFAULT_CSS = """
    ChartView { width: 1fr; height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self._draw: Draw | None = None
        self._drawn_at: tuple[int, int, int] | None = None
        self._token = 0

    def set_draw(self, draw: Draw | None) -> None:
        self._draw = draw
        self._token += 1
        self.redraw()

    def redraw(self) -> None:
        width, height = self.content_region.width, self.content_region.height
        if self._draw is None or width < 8 or height < 3:
            return
        key = (width, height, self._token)
        if key == self._drawn_at:
            return
        self._drawn_at = key
        try:
            text = self._draw(width, height)
        except Exception as exc:  # a chart must never take the app down
            self.update(Text(f"chart unavailable: {exc}", style="red"))
            return
        self.update(Text.from_ansi(text, no_wrap=True, overflow="crop"))

    def on_resize(self, event: events.Resize) -> None:
        self.redraw()
