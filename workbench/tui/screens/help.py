"""`?` / F1: every key of the workbench, by pane, built from the bindings themselves."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

Section = tuple[str, list[tuple[str, str]]]


KEY_NAMES = {
    "question_mark": "?", "plus": "+", "minus": "-", "equals_sign": "=", "escape": "esc",
    "delete": "del", "right": "→", "left": "←", "up": "↑", "down": "↓", "f1": "F1",
}


def key_name(key: str) -> str:
    """How the help spells a key: ctrl+s, shift+tab, ?, +, →."""
    key = key.strip()
    return KEY_NAMES.get(key, key)


def binding_rows(bindings: list[Binding], skip: set[str] | None = None,
                 long: bool = False) -> list[tuple[str, str]]:
    """(keys, description) rows, merging bindings that share an action; `long`: the
    binding's tooltip (a sentence) where it has one, not its footer label."""
    rows: dict[str, tuple[list[str], str]] = {}
    for b in bindings:
        if not b.description or (skip and b.action in skip):
            continue
        keys, _ = rows.setdefault(b.action, ([], (long and b.tooltip) or b.description))
        for key in b.key.split(","):
            shown = key_name(key)
            if shown not in keys:
                keys.append(shown)
    return [(" ".join(keys), desc) for keys, desc in rows.values()]


def field_rows() -> list[tuple[str, str]]:
    """How a value field takes a value (every validated field: panes 2, 5 and 7), read
    from the field's own bindings, plus what its bindings cannot say."""
    from workbench.tui.widgets.field import CommitField

    return [("1-7 u q ? s …", "typed as text: a field changes nothing until applied")] + (
        binding_rows(list(CommitField.BINDINGS), long=True)  # type: ignore[arg-type]
    ) + [("leaving", "a valid value is applied; an invalid one goes back to the "
                     "applied value, and the pane says so"),
         ("ctrl+s", "applies the field first; a value that cannot be applied is not saved")]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close", id="help.close"),
        Binding("j,down", "scroll('down')", show=False),
        Binding("k,up", "scroll('up')", show=False),
    ]

    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        self._sections = sections

    def compose(self) -> ComposeResult:
        parts: list[object] = []
        for title, rows in self._sections:
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold", no_wrap=True, min_width=18)
            table.add_column()
            for keys, description in rows:
                table.add_row(keys, description)
            parts += [Text(title, style="bold underline"), table, Text("")]
        with Vertical(classes="dialog help-dialog"):
            yield Static("Keys", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(Group(*parts))
            yield Static("esc close · j/k scroll · ctrl+p commands", classes="dialog-keys")

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        if direction == "down":
            body.scroll_down(animate=False)
        else:
            body.scroll_up(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
