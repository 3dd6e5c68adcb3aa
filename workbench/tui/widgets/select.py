"""A Select for forms: ↑ and ↓ move between fields, as they do in every value field.

Textual's Select opens its list on ↑ and ↓; in a form that means ↑ from the field
below stops on the list and opens it (issue #15). Here only enter and space open
the list, and ↑/↓ go to the previous/next field like `CommitField`s do.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Select

from workbench.tui.widgets.focus import move_focus


class FieldSelect(Select[Any]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "show_overlay", "Open list", show=False, id="select.open"),
        Binding("down", "move(1)", "Next field", show=False, id="select.next"),
        Binding("up", "move(-1)", "Previous field", show=False, id="select.previous"),
    ]

    def action_move(self, step: int) -> None:
        move_focus(self, step)
