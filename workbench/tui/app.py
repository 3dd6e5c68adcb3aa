"""The workbench app: one Session, one Analysis, seven panes drawn from them.

Data flows one way. The app owns the session; panes post `SessionEdited` with a
function from the current session to the next; the app applies it, re-runs
`analyze` (synchronously for small tables so tests are deterministic, in a thread
worker above `LARGE_TABLE` rows), and redraws the visible pane and the status line
from the one new Analysis. Hidden panes redraw when they are shown.

Files are read and written in thread workers, one job at a time (see "files"), so
the keys never wait on a disk. If an exception escapes anyway, `run_app` exits
non-zero and writes the unsaved session to a recovery file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane
from textual.worker import get_current_worker

from workbench import inputs
from workbench.analysis import Analysis, analyze
from workbench.errors import InputError
from workbench.fileio import os_message
from workbench.fmt import printable
from workbench.model import Session
from workbench.session import store
from workbench.tui.messages import (
    AnalysisFailed,
    AnalysisFinished,
    EditRejected,
    FileJobFailed,
    FileOpened,
    HeadersRead,
    MemoExported,
    SessionChange,
    SessionEdited,
    SessionSaved,
    TargetExisted,
)
from workbench.tui.panes.base import Pane
from workbench.tui.safe import TerminalSafe
from workbench.tui.state import LARGE_TABLE, Snapshot
from workbench.tui.widgets.status import StatusLine, session_label

# (id, tab label, "module:Class"). Pane modules are imported when a pane is first
# opened, so only pane 1 is paid for before the first frame.
PANES: list[tuple[str, str, str]] = [
    ("candidates", "1 Candidates", "workbench.tui.panes.candidates:CandidatesPane"),
    ("constraints", "2 Constraints", "workbench.tui.panes.constraints:ConstraintsPane"),
    ("frontier", "3 Frontier", "workbench.tui.panes.frontier:FrontierPane"),
    ("matrix", "4 Matrix", "workbench.tui.panes.matrix:MatrixPane"),
    ("whatif", "5 What-if", "workbench.tui.panes.whatif:WhatIfPane"),
    ("report", "6 Report", "workbench.tui.panes.report:ReportPane"),
    ("routing", "7 Routing", "workbench.tui.panes.routing:RoutingPane"),
]
HISTORY = 100
TERMINAL_SAFE = TerminalSafe()


def pane_class(pane_id: str) -> type[Pane]:
    import importlib

    spec = next(s for p, _, s in PANES if p == pane_id)
    module, name = spec.split(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


class LazyTabPane(TabPane):
    """A tab whose pane is mounted on first visit; blank (not its id) until then."""

    def render(self) -> str:
        return ""


@dataclass
class FileJob:
    """The one file read or write in flight (see WorkbenchApp "files")."""

    ticket: int
    doing: str  # "saving checkout.toml": for the status line and the "wait" notice
    writes: bool
    after: Callable[[], object] | None = None  # runs once the job succeeded
    retry: Callable[[], object] | None = None  # the same write, allowed to replace


class WorkbenchApp(App[int]):
    """`WorkbenchApp(session, path, notes)`; `path` is the session file, if any."""

    TITLE = "workbench"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses may live anywhere
    BINDINGS: ClassVar[list[BindingType]] = [
        *[
            Binding(str(i), f"show_pane('{pane_id}')", label.split(" ", 1)[1], show=False,
                    id=f"pane.{pane_id}")
            for i, (pane_id, label, _) in enumerate(PANES, start=1)
        ],
        Binding("ctrl+o", "open", "Open", id="file.open", tooltip="Open a session or a table",
                show=False),
        Binding("ctrl+s", "save", "Save", id="file.save"),
        Binding("ctrl+shift+s", "save_as", "Save as", show=False, id="file.save_as"),
        Binding("ctrl+e", "export_memo", "Export memo", show=False, priority=True,
                id="file.export_memo"),
        Binding("u,ctrl+z", "undo", "Undo", show=False, id="edit.undo", key_display="u"),
        Binding("ctrl+y", "redo", "Redo", show=False, id="edit.redo"),
        Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("escape", "leave_field", "Leave field", id="app.leave_field",
                tooltip="Back to the pane, where 1-7 switch panes again"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit_now"),
    ]

    def __init__(
        self,
        session: Session,
        path: str | Path | None = None,
        notes: Iterable[str] | None = None,
        *,
        analysis: Analysis | None = None,
        modified: bool = False,
        sixteen_colors: bool = False,
    ) -> None:
        super().__init__()
        self.sixteen_colors = sixteen_colors
        self.session = session
        self.analysis = analysis if analysis is not None else analyze(session.scenario)
        self.path: Path | None = Path(path) if path is not None else None
        self.notes: tuple[str, ...] = tuple(notes or ())
        self.generation = 0
        self._clean: Session | None = None if modified else session
        # Undo/redo: (session, analysis); a large table keeps only the session (its
        # analysis is tens of MB) and is re-analysed when restored.
        self._history: list[tuple[Session, Analysis | None]] = []
        self._future: list[tuple[Session, Analysis | None]] = []
        self._restoring = False
        self._last_coalesce: str | None = None
        self._pending: Session | None = None
        self._pending_edit: tuple[str, str | None, object | None] = ("", None, None)
        self._ticket = 0
        self._focus_on_switch = False
        self._last_error: str | None = None
        self._last_error_at = 0.0
        self._job: FileJob | None = None  # the file read or write in flight, if any
        self._job_ticket = 0

    # ---- what reaches the terminal ----------------------------------------------

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every toast (panes' `self.notify` lands here too) shows its text literally:
        messages name models, columns and files, so controls become visible escapes and
        markup is never read (`[@click=app.quit]` in a name is not a link)."""
        del markup  # no toast of ours uses markup; a file's text must not
        super().notify(printable(message), title=printable(title),
                       severity=severity, timeout=timeout, markup=False)

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), TERMINAL_SAFE]

    # ---- state -----------------------------------------------------------------

    @property
    def modified(self) -> bool:
        return self.session is not self._clean

    @property
    def busy(self) -> bool:
        return self._pending is not None

    def snapshot(self) -> Snapshot:
        return Snapshot(self.session, self.analysis, self.notes, self.path, self.generation)

    def compose(self) -> ComposeResult:
        # Only the first pane is built now; the others on first visit (a smaller DOM
        # starts faster and keeps every keystroke cheaper).
        with TabbedContent(initial=PANES[0][0], id="panes"):
            for i, (pane_id, label, _) in enumerate(PANES):
                with LazyTabPane(label, id=pane_id):
                    if i == 0:
                        yield pane_class(pane_id)(id=f"pane-{pane_id}")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.sixteen_colors:
            self.theme = "ansi-dark"  # the terminal's own palette, not approximations
        self.refresh_views()
        self.query_one("#candidates-table").focus()

    def pane(self, pane_id: str) -> Pane | None:
        """The pane widget, or None if it was never opened."""
        hits = self.query(f"#pane-{pane_id}")
        return hits.first(Pane) if hits else None

    def active_pane(self) -> Pane | None:
        active = self.query_one(TabbedContent).active
        return self.pane(active) if active else None

    async def _build_pane(self, pane_id: str) -> Pane:
        pane = self.pane(pane_id)
        if pane is None:
            pane = pane_class(pane_id)(id=f"pane-{pane_id}")
            await self.query_one(f"TabPane#{pane_id}", TabPane).mount(pane)
        return pane

    def refresh_views(self) -> None:
        """Redraw the status line and the visible pane from the current snapshot."""
        snapshot = self.snapshot()
        self._show_status(snapshot)
        pane = self.active_pane()
        if pane is not None:
            pane.show(snapshot)

    def _show_status(self, snapshot: Snapshot | None = None) -> None:
        self.query_one(StatusLine).show_status(
            snapshot or self.snapshot(), self.modified or self.busy, self.busy,
            None if self._job is None else self._job.doing)

    # ---- panes -------------------------------------------------------------------

    def action_show_pane(self, pane_id: str) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active == pane_id:
            pane = self.pane(pane_id)
            if pane is not None:
                self._focus_primary(pane)
            return
        self._focus_on_switch = True
        self.screen.set_focus(None)  # the old pane is about to be hidden
        tabs.active = pane_id

    @on(TabbedContent.TabActivated)
    async def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        active = self.query_one(TabbedContent).active
        if not active:
            return
        pane = await self._build_pane(active)
        pane.show(self.snapshot())
        if self._focus_on_switch:
            self._focus_on_switch = False
            self._focus_primary(pane)

    def _focus_primary(self, pane: Pane, retries: int = 10) -> None:
        """Focus the pane's main widget; check again shortly, as a pane switch can
        still move the focus while the layout settles."""
        if self.screen is not self.screen_stack[0] or self.active_pane() is not pane:
            return  # a dialog opened, or another pane was chosen, meanwhile
        focused = self.screen.focused
        if focused is not None and pane in focused.ancestors_with_self:
            return
        target = pane.primary()
        if target is None:
            self.query_one(TabbedContent).query_one("ContentTabs").focus()
        elif target.focusable:
            self.screen.set_focus(target, scroll_visible=False)  # primaries sit at the top
        if retries:
            self.set_timer(0.03, lambda: self._focus_primary(pane, retries - 1))

    def _in_field(self) -> bool:
        from textual.widgets import Input, Select, TextArea

        focused = self.screen.focused if self.screen is self.screen_stack[0] else None
        return isinstance(focused, (Input, TextArea, Select))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_field":
            return self._in_field()
        return True

    def _settle_field(self, title: str) -> None:
        """Commit the typing in the focused value field before the session is saved,
        exported, replaced or closed; a text that cannot be applied stays out of it (and
        in the field), and a notification titled `title` says so."""
        from workbench.tui.widgets.field import CommitField

        focused = self.screen_stack[0].focused
        if isinstance(focused, CommitField):
            problem = focused.settle()
            if problem is not None:
                self.notify(f"{problem}.", severity="warning", title=title)

    def action_leave_field(self) -> None:
        pane = self.active_pane()
        if pane is not None and self._in_field():
            target = pane.primary()
            if target is not None:
                self.screen.set_focus(target, scroll_visible=False)
            else:
                self.query_one(TabbedContent).query_one("ContentTabs").focus()

    def show_candidate(self, name: str) -> None:
        """Open pane 1 with the cursor on `name`."""
        pane = self.pane("candidates")
        assert pane is not None
        pane._focus_name = name
        pane.generation = -1
        self.action_show_pane("candidates")
        if self.query_one(TabbedContent).active == "candidates":
            pane.show(self.snapshot())

    # ---- edits -------------------------------------------------------------------

    @on(SessionEdited)
    def _session_edited(self, message: SessionEdited) -> None:
        message.stop()
        self.apply_edit(message.change, message.label, coalesce=message.coalesce,
                        origin=message.origin)

    def apply_edit(
        self,
        change: SessionChange,
        label: str,
        *,
        coalesce: str | None = None,
        origin: object | None = None,
    ) -> bool:
        """Apply an edit; False (with a message to the user) if the engine refuses it.

        Large tables analyse in a worker: the edit is then pending and True means
        "accepted for analysis".
        """
        base = self._pending if self._pending is not None else self.session
        try:
            new = change(base)
        except InputError as exc:
            self._reject(str(exc), origin)
            return False
        if new is base or _same(new, base):
            return True  # nothing changed (e.g. a field set to the value it had)
        if new.scenario is base.scenario:
            if self._pending is not None:
                self._pending = new  # lands with the running analysis
                return True
            self._commit(new, self.analysis, coalesce)
            return True
        if len(new.scenario.candidates) > LARGE_TABLE:
            self._start_analysis(new, (label, coalesce, origin))
            return True
        try:
            analysis = analyze(new.scenario)
        except InputError as exc:
            self._reject(str(exc), origin)
            return False
        self._commit(new, analysis, coalesce)
        return True

    def _reject(self, error: str, origin: object | None) -> None:
        """Tell the user; fields that mark themselves in place get no toast."""
        from textual.widget import Widget
        from textual.widgets import Input

        if isinstance(origin, Widget):
            origin.post_message(EditRejected(error, origin))
        if not isinstance(origin, Input):
            now = time.monotonic()
            if self._last_error != error or now - self._last_error_at > 3.0:
                self.notify(error, severity="error", title="Not applied")
            self._last_error, self._last_error_at = error, now  # key repeats: one toast

    def _start_analysis(self, session: Session, edit: tuple[str, str | None, object | None],
                        restoring: bool = False) -> None:
        self._pending = session
        self._pending_edit = edit
        self._restoring = restoring
        self._ticket += 1
        self._show_status()
        self._analyze_in_thread(session, self._ticket)

    def _history_entry(self) -> tuple[Session, Analysis | None]:
        large = len(self.analysis.table) > LARGE_TABLE
        return self.session, (None if large else self.analysis)

    def _restore(self, entry: tuple[Session, Analysis | None]) -> None:
        session, analysis = entry
        self._last_coalesce = None
        if analysis is None:
            self._start_analysis(session, ("restore", None, None), restoring=True)
        else:
            self._set_state(session, analysis)

    def _commit(self, session: Session, analysis: Analysis, coalesce: str | None) -> None:
        if coalesce is None or coalesce != self._last_coalesce:
            self._history.append(self._history_entry())
            del self._history[:-HISTORY]
        self._future.clear()
        self._last_coalesce = coalesce
        self._set_state(session, analysis)

    def _set_state(self, session: Session, analysis: Analysis) -> None:
        self.session = session
        self.analysis = analysis
        self.generation += 1
        self.refresh_views()

    @work(thread=True, exclusive=True, group="analysis")
    def _analyze_in_thread(self, session: Session, ticket: int) -> None:
        worker = get_current_worker()
        try:
            analysis = analyze(session.scenario)
        except InputError as exc:
            if not worker.is_cancelled:
                self.post_message(AnalysisFailed(session, str(exc), ticket))
            return
        if not worker.is_cancelled:
            self.post_message(AnalysisFinished(session, analysis, ticket))

    @on(AnalysisFinished)
    def _analysis_finished(self, message: AnalysisFinished) -> None:
        if message.ticket != self._ticket or self._pending is None:
            return  # a newer edit is being analysed
        session = self._pending
        if session.scenario is not message.session.scenario:
            return
        self._pending = None
        if self._restoring:  # undo/redo of a large table: no new history entry
            self._restoring = False
            self._set_state(session, message.analysis)
            return
        _, coalesce, _ = self._pending_edit
        self._commit(session, message.analysis, coalesce)

    @on(AnalysisFailed)
    def _analysis_failed(self, message: AnalysisFailed) -> None:
        if message.ticket != self._ticket:
            return
        self._pending = None
        self._restoring = False
        _, _, origin = self._pending_edit
        self._reject(message.error, origin)
        self.refresh_views()

    def action_undo(self) -> None:
        if self.busy:
            self.notify("Wait for the analysis to finish", severity="warning")
            return
        if not self._history:
            self.notify("Nothing to undo")
            return
        self._future.append(self._history_entry())
        self._restore(self._history.pop())
        self.notify("Undone")

    def action_redo(self) -> None:
        if self.busy or not self._future:
            self.notify("Nothing to redo")
            return
        self._history.append(self._history_entry())
        self._restore(self._future.pop())
        self.notify("Redone")

    # ---- files ---------------------------------------------------------------------
    #
    # Every read and write runs in a thread worker (group "file") and posts its result
    # back (FileOpened, HeadersRead, SessionSaved, MemoExported, TargetExisted,
    # FileJobFailed): a slow disk, a big table or a hostile file never freezes the keys.
    # One job at a time: a second open/save/export is refused with a notice while one
    # runs, so two writes never interleave and an open never lands in a half-saved state.
    # A write never replaces an existing file unasked (except the session's own file).

    def _file_busy(self) -> bool:
        """True (and the user is told) while a file job runs."""
        if self._job is None:
            return False
        self.notify(f"Wait: {self._job.doing} is still in progress.", severity="warning",
                    title="Busy")
        return True

    def _begin_job(self, doing: str, *, writes: bool, after: Callable[[], object] | None = None,
                   retry: Callable[[], object] | None = None) -> FileJob | None:
        if self._file_busy():
            return None
        self._job_ticket += 1
        self._job = FileJob(self._job_ticket, doing, writes, after, retry)
        self._show_status()
        return self._job

    def _end_job(self, ticket: int) -> FileJob | None:
        """The finished job, or None for a stale result (which is then dropped)."""
        job = self._job
        if job is None or job.ticket != ticket:
            return None
        self._job = None
        self._show_status()
        return job

    @on(FileJobFailed)
    def _file_job_failed(self, message: FileJobFailed) -> None:
        if self._end_job(message.ticket) is not None:
            self.notify(message.error, severity="error", title=message.title)

    @on(TargetExisted)
    def _target_existed(self, message: TargetExisted) -> None:
        from workbench.tui.screens.prompt import ConfirmScreen

        job = self._end_job(message.ticket)
        if job is None:
            return

        def answer(choice: str | None) -> None:
            if choice == "replace" and job.retry is not None:
                job.retry()

        self.push_screen(ConfirmScreen("Replace file?", f"{message.path} exists. Replace it? "
                                       "(the old one is kept as .bak)",
                                       [("replace", "y", "Replace"), ("keep", "n", "Keep it")]),
                         answer)

    def action_open(self) -> None:
        from workbench.tui.screens.open_file import OpenScreen

        if self._file_busy():
            return
        self._settle_field("Not applied")
        folder = store.sessions_folder(self.path)
        try:  # no resolve(): the dialog opens without touching the disk
            shown = str(folder.absolute().relative_to(Path.cwd())) + "/"
        except ValueError:
            shown = str(folder) + "/"
        self.push_screen(OpenScreen(folder, shown), self._open_chosen)

    def _open_chosen(self, path: str | None) -> None:
        from workbench.tui.screens.prompt import ConfirmScreen

        if not path:
            return
        if not self.modified:
            self.open_file(path)
            return

        def answer(choice: str | None) -> None:
            if choice == "discard":
                self.open_file(path)
            elif choice == "save":
                self._save_then(lambda: self.open_file(path))

        self.push_screen(
            ConfirmScreen("Unsaved changes", f"This session has unsaved changes. Save them "
                          f"before opening {Path(path).name}?",
                          [("save", "s", "Save first"), ("discard", "d", "Discard"),
                           ("cancel", "escape", "Cancel")]),
            answer,
        )

    def open_file(self, path: str | Path, mapping: dict[str, str] | None = None) -> bool:
        """Start reading a table or session (False if another file job runs). It lands
        as `FileOpened`; on failure the current session stays as it was."""
        job = self._begin_job(f"opening {Path(path).name}", writes=False)
        if job is None:
            return False
        self._open_in_thread(str(path), mapping, job.ticket)
        return True

    @work(thread=True, exclusive=True, group="file")
    def _open_in_thread(self, path: str, mapping: dict[str, str] | None, ticket: int) -> None:
        try:
            try:
                session, notes, session_path = inputs.open_file(path, mapping)
                analysis = analyze(session.scenario)
            except InputError as exc:
                if mapping is None and inputs.needs_mapping(exc) and not store.is_session_path(path):
                    headers = inputs.read_headers(path)
                    self.post_message(HeadersRead(path, headers, str(exc), ticket))
                    return
                raise
        except Exception as exc:  # noqa: BLE001 - a file must never end the app
            self.post_message(FileJobFailed("Cannot open", _failure(path, exc), ticket))
            return
        self.post_message(FileOpened(path, session, analysis, notes, session_path, ticket))

    @on(FileOpened)
    def _file_opened(self, message: FileOpened) -> None:
        if self._end_job(message.ticket) is None:
            return
        self.replace_session(message.session, message.analysis, message.notes,
                             message.session_path)
        self.notify(f"Opened {Path(message.path).name}")

    @on(HeadersRead)
    def _headers_read(self, message: HeadersRead) -> None:
        from workbench.tui.screens.open_file import MappingScreen

        if self._end_job(message.ticket) is None:
            return

        def mapped(mapping: dict[str, str] | None) -> None:
            if mapping:
                self.open_file(message.path, mapping)

        self.push_screen(MappingScreen(message.path, message.headers,
                                       inputs.guess_mapping(message.headers), message.error),
                         mapped)

    def replace_session(
        self, session: Session, analysis: Analysis, notes: Iterable[str], path: Path | None
    ) -> None:
        self._history.clear()
        self._future.clear()
        self._last_coalesce = None
        self._pending = None
        self._ticket += 1
        self.notes = tuple(notes)
        self.path = path
        self._clean = session
        self._set_state(session, analysis)

    def action_save(self) -> None:
        self._settle_field("Not saved")
        self._save_then(None)

    def action_save_as(self) -> None:
        self._settle_field("Not saved")
        self._ask_save_path(None)

    def _save_then(self, after: Callable[[], object] | None) -> None:
        if self.path is None:
            self._ask_save_path(after)
        else:
            self.save_to(self.path, after)

    def _ask_save_path(self, after: Callable[[], object] | None) -> None:
        from workbench.tui.screens.prompt import PromptScreen

        if self._file_busy():
            return
        default = store.default_session_path(self.session, self.path)

        def check(text: str) -> str | None:
            if not text.strip():
                return "type a file name"
            if not text.strip().endswith(store.SESSION_SUFFIX):
                return f"a session file ends in {store.SESSION_SUFFIX}"
            return None

        def chosen(text: str | None) -> None:
            if text:
                path = Path(text.strip()).expanduser()
                self.save_to(path, after, replace=path == self.path)

        self.push_screen(PromptScreen("Save the session", "Session file (.toml)", str(default),
                                      check=check), chosen)

    def save_to(self, path: Path, after: Callable[[], object] | None = None, *,
                replace: bool = True) -> bool:
        """Start writing the session to `path` (False if it cannot start now); `after`
        runs once it is saved. `replace=False` asks before replacing an existing file."""
        if self.busy:
            self.notify("Wait for the analysis to finish, then save", severity="warning")
            return False
        job = self._begin_job(f"saving {path.name}", writes=True, after=after,
                              retry=lambda: self.save_to(path, after, replace=True))
        if job is None:
            return False
        self._save_in_thread(self.session, self.analysis, path, replace, job.ticket)
        return True

    @work(thread=True, exclusive=True, group="file")
    def _save_in_thread(self, session: Session, analysis: Analysis, path: Path, replace: bool,
                        ticket: int) -> None:
        from workbench.evaluation import for_record

        try:
            if not replace and os.path.lexists(path):
                self.post_message(TargetExisted(path, ticket))
                return
            # The record keeps the prices this analysis used (and pins their date).
            written = store.save_session(for_record(session, analysis), path)
        except Exception as exc:  # noqa: BLE001 - a failed save must not end the app
            self.post_message(FileJobFailed("Not saved", _failure(str(path), exc), ticket))
            return
        self.post_message(SessionSaved(path, session, written, ticket))

    @on(SessionSaved)
    def _session_saved(self, message: SessionSaved) -> None:
        job = self._end_job(message.ticket)
        if job is None:
            return
        self.path = message.path
        self._clean = message.written
        edited = self.session is not message.session or self._pending is not None
        if not edited:
            self.session = message.written
        self.generation += 1
        self.refresh_views()
        if edited:  # an edit landed while the file was written: it is not in the file
            self.notify(f"Saved {message.path.name}; the edits made while saving are "
                        "not saved yet", severity="warning")
            return
        self.notify(f"Saved {message.path.name}")
        if job.after is not None:
            job.after()

    def action_export_memo(self) -> None:
        from workbench.tui.screens.prompt import PromptScreen

        if self._file_busy():
            return
        self._settle_field("Not in the memo")
        default = store.default_memo_path(self.session, self.path)

        def chosen(text: str | None) -> None:
            if text:
                self.export_memo(Path(text.strip()).expanduser())

        self.push_screen(
            PromptScreen("Export the memo", "Markdown file", str(default),
                         check=lambda t: None if t.strip() else "type a file name"),
            chosen,
        )

    def export_memo(self, path: Path, *, replace: bool = False) -> bool:
        """Start writing the memo to `path` (False if another file job runs); an
        existing file is replaced only when the user says so (`replace=True`)."""
        job = self._begin_job(f"writing {path.name}", writes=True,
                              retry=lambda: self.export_memo(path, replace=True))
        if job is None:
            return False
        self._export_in_thread(self.session, self.analysis, self.notes, self.path, path,
                               replace, job.ticket)
        return True

    @work(thread=True, exclusive=True, group="file")
    def _export_in_thread(self, session: Session, analysis: Analysis, notes: tuple[str, ...],
                          session_path: Path | None, path: Path, replace: bool,
                          ticket: int) -> None:
        from workbench.atomic import atomic_write_text
        from workbench.fileio import guard_outputs
        from workbench.views.memo import render_memo

        try:
            # The memo never replaces the session, its source table or routing log.
            guard_outputs(
                [("the session", str(session_path) if session_path else None),
                 *inputs.session_inputs(session, session_path)],
                [("the memo", str(path))],
            )
            if not replace and os.path.lexists(path):
                self.post_message(TargetExisted(path, ticket))
                return
            memo = render_memo(session, notes=list(notes), session_path=session_path,
                               analysis=analysis)
            atomic_write_text(path, memo)
        except Exception as exc:  # noqa: BLE001 - a failed export must not end the app
            self.post_message(FileJobFailed("Not exported", _failure(str(path), exc), ticket))
            return
        self.post_message(MemoExported(path, ticket))

    @on(MemoExported)
    def _memo_exported(self, message: MemoExported) -> None:
        if self._end_job(message.ticket) is not None:
            self.notify(f"Memo written to {message.path}")

    def write_recovery(self) -> Path | None:
        """After a crash: write the unsaved session next to its file (else to
        ./workbench-recovery-<time>.toml) with the atomic writer. None when nothing was
        unsaved or nothing could be written."""
        session = self._pending if self._pending is not None else self.session
        if session is self._clean:
            return None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        places = [Path(f"workbench-recovery-{stamp}{store.SESSION_SUFFIX}")]
        if self.path is not None:
            places.insert(0, self.path.with_name(f"{self.path.stem}-recovery-{stamp}"
                                                 f"{store.SESSION_SUFFIX}"))
        for place in places:
            try:
                store.save_session(session, place)
            except (InputError, OSError):
                continue
            return place
        return None

    # ---- quit and help -------------------------------------------------------------

    async def action_quit(self) -> None:
        from workbench.tui.screens.prompt import ConfirmScreen

        if isinstance(self.screen, ConfirmScreen):
            return
        if self._job is not None and self._job.writes:  # a write is never abandoned halfway
            self._file_busy()
            return
        self._settle_field("Not applied")
        if not self.modified:
            self.exit(0)
            return

        def answer(choice: str | None) -> None:
            if choice == "discard":
                self.exit(0)
            elif choice == "save":
                self._save_then(lambda: self.exit(0))

        self.push_screen(
            ConfirmScreen("Unsaved changes",
                          f"{session_label(self.snapshot())} has unsaved changes. "
                          "Save them before quitting?",
                          [("save", "s", "Save"), ("discard", "d", "Quit without saving"),
                           ("cancel", "escape", "Cancel")]),
            answer,
        )

    def help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Every key, by pane, read from the bindings themselves."""
        from workbench.tui.screens.help import binding_rows, field_rows

        app_bindings = [b for b in self.BINDINGS if isinstance(b, Binding)]
        everywhere = {f"app.{b.action}" for b in app_bindings}
        sections = [
            ("Everywhere", [(" ".join(str(i) for i in range(1, len(PANES) + 1)),
                             "switch pane (outside text fields)"),
                            ("ctrl+p", "command palette")]
             + binding_rows([b for b in app_bindings if not b.action.startswith("show_pane")])),
            ("Tables", [("↑ ↓ ← → h j k l", "move"), ("g G", "top, bottom"),
                        ("pgup pgdn", "page")]),
            ("Value fields (panes 2, 5, 7)", field_rows()),
            ("Other fields", [("tab shift+tab", "next, previous field"),
                              ("enter", "open a list (Select)"), ("f7", "select all (text area)")]),
        ]
        for pane_id, label, _ in PANES:
            cls = pane_class(pane_id)
            rows = binding_rows(list(cls.BINDINGS), skip=everywhere)  # type: ignore[arg-type]
            if pane_id == "candidates":
                rows.insert(0, ("enter", "edit the cell"))
            if pane_id == "constraints":
                from workbench.tui.panes.constraints import CriteriaTable

                rows = binding_rows(list(CriteriaTable.BINDINGS)) + [
                    ("↑ ↓", "between fields, applying the one you leave; ↑ on the "
                            "table's top row: to the fields")]
            if rows:
                sections.append((f"{label} ({cls.TITLE})", rows))
        return sections

    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.help_sections()))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for i, (pane_id, label, _) in enumerate(PANES, start=1):
            yield SystemCommand(f"Go to {label.split(' ', 1)[1]}", f"Pane {i}",
                                lambda p=pane_id: self.action_show_pane(p))
        yield SystemCommand("Open…", "Open a session or a candidate table (ctrl+o)", self.action_open)
        yield SystemCommand("Save", "Save the session (ctrl+s)", self.action_save)
        yield SystemCommand("Save as…", "Save the session under a new name", self.action_save_as)
        yield SystemCommand("Export memo…", "Write the decision memo to a markdown file (ctrl+e)",
                            self.action_export_memo)
        yield SystemCommand("Undo", "Undo the last edit (u)", self.action_undo)
        yield SystemCommand("Redo", "Redo (ctrl+y)", self.action_redo)
        yield SystemCommand("Add candidate…", "Add a row to the candidate table",
                            lambda: self._candidates_action("add"))
        yield SystemCommand("Add column…", "Add a column, e.g. a maintainability score",
                            lambda: self._candidates_action("add_column"))
        yield SystemCommand("Keys", "Show every key (?)", self.action_help)
        yield from super().get_system_commands(screen)

    def _candidates_action(self, name: str) -> None:
        self.action_show_pane("candidates")
        getattr(self.pane("candidates"), f"action_{name}")()


def _failure(path: str, exc: Exception) -> str:
    """What the user reads when a file job fails: the engine's message, else the OS's
    reason; anything else is a defect, named so it can be reported, but it only ends
    that job, never the app and its unsaved work."""
    if isinstance(exc, InputError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{path}: {os_message(exc)}"
    return f"{path}: unexpected error ({type(exc).__name__}: {exc})"


def _same(a: Session, b: Session) -> bool:
    """Equal sessions; the candidate frames are compared only when all else is equal."""
    if a.scenario is b.scenario:
        return a == b
    sa, sb = a.scenario, b.scenario
    if (sa.workload, sa.constraints, sa.scoring, sa.whatif) != (sb.workload, sb.constraints, sb.scoring, sb.whatif):
        return False
    return a == b


def run_app(args: argparse.Namespace) -> int:
    """Open `args.path` (or the built-in sample) with the flags applied, then run."""
    from workbench.cli.options import apply_overrides, mapping_from

    try:
        if getattr(args, "path", None):
            session, notes, session_path = inputs.open_file(args.path, mapping_from(args))
        else:
            session, notes = inputs.builtin_session()
            session_path = None
        opened = session
        session = apply_overrides(session, args)
        analysis = analyze(session.scenario)
    except InputError as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2
    from rich.console import Console

    sixteen = Console().color_system in ("standard", "windows")  # what this terminal has
    app = WorkbenchApp(session, session_path, notes, analysis=analysis,
                       modified=session != opened, sixteen_colors=sixteen)
    try:
        result = app.run()
    except Exception:
        _recover(app)
        raise
    if app.return_code:  # an exception escaped a handler: Textual showed it and stopped
        _recover(app)
        return app.return_code
    return int(result or 0)


def _recover(app: WorkbenchApp) -> None:
    """Keep the unsaved work of an app that crashed, and say where it went."""
    saved = app.write_recovery()
    if saved is not None:
        print(f"workbench: the app stopped on an error; unsaved changes were written to "
              f"{saved}", file=sys.stderr)
    elif app.modified:
        print("workbench: the app stopped on an error; unsaved changes could not be "
              "written", file=sys.stderr)


__all__ = ["PANES", "WorkbenchApp", "run_app"]
