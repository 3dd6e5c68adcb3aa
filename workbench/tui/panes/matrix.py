"""Pane 4: the decision matrix and the recommendation; `v`: how sure the pick is.

Matrix view: each criterion's contribution to the score (at 80 columns the headers
take two lines and the bars go, so every criterion fits; rank and name stay frozen).

Robustness view: the critical weights (the share of each criterion at which the pick
changes, either way, and to whom), the tornado chart of the shares over which the pick
holds, rank acceptability from SMAA (how often each candidate ranks first, second...
when weights and measurements vary as the session's [uncertainty] says) and the risk
register with mitigations. The app assesses them in a thread worker after each edit
(the next edit cancels it), so `+`/`-` on a criterion here re-weighs it and the view
follows live.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Static

from workbench.fmt import printable
from workbench.tui.panes.base import Pane
from workbench.tui.safe import literal
from workbench.tui.state import Snapshot
from workbench.tui.widgets.bars import bar, criterion_color, stacked_bar
from workbench.tui.widgets.tables import WorkbenchTable

if TYPE_CHECKING:
    from workbench.evaluation import Robustness
    from workbench.tui.app import WorkbenchApp

MATRIX_ROWS = 100
CELL_BAR = 5
SCORE_BAR = 12
SCORE_BAR_NARROW = 4
NAME_CUT_NARROW = 22
CRITERION_CUT_NARROW = 10
SMAA_ROWS = 10
SMAA_RANKS = 3


class WeightsTable(WorkbenchTable):
    """Critical weights, one criterion per row: + and - re-weigh it (the view follows)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus,equals_sign,right,l", "weight(1)", "Weight+", id="robustness.weight_up",
                key_display="+"),
        Binding("minus,left,h", "weight(-1)", "Weight−", id="robustness.weight_down",
                key_display="-"),
    ]

    def action_weight(self, steps: int) -> None:
        self.query_ancestor(MatrixPane).change_weight(steps)


