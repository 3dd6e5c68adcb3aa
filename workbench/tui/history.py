"""Undo and redo, scoped, and saying what they revert.

Two scopes, each its own stack (and its own redo stack):
- "record": the decision record's own text, edited on pane 6 (title, notes, the
  recorded decision);
- "inputs": everything the analysis reads (the table, workload, constraints, weights,
  pricing, ledger, uncertainty, what-if, routing), edited on the other panes.

`u` undoes the last step of the scope of the pane it is pressed on, so undo on pane 2
never touches notes typed on pane 6, and the other way round. A step remembers only
the parts of the session it changed (before and after), and undo puts back just
those parts on the current session; the two scopes change disjoint parts, so undoing
one never rewinds the other. Every undo and redo names what it reverts, e.g.
"budget $100 -> $15,000".

Pure (no textual): the app keeps one `History` and asks it for the next session.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from workbench.evaluation import Evaluation
    from workbench.model import Scenario, Session

Scope = Literal["inputs", "record"]
SCOPES: tuple[Scope, ...] = ("inputs", "record")
LIMIT = 100  # steps kept per scope
# The parts of a session an edit may change; the record's parts are pane 6's.
PARTS = ("scenario", "routing", "title", "notes", "decision.chosen", "decision.rationale",
         "decision.decided_by", "decision.decided_on")
RECORD_PARTS = frozenset(PARTS[2:])
EVALUATED = frozenset({"scenario", "routing"})  # what the evaluation reads
SCOPE_WORDS = {"inputs": "the analysis inputs (panes 1-5, 7)",
               "record": "the report's text (pane 6)"}


def get_part(session: Session, part: str) -> Any:
    head, _, tail = part.partition(".")
    value = getattr(session, head)
    return getattr(value, tail) if tail else value


def set_parts(session: Session, values: dict[str, Any]) -> Session:
    decision = session.decision
    plain: dict[str, Any] = {}
    for part, value in values.items():
        head, _, tail = part.partition(".")
        if tail:
            decision = replace(decision, **{tail: value})
        else:
            plain[head] = value
    if decision is not session.decision:
        plain["decision"] = decision
    return session.with_(**plain) if plain else session


def _same(a: Any, b: Any) -> bool:
    return a is b or a == b


def changed_parts(before: Session, after: Session) -> list[str]:
    return [p for p in PARTS if not _same(get_part(before, p), get_part(after, p))]


def scope_of(parts: list[str]) -> Scope:
    return "record" if parts and all(p in RECORD_PARTS for p in parts) else "inputs"


@dataclass
class Step:
    label: str  # what the pane called the edit ("set budget $/month")
    scope: Scope
    before: dict[str, Any]
    after: dict[str, Any]
    # The evaluations on either side when they can be kept (not for large tables):
    # undoing an input edit then needs no new analysis.
    evaluation_before: Evaluation | None = None
    evaluation_after: Evaluation | None = None
    coalesce: str | None = None

    @property
    def evaluated(self) -> bool:
        return bool(EVALUATED & set(self.before))


@dataclass
class History:
    limit: int = LIMIT
    done: dict[str, list[Step]] = field(default_factory=lambda: {s: [] for s in SCOPES})
    undone: dict[str, list[Step]] = field(default_factory=lambda: {s: [] for s in SCOPES})
    _coalesce: dict[str, str | None] = field(default_factory=lambda: {s: None for s in SCOPES})

    def clear(self) -> None:
        for scope in SCOPES:
            self.done[scope].clear()
            self.undone[scope].clear()
            self._coalesce[scope] = None

    def record(self, before: Session, after: Session, label: str, *,
               coalesce: str | None = None, evaluation_before: Evaluation | None = None,
               evaluation_after: Evaluation | None = None) -> Step | None:
        """Remember the edit from `before` to `after` (None when nothing changed). Edits
        with the same `coalesce` key in a row (typing in one field) are one step."""
        parts = changed_parts(before, after)
        if not parts:
            return None
        scope = scope_of(parts)
        done = self.done[scope]
        self.undone[scope].clear()
        if coalesce is not None and coalesce == self._coalesce[scope] and done:
            last = done[-1]
            for p in parts:
                last.before.setdefault(p, get_part(before, p))
                last.after[p] = get_part(after, p)
            last.evaluation_after = evaluation_after
            return last
        step = Step(label, scope, {p: get_part(before, p) for p in parts},
                    {p: get_part(after, p) for p in parts}, evaluation_before,
                    evaluation_after, coalesce)
        done.append(step)
        del done[:-self.limit]
        self._coalesce[scope] = coalesce
        return step

    def undo(self, scope: Scope, current: Session) -> tuple[Session, Step] | None:
        if not self.done[scope]:
            return None
        step = self.done[scope].pop()
        self.undone[scope].append(step)
        self._coalesce[scope] = None
        return set_parts(current, step.before), step

    def redo(self, scope: Scope, current: Session) -> tuple[Session, Step] | None:
        if not self.undone[scope]:
            return None
        step = self.undone[scope].pop()
        self.done[scope].append(step)
        self._coalesce[scope] = None
        return set_parts(current, step.after), step

    def counts(self, scope: Scope) -> tuple[int, int]:
        return len(self.done[scope]), len(self.undone[scope])


# ---- what a step changed, in words ------------------------------------------------

# Short names for the fields people undo most; the others use their TUI label.
SHORT_NAMES = {
    "monthly_budget_usd": "budget", "volume_per_day": "volume", "max_latency_ms": "max latency",
    "min_accuracy": "min accuracy", "error_cost_usd": "error cost",
    "days_per_month": "days per month", "horizon_months": "horizon",
}


def _quote(value: Any, limit: int = 30) -> str:
    from workbench.fmt import clip, printable

    return "none" if value in (None, "") else repr(clip(printable(value), limit))


def _value(value: Any, unit: str) -> str:
    from workbench.fmt import num, pct, usd

    if value is None:
        return "none"
    if isinstance(value, tuple):
        return ", ".join(_value(v, unit) for v in value)
    if isinstance(value, str):
        return value
    if unit.startswith("USD"):
        return usd(value)
    if unit == "%":
        return pct(value)
    if unit == "ms":
        return f"{num(value)} ms"
    return num(value)


def describe(step: Step, *, undo: bool = True) -> str:
    """What undoing (or redoing) `step` changes: "budget $100 -> $15,000"."""
    frm, to = (step.after, step.before) if undo else (step.before, step.after)
    changes: list[str] = []
    for part in step.before:
        a, b = frm.get(part), to.get(part)
        if part == "scenario":
            changes += scenario_changes(frm[part], to[part])  # a step holds both sides
        elif part == "routing":
            changes.append("routing settings" if a and b else
                           ("routing settings removed" if a else "routing settings added"))
        elif part == "notes":
            changes.append(f"notes ({len(a or '')} -> {len(b or '')} characters)")
        else:
            changes.append(f"{part.rpartition('.')[2].replace('_', ' ')} "
                           f"{_quote(a)} -> {_quote(b)}")
    if not changes:
        return step.label
    more = len(changes) - 2
    return "; ".join(changes[:2]) + (f" and {more} more" if more > 0 else "")


def scenario_changes(a: Scenario, b: Scenario) -> list[str]:
    """Field by field, what differs from scenario `a` to `b`, in words."""
    from workbench.fields import FIELDS, SCENARIO_SECTIONS
    from workbench.parse import format_limits

    out: list[str] = []
    for f in FIELDS:
        if f.section not in SCENARIO_SECTIONS:
            continue
        va = getattr(getattr(a, f.section), f.key)
        vb = getattr(getattr(b, f.section), f.key)
        if not _same(va, vb):
            name = SHORT_NAMES.get(f.key, f.label)
            out.append(f"{name} {_value(va, f.unit)} -> {_value(vb, f.unit)}")
    ca, cb = a.constraints, b.constraints
    if (ca.max, ca.min) != (cb.max, cb.min):
        out.append(f"other limits {_quote(format_limits(ca.max, ca.min), 40)} -> "
                   f"{_quote(format_limits(cb.max, cb.min), 40)}")
    out += _criteria_changes(a, b)
    if a.tco.items != b.tco.items:
        out.append(f"ledger items ({len(a.tco.items)} -> {len(b.tco.items)})")
    if a.candidates is not b.candidates:
        out += _table_changes(a, b)
    return out


def _criteria_changes(a: Scenario, b: Scenario) -> list[str]:
    if a.scoring.criteria == b.scoring.criteria:
        return []
    old = {c.column: c for c in a.scoring.criteria or ()}
    new = {c.column: c for c in b.scoring.criteria or ()}
    out = []
    for column in dict.fromkeys([*old, *new]):
        x, y = old.get(column), new.get(column)
        if x == y:
            continue
        if x is None or y is None:
            out.append(f"weight of {column} {x.weight if x else 0:g} -> {y.weight if y else 0:g}")
            continue
        if x.weight != y.weight:
            out.append(f"weight of {column} {x.weight:g} -> {y.weight:g}")
        if x.direction != y.direction:
            out.append(f"{column} {x.direction} -> {y.direction}")
        if x.scale != y.scale:
            out.append(f"{column} scale {x.scale} -> {y.scale}")
    return out or ["criteria"]


def _table_changes(a: Scenario, b: Scenario) -> list[str]:
    import numpy as np
    import pandas as pd

    from workbench.columns import names_of

    fa, fb = a.candidates, b.candidates
    na = names_of(fa)
    nb = names_of(fb)
    if len(na) != len(nb):
        gone = [n for n in na if n not in nb]
        came = [n for n in nb if n not in na]
        what = (f"removes {_quote(gone[0])}" if gone and not came
                else f"adds {_quote(came[0])}" if came and not gone else "")
        return [f"candidates {len(na)} -> {len(nb)}" + (f" ({what})" if what else "")]
    if list(fa.columns) != list(fb.columns):
        added = [c for c in fb.columns if c not in fa.columns]
        removed = [c for c in fa.columns if c not in fb.columns]
        return [f"column {_quote(added[0])} added" if added else
                f"column {_quote(removed[0]) if removed else ''} removed"]
    for column in fa.columns:
        x, y = fa[column], fb[column]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            xv, yv = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
            diff = np.flatnonzero(~((xv == yv) | (np.isnan(xv) & np.isnan(yv))))
            if diff.size:
                i = int(diff[0])
                return [f"{column} of {_quote(nb[i])} {_num(xv[i])} -> {_num(yv[i])}"]
        else:
            xs, ys = x.astype(object).tolist(), y.astype(object).tolist()
            for i, (p, q) in enumerate(zip(xs, ys)):
                if not _same(p, q) and not (p != p and q != q):  # NaN == NaN here
                    owner = _quote(na[i]) if column != "name" else "a candidate"
                    return [f"{column} of {owner} {_quote(p)} -> {_quote(q)}"]
    return ["the candidate table"]


def _num(value: float) -> str:
    from workbench.fmt import num

    return "blank" if value != value else num(value, 4)
