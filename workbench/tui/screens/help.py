"""`?` / F1: every key of the workbench, by pane, built from the bindings themselves.

Keys a user remapped in their keymap file (see `workbench.tui.keymap`) are shown as
remapped; every row names its binding id, the name the keymap file uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from workbench.tui.app import WorkbenchApp

Section = tuple[str, list[tuple[str, str]]]


KEY_NAMES = {
    "question_mark": "?", "plus": "+", "minus": "-", "equals_sign": "=", "escape": "esc",
    "delete": "del", "right": "→", "left": "←", "up": "↑", "down": "↓", "f1": "F1",
    "less_than_sign": "<", "greater_than_sign": ">",
}


def key_name(key: str) -> str:
    """How the help spells a key: ctrl+s, shift+tab, ?, +, →."""
    key = key.strip()
    return KEY_NAMES.get(key, key)


def binding_rows(bindings: list[Binding], skip: set[str] | None = None,
                 long: bool = False, keymap: dict[str, str] | None = None,
                 ids: bool = False) -> list[tuple[str, str]]:
    """(keys, description) rows, merging bindings that share an action; `long`: the
    binding's tooltip (a sentence) where it has one, not its footer label; `keymap`:
    the user's keys for a binding id replace its own; `ids`: name each binding's id."""
    rows: dict[str, tuple[list[str], str]] = {}
    for b in bindings:
        if not b.description or (skip and b.action in skip):
            continue
        text = (long and b.tooltip) or b.description
        if ids and b.id:
            text = f"{text}  [{b.id}]"
        keys, _ = rows.setdefault(b.action, ([], text))
        for key in ((keymap or {}).get(b.id or "", "") or b.key).split(","):
            shown = key_name(key)
            if shown and shown not in keys:
                keys.append(shown)
    return [(" ".join(keys), desc) for keys, desc in rows.values()]


def field_rows() -> list[tuple[str, str]]:
    """How a value field takes a value (every validated field: panes 2, 5 and 7), read
    from the field's own bindings, plus what its bindings cannot say."""
    from workbench.tui.widgets.field import CommitField

    return [("1-8 u q ? s …", "typed as text: a field changes nothing until applied"),
            *binding_rows(_bindings(CommitField), long=True),
            ("leaving", "a valid value is applied; an invalid one goes back to the "
                        "applied value, and the pane says so"),
            ("ctrl+s", "applies the field first; a value that cannot be applied is not saved")]


def _bindings(cls: Any) -> list[Binding]:
    return [b for b in getattr(cls, "BINDINGS", ()) if isinstance(b, Binding)]


def all_bindings(app: WorkbenchApp) -> list[tuple[str, list[Binding]]]:
    """Every binding the workbench has, by where it works."""
    from workbench.tui.app import PANES, pane_class
    from workbench.tui.panes.constraints import CriteriaTable
    from workbench.tui.panes.matrix import WeightsTable
    from workbench.tui.screens.prompt import ConfirmScreen
    from workbench.tui.widgets.field import CommitField

    out = [("Everywhere", _bindings(type(app))), ("Value fields", _bindings(CommitField)),
           ("Criteria table", _bindings(CriteriaTable)),
           ("Critical weights", _bindings(WeightsTable))]
    for pane_id, label, _ in PANES:
        out.append((label, _bindings(pane_class(pane_id))))
    out.append(("Dialogs", _bindings(ConfirmScreen) + _bindings(HelpScreen)))
    return out


def help_sections(app: WorkbenchApp) -> list[Section]:
    from workbench.tui.app import PANES, pane_class
    from workbench.tui.keymap import keymap_path
    from workbench.tui.panes.constraints import CriteriaTable
    from workbench.tui.panes.matrix import WeightsTable

    keymap: dict[str, str] = dict(getattr(app, "_keymap", {}) or {})
    app_bindings = _bindings(type(app))
    everywhere = {f"app.{b.action}" for b in app_bindings}
    path = keymap_path()
    sections: list[Section] = [
        ("Everywhere", [(" ".join(str(i) for i in range(1, len(PANES) + 1)),
                         "switch pane (outside text fields)"),
                        ("ctrl+p", "command palette: every command, by name"),
                        *binding_rows([b for b in app_bindings
                                       if not b.action.startswith("show_pane")],
                                      keymap=keymap, ids=True)]),
        ("Tables", [("↑ ↓ ← → h j k l", "move"), ("g G", "top, bottom"),
                    ("pgup pgdn", "page"), ("y", "copy the cell (the exact figure)")]),
        ("Value fields (panes 2, 5, 7)", field_rows()),
        ("Other fields", [("tab shift+tab ↑ ↓", "next, previous field"),
                          ("enter space", "open a list (↑ ↓ never open it)"),
                          ("f7", "select all (text area)")]),
    ]
    for pane_id, label, _ in PANES:
        cls = pane_class(pane_id)
        rows = binding_rows(_bindings(cls), skip=everywhere, keymap=keymap, ids=True, long=True)
        if pane_id == "candidates":
            rows.insert(0, ("enter", "edit the cell (says how it read what you typed)"))
        if pane_id == "constraints":
            rows = [*binding_rows(_bindings(CriteriaTable), keymap=keymap, ids=True), *rows,
                    ("↑ ↓", "between fields, applying the one you leave; ↑ on the "
                            "table's top row: to the fields")]
        if pane_id == "matrix":
            rows += [("(robustness view)", ""), *binding_rows(
                _bindings(WeightsTable), keymap=keymap, ids=True, long=True)]
        if rows:
            sections.append((f"{label} ({cls.TITLE})", rows))
    state = "found" if path.exists() else "not found: the default keys apply"
    sections.append(("Your keys", [
        ("keymap file", f"{path} ({state})"),
        ("format", 'one line per binding: "file.save" = "ctrl+s,f2" (ids in [brackets] above)'),
    ]))
    return sections


class HelpScreen(ModalScreen[None]):
    AUTO_FOCUS = "#help-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close", id="help.close"),
        Binding("j,down", "scroll('down')", show=False),
        Binding("k,up", "scroll('up')", show=False),
    ]

    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        self._sections = sections

    def compose(self) -> ComposeResult:
        parts: list[RenderableType] = []
        for title, rows in self._sections:
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold", no_wrap=True, min_width=18)
            table.add_column()
            for keys, description in rows:
                table.add_row(Text(keys), Text(description))
            parts += [Text(title, style="bold underline"), table, Text("")]
        with Vertical(classes="dialog help-dialog"):
            yield Static("Keys", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(Group(*parts))
            yield Static("esc close · j/k scroll · ctrl+p commands", classes="dialog-keys")

    def action_scroll(self, direction: str) -> None:
        hits = self.query("#help-body")
        if not hits:
            return
        body = hits.first(VerticalScroll)
        if direction == "down":
            body.scroll_down(animate=False)
        else:
            body.scroll_up(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
