"""Session files: a decision record as human-editable TOML (schema version 1).

Writing goes through tomli-w and `atomic.atomic_write_text`, so a crash never leaves
half a record. Reading goes through tomllib and then checks every key, so a
hand-edited file either loads into exactly what it says or fails with the file, the
key and (where it can be found) the line. TOML is data only: nothing in a session is
ever executed.

Layout (see `session_to_toml`): top-level keys, [decision] first because a reviewer
reads it first, then the analysis inputs, then [source] and one [[candidates]] table
per row. TOML has no null, so unset values and NaN cells are simply left out.
"""

from __future__ import annotations

import difflib
import heapq
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd
import tomli_w

from workbench import fields
from workbench.columns import (
    CANONICAL,
    DERIVED,
    DERIVED_NUMERIC,
    MAX_COLUMNS,
    OPTIONAL_DERIVED,
    REQUIRED,
    VOLUME_DEPENDENT,
    default_direction,
    priced_elsewhere,
)
from workbench.errors import InputError, Note
from workbench.fmt import CONTROL_NOT_C0
from workbench.loading import validate_candidates
from workbench.model import (
    COST_ALIAS,
    TOTAL_COST_ALIAS,
    Criterion,
    Scenario,
    Scoring,
    Session,
    Source,
    Workload,
)
from workbench.parse import MAX_MAGNITUDE
from workbench.session.lines import KeyPath, key_lines
from workbench.session.paths import path_for_file, path_from_file
from workbench.session.schema import (
    CRITERION_KEYS,
    FIELD_SECTIONS,
    PRICE_USED_KEYS,
    SCHEMA_VERSION,
    SOURCE_KEYS,
    TOP_KEYS,
    TRACKER_COUNTS,
    TRACKER_KEYS,
    TRACKER_STAMPS,
    section_keys,
)

_HEADER = (
    "# workbench session (a decision record). Safe to edit by hand: every key is\n"
    "# checked when the file is opened. Check it with: workbench analyze THIS_FILE.toml\n"
)






_NUMERIC_CANONICAL = frozenset(CANONICAL[1:])
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
# Integers are written without ".0" for readability; beyond 2**53 a float is not an
# exact integer any more, and TOML integers stop at 2**63.
_EXACT_INT = 2**53


# --------------------------------------------------------------------------- writing


