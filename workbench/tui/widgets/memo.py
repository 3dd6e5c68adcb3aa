"""The memo as a line-API view: markdown rendered once per width, lines drawn on demand.

Rich renders the markdown (headings, tables, code fences with the charts) to lines a
single time per width; the view then only hands out the visible lines. Textual's
Markdown widget builds a widget per block instead (hundreds for a memo), which makes
every layout and focus change in the pane slow.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class MemoView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    MemoView { height: 1fr; padding: 0 1; overflow-x: hidden; scrollbar-gutter: stable; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", show=False),
        Binding("k", "scroll_up", show=False),
        Binding("g", "scroll_home", show=False),
        Binding("G", "scroll_end", show=False),
        Binding("space", "page_down", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.markdown = ""
        self._lines: list[Strip] = []
        self._width = -1

    def set_markdown(self, text: str) -> None:
        if text == self.markdown and self._lines:
            return
        self.markdown = text
        self._width = -1
        self._layout_lines()

    def _layout_lines(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._width:
            return
        self._width = width
        from rich.markdown import Markdown  # only when the report pane is opened

        console = self.app.console
        options = console.options.update(width=width, height=None, highlight=False)
        rendered = console.render_lines(
            Markdown(self.markdown, code_theme="ansi_dark", inline_code_theme="ansi_dark",
                     hyperlinks=False),
            options,
            pad=False,
        )
        self._lines = [Strip(Segment.simplify(line)) for line in rendered]
        self.virtual_size = Size(width, len(self._lines))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._layout_lines()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, style)
        return self._lines[index].crop_extend(0, width, style).apply_style(style)

    def plain_text(self) -> str:
        return "\n".join(strip.text.rstrip() for strip in self._lines)
