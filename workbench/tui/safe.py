"""Strings from files, shown safely: the one helper every widget uses.

A model name, a title, a column header or a file name can hold terminal control
sequences (ESC, C1, bidi overrides) and Textual/Rich markup (`[@click=app.quit]x[/]`,
`[b]`). Where such a string is shown it goes through `literal`, which returns a
`rich.text.Text`: its control characters become visible escapes (`fmt.printable`, the
one definition of that) and, being a Text rather than a str, it is never parsed as
markup. The session keeps the exact string; only what is drawn is escaped.

Editable fields (Input, TextArea) are filled with `editable(value)` and give back the
exact value when the user did not change the text (`unedited`).

`TerminalSafe` is the last line of defence: a line filter on everything the app draws
that drops any control character a widget still holds (e.g. an Input a pane filled with
a raw column name). Rich gives those characters no width, so dropping them keeps every
line's layout; they are never written to the terminal.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter

from workbench.fmt import CONTROL, printable


def literal(value: Any, *, newlines: bool = False, style: str = "", cut: int | None = None,
            **options: Any) -> Text:
    """`value` as a Text shown exactly as written: controls as visible escapes (`\\x1b`),
    markup as plain characters. `newlines=True` keeps line breaks (notes); `cut` limits
    it to that many cells, ending in "…" (after escaping, so an escape never widens a
    column); `options` go to `Text` (justify, no_wrap, overflow, ...)."""
    text = Text(printable(value, newlines=newlines), style=style, **options)
    if cut is not None:
        text.truncate(cut, overflow="ellipsis")
    return text


def editable(value: str | None, *, newlines: bool = False) -> str:
    """The text to put in an Input (or, with `newlines=True`, a TextArea) for `value`:
    visible escapes instead of control characters. Tabs stay tabs in a TextArea."""
    text = value or ""
    if not newlines:
        return printable(text)
    return "\t".join(printable(part, newlines=True) for part in text.split("\t"))


def unedited(text: str, value: str | None, *, newlines: bool = False) -> bool:
    """True when a field filled with `editable(value)` still holds exactly that, so the
    exact `value` (controls and all) is kept rather than its escaped picture."""
    return value is not None and text == editable(value, newlines=newlines)


_TEXT = itemgetter(0)  # Segment.text


class TerminalSafe(LineFilter):
    """Drops control characters from drawn text (see the module docstring)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        # One search over the line's text, joined at C speed: it runs on every line of
        # every frame. (A control segment's own codes only send it to the slow path.)
        if not CONTROL.search("".join(map(_TEXT, segments))):
            return segments
        return [
            segment if segment.control else Segment(CONTROL.sub("", segment.text), segment.style)
            for segment in segments
        ]
