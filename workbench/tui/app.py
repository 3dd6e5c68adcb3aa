"""The workbench app: one Session, one Evaluation, eight panes drawn from them.

Data flows one way. The app owns the session; panes post `SessionEdited` with a
function from the current session to the next; the app applies it, re-runs
`workbench.evaluation.evaluate` (the analysis, the routed system as a candidate, the
cost questions: the one evaluation the CLI and the memo use too; synchronously for
small tables so tests are deterministic, in a thread worker above `LARGE_TABLE` rows
or when a routing log must be replayed), and redraws the visible pane and the status
line from the one new Evaluation. Hidden panes redraw when they are shown. How sure
the pick is (sensitivity, SMAA, risks) is computed only when a view shows it, in a
thread worker that the next edit cancels.

The first frame comes first: `workbench [FILE]` paints the window, then reads the
file and loads the engine in a worker (a table with unknown headers then offers the
column-mapping dialog, as ctrl+o does). Files are read and written in thread workers,
one job at a time (see "files"), so the keys never wait on a disk. If an exception
escapes anyway, `run_app` exits non-zero and writes the unsaved session to a
recovery file.

Undo is scoped (see `workbench.tui.history`): on pane 6 `u` undoes the report's text,
elsewhere the analysis inputs, and every undo says what it reverted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane
from textual.worker import get_current_worker

from workbench.errors import InputError
from workbench.fmt import clip, printable
from workbench.tui.history import SCOPE_WORDS, History, Scope, describe
from workbench.tui.messages import (
    AnalysisFailed,
    AnalysisFinished,
    EditRejected,
    FileJobFailed,
    FileOpened,
    HeadersRead,
    MemoExported,
    RobustnessAssessed,
    SessionChange,
    SessionEdited,
    SessionSaved,
    TargetExisted,
)
from workbench.tui.panes.base import Pane
from workbench.tui.safe import TerminalSafe
from workbench.tui.state import (
    HORIZONTAL_BREAKPOINTS,
    LARGE_TABLE,
    VERTICAL_BREAKPOINTS,
    RoutingCache,
    Snapshot,
    layout_width,
)
from workbench.tui.widgets.status import StatusLine, session_label

if TYPE_CHECKING:
    from workbench.analysis import Analysis
    from workbench.evaluation import Evaluation, Robustness
    from workbench.model import Session
    from workbench.tui.exports import ExportKind

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
    ("audit", "8 Audit", "workbench.tui.panes.audit:AuditPane"),
]
# Below the first width breakpoint (80 columns) eight full labels do not fit in one
# strip: these panes are named shorter there ("Inputs" is what pane 2 edits first).
NARROW_LABELS: dict[str, str] = {"constraints": "2 Inputs"}


def tab_label(pane_id: str, label: str, width: int) -> str:
    """The tab's label at a terminal `width` (full from the -wide breakpoint on)."""
    from workbench.tui.state import is_narrow

    return NARROW_LABELS.get(pane_id, label) if is_narrow(width) else label
HISTORY = 100
TERMINAL_SAFE = TerminalSafe()
NOTES_IN_TOAST = 2  # notes on how a file was read, shown when it opens (n: all of them)


def pane_class(pane_id: str) -> type[Pane]:
    import importlib

    spec = next(s for p, _, s in PANES if p == pane_id)
    module, name = spec.split(":")
    return getattr(importlib.import_module(module), name)


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


@dataclass(frozen=True)
class StartOpen:
    """What `workbench [FILE] [flags]` opens once the first frame is painted."""

    path: str | None  # None: the built-in sample
    mapping: dict[str, str] | None = None
    overrides: argparse.Namespace | None = None  # the command line's scenario flags


