"""↑ and ↓ between the fields of one pane: one definition for fields, lists and buttons.

`Screen.focus_next/previous` walk the whole screen: from a pane's first field ↑ landed
on the form's scroll container (where ↑/↓ only scroll and never come back to a field)
or on the tab strip. Moving stays among the pane's own fields instead (scroll
containers are not fields), and at either end the focus stays where it is.
"""

from __future__ import annotations

from textual.containers import ScrollableContainer
from textual.scroll_view import ScrollView
from textual.widget import Widget
from textual.widgets import TabPane


def move_focus(widget: Widget, step: int) -> None:
    """Focus the next (step > 0) or previous field of `widget`'s pane, if there is one."""
    pane: Widget | None = next(
        (a for a in widget.ancestors if isinstance(a, TabPane)), None)
    fields = [
        w for w in widget.screen.focus_chain
        if (w is widget or not _container(w)) and (pane is None or pane in w.ancestors)
    ]
    if widget not in fields:  # not in the chain (e.g. being removed): the screen's order
        (widget.screen.focus_next if step > 0 else widget.screen.focus_previous)()
        return
    at = fields.index(widget) + (1 if step > 0 else -1)
    if 0 <= at < len(fields):
        # Now, as focus_next does (widget.focus() would wait a turn, and keys typed
        # right after ↓ would land in the field being left).
        widget.screen.set_focus(fields[at])


def _container(w: Widget) -> bool:
    """A scrolling container of fields (VerticalScroll...), not a field that scrolls its
    own content (a DataTable or a TextArea is a ScrollView)."""
    return isinstance(w, ScrollableContainer) and not isinstance(w, ScrollView)
