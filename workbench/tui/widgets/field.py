"""A value field that changes the session only when its value is committed (issue #8).

Every validated text field of the TUI (pane 2's workload, constraints and limits, pane
5's error cost, pane 7's routing form) is a `CommitField`, so all of them take a value
the same way:

- Typing only edits the text. Every key that prints is text (`1`..`7`, `u`, `q`, `?`),
  never a pane or app command; the field is tinted and its pane shows the reason as
  soon as the text does not parse, but the session is not touched.
- enter commits the text (if it parses and the engine accepts it) and goes back to the
  pane's main widget, where the pane's keys work again. Text that does not parse, or
  that the engine refuses, stays in the field, marked, with the reason shown.
- Leaving the field (tab, ↑/↓, a click elsewhere) commits a valid text; an invalid one
  is replaced by the last applied value, and the pane says so.
- esc puts back the last applied value and goes back to the pane.
- ctrl+z first undoes the typing; in an unedited field it is the app's undo.

One commit is one edit, hence one undo step. The pane gives the field its `apply`
function and redraws it with `show` from each new session; the field keeps what the
user is typing across redraws that do not change its own value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal, Protocol, cast

from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Input

from workbench.tui.messages import EditRejected, SessionChange
from workbench.tui.widgets.focus import move_focus

# What became of a commit: in the session now, on its way (a background analysis or a
# routing simulation decides later, through `refused` or the next `show`), or refused.
Outcome = Literal["applied", "pending", "refused"]
Apply = Callable[["CommitField", Any], Outcome]
# Kinds of note a field posts for its pane to show: its text does not parse; the engine
# refused the committed value; a left field went back to the applied value; all clear.
NoteKind = Literal["invalid", "refused", "restored", "clear"]


class ParsedBy(Validator):
    """Valid when `parse(text)` does not raise ValueError; its message is shown."""

    def __init__(self, parse: Callable[[str], Any]) -> None:
        super().__init__()
        self._parse = parse

    def validate(self, value: str) -> ValidationResult:
        try:
            self._parse(value)
        except ValueError as exc:
            return self.failure(str(exc))
        return self.success()


class EditsSession(Protocol):
    """The part of the app that applies an edit at once (`WorkbenchApp`)."""

    busy: bool

    def apply_edit(self, change: SessionChange, label: str, *, coalesce: str | None = None,
                   origin: object | None = None) -> bool: ...


def apply_now(widget: Widget, change: SessionChange, label: str) -> Outcome:
    """Apply `change` through the app right away rather than by a posted SessionEdited:
    keys queued behind enter (`u`, ctrl+s, a pane key) must find the edit in the session
    already. No coalescing: each committed value is one undo step."""
    app = cast(EditsSession, widget.app)
    if not app.apply_edit(change, label, origin=widget):
        return "refused"  # the reason arrives as EditRejected, posted to `widget`
    return "pending" if app.busy else "applied"


def shown(text: str) -> str:
    """An applied value as a note quotes it."""
    return repr(text) if text else "none"


class FormInput(Input):
    """A compact Input whose own keys act in turn with the typing (see `_on_key`), not
    as bindings found when the key has bubbled up to the app: keys typed fast behind
    them would reach the field first. So text typed right after ↓ or tab (a paste of
    "PATH<tab>COLUMN") lands in the next field. A form field that is not a session
    value (pane 8's log path) is one of these; `CommitField` builds on it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,tab", "move(1)", "Next field", show=False, id="field.next",
                tooltip="go to the next field"),
        Binding("up,shift+tab", "move(-1)", "Previous field", show=False,
                id="field.previous", tooltip="go to the previous field"),
    ]

    def action_move(self, step: int) -> None:
        move_focus(self, step)  # leaving commits a CommitField, see its `_on_blur`

    async def _on_key(self, event: events.Key) -> None:
        """Keys arrive here in the order they were typed (Input's own handler runs next,
        unless this one took the key)."""
        if self.screen.focused is not self:
            # Typed ahead of a key that moved the focus (enter, ↓): not this field's text.
            event.stop()
            event.prevent_default()
            self.app.post_message(events.Key(event.key, event.character))
            return
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return


