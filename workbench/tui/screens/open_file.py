"""Ctrl+O: pick a saved session from the sessions folder, or type any path.

Everything listed (titles, picks, decisions, file names, folder, errors, headers) comes
from files, so it is drawn with `safe.literal`: controls as visible escapes, no markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Select, Static
from textual.worker import get_current_worker

from workbench import inputs
from workbench.columns import REQUIRED
from workbench.tui.messages import SessionsFound, SessionSummarized
from workbench.tui.safe import literal
from workbench.tui.widgets.select import FieldSelect


def _when(value: Any) -> str:
    if not value:
        return ""
    return str(value).replace("T", " ")[:16]


def _chosen(summary: dict[str, Any]) -> str:
    for key in ("chosen", "decision_chosen", "decision"):
        value = summary.get(key)
        if isinstance(value, dict):
            value = value.get("chosen")
        if value:
            return str(value)
    return ""


def _recommendation(summary: dict[str, Any]) -> str:
    value = summary.get("recommendation")
    if isinstance(value, dict):
        value = value.get("name")
    return str(value) if value else ""


READING = "reading…"


class OpenScreen(ModalScreen["str | None"]):
    """Lists `folder`'s sessions (title, modified, pick, decision) over a path Input.

    The dialog opens at once: a thread worker lists the folder and reads each session
    (reading means analysing it, which takes a while for big tables), and the rows fill
    in as the summaries arrive. Keys work meanwhile, esc closes the dialog and stops the
    worker, and a row can be opened before its summary is in.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, folder: Path, display_folder: str) -> None:
        super().__init__()
        self._folder = folder
        self._display = display_folder
        self._errors: dict[str, str] = {}  # row key (path) -> why it cannot be read

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog open-dialog"):
            yield Static("Open a session or a candidate table", classes="dialog-title")
            yield Label(literal(f"Saved sessions in {self._display}"), id="open-folder")
            table: DataTable[Any] = DataTable(id="open-sessions", cursor_type="row",
                                              zebra_stripes=True)
            yield table
            yield Label("Path to a table (.csv .tsv .json .parquet) or a session (.toml)")
            yield Input(placeholder="path…", id="open-path", select_on_focus=False)
            yield Static("", id="open-error", classes="dialog-hint")
            yield Static("enter open · tab switch · esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        hits = self.query("#open-sessions")
        if not hits:  # keys that came in while the dialog was being built closed it
            return
        table = hits.first(DataTable)
        table.add_columns("Title", "Modified", "Recommendation", "Decision", "File")
        table.add_row(literal(READING, style="italic"), "", "", "", "", key="")
        table.focus()
        self._read_sessions()

    @work(thread=True, exclusive=True, group="open-list")
    def _read_sessions(self) -> None:
        """List the folder, then read the sessions one by one (stops when cancelled)."""
        worker = get_current_worker()
        try:
            paths = inputs.session_files(self._folder)
        except Exception as exc:  # noqa: BLE001 - an unlistable folder must not end the app
            self.post_message(SessionsFound([], f"{self._folder}: {exc}"))
            return
        if worker.is_cancelled:
            return
        self.post_message(SessionsFound(paths))
        for path in paths:
            if worker.is_cancelled:
                return
            self.post_message(SessionSummarized(path, inputs.session_summary(path)))

    @on(SessionsFound)
    def _sessions_found(self, message: SessionsFound) -> None:
        table = self.query_one("#open-sessions", DataTable)
        table.clear()
        if not message.paths:
            self.query_one("#open-folder", Label).update(
                literal(message.error or f"No saved sessions in {self._display}"))
            table.display = False
            if self.focused is table:
                self.query_one("#open-path", Input).focus()
            return
        for path in message.paths:
            table.add_row(literal(READING, style="italic"), "", "", "", literal(path.name),
                          key=str(path))

    @on(SessionSummarized)
    def _session_summarized(self, message: SessionSummarized) -> None:
        table = self.query_one("#open-sessions", DataTable)
        summary, key = message.summary, str(message.path)
        if key not in table.rows:
            return
        error = summary.get("error")
        if error:
            self._errors[key] = str(error)
            # The cell is narrow: it gives the reason; the hint below gives all of it.
            reason = str(error).removeprefix(key).lstrip(", :")
            title = literal(f"unreadable: {reason}", cut=30, style="red")
        else:
            title = literal(summary.get("title") or "", cut=30)
        cells = (title, literal(_when(summary.get("modified"))),
                 literal(_recommendation(summary), cut=22), literal(_chosen(summary), cut=22))
        for column, cell in zip(table.ordered_columns, cells):
            table.update_cell(key, column.key, cell, update_width=True)
        if error and table.cursor_row == table.get_row_index(key):
            self._show_error(key)

    # A highlight or selection posted just before the list was refilled (keys typed
    # while the dialog mounts) names a row that is gone: its key is None.
    @on(DataTable.RowHighlighted, "#open-sessions")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_error(_row_path(event.row_key))

    def _show_error(self, key: str) -> None:
        """The full message of a session that cannot be read, under the list."""
        self.query_one("#open-error", Static).update(literal(self._errors.get(key, "")))

    def on_key(self, event: events.Key) -> None:
        """Typing while the sessions list has focus goes to the path Input."""
        if not isinstance(self.focused, DataTable) or not event.is_printable or not event.character:
            return
        path = self.query_one("#open-path", Input)
        event.stop()
        event.prevent_default()
        path.focus()
        path.insert_text_at_cursor(event.character)

    @on(DataTable.RowSelected, "#open-sessions")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        typed = self.query_one("#open-path", Input).value.strip()
        chosen = typed or _row_path(event.row_key)
        if chosen:  # the "reading…" row before the folder is listed holds no file
            self.dismiss(chosen)

    @on(Input.Submitted, "#open-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        if not value:
            self.query_one("#open-error", Static).update("type a path first")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MappingScreen(ModalScreen["dict[str, str] | None"]):
    """Say which header holds each required column; the app retries with the mapping."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s,f2", "accept", "Use mapping", id="dialog.accept"),
    ]

    def __init__(self, path: str, headers: list[str], guess: dict[str, str], error: str) -> None:
        super().__init__()
        self._path = path
        self._headers = headers
        self._guess = guess
        self._error = error

    def compose(self) -> ComposeResult:
        options = [(literal(h), h) for h in self._headers]
        with Vertical(classes="dialog mapping-dialog"):
            yield Static(literal(f"Map the columns of {Path(self._path).name}"),
                         classes="dialog-title")
            yield Static(literal(self._error), classes="dialog-hint")
            for column in REQUIRED:
                yield Label(column)
                guess = self._guess.get(column)
                yield FieldSelect(options, value=guess if guess in self._headers else Select.NULL,
                             prompt="choose a header", id=f"map-{column}", compact=True)
            yield Static("", id="map-error", classes="dialog-hint")
            yield Static("tab next · enter choose · ctrl+s / f2 open with this mapping · "
                         "esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        selects = list(self.query(Select).results(Select))
        if not selects:  # keys that came in while the dialog was being built closed it
            return
        empty = [s for s in selects if s.value is Select.NULL]
        (empty or selects)[0].focus()

    def mapping(self) -> dict[str, str] | None:
        out: dict[str, str] = {}
        for column in REQUIRED:
            value = self.query_one(f"#map-{column}", Select).value
            if value is Select.NULL:
                return None
            out[column] = str(value)
        return out

    def action_accept(self) -> None:
        mapping = self.mapping()
        if mapping is None:
            self.query_one("#map-error", Static).update("choose a header for every column")
            return
        if len(set(mapping.values())) < len(mapping):
            self.query_one("#map-error", Static).update("each column needs a different header")
            return
        self.dismiss(mapping)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _row_path(row_key: Any) -> str:
    """The path a row of the sessions list holds ("" for none or a row that is gone)."""
    return "" if row_key is None else str(row_key.value or "")