class MatrixPane(Pane):
    PRIMARY = "#matrix-table"
    TITLE = "Decision matrix · robustness"
    VIEWS = ("matrix", "robustness")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_candidate", "Show in pane 1", id="matrix.open_candidate"),
        Binding("v", "next_view", "Robustness/matrix", id="matrix.view",
                tooltip="Switch between the decision matrix and how sure the pick is"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="matrix-view"):
            yield WorkbenchTable(id="matrix-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="matrix-note")
            yield Static("", id="recommendation")
        with VerticalScroll(id="robust-view"):
            yield Static("", id="robust-summary")
            yield Static("Critical weights: the share at which the pick changes",
                         classes="section-title")
            yield WeightsTable(id="weights-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="robust-notes")
            yield Static("Tornado: the shares over which the pick holds",
                         classes="section-title")
            yield Static("", id="tornado")
            yield Static("Rank acceptability (SMAA)", classes="section-title", id="smaa-title")
            smaa = WorkbenchTable(id="smaa-table", cursor_type="none", zebra_stripes=True)
            smaa.can_focus = False  # shown in full: the view scrolls, not the table
            yield smaa
            yield Static("Risks and mitigations", classes="section-title")
            yield Static("", id="risks")

    def primary(self) -> Widget | None:
        return self.query_one("#weights-table" if self.view == "robustness" else "#matrix-table")

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        if self.view == "robustness":
            self._draw_robustness(snapshot)
        else:
            self._draw_matrix(snapshot)

    # ---- matrix ------------------------------------------------------------------

    def _draw_matrix(self, snapshot: Snapshot) -> None:
        analysis = snapshot.analysis
        table = analysis.table
        narrow = self.narrow
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
            if narrow:  # two header lines: the name, then its share
                label = literal(c.given_as, cut=CRITERION_CUT_NARROW, style=criterion_color(i))
                label.append(f"\n{c.weight:.0%}", style=criterion_color(i))
            else:
                label = literal(f"{c.given_as} {c.weight:.0%}", style=criterion_color(i),
                                justify="left")
            header.append((f"c:{c.column}", label))
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
                literal(f"{name}{mark}", style=style, cut=NAME_CUT_NARROW if narrow else None),
            ]
            parts = [(values[c.column][i], criterion_color(j)) for j, c in enumerate(criteria)]
            score = Text(f"{scores[i]:.3f} ", style="bold" if name == rec else "")
            score.append_text(stacked_bar(parts, SCORE_BAR_NARROW if narrow else SCORE_BAR))
            cells.append(score)
            for j, c in enumerate(criteria):
                v = values[c.column][i]
                cell = Text(f"{v:.3f}" + ("" if narrow else " "))
                if not narrow:
                    cell.append(bar(v / largest, CELL_BAR), style=criterion_color(j))
                cells.append(cell)
            rows.append((str(name), cells))
        widget = self.query_one("#matrix-table", WorkbenchTable)
        widget.header_height = 2 if narrow and criteria else 1
        keep, _ = widget.cursor_keys()
        widget.replace_rows(header, rows, keep_row=keep)
        widget.fixed_columns = 2
        n = len(table)
        note = Text()
        if n > MATRIX_ROWS:
            note.append(f"showing {MATRIX_ROWS:,} of {n:,} by rank · ", style="dim")
        for i, c in enumerate(criteria):
            note.append("█ ", style=criterion_color(i))
            note.append(f"{printable(c.given_as)}  ")
        note.append("· score = Σ weight × normalized value · v: robustness", style="dim")
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
        if self.view != "matrix":
            return
        row_key, _ = self.query_one("#matrix-table", WorkbenchTable).cursor_keys()
        if row_key is not None:
            self.app.show_candidate(row_key)  # type: ignore[attr-defined]

    # ---- robustness ----------------------------------------------------------------

    def _draw_robustness(self, snapshot: Snapshot) -> None:
        app = cast("WorkbenchApp", self.app)
        robust = snapshot.robustness
        summary = self.query_one("#robust-summary", Static)
        if robust is None:
            error = app.robustness_error() if snapshot.generation == app.generation else None
            if error:
                summary.update(literal(f"Could not assess the pick: {error}", style="red"))
                return
            app.request_robustness()
            draws = int(snapshot.session.scenario.uncertainty.smaa_draws)
            summary.update(Text(f"assessing the pick (sensitivity, {draws:,} SMAA draws, "
                                "risks)…", style="italic yellow"))
            return
        summary.update(self._summary(snapshot, robust))
        self._draw_weights(snapshot, robust)
        notes = [printable(n) for n in robust.notes]
        self.query_one("#robust-notes", Static).update(
            literal("\n".join(notes), newlines=True, style="dim"))
        from workbench.views.charts import tornado_chart

        tornado = (tornado_chart(robust.tornado, width=max(40, self.size.width - 4))
                   if robust.tornado else
                   "No tornado: the weights do not decide the pick (see the notes above).\n")
        self.query_one("#tornado", Static).update(literal(tornado.rstrip("\n"), newlines=True))
        self._draw_smaa(snapshot, robust)
        self.query_one("#risks", Static).update(self._risks(robust))

    def _summary(self, snapshot: Snapshot, robust: Robustness) -> Text:
        rec = snapshot.analysis.recommendation
        text = Text()
        if rec is None:
            text.append("No pick to assess: no candidate meets every constraint.", style="bold red")
            return text
        text.append("Pick: ", style="bold")
        text.append(printable(rec.name), style="bold green")
        near = [(s, s.nearest) for s in robust.sensitivity if s.nearest is not None]
        if near:
            s, change = min(near, key=lambda sc: abs(sc[1].change or 0.0))
            assert change is not None and change.weight_at is not None
            text.append(f" · nearest change: {printable(s.criterion)} {s.weight:.0%} → "
                        f"{change.weight_at:.0%} picks {printable(change.new_pick)}")
        elif robust.sensitivity:
            text.append(" · no single weight change moves the pick")
        smaa = robust.smaa
        if smaa is not None and smaa.p_pick_first is not None:
            text.append(f"\nSMAA: first in {smaa.p_pick_first:.1%} of {smaa.draws:,} draws "
                        f"(varying {', '.join(smaa.varied)})")
        total = robust.total_cost
        if total is not None and total.disagreement:
            text.append(f"\nBy total cost: {printable(total.disagreement)}", style="yellow")
        return text

    def _draw_weights(self, snapshot: Snapshot, robust: Robustness) -> None:
        narrow = self.narrow
        cut = 18 if narrow else 36

        def change(c: Any) -> Text:
            if c.never:
                return Text("never", style="dim")
            text = Text(f"{c.weight_at:.0%} → ")
            text.append_text(literal(c.new_pick, cut=cut))
            return text

        rows = []
        for s in robust.sensitivity:
            rows.append((s.criterion, [literal(s.criterion, cut=16),
                                       Text(f"{s.weight:.0%}", justify="right"),
                                       change(s.down), change(s.up)]))
        table = self.query_one("#weights-table", WeightsTable)
        keep, _ = table.cursor_keys()
        table.replace_rows([("criterion", "Criterion"), ("share", Text("Share", justify="right")),
                            ("down", "Lower to"), ("up", "Raise to")], rows, keep_row=keep)

    def _draw_smaa(self, snapshot: Snapshot, robust: Robustness) -> None:
        smaa = robust.smaa
        table = self.query_one("#smaa-table", WorkbenchTable)
        title = self.query_one("#smaa-title", Static)
        if smaa is None:
            title.update("Rank acceptability (SMAA): not computed (SMAA draws 0, or see notes)")
            table.replace_rows([("none", "")], [])
            return
        title.update(f"Rank acceptability (SMAA, {smaa.draws:,} draws, seed {smaa.seed})")
        ranks = min(SMAA_RANKS, smaa.acceptability.shape[1])
        header: list[tuple[str, Any]] = [("name", "Candidate")]
        header += [(f"r{r}", Text(f"P(rank {r + 1})", justify="right")) for r in range(ranks)]
        header.append(("feasible", Text("P(feasible)", justify="right")))
        rows = []
        for i, name in enumerate(smaa.names[:SMAA_ROWS]):
            cells: list[Any] = [literal(name, cut=NAME_CUT_NARROW if self.narrow else 36)]
            cells += [Text(f"{smaa.acceptability[i, r]:.1%}", justify="right")
                      for r in range(ranks)]
            cells.append(Text(f"{smaa.p_feasible[i]:.1%}", justify="right"))
            rows.append((str(i), cells))
        table.replace_rows(header, rows)

    def _risks(self, robust: Robustness) -> Text:
        text = Text()
        if not robust.risks:
            text.append("No risk flagged.", style="dim")
            return text
        for risk in robust.risks:
            text.append("• ")
            text.append(printable(risk.title), style="bold")
            text.append(f": {printable(risk.figure)}\n")
            text.append(f"  mitigation: {printable(risk.mitigation)}\n", style="dim")
        text.rstrip()
        return text

    def change_weight(self, steps: int) -> None:
        from workbench import edits

        if self.snapshot is None:
            return
        key, _ = self.query_one("#weights-table", WeightsTable).cursor_keys()
        if key is None:
            return
        analysis = self.snapshot.analysis
        column = key
        self.edit(lambda s: edits.change_criterion(
            s, analysis, column, lambda c: replace(c, weight=edits.step_weight(c.weight, steps))),
            f"weight of {column}", coalesce=f"weight:{column}",
            origin=self.query_one("#weights-table"))

    def copy_value(self, focused: Widget) -> str | None:
        return None
