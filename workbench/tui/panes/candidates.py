"""Pane 1: the candidate table with derived metrics, frontier marks and feasibility."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import pandas as pd
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from workbench.errors import InputError
from workbench.fmt import num, pct, printable, usd
from workbench.tui.panes.base import Pane
from workbench.tui.safe import literal
from workbench.tui.state import TOP_N, Snapshot
from workbench.tui.widgets.tables import WorkbenchTable

FRONTIER_MARK = "★"


def _score(v: Any) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


# (column, header, formatter); columns missing from the analysis table are skipped.
COLUMNS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("rank", "#", lambda v: str(int(v))),
    ("pareto", FRONTIER_MARK, lambda v: FRONTIER_MARK if v else ""),
    ("name", "Candidate", str),
    ("feasible", "OK", lambda v: "✓" if v else "✗"),
    ("score", "Score", _score),
    ("accuracy", "Acc %", lambda v: pct(v).rstrip("%")),
    ("latency_ms", "Lat ms", num),
    ("cost_per_1k", "$/1k", lambda v: usd(v, 4)),
    ("monthly_cost_usd", "$/month", usd),
    ("inference_monthly_usd", "Infer $/mo", usd),
    ("fixed_monthly_usd", "Fixed $/mo", usd),
    ("one_time_usd", "One-time $", usd),
    ("cost_per_accuracy_point", "$/1k per pt", lambda v: usd(v, 4)),
    ("cost_per_1k_correct", "$/1k correct", lambda v: usd(v, 4)),
    ("max_volume_per_day_in_budget", "Max/day in budget", num),
    ("maintainability", "Maint", num),
]
LEFT = {"name", "pareto", "feasible"}


def _text_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    s = printable(value)  # escaped before it is cut, so the column keeps its width
    return s if len(s) <= 40 else s[:39] + "…"


class CandidatesPane(Pane):
    PRIMARY = "#candidates-table"
    TITLE = "Candidates"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit_cell", "Edit", id="candidates.edit", tooltip="Edit the cell under the cursor"),
        Binding("a", "add", "Add", id="candidates.add", tooltip="Add a candidate"),
        Binding("d", "duplicate", "Duplicate", id="candidates.duplicate"),
        Binding("x,delete", "delete", "Delete", id="candidates.delete", key_display="x"),
        Binding("s", "sort", "Sort", id="candidates.sort", tooltip="Sort by the cursor column (again: by rank)"),
        Binding("S", "reverse", "Reverse", id="candidates.reverse", key_display="S", show=False),
        Binding("c", "add_column", "Add column", id="candidates.add_column", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sort_column: str | None = None  # None: rank order
        self.ascending = True
        self._focus_name: str | None = None
        self._labels: dict[str, str] = {}

    def compose(self):  # type: ignore[no-untyped-def]
        yield WorkbenchTable(id="candidates-table", cursor_type="cell", zebra_stripes=True)
        yield Static("", id="candidate-detail")
        yield Static("", id="candidates-note")

    # ---- drawing -----------------------------------------------------------

    def _columns(self, table: pd.DataFrame) -> list[tuple[str, str, Callable[[Any], str]]]:
        known = {c for c, _, _ in COLUMNS}
        cols = []
        for column, label, fmt in COLUMNS:
            if column not in table.columns:
                continue
            if column in ("monthly_cost_usd", "max_volume_per_day_in_budget") and table[column].isna().all():
                continue
            if column == "inference_monthly_usd" and not (
                {"fixed_monthly_usd", "one_time_usd"} & set(table.columns)
            ):
                continue
            cols.append((column, label, fmt))
        for column in table.columns:
            if column in known:
                continue
            series = table[column]
            if pd.api.types.is_bool_dtype(series):
                cols.append((str(column), str(column), lambda v: "yes" if v else "no"))
            elif pd.api.types.is_numeric_dtype(series):
                cols.append((str(column), str(column), num))
            else:
                cols.append((str(column), str(column), _text_cell))
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
        columns = self._columns(table)
        self._labels = {c: label for c, label, _ in columns}
        rec = analysis.recommendation.name if analysis.recommendation else None
        view = self._view(table).head(TOP_N)
        header: list[tuple[str, Any]] = []
        for column, label, _ in columns:
            if column == self.sort_column or (
                column == "rank" and self.sort_column is None and not self.ascending
            ):
                label = f"{label} {'▲' if self.ascending else '▼'}"
            header.append((column, literal(label, justify="left" if column in LEFT else "right")))
        data = {column: view[column].tolist() for column, _, _ in columns}
        rows: list[tuple[str, list[Any]]] = []
        for i, row_label in enumerate(view.index.tolist()):
            name = data["name"][i]
            cells: list[Any] = []
            for column, _, fmt in columns:
                value = data[column][i]
                if column == "name":
                    cells.append(literal(value, style="bold green" if value == rec else ""))
                elif column == "feasible":
                    cells.append(Text(fmt(value), style="green" if value else "red"))
                elif column == "pareto":
                    cells.append(Text(fmt(value), style="yellow"))
                else:  # extra text columns hold the file's own strings
                    cells.append(literal(fmt(value), justify="left" if column in LEFT else "right"))
            del name
            rows.append((str(row_label), cells))
        keep_row, keep_column = table_widget.cursor_keys()
        if self._focus_name is not None:
            hits = view.index[view["name"].astype(str) == self._focus_name]
            keep_row = str(hits[0]) if len(hits) else keep_row
            self._focus_name = None
        table_widget.replace_rows(header, rows, keep_row=keep_row, keep_column=keep_column)
        self._update_note(snapshot)
        self._update_detail()

    def _update_note(self, snapshot: Snapshot) -> None:
        analysis = snapshot.analysis
        n = len(analysis.table)
        feasible = int(analysis.table["feasible"].sum())
        order = "rank" if self.sort_column is None else self._labels.get(self.sort_column, self.sort_column)
        parts = [f"{n:,} candidates", f"{feasible:,} feasible", f"{FRONTIER_MARK} {len(analysis.frontier):,} on the frontier"]
        if n > TOP_N:
            parts.append(f"showing {TOP_N:,} of {n:,} by {order}")
        else:
            parts.append(f"by {order}{'' if self.ascending else ' (reversed)'}")
        self.query_one("#candidates-note", Static).update(literal(" · ".join(parts), style="dim"))

    def _update_detail(self) -> None:
        detail = self.query_one("#candidate-detail", Static)
        if self.snapshot is None:
            return
        analysis = self.snapshot.analysis
        row_key, _ = self.query_one(WorkbenchTable).cursor_keys()
        if row_key is None:
            detail.update("")
            return
        row_label = int(row_key)
        try:
            position = analysis.table.index.get_loc(row_label)
        except KeyError:
            detail.update("")
            return
        row = analysis.table.iloc[position]
        text = Text(no_wrap=True, overflow="ellipsis")
        name = str(row["name"])
        if bool(row["feasible"]):
            text.append("✓ ", style="bold green")
            text.append(printable(name), style="bold")
            text.append(" meets every constraint")
        else:
            text.append("✗ ", style="bold red")
            text.append(printable(name), style="bold")
            text.append(": " + printable("; ".join(analysis.violations_at(int(position)))), style="red")
        extra = []
        if analysis.recommendation and analysis.recommendation.name == name:
            extra.append("recommended")
        if bool(row["pareto"]):
            extra.append("on the frontier")
        extra.append(f"rank {int(row['rank'])}")
        text.append(" · " + " · ".join(extra), style="dim")
        detail.update(text)

    @on(DataTable.CellHighlighted, "#candidates-table")
    def _highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._update_detail()

    # ---- actions -----------------------------------------------------------

    def _cursor(self) -> tuple[int | None, str | None]:
        row_key, column = self.query_one(WorkbenchTable).cursor_keys()
        return (None if row_key is None else int(row_key)), column

    @on(DataTable.CellSelected, "#candidates-table")
    def _selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_edit_cell()

    def action_edit_cell(self) -> None:
        from workbench import edits
        from workbench.tui.screens.prompt import PromptScreen

        row, column = self._cursor()
        if row is None or column is None or self.snapshot is None:
            return
        if column in edits.COMPUTED:
            self.notify(
                f"{self._labels.get(column, column)} is computed by the analysis; "
                "edit the inputs (accuracy, latency, cost…) instead",
                severity="warning",
            )
            return
        frame = self.snapshot.session.scenario.candidates
        value = frame[column].iloc[row]
        shown = "" if value is None or (isinstance(value, float) and math.isnan(value)) else (
            f"{value:.10g}" if isinstance(value, float) else str(value)
        )
        name = str(frame["name"].iloc[row])

        def check(text: str) -> str | None:
            try:
                edits.set_cell(self.app.session, row, column, text)  # type: ignore[attr-defined]
            except InputError as exc:
                return str(exc)
            return None

        def done(text: str | None) -> None:
            if text is None:
                return
            if column == "name":
                self._focus_name = text.strip()
            self.edit(lambda s: edits.set_cell(s, row, column, text), f"edit {column} of {name}")

        label = self._labels.get(column, column)
        self.app.push_screen(
            PromptScreen(f"Edit {label}", f"{name}: {column}", shown, check=check,
                         hint="blank = missing (optional columns)" if column != "name" else ""),
            done,
        )

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
                edits.add_candidate(self.app.session, values)  # type: ignore[attr-defined]
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
        if row is None or self.snapshot is None:
            return
        _, name = edits.duplicate_candidate(self.snapshot.session, row)
        self._focus_name = name
        self.edit(lambda s: edits.duplicate_candidate(s, row)[0], f"duplicate as {name}")

    def action_delete(self) -> None:
        from workbench import edits

        row, _ = self._cursor()
        if row is None or self.snapshot is None:
            return
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
        self._redraw()

    def action_reverse(self) -> None:
        self.ascending = not self.ascending
        self._redraw()

    def action_add_column(self) -> None:
        from workbench import edits
        from workbench.tui.screens.prompt import PromptScreen

        def check(text: str) -> str | None:
            try:
                edits.add_column(self.app.session, text)  # type: ignore[attr-defined]
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

    def _redraw(self) -> None:
        if self.snapshot is not None:
            snapshot = self.snapshot
            self.generation = -1
            self.show(snapshot)