def session_to_toml(session: Session, base_dir: Path | None = None) -> str:
    """The TOML text of a session. `base_dir` is the folder the file will live in;
    the source path is written relative to it when possible."""
    sc = session.scenario
    c, src = sc.constraints, session.source
    header = _field_table(session, "")
    top: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "title": header.pop("title")}
    for key in ("created", "modified"):
        stamp = getattr(session, key)
        if stamp is not None:
            top[key] = _to_datetime(stamp, key)
    top.update(header)
    # Not Decision.is_empty(): an empty string is still a value to keep.
    decision = _field_table(session, "decision")
    workload = _field_table(session, "workload")
    constraints = _field_table(session, "constraints")
    if c.max:
        constraints["max"] = {k: _num(v) for k, v in c.max.items()}
    if c.min:
        constraints["min"] = {k: _num(v) for k, v in c.min.items()}
    whatif = _field_table(session, "whatif")
    source: dict[str, Any] = _drop_none(
        {
            "path": None if src.path is None else path_for_file(src.path, base_dir),
            "sha256": src.sha256,
            "table_sha256": src.table_sha256,
        }
    )
    if src.mapping:
        source["mapping"] = dict(src.mapping)
    for tracker, info in src.tracker.items():
        # Known keys in schema order; the reader refuses any other, so a session that
        # could not be read back is never written (save_session reads it back first).
        order = {k: i for i, k in enumerate(TRACKER_KEYS.get(tracker, ()))}
        source[tracker] = {
            k: _to_datetime(str(v), f"source.{tracker}.{k}") if k in TRACKER_STAMPS else v
            for k, v in sorted(info.items(), key=lambda kv: order.get(kv[0], len(order)))
        }

    # [decision] first: it is what a reviewer opens the file for.
    chunks = [_HEADER, _dumps(top)]
    if decision:
        chunks.append(_dumps({"decision": decision}))
    chunks.append(_dumps({"workload": workload}))
    if constraints:
        chunks.append(_dumps({"constraints": constraints}))
    chunks.append(_dumps({"scoring": _field_table(session, "scoring")}))
    # None means "the defaults": writing them out would freeze today's defaults into
    # the record, so the array is left out instead.
    for crit in sc.scoring.criteria or ():
        row = {
            "column": crit.column,
            "direction": crit.direction,
            "weight": _num(crit.weight),
            "scale": crit.scale,
        }
        chunks.append("[[scoring.criteria]]\n" + tomli_w.dumps(row))
    chunks.append(_dumps({"whatif": whatif}))
    pricing = _field_table(session, "pricing")
    if pricing or session.prices_used:
        chunks.append(_dumps({"pricing": pricing}))
    for price in session.prices_used:
        cells = {k: (_num(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                 for k, v in _drop_none(dict(price)).items()}
        chunks.append("[[pricing.prices_used]]\n" + tomli_w.dumps(cells))
    tco = _field_table(session, "tco")
    if tco or sc.tco.items:
        chunks.append(_dumps({"tco": tco}))
    for item in sc.tco.items:
        cells = {k: (_num(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                 for k, v in _drop_none_deep(dict(item)).items()}
        chunks.append("[[tco.items]]\n" + tomli_w.dumps(cells))
    uncertainty = _field_table(session, "uncertainty")
    if uncertainty:
        chunks.append(_dumps({"uncertainty": uncertainty}))
    monitoring = _field_table(session, "monitoring")
    if monitoring:
        chunks.append(_dumps({"monitoring": monitoring}))
    if session.routing is not None:
        chunks.append(_dumps({"routing": _drop_none_deep(session.routing)}))
    if source:
        chunks.append(_dumps({"source": source}))
    for cells in candidate_rows(sc.candidates):
        # tomli-w would inline short tables; one key per line makes a diff of the
        # file show which cell changed. Names keep "\n" escaped: a row never wraps.
        chunks.append("[[candidates]]\n" + tomli_w.dumps(cells))
    # tomli-w escapes C0 controls; C1 controls and bidi/invisible format characters are
    # legal raw in TOML but a terminal would obey them on `cat`: write them as \u
    # escapes, which read back as the same characters (they can only be inside strings).
    return CONTROL_NOT_C0.sub(_toml_escape, "\n".join(chunks))


def _toml_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _field_table(session: Session, name: str) -> dict[str, Any]:
    """A section's fields as TOML values, in field-table order; unset ones left out."""
    out: dict[str, Any] = {}
    for f in fields.section(name):
        value = f.get(session)
        if value is None or (f.omit_default and value == f.default):
            continue
        if f.kind == "numbers":
            out[f.key] = [_num(v) for v in value]
        elif f.kind == "number":
            out[f.key] = _num(value)
        else:
            out[f.key] = value
    return out


def _dumps(obj: Mapping[str, Any]) -> str:
    # tomli-w's multi-line strings turn "\r\n" into "\n"; use them (for readable
    # notes and rationales) only when that cannot change the text.
    multiline = not any("\r" in s for s in _strings(obj))
    return tomli_w.dumps(obj, multiline_strings=multiline)


def _strings(obj: object) -> Iterable[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, Mapping):
        for k, v in obj.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _strings(v)


def _drop_none(table: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in table.items() if v is not None}


def _drop_none_deep(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _drop_none_deep(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [_drop_none_deep(v) for v in obj if v is not None]
    return obj


def _num(value: float | None) -> float | int | None:
    if value is None:
        return None
    f = float(value)
    if math.isfinite(f) and f.is_integer() and abs(f) < _EXACT_INT:
        return int(f)
    return f


def _to_datetime(stamp: str, key: str) -> datetime:
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        raise InputError(
            f"{stamp!r} is not an ISO 8601 date-time (e.g. 2026-03-01T09:30:00+00:00)", key=key
        ) from None
    offset = moment.utcoffset()
    if offset is not None and offset.total_seconds() % 60:
        # TOML offsets are whole minutes; the instant is kept exactly in UTC.
        moment = moment.astimezone(UTC)
    return moment


def did_you_mean(value: str, options: Sequence[str]) -> str:
    """"; did you mean 'x'?" for the closest option, or "" when none is close."""
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""






def candidate_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One TOML-ready dict per row, columns in table order, missing cells left out."""
    kinds = {c: _is_numeric(frame[c]) and c != "name" for c in frame.columns}
    columns = {c: frame[c].tolist() for c in frame.columns}
    rows: list[dict[str, Any]] = []
    for i in range(len(frame)):
        row: dict[str, Any] = {}
        for col in frame.columns:
            value = columns[col][i]
            if _missing(value):
                continue
            row[str(col)] = _num(value) if kinds[col] else _text_cell(value)
        rows.append(row)
    return rows


def _is_numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series))


def _missing(value: Any) -> bool:
    """Whether a cell (any value a frame can hold) is missing: None, NaN, NA or NaT."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other non-scalars are never "missing"
        return False


def _text_cell(value: object) -> Any:
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- reading


def session_from_toml(
    text: str, label: str = "<session>", base_dir: Path | None = None
) -> tuple[Session, list[str]]:
    """Parse and check a session; InputError names the file, the key and the line."""
    return _Reader(text, label, base_dir).read()












# ------------------------------------------------------------------ the checking reader



def _dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _section(path: KeyPath) -> str:
    return f"[{_dotted(path)}]" if path else "the top level"


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"a string ({value!r})" if len(value) <= 40 else "a string"
    if isinstance(value, (datetime, date)):
        return "a date"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _is_number(value: object) -> bool:
    # bool is an int subclass; `weight = true` is a typo, not a weight of 1.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Reader:
    """One pass over the parsed TOML, failing at the first problem with its key."""

    def __init__(self, text: str, label: str, base_dir: Path | None) -> None:
        self.text = text
        self.label = label
        self.base_dir = base_dir
        self.notes: list[str] = []
        self._lines: dict[KeyPath, int] | None = None

    # ---- failing with a location
    def line_of(self, path: KeyPath) -> int | None:
        if self._lines is None:
            self._lines = key_lines(self.text)
        for end in range(len(path), 0, -1):  # the key, else its table
            hit = self._lines.get(path[:end])
            if hit is not None:
                return hit
        # An array of tables has no line of its own: point at its first element.
        inside = [n for p, n in self._lines.items() if p[: len(path)] == path]
        return min(inside) if inside else None

    def fail(self, message: str, path: KeyPath = ()) -> NoReturn:
        raise InputError(
            message,
            source=self.label,
            key=_dotted(path) or None,
            line=self.line_of(path) if path else None,
        )

    # ---- typed getters
    def table(self, value: object, path: KeyPath) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(f"must be a table, got {_type_name(value)}", path)
        return value

    def keys(self, table: Mapping[str, Any], allowed: Sequence[str], path: KeyPath) -> None:
        for key in table:
            if key in allowed:
                continue
            hint = did_you_mean(key, allowed)
            self.fail(
                f"unknown key {key!r} in {_section(path)}{hint} (valid keys: {', '.join(allowed)})",
                (*path, key),
            )

    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        path: KeyPath,
        *,
        low: float | None = None,
        strict_low: bool = False,
        high: float | None = None,
    ) -> float | None:
        if key not in table:
            return None
        return self.number_value(
            table[key], (*path, key), low=low, strict_low=strict_low, high=high
        )

    def number_value(
        self,
        value: object,
        where: KeyPath,
        *,
        low: float | None = None,
        strict_low: bool = False,
        high: float | None = None,
    ) -> float:
        if not _is_number(value):
            self.fail(f"must be a number, got {_type_name(value)}", where)
        try:
            f = float(value)  # type: ignore[arg-type]
        except OverflowError:  # an integer beyond any float
            f = math.inf
        if not math.isfinite(f) or abs(f) > MAX_MAGNITUDE:
            self.fail(
                f"is out of range: numbers must be finite and at most {MAX_MAGNITUDE:g} in size",
                where,
            )
        if low is not None and (f <= low if strict_low else f < low):
            self.fail(f"must be {'>' if strict_low else '>='} {low:g}, got {f:g}", where)
        if high is not None and f > high:
            self.fail(f"must be <= {high:g}, got {f:g}", where)
        return f

    def string(self, table: Mapping[str, Any], key: str, path: KeyPath) -> str | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, str):
            self.fail(f"must be a string (in quotes), got {_type_name(value)}", (*path, key))
        return value

    def choice(
        self, table: Mapping[str, Any], key: str, path: KeyPath, options: Sequence[str]
    ) -> str | None:
        value = self.string(table, key, path)
        if value is not None and value not in options:
            close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.fail(
                f"{key} must be one of {', '.join(options)}, got {value!r}{hint}", (*path, key)
            )
        return value

    def name_ref(self, value: str | None, names: list[str], where: KeyPath, what: str) -> None:
        if value is None or value in names:
            return
        hint = did_you_mean(value, names)
        self.fail(f"{what} {value!r} is not a candidate name{hint}", where)

    def stamp(self, table: Mapping[str, Any], key: str) -> str | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value).isoformat()
            except ValueError:
                pass
        self.fail(
            f"must be a date-time such as 2026-03-01T09:30:00+00:00, got {_type_name(value)}",
            (key,),
        )

    # ---- the document
    def read(self) -> tuple[Session, list[str]]:
        try:
            data = tomllib.loads(self.text)
        except RecursionError:
            raise InputError("invalid TOML: nested too deeply", source=self.label) from None
        except ValueError as exc:
            if isinstance(exc, tomllib.TOMLDecodeError):
                raise self.decode_error(exc) from None
            # int() refuses integers of more than 4,300 digits: no value is that big.
            raise InputError(
                "invalid TOML: a number has too many digits", source=self.label
            ) from None
        self.check_version(data)
        candidates = self.candidates(data.get("candidates")) if "candidates" in data else None
        self.keys(data, TOP_KEYS, ())
        if candidates is None:
            candidates = self.candidates(None)
        names = candidates["name"].tolist()
        # The routed system joins the candidates under its [routing] name, so a record
        # may choose it (decision.chosen) or compare against it (whatif.baseline).
        routing_table = data.get("routing")
        if isinstance(routing_table, dict) and isinstance(routing_table.get("name"), str):
            names = [*names, routing_table["name"]]
        numeric = [c for c in candidates.columns if c != "name" and _is_numeric(candidates[c])]
        session = Session(Scenario(candidates))
        for name in FIELD_SECTIONS:
            session = self.section_fields(session, data, name, names)
        sc = session.scenario
        limits = self.limits(data.get("constraints", {}), numeric)
        session = session.with_scenario(
            constraints=replace(sc.constraints, max=limits["max"], min=limits["min"]),
            scoring=self.criteria(data.get("scoring", {}), sc.scoring, numeric, sc.workload),
            tco=replace(sc.tco, items=self.ledger_items(data.get("tco", {}), names)),
        )
        session = session.with_(prices_used=self.prices_used(data.get("pricing", {})))
        session = session.with_(
            created=self.stamp(data, "created"),
            modified=self.stamp(data, "modified"),
            source=self.source(data.get("source", {})),
            routing=self.routing(data["routing"]) if "routing" in data else None,
        )
        if session.routing:
            session = self.one_volume(session)
        return session, self.notes

    def decode_error(self, exc: tomllib.TOMLDecodeError) -> InputError:
        message = str(exc)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
        if m:
            message = f"{message[: m.start()]} (column {m.group(2)})"
        return InputError(
            f"invalid TOML: {message}", source=self.label, line=int(m.group(1)) if m else None
        )

    def check_version(self, data: Mapping[str, Any]) -> None:
        if "schema_version" not in data:
            self.fail(
                f"missing schema_version; this workbench reads schema_version = {SCHEMA_VERSION} "
                "(add it as the first line)",
                ("schema_version",),
            )
        version = data["schema_version"]
        if not isinstance(version, int) or isinstance(version, bool):
            self.fail(f"must be an integer, got {_type_name(version)}", ("schema_version",))
        if version > SCHEMA_VERSION:
            self.fail(
                f"schema_version {version} was written by a newer workbench; this workbench "
                f"supports schema_version {SCHEMA_VERSION}: upgrade workbench to open it",
                ("schema_version",),
            )
        if version < 1:
            self.fail(
                f"unknown schema_version {version}; this workbench supports "
                f"schema_version {SCHEMA_VERSION}",
                ("schema_version",),
            )

    # Not named `fields`: in the class body that name would hide the module
    # workbench.fields, which the annotations below (fields.Field) refer to.
    def section_fields(self, session: Session, data: Mapping[str, Any], name: str,
                       names: list[str]) -> Session:
        """Read one section's scalar fields (see workbench.fields) into the session."""
        path: KeyPath = (name,) if name else ()
        t = self.table(data.get(name, {}), path) if name else data
        if name:
            self.keys(t, section_keys(name), path)
        for f in fields.section(name):
            if f.key not in t:
                continue
            where: KeyPath = (*path, f.key)
            value = self.field_value(f, t[f.key], where)
            if f.kind == "name":
                self.name_ref(value, names, where, f.path)
            try:
                session = f.set(session, value)
            except InputError as exc:
                self.fail(exc.message, where)
        return session

    def field_value(self, f: fields.Field, raw: object, where: KeyPath) -> Any:
        if f.kind == "number":
            return self.number_value(raw, where, low=f.low, strict_low=f.low_strict, high=f.high)
        if f.kind == "numbers":
            if not isinstance(raw, list):
                self.fail(f"must be an array of numbers, got {_type_name(raw)}", where)
            if not raw:
                self.fail("needs at least one number", where)
            return tuple(self.number_value(v, where, low=f.low, strict_low=f.low_strict,
                                           high=f.high) for v in raw)
        if isinstance(raw, (date, datetime)) and f.kind == "text":
            # Kept as text; an unquoted TOML date is what a person naturally types.
            return raw.isoformat()
        if not isinstance(raw, str):
            self.fail(f"must be a string (in quotes), got {_type_name(raw)}", where)
        if f.kind == "choice" and raw not in f.choices:
            hint = did_you_mean(raw, f.choices)
            hint = f" ({hint[2:]})" if hint else ""
            self.fail(f"{f.key} must be one of {', '.join(f.choices)}, got {raw!r}{hint}", where)
        return raw

    def ledger_items(self, value: object, names: list[str]) -> tuple[dict[str, object], ...]:
        """[[tco.items]]: line items of the cost-of-ownership ledger, checked by the
        ledger's own rules (workbench.pricing.ledger.LedgerItem)."""
        from workbench.pricing.ledger import LedgerItem

        t = self.table(value, ("tco",))
        raw = t.get("items", [])
        if not isinstance(raw, list):
            self.fail(f"must be [[tco.items]] tables, got {_type_name(raw)}", ("tco", "items"))
        items: list[dict[str, object]] = []
        for i, entry in enumerate(raw, start=1):
            where: KeyPath = ("tco", "items", i)
            table = self.table(entry, where)
            try:
                item = LedgerItem.from_dict(dict(table), where=f"tco.items[{i}]")
            except InputError as exc:
                key = (exc.key or "").rpartition(".")[2] if exc.key else None
                self.fail(exc.message, (*where, key) if key and key in table else where)
            for name in item.candidates or ():
                self.name_ref(name, names, (*where, "candidates"), "a ledger item's candidate")
            items.append(item.to_dict())
        return tuple(items)

    def prices_used(self, value: object) -> tuple[dict[str, object], ...]:
        """[[pricing.prices_used]]: the prices the last evaluation used (informational:
        a record read later says which prices it assumed)."""
        t = self.table(value, ("pricing",))
        raw = t.get("prices_used", [])
        if not isinstance(raw, list):
            self.fail(f"must be [[pricing.prices_used]] tables, got {_type_name(raw)}",
                      ("pricing", "prices_used"))
        out: list[dict[str, object]] = []
        for i, entry in enumerate(raw, start=1):
            where: KeyPath = ("pricing", "prices_used", i)
            table = self.table(entry, where)
            self.keys(table, PRICE_USED_KEYS, where)
            row: dict[str, object] = {}
            for key in PRICE_USED_KEYS:
                if key not in table:
                    if key != "date":
                        self.fail(f"a price used needs {key!r}", where)
                    continue
                row[key] = (self.number_value(table[key], (*where, key), low=0)
                            if key == "value" else self.string(table, key, where))
            out.append(row)
        return tuple(out)

    def limits(self, value: object, numeric: list[str]) -> dict[str, dict[str, float]]:
        path: KeyPath = ("constraints",)
        t = self.table(value, path)
        limits: dict[str, dict[str, float]] = {}
        for side in ("max", "min"):
            sub = self.table(t.get(side, {}), (*path, side))
            allowed = [*numeric, *DERIVED_NUMERIC]
            out: dict[str, float] = {}
            for column, limit in sub.items():
                where: KeyPath = (*path, side, column)
                if column not in allowed:
                    hint = did_you_mean(column, allowed)
                    self.fail(
                        f"limit on {column!r}: not a numeric column of the candidates{hint} "
                        f"(numeric columns: {', '.join(allowed)})",
                        where,
                    )
                out[column] = self.number_value(limit, where)
            limits[side] = out
        return limits

    def criteria(
        self, value: object, scoring: Scoring, numeric: list[str], workload: Workload
    ) -> Scoring:
        path: KeyPath = ("scoring",)
        t = self.table(value, path)
        if "criteria" not in t:
            return scoring  # None: the defaults
        raw = t["criteria"]
        if not isinstance(raw, list) or not raw:
            self.fail(
                "must be one or more [[scoring.criteria]] tables (leave it out for the defaults)",
                (*path, "criteria"),
            )
        allowed = [COST_ALIAS, TOTAL_COST_ALIAS, *numeric, *DERIVED_NUMERIC, *OPTIONAL_DERIVED]
        criteria: list[Criterion] = []
        for i, item in enumerate(raw, start=1):
            where: KeyPath = (*path, "criteria", i)
            c = self.table(item, where)
            self.keys(c, CRITERION_KEYS, where)
            column = self.string(c, "column", where)
            if column is None:
                self.fail("a criterion needs a column", where)
            if column not in allowed:
                hint = did_you_mean(column, allowed)
                self.fail(
                    f"criterion column {column!r} is not a numeric column of the candidates"
                    f"{hint} (choose from: {', '.join(allowed)})",
                    (*where, "column"),
                )
            if column in VOLUME_DEPENDENT and workload.volume_per_day is None:
                self.fail(
                    f"criterion {column!r} needs a volume: set [workload] volume_per_day "
                    f"or use {COST_ALIAS!r}",
                    (*where, "column"),
                )
            if any(prev.column == column for prev in criteria):
                self.fail(f"criterion {column!r} is listed twice", (*where, "column"))
            if "weight" not in c:
                self.fail("a criterion needs a weight", where)
            weight = self.number_value(c["weight"], (*where, "weight"), low=0)
            direction = self.choice(c, "direction", where, ("max", "min")) or default_direction(
                column
            )
            scale = self.choice(c, "scale", where, ("linear", "log10")) or "linear"
            criteria.append(Criterion(column, direction, weight, scale))  # type: ignore[arg-type]
        if not any(c.weight > 0 for c in criteria):
            self.fail(
                "all criterion weights are 0; at least one criterion needs a weight > 0",
                (*path, "criteria"),
            )
        return replace(scoring, criteria=tuple(criteria))

    def source(self, value: object) -> Source:
        path: KeyPath = ("source",)
        t = self.table(value, path)
        self.keys(t, (*SOURCE_KEYS, *TRACKER_KEYS), path)
        written = self.string(t, "path", path)
        sha = self.string(t, "sha256", path)
        table_sha = self.string(t, "table_sha256", path)
        for key, value in (("sha256", sha), ("table_sha256", table_sha)):
            if value is not None and not _SHA256.fullmatch(value):
                self.fail("must be 64 hexadecimal digits (a SHA-256)", (*path, key))
        mapping_raw = self.table(t.get("mapping", {}), (*path, "mapping"))
        mapping: dict[str, str] = {}
        for column, header in mapping_raw.items():
            where: KeyPath = (*path, "mapping", column)
            if column not in CANONICAL:
                hint = did_you_mean(column, CANONICAL)
                self.fail(
                    f"{column!r} is not a column we map{hint} "
                    f"(choose from: {', '.join(CANONICAL)})",
                    where,
                )
            if not isinstance(header, str):
                self.fail(f"must be a header name (a string), got {_type_name(header)}", where)
            mapping[column] = header
        return Source(
            path=None if written is None else path_from_file(written, self.base_dir),
            sha256=sha,
            mapping=mapping,
            table_sha256=table_sha,
            tracker={name: self.tracker(t[name], name) for name in TRACKER_KEYS if name in t},
        )

    def tracker(self, value: object, name: str) -> dict[str, str | int]:
        """[source.mlflow] / [source.wandb]: text values, a count, a date-time."""
        path: KeyPath = ("source", name)
        t = self.table(value, path)
        self.keys(t, TRACKER_KEYS[name], path)
        out: dict[str, str | int] = {}
        for key, raw in t.items():
            where: KeyPath = (*path, key)
            if key in TRACKER_COUNTS:
                if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
                    self.fail(f"must be a whole number >= 0, got {_type_name(raw)}", where)
                out[key] = raw
            elif key in TRACKER_STAMPS:
                moment: datetime | None = raw if isinstance(raw, datetime) else None
                if isinstance(raw, str):
                    try:
                        moment = datetime.fromisoformat(raw)
                    except ValueError:
                        moment = None
                if moment is None:
                    self.fail("must be a date-time such as 2026-03-01T09:30:00+00:00, got "
                              f"{_type_name(raw)}", where)
                out[key] = moment.isoformat()
            else:
                if not isinstance(raw, str):
                    self.fail(f"must be a string (in quotes), got {_type_name(raw)}", where)
                out[key] = raw
        return out

    def routing(self, value: object) -> dict[str, object]:
        from workbench.routing.spec import RoutingSpec

        t = self.table(value, ("routing",))
        try:
            RoutingSpec.from_dict(dict(t))
        except InputError as exc:
            where: KeyPath = ("routing", exc.key) if exc.key else ("routing",)
            message = exc.message
            if exc.key and message.startswith("unknown key"):
                known = [f.name for f in dataclass_fields(RoutingSpec)]
                close = difflib.get_close_matches(exc.key, known, n=1, cutoff=0.6)
                if close:
                    message = f"unknown key {exc.key!r} in [routing]; did you mean {close[0]!r}?"
            self.fail(message, where)
        return dict(t)

    def one_volume(self, session: Session) -> Session:
        """The workload's volume is the only volume. A [routing] volume (sessions written
        before that rule) moves to [workload] when the workload has none or the same one,
        with a note; a different one is refused, since either could be the right one."""
        routing = dict(session.routing or {})
        workload = session.scenario.workload
        moved: list[str] = []
        for key in ("volume_per_day", "days_per_month"):
            if key not in routing:
                continue
            value = float(routing.pop(key))  # type: ignore[arg-type]
            current = getattr(workload, key)
            default = fields.field(f"workload.{key}").default
            if current is None or current == value or (
                    current == default and key != "volume_per_day"):
                if current != value:
                    workload = replace(workload, **{key: value})
                    moved.append(key)
                continue
            self.fail(
                f"[routing] {key} = {value:g} differs from [workload] {key} = {current:g}; "
                "the workload's volume is the only volume: remove it from [routing]",
                ("routing", key),
            )
        if moved:
            self.notes.append(Note(
                "routing_volume_moved",
                f"{self.label}: [routing] {' and '.join(moved)} moved to [workload] (the "
                "workload's volume is the only volume); save the session to record it",
            ))
        return session.with_(routing=routing).with_scenario(workload=workload)

    # ---- the candidate table
    def candidates(self, value: object) -> pd.DataFrame:
        path: KeyPath = ("candidates",)
        if value is None or value == []:
            self.fail(
                "no candidates: add one [[candidates]] table per model "
                f"(keys {', '.join(REQUIRED)})",
                path,
            )
        if not isinstance(value, list):
            self.fail(f"must be [[candidates]] tables, got {_type_name(value)}", path)
        rows: list[dict[str, Any]] = []
        for i, row in enumerate(value, start=1):
            rows.append(self.table(row, (*path, i)))
        order = _column_order(rows)
        if len(order) > MAX_COLUMNS:
            self.fail(
                f"the [[candidates]] tables have {len(order):,} different keys; a candidate "
                f"table may have at most {MAX_COLUMNS:,} columns",
                path,
            )
        columns: dict[str, pd.Series] = {}
        for column in order:
            if column == "":
                self.fail("empty column name", path)
            if column in DERIVED:
                first = next(i for i, r in enumerate(rows, start=1) if column in r)
                self.fail(
                    f"{column!r} is computed by the analysis and cannot be a candidate column; "
                    "rename it",
                    (*path, first, column),
                )
            columns[column] = self.column(rows, column)
        if "name" not in columns:
            self.fail("every [[candidates]] table needs a name", (*path, 1))
        if "cost_per_1k" not in columns and priced_elsewhere(list(columns)):
            # Every row is priced per token or on instances: the engine derives it. The
            # column goes in its canonical place, as the loader puts it.
            blank = pd.Series(np.full(len(rows), np.nan))
            at = [c for c in CANONICAL if c in columns or c == "cost_per_1k"]
            ordered = [c for c in at] + [c for c in columns if c not in CANONICAL]
            columns = {c: (blank if c == "cost_per_1k" else columns[c]) for c in ordered}
        frame = pd.DataFrame(columns).reset_index(drop=True)
        missing_name = frame["name"].isna().to_numpy()
        if missing_name.any():
            self.fail("this [[candidates]] table has no name",
                      ("candidates", int(np.flatnonzero(missing_name)[0]) + 1))
        try:
            validate_candidates(frame, self.label)
        except InputError as exc:
            self.locate_candidate_error(exc, rows)
            raise
        self.note_typos(order)
        return frame

    def column(self, rows: list[dict[str, Any]], column: str) -> pd.Series:
        cells = [(i, r[column]) for i, r in enumerate(rows, start=1) if column in r]
        for i, cell in cells:
            if isinstance(cell, (dict, list, datetime, date)) or cell is None:
                self.fail(
                    f"a candidate cell must be a number or a string, got {_type_name(cell)}",
                    ("candidates", i, column),
                )
        if column == "name":
            values: list[object] = [None] * len(rows)
            for i, cell in cells:
                if not isinstance(cell, str):
                    self.fail(
                        f"name must be a string (in quotes), got {_type_name(cell)}",
                        ("candidates", i, "name"),
                    )
                values[i - 1] = cell
            return pd.Series(values, dtype=object)
        numeric = all(_is_number(cell) for _, cell in cells)
        if column in _NUMERIC_CANONICAL and not numeric:
            i, cell = next((i, c) for i, c in cells if not _is_number(c))
            self.fail(
                f"must be a number (without quotes), got {_type_name(cell)}",
                ("candidates", i, column),
            )
        if numeric:
            out = np.full(len(rows), np.nan)
            for i, cell in cells:
                out[i - 1] = float(cell)
            return pd.Series(out, dtype="float64")
        # Text (or mixed) columns keep each value as TOML typed it; object dtype so
        # pandas does not swap in its string dtype and break round-trip equality.
        kept: list[object] = [None] * len(rows)
        for i, cell in cells:
            kept[i - 1] = cell
        return pd.Series(kept, dtype=object)

    def locate_candidate_error(self, exc: InputError, rows: list[dict[str, Any]]) -> None:
        if exc.row is None:
            missing = re.search(r"missing required column '(\w+)'", exc.message)
            if missing:
                present = sorted({k for r in rows for k in r})
                close = difflib.get_close_matches(missing.group(1), present, n=1, cutoff=0.5)
                if close:
                    exc.message += f" (the [[candidates]] tables have {close[0]!r}: a typo?)"
            exc.message += f"; every [[candidates]] table needs {', '.join(REQUIRED)}"
            exc.args = (exc.message,)
            return
        exc.message += f" ([[candidates]] table {exc.row})"
        if exc.column is not None:
            row = rows[exc.row - 1]
            if exc.column not in row:
                close = difflib.get_close_matches(exc.column, list(row), n=1, cutoff=0.6)
                if close:
                    exc.message += f"; it has {close[0]!r}: a typo?"
            exc.line = self.line_of(("candidates", exc.row, exc.column))
        exc.args = (exc.message,)

    def note_typos(self, order: list[str]) -> None:
        for column in order:
            if column in CANONICAL:
                continue
            close = difflib.get_close_matches(column, CANONICAL, n=1, cutoff=0.8)
            if close:
                self.notes.append(Note(
                    "column_typo",
                    f"{self.label}: candidate column {column!r} is not one we know; "
                    f"did you mean {close[0]!r}? It is kept as an extra column"
                ))


def _column_order(rows: list[dict[str, Any]]) -> list[str]:
    """Columns in table order, recovered from the rows' key order.

    A NaN cell is left out of its row, so no single row need hold every column. Each
    row's keys are in table order, so merging them (a topological sort, ties broken
    by first appearance) gives back the table's order. Canonical columns come first,
    in canonical order, as every loader produces them.
    """
    first_seen: dict[str, int] = {}
    after: dict[str, set[str]] = {}
    for row in rows:
        previous: str | None = None
        for key in row:
            if key in CANONICAL:
                continue
            first_seen.setdefault(key, len(first_seen))
            after.setdefault(key, set())
            if previous is not None and previous != key:
                after[key].add(previous)
            previous = key
    # Kahn's algorithm with a heap keyed by first appearance: linear in the number of
    # keys (up to a log), so a hand-made session with 100k columns still opens at once.
    waiting = {k: len(before) for k, before in after.items()}
    followers: dict[str, list[str]] = {k: [] for k in after}
    for key, before in after.items():
        for prev in before:
            followers[prev].append(key)
    ready = [(first_seen[k], k) for k, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    extras: list[str] = []
    placed: set[str] = set()
    pending = sorted(first_seen, key=first_seen.__getitem__)
    cursor = 0
    while len(extras) < len(first_seen):
        if ready:
            _, pick = heapq.heappop(ready)
            if pick in placed:
                continue
        else:
            # A cycle means the rows disagree (hand-edited): first appearance decides.
            while pending[cursor] in placed:
                cursor += 1
            pick = pending[cursor]
        extras.append(pick)
        placed.add(pick)
        for nxt in followers[pick]:
            waiting[nxt] -= 1
            if waiting[nxt] == 0 and nxt not in placed:
                heapq.heappush(ready, (first_seen[nxt], nxt))
    present = {k for row in rows for k in row}
    return [c for c in CANONICAL if c in present] + extras


# ------------------------------------------------------------------- line numbers







