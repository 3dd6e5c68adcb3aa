"""What changed between two decision records, and what it did to the outcome.

`workbench diff OLD NEW` is for a reviewer: which inputs moved (workload, limits,
weights, candidate cells), and whether the recommendation and the ranking moved with
them. Inputs are compared as written; outcomes come from running `analyze` on both.
The text view shows every name and key from the files through `fmt.printable`, so a
model name cannot drive the reviewer's terminal; the JSON view keeps them exact.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import fields
from workbench.analysis import Analysis, analyze
from workbench.columns import names_of
from workbench.errors import InputError
from workbench.fmt import clean, fmt_num, printable
from workbench.model import COST_ALIAS, DEFAULT_CRITERIA, Criterion, Session
from workbench.views.export import json_text

Change = tuple[str, Any, Any]  # (key, old, new); None means "not set"


@dataclass(frozen=True)
class CellChange:
    name: str
    column: str
    old: Any
    new: Any


@dataclass(frozen=True)
class RankMove:
    name: str
    old_rank: int
    new_rank: int

    @property
    def places_up(self) -> int:
        return self.old_rank - self.new_rank


@dataclass(frozen=True)
class SessionDiff:
    meta: tuple[Change, ...]  # title, notes
    workload: tuple[Change, ...]
    constraints: tuple[Change, ...]
    weights: tuple[Change, ...]  # per criterion column, plus normalization
    whatif: tuple[Change, ...]
    candidates_added: tuple[str, ...]
    candidates_removed: tuple[str, ...]
    candidates_changed: tuple[CellChange, ...]
    recommendation_old: str | None
    recommendation_new: str | None
    rank_moves: tuple[RankMove, ...]  # candidates in both whose rank changed
    decision: tuple[Change, ...]
    routing: tuple[Change, ...]
    settings: tuple[Change, ...] = ()  # pricing, cost of ownership, uncertainty

    @property
    def recommendation_changed(self) -> bool:
        return self.recommendation_old != self.recommendation_new

    @property
    def is_empty(self) -> bool:
        """True when nothing a reviewer cares about differs (timestamps are ignored)."""
        return not (
            self.meta
            or self.workload
            or self.constraints
            or self.weights
            or self.whatif
            or self.candidates_added
            or self.candidates_removed
            or self.candidates_changed
            or self.recommendation_changed
            or self.rank_moves
            or self.decision
            or self.routing
            or self.settings
        )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[Change, ...]:
    keys = list(old) + [k for k in new if k not in old]
    return tuple((k, old.get(k), new.get(k)) for k in keys if not _same(old.get(k), new.get(k)))


def _section(s: Session, name: str) -> dict[str, Any]:
    """A section's scalar inputs as written, from the field table (workbench.fields):
    a new input is compared as soon as it has an entry there."""
    out: dict[str, Any] = {}
    for f in fields.section(name):
        value = f.get(s)
        out[f.key] = list(value) if isinstance(value, tuple) else value
    return out


def _constraints(s: Session) -> dict[str, Any]:
    c = s.scenario.constraints
    out = _section(s, "constraints")
    out.update({f"max.{k}": v for k, v in c.max.items()})
    out.update({f"min.{k}": v for k, v in c.min.items()})
    return out


# Sections of the field table shown under a heading of their own ("" holds the title
# and notes; scoring's fields are compared with the weights).
_OWN_HEADINGS = ("", "workload", "constraints", "scoring", "whatif", "decision")
# Every other section is a setting, in field-table order: pricing, tco, uncertainty,
# monitoring. Derived, so a section added to the field table is compared from the start.
SETTINGS_SECTIONS: tuple[str, ...] = tuple(
    dict.fromkeys(f.section for f in fields.FIELDS if f.section not in _OWN_HEADINGS))


def _settings(s: Session) -> dict[str, Any]:
    """Pricing, cost of ownership, uncertainty and monitoring settings, keyed
    "section.key"; ledger items by name."""
    out: dict[str, Any] = {}
    for name in SETTINGS_SECTIONS:
        out.update({f"{name}.{k}": v for k, v in _section(s, name).items()})
    for item in s.scenario.tco.items:
        _flatten(f"tco.items.{item.get('name')}", dict(item), out)
    return out


def _weights(s: Session) -> dict[str, Any]:
    # Defaults are compared as the criteria they stand for, so switching from
    # "defaults" to the same weights written out is not a change. A default the table
    # cannot use (maintainability, when it has no such column) stands for nothing:
    # the analysis drops it, and so does the comparison.
    given = s.scenario.scoring.criteria
    criteria: tuple[Criterion, ...] = given or tuple(
        c for c in DEFAULT_CRITERIA
        if c.column == COST_ALIAS or c.column in s.scenario.candidates.columns
    )
    out: dict[str, Any] = {}
    for c in criteria:
        out[c.column] = c.weight
        out[f"{c.column}.direction"] = c.direction
        out[f"{c.column}.scale"] = c.scale
    out.update(_section(s, "scoring"))  # normalization, rank_by
    return out


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    else:
        out[prefix] = list(value) if isinstance(value, tuple) else value


def _routing(s: Session) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _flatten("", s.routing or {}, out)
    return out


def _cell(value: Any) -> Any:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return value.item()
    return value


def _candidate_changes(old: Session, new: Session) -> tuple[list[str], list[str], list[CellChange]]:
    a = old.scenario.candidates
    b = new.scenario.candidates
    old_names = names_of(a)
    new_names = names_of(b)
    added = [n for n in new_names if n not in set(old_names)]
    removed = [n for n in old_names if n not in set(new_names)]
    columns = [c for c in a.columns if c != "name"] + [
        c for c in b.columns if c not in set(a.columns) and c != "name"
    ]
    old_rows = {n: i for i, n in enumerate(old_names)}
    new_rows = {n: i for i, n in enumerate(new_names)}
    old_cols = {c: a[c].tolist() for c in a.columns}
    new_cols = {c: b[c].tolist() for c in b.columns}
    changed: list[CellChange] = []
    for name in old_names:
        if name not in new_rows:
            continue
        for column in columns:
            before = _cell(old_cols[column][old_rows[name]]) if column in old_cols else None
            after = _cell(new_cols[column][new_rows[name]]) if column in new_cols else None
            if not _same(before, after):
                changed.append(CellChange(name, column, before, after))
    return added, removed, changed


def _ranks(analysis: Analysis) -> dict[str, int]:
    return {str(n): int(r) for n, r in zip(analysis.table["name"], analysis.table["rank"])}


def diff_sessions(
    old: Session,
    new: Session,
    *,
    old_analysis: Analysis | None = None,
    new_analysis: Analysis | None = None,
) -> SessionDiff:
    """Compare two sessions. Pass analyses already computed to skip re-running them."""
    a_old = old_analysis if old_analysis is not None else analyze(old.scenario)
    a_new = new_analysis if new_analysis is not None else analyze(new.scenario)
    added, removed, changed = _candidate_changes(old, new)
    old_ranks, new_ranks = _ranks(a_old), _ranks(a_new)
    moves = tuple(
        RankMove(name, old_ranks[name], new_ranks[name])
        for name in sorted(
            (n for n in new_ranks if n in old_ranks and old_ranks[n] != new_ranks[n]),
            key=new_ranks.__getitem__,
        )
    )
    return SessionDiff(
        meta=_changes(_section(old, ""), _section(new, "")),
        workload=_changes(_section(old, "workload"), _section(new, "workload")),
        constraints=_changes(_constraints(old), _constraints(new)),
        weights=_changes(_weights(old), _weights(new)),
        whatif=_changes(_section(old, "whatif"), _section(new, "whatif")),
        settings=_changes(_settings(old), _settings(new)),
        candidates_added=tuple(added),
        candidates_removed=tuple(removed),
        candidates_changed=tuple(changed),
        recommendation_old=None if a_old.recommendation is None else a_old.recommendation.name,
        recommendation_new=None if a_new.recommendation is None else a_new.recommendation.name,
        rank_moves=moves,
        decision=_changes(_section(old, "decision"), _section(new, "decision")),
        routing=_changes(_routing(old), _routing(new)),
    )


# ------------------------------------------------------------------------- views


# Line breaks, tabs and spaces fold to one space in a shown value; every other control
# character stays, for `repr` to show as an escape (str.split would drop \x1c-\x1f).
_WHITESPACE = re.compile(r"[ \t\r\n]+")


def _show(value: Any) -> str:
    """A value on one line, as written for a reviewer; never a raw control character."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return fmt_num(float(value))
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    text = str(value)
    one_line = _WHITESPACE.sub(" ", text).strip(" ")
    if len(one_line) > 60:
        one_line = one_line[:57] + "..."
    # repr escapes what printable escapes (and quotes); printable covers the rest.
    return repr(one_line) if isinstance(value, str) else printable(one_line)