class CommitField(FormInput):
    """A compact Input bound to one session value; see the module docstring."""

    # In turn with the typing, as in `FormInput`: `25000 enter u` applies 25000 and then
    # undoes it. (↓ and tab as FormInput's, said as a value field does them: the help
    # screen lists these.)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "commit", "Apply", id="field.apply",
                tooltip="apply the value and go back to the pane's keys"),
        Binding("escape", "restore", "Restore", id="field.restore",
                tooltip="put back the applied value and go back to the pane's keys"),
        Binding("down,tab", "move(1)", "Next field", show=False, id="field.next",
                tooltip="apply (if valid) and go to the next field"),
        Binding("up,shift+tab", "move(-1)", "Previous field", show=False,
                id="field.previous", tooltip="apply (if valid) and go to the previous field"),
        Binding("ctrl+z", "undo_typing", "Undo typing", show=False, id="field.undo_typing",
                tooltip="undo the typing (in an unedited field: undo the last edit)"),
    ]

    class Noted(Message):
        """Something the pane should show about this field; `text` names the field."""

        def __init__(self, field: CommitField, kind: NoteKind, text: str) -> None:
            super().__init__()
            self.field = field
            self.kind = kind
            self.text = text

        def rich(self) -> Text:
            style = {"invalid": "red", "refused": "red", "restored": "yellow"}.get(self.kind, "")
            return Text(self.text, style=style)

    def __init__(self, parse: Callable[[str], Any], apply: Apply, *, label: str,
                 value: str = "", placeholder: str = "", id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(value, placeholder=placeholder, id=id, classes=classes, compact=True,
                         validators=[ParsedBy(parse)], validate_on=["changed"])
        self.parse = parse
        self.label = label
        self.applied = value  # the session's value, as the pane formats it
        self._apply = apply
        self._landing = False  # a commit is on its way: the next `show` is its result
        self._left_to: Widget | None = None  # where enter sent the focus

    # ---- state -------------------------------------------------------------------

    @property
    def edited(self) -> bool:
        """The text differs from the applied value (typing not committed yet)."""
        return self.value != self.applied

    def problem(self) -> str | None:
        """Why the text does not parse, or None."""
        try:
            self.parse(self.value)
        except ValueError as exc:
            return str(exc)
        return None

    def show(self, text: str) -> None:
        """Show the session's value. Typing survives a redraw that leaves this value as
        it was; a change to it (undo, redo, another pane, the field's own commit) wins."""
        if text == self.applied and self.edited and not self._landing:
            return
        self._landing = False
        self.applied = text
        self._put(text)

    # ---- committing ----------------------------------------------------------------

    def commit(self) -> bool:
        """Apply the text; False (the text kept and marked) if it does not parse or the
        engine refuses it. An unedited field, or a text that means the applied value
        (`15,000` for `15000`), commits nothing."""
        if not self.edited or self._landing:
            return True
        error = self.problem()
        if error is not None:
            self._mark()
            self._note("invalid", f"{error} (not applied)")
            return False
        value = self.parse(self.value)
        try:
            same = value == self.parse(self.applied)
        except ValueError:  # e.g. an empty routing log: anything valid is a change
            same = False
        if same:
            self._put(self.applied)
            return True
        self._landing = True
        outcome = self._apply(self, value)
        if outcome == "refused":
            self._landing = False
            self._mark()
            return False
        if outcome == "applied" and self._landing:
            self.show(self.applied)  # the app found nothing to change: show its value
        return True

    def settle(self) -> str | None:
        """Before the session is saved, exported or closed: commit the typing. None if
        the session now holds what the field shows (or will: an applied value on its way),
        else a sentence saying what was left out (the text stays in the field)."""
        if not self.edited:
            return None
        error = self.problem()
        typed, kept = shown(self.value), shown(self.applied)
        if error is not None:
            self._mark()
            self._note("invalid", f"{error} (not applied)")
            return f"{self.label} {typed} was not applied ({error}); the session keeps {kept}"
        if not self.commit():
            return f"{self.label} {typed} was refused; the session keeps {kept}"
        if self._landing:
            return f"{self.label} {typed} is still being applied; the session keeps {kept} for now"
        return None

    def refused(self, error: str) -> None:
        """The engine refused the committed value. If the user is in the field, or where
        enter took them, the text stays (the field focused) marked with the reason; if they
        have moved on, the field goes back to the applied value and says so."""
        self._landing = False
        focused = self.screen.focused
        if focused is self or (focused is not None and focused is self._left_to):
            self._mark()
            self._note("refused", f"{error} (not applied)")
            if focused is not self:
                self.focus()
            return
        self._note("restored", f"{error}: not applied, back to {shown(self.applied)}")
        self._put(self.applied)

    # ---- keys and focus --------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo_typing":
            return self.edited  # False lets ctrl+z reach the app's undo
        return super().check_action(action, parameters)

    def action_commit(self) -> None:
        if self.commit():
            self._leave()

    def action_restore(self) -> None:
        self._put(self.applied)
        self._note("clear", "")
        self._leave()

    def action_undo_typing(self) -> None:
        self._put(self.applied)
        self._note("clear", "")

    def _on_focus(self, event: events.Focus) -> None:  # Input's own runs too (MRO)
        self._left_to = None

    def _on_blur(self, event: events.Blur) -> None:  # Input's own runs too (MRO)
        if not self.edited or self._landing:
            return
        error = self.problem()
        if error is None:
            self.commit()  # a refusal comes back through `refused`
            return
        self._note("restored", f"{error}: not applied, back to {shown(self.applied)}")
        self._put(self.applied)

    def _leave(self) -> None:
        """Back to the pane's main widget, as esc does outside a field."""
        from workbench.tui.panes.base import Pane  # panes import this module

        pane = next((a for a in self.ancestors if isinstance(a, Pane)), None)
        target = pane.primary() if pane is not None else None
        if target is not None and target.focusable:
            self._left_to = target
            self.screen.set_focus(target, scroll_visible=False)
        else:
            self.screen.set_focus(None)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        """While typing: say at once when the text does not parse (nothing is applied)."""
        event.stop()
        error = self.problem() if self.edited else None
        if error is not None:
            self._note("invalid", f"{error} (not applied)")
        else:
            self._note("clear", "")

    @on(EditRejected)
    def _rejected(self, event: EditRejected) -> None:
        event.stop()
        self.refused(event.error)

    # ---- drawing -----------------------------------------------------------------------

    def _put(self, text: str) -> None:
        """Set the text without it counting as typing; clear any mark."""
        if self.value != text:
            with self.prevent(Input.Changed):
                self.value = text
            self.cursor_position = len(text)
        self.remove_class("-invalid")

    def _mark(self) -> None:
        self.remove_class("-valid")
        self.add_class("-invalid")

    def _note(self, kind: NoteKind, text: str) -> None:
        self.post_message(self.Noted(self, kind, f"{self.label}: {text}" if text else ""))
