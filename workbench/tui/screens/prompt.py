"""Small modal dialogs: one value, a form of values, a yes/no/cancel question.

Titles, labels and messages name models, columns and files, so they are drawn with
`safe.literal` (never as markup, controls as visible escapes). A value to edit is shown
escaped too (`safe.editable`); given back unchanged, it is the exact original value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from workbench.tui.safe import editable, literal, unedited
from workbench.tui.widgets.select import FieldSelect

Check = Callable[[str], "str | None"]  # returns an error message, or None when fine
# What a typed text is read as ("72.00% accuracy"); raises ValueError/InputError-like
# exceptions with the reason when it cannot be read.
Explain = Callable[[str], str]

# Dialogs focus their first field themselves (AUTO_FOCUS), so a key that arrives while
# a dialog is still being built finds nothing to crash on.


class PromptScreen(ModalScreen["str | None"]):
    """Ask for one value. Enter accepts (if `check` passes), Esc cancels. With
    `explain`, the line under the field says, as you type, what the text is read as."""

    AUTO_FOCUS = "#prompt-input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(
        self,
        title: str,
        label: str,
        value: str = "",
        *,
        placeholder: str = "",
        check: Check | None = None,
        hint: str = "",
        explain: Explain | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self._label = label
        self._value = value
        self._placeholder = placeholder
        self._check = check
        self._hint = hint
        self._explain = explain

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal(self._title), classes="dialog-title")
            yield Label(literal(self._label))
            yield Input(editable(self._value), placeholder=self._placeholder, id="prompt-input",
                        select_on_focus=True)
            yield Static(self._understood(self._value) if self._explain else literal(self._hint),
                         id="prompt-error", classes="dialog-hint")
            if self._explain and self._hint:
                yield Static(literal(self._hint, style="dim"), classes="dialog-note")
            yield Static("enter accept · esc cancel", classes="dialog-keys")

    def _understood(self, text: str) -> Text:
        assert self._explain is not None
        try:
            return literal(f"read as: {self._explain(text)}", style="green")
        except Exception as exc:  # noqa: BLE001 - any reason the text cannot be read
            return literal(getattr(exc, "message", None) or str(exc), style="red")

    @on(Input.Changed, "#prompt-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._explain is not None:
            self.query_one("#prompt-error", Static).update(self._understood(event.value))
            self.query_one(Input).remove_class("-invalid")

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = self._value if unedited(event.value, self._value) else event.value
        if self._check is not None:
            error = self._check(value)
            if error:
                self.query_one("#prompt-error", Static).update(literal(error))
                self.query_one(Input).add_class("-invalid")
                return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


FormCheck = Callable[[dict[str, str]], "str | None"]


FormField = tuple[str, str, str] | tuple[str, str, str, Sequence[str]]


class FormScreen(ModalScreen["dict[str, str] | None"]):
    """Ask for several values at once (e.g. a new candidate's columns, a ledger item).
    A field with choices is a list (enter opens it; ↑ ↓ move between fields)."""

    AUTO_FOCUS = ".form-dialog Input, .form-dialog Select"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s,f2", "accept", "Accept", id="dialog.accept", show=False),
    ]

    def __init__(
        self, title: str, fields: Sequence[FormField], *, check: FormCheck | None = None,
        note: str = "",
    ) -> None:
        """`fields`: (key, label, initial value[, choices])."""
        super().__init__()
        self._title = title
        self._fields = list(fields)
        self._check = check
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog"):
            yield Static(literal(self._title), classes="dialog-title")
            for field in self._fields:
                key, label, value = field[0], field[1], field[2]
                with Horizontal(classes="form-row"):
                    yield Label(literal(label), classes="form-label")
                    if len(field) > 3:
                        choices: Sequence[str] = field[3]
                        yield FieldSelect([(literal(c), c) for c in choices], id=f"field-{key}",
                                          value=value if value in choices else Select.NULL,
                                          prompt="choose", compact=True)
                    else:
                        yield Input(editable(value), id=f"field-{key}", compact=True,
                                    select_on_focus=True)
            if self._note:
                yield Static(literal(self._note, style="dim"), classes="dialog-note")
            yield Static("", id="form-error", classes="dialog-hint")
            yield Static("tab/↓ next field · enter accept · esc cancel", classes="dialog-keys")

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for field in self._fields:
            key, value = field[0], field[2]
            widget: Any = self.query_one(f"#field-{key}")
            if isinstance(widget, Select):
                out[key] = "" if widget.value is Select.NULL else str(widget.value)
                continue
            text = widget.value
            out[key] = value if unedited(text, value) else text
        return out

    def action_accept(self) -> None:
        self._accept()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._accept()

    def _accept(self) -> None:
        values = self.values()
        if self._check is not None:
            error = self._check(values)
            if error:
                self.query_one("#form-error", Static).update(literal(error))
                return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen["str | None"]):
    """A question with up to three answers, each with its own key."""

    AUTO_FOCUS = "Button"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, message: str, choices: list[tuple[str, str, str]]) -> None:
        """`choices`: (result, key, label); the first is the default button."""
        super().__init__()
        self._title = title
        self._message = message
        self._choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm-dialog"):
            yield Static(literal(self._title), classes="dialog-title")
            yield Static(literal(self._message), classes="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                for i, (result, key, label) in enumerate(self._choices):
                    shown = "esc" if key == "escape" else key
                    yield Button(literal(f"{label} ({shown})"), id=f"choice-{result}", compact=True,
                                 variant="primary" if i == 0 else "default")

    def on_key(self, event: events.Key) -> None:
        for result, key, _ in self._choices:
            if event.key == key:
                event.stop()
                self.dismiss(result)
                return

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        assert event.button.id is not None
        self.dismiss(event.button.id.removeprefix("choice-"))

    def action_cancel(self) -> None:
        self.dismiss(None)
