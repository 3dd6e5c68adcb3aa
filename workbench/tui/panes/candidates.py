"""Pane 1: the candidate table with derived metrics, frontier marks and feasibility.

At 80 columns the table shows its most telling columns first (feasible, monthly cost,
accuracy, latency, score), money in compact form ($75k, $1.2M), and keeps the rank and
the name frozen while the other columns scroll; wider terminals get every column in
the usual order with full figures. The lines below say why the row under the cursor
is (not) feasible, wrapped rather than cut, and what the column under the cursor means.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Static

from workbench.errors import InputError
from workbench.fmt import clean, num, pct, printable, usd, usd_short
from workbench.tui.panes.base import Pane
from workbench.tui.safe import literal
from workbench.tui.state import TOP_N, Snapshot
from workbench.tui.widgets.tables import WorkbenchTable

FRONTIER_MARK = "★"
NAME_CUT_NARROW = 30  # the frozen name column at 80 columns; the detail line has it all


def _score(v: Any) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # header on wide terminals
    short: str  # header at 80 columns
    fmt: Callable[[Any], str]
    compact: Callable[[Any], str]  # cells at 80 columns
    priority: int  # lower comes first at 80 columns
    help: str = ""  # the line under the table when the cursor is in this column


def _money4(v: Any) -> str:
    return usd(v, 4)


# Columns missing from the analysis table are skipped.
COLUMNS: list[Column] = [
    Column("rank", "#", "#", lambda v: str(int(v)), lambda v: str(int(v)), 0,
           "Rank: by the weighted score (or total cost), feasible candidates first"),
    Column("pareto", FRONTIER_MARK, FRONTIER_MARK, lambda v: FRONTIER_MARK if v else "",
           lambda v: FRONTIER_MARK if v else "", 1,
           "★ On the cost-accuracy frontier: nothing else is both cheaper and more accurate"),
    Column("name", "Candidate", "Candidate", str, str, 2, "The candidate's name"),
    Column("feasible", "OK", "OK", lambda v: "✓" if v else "✗", lambda v: "✓" if v else "✗", 3,
           "✓ meets every constraint; ✗ breaks one (the line above says which)"),
    Column("score", "Score", "Score", _score, _score, 8,
           "Weighted score: Σ weight × normalized criterion (pane 4 shows the parts)"),
    Column("accuracy", "Acc %", "Acc%", lambda v: pct(v).rstrip("%"), lambda v: pct(v).rstrip("%"),
           5, "Accuracy, in percent"),
    Column("latency_ms", "Lat ms", "Lat ms", num, num, 6, "Latency, in milliseconds"),
    Column("cost_per_1k", "$/1k", "$/1k", _money4, usd_short, 9,
           "Cost per 1,000 requests (priced at the workload for token and instance prices)"),
    Column("monthly_cost_usd", "$/month", "$/mo", usd, usd_short, 4,
           "Monthly cost: inference + fixed monthly + one-time ÷ horizon, at the volume"),
    Column("priced_as", "Priced as", "Priced", _text, _text, 10,
           "How the cost was priced: per inference, per token, or on instances"),
    Column("instances", "Instances", "Inst.", num, num, 11,
           "Instances needed at the volume (candidates priced on instances)"),
    Column("tco_monthly_usd", "TCO $/month", "TCO/mo", usd, usd_short, 12,
           "Total cost of ownership per month: every ledger line (pane 5, cost model)"),
    Column("total_monthly_cost_usd", "Total $/month", "Total/mo", usd, usd_short, 13,
           "Compute plus the cost of errors (error cost × errors per month)"),
    Column("inference_monthly_usd", "Infer $/mo", "Inf/mo", usd, usd_short, 15,
           "Inference cost per month: $/1k × monthly volume ÷ 1,000"),
    Column("fixed_monthly_usd", "Fixed $/mo", "Fix/mo", usd, usd_short, 16,
           "Fixed monthly cost (hosting, licences), from the table"),
    Column("one_time_usd", "One-time $", "Once $", usd, usd_short, 17,
           "One-time cost, spread over the horizon in the monthly cost"),
    Column("cost_per_accuracy_point", "$ per acc. point", "$/pt", _money4, usd_short, 18,
           "Cost per accuracy point: $/1k ÷ accuracy % (lower: each point of accuracy is "
           "bought cheaper)"),
    Column("cost_per_1k_correct", "$/1k correct", "$/1k ok", _money4, usd_short, 19,
           "Cost per 1,000 correct answers: $/1k ÷ (accuracy / 100)"),
    Column("max_volume_per_day_in_budget", "Max/day in budget", "Max/day", num,
           lambda v: usd_short(v).lstrip("$") if isinstance(clean(v), (int, float)) else num(v),
           20, "The most requests per day the monthly budget pays for"),
    Column("maintainability", "Maint", "Maint", num, num, 14,
           "Maintainability score from the table (higher is easier)"),
]
BY_KEY = {c.key: c for c in COLUMNS}
LEFT = {"name", "pareto", "feasible", "priced_as"}
FROZEN = ("rank", "pareto", "name")


def _text_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    s = printable(value)  # escaped before it is cut, so the column keeps its width
    return s if len(s) <= 40 else s[:39] + "…"


class CandidatesPane(Pane):
    PRIMARY = "#candidates-table"
    TITLE = "Candidates"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit_cell", "Edit", id="candidates.edit",
                tooltip="Edit the cell under the cursor (says how it read what you typed)"),
        Binding("a", "add", "Add", id="candidates.add", tooltip="Add a candidate"),
        Binding("d", "duplicate", "Dup", id="candidates.duplicate", show=False,
                tooltip="Duplicate the candidate"),
        Binding("x,delete", "delete", "Del", id="candidates.delete", key_display="x",
                tooltip="Delete the candidate (u undoes)"),
        Binding("s", "sort", "Sort", id="candidates.sort",
                tooltip="Sort by the cursor column (again: by rank)"),
        Binding("S", "reverse", "Reverse", id="candidates.reverse", key_display="S", show=False),
        Binding("c", "add_column", "Add col", id="candidates.add_column",
                tooltip="Add a column, e.g. a maintainability score"),
        Binding("m", "pricing_mode", "Pricing", id="candidates.pricing_mode", show=False,
                tooltip="How the candidate is priced: per inference, per token, on instances"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sort_column: str | None = None  # None: rank order
        self.ascending = True
        self._focus_name: str | None = None
        self._labels: dict[str, str] = {}
        self._helps: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield WorkbenchTable(id="candidates-table", cursor_type="cell", zebra_stripes=True)
        yield Static("", id="candidate-detail")
        yield Static("", id="column-help")
        yield Static("", id="candidates-note")

    # ---- drawing -----------------------------------------------------------

    def _columns(self, table: pd.DataFrame, narrow: bool) -> list[Column]:
        cols: list[Column] = []
        for column in COLUMNS:
            if column.key not in table.columns:
                continue
            volume_only = column.key in ("monthly_cost_usd", "max_volume_per_day_in_budget")
            if volume_only and table[column.key].isna().all():
                continue
            if column.key == "inference_monthly_usd" and not (
                {"fixed_monthly_usd", "one_time_usd", "tco_monthly_usd"} & set(table.columns)
            ):
                continue
            cols.append(column)
        known = {c.key for c in COLUMNS}
        for i, name in enumerate(table.columns):
            if name in known:
                continue
            key = str(name)
            series = table[name]
            if pd.api.types.is_bool_dtype(series):
                fmt: Callable[[Any], str] = lambda v: "yes" if v else "no"  # noqa: E731
            elif pd.api.types.is_numeric_dtype(series):
                fmt = num
            else:
                fmt = _text_cell
            cols.append(Column(key, key, key, fmt, fmt, 100 + i, f"{key}: a column of the table"))
        if narrow:
            cols.sort(key=lambda c: c.priority)
        return cols

    def _view(self, table: pd.DataFrame) -> pd.DataFrame:
        if self.sort_column is None or self.sort_column not in table.columns:
            return table if self.ascending else table.iloc[::-1]
        return table.sort_values(self.sort_column, ascending=self.ascending, kind="stable",
                                 na_position="last")

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        table_widget = self.query_one(WorkbenchTable)
        analysis = snapshot.analysis
        table = analysis.table
        narrow = self.narrow
        columns = self._columns(table, narrow)
        self._labels = {c.key: c.label for c in columns}
        self._helps = {c.key: c.help for c in columns}
        rec = analysis.recommendation.name if analysis.recommendation else None
        view = self._view(table).head(TOP_N)
        header: list[tuple[str, Any]] = []
        for column in columns:
            label = column.short if narrow else column.label
            if column.key == self.sort_column or (
                column.key == "rank" and self.sort_column is None and not self.ascending
            ):
                label = f"{label} {'▲' if self.ascending else '▼'}"
            justify = "left" if column.key in LEFT else "right"
            header.append((column.key, literal(label, justify=justify)))
        data = {column.key: view[column.key].tolist() for column in columns}
        rows: list[tuple[str, list[Any]]] = []
        routed = snapshot.user_rows
        for i, row_label in enumerate(view.index.tolist()):
            cells: list[Any] = []
            for column in columns:
                value = data[column.key][i]
                fmt = column.compact if narrow else column.fmt
                if column.key == "name":
                    style = ("bold green" if value == rec
                             else "cyan" if row_label >= routed else "")
                    cut = NAME_CUT_NARROW if narrow else None
                    cells.append(literal(value, style=style, cut=cut))
                elif column.key == "feasible":
                    cells.append(Text(fmt(value), style="green" if value else "red"))
                elif column.key == "pareto":
                    cells.append(Text(fmt(value), style="yellow"))
                else:  # extra text columns hold the file's own strings
                    justify = "left" if column.key in LEFT else "right"
                    cells.append(literal(fmt(value), justify=justify))
            rows.append((str(row_label), cells))
        keep_row, keep_column = table_widget.cursor_keys()
        if self._focus_name is not None:
            hits = view.index[view["name"].astype(str) == self._focus_name]
            keep_row = str(hits[0]) if len(hits) else keep_row
            self._focus_name = None
        table_widget.replace_rows(header, rows, keep_row=keep_row, keep_column=keep_column)
        frozen = [c.key for c in columns if c.key in FROZEN]
        leading = frozen == [c.key for c in columns[:len(frozen)]]
        table_widget.fixed_columns = len(frozen) if frozen and leading else 0
        self._update_note(snapshot)
        self._update_detail()

    def _update_note(self, snapshot: Snapshot) -> None:
        analysis = snapshot.analysis
        n = len(analysis.table)
        feasible = int(analysis.table["feasible"].sum())
        order = ("rank" if self.sort_column is None
                 else self._labels.get(self.sort_column, self.sort_column))
        parts = [f"{n:,} candidates", f"{feasible:,} feasible",
                 f"{FRONTIER_MARK} {len(analysis.frontier):,} on the frontier"]
        if n > TOP_N:
            parts.append(f"showing {TOP_N:,} of {n:,} by {order}")
        else:
            parts.append(f"by {order}{'' if self.ascending else ' (reversed)'}")
        if snapshot.evaluation.routing is not None and n > snapshot.user_rows:
            parts.append("cyan: the routed system (pane 7)")
        self.query_one("#candidates-note", Static).update(literal(" · ".join(parts), style="dim"))

    def _update_detail(self) -> None:
        detail = self.query_one("#candidate-detail", Static)
        helper = self.query_one("#column-help", Static)
        if self.snapshot is None:
            return
        analysis = self.snapshot.analysis
        row_key, column = self.query_one(WorkbenchTable).cursor_keys()
        helper.update(literal(self._helps.get(column or "", ""), style="dim italic"))
        if row_key is None:
            detail.update("")
            return
        row_label = int(row_key)
        try:
            position = analysis.table.index.get_loc(row_label)
        except KeyError:
            detail.update("")
            return
        if not isinstance(position, int):  # a slice or mask: labels are unique, never here
            detail.update("")
            return
        row = analysis.table.iloc[position]
        text = Text()
        name = str(row["name"])
        if bool(row["feasible"]):
            text.append("✓ ", style="bold green")
            text.append(printable(name), style="bold")
            text.append(" meets every constraint")
        else:
            text.append("✗ ", style="bold red")
            text.append(printable(name), style="bold")
            broken = "; ".join(analysis.violations_at(position))
            text.append(": " + printable(broken), style="red")
        extra = []
        if analysis.recommendation and analysis.recommendation.name == name:
            extra.append("recommended")
        if bool(row["pareto"]):
            extra.append("on the frontier")
        extra.append(f"rank {int(analysis.table['rank'].iloc[position])}")
        if row_label >= self.snapshot.user_rows:
            extra.append("the routed system: its figures come from pane 7")
        text.append(" · " + " · ".join(extra), style="dim")
        detail.update(text)

    @on(DataTable.CellHighlighted, "#candidates-table")
    def _highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._update_detail()

    def copy_value(self, focused: Widget) -> str | None:
        """The exact figure of the cell (the table shows it rounded)."""
        if self.snapshot is None or not isinstance(focused, WorkbenchTable):
            return None
        row_key, column = focused.cursor_keys()
        table = self.snapshot.analysis.table
        if row_key is None or column is None or column not in table.columns:
            return None
        value = clean(table.loc[int(row_key), column])
        return "" if value is None else printable(value)

    # ---- actions -----------------------------------------------------------

    def _cursor(self) -> tuple[int | None, str | None]:
        row_key, column = self.query_one(WorkbenchTable).cursor_keys()
        return (None if row_key is None else int(row_key)), column

    def _own_row(self, row: int | None) -> bool:
        """The row is the session's own (not the routed system the evaluation adds);
        a notice says why not."""
        if row is None or self.snapshot is None:
            return False
        if row >= self.snapshot.user_rows:
            self.notify("This row is the routed system: its figures come from the routing "
                        "simulation (pane 7), not from the table.", severity="warning")
            return False
        return True

    @on(DataTable.CellSelected, "#candidates-table")
    def _selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_edit_cell()

    def action_edit_cell(self) -> None:
        from workbench import edits
        from workbench.tui.screens.prompt import PromptScreen

        row, column = self._cursor()
        if column is None or self.snapshot is None or not self._own_row(row):
            return
        assert row is not None
        own = self.snapshot.session.scenario.candidates.columns
        if column in edits.COMPUTED or column not in own:
            self.notify(
                f"{self._labels.get(column, column)} is computed by the analysis; "
                "edit the inputs (accuracy, latency, cost…) instead",
                severity="warning",
            )
            return
        if column == edits.PRICING_MODE:
            self.action_pricing_mode()
            return
        frame = self.snapshot.session.scenario.candidates
        value = frame[column].iloc[row]
        shown = "" if value is None or (isinstance(value, float) and math.isnan(value)) else (
            f"{value:.10g}" if isinstance(value, float) else str(value)
        )
        name = str(frame["name"].iloc[row])

        def check(text: str) -> str | None:
            try:
                edits.set_cell(self.current_session(), row, column, text)
            except InputError as exc:
                return str(exc)
            return None

        def explain(text: str) -> str:
            return edits.read_cell(frame, row, column, text).understood

        def done(text: str | None) -> None:
            if text is None:
                return
            if column == "name":
                self._focus_name = text.strip()
            self.edit(lambda s: edits.set_cell(s, row, column, text), f"edit {column} of {name}")

        label = self._labels.get(column, column)
        hint = {"name": "", "accuracy": "percent: 72 or 72%; 0.72 is a fraction only when the "
                "column holds fractions"}.get(column, "blank = missing (optional columns); "
                                              "15k, $0.02, 1,500 are numbers")
        self.app.push_screen(
            PromptScreen(f"Edit {label}", f"{name}: {column}", shown, check=check, hint=hint,
                         explain=explain if column != "name" else None),
            done,
        )

    def action_pricing_mode(self) -> None:
        from workbench import edits
        from workbench.pricing.resolve import PRICING_MODES
        from workbench.tui.screens.prompt import FormScreen

        row, _ = self._cursor()
        if self.snapshot is None or not self._own_row(row):
            return
        assert row is not None
        frame = self.snapshot.session.scenario.candidates
        name = str(frame["name"].iloc[row])
        current = (frame[edits.PRICING_MODE].iloc[row] if edits.PRICING_MODE in frame.columns
                   else None)
        table = self.snapshot.analysis.table
        priced = table.loc[row, "priced_as"] if "priced_as" in table.columns else "per_inference"
        choices = ["auto", *PRICING_MODES]

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            mode = values["mode"] or "auto"
            chosen = None if mode == "auto" else mode
            self.edit(lambda s: edits.set_pricing_mode(s, row, chosen),
                      f"pricing mode of {name}")

        self.app.push_screen(FormScreen(
            f"Pricing mode of {name}",
            [("mode", "Pricing mode",
              str(current) if isinstance(current, str) and current else "auto", choices)],
            note=f"Now priced {printable(priced)}. auto: from the row's prices (cost_per_1k; "
                 "token prices; hourly_usd and throughput_per_s). A mode needs its prices "
                 "in the row (edit them with e)."), done)

    def action_add(self) -> None:
        from workbench import edits
        from workbench.tui.screens.prompt import FormScreen

        if self.snapshot is None:
            return
        frame = self.snapshot.session.scenario.candidates
        fields = [(c, c, "") for c in edits.input_columns(frame)]
        fields[0] = ("name", "name", edits.unique_name(frame, "New candidate"))

        def check(values: dict[str, str]) -> str | None:
            try:
                edits.add_candidate(self.current_session(), values)
            except InputError as exc:
                return str(exc)
            return None

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            self._focus_name = values["name"].strip()
            self.edit(lambda s: edits.add_candidate(s, values), f"add {self._focus_name}")

        self.app.push_screen(FormScreen("Add a candidate", fields, check=check), done)

    def action_duplicate(self) -> None:
        from workbench import edits

        row, _ = self._cursor()
        if self.snapshot is None or not self._own_row(row):
            return
        assert row is not None
        _, name = edits.duplicate_candidate(self.snapshot.session, row)
        self._focus_name = name
        self.edit(lambda s: edits.duplicate_candidate(s, row)[0], f"duplicate as {name}")

    def action_delete(self) -> None:
        from workbench import edits

        row, _ = self._cursor()
        if self.snapshot is None or not self._own_row(row):
            return
        assert row is not None
        name = str(self.snapshot.session.scenario.candidates["name"].iloc[row])
        self.edit(lambda s: edits.delete_candidate(s, row), f"delete {name}")
        self.notify(f"Deleted {name} (u to undo)")

    def action_sort(self) -> None:
        _, column = self._cursor()
        if column is None:
            return
        if column == "rank" or column == self.sort_column:
            self.sort_column = None
        else:
            self.sort_column = column
        self.ascending = True
        self.redraw()

    def action_reverse(self) -> None:
        self.ascending = not self.ascending
        self.redraw()

    def action_add_column(self) -> None:
        from workbench import edits
        from workbench.tui.screens.prompt import PromptScreen

        def check(text: str) -> str | None:
            try:
                edits.add_column(self.current_session(), text)
            except InputError as exc:
                return str(exc)
            return None

        def done(text: str | None) -> None:
            if text:
                self.edit(lambda s: edits.add_column(s, text), f"add column {text.strip()}")

        self.app.push_screen(
            PromptScreen("Add a column", "Column name (then type each score with e)",
                         "maintainability", check=check),
            done,
        )