class WorkbenchApp(App[int]):
    """`WorkbenchApp(session, path, notes)`; `path` is the session file, if any.
    `WorkbenchApp(start=StartOpen(...))` paints first and opens the file afterwards."""

    TITLE = "workbench"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses may live anywhere
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
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
        Binding("ctrl+e", "export('memo')", "Export memo", show=False, priority=True,
                id="file.export_memo"),
        Binding("u,ctrl+z", "undo", "Undo", id="edit.undo", key_display="u",
                tooltip="Undo the last edit of this pane's scope, and say what it reverted"),
        Binding("ctrl+y", "redo", "Redo", show=False, id="edit.redo"),
        Binding("n", "notes", "Notes", show=False, id="app.notes",
                tooltip="How the file was read (unit conversions) and the analysis' notes"),
        Binding("y", "copy", "Copy", show=False, id="app.copy",
                tooltip="Copy the focused value to the clipboard (OSC 52: works over SSH)"),
        Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("escape", "leave_field", "Leave field", id="app.leave_field",
                tooltip="Back to the pane, where 1-8 switch panes again"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit_now"),
    ]

    def __init__(
        self,
        session: Session | None = None,
        path: str | Path | None = None,
        notes: Iterable[str] | None = None,
        *,
        evaluation: Evaluation | None = None,
        modified: bool = False,
        sixteen_colors: bool = False,
        start: StartOpen | None = None,
    ) -> None:
        super().__init__()
        self.sixteen_colors = sixteen_colors
        self.path: Path | None = Path(path) if path is not None else None
        self.notes: tuple[str, ...] = tuple(notes or ())
        self.routing_cache = RoutingCache()
        self.session: Session | None = session
        self.evaluation: Evaluation | None = evaluation
        if session is not None and evaluation is None:
            self.evaluation = self._evaluate(session, self.path)
        self._start = start if session is None else None
        self.fatal: str | None = None  # why `workbench FILE` could not open FILE
        self.generation = 0
        self._clean: Session | None = None if modified else session
        self.history = History(HISTORY)
        self._restoring = False
        self._pending: Session | None = None
        self._pending_edit: tuple[str, str | None, object | None] = ("", None, None)
        self._ticket = 0
        self._focus_on_switch = False
        self._last_error: str | None = None
        self._last_error_at = 0.0
        self._job: FileJob | None = None  # the file read or write in flight, if any
        self._job_ticket = 0
        self._robustness: tuple[int, Robustness | None, str | None] | None = None
        self._robust_running: int | None = None
        self._layout: str | None = None
        self._exiting = False
        self.keymap_problems: list[str] = []

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

    def exit(self, result: int | None = None, return_code: int = 0,
             message: Any | None = None) -> None:
        self._exiting = True
        super().exit(result, return_code, message)

    def push_screen(self, screen: Any, callback: Any = None,  # type: ignore[override]
                    wait_for_dismiss: bool = False) -> Any:
        """No dialog opens once the app is quitting: a key typed right behind `q` (`a`
        adds a candidate) must not build a screen in an app that is going away."""
        # Two calls, not one with `wait_for_dismiss=wait_for_dismiss`: App.push_screen's
        # overloads take the literal True or False (they return different types).
        if wait_for_dismiss:
            return super().push_screen(screen, callback, wait_for_dismiss=True)
        if self._exiting:
            return None
        return super().push_screen(screen, callback, wait_for_dismiss=False)

    # ---- state -----------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """A session is open (False only while `workbench FILE` reads FILE)."""
        return self.session is not None and self.evaluation is not None

    @property
    def analysis(self) -> Analysis:
        assert self.evaluation is not None
        return self.evaluation.analysis

    @property
    def modified(self) -> bool:
        return self.session is not self._clean

    @property
    def busy(self) -> bool:
        return self._pending is not None

    @property
    def robustness(self) -> Robustness | None:
        """Sensitivity, SMAA and risks of the current evaluation, once assessed."""
        held = self._robustness
        return held[1] if held is not None and held[0] == self.generation else None

    def snapshot(self) -> Snapshot:
        assert self.session is not None and self.evaluation is not None
        return Snapshot(self.session, self.evaluation, self.notes, self.path, self.generation,
                        self.robustness)

    def base_dir(self, path: Path | None = None) -> Path | None:
        path = self.path if path is None else path
        return path.parent if path is not None else None

    def _evaluate(self, session: Session, session_path: Path | None = None,
                  robust: bool = False) -> Evaluation:
        """The one evaluation (routing simulations remembered by `routing_cache`)."""
        from workbench.evaluation import evaluate

        folder = session_path.parent if session_path is not None else self.base_dir()
        return evaluate(session, folder, robust=robust, simulator=self.routing_cache.simulate)

    def _needs_worker(self, session: Session) -> bool:
        return (len(session.scenario.candidates) > LARGE_TABLE
                or self.routing_cache.needs_run(session, self.base_dir()))

    def compose(self) -> ComposeResult:
        # Only the first pane is built now; the others on first visit (a smaller DOM
        # starts faster and keeps every keystroke cheaper).
        with TabbedContent(initial=PANES[0][0], id="panes"):
            for i, (pane_id, label, _) in enumerate(PANES):
                with LazyTabPane(tab_label(pane_id, label, self.size.width), id=pane_id):
                    if i == 0:
                        yield pane_class(pane_id)(id=f"pane-{pane_id}")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.sixteen_colors:
            self.theme = "ansi-dark"  # the terminal's own palette, not approximations
        self._layout = layout_width(self.size.width)
        self._load_keymap()
        self.refresh_views()
        self.query_one("#candidates-table").focus()
        if self._start is not None:
            # After the first frame: reading the file loads the engine (and may take a
            # while); the window is already there and the keys already work.
            self.call_after_refresh(self._begin_start)

    def _begin_start(self) -> None:
        start = self._start
        if start is None:
            return
        self._begin_open(start.path, start.mapping, start)

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
        if not self.ready:
            self._show_status()
            return
        snapshot = self.snapshot()
        self._show_status(snapshot)
        pane = self.active_pane()
        if pane is not None:
            pane.show(snapshot)

    def _show_status(self, snapshot: Snapshot | None = None) -> None:
        status = self.query_one(StatusLine)
        doing = None if self._job is None else self._job.doing
        if not self.ready:
            status.show_opening(doing)
            return
        status.show_status(snapshot or self.snapshot(), self.modified or self.busy, self.busy,
                           doing)

    def on_resize(self, event: events.Resize) -> None:
        """Across a width breakpoint, panes choose other columns: redraw them (layout
        itself follows the screen's breakpoint classes in app.tcss)."""
        layout = layout_width(event.size.width)
        if layout == self._layout:
            return
        self._layout = layout
        self.call_after_refresh(self._relayout)

    def _relayout(self) -> None:
        tabs = self.query_one(TabbedContent)
        for pane_id, label, _ in PANES:
            tab = tabs.get_tab(pane_id)
            if tab is not None:
                tab.label = tab_label(pane_id, label, self.size.width)
        for pane in self.query(Pane).results(Pane):
            pane.generation = -1
        self.refresh_views()
        self.refresh_bindings()

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
        if self.ready:
            pane.show(self.snapshot())
        if self._focus_on_switch:
            self._focus_on_switch = False
            self._focus_primary(pane)

    def _focus_primary(self, pane: Pane, retries: int = 10) -> None:
        """Focus the pane's main widget; check again shortly, as a pane switch can
        still move the focus while the layout settles."""
        stack = self.screen_stack
        if not stack:
            return  # the app is closing: the retry outlived the screens
        if self.screen is not stack[0] or self.active_pane() is not pane:
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
        pane._focus_name = name  # type: ignore[attr-defined]
        pane.generation = -1
        self.action_show_pane("candidates")
        if self.query_one(TabbedContent).active == "candidates" and self.ready:
            pane.show(self.snapshot())

    def show_view(self, pane_id: str, view: str) -> None:
        """Open a pane on one of its views (pane 4: robustness; pane 5: cost model; pane 8)."""
        self.action_show_pane(pane_id)

        def chosen() -> None:
            pane = self.pane(pane_id)
            if pane is not None:
                pane.set_view(view)

        self.call_after_refresh(chosen)

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

        Large tables (and a routing log to replay) evaluate in a worker: the edit is
        then pending and True means "accepted for evaluation".
        """
        if not self.ready:
            return False
        base = self._pending if self._pending is not None else self.session
        assert base is not None
        try:
            new = change(base)
        except InputError as exc:
            self._reject(str(exc), origin)
            return False
        if new is base or _same(new, base):
            return True  # nothing changed (e.g. a field set to the value it had)
        if not _evaluated_change(base, new):
            if self._pending is not None:
                self._pending = new  # lands with the running evaluation
                return True
            assert self.evaluation is not None
            self._commit(new, self.evaluation, coalesce, label)
            return True
        if self._needs_worker(new):
            self._start_analysis(new, (label, coalesce, origin))
            return True
        try:
            evaluation = self._evaluate(new)
        except InputError as exc:
            self._reject(str(exc), origin)
            return False
        self._commit(new, evaluation, coalesce, label)
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
        self._analyze_in_thread(session, self.path, self._ticket)

    def _commit(self, session: Session, evaluation: Evaluation, coalesce: str | None,
                label: str = "edit") -> None:
        assert self.session is not None
        keep = len(evaluation.analysis.table) <= LARGE_TABLE  # a large analysis is tens of MB
        self.history.record(self.session, session, label, coalesce=coalesce,
                            evaluation_before=self.evaluation if keep else None,
                            evaluation_after=evaluation if keep else None)
        self._set_state(session, evaluation)

    def _set_state(self, session: Session, evaluation: Evaluation) -> None:
        changed = evaluation is not self.evaluation
        self.session = session
        self.evaluation = evaluation
        self.generation += 1
        if changed:
            self.workers.cancel_group(self, "robustness")  # assessed an older pick
            self._robust_running = None
        else:  # the same evaluation (a text edit): what was assessed still holds
            held = self._robustness
            if held is not None and held[0] == self.generation - 1:
                self._robustness = (self.generation, held[1], held[2])
            if self._robust_running == self.generation - 1:
                self._robust_running = self.generation
        self.refresh_views()

    @work(thread=True, exclusive=True, group="analysis")
    def _analyze_in_thread(self, session: Session, path: Path | None, ticket: int) -> None:
        worker = get_current_worker()
        try:
            evaluation = self._evaluate(session, path)
        except InputError as exc:
            if not worker.is_cancelled:
                self.post_message(AnalysisFailed(session, str(exc), ticket))
            return
        except Exception as exc:  # noqa: BLE001 - a defect must not end the app
            if not worker.is_cancelled:
                self.post_message(AnalysisFailed(session, _failure("the evaluation", exc), ticket))
            return
        if not worker.is_cancelled:
            self.post_message(AnalysisFinished(session, evaluation, ticket))

    @on(AnalysisFinished)
    def _analysis_finished(self, message: AnalysisFinished) -> None:
        if message.ticket != self._ticket or self._pending is None:
            return  # a newer edit is being analysed
        session = self._pending
        if _evaluated_change(session, message.session):
            return
        self._pending = None
        if self._restoring:  # undo/redo: no new history step
            self._restoring = False
            self._set_state(session, message.evaluation)
            return
        label, coalesce, _ = self._pending_edit
        self._commit(session, message.evaluation, coalesce, label)

    @on(AnalysisFailed)
    def _analysis_failed(self, message: AnalysisFailed) -> None:
        if message.ticket != self._ticket:
            return
        self._pending = None
        self._restoring = False
        _, _, origin = self._pending_edit
        self._reject(message.error, origin)
        self.refresh_views()

    # ---- undo ----------------------------------------------------------------------

    def undo_scope(self) -> Scope:
        """Pane 6 undoes the report's text; every other pane the analysis inputs."""
        active = self.query_one(TabbedContent).active
        return "record" if active == "report" else "inputs"

    def action_undo(self) -> None:
        self._history_step(undo=True)

    def action_redo(self) -> None:
        self._history_step(undo=False)

    def _history_step(self, *, undo: bool) -> None:
        if not self.ready:
            return
        if self.busy:
            self.notify("Wait for the analysis to finish", severity="warning")
            return
        assert self.session is not None
        scope = self.undo_scope()
        result = (self.history.undo if undo else self.history.redo)(scope, self.session)
        verb = "undo" if undo else "redo"
        if result is None:
            other: Scope = "record" if scope == "inputs" else "inputs"
            waiting = self.history.counts(other)[0 if undo else 1]
            hint = (f"; {SCOPE_WORDS[other]} has {waiting} to {verb} there" if waiting else "")
            self.notify(f"Nothing to {verb} in {SCOPE_WORDS[scope]}{hint}")
            return
        session, step = result
        if self._clean is not None and session is not self._clean and _same(session, self._clean):
            session = self._clean  # back to what the file holds: not modified
        what = describe(step, undo=undo)
        if step.evaluated:
            evaluation = step.evaluation_before if undo else step.evaluation_after
            if evaluation is None:
                self._start_analysis(session, (step.label, None, None), restoring=True)
            else:
                self._set_state(session, evaluation)
        else:
            assert self.evaluation is not None
            self._set_state(session, self.evaluation)
        if undo:
            self.notify(f"Undone: {what} (ctrl+y redoes)", title="Undo")
        else:
            self.notify(f"Redone: {what} (u undoes)", title="Redo")

    # ---- robustness ----------------------------------------------------------------

    def request_robustness(self) -> None:
        """Assess the current pick (sensitivity, SMAA, risks) in a worker, unless it is
        assessed or under way; a view that shows it asks, and redraws on arrival."""
        if not self.ready or self.busy:
            return
        held = self._robustness
        assessed = held is not None and held[0] == self.generation
        if assessed or self._robust_running == self.generation:
            return
        self._robust_running = self.generation
        self._assess_in_thread(self.analysis, self.generation)

    def robustness_error(self) -> str | None:
        held = self._robustness
        return held[2] if held is not None and held[0] == self.generation else None

    @work(thread=True, exclusive=True, group="robustness")
    def _assess_in_thread(self, analysis: Analysis, generation: int) -> None:
        from workbench.evaluation import assess

        worker = get_current_worker()
        try:
            result = assess(analysis)
        except Exception as exc:  # noqa: BLE001 - a view must not take the app down
            if not worker.is_cancelled:
                self.post_message(RobustnessAssessed(generation, None,
                                                     _failure("the assessment", exc)))
            return
        if not worker.is_cancelled:
            self.post_message(RobustnessAssessed(generation, result))

    @on(RobustnessAssessed)
    def _robustness_assessed(self, message: RobustnessAssessed) -> None:
        if message.generation != self.generation:
            return  # an edit came in meanwhile; its view asks again
        self._robustness = (message.generation, message.robustness, message.error)
        self._robust_running = None
        pane = self.active_pane()
        if pane is not None and self.ready:
            pane.redraw(self.snapshot())

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
        if self._end_job(message.ticket) is None:
            return
        if not self.ready:  # `workbench FILE` could not open FILE: say so on stderr
            self.fatal = message.error
            self.exit(2, return_code=2)
            return
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

        question = message.question or (f"{message.path} exists. Replace it? "
                                        "(the old one is kept as .bak)")
        self.push_screen(ConfirmScreen("Replace file?", question,
                                       [("replace", "y", "Replace"), ("keep", "n", "Keep it")]),
                         answer)

    def action_open(self) -> None:
        from workbench.session import store
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
        return self._begin_open(str(path), mapping, None)

    def _begin_open(self, path: str | None, mapping: dict[str, str] | None,
                    start: StartOpen | None) -> bool:
        shown = "the built-in sample" if path is None else Path(path).name
        job = self._begin_job(f"opening {shown}", writes=False)
        if job is None:
            return False
        self._open_in_thread(path, mapping, job.ticket, start)
        return True

    @work(thread=True, exclusive=True, group="file")
    def _open_in_thread(self, path: str | None, mapping: dict[str, str] | None, ticket: int,
                        start: StartOpen | None = None) -> None:
        from workbench import inputs
        from workbench.session import store

        try:
            try:
                if path is None:
                    session, notes = inputs.builtin_session()
                    session_path: Path | None = None
                else:
                    session, notes, session_path = inputs.open_file(path, mapping)
                opened = session
                if start is not None and start.overrides is not None:
                    from workbench.cli.options import apply_overrides

                    session = apply_overrides(session, start.overrides)
                evaluation = self._evaluate(session, session_path)
            except InputError as exc:
                if (path is not None and mapping is None and inputs.needs_mapping(exc)
                        and not store.is_session_path(path)):
                    headers = inputs.read_headers(path)
                    self.post_message(HeadersRead(path, headers, str(exc), ticket))
                    return
                raise
        except Exception as exc:  # noqa: BLE001 - a file must never end the app
            self.post_message(FileJobFailed("Cannot open", _failure(path or "the sample", exc),
                                            ticket))
            return
        self.post_message(FileOpened(path or "the built-in sample", session, evaluation, notes,
                                     session_path, ticket, modified=session != opened))

    @on(FileOpened)
    def _file_opened(self, message: FileOpened) -> None:
        if self._end_job(message.ticket) is None:
            return
        starting = not self.ready
        self._start = None
        self.replace_session(message.session, message.evaluation, message.notes,
                             message.session_path, modified=message.modified)
        name = Path(message.path).name if not message.path.startswith("the ") else message.path
        # Unit conversions first: they change the numbers (x1000, fractions read as %).
        notes = [str(n) for n in sorted(message.notes, key=lambda n: not _converts(n))]
        if notes:
            shown = "; ".join(clip(n, 110) for n in notes[:NOTES_IN_TOAST])
            more = len(notes) - NOTES_IN_TOAST
            self.notify(f"Read {name}: {shown}" + (f" (+{more} more)" if more > 0 else "")
                        + " · n: all notes", title="Opened", timeout=8)
        elif not starting:
            self.notify(f"Opened {name}")

    @on(HeadersRead)
    def _headers_read(self, message: HeadersRead) -> None:
        from workbench import inputs
        from workbench.tui.screens.open_file import MappingScreen

        if self._end_job(message.ticket) is None:
            return
        start = self._start

        def mapped(mapping: dict[str, str] | None) -> None:
            if mapping:
                self._begin_open(message.path, mapping, start)
            elif not self.ready:  # `workbench FILE` and the mapping was cancelled
                self.fatal = message.error
                self.exit(2, return_code=2)

        self.push_screen(MappingScreen(message.path, message.headers,
                                       inputs.guess_mapping(message.headers), message.error),
                         mapped)

    def replace_session(
        self, session: Session, evaluation: Evaluation, notes: Iterable[str], path: Path | None,
        *, modified: bool = False,
    ) -> None:
        self.history.clear()
        self._pending = None
        self._ticket += 1
        self.notes = tuple(notes)
        self.path = path
        self._clean = None if modified else session
        self._set_state(session, evaluation)

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
        from workbench.session import store
        from workbench.tui.screens.prompt import PromptScreen

        if self._file_busy() or self.session is None:
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
        if not self.ready:
            return False
        job = self._begin_job(f"saving {path.name}", writes=True, after=after,
                              retry=lambda: self.save_to(path, after, replace=True))
        if job is None:
            return False
        assert self.session is not None
        self._save_in_thread(self.session, self.analysis, path, replace, job.ticket)
        return True

    @work(thread=True, exclusive=True, group="file")
    def _save_in_thread(self, session: Session, analysis: Analysis, path: Path, replace: bool,
                        ticket: int) -> None:
        from workbench.evaluation import for_record
        from workbench.session import store

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

    # ---- exports (pane 6) ----------------------------------------------------------

    def action_export_memo(self) -> None:
        self.action_export("memo")

    def action_export(self, kind_key: str) -> None:
        """Ask where to write one of pane 6's exports, then write it off the UI thread."""
        from workbench.tui.exports import KINDS, default_path
        from workbench.tui.screens.prompt import PromptScreen

        kind = KINDS[kind_key]
        if self._file_busy() or not self.ready:
            return
        if not kind.available():
            self.notify(f"The {kind.what} is not available in this build "
                        f"({kind.module} is not installed).", severity="warning",
                        title="Not available")
            return
        self._settle_field(f"Not in the {kind.what}")
        assert self.session is not None
        default = default_path(kind, self.session, self.path)

        def chosen(text: str | None) -> None:
            if text:
                self.export_to(kind_key, Path(text.strip()).expanduser())

        label = "Folder for the images" if kind.folder else f"File ({kind.suffix.lstrip('-')})"
        self.push_screen(
            PromptScreen(f"Export the {kind.what}", label, str(default),
                         check=lambda t: None if t.strip() else "type a file name"),
            chosen,
        )

    def export_memo(self, path: Path, *, replace: bool = False) -> bool:
        return self.export_to("memo", path, replace=replace)

    def export_to(self, kind_key: str, path: Path, *, replace: bool = False) -> bool:
        """Start writing an export to `path` (False if another file job runs); an
        existing file (a non-empty folder, for images) is replaced only when the user
        says so (`replace=True`)."""
        from workbench.tui.exports import KINDS

        kind = KINDS[kind_key]
        if not self.ready:
            return False
        job = self._begin_job(f"writing {path.name}", writes=True,
                              retry=lambda: self.export_to(kind_key, path, replace=True))
        if job is None:
            return False
        assert self.session is not None and self.evaluation is not None
        self._export_in_thread(kind, self.session, self.evaluation, self.notes, self.path,
                               path, replace, job.ticket)
        return True

    @work(thread=True, exclusive=True, group="file")
    def _export_in_thread(self, kind: ExportKind, session: Session, evaluation: Evaluation,
                          notes: tuple[str, ...], session_path: Path | None, path: Path,
                          replace: bool, ticket: int) -> None:
        from workbench import inputs
        from workbench.fileio import guard_outputs
        from workbench.tui.exports import write

        try:
            # An export never replaces the session, its source table or routing log.
            guard_outputs(
                [("the session", str(session_path) if session_path else None),
                 *inputs.session_inputs(session, session_path)],
                [(f"the {kind.what}", str(path))],
            )
            if not replace and kind.folder and path.is_dir() and any(path.iterdir()):
                count = sum(1 for _ in path.iterdir())
                self.post_message(TargetExisted(path, ticket, (
                    f"{path} exists and holds {count} file(s). Write the charts into it? "
                    "(files of the same names are replaced)")))
                return
            if not replace and not kind.folder and os.path.lexists(path):
                self.post_message(TargetExisted(path, ticket))
                return
            if kind.key != "memo" and evaluation.robustness is None:
                # Reports read the risks too: the same evaluation, assessed.
                evaluation = self._evaluate(session, session_path, robust=True)
            write(kind, evaluation, path, session=session, notes=list(notes),
                  session_path=session_path)
        except Exception as exc:  # noqa: BLE001 - a failed export must not end the app
            self.post_message(FileJobFailed("Not exported", _failure(str(path), exc), ticket))
            return
        self.post_message(MemoExported(path, ticket, kind.what[:1].upper() + kind.what[1:]))

    @on(MemoExported)
    def _memo_exported(self, message: MemoExported) -> None:
        if self._end_job(message.ticket) is not None:
            self.notify(f"{message.what} written to {message.path}")

    def write_recovery(self) -> Path | None:
        """After a crash: write the unsaved session next to its file (else to
        ./workbench-recovery-<time>.toml) with the atomic writer. None when nothing was
        unsaved or nothing could be written."""
        from workbench.session import store

        session = self._pending if self._pending is not None else self.session
        if session is None or session is self._clean:
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

    # ---- notes, copy, keymap -------------------------------------------------------

    def note_sections(self) -> list[tuple[str, list[str]]]:
        """The notes view: how the file was read, then what the evaluation noted."""
        sections: list[tuple[str, list[str]]] = [
            ("How the file was read (header matches and unit conversions)",
             [str(n) for n in self.notes] or ["nothing was converted or renamed"])]
        if self.evaluation is not None:
            analysis = [str(n) for n in self.evaluation.analysis.notes]
            analysis += [str(n) for n in self.evaluation.notes]
            if self.evaluation.routing_error is not None:
                analysis.append(f"routing not simulated: {self.evaluation.routing_error}")
            sections.append(("What the analysis noted", analysis or ["nothing"]))
        if self.keymap_problems:
            sections.append(("Your keymap file", self.keymap_problems))
        return sections

    def action_notes(self) -> None:
        from workbench.tui.screens.notes import NotesScreen

        if isinstance(self.screen, NotesScreen):
            return
        self.push_screen(NotesScreen("Notes", self.note_sections()))

    def focused_value(self) -> str | None:
        """The text of the focused value: a field's text, a table cell (the pane may give
        the exact figure behind a rounded one), a text area's selection or text."""
        from textual.widgets import DataTable, Input, TextArea

        focused = self.screen.focused
        if focused is None:
            return None
        pane = next((a for a in focused.ancestors_with_self if isinstance(a, Pane)), None)
        if pane is not None:
            exact = pane.copy_value(focused)
            if exact is not None:
                return exact
        if isinstance(focused, Input):
            return focused.value
        if isinstance(focused, TextArea):
            return focused.selected_text or focused.text
        if isinstance(focused, DataTable) and focused.row_count:
            try:
                cell = focused.get_cell_at(focused.cursor_coordinate)
            except Exception:  # noqa: BLE001 - an empty or changing table: nothing to copy
                return None
            return getattr(cell, "plain", str(cell)).strip()
        return None

    def action_copy(self) -> None:
        value = self.focused_value()
        if not value:
            self.notify("Nothing to copy here: focus a table cell or a field")
            return
        try:
            self.copy_to_clipboard(value)
        except Exception as exc:  # noqa: BLE001 - a terminal without a clipboard is fine
            self.notify(f"Could not copy: {exc}", severity="warning")
            return
        self.notify(f"Copied {clip(printable(value), 60)!r} (OSC 52 clipboard)")

    def binding_ids(self) -> set[str]:
        """Every binding id the keymap file may name."""
        from workbench.tui.screens.help import all_bindings

        return {b.id for _, bindings in all_bindings(self) for b in bindings if b.id}

    def _load_keymap(self) -> None:
        from workbench.tui.keymap import keymap_path, read_keymap

        path = keymap_path()
        if not path.exists():
            return
        keymap, self.keymap_problems = read_keymap(path, self.binding_ids())
        if keymap:
            self.set_keymap(keymap)
        if self.keymap_problems:
            self.notify(f"{self.keymap_problems[0]}"
                        + (f" (+{len(self.keymap_problems) - 1} more: n shows them)"
                           if len(self.keymap_problems) > 1 else ""),
                        severity="warning", title="Keymap", timeout=10)

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

        label = session_label(self.snapshot()) if self.ready else "This session"
        self.push_screen(
            ConfirmScreen("Unsaved changes", f"{label} has unsaved changes. "
                          "Save them before quitting?",
                          [("save", "s", "Save"), ("discard", "d", "Quit without saving"),
                           ("cancel", "escape", "Cancel")]),
            answer,
        )

    def help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Every key, by pane, read from the bindings themselves (and the keymap)."""
        from workbench.tui.screens.help import help_sections

        return help_sections(self)

    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.help_sections()))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from workbench.tui.commands import commands

        yield from commands(self)
        yield from super().get_system_commands(screen)

    def pane_action(self, pane_id: str, name: str, *args: Any) -> None:
        """Open a pane and run one of its actions (the command palette's way in)."""
        self.action_show_pane(pane_id)

        def run() -> None:
            pane = self.pane(pane_id)
            if pane is not None and self.ready:
                getattr(pane, f"action_{name}")(*args)

        self.call_after_refresh(run)

    def _candidates_action(self, name: str) -> None:
        self.pane_action("candidates", name)


def _failure(path: str, exc: Exception) -> str:
    """What the user reads when a file job fails: the engine's message, else the OS's
    reason; anything else is a defect, named so it can be reported, but it only ends
    that job, never the app and its unsaved work."""
    from workbench.fileio import os_message

    if isinstance(exc, InputError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{path}: {os_message(exc)}"
    return f"{path}: unexpected error ({type(exc).__name__}: {exc})"


def _converts(note: str) -> bool:
    """A note on reading a file that says a value was converted (units, fractions)."""
    code = getattr(note, "code", None)
    return (code in ("accuracy_fractions", "decimal_comma", "thousands_separator")
            or "convert" in note or "(x" in note)


def _evaluated_change(a: Session, b: Session) -> bool:
    """The evaluation reads the scenario and [routing]: True when either differs."""
    return a.scenario is not b.scenario or (a.routing is not b.routing and a.routing != b.routing)


def _same(a: Session, b: Session) -> bool:
    """Equal sessions; the candidate frames are compared only when all else is equal."""
    if a.scenario is b.scenario:
        return a == b
    sa, sb = a.scenario, b.scenario
    if (sa.workload, sa.constraints, sa.scoring, sa.whatif, sa.pricing, sa.tco,
            sa.uncertainty) != (sb.workload, sb.constraints, sb.scoring, sb.whatif, sb.pricing,
                                sb.tco, sb.uncertainty):
        return False
    return a == b


def build_app(args: argparse.Namespace) -> WorkbenchApp | int:
    """The app `workbench [PATH] [flags]` runs, or 2 (with the reason on stderr) when
    PATH cannot be read at all. Reading and analysing PATH happen after the first
    frame (see `WorkbenchApp`); a file that fails then ends the app the same way."""
    from workbench.cli.options import mapping_from

    path = getattr(args, "path", None)
    try:
        if path:
            from workbench.fileio import check_input

            check_input(Path(path).expanduser(), path)
        mapping = mapping_from(args) or None
    except InputError as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2
    from rich.console import Console

    sixteen = Console().color_system in ("standard", "windows")  # what this terminal has
    return WorkbenchApp(sixteen_colors=sixteen,
                        start=StartOpen(path or None, mapping, overrides=args))


def run_app(args: argparse.Namespace) -> int:
    """Open `args.path` (or the built-in sample) with the flags applied, then run."""
    app = build_app(args)
    if isinstance(app, int):
        return app
    try:
        result = app.run()
    except Exception:
        _recover(app)
        raise
    if app.fatal is not None:
        print(f"workbench: error: {app.fatal}", file=sys.stderr)
        return 2
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
    elif app.modified and app.session is not None:
        print("workbench: the app stopped on an error; unsaved changes could not be "
              "written", file=sys.stderr)


__all__ = ["PANES", "StartOpen", "WorkbenchApp", "build_app", "run_app"]
