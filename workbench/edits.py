"""Session edits the panes ask for: each takes a Session and returns the next one.

Pure functions (no textual), so they are easy to test and the app can apply them to
whichever session is current when the message arrives. They raise InputError with a
message for the user; the candidate table is re-validated with the loader's own
checks, so an edited cell gets exactly the checks a CSV cell gets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench.columns import (
    CANONICAL,
    DERIVED_NUMERIC,
    PRICING_NUMERIC,
    REQUIRED,
    default_direction,
    priced_elsewhere,
)
from workbench.errors import InputError
from workbench.fmt import clip, num, pct, with_unit
from workbench.loading import MAX_EXTRA_MAGNITUDE, validate_candidates
from workbench.model import COST_ALIAS, Criterion, Session
from workbench.parse import MAX_MAGNITUDE, NumberError, parse_number

if TYPE_CHECKING:
    from collections.abc import Callable

    from workbench.analysis import Analysis

COMPUTED = (*DERIVED_NUMERIC, "feasible", "pareto", "score", "rank")
LABEL = "candidates"
# Units of the canonical columns, for saying what a typed cell was read as.
CELL_UNITS: dict[str, str] = {
    "latency_ms": "ms", "cost_per_1k": "USD/1k", "fixed_monthly_usd": "USD/month",
    "one_time_usd": "USD", "hourly_usd": "USD/hour", "throughput_per_s": "per second",
}


def _numeric(frame: pd.DataFrame, column: str) -> bool:
    series = frame[column]
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


@dataclass(frozen=True)
class CellValue:
    """A typed cell as the table will hold it, and what it was read as, in words."""

    value: str | float | None  # text, a number (NaN when blank), or None (blank text)
    understood: str


def read_cell(frame: pd.DataFrame, row: int | None, column: str, text: str) -> CellValue:
    """Read `text` for one cell (`row` None: a new row) with the loader's rules: the
    one number grammar (`15k`, `$0.02`, `1,500`), a percentage only where the loader
    takes one (accuracy and extra columns), blank only where a file may leave the cell
    blank, and accuracy as the loader reads it: the table holds percent, so `72%` and
    `72` are 72%, `0.72` is a fraction (72%) only when no other row is a percentage,
    and a fraction among percentages is refused, as a file mixing the two is."""
    if column == "name":
        value = text.strip()
        if not value:
            raise InputError("a candidate needs a name", column="name")
        return CellValue(value, f"name {clip(value, 60)!r}")
    numeric = _numeric(frame, column) or column in CANONICAL or column in PRICING_NUMERIC
    if not numeric:
        cell = text if text.strip() else None
        return CellValue(cell, "blank (missing)" if cell is None else f"text {clip(text, 60)!r}")
    raw = text.strip()
    if not raw:
        required = column in REQUIRED and not (
            column == "cost_per_1k" and priced_elsewhere(list(frame.columns)))
        if required:
            raise InputError(f"{column} is required (a file may not leave it blank)",
                             column=column)
        return CellValue(math.nan, "blank (missing)")
    extra = column not in CANONICAL and column not in PRICING_NUMERIC
    takes_percent = column == "accuracy" or extra
    try:
        number = parse_number(raw, percent=takes_percent,
                              limit=MAX_EXTRA_MAGNITUDE if extra else MAX_MAGNITUDE)
    except NumberError as exc:
        raise InputError(str(exc), column=column) from None
    typed_percent = raw.rstrip().endswith("%")
    if column == "accuracy":
        return _read_accuracy(frame, row, number, typed_percent, raw)
    if column in CELL_UNITS:
        return CellValue(number, with_unit(number, CELL_UNITS[column], digits=4))
    return CellValue(number, num(number, 4) + (" (typed as a percentage)" if typed_percent else ""))


def _read_accuracy(frame: pd.DataFrame, row: int | None, value: float, typed_percent: bool,
                   raw: str) -> CellValue:
    if typed_percent or not 0 < value <= 1:
        return CellValue(value, f"{pct(value)} accuracy")
    others = frame["accuracy"].to_numpy(dtype=float)
    if row is not None and 0 <= row < len(others):
        others = np.delete(others, row)
    percents = others[others > 1.0]
    if percents.size:  # the loader refuses a column with fractions among percentages
        raise InputError(
            f"{value:g} looks like a fraction while the other rows are percentages "
            f"(e.g. {percents[0]:g}); type {value * 100:g} for {value * 100:g}%, or "
            f"{raw}% if you mean {value:g} percent", column="accuracy")
    return CellValue(value * 100.0, f"{pct(value * 100.0)} accuracy ({value:g} read as a "
                                    "fraction, as the loader reads a column of fractions)")


def _parse_cell(frame: pd.DataFrame, column: str, text: str, row: int | None = None
                ) -> str | float | None:
    return read_cell(frame, row, column, text).value


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


def _position(frame: pd.DataFrame, column: str) -> int:
    """The column's position in the table, whose column names are unique (the loader
    refuses a repeated header), so get_loc gives one position, not a slice or mask."""
    at = frame.columns.get_loc(column)
    if not isinstance(at, int):
        raise InputError(f"the candidate table has more than one column {column!r}")
    return at


def set_cell(session: Session, row: int, column: str, text: str) -> Session:
    """Set one cell of the candidate table (row = position in the table)."""
    if column in COMPUTED:
        raise InputError(f"{column} is computed by the analysis; edit its inputs instead")
    frame = session.scenario.candidates
    if column not in frame.columns:
        raise InputError(f"no column {column!r} in the candidate table")
    if not 0 <= row < len(frame):
        raise InputError("that candidate no longer exists")
    value = _parse_cell(frame, column, text, row)
    new = frame.copy()
    old_name = str(frame["name"].iloc[row])
    new.iloc[row, _position(new, column)] = value
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
    copy.iloc[0, _position(copy, "name")] = name
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


def _criteria_in_use(session: Session, analysis: Analysis) -> list[Criterion]:
    given = session.scenario.scoring.criteria
    if given is not None:
        return list(given)
    return [
        Criterion(c.given_as, c.direction, c.raw_weight, c.scale)
        for c in analysis.criteria
    ]


def criteria_rows(session: Session, analysis: Analysis) -> list[Criterion]:
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
        if _numeric(frame, str(c))
        and str(c) not in ("cost_per_1k", "fixed_monthly_usd", "one_time_usd")
    ]
    for column in candidates:
        if column in names:
            continue
        names.add(column)
        direction = "min" if column == COST_ALIAS else default_direction(column)
        extra.append(Criterion(column, direction, 0.0))
    return used + extra


def step_weight(weight: float, steps: int) -> float:
    return max(0.0, round(weight + steps * WEIGHT_STEP, 6))


def change_criterion(session: Session, analysis: Analysis, column: str,
                     change: Callable[[Criterion], Criterion]) -> Session:
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


# ---- pricing mode and the cost-of-ownership ledger ------------------------------

PRICING_MODE = "pricing_mode"


def set_pricing_mode(session: Session, row: int, mode: str | None) -> Session:
    """Set a candidate's `pricing_mode` (None: let the pricing engine infer it from the
    row's prices), adding the column when the table has none. The analysis checks that
    the row has the prices its mode needs."""
    from workbench.pricing.resolve import PRICING_MODES

    if mode is not None and mode not in PRICING_MODES:
        raise InputError(f"pricing_mode must be one of {', '.join(PRICING_MODES)}, got {mode!r}",
                         column=PRICING_MODE)
    frame = session.scenario.candidates
    if not 0 <= row < len(frame):
        raise InputError("that candidate no longer exists")
    new = frame.copy()
    if PRICING_MODE not in new.columns:
        new[PRICING_MODE] = pd.Series([None] * len(new), dtype=object)
    new[PRICING_MODE] = new[PRICING_MODE].astype(object)
    new.iloc[row, _position(new, PRICING_MODE)] = mode
    if mode is None and new[PRICING_MODE].isna().all() and PRICING_MODE not in frame.columns:
        return session
    return _with_frame(session, new)


# The fields of a ledger item a form asks for, in order: (key, label).
LEDGER_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "Name"), ("kind", "Kind"), ("usd", "USD"),
    ("engineer_months_per_year", "Engineer-months / year"),
    ("loaded_monthly_usd", "Loaded $ / engineer-month"), ("pct", "% of inference"),
    ("usd_per_1k", "USD per 1k requests"), ("candidates", "Candidates (blank: all)"),
)


def ledger_item_texts(item: dict[str, Any]) -> dict[str, str]:
    """A stored ledger item as the texts of its form."""
    out = {key: "" for key, _ in LEDGER_FIELDS}
    for key, value in item.items():
        if key == "candidates":
            out[key] = ", ".join(str(v) for v in value or ())
        elif isinstance(value, float):
            out[key] = f"{value:g}"
        else:
            out[key] = "" if value is None else str(value)
    return out


def put_ledger_item(session: Session, index: int | None, texts: dict[str, str]) -> Session:
    """Add (`index` None) or replace the ledger item at `index` from typed texts, checked
    by the ledger's own rules; names must stay unique and candidates must exist."""
    from workbench.pricing.ledger import LedgerItem

    name = texts.get("name", "").strip()
    kind = texts.get("kind", "").strip()
    data: dict[str, Any] = {"name": name, "kind": kind}
    for key, label in LEDGER_FIELDS[2:-1]:
        raw = texts.get(key, "").strip()
        if raw:
            try:
                data[key] = parse_number(raw)
            except NumberError as exc:
                raise InputError(f"{label}: {exc}", key=f"tco.items.{key}") from None
    listed = [c.strip() for c in texts.get("candidates", "").split(",") if c.strip()]
    names = set(session.scenario.candidates["name"].astype(str))
    unknown = [c for c in listed if c not in names]
    if unknown:
        raise InputError("no candidate named " + ", ".join(repr(c) for c in unknown),
                         key="tco.items.candidates")
    if listed:
        data["candidates"] = listed
    item = LedgerItem.from_dict(data).to_dict()  # keeps only the numbers its kind reads
    items = list(session.scenario.tco.items)
    others = [str(it.get("name")) for i, it in enumerate(items) if i != index]
    if name in others:
        raise InputError(f"there is already a ledger item named {name!r}", key="tco.items.name")
    if index is None:
        items.append(item)
    else:
        items[index] = item
    return session.with_scenario(tco=replace(session.scenario.tco, items=tuple(items)))


def delete_ledger_item(session: Session, index: int) -> Session:
    items = list(session.scenario.tco.items)
    if not 0 <= index < len(items):
        raise InputError("that ledger item no longer exists")
    del items[index]
    return session.with_scenario(tco=replace(session.scenario.tco, items=tuple(items)))
