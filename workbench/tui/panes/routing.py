"""Pane 7: route through a cascade of 2 to 4 models by each model's confidence.

The form edits the session's `[routing]` table (routing v2): the replay log, the
models (two by role, or 2 to 4 tiers in cascade order), target and policy, the
objective (accuracy, recall or total cost with the price of a miss and of a false
alarm), the validation (a held-out split or k folds), which policy joins the
candidate table as the routed system (`as_candidate`) and under what name. The
figures show the policies in sample and held out, the safe policy's guarantee in
words, and rows named after the session's models. Applying (committing a field: enter, or
leaving it with a valid value; a new choice in a list; or `r`) first simulates the
settings in a thread worker and stores them only when the engine accepts them, so the
session never records settings that do not run; an engine error is a notification, the
field it is about is marked and the last result stays on screen. The text fields are
`CommitField`s: typing alone changes nothing (see workbench/tui/widgets/field.py).
Results are cached by the resolved spec (the table with the candidates' prices and
the workload's volume filled in) plus the log's folder, so a redraw after an
unrelated edit never replays the log again.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static
from textual.worker import get_current_worker

from workbench.errors import InputError
from workbench.fmt import clip, printable
from workbench.model import Session
from workbench.parse import parse_optional as parse_number
from workbench.routing import RoutingResult, RoutingSpec, resolve_for_session
from workbench.routing.report import (
    _held_out_table,
    _held_out_title,
    _rows_words,
    _safe_sentence,
    _table_rows,
    _target_words,
    operational_rule,
)
from workbench.routing.spec import AS_CANDIDATE, OBJECTIVES, POLICIES, VALIDATIONS
from workbench.tui.panes.base import Pane
from workbench.tui.safe import literal
from workbench.tui.state import RoutingCache, Snapshot
from workbench.tui.widgets.chart import ChartPanel
from workbench.tui.widgets.field import CommitField, Outcome
from workbench.tui.widgets.select import FieldSelect

MODEL_OPTIONS = 200  # candidate names offered in the model lists (large tables)
NAME_CUT = 9  # a model's name in a figures row label ("GBM fast… only"): 78 columns
# Figures-table columns, picked by the engine's header names (the memo's formatting).
COLUMNS = (("Threshold", "Thresh."), ("Escalated", "Escal."), ("Accuracy", "Acc."),
           ("Wilson low", "Wilson"), ("Recall", "Recall"), ("Cost / 1k", "$/1k"),
           ("Monthly", "$/month"))
HELD_OUT_COLUMNS = ("Policy", "Threshold", "Accuracy", "Wilson low", "Recall", "Cost / 1k")
# The pane's main settings are always written; other keys only when not the default.
ALWAYS = frozenset({"log", "bins", "policy", "cheap_model", "expensive_model", "target_accuracy"})
# Where an engine error belongs, by the InputError's key.
ERROR_FIELDS = {"log": "#routing-log", "bins": "#routing-log", "target_accuracy": "#routing-target",
                "escalate_when": "#routing-when", "escalate_above": "#routing-above",
                "loss_column": "#routing-loss", "policy": "#routing-policy",
                "cheap_model": "#routing-cheap", "cheap_cost_per_1k": "#routing-cheap",
                "expensive_model": "#routing-expensive",
                "expensive_cost_per_1k": "#routing-expensive",
                "models": "#routing-models", "costs_per_1k": "#routing-models",
                "objective": "#routing-objective", "target_recall": "#routing-recall",
                "fn_cost_usd": "#routing-fn", "fp_cost_usd": "#routing-fp",
                "validation": "#routing-validation", "as_candidate": "#routing-as",
                "name": "#routing-name", "routing.name": "#routing-name"}
EMPTY = ("No routing settings yet. Routing replays a labelled log of both models' predictions "
         "and finds the cheapest confidence threshold that keeps the target accuracy. Type the "
         "log's path (relative to the session's folder), check the two models and press enter.")


def _path(text: str) -> str:
    if not text.strip():
        raise ValueError("type the path of the replay log")
    return text.strip()


def _target(text: str) -> float:
    value = parse_number(text.strip().rstrip("%"), blank_ok=False)
    assert value is not None
    if not 0 < value <= 100:
        raise ValueError("the target is a percentage above 0 and at most 100")
    return value


def _columns(text: str) -> tuple[str, ...]:
    return tuple(c for c in re.split(r"[,\s]+", text.strip()) if c)


def _models(text: str) -> tuple[str, ...]:
    """`fast, mid, big` -> the tiers in cascade order (blank: the two roles)."""
    models = tuple(m.strip() for m in text.split(",") if m.strip())
    if models and not 2 <= len(models) <= 4:
        raise ValueError("a cascade has 2 to 4 models, comma-separated (blank: the two above)")
    return models


def _optional_pct(text: str) -> float | None:
    value = parse_number(text.strip().rstrip("%"), blank_ok=True)
    if value is not None and not 0 < value <= 100:
        raise ValueError("a percentage above 0 and at most 100")
    return value


def _optional_usd(text: str) -> float | None:
    return parse_number(text, blank_ok=True, minimum=0.0)


def _rules(text: str) -> dict[str, float]:
    """`amount=1000, score=0.9` -> {"amount": 1000.0, "score": 0.9}."""
    rules: dict[str, float] = {}
    for item in _columns(re.sub(r"\s*=\s*", "=", text)):
        column, sep, raw = item.partition("=")
        if not sep or not column:
            raise ValueError(f"{item!r} is not COLUMN=NUMBER (e.g. amount=1000)")
        value = parse_number(raw, blank_ok=False)
        assert value is not None
        rules[column] = value
    return rules


# field id -> (spec field, parser); "log" may stand for "bins" (see RoutingPane._path_key)
FIELDS: dict[str, tuple[str, Any]] = {
    "routing-log": ("log", _path), "routing-target": ("target_accuracy", _target),
    "routing-when": ("escalate_when", _columns), "routing-above": ("escalate_above", _rules),
    "routing-loss": ("loss_column", lambda text: text.strip() or None),
    "routing-models": ("models", _models), "routing-recall": ("target_recall", _optional_pct),
    "routing-fn": ("fn_cost_usd", _optional_usd), "routing-fp": ("fp_cost_usd", _optional_usd),
    "routing-name": ("name", lambda text: text.strip() or None),
}
# How notes and messages name each field.
LABELS = {"routing-log": "Log", "routing-target": "Target %", "routing-when": "Escalate if",
          "routing-above": "Escalate above", "routing-loss": "Loss column",
          "routing-models": "Tiers", "routing-recall": "Recall %", "routing-fn": "Miss $",
          "routing-fp": "False alarm $", "routing-name": "Name"}
# The lists of the form: select id -> (spec field, choices).
CHOICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "routing-policy": ("policy", POLICIES), "routing-objective": ("objective", OBJECTIVES),
    "routing-validation": ("validation", VALIDATIONS), "routing-as": ("as_candidate", AS_CANDIDATE),
}


class RoutingSimulated(Message):
    """A simulation finished; `stored` is the table to store, if it was an apply."""

    def __init__(self, key: str, result: RoutingResult, stored: dict[str, Any] | None,
                 ticket: int) -> None:
        super().__init__()
        self.key, self.result, self.stored, self.ticket = key, result, stored, ticket


class RoutingFailed(Message):
    """The engine refused the settings; `field` is the selector to mark, if known."""

    def __init__(self, key: str, error: str, field: str | None, ticket: int) -> None:
        super().__init__()
        self.key, self.error, self.field, self.ticket = key, error, field, ticket


def default_spec(session: Session) -> RoutingSpec:
    """Defaults for a session without [routing]: cheapest vs most accurate candidate."""
    table = session.scenario.candidates
    if table.empty:
        return RoutingSpec()
    cheap = str(table.set_index("name")["cost_per_1k"].idxmin())
    others = table[table["name"] != cheap]
    best = others if not others.empty else table
    return RoutingSpec(cheap_model=cheap,
                       expensive_model=str(best.set_index("name")["accuracy"].idxmax()))


def stored_spec(session: Session) -> RoutingSpec:
    try:
        if not session.routing:
            return default_spec(session)
        return RoutingSpec.from_dict(dict(session.routing))
    except InputError:  # checked when the session was opened; never expected here
        return default_spec(session)


def to_table(spec: RoutingSpec, before: dict[str, Any] | None) -> dict[str, Any]:
    """What to store: `spec.to_dict()` (names, not prices; no None) without defaults the
    session did not spell out, so re-applying unchanged settings changes nothing."""
    defaults = RoutingSpec().to_dict()
    return {k: v for k, v in spec.to_dict().items()
            if k in ALWAYS or k in (before or {}) or defaults.get(k) != v}


def error_field(exc: InputError, spec: RoutingSpec) -> str | None:
    """The field an engine error is about: by its key, else the column it names, else the
    log (a file problem)."""
    if exc.key in ERROR_FIELDS:
        return ERROR_FIELDS[exc.key]
    column = exc.column or ""
    if column in spec.escalate_when or column in spec.escalate_above:
        return "#routing-when" if column in spec.escalate_when else "#routing-above"
    if column and column == spec.loss_column:
        return "#routing-loss"
    return "#routing-log" if exc.source else None


def row_label(result: RoutingResult, label: str) -> str:
    """A figures row as the pane names it: baselines after the session's models
    ("GBM fast scorer only"), cut to fit 80 columns; "Safe (95%)" as it is."""
    names = [printable(n) for n in result.names]
    generic = {"Cheap model only": 0, "Expensive model only": len(names) - 1}
    generic.update({f"{n} only": m for m, n in enumerate(names)})
    if label in generic:
        return f"{clip(names[generic[label]], NAME_CUT)} only"
    return label


def _table(header: list[str], rows: list[list[str]], columns: list[tuple[str, str]],
           result: RoutingResult, first_bold: bool = True) -> Text:
    picks = [header.index(name) for name, _ in columns]
    lines = [["", *(short for _, short in columns)]]
    lines += [[row_label(result, r[0]), *(r[i] for i in picks)] for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    text = Text(no_wrap=True, overflow="crop")
    for j, line in enumerate(lines):
        style = "bold" if j == 0 else ("bold green" if j == 1 and first_bold else "")
        cells = [c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line)]
        text.append("  ".join(cells) + "\n", style=style)
    return text


def figures_text(result: RoutingResult) -> Text:
    """Policies as rows, 78 columns at most; cells formatted as in the memo."""
    header, rows = _table_rows(result)
    return _table(header, rows, list(COLUMNS), result)


def held_out_text(result: RoutingResult) -> Text | None:
    """The policies on rows the choice never saw, and whether each meets the target."""
    held = _held_out_table(result, HELD_OUT_COLUMNS)
    if held is None:
        return None
    header, rows = held
    shorts = dict(COLUMNS)
    columns = [(h, shorts.get(h, h.replace("Accuracy >= ", "≥ "))) for h in header[1:]]
    return _table(header, rows, columns, result)


def legend(result: RoutingResult) -> str:
    names = [printable(n) for n in result.names]
    onward = (f"share sent on to {names[1]}" if len(names) == 2 else
              "share sent past the first model")
    return (f"Escal.: {onward} · Wilson: 95% lower bound of the accuracy · "
            f"Safe: the cheapest policy the guarantee certifies")


class RoutingPane(Pane):
    TITLE = "Routing"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run", id="routing.run", tooltip="Apply the settings and simulate"),
        Binding("v", "toggle_view", "Chart/figures", id="routing.view"),
        Binding("t", "tiers", "Tiers", id="routing.tiers", show=False,
                tooltip="Type the cascade's models (2 to 4, cheapest first)"),
    ]
    DEFAULT_CSS = """
    RoutingPane #routing-form { height: auto; max-height: 5; scrollbar-size-vertical: 1; }
    .-tall RoutingPane #routing-form { max-height: 100%; }
    RoutingPane .routing-row { height: 1; }
    RoutingPane .routing-row Label { width: auto; padding: 0 1; color: $text-muted; }
    RoutingPane .routing-row Input, RoutingPane .routing-row Select { width: 1fr; }
    RoutingPane #routing-target, RoutingPane #routing-recall { width: 8; }
    RoutingPane #routing-policy { width: 13; }
    RoutingPane #routing-objective { width: 14; }
    RoutingPane #routing-validation, RoutingPane #routing-as { width: 15; }
    RoutingPane Select.-invalid > SelectCurrent { background-tint: $error 35%; }
    RoutingPane #routing-status {
        height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    RoutingPane #routing-body { height: 1fr; border-top: solid $primary; }
    RoutingPane #routing-figures { height: 1fr; scrollbar-size-vertical: 1; }
    RoutingPane #routing-figures > Static { padding: 0 0 1 1; }
    RoutingPane #routing-chart { display: none; }
    RoutingPane.-chart #routing-chart { display: block; }
    RoutingPane.-chart #routing-figures { display: none; }
    .-widest RoutingPane #routing-body { layout: horizontal; }
    .-widest RoutingPane #routing-figures { display: block; width: 82; }
    .-widest RoutingPane #routing-chart { display: block; width: 1fr; border-left: solid $primary; }
    .-tall RoutingPane #routing-figures { display: block; height: auto; max-height: 50%; }
    .-tall RoutingPane #routing-chart { display: block; border-top: solid $primary; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._cache = RoutingCache()  # the app's, once mounted (shared with its evaluation)
        self._filled: tuple[Any, ...] | None = None  # (routing, names) the form shows
        self._path_key = "log"  # the form's path is `bins` when the session uses bins
        self._run_key: str | None = None  # key of the simulation under way
        self._applying = False  # ... and whether it is an apply (it then stores)
        self._ticket = 0
        self._shown: RoutingResult | None = None  # the result on screen, if any
        self._complained = False  # the status shows a typed field's error
        self._committing: CommitField | None = None  # the field whose commit is applying

    def compose(self) -> ComposeResult:
        def field(fid: str, placeholder: str = "") -> CommitField:
            return CommitField(FIELDS[fid][1], self._apply_field, label=LABELS[fid], id=fid,
                               placeholder=placeholder)

        with VerticalScroll(id="routing-form"):
            with Horizontal(classes="routing-row"):
                yield Label("Log", id="routing-log-label")
                yield field("routing-log", "replay log (.parquet/.csv)")
            with Horizontal(classes="routing-row"):
                yield Label("Cheap")
                yield FieldSelect([], prompt="choose", id="routing-cheap", compact=True)
                yield Label("Expensive")
                yield FieldSelect([], prompt="choose", id="routing-expensive", compact=True)
            with Horizontal(classes="routing-row"):
                yield Label("Tiers")
                yield field("routing-models", "blank: the two above; or 2-4 models, cheapest first")
            with Horizontal(classes="routing-row"):
                yield Label("Target %")
                yield field("routing-target", "99.5")
                yield Label("Policy")
                yield self._select("routing-policy")
                yield Label("Objective")
                yield self._select("routing-objective")
            with Horizontal(classes="routing-row"):
                yield Label("Recall %")
                yield field("routing-recall", "none")
                yield Label("Miss $")
                yield field("routing-fn", "none")
                yield Label("False alarm $")
                yield field("routing-fp", "none")
            with Horizontal(classes="routing-row"):
                yield Label("Validate")
                yield self._select("routing-validation")
                yield Label("As candidate")
                yield self._select("routing-as")
                yield Label("Name")
                yield field("routing-name", "tiers and thresholds")
            with Horizontal(classes="routing-row"):
                yield Label("Escalate if")
                yield field("routing-when", "e.g. risk_flag")
                yield Label("or above")
                yield field("routing-above", "e.g. amount=1000")
                yield Label("Loss")
                yield field("routing-loss", "none")
        yield Static("", id="routing-status")
        with Container(id="routing-body"):
            with VerticalScroll(id="routing-figures"):
                yield Static("", id="routing-rule")
                yield Static("", id="routing-table")
                yield Static("", id="routing-held")
                yield Static("", id="routing-notes")
            yield ChartPanel(id="routing-chart", fill=True)

    @staticmethod
    def _select(sid: str) -> FieldSelect:
        key, choices = CHOICES[sid]
        return FieldSelect([(c, c) for c in choices], allow_blank=False,
                           value=getattr(RoutingSpec(), key), id=sid, compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        shared = getattr(self.app, "routing_cache", None)
        if isinstance(shared, RoutingCache):
            self._cache = shared

    # ---- layout and keys -------------------------------------------------------

    def _both_shown(self) -> bool:
        """Figures and chart both fit (the `-widest` or `-tall` breakpoint)."""
        return self.screen.has_class("-widest") or self.screen.has_class("-tall")

    def primary(self) -> Widget | None:
        chart = self.has_class("-chart") and not self._both_shown()
        return self.query_one("#routing-chart" if chart else "#routing-figures")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "toggle_view" and self._both_shown())

    def action_toggle_view(self) -> None:
        self.toggle_class("-chart")
        if self.screen.focused in self.query("#routing-figures, #routing-chart").nodes:
            target = self.primary()
            if target is not None:
                target.focus()

    def action_run(self) -> None:
        self._committing = None
        self.apply(rerun=True)

    def action_tiers(self) -> None:
        self.query_one("#routing-models", CommitField).focus()

    # ---- drawing -----------------------------------------------------------------

    def _base_dir(self) -> Path | None:
        path = self.snapshot.path if self.snapshot is not None else None
        return path.parent if path is not None else None

    def _key(self, spec: RoutingSpec) -> str:
        return RoutingCache.key(spec, self._base_dir())

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        session = snapshot.session
        self._fill_form(session)
        if not session.routing:
            self._clear()
            self.query_one("#routing-rule", Static).update(Text(EMPTY, style="dim"))
            if not self._applying:  # a run for other settings must not land here
                self._ticket += 1
                self._run_key = None
            if self._run_key is None:
                self._status("")
            return
        try:
            spec = resolve_for_session(RoutingSpec.from_dict(dict(session.routing)), session)
        except InputError as exc:  # e.g. a model deleted in pane 1
            self._status(f"Not simulated: {exc}", "red")
            return
        key = self._key(spec)
        cached = self._cache.get(key)
        if isinstance(cached, RoutingResult):
            self._show(cached)
        elif isinstance(cached, Exception):
            self._status(f"Not simulated: {cached}", "red")  # notified once already
        elif not self._applying and key != self._run_key:
            self._start(spec, key, None)  # an apply under way redraws when it lands

    def _fill_form(self, session: Session) -> None:
        """Show the stored settings; only when they (or the names) changed, so an
        unrelated edit never wipes what the user is typing."""
        names = session.scenario.candidates["name"].head(MODEL_OPTIONS).astype(str).tolist()
        state = (dict(session.routing or {}), names)
        if state == self._filled:
            return
        self._filled = state
        spec = stored_spec(session)
        self._path_key = "bins" if spec.bins and not spec.log else "log"
        self.query_one("#routing-log-label", Label).update(self._path_key.capitalize())
        def g(value: float | None) -> str:
            return "" if value is None else f"{value:g}"

        values = {"routing-log": spec.log or spec.bins or "",
                  "routing-target": f"{spec.target_accuracy:g}",
                  "routing-when": ", ".join(spec.escalate_when),
                  "routing-above": ", ".join(f"{c}={v:g}" for c, v in spec.escalate_above.items()),
                  "routing-loss": spec.loss_column or "",
                  "routing-models": ", ".join(spec.models),
                  "routing-recall": g(spec.target_recall), "routing-fn": g(spec.fn_cost_usd),
                  "routing-fp": g(spec.fp_cost_usd), "routing-name": spec.name or ""}
        self.query_one("#routing-log", CommitField).label = self._path_key.capitalize()
        for fid, text in values.items():
            self.query_one(f"#{fid}", CommitField).show(text)
        for role in ("cheap", "expensive"):
            name = getattr(spec, f"{role}_model")
            options = names + ([name] if name is not None and name not in names else [])
            select: Select[str] = self.query_one(f"#routing-{role}", Select)
            with select.prevent(Select.Changed):
                select.set_options([(literal(n), n) for n in options])
                select.value = Select.NULL if name is None else name
            select.remove_class("-invalid")
        for sid, (key, _) in CHOICES.items():
            choice: Select[str] = self.query_one(f"#{sid}", Select)
            with choice.prevent(Select.Changed):
                choice.value = getattr(spec, key)

    def _status(self, message: str, style: str = "dim") -> None:
        self.query_one("#routing-status", Static).update(
            literal(message, style=style, no_wrap=True, overflow="ellipsis"))

    def _clear(self) -> None:
        """Drop the shown result: rule, figures, notes and chart."""
        self._shown = None
        for selector in ("#routing-rule", "#routing-table", "#routing-held", "#routing-notes"):
            self.query_one(selector, Static).update("")
        chart = self.query_one("#routing-chart", ChartPanel)
        chart.set_draw(None)
        for static in chart.query(".chart-text").results(Static):
            static.update("")

    def _result_status(self) -> None:
        result = self._shown
        if result is None or self._run_key is not None:
            self._status("" if self._run_key is None else "simulating…",
                         "dim" if self._run_key is None else "bold yellow")
            return
        chain = " -> ".join(clip(printable(n), 18) for n in result.names)
        self._status(f"{result.policy} {chain}, {_target_words(result)}, "
                     f"{_rows_words(result)} · r: run again")

    def _show(self, result: RoutingResult) -> None:
        self._shown = result
        if result.recommended is not None:
            rule = Text(operational_rule(result))
        else:
            rule = literal(f"No {result.policy} policy reaches {_target_words(result)}: "
                           f"{result.recommended_reason}.", style="yellow")
        self.query_one("#routing-rule", Static).update(rule)
        chosen_on = int(result.validation.get("rows_calibration") or result.rows)
        table = Text(f"In sample (the {chosen_on:,} rows the policy was chosen on):\n",
                     style="bold")
        table.append_text(figures_text(result))
        if result.saving_vs_expensive_pct is not None:
            table.append(f"\nSaving vs {clip(printable(result.names[-1]), 30)} only: "
                         f"{result.saving_vs_expensive_pct:.1f}%", style="bold")
        self.query_one("#routing-table", Static).update(table)
        held = held_out_text(result)
        out = Text()
        if result.guarantee is not None and result.safe is not None:
            out.append("\nGuarantee: ", style="bold")
            out.append_text(literal(result.guarantee.statement))
        else:
            safe = _safe_sentence(result)
            if safe:
                out.append_text(literal("\n" + safe, newlines=True, style="dim"))
        if result.chosen_by:
            out.append_text(literal(f"\nChosen by: {result.chosen_by}.", newlines=True,
                                    style="dim"))
        if held is not None:
            out.append(f"\n\n{_held_out_title(result)}:\n", style="bold")
            out.append_text(held)
        else:
            out.append("\n\nNo held-out figures (validation none): the figures above are "
                       "the ones the policy was chosen on.", style="dim")
        self.query_one("#routing-held", Static).update(out)
        which, fig = result.chosen()
        joined = ("" if fig is None else
                  f"Joins the candidate table as {result.candidate_name()!r} ({which}, "
                  f"{'held-out' if result.held_out and result.held_out.get(which) else 'in-sample'}"
                  " figures)")
        self.query_one("#routing-notes", Static).update(
            literal("\n".join([joined, legend(result), "",
                               *(f"• {printable(note)}" for note in result.notes)]),
                    newlines=True, style="dim"))

        def chart(width: int, height: int | None) -> str:
            from workbench.views.charts import (
                routing_curve_chart,  # plotext only once drawn
            )

            return routing_curve_chart(result, width, height or 16, color=True)

        self.query_one("#routing-chart", ChartPanel).set_draw(chart)
        if self._run_key is None:
            self._result_status()

    # ---- applying ----------------------------------------------------------------

    def _form_spec(self, session: Session) -> RoutingSpec | None:
        """The form as a spec over the stored one; None (fields marked) if it is invalid."""
        changes: dict[str, Any] = {}
        for fid, (key, parse) in FIELDS.items():
            field = self.query_one(f"#{fid}", Input)
            check = field.validate(field.value)
            if check is not None and not check.is_valid:
                self._status(f"{check.failure_descriptions[0]} (not applied)", "red")
                return None
            changes[self._path_key if key == "log" else key] = parse(field.value)
        for sid, (key, _) in CHOICES.items():
            changes[key] = str(self.query_one(f"#{sid}", Select).value)
        base = stored_spec(session)
        for role in ("cheap", "expensive"):
            select = self.query_one(f"#routing-{role}", Select)
            name = None if select.value is Select.NULL else str(select.value)
            if name != getattr(base, f"{role}_model"):  # a new model brings its own prices
                changes.update({f"{role}_model": name, f"{role}_cost_per_1k": None,
                                f"{role}_latency_ms": None})
            cost = changes.get(f"{role}_cost_per_1k", getattr(base, f"{role}_cost_per_1k"))
            if name is None and cost is None and not changes.get("models"):
                select.add_class("-invalid")
                self._status(f"Choose the {role} model (not applied)", "red")
                return None
            select.remove_class("-invalid")
        return replace(base, **changes)

    def apply(self, *, rerun: bool = False) -> bool:
        """Simulate the form; store it in the session once the engine accepts it. False
        when it is refused at once (the reason shown); True when stored or simulating."""
        if self.snapshot is None:
            return False
        session = self.snapshot.session
        spec = self._form_spec(session)
        if spec is None:
            return False
        try:
            resolved = resolve_for_session(spec, session)
            resolved.validate()
        except InputError as exc:
            self._reject(str(exc), error_field(exc, spec))
            return False
        key = self._key(resolved)
        table = to_table(spec, session.routing)
        cached = self._cache.get(key)
        if isinstance(cached, RoutingResult) and not rerun:
            self._store(table)
            self._show(cached)
        else:
            self._start(resolved, key, table)
        return True

    def _apply_field(self, field: CommitField, value: Any) -> Outcome:
        """A committed field applies the whole form (the other fields hold their applied
        values: leaving a field commits or restores it)."""
        self._committing = field
        return "pending" if self.apply() else "refused"

    def _store(self, table: dict[str, Any]) -> None:
        committing, self._committing = self._committing, None
        if self.snapshot is not None and table != self.snapshot.session.routing:
            self.edit(lambda s: s.with_(routing=table), "routing settings")
        elif committing is not None:
            committing.show(committing.applied)  # nothing to store: the field as stored

    def _start(self, spec: RoutingSpec, key: str, stored: dict[str, Any] | None) -> None:
        self._ticket += 1
        self._run_key, self._applying = key, stored is not None
        self._status("simulating…", "bold yellow")
        self._simulate(spec, self._base_dir(), key, stored, self._ticket)

    @work(thread=True, exclusive=True, group="routing")
    def _simulate(self, spec: RoutingSpec, base_dir: Path | None, key: str,
                  stored: dict[str, Any] | None, ticket: int) -> None:
        from workbench.routing import simulate

        worker = get_current_worker()
        message: Message
        try:
            message = RoutingSimulated(key, simulate(spec, base_dir), stored, ticket)
        except InputError as exc:
            message = RoutingFailed(key, str(exc), error_field(exc, spec), ticket)
        except Exception as exc:  # noqa: BLE001 - an unreadable log must not end the app
            message = RoutingFailed(key, f"{type(exc).__name__}: {exc}", "#routing-log", ticket)
        if not worker.is_cancelled:
            self.post_message(message)

    @on(RoutingSimulated)
    def _simulated(self, message: RoutingSimulated) -> None:
        message.stop()
        if message.ticket != self._ticket:
            return  # a newer run started meanwhile
        self._run_key, self._applying = None, False
        self._remember(message.key, message.result)
        self._show(message.result)
        if message.stored is not None:
            self._store(message.stored)

    @on(RoutingFailed)
    def _failed(self, message: RoutingFailed) -> None:
        message.stop()
        if message.ticket != self._ticket:
            return
        applied, self._run_key, self._applying = self._applying, None, False
        if message.key:
            self._remember(message.key, message.error)
        if applied and self.snapshot is not None:
            self.draw(self.snapshot, None)  # the stored settings may still need their run
        self._reject(message.error, message.field, applied)

    def _reject(self, error: str, field: str | None, applied: bool = True) -> None:
        """Mark the field the error is about, say so, and keep what is shown. A field
        whose commit this was keeps or gives back its text (see `CommitField.refused`)."""
        committing = self._committing if applied else None
        if applied:
            self._committing = None
        if field is not None and applied:
            target = self.query_one(field)
            if target is not committing:
                target.add_class("-invalid")
        self._status(f"{'Not applied' if applied else 'Not simulated'}: {error}", "red")
        self.app.notify(error, severity="error", title="Routing not simulated")
        if committing is not None:
            committing.refused(error)

    def _remember(self, key: str, value: RoutingResult | str) -> None:
        self._cache.put(key, value if isinstance(value, RoutingResult) else InputError(value))

    @on(CommitField.Noted)
    def _field_noted(self, event: CommitField.Noted) -> None:
        """A field's text does not parse, or went back to the stored value: say so in
        the status line until the text is fine again. (A refused commit is reported by
        `_reject` already.)"""
        event.stop()
        if event.kind in ("invalid", "restored"):
            self._status(event.text, "red" if event.kind == "invalid" else "yellow")
            self._complained = True
        elif event.kind == "clear" and self._complained:
            self._complained = False
            self._result_status()

    @on(Select.Changed, "#routing-form Select")
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        self._committing = None
        self.apply()
