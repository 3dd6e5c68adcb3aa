"""Choose some names from a list (the volume chart's lines): space ticks, enter applies."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from workbench.tui.safe import literal


class PickScreen(ModalScreen["list[str] | None"]):
    AUTO_FOCUS = "#pick-list"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel"),
        Binding("enter", "accept", "Apply", id="pick.accept", priority=True),
    ]

    def __init__(self, title: str, names: list[str], chosen: set[str], *, limit: int,
                 note: str = "") -> None:
        super().__init__()
        self._title = title
        self._names = names
        self._chosen = chosen
        self._limit = limit
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog pick-dialog"):
            yield Static(literal(self._title), classes="dialog-title")
            yield SelectionList[str](
                *[Selection(literal(f"{i + 1}  {name}"), name, name in self._chosen)
                  for i, name in enumerate(self._names)], id="pick-list")
            yield Static("", id="pick-error", classes="dialog-hint")
            yield Static(literal(self._note), classes="dialog-keys")

    def chosen(self) -> list[str]:
        hits = self.query("#pick-list")
        if not hits:
            return []
        return list(hits.first(SelectionList).selected)

    @on(SelectionList.SelectedChanged)
    def _changed(self, event: SelectionList.SelectedChanged) -> None:
        count = len(self.chosen())
        self.query_one("#pick-error", Static).update(
            f"{count} chosen: at most {self._limit} are drawn" if count > self._limit else "")

    def action_accept(self) -> None:
        chosen = self.chosen()
        if len(chosen) > self._limit:
            self.query_one("#pick-error", Static).update(
                f"choose at most {self._limit} (now {len(chosen)})")
            return
        order = {n: i for i, n in enumerate(self._names)}
        self.dismiss(sorted(chosen, key=lambda n: order.get(n, 0)))

    def action_cancel(self) -> None:
        self.dismiss(None)
