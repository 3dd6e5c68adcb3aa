"""Pane 4: the decision matrix (each criterion's contribution) and the recommendation."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from workbench.fmt import printable
from workbench.tui.panes.base import Pane
from workbench.tui.safe import literal
from workbench.tui.state import Snapshot
from workbench.tui.widgets.bars import bar, criterion_color, stacked_bar
from workbench.tui.widgets.tables import WorkbenchTable

MATRIX_ROWS = 100
CELL_BAR = 5
SCORE_BAR = 12


class MatrixPane(Pane):
    PRIMARY = "#matrix-table"
    TITLE = "Decision matrix"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_candidate", "Show in pane 1", id="matrix.open_candidate"),
    ]

    def compose(self):  # type: ignore[no-untyped-def]
        yield WorkbenchTable(id="matrix-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="matrix-note")
        yield Static("", id="recommendation")

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        analysis = snapshot.analysis
        table = analysis.table
        criteria = tuple(c for c in analysis.criteria if c.weight > 0)  # weight 0: no column
        top = table.head(MATRIX_ROWS)
        contrib = analysis.contributions.head(MATRIX_ROWS)
        largest = max((c.weight for c in criteria), default=1.0) or 1.0
        header: list[tuple[str, Any]] = [
            ("rank", Text("#", justify="right")),
            ("name", "Candidate"),
            ("score", Text("Score", justify="left")),
        ]
        for i, c in enumerate(criteria):
            header.append((f"c:{c.column}", literal(f"{c.given_as} {c.weight:.0%}",
                                                    style=criterion_color(i), justify="left")))
        rec = analysis.recommendation.name if analysis.recommendation else None
        names = top["name"].tolist()
        ranks = top["rank"].tolist()
        scores = top["score"].tolist()
        feasible = top["feasible"].tolist()
        values = {c.column: contrib[c.column].tolist() for c in criteria}
        rows = []
        for i, name in enumerate(names):
            style = "bold green" if name == rec else ("" if feasible[i] else "dim")
            mark = "" if feasible[i] else " ✗"
            cells: list[Any] = [
                Text(str(ranks[i]), justify="right"),
                literal(f"{name}{mark}", style=style),
            ]
            parts = [(values[c.column][i], criterion_color(j)) for j, c in enumerate(criteria)]
            score = Text(f"{scores[i]:.3f} ", style="bold" if name == rec else "")
            score.append_text(stacked_bar(parts, SCORE_BAR))
            cells.append(score)
            for j, c in enumerate(criteria):
                v = values[c.column][i]
                cell = Text(f"{v:.3f} ")
                cell.append(bar(v / largest, CELL_BAR), style=criterion_color(j))
                cells.append(cell)
            rows.append((str(name), cells))
        widget = self.query_one(WorkbenchTable)
        keep, _ = widget.cursor_keys()
        widget.replace_rows(header, rows, keep_row=keep)
        n = len(table)
        note = Text()
        if n > MATRIX_ROWS:
            note.append(f"showing {MATRIX_ROWS:,} of {n:,} by rank · ", style="dim")
        for i, c in enumerate(criteria):
            note.append("█ ", style=criterion_color(i))
            note.append(f"{printable(c.given_as)}  ")
        note.append("· score = Σ weight × normalized value", style="dim")
        note.no_wrap = True
        note.overflow = "ellipsis"
        self.query_one("#matrix-note", Static).update(note)
        self.query_one("#recommendation", Static).update(self._recommendation(snapshot))

    def _recommendation(self, snapshot: Snapshot) -> Text:
        analysis = snapshot.analysis
        rec = analysis.recommendation
        text = Text()
        if rec is None:
            text.append("No recommendation: ", style="bold red")
            text.append(printable(analysis.no_recommendation_reason))
            return text
        text.append("Recommendation: ", style="bold")
        text.append(printable(rec.name), style="bold green")
        text.append(f"\nWhy: {printable(rec.reason)}")
        contrib = analysis.contributions.iloc[0]
        ranked = sorted(analysis.criteria, key=lambda c: -float(contrib[c.column]))
        strongest = [f"{printable(c.given_as)} {float(contrib[c.column]):.3f}" for c in ranked[:2]
                     if float(contrib[c.column]) > 0]
        if strongest:
            text.append(f"\nLargest contributions: {', '.join(strongest)}", style="dim")
        if rec.runner_up is not None:
            text.append("\nRunner-up: ", style="bold")
            text.append(printable(rec.runner_up))
            if rec.score_gap is not None:
                text.append(f" · score gap {rec.score_gap:+.3f}")
            runner = analysis.row(rec.runner_up)
            if not bool(runner["feasible"]):
                text.append(" (breaks a constraint)", style="red")
        return text

    @on(DataTable.RowSelected, "#matrix-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_candidate()

    def action_open_candidate(self) -> None:
        row_key, _ = self.query_one(WorkbenchTable).cursor_keys()
        if row_key is not None:
            self.app.show_candidate(row_key)  # type: ignore[attr-defined]
