"""Session edits the panes ask for: each takes a Session and returns the next one.

Pure functions (no textual), so they are easy to test and the app can apply them to
whichever session is current when the message arrives. They raise InputError with a
message for the user; the candidate table is re-validated with the loader's own
checks, so an edited cell gets exactly the checks a CSV cell gets.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from workbench.columns import DERIVED_NUMERIC, OPTIONAL, REQUIRED, default_direction
from workbench.errors import InputError
from workbench.loading import validate_candidates
from workbench.model import COST_ALIAS, Criterion, Session
from workbench.parse import parse_optional as parse_number

COMPUTED = (*DERIVED_NUMERIC, "feasible", "pareto", "score", "rank")
LABEL = "candidates"


def _numeric(frame: pd.DataFrame, column: str) -> bool:
    series = frame[column]
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def _parse_cell(frame: pd.DataFrame, column: str, text: str) -> object:
    if column == "name":
        value = text.strip()
        if not value:
            raise InputError("a candidate needs a name", column="name")
        return value
    if _numeric(frame, column) or column in REQUIRED or column in OPTIONAL:
        try:
            number = parse_number(text, blank_ok=column not in REQUIRED)
        except ValueError as exc:
            raise InputError(str(exc), column=column) from None
        return math.nan if number is None else number
    return text if text.strip() else None


def _with_frame(session: Session, frame: pd.DataFrame) -> Session:
    frame = frame.reset_index(drop=True)
    validate_candidates(frame, LABEL)
    return session.with_scenario(candidates=frame)


def _rename_references(session: Session, old: str, new: str) -> Session:
    whatif = session.scenario.whatif
    if whatif.baseline == old:
        session = session.with_scenario(whatif=replace(whatif, baseline=new))
    if session.decision.chosen == old:
        session = session.with_(decision=replace(session.decision, chosen=new))
    return session


def set_cell(session: Session, row: int, column: str, text: str) -> Session:
    """Set one cell of the candidate table (row = position in the table)."""
    if column in COMPUTED:
        raise InputError(f"{column} is computed by the analysis; edit its inputs instead")
    frame = session.scenario.candidates
    if column not in frame.columns:
        raise InputError(f"no column {column!r} in the candidate table")
    if not 0 <= row < len(frame):
        raise InputError("that candidate no longer exists")
    value = _parse_cell(frame, column, text)
    new = frame.copy()
    old_name = str(frame["name"].iloc[row])
    new.iloc[row, new.columns.get_loc(column)] = value
    out = _with_frame(session, new)
    if column == "name" and value != old_name:
        out = _rename_references(out, old_name, str(value))
    return out


def unique_name(frame: pd.DataFrame, base: str) -> str:
    names = set(frame["name"].astype(str))
    if base not in names:
        return base
    i = 2
    while f"{base} {i}" in names:
        i += 1
    return f"{base} {i}"


def input_columns(frame: pd.DataFrame) -> list[str]:
    """The columns a person types in (everything in the candidate table)."""
    return [str(c) for c in frame.columns]


def add_candidate(session: Session, values: dict[str, str]) -> Session:
    """Append a candidate; `values` maps columns to typed text (blank = missing)."""
    frame = session.scenario.candidates
    row: dict[str, object] = {}
    for column in frame.columns:
        row[column] = _parse_cell(frame, column, values.get(column, ""))
    if str(row["name"]) in set(frame["name"].astype(str)):
        raise InputError(f"a candidate named {row['name']!r} already exists", column="name")
    addition = pd.DataFrame([row], columns=frame.columns)
    for column in frame.columns:
        if _numeric(frame, column):
            addition[column] = addition[column].astype(float)
    new = pd.concat([frame, addition], ignore_index=True)
    return _with_frame(session, new)


def duplicate_candidate(session: Session, row: int) -> tuple[Session, str]:
    frame = session.scenario.candidates
    name = unique_name(frame, f"{frame['name'].iloc[row]} (copy)")
    copy = frame.iloc[[row]].copy()
    copy.iloc[0, copy.columns.get_loc("name")] = name
    new = pd.concat([frame, copy], ignore_index=True)
    return _with_frame(session, new), name


def delete_candidate(session: Session, row: int) -> Session:
    frame = session.scenario.candidates
    if len(frame) <= 1:
        raise InputError("the table needs at least one candidate")
    name = str(frame["name"].iloc[row])
    new = frame.drop(index=frame.index[row])
    out = _with_frame(session, new)
    whatif = out.scenario.whatif
    if whatif.baseline == name:
        out = out.with_scenario(whatif=replace(whatif, baseline=None))
    return out


def add_column(session: Session, name: str) -> Session:
    """A new numeric column, empty in every row (e.g. a maintainability score)."""
    column = name.strip()
    frame = session.scenario.candidates
    if not column or not column.replace("_", "").isalnum():
        raise InputError("a column name uses letters, digits and _ only")
    if column in frame.columns or column in COMPUTED:
        raise InputError(f"there is already a column {column!r}")
    new = frame.copy()
    new[column] = np.full(len(new), np.nan)
    return _with_frame(session, new)


# ---- criteria --------------------------------------------------------------

WEIGHT_STEP = 0.05


def _criteria_in_use(session: Session, analysis) -> list[Criterion]:  # type: ignore[no-untyped-def]
    given = session.scenario.scoring.criteria
    if given is not None:
        return list(given)
    return [
        Criterion(c.given_as, c.direction, c.raw_weight, c.scale)  # type: ignore[arg-type]
        for c in analysis.criteria
    ]


def criteria_rows(session: Session, analysis) -> list[Criterion]:  # type: ignore[no-untyped-def]
    """Every criterion the user can weigh: those of the session (weight 0 included, so
    a row never jumps while you weigh it), then the other numeric columns (weight 0).
    Columns are spelled as given (e.g. "cost").

    Read from the session when it lists its criteria (so edits queued while a large
    table is being analysed build on each other), else from the analysis's defaults.
    """
    used = _criteria_in_use(session, analysis)
    names = {c.column for c in used} | {c.column for c in analysis.criteria}
    frame = session.scenario.candidates
    extra: list[Criterion] = []
    candidates = [COST_ALIAS, "accuracy", "latency_ms"]
    candidates += [
        str(c) for c in frame.columns
        if _numeric(frame, str(c)) and str(c) not in ("cost_per_1k", "fixed_monthly_usd", "one_time_usd")
    ]
    for column in candidates:
        if column in names:
            continue
        names.add(column)
        direction = "min" if column == COST_ALIAS else default_direction(column)
        extra.append(Criterion(column, direction, 0.0))  # type: ignore[arg-type]
    return used + extra


def step_weight(weight: float, steps: int) -> float:
    return max(0.0, round(weight + steps * WEIGHT_STEP, 6))


def change_criterion(session: Session, analysis, column: str, change) -> Session:  # type: ignore[no-untyped-def]
    """Apply `change(criterion) -> criterion` to the criterion on `column`.

    A criterion of the session keeps its place even at weight 0; another column joins
    the criteria once it gets a weight.
    """
    used = _criteria_in_use(session, analysis)
    for index, criterion in enumerate(criteria_rows(session, analysis)):
        if criterion.column != column:
            continue
        new = change(criterion)
        if new == criterion:
            return session
        if index < len(used):
            used[index] = new
        elif new.weight > 0:
            used.append(new)
        else:
            return session
        scoring = replace(session.scenario.scoring, criteria=tuple(used))
        return session.with_scenario(scoring=scoring)
    raise InputError(f"no criterion on column {column!r}")
