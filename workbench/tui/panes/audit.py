"""Pane 8: the decision against production (issue #16's audit, `workbench audit`).

Type the production log's path (relative to the session's folder, as pane 7's log)
and, optionally, a dimension column of the log (`By`: region, library_version...);
enter or `r` runs `workbench.audit.audit` in a thread worker against the app's one
evaluation. The verdict (does the pick still hold; does a [monitoring] criterion
demote it) and the bill's change stay on top; `v` cycles the views below: the daily
cost chart with its anomalies marked, the assumptions table with a verdict per line
(and the criteria), why the bill changed and where, and the anomaly table.

The log path and the dimension are view state: the session has no place for them
([monitoring] holds thresholds, not a log), so nothing here edits the session. An edit
elsewhere re-runs the audit for the same log (the refit reads the session). Every
sentence and figure is the audit report's (`workbench.audit.report`): the pane picks
the report's blocks and lays them out; the verdict line is built from the result's
fields only. A bad path or column is a message in the pane (and a toast), never a
traceback.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Static
from textual.worker import get_current_worker

from workbench.errors import InputError
from workbench.fmt import num, printable
from workbench.tui.panes.base import Pane
from workbench.tui.safe import literal
from workbench.tui.state import Snapshot
from workbench.tui.widgets.chart import ChartPanel
from workbench.tui.widgets.field import FormInput
from workbench.tui.widgets.tables import WorkbenchTable

if TYPE_CHECKING:
    from workbench.audit import AuditResult
    from workbench.evaluation import Evaluation
    from workbench.model import Session

# The views `v` cycles through, in order (the command palette opens one by name).
VIEW_WORDS = {"chart": "daily cost chart", "assumptions": "assumptions and criteria",
              "change": "why the bill changed", "anomalies": "anomalies"}
ASSUMPTION_COLUMNS: list[tuple[str, Any]] = [
    ("label", "Assumption"), ("assumed", "Decision"), ("observed", "Production"),
    ("limit", "Limit"), ("verdict", "Verdict")]
EMPTY = ("No audit yet: type the production log's path in Log (CSV, Parquet or a folder of "
         "Parquet files, relative to {where}), optionally a dimension column in By (e.g. "
         "library_version: where the bill changed), and press enter.")


class Audited(Message):
    """An audit finished (`ticket` tells a stale run from the current one)."""

    def __init__(self, result: AuditResult, key: tuple[Any, ...], ticket: int) -> None:
        super().__init__()
        self.result, self.key, self.ticket = result, key, ticket


class AuditFailed(Message):
    def __init__(self, error: str, key: tuple[Any, ...], ticket: int) -> None:
        super().__init__()
        self.error, self.key, self.ticket = error, key, ticket


def resolve(text: str, base_dir: Path | None) -> Path:
    """The log the user typed: `~` expanded, a relative path from the session's folder
    (from the current folder when the session is not saved yet)."""
    path = Path(text.strip()).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


def verdict(result: AuditResult) -> tuple[str, str]:
    """(sentence, style): does the pick still hold at production's figures, and does a
    demotion (or promotion) criterion of the audit fire. Words around the result's
    fields only."""
    fit = result.refit
    deployed = result.deployed or "the deployed system"
    if fit is None:
        words, style = "Not re-analysed: the period has no requests", "yellow"
    elif fit.holds:
        words = (f"The pick holds: {deployed} is still the pick at "
                 f"{num(fit.volume_per_day, 0)} requests/day")
        style = "bold green"
    elif fit.pick is None:
        words = ("The pick does not hold: at production's figures no candidate meets "
                 "every constraint")
        style = "bold red"
    else:
        saved = f" ({fit.saving_pct:+.1f}% saved)" if fit.saving_pct is not None else ""
        words = f"The pick does not hold: at production's figures the pick is {fit.pick}{saved}"
        style = "bold red"
    if result.demote:
        words += f"; DEMOTE {deployed}: a demotion criterion fails"
        style = "bold red"
    elif result.criteria:
        words += "; no demotion criterion fails"
    if result.promote is not None:
        words += f"; PROMOTE {result.promote}"
    return words + ".", style


def bill_line(result: AuditResult) -> str:
    """The bill's change in one line at 80 columns: the change per day from the baseline
    period to the period, its main factor, and where (with By). The periods and the
    parts are in the "change" view."""
    from workbench.audit.report import SHORT_FACTORS, _money

    c = result.change
    if c is None:
        return "Bill: not compared (the log is too short for two periods)."
    pct = f" ({c.change_pct:+.1f}%)" if c.change_pct is not None else ""
    line = f"Bill {_money(c.change_usd_per_day)}/day{pct}"
    main = c.main_factor()
    if main is not None:
        line += f", mostly {SHORT_FACTORS[main]}"
    w = c.where
    if w is not None and w.named is not None:
        line += f"; where: {w.named}"  # the dimension is the By field's
    return line + "."


def blocks_text(blocks: list[tuple[str, Any]], width: int) -> RenderableType:
    """The report's blocks (heading, paragraph, list item, table) for a pane `width`
    cells wide: paragraphs wrapped, tables aligned and never wrapped (cut at the edge),
    every name escaped (`fmt.printable`), nothing read as markup."""
    parts: list[RenderableType] = []
    width = max(width, 40)
    for kind, body in blocks:
        if kind == "h":
            if parts:
                parts.append(Text(""))
            parts.append(Text(printable(body), style="bold underline"))
        elif kind == "p":
            lines = textwrap.wrap(printable(body), width=width, subsequent_indent="  ")
            parts.append(Text("\n".join(lines)))
        elif kind == "l":
            lines = textwrap.wrap(printable(body), width=width, initial_indent="- ",
                                  subsequent_indent="  ")
            parts.append(Text("\n".join(lines), style="dim"))
        else:
            header, rows, align = body
            cells = [[printable(h) for h in header]] + [[printable(c) for c in r] for r in rows]
            widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
            table = Text(no_wrap=True, overflow="crop")
            for j, row in enumerate(cells):
                out = [c.rjust(widths[i]) if align[i] == "r" else c.ljust(widths[i])
                       for i, c in enumerate(row)]
                table.append("  ".join(out).rstrip() + "\n", style="bold" if j == 0 else "")
            table.rstrip()
            parts.append(table)
    return Group(*parts)


def change_blocks(result: AuditResult) -> list[tuple[str, Any]]:
    """The report's "Why the bill changed" blocks, the "Where" sentence moved up to
    follow the total (at 80x24 it is the answer the user came for), the definitions
    of the factors last."""
    from workbench.audit.report import _change

    blocks: list[tuple[str, Any]] = []
    _change(result, blocks, compact=True)
    where = [b for b in blocks if b[0] == "p" and str(b[1]).startswith("Where (")]
    terms = [b for b in blocks if b[0] == "p" and str(b[1]).startswith("Unit price: ")]
    rest = [b for b in blocks if b not in where and b not in terms]
    head = 2 if len(rest) >= 2 else len(rest)  # the heading and the total's sentence
    return rest[:head] + where + rest[head:] + terms


class AuditPane(Pane):
    TITLE = "Audit"
    VIEWS = tuple(VIEW_WORDS)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run", id="audit.run",
                tooltip="Audit the session against the log (enter in Log or By too)"),
        Binding("v", "next_view", "Views", id="audit.view",
                tooltip="Cycle: daily cost chart, assumptions, why the bill changed, anomalies"),
        Binding("p", "log", "Log path", id="audit.log",
                tooltip="Type the production log's path (and By: a dimension column)"),
    ]
    DEFAULT_CSS = """
    AuditPane #audit-form { height: 1; }
    AuditPane #audit-form Label { width: auto; padding: 0 1; color: $text-muted; }
    AuditPane #audit-log { width: 1fr; }
    AuditPane #audit-by { width: 20; }
    AuditPane #audit-status { display: none; height: auto; max-height: 4; padding: 0 1; }
    AuditPane #audit-verdict { height: auto; max-height: 4; padding: 0 1; }
    AuditPane #audit-body { height: 1fr; border-top: solid $primary; }
    AuditPane #audit-body > * { display: none; }
    AuditPane.-view-chart #audit-chart { display: block; }
    AuditPane.-view-assumptions #audit-assumptions { display: block; }
    AuditPane.-view-change #audit-change { display: block; }
    AuditPane.-view-anomalies #audit-anomalies { display: block; }
    AuditPane #audit-assumptions { height: 1fr; }
    AuditPane #assumptions-table { height: auto; max-height: 9; }
    AuditPane #audit-note { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    AuditPane #audit-criteria { height: 1fr; scrollbar-size-vertical: 1; }
    AuditPane #audit-change, AuditPane #audit-anomalies { height: 1fr; scrollbar-size-vertical: 1; }
    AuditPane #audit-criteria > Static, AuditPane #audit-change > Static,
    AuditPane #audit-anomalies > Static { padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._ticket = 0
        self._asked: tuple[str, str] | None = None  # (log, by) the user ran
        self._run_key: tuple[Any, ...] | None = None  # key of the audit under way
        self._done_key: tuple[Any, ...] | None = None  # key of the result or error shown
        self.result: AuditResult | None = None
        self._drawn: tuple[int, int] | None = None  # (id(result), width) drawn

    def compose(self) -> ComposeResult:
        with Horizontal(id="audit-form"):
            yield Label("Log")
            # FormInput: a paste of "PATH<tab>COLUMN" fills Log and then By, in order.
            yield FormInput(placeholder="production log: .parquet, .csv or a folder",
                            id="audit-log", compact=True)
            yield Label("By")
            yield FormInput(placeholder="dimension (optional)", id="audit-by", compact=True)
        yield Static("", id="audit-status")
        yield Static("", id="audit-verdict")
        with Container(id="audit-body"):
            yield ChartPanel(id="audit-chart", fill=True)
            with Container(id="audit-assumptions"):
                yield WorkbenchTable(id="assumptions-table", cursor_type="row",
                                     zebra_stripes=True)
                yield Static("", id="audit-note")
                with VerticalScroll(id="audit-criteria"):
                    yield Static("", id="criteria-text")
            with VerticalScroll(id="audit-change"):
                yield Static("", id="change-text")
            with VerticalScroll(id="audit-anomalies"):
                yield Static("", id="anomalies-text")

    # ---- keys ------------------------------------------------------------------------

    def primary(self) -> Widget | None:
        """The log field until an audit is asked for, then the view's main widget; from a
        field (esc), the view's widget, where r, v and p work."""
        focused = self.screen.focused
        in_form = focused is not None and self.query_one("#audit-form") in focused.ancestors
        if self._asked is None and not in_form:
            return self.query_one("#audit-log", Input)
        return self.query_one({"chart": "#audit-chart", "assumptions": "#assumptions-table",
                               "change": "#audit-change",
                               "anomalies": "#audit-anomalies"}[self.view])

    def action_log(self) -> None:
        self.query_one("#audit-log", Input).focus()

    def action_run(self) -> None:
        log = self.query_one("#audit-log", Input).value.strip()
        by = self.query_one("#audit-by", Input).value.strip()
        if not log:
            self._status("Type the production log's path in Log first.", "red")
            self.query_one("#audit-log", Input).focus()
            return
        self._asked = (log, by)
        if self.snapshot is not None:
            self._start(self.snapshot, force=True)

    @on(Input.Submitted, "#audit-form Input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    # ---- running ---------------------------------------------------------------------

    def _key(self, snapshot: Snapshot) -> tuple[Any, ...] | None:
        """What a result depends on: the session (its generation), the log and By."""
        if self._asked is None:
            return None
        log, by = self._asked
        return (snapshot.generation, str(resolve(log, snapshot.base_dir)), by)

    def _start(self, snapshot: Snapshot, *, force: bool = False) -> None:
        key = self._key(snapshot)
        if key is None or self._asked is None:
            return
        if not force and key in (self._run_key, self._done_key):
            return
        self._ticket += 1
        self._run_key = key
        log, by = self._asked
        self._status(f"Auditing… {log}" + (f" by {by}" if by else ""), "bold yellow")
        self._audit(snapshot.session, snapshot.evaluation, resolve(log, snapshot.base_dir),
                    by or None, log, key, self._ticket)

    @work(thread=True, exclusive=True, group="audit")
    def _audit(self, session: Session, evaluation: Evaluation, path: Path, by: str | None,
               source: str, key: tuple[Any, ...], ticket: int) -> None:
        from workbench.audit import AuditOptions, audit

        worker = get_current_worker()
        message: Message
        try:
            result = audit(session, path, AuditOptions(by=by), base_dir=path.parent,
                           evaluation=evaluation, source=source)
            message = Audited(result, key, ticket)
        except InputError as exc:
            message = AuditFailed(str(exc), key, ticket)
        except Exception as exc:  # noqa: BLE001 - an unreadable log must not end the app
            message = AuditFailed(f"{source}: {type(exc).__name__}: {exc}", key, ticket)
        if not worker.is_cancelled:
            self.post_message(message)

    @on(Audited)
    def _audited(self, message: Audited) -> None:
        message.stop()
        if message.ticket != self._ticket:
            return  # a newer run started meanwhile
        self._run_key, self._done_key = None, message.key
        had_result = self.result is not None
        self.result = message.result
        self._status("")
        self._show(message.result)
        focused = self.screen.focused
        if not had_result and isinstance(focused, Input) and self in focused.ancestors:
            target = self.primary()  # from the field to the figures, where v and r work
            if target is not None:
                target.focus()

    @on(AuditFailed)
    def _failed(self, message: AuditFailed) -> None:
        message.stop()
        if message.ticket != self._ticket:
            return
        self._run_key, self._done_key = None, message.key
        self.result = None
        self._clear()
        self._status(f"Not audited: {message.error}", "red")
        self.app.notify(message.error, severity="error", title="Audit not run")

    # ---- drawing ---------------------------------------------------------------------

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        if self.result is None and self._run_key is None and self._asked is None:
            where = ("the session's folder" if snapshot.base_dir is not None
                     else "the current folder: the session is not saved yet")
            self.query_one("#audit-verdict", Static).update(
                Text(EMPTY.format(where=where), style="dim"))
        self._start(snapshot)  # a changed session: the same log again (if one was run)
        if self.result is not None:
            self._show(self.result)

    def _status(self, message: str, style: str = "dim") -> None:
        status = self.query_one("#audit-status", Static)
        status.update(literal(message, style=style))
        status.display = bool(message)

    def _clear(self) -> None:
        self._drawn = None
        self.query_one("#audit-verdict", Static).update("")
        chart = self.query_one("#audit-chart", ChartPanel)
        chart.set_draw(None)
        for static in chart.query(".chart-text").results(Static):
            static.update("")
        # The columns stay (replace_rows keeps them when they do not change).
        self.query_one("#assumptions-table", WorkbenchTable).replace_rows(ASSUMPTION_COLUMNS, [])
        for selector in ("#audit-note", "#criteria-text", "#change-text", "#anomalies-text"):
            self.query_one(selector, Static).update("")

    def _text_width(self) -> int:
        # The pane's width less its padding and the scroll bar (the app's width before
        # the first layout).
        return (self.size.width or self.app.size.width) - 3

    def _show(self, result: AuditResult) -> None:
        width = self._text_width()
        if self._drawn == (id(result), width):
            return
        self._drawn = (id(result), width)
        words, style = verdict(result)
        head = literal(words, style=style)
        head.append("\n")
        head.append_text(literal(bill_line(result)))
        self.query_one("#audit-verdict", Static).update(head)

        def chart(w: int, h: int | None) -> str:
            from workbench.views.charts import audit_cost_chart  # plotext once drawn

            return audit_cost_chart(result, w, h or 16, color=True)

        self.query_one("#audit-chart", ChartPanel).set_draw(chart)
        self._fill_assumptions(result, width)
        self.query_one("#change-text", Static).update(blocks_text(change_blocks(result), width))
        from workbench.audit.report import _anomalies

        anomalies: list[tuple[str, Any]] = []
        _anomalies(result, anomalies, compact=True)
        self.query_one("#anomalies-text", Static).update(blocks_text(anomalies, width))

    def _fill_assumptions(self, result: AuditResult, width: int) -> None:
        from workbench.audit.report import VERDICT_WORDS, _criteria, _figure

        table = self.query_one("#assumptions-table", WorkbenchTable)
        rows = []
        for a in result.assumptions:
            word = VERDICT_WORDS[a.verdict]
            mark = {"ok": "green", "watch": "bold yellow", "breaks": "bold red"}.get(a.verdict, "")
            figures = [Text(_figure(a.unit, v), justify="right")
                       for v in (a.assumed, a.observed, a.limit)]
            rows.append((a.key, [literal(a.label), *figures, Text(word, style=mark)]))
        key, _ = table.cursor_keys()
        table.replace_rows(ASSUMPTION_COLUMNS, rows, keep_row=key)
        self._note()
        blocks: list[tuple[str, Any]] = []
        _criteria(result, blocks, compact=True)
        self.query_one("#criteria-text", Static).update(blocks_text(blocks, width))

    @on(DataTable.RowHighlighted, "#assumptions-table")
    def _note(self, event: DataTable.RowHighlighted | None = None) -> None:
        """The highlighted assumption's note (how far it drifted, its interval)."""
        if event is not None:
            event.stop()
        if self.result is None:
            return
        key, _ = self.query_one("#assumptions-table", WorkbenchTable).cursor_keys()
        note = next((a.note for a in self.result.assumptions if a.key == key), "")
        self.query_one("#audit-note", Static).update(literal(note))

    def view_changed(self) -> None:
        if self.result is not None:
            self._show(self.result)