def _name(value: str | None) -> str:
    """A name or key from a file, as shown: control characters as visible escapes."""
    return "(none)" if value is None else printable(value)


def _change_lines(title: str, changes: tuple[Change, ...]) -> list[str]:
    if not changes:
        return []
    return [f"{title}:"] + [f"  {_name(k)}: {_show(o)} -> {_show(n)}" for k, o, n in changes]


def diff_to_text(d: SessionDiff) -> str:
    """Plain lines for a reviewer, outcome first."""
    lines: list[str] = []
    if d.recommendation_changed:
        lines.append(
            f"Recommendation changed: {_name(d.recommendation_old)} -> "
            f"{_name(d.recommendation_new)}."
        )
    else:
        lines.append(f"Recommendation unchanged: {_name(d.recommendation_new)}.")
    if d.is_empty:
        lines.append("No differences in the inputs, the ranking or the decision.")
        return "\n".join(lines) + "\n"
    if d.rank_moves:
        lines.append("Rank moves:")
        for m in d.rank_moves:
            way = f"up {m.places_up}" if m.places_up > 0 else f"down {-m.places_up}"
            lines.append(f"  {_name(m.name)}: {m.old_rank} -> {m.new_rank} ({way})")
    lines += _change_lines("Title and notes", d.meta)
    lines += _change_lines("Workload", d.workload)
    lines += _change_lines("Constraints", d.constraints)
    lines += _change_lines("Weights", d.weights)
    lines += _change_lines("What-if", d.whatif)
    if d.candidates_added or d.candidates_removed or d.candidates_changed:
        lines.append("Candidates:")
        lines += [f"  added: {_name(n)}" for n in d.candidates_added]
        lines += [f"  removed: {_name(n)}" for n in d.candidates_removed]
        lines += [
            f"  {_name(c.name)}, {_name(c.column)}: {_show(c.old)} -> {_show(c.new)}"
            for c in d.candidates_changed
        ]
    lines += _change_lines("Decision", d.decision)
    lines += _change_lines("Pricing, cost of ownership, uncertainty, monitoring", d.settings)
    lines += _change_lines("Routing", d.routing)
    return "\n".join(lines) + "\n"


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return clean(value)


