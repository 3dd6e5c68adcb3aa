"""Pane 6: the decision memo, with the title, notes and the recorded decision; and the
exports for the people who decide: the memo (ctrl+e), the interactive HTML report (h),
the one-page brief (b), the slide deck (d) and chart images (i PNG, I SVG), each asking
where (and before replacing a file), written off the UI thread.

Undo here (`u` on the memo) undoes the report's own text, never the analysis inputs
edited on the other panes (see `workbench.tui.history`).

The fields show the session's text with control characters as visible escapes
(`safe.editable`); a field the user does not type in leaves the session's exact text
alone, and what the user types is stored as shown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Label, Select, Static, TextArea
from textual.worker import Worker, WorkerState

from workbench.fmt import printable
from workbench.tui.panes.base import Pane
from workbench.tui.safe import editable, literal
from workbench.tui.state import LARGE_TABLE, Snapshot
from workbench.tui.widgets.memo import MemoView
from workbench.tui.widgets.select import FieldSelect

CHOICES_MAX = 100
MEMO_DELAY = 0.4  # seconds of quiet typing before the memo is re-rendered
_NONE = object()  # no own edit recorded for a field


def _memo(snapshot: Snapshot) -> str:
    try:
        from workbench.views.memo import render_memo

        return render_memo(snapshot.session, notes=list(snapshot.notes),
                           session_path=snapshot.path, analysis=snapshot.analysis)
    except Exception as exc:  # noqa: BLE001 - the memo must never take the pane down
        return f"The memo could not be rendered: {printable(exc)}"


class ReportPane(Pane):
    PRIMARY = "#memo-scroll"
    TITLE = "Report"
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: a field's own ctrl+e (end of line) must not hide the export here
        Binding("ctrl+e", "app.export('memo')", "Memo", id="report.export", priority=True,
                tooltip="Export the memo (markdown)"),
        Binding("h", "app.export('html')", "HTML", id="report.export_html",
                tooltip="Export the interactive HTML report"),
        Binding("b", "app.export('brief')", "Brief", id="report.export_brief",
                tooltip="Export the one-page brief (markdown)"),
        Binding("d", "app.export('deck')", "Deck", id="report.export_deck",
                tooltip="Export the slide deck (PowerPoint)"),
        Binding("i", "app.export('png')", "Images", id="report.export_png",
                tooltip="Export the charts as PNG images"),
        Binding("I", "app.export('svg')", "SVG", id="report.export_svg", show=False,
                key_display="I", tooltip="Export the charts as SVG images"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._choices: list[str] = []
        self._memo_timer: Timer | None = None
        self._memo_source: str | None = None
        # selector -> the session value the field's own last edit produced: a redraw to
        # that value comes from the user's typing there, anything else (undo, redo,
        # another session) overwrites the field even when it has focus.
        self._produced: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        with Container(id="report-body"):
            with VerticalScroll(id="report-form"):
                with Horizontal(classes="form-row"):
                    yield Label("Title", classes="form-label")
                    yield Input(id="report-title", compact=True)
                with Horizontal(classes="form-row"):
                    yield Label("Chosen", classes="form-label")
                    yield FieldSelect([], prompt="not decided", id="report-chosen", compact=True)
                with Horizontal(classes="form-row"):
                    yield Label("Decided by", classes="form-label")
                    yield Input(id="report-by", compact=True, placeholder="name")
                with Horizontal(classes="form-row"):
                    yield Label("Decided on", classes="form-label")
                    yield Input(id="report-on", compact=True, placeholder="YYYY-MM-DD")
                yield Label("Rationale")
                yield TextArea(id="report-rationale", soft_wrap=True, show_line_numbers=False,
                               tab_behavior="focus")
                yield Label("Notes")
                yield TextArea(id="report-notes", soft_wrap=True, show_line_numbers=False,
                               tab_behavior="focus")
            with Vertical(id="memo-box"):
                yield Static("Memo", classes="section-title")
                yield MemoView(id="memo-scroll")

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        session = snapshot.session
        self._set_input("#report-title", session.title)
        self._set_input("#report-by", session.decision.decided_by or "")
        self._set_input("#report-on", session.decision.decided_on or "")
        self._set_area("#report-rationale", session.decision.rationale or "")
        self._set_area("#report-notes", session.notes)
        names = snapshot.analysis.table["name"].head(CHOICES_MAX).astype(str).tolist()
        chosen = session.decision.chosen
        if chosen is not None and chosen not in names:
            names.append(chosen)
        select = self.query_one("#report-chosen", Select)
        with select.prevent(Select.Changed):
            if names != self._choices:
                self._choices = names
                select.set_options([(literal(n), n) for n in names])
            wanted = Select.NULL if chosen is None else chosen
            if select.value != wanted:
                select.value = wanted
        typing = self.query_one("#report-form").has_focus_within
        if previous is not None and previous.analysis is snapshot.analysis and typing:
            self._later()  # a text edit: let the typing settle before re-rendering
        else:
            self.render_memo()

    def _own_typing(self, selector: str, value: str, focused: bool) -> bool:
        """True when `value` is what the focused field's own last edit produced."""
        produced = self._produced.pop(selector, _NONE)
        if focused and produced == value:
            self._produced[selector] = produced
            return True
        return False

    def _set_input(self, selector: str, value: str) -> None:
        field = self.query_one(selector, Input)
        value = editable(value)  # the field's text for it; equal to it unless it holds controls
        if self._own_typing(selector, value, field.has_focus) or field.value == value:
            return
        with field.prevent(Input.Changed):
            field.value = value
        if field.has_focus:
            field.cursor_position = len(value)

    def _set_area(self, selector: str, value: str) -> None:
        area = self.query_one(selector, TextArea)
        value = editable(value, newlines=True)
        if self._own_typing(selector, value, area.has_focus) or area.text == value:
            return
        with area.prevent(TextArea.Changed):
            area.load_text(value)
        if area.has_focus:
            area.move_cursor(area.document.end)

    # ---- the memo ------------------------------------------------------------

    def render_memo(self) -> None:
        """Render the memo now (cancels a pending delayed render)."""
        if self._memo_timer is not None:
            self._memo_timer.stop()
            self._memo_timer = None
        snapshot = self.snapshot
        if snapshot is None:
            return
        if snapshot.size > LARGE_TABLE:
            self.run_worker(lambda: (snapshot.generation, _memo(snapshot)), thread=True,
                            exclusive=True, group="memo", name="memo")
            return
        self._show_memo(_memo(snapshot))

    def _show_memo(self, text: str) -> None:
        if text == self._memo_source:
            return
        self._memo_source = text
        self.query_one(MemoView).set_markdown(text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "memo" or event.state != WorkerState.SUCCESS:
            return
        event.stop()
        if event.worker.result is None:
            return
        generation, text = event.worker.result
        if self.snapshot is not None and generation == self.snapshot.generation:
            self._show_memo(text)

    def _later(self) -> None:
        if self._memo_timer is not None:
            self._memo_timer.stop()
        self._memo_timer = self.set_timer(MEMO_DELAY, self.render_memo)

    def memo_text(self) -> str | None:
        return self._memo_source

    # ---- edits -----------------------------------------------------------------

    @on(Input.Changed, "#report-title")
    def _title(self, event: Input.Changed) -> None:
        event.stop()
        value = event.value
        self._produced["#report-title"] = value
        self.edit(lambda s: s.with_(title=value), "title", coalesce="field:title")

    @on(Input.Changed, "#report-by")
    def _by(self, event: Input.Changed) -> None:
        event.stop()
        self._edit_decision("#report-by", "decided_by", event.value)

    @on(Input.Changed, "#report-on")
    def _on(self, event: Input.Changed) -> None:
        event.stop()
        self._edit_decision("#report-on", "decided_on", event.value)

    @on(TextArea.Changed, "#report-rationale")
    def _rationale(self, event: TextArea.Changed) -> None:
        event.stop()
        self._edit_decision("#report-rationale", "rationale", event.text_area.text)

    def _edit_decision(self, selector: str, field: str, text: str) -> None:
        """Record one [decision] field; blank text means "not recorded" (None)."""
        value = text.strip() or None
        self._produced[selector] = value or ""
        self.edit(lambda s: s.with_(decision=replace(s.decision, **{field: value})),
                  field.replace("_", " "), coalesce=f"field:{field}")

    @on(TextArea.Changed, "#report-notes")
    def _notes(self, event: TextArea.Changed) -> None:
        event.stop()
        value = event.text_area.text
        self._produced["#report-notes"] = value
        self.edit(lambda s: s.with_(notes=value), "notes", coalesce="field:notes")

    @on(Select.Changed, "#report-chosen")
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        value = None if event.value is Select.NULL else str(event.value)
        self.edit(lambda s: s.with_(decision=replace(s.decision, chosen=value)), "decision")
