"""Small modal dialogs: one value, a form of values, a yes/no/cancel question.

Titles, labels and messages name models, columns and files, so they are drawn with
`safe.literal` (never as markup, controls as visible escapes). A value to edit is shown
escaped too (`safe.editable`); given back unchanged, it is the exact original value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from workbench.tui.safe import editable, literal, unedited

Check = Callable[[str], "str | None"]  # returns an error message, or None when fine


class PromptScreen(ModalScreen["str | None"]):
    """Ask for one value. Enter accepts (if `check` passes), Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(
        self,
        title: str,
        label: str,
        value: str = "",
        *,
        placeholder: str = "",
        check: Check | None = None,
        hint: str = "",
    ) -> None:
        super().__init__()
        self._title = title
        self._label = label
        self._value = value
        self._placeholder = placeholder
        self._check = check
        self._hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal(self._title), classes="dialog-title")
            yield Label(literal(self._label))
            yield Input(editable(self._value), placeholder=self._placeholder, id="prompt-input",
                        select_on_focus=True)
            yield Static(literal(self._hint), id="prompt-error", classes="dialog-hint")
            yield Static("enter accept · esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

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


class FormScreen(ModalScreen["dict[str, str] | None"]):
    """Ask for several values at once (e.g. a new candidate's columns)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(
        self, title: str, fields: list[tuple[str, str, str]], *, check: FormCheck | None = None
    ) -> None:
        """`fields`: (key, label, initial value)."""
        super().__init__()
        self._title = title
        self._fields = fields
        self._check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog"):
            yield Static(literal(self._title), classes="dialog-title")
            for key, label, value in self._fields:
                with Horizontal(classes="form-row"):
                    yield Label(literal(label), classes="form-label")
                    yield Input(editable(value), id=f"field-{key}", compact=True, select_on_focus=True)
            yield Static("", id="form-error", classes="dialog-hint")
            yield Static("tab next field · enter accept · esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, _, value in self._fields:
            text = self.query_one(f"#field-{key}", Input).value
            out[key] = value if unedited(text, value) else text
        return out

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
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

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

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

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
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