def _change_list(changes: tuple[Change, ...]) -> list[dict[str, Any]]:
    return [{"key": k, "old": _jsonable(o), "new": _jsonable(n)} for k, o, n in changes]


def diff_to_dict(d: SessionDiff) -> dict[str, Any]:
    """The JSON document of `workbench diff --format json` (keys are a contract)."""
    return {
        "equal": d.is_empty,
        "recommendation": {
            "old": d.recommendation_old,
            "new": d.recommendation_new,
            "changed": d.recommendation_changed,
        },
        "rank_moves": [
            {"name": m.name, "old_rank": m.old_rank, "new_rank": m.new_rank} for m in d.rank_moves
        ],
        "meta": _change_list(d.meta),
        "workload": _change_list(d.workload),
        "constraints": _change_list(d.constraints),
        "weights": _change_list(d.weights),
        "whatif": _change_list(d.whatif),
        "candidates": {
            "added": list(d.candidates_added),
            "removed": list(d.candidates_removed),
            "changed": [
                {
                    "name": c.name,
                    "column": c.column,
                    "old": _jsonable(c.old),
                    "new": _jsonable(c.new),
                }
                for c in d.candidates_changed
            ],
        },
        "decision": _change_list(d.decision),
        "routing": _change_list(d.routing),
        "settings": _change_list(d.settings),
    }


def _open(path: Path) -> tuple[Session, Analysis, list[str]]:
    from workbench.inputs import open_path

    session, notes = open_path(path)
    try:
        analysis = analyze(session.scenario)
    except InputError as exc:
        # analyze does not know the file; a reviewer must know which side broke.
        if exc.source is None:
            exc.source = str(path)
        raise
    return session, analysis, [f"{path}: {n}" for n in notes]


def run_diff(old_path: Path, new_path: Path, fmt: str) -> int:
    """Print the diff; 0 when the records agree, 1 when they differ."""
    if fmt not in ("text", "json"):
        raise InputError(f"unknown format {fmt!r}; choose text or json", key="format")
    old, a_old, old_notes = _open(Path(old_path))
    new, a_new, new_notes = _open(Path(new_path))
    d = diff_sessions(old, new, old_analysis=a_old, new_analysis=a_new)
    notes = old_notes + new_notes
    if fmt == "json":
        doc = {"old": str(old_path), "new": str(new_path), **diff_to_dict(d), "notes": notes}
        # Exact on load, and nothing in it can drive the terminal it is printed on.
        sys.stdout.write(json_text(doc))
    else:
        text = f"Comparing {printable(old_path)} -> {printable(new_path)}\n" + diff_to_text(d)
        if notes:
            text += "Notes:\n" + "".join(f"  {printable(n)}\n" for n in notes)
        sys.stdout.write(text)
    return 0 if d.is_empty else 1
