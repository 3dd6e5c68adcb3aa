"""Pane 2: workload, constraints, criteria weights and normalization.

The fields are `CommitField`s: a value reaches the session when it is committed (enter,
or leaving the field) and only if it parses and the engine accepts it; until then the
session, the analysis and a save hold the last applied value. A value that does not
parse, or that the engine refuses (e.g. a limit on an unknown column), is marked in
place with the reason below the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Select, Static

from workbench import edits
from workbench.fmt import fmt_num
from workbench.model import NORMALIZATIONS, Criterion, Session
from workbench.parse import format_limits, parse_limits
from workbench.parse import parse_optional as parse_number
from workbench.tui.messages import EditRejected
from workbench.tui.panes.base import Pane
from workbench.tui.safe import literal
from workbench.tui.screens.prompt import PromptScreen
from workbench.tui.state import Snapshot
from workbench.tui.widgets.bars import bar
from workbench.tui.widgets.field import CommitField, Outcome, apply_now
from workbench.tui.widgets.tables import WorkbenchTable


def _number(blank_ok: bool = True, positive: bool = False, minimum: float | None = 0.0):  # type: ignore[no-untyped-def]
    return lambda text: parse_number(text, blank_ok=blank_ok, positive=positive,
                                     minimum=None if positive else minimum)


def _percent(text: str) -> float | None:
    value = parse_number(text.rstrip("% "), blank_ok=True, minimum=0.0)
    if value is not None and value > 100:
        raise ValueError("a percentage is at most 100")
    return value


# (field id, label, parser, getter, setter, placeholder)
Getter = Callable[[Session], str]
Setter = Callable[[Session, Any], Session]


def _set_workload(key: str) -> Setter:
    return lambda s, v: s.with_scenario(workload=replace(s.scenario.workload, **{key: v}))


def _set_constraint(key: str) -> Setter:
    return lambda s, v: s.with_scenario(constraints=replace(s.scenario.constraints, **{key: v}))


def _set_limits(s: Session, value: tuple[dict[str, float], dict[str, float]]) -> Session:
    upper, lower = value
    return s.with_scenario(constraints=replace(s.scenario.constraints, max=upper, min=lower))


def _fmt(value: float | None) -> str:
    return "" if value is None else fmt_num(value)


FIELDS: list[tuple[str, str, Callable[[str], Any], Getter, Setter, str]] = [
    ("volume", "Volume / day", _number(), lambda s: _fmt(s.scenario.workload.volume_per_day),
     _set_workload("volume_per_day"), "none: costs per 1k"),
    ("days", "Days / month", _number(blank_ok=False, positive=True),
     lambda s: _fmt(s.scenario.workload.days_per_month), _set_workload("days_per_month"), "30"),
    ("horizon", "Horizon months", _number(blank_ok=False, positive=True),
     lambda s: _fmt(s.scenario.workload.horizon_months), _set_workload("horizon_months"), "12"),
    ("budget", "Budget $/month", _number(), lambda s: _fmt(s.scenario.constraints.monthly_budget_usd),
     _set_constraint("monthly_budget_usd"), "none"),
    ("latency", "Max latency ms", _number(), lambda s: _fmt(s.scenario.constraints.max_latency_ms),
     _set_constraint("max_latency_ms"), "none"),
    ("accuracy", "Min accuracy %", _percent, lambda s: _fmt(s.scenario.constraints.min_accuracy),
     _set_constraint("min_accuracy"), "none"),
    ("limits", "Other limits", parse_limits,
     lambda s: format_limits(s.scenario.constraints.max, s.scenario.constraints.min),
     _set_limits, "e.g. params_m<=50, gflops>=2"),
]
WIDE = 110


class CriteriaTable(WorkbenchTable):
    """The criteria, one per row; keys change the focused criterion."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus,equals_sign,right,l", "weight(1)", "Weight+", id="criteria.weight_up",
                key_display="+"),
        Binding("minus,left,h", "weight(-1)", "Weight−", id="criteria.weight_down",
                key_display="-"),
        Binding("m", "direction", "Max/min", id="criteria.direction"),
        Binding("t", "scale", "Log", id="criteria.scale", tooltip="Linear or log10 scale"),
        Binding("enter", "type_weight", "Type a weight", id="criteria.type_weight", show=False),
    ]

    def action_weight(self, steps: int) -> None:
        self.parent_pane().change_weight(steps)

    def action_direction(self) -> None:
        self.parent_pane().flip("direction")

    def action_scale(self) -> None:
        self.parent_pane().flip("scale")

    def action_type_weight(self) -> None:
        self.parent_pane().type_weight()

    def action_cursor_up(self) -> None:
        if self.cursor_coordinate.row <= 0:
            self.screen.focus_previous()  # the top row: up to the field above
            return
        super().action_cursor_up()

    def parent_pane(self) -> ConstraintsPane:
        return self.query_ancestor(ConstraintsPane)


