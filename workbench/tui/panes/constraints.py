"""Pane 2: every scalar input of the decision, and the criteria's weights.

The form is derived from `workbench.fields.FIELDS` (label, help, unit, bounds, parse,
get, set): one row per field of the scenario's sections, grouped by section and
scrollable, so a field added to the engine's table appears here with its checks. The
composite inputs have rows of their own: other limits (`params_m<=50`) and the
cost-of-ownership ledger's items (a small form). The line under the form says what the
focused field is (the field table's help, unit and bounds).

Number fields are `CommitField`s: a value reaches the session when it is committed
(enter, or leaving the field) and only if it parses and the engine accepts it; until
then the session, the analysis and a save hold the last applied value. A value that
does not parse, or that the engine refuses (e.g. a limit on an unknown column), is
marked in place with the reason below the form. Lists (`FieldSelect`) open on enter;
↑ and ↓ move between fields everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Select, Static

from workbench import edits
from workbench.errors import InputError
from workbench.fields import FIELDS, Field
from workbench.fmt import fmt_num
from workbench.model import Criterion, Session
from workbench.parse import format_limits, parse_limits
from workbench.parse import parse_optional as parse_number
from workbench.tui.messages import EditRejected
from workbench.tui.panes.base import Pane
from workbench.tui.safe import literal
from workbench.tui.screens.prompt import PromptScreen
from workbench.tui.state import Snapshot
from workbench.tui.widgets.bars import bar
from workbench.tui.widgets.field import CommitField, Outcome, apply_now
from workbench.tui.widgets.focus import move_focus
from workbench.tui.widgets.select import FieldSelect
from workbench.tui.widgets.tables import WorkbenchTable

# The sections of the scenario the form shows, in order, with their headings. The
# fields themselves (and their order) come from the field table.
GROUPS: tuple[tuple[str, str], ...] = (
    ("workload", "Workload"), ("constraints", "Constraints"), ("scoring", "Scoring"),
    ("whatif", "What-if"), ("pricing", "Pricing (token and instance prices)"),
    ("tco", "Cost of ownership"), ("uncertainty", "Uncertainty (robustness)"),
)
LIMITS_ID = "field-limits"
LEDGER_ID = "ledger-button"


def form_fields() -> list[Field]:
    """The fields pane 2 edits: every scalar of the scenario's sections that is typed
    or chosen (a candidate's name, the what-if baseline, is chosen on pane 5)."""
    order = [s for s, _ in GROUPS]
    fields = [f for f in FIELDS if f.section in order and f.kind != "name"]
    return sorted(fields, key=lambda f: order.index(f.section))  # stable: table order within


def field_id(f: Field) -> str:
    return f"field-{f.key}"


def _parser(f: Field) -> Callable[[str], Any]:
    """`f.parse` for a CommitField: its refusals as ValueError with the bare message."""
    def parse(text: str) -> Any:
        try:
            return f.parse(text)
        except InputError as exc:
            raise ValueError(exc.message) from None

    return parse


def shown(f: Field, session: Session) -> str:
    """A field's value as the form writes it (blank: not set)."""
    value = f.get(session)
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ", ".join(fmt_num(v) for v in value)
    if isinstance(value, (int, float)):
        return fmt_num(float(value))
    return str(value)


def placeholder(f: Field) -> str:
    if f.default is None:
        return "none" if f.kind != "text" else "today"
    if isinstance(f.default, tuple):
        return ", ".join(f"{v:g}" for v in f.default)
    return f"{f.default:g}" if isinstance(f.default, float) else str(f.default)


def field_help(f: Field) -> str:
    """The line the form shows for the focused field."""
    parts = [f"{f.label}: {f.help}"]
    if f.unit:
        parts.append(f"in {f.unit}")
    if f.bounds_text():
        parts.append(f.bounds_text())
    if f.fraction:
        parts.append("0.7 or 70%")
    if f.choices:
        parts.append(" | ".join(f.choices))
    return "; ".join(parts) + f"  [{f.path}]"


def _set_limits(s: Session, value: tuple[dict[str, float], dict[str, float]]) -> Session:
    upper, lower = value
    return s.with_scenario(constraints=replace(s.scenario.constraints, max=upper, min=lower))


def _limits(text: str) -> tuple[dict[str, float], dict[str, float]]:
    return parse_limits(text)


class FormButton(Button):
    """A button in the form: ↑ and ↓ move between fields, enter presses it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", show=False), Binding("up", "move(-1)", show=False),
    ]

    def action_move(self, step: int) -> None:
        move_focus(self, step)


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
            move_focus(self, -1)  # the top row: up to the field above
            return
        super().action_cursor_up()

    def parent_pane(self) -> ConstraintsPane:
        return self.query_ancestor(ConstraintsPane)


class ConstraintsPane(Pane):
    PRIMARY = "#criteria-table"
    TITLE = "Inputs & weights"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("L", "ledger", "Ledger", id="constraints.ledger", show=False,
                tooltip="Cost-of-ownership ledger items: add, edit, delete"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[Criterion] = []
        self._local: dict[str, Criterion] = {}  # unused criteria flipped before weighing
        self._fields = {field_id(f): f for f in form_fields()}

    def compose(self) -> ComposeResult:
        with Horizontal(id="constraints-body"):
            with Vertical(id="constraints-left"):
                with VerticalScroll(id="constraints-form"):
                    for section, title in GROUPS:
                        yield Static(title, classes="group-title")
                        for f in (f for f in self._fields.values() if f.section == section):
                            with Horizontal(classes="form-row"):
                                yield Label(f.label, classes="form-label")
                                if f.kind == "choice":
                                    yield FieldSelect([(c, c) for c in f.choices],
                                                      allow_blank=False, value=f.default,
                                                      id=field_id(f), compact=True)
                                else:
                                    yield CommitField(_parser(f), self._apply_field,
                                                      label=f.label, id=field_id(f),
                                                      placeholder=placeholder(f))
                        if section == "constraints":
                            with Horizontal(classes="form-row"):
                                yield Label("Other limits", classes="form-label")
                                yield CommitField(_limits, self._apply_limits,
                                                  label="Other limits", id=LIMITS_ID,
                                                  placeholder="e.g. params_m<=50, gflops>=2")
                        if section == "tco":
                            with Horizontal(classes="form-row"):
                                yield Label("Ledger items", classes="form-label")
                                yield FormButton("none: add…", id=LEDGER_ID, compact=True)
                yield Static("", id="field-help")
                yield Static("", id="constraints-error")
            with Vertical(id="criteria-box"):
                yield Static("Criteria and weights", id="criteria-title", classes="section-title")
                yield CriteriaTable(id="criteria-table", cursor_type="row", zebra_stripes=True)

    # ---- drawing -----------------------------------------------------------

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        session = snapshot.session
        for fid, f in self._fields.items():
            if f.kind == "choice":
                select = self.query_one(f"#{fid}", Select)
                value = f.get(session)
                if select.value != value:
                    with select.prevent(Select.Changed):
                        select.value = value
            else:
                self.query_one(f"#{fid}", CommitField).show(shown(f, session))
        c = session.scenario.constraints
        self.query_one(f"#{LIMITS_ID}", CommitField).show(format_limits(c.max, c.min))
        items = session.scenario.tco.items
        names = ", ".join(str(i.get("name")) for i in items)
        self.query_one(f"#{LEDGER_ID}", Button).label = literal(
            f"{len(items)}: {names} (edit…)" if items else "none: add…", cut=40)
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
        f = self._fields[field.id or ""]
        return apply_now(field, lambda s: f.set(s, value), f.label)

    def _apply_limits(self, field: CommitField, value: Any) -> Outcome:
        return apply_now(field, lambda s: _set_limits(s, value), "other limits")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Say what the focused field is (the field table's help line)."""
        widget_id = event.widget.id or ""
        f = self._fields.get(widget_id)
        if f is not None:
            text = field_help(f)
        elif widget_id == LIMITS_ID:
            text = ("Other limits: inclusive limits on any numeric column, COLUMN<=VALUE or "
                    "COLUMN>=VALUE, comma-separated  [constraints.max, constraints.min]")
        elif widget_id == LEDGER_ID:
            text = ("Ledger items: named costs of ownership (labeling, maintenance, "
                    "monitoring...) over the horizon; enter: add, edit, delete  [tco.items]")
        elif widget_id == "criteria-table":
            text = ("Criteria: + - weight · m max/min · t linear/log · enter type a weight; "
                    "shares are the weights normalized to 100%")
        else:
            return
        self.query_one("#field-help", Static).update(literal(text, style="dim"))

    @on(CommitField.Noted)
    def _field_noted(self, event: CommitField.Noted) -> None:
        event.stop()
        self.query_one("#constraints-error", Static).update(event.rich())

    @on(EditRejected)
    def _rejected(self, event: EditRejected) -> None:
        """An edit the engine refused (fields take their own)."""
        event.stop()
        self.query_one("#constraints-error", Static).update(
            literal(f"{event.error} (not applied)", style="red")
        )

    @on(Select.Changed, "#constraints-form Select")
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        f = self._fields.get(event.select.id or "")
        value = event.value
        if f is None or value is Select.NULL or (
            self.snapshot is not None and value == f.get(self.snapshot.session)
        ):
            return
        self.edit(lambda s: f.set(s, value), f"{f.label} {value}", origin=event.select)

    @on(Button.Pressed, f"#{LEDGER_ID}")
    def _ledger_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_ledger()

    def action_ledger(self) -> None:
        from workbench.tui.screens.ledger import LedgerScreen

        self.app.push_screen(LedgerScreen())

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

        def explain(text: str) -> str:
            return f"weight {fmt_num(parse_number(text, blank_ok=False, minimum=0.0) or 0.0)}"

        self.app.push_screen(
            PromptScreen(f"Weight of {c.column}", "Raw weight (shares are normalized to 100%)",
                         f"{c.weight:g}", check=check, explain=explain),
            done,
        )


assert len({field_id(f) for f in form_fields()}) == len(form_fields()), "field keys must be unique"