class ConstraintsPane(Pane):
    PRIMARY = "#criteria-table"
    TITLE = "Constraints & weights"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[Criterion] = []
        self._local: dict[str, Criterion] = {}  # unused criteria flipped before weighing

    def compose(self):  # type: ignore[no-untyped-def]
        with Horizontal(id="constraints-body"):
            with Vertical(id="constraints-form"):
                for key, label, parse, _, _, placeholder in FIELDS:
                    with Horizontal(classes="form-row"):
                        yield Label(label, classes="form-label")
                        yield CommitField(parse, self._apply_field, label=label,
                                          id=f"field-{key}", placeholder=placeholder)
                with Horizontal(classes="form-row"):
                    yield Label("Normalization", classes="form-label")
                    yield Select([(m, m) for m in NORMALIZATIONS], allow_blank=False,
                                 value="minmax", id="field-normalization", compact=True)
                yield Static("", id="constraints-error")
            with Vertical(id="criteria-box"):
                yield Static("Criteria and weights", id="criteria-title", classes="section-title")
                yield CriteriaTable(id="criteria-table", cursor_type="row", zebra_stripes=True)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE, "-wide")

    # ---- drawing -----------------------------------------------------------

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        session = snapshot.session
        for key, _, _, getter, _, _ in FIELDS:
            self.query_one(f"#field-{key}", CommitField).show(getter(session))
        select = self.query_one("#field-normalization", Select)
        if select.value != session.scenario.scoring.normalization:
            with select.prevent(Select.Changed):
                select.value = session.scenario.scoring.normalization
        self._draw_criteria(snapshot)

    def _draw_criteria(self, snapshot: Snapshot) -> None:
        analysis = snapshot.analysis
        rows = edits.criteria_rows(snapshot.session, analysis)
        rows = [self._local.get(c.column, c) if c.weight == 0 else c for c in rows]
        self._rows = rows
        shares = {c.given_as: c.weight for c in analysis.criteria}
        resolved = {c.given_as: c.column for c in analysis.criteria}
        table = self.query_one(CriteriaTable)
        header = [
            ("criterion", "Criterion"), ("direction", "Dir"), ("scale", "Scale"),
            ("weight", Text("Weight", justify="right")), ("share", Text("Share", justify="right")),
            ("bar", ""),
        ]
        out = []
        for c in rows:
            share = shares.get(c.column)
            name = c.column if c.column not in resolved or resolved[c.column] == c.column else (
                f"{c.column} ({resolved[c.column]})"
            )
            style = "" if c.weight > 0 else "dim"
            out.append((c.column, [
                literal(name, style=style),
                Text(c.direction, style=style),
                Text(c.scale, style=style),
                Text(f"{c.weight:.2f}", justify="right", style=style),
                Text("–" if share is None else f"{share:.0%}", justify="right", style=style),
                Text(bar(share or 0.0, 10), style="cyan"),
            ]))
        keep, _ = table.cursor_keys()
        table.replace_rows(header, out, keep_row=keep)

    # ---- fields --------------------------------------------------------------

    def _apply_field(self, field: CommitField, value: Any) -> Outcome:
        key = (field.id or "").removeprefix("field-")
        setter = next(f[4] for f in FIELDS if f[0] == key)
        return apply_now(field, lambda s: setter(s, value), f"set {field.label.lower()}")

    @on(CommitField.Noted)
    def _field_noted(self, event: CommitField.Noted) -> None:
        event.stop()
        self.query_one("#constraints-error", Static).update(event.rich())

    @on(EditRejected)
    def _rejected(self, event: EditRejected) -> None:
        """A criterion edit the engine refused (fields take their own)."""
        event.stop()
        self.query_one("#constraints-error", Static).update(
            literal(f"{event.error} (not applied)", style="red")
        )

    @on(Select.Changed, "#field-normalization")
    def _normalization(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        if value is Select.NULL or (
            self.snapshot is not None and value == self.snapshot.session.scenario.scoring.normalization
        ):
            return
        self.edit(
            lambda s: s.with_scenario(scoring=replace(s.scenario.scoring, normalization=value)),
            f"normalization {value}",
        )

    # ---- criteria ------------------------------------------------------------

    def _focused_row(self) -> tuple[int, Criterion] | None:
        table = self.query_one(CriteriaTable)
        if not self._rows or not table.row_count:
            return None
        index = table.cursor_coordinate.row
        if index >= len(self._rows):
            return None
        return index, self._rows[index]

    def _apply(self, column: str, change: Callable[[Criterion], Criterion], label: str,
               coalesce: str | None = None) -> None:
        """Edit the criterion on `column` of whatever session is current when the app
        applies it (edits queued during a background analysis add up). Only edits with
        the same `coalesce` key in a row share one undo step."""
        assert self.snapshot is not None
        analysis = self.snapshot.analysis
        local = self._local.pop(column, None)

        def changed(c: Criterion) -> Criterion:
            return change(local if (local is not None and c.weight == 0) else c)

        self.edit(lambda s: edits.change_criterion(s, analysis, column, changed), label,
                  coalesce=coalesce, origin=self.query_one(CriteriaTable))

    def change_weight(self, steps: int) -> None:
        focused = self._focused_row()
        if focused is None:
            return
        _, c = focused
        self._apply(c.column, lambda x: replace(x, weight=edits.step_weight(x.weight, steps)),
                    f"weight of {c.column}", coalesce=f"weight:{c.column}")

    def flip(self, what: str) -> None:
        focused = self._focused_row()
        if focused is None:
            return
        _, c = focused

        def flipped(x: Criterion) -> Criterion:
            if what == "direction":
                return replace(x, direction="min" if x.direction == "max" else "max")
            return replace(x, scale="linear" if x.scale == "log10" else "log10")

        if c.weight == 0:
            self._local[c.column] = flipped(c)  # not scored yet: remember until weighed
            assert self.snapshot is not None
            self._draw_criteria(self.snapshot)
            return
        self._apply(c.column, flipped, f"{what} of {c.column}")

    def type_weight(self) -> None:
        focused = self._focused_row()
        if focused is None:
            return
        _, c = focused

        def check(text: str) -> str | None:
            try:
                parse_number(text, blank_ok=False, minimum=0.0)
            except ValueError as exc:
                return str(exc)
            return None

        def done(text: str | None) -> None:
            if text is None:
                return
            weight = parse_number(text, blank_ok=False, minimum=0.0)
            assert weight is not None
            self._apply(c.column, lambda x: replace(x, weight=weight),
                        f"weight of {c.column} {weight:g}")

        self.app.push_screen(
            PromptScreen(f"Weight of {c.column}", "Raw weight (shares are normalized to 100%)",
                         f"{c.weight:g}", check=check),
            done,
        )
