"""Tracker runs -> a candidate table, checked exactly as a CSV is.

An importer (MLflow, W&B) turns each run into a `Run`: an id, a candidate name, a state
and its values keyed the way the user writes them in `--map` ("metrics.val_acc",
"params.cost_per_1k", "summary.eval/acc", or a CSV header). `runs_table` then:

1. decides which key holds each canonical column: `--map` first, else a key whose name
   *is* the column ("metrics.accuracy", "params.cost_per_1k"). Nothing is guessed from
   a resemblance: a run with train_acc and val_acc needs a person to say which one;
2. refuses, naming the runs, a mapped key that some runs lack, a run without a name
   and two runs with the same name;
3. runs the loader (`canonicalize(guess=False)`): a unit in a key converts ("p95_s"
   -> ms), every value is parsed and checked, and an error names the run, not a row;
4. names the other keys' columns after the key ("metrics.val_loss" -> val_loss; a param
   named like a metric becomes param_<name>) and appends the tracker's own columns
   (run_id, ...) as they are, after the checks: a run id that happens to read as a
   number ("12345e67") stays the text it is.

Pure pandas: no tracker library is imported here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from workbench.columns import CANONICAL, DERIVED, REQUIRED, snake, tokens
from workbench.errors import InputError
from workbench.fmt import clip
from workbench.loading import canonicalize, name_keys
from workbench.model import Scenario, Session, Source, WhatIf

# Key prefixes, in the order their columns are laid out, with the singular used when a
# column name must say where it came from ("param_lr" next to a metric "lr").
KINDS: dict[str, str] = {
    "metrics": "metric", "summary": "summary", "params": "param", "config": "config",
    "tags": "tag",
}
# How many runs an error names before "and N more".
SHOWN_RUNS = 5


@dataclass
class Run:
    """One run of a tracker, as the importers hand it over."""

    run_id: str
    name: str | None  # the candidate's name (run name, a tag, ...); None when absent
    state: str | None = None  # FINISHED, FAILED, finished, crashed, ...
    # Keys that become columns (metrics and params, config and summary).
    values: dict[str, Any] = field(default_factory=dict)
    # Keys only a --map or --name-from may name (tags, a W&B export's own columns).
    hidden: dict[str, Any] = field(default_factory=dict)
    # The tracker's own columns, appended as they are (run_id, model_version, ...).
    columns: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        return self.values[key] if key in self.values else self.hidden.get(key)

    def has(self, key: str) -> bool:
        return not _absent(self.get(key))

    @property
    def label(self) -> str:
        """How a message names the run: its name and id."""
        if self.name and self.name != self.run_id:
            return f"{clip(self.name, 40)!r} ({self.run_id})"
        return self.run_id


@dataclass
class Imported:
    """A checked candidate table made from runs."""

    frame: pd.DataFrame
    notes: list[str]
    mapping: dict[str, str]  # canonical column -> the key it was read from
    runs: list[Run]


def split_key(key: str) -> tuple[str, str]:
    """("metrics", "val_acc") for "metrics.val_acc"; ("", key) without a known prefix."""
    kind, dot, bare = key.partition(".")
    if dot and kind in KINDS:
        return kind, bare
    return "", key


def find_key(key: str, keys: Sequence[str], what: str, label: str) -> str | None:
    """The key `key` means: itself; "metric.x" for "metrics.x"; a bare "x" for the one
    kind that has it ("metrics.x" or "params.x"; both is ambiguous). None: no such key."""
    present = set(keys)
    if key in present:
        return key
    kind, dot, rest = key.partition(".")
    plural = {"metric": "metrics", "param": "params", "tag": "tags"}.get(kind)
    if dot and plural and f"{plural}.{rest}" in present:
        return f"{plural}.{rest}"
    hits = [f"{k}.{key}" for k in KINDS if f"{k}.{key}" in present]
    if len(hits) > 1:
        raise InputError(f"{what}: {key!r} is ambiguous: say {' or '.join(hits)}", source=label)
    return hits[0] if hits else None


def runs_label(runs: Sequence[Run], limit: int = SHOWN_RUNS) -> str:
    """"'a' (id1), 'b' (id2) and 3 more": the runs an error is about."""
    shown = ", ".join(r.label for r in runs[:limit])
    more = len(runs) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def runs_table(
    runs: Sequence[Run],
    label: str,
    mapping: Mapping[str, str] | None = None,
    *,
    state_hint: str = "",
) -> Imported:
    """The runs as a candidate table, checked by the loader; see the module docstring.

    `label` names the source in messages ("MLflow experiment 'imagenet'"); `state_hint`
    says how to keep finished runs only, for when unfinished runs lack a key.
    """
    runs = list(runs)
    if not runs:
        raise InputError("no runs to import", source=label)
    _check_names(runs, label)
    keys = _keys(runs)
    used = _resolve_mapping(keys, dict(mapping or {}), label)
    gaps = [(f"{key} (for {column})", [r for r in runs if not r.has(key)])
            for column, key in used.items() if column in REQUIRED or column in (mapping or {})]
    gaps = [(what, lacking) for what, lacking in gaps if lacking]
    if gaps:
        # Keys missing from the same runs (a crash before evaluation) are named together.
        same = [what for what, lacking in gaps if lacking == gaps[0][1]]
        lacking = gaps[0][1]
        whats = " and ".join(same)
        raise InputError(
            f"{whats} {'is' if len(same) == 1 else 'are'} missing from {len(lacking)} of "
            f"{len(runs)} runs: {runs_label(lacking)}{_state_note(lacking, state_hint)}",
            source=label,
        )
    fixed = list(dict.fromkeys(k for r in runs for k in r.columns))
    extras = [k for k in keys if k not in used.values() and any(k in r.values for r in runs)]
    names = _extra_names(extras, reserved={*CANONICAL, *DERIVED, *fixed})

    # The raw table as the loader sees it: "name", each mapped key under its own name (so
    # a message and a unit read from it name the key), then the other keys.
    headers = {key: key for key in used.values()}
    taken = {"name", *headers.values()}
    for key in extras:
        header = key
        # With guess=False only a header spelled like a column is matched by itself;
        # an extra key such as "Name" or "accuracy" (left to --map) must stay extra.
        if tokens(header) in CANONICAL or snake(header) in CANONICAL:
            header = f"{key} (extra)"
        while header in taken:
            header += "_"
        taken.add(header)
        headers[key] = header
    data: dict[str, list[Any]] = {"name": [r.name for r in runs]}
    for key, header in headers.items():
        data[header] = [_cell(r.get(key)) for r in runs]
    raw = pd.DataFrame(data)
    try:
        frame, notes, _ = canonicalize(
            raw, label, {"name": "name", **{c: headers[k] for c, k in used.items()}}, guess=False
        )
    except InputError as exc:
        raise _about_run(exc, runs) from None
    canon = [c for c in frame.columns if c in CANONICAL]
    frame.columns = canon + [names[k] for k in extras]
    for column in fixed:
        frame[column] = pd.Series([_fixed(r.columns.get(column)) for r in runs], dtype=_dtype(
            [r.columns.get(column) for r in runs]))
    # The loader's "accuracy <- 'metrics.val_acc'" notes say where each column came
    # from (mapped or named alike); its renames of extra columns are ours to make.
    notes = [n for n in notes if getattr(n, "code", None) != "column_renamed"]
    return Imported(frame, notes, {c: k for c, k in used.items() if c != "name"}, runs)


def to_session(
    imported: Imported,
    tracker: str,
    info: Mapping[str, str | int | None],
    title: str,
    *,
    baseline: str | None = None,
    path: str | None = None,
    sha256: str | None = None,
) -> Session:
    """A decision record holding the imported table, with where it came from: [source]
    (the mapping, the table's digest, a file's path and hash) and [source.<tracker>]."""
    from workbench.provenance import table_digest

    record = {k: v for k, v in info.items() if v is not None and v != ""}
    record.setdefault("runs", len(imported.runs))
    record.setdefault("imported_at", now_iso())
    source = Source(path=path, sha256=sha256, mapping=dict(imported.mapping),
                    table_sha256=table_digest(imported.frame), tracker={tracker: record})
    scenario = Scenario(imported.frame)
    if baseline is not None:
        scenario = scenario.with_(whatif=WhatIf(baseline=baseline))
    return Session(scenario=scenario, title=title, source=source)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# ------------------------------------------------------------------------ helpers


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(value: Any) -> Any:
    """A value a table cell can hold: nested config values become JSON text."""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _fixed(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _dtype(values: list[Any]) -> str:
    present = [v for v in values if _fixed(v) is not None]
    numeric = present and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                              for v in present)
    # Numbers as float64 and text as object: what a session file reads back.
    return "float64" if numeric else "object"


def _keys(runs: Sequence[Run]) -> list[str]:
    """Every key of every run, metrics and summaries first, then params and config,
    then tags, each kind in first-seen order."""
    seen: dict[str, int] = {}
    for run in runs:
        for key in (*run.values, *run.hidden):
            seen.setdefault(key, len(seen))
    rank = {kind: i for i, kind in enumerate(("metrics", "summary", "", "params", "config",
                                              "tags"))}
    return sorted(seen, key=lambda k: (rank[split_key(k)[0]], seen[k]))


def _resolve_mapping(keys: list[str], mapping: dict[str, str], label: str) -> dict[str, str]:
    """{canonical column: key}: --map, else the one key named exactly as the column."""
    used: dict[str, str] = {}
    for column, key in mapping.items():
        if column not in CANONICAL:
            raise InputError(
                f"--map {column}=...: {column!r} is not a column we map; choose one of "
                f"{', '.join(CANONICAL[1:])}", source=label)
        if column == "name":
            raise InputError("--map name=...: candidates are named with --name-from",
                             source=label)
        found = find_key(key, keys, f"--map {column}={key}", label)
        if found is None:
            raise InputError(f"--map {column}={key}: no run has that key{_near(key, keys)}",
                             source=label)
        used[column] = found
    for column in CANONICAL[1:]:
        if column in used:
            continue
        same = [k for k in keys if k not in used.values()
                and (tokens(split_key(k)[1]) == column or snake(split_key(k)[1]) == column)]
        if len(same) > 1:
            raise InputError(
                f"{' and '.join(same)} could each be {column}; say which with "
                f"--map {column}=KEY", source=label)
        if same:
            used[column] = same[0]
    missing = [c for c in REQUIRED[1:] if c not in used]
    if missing:
        raise InputError(
            f"no key for {', '.join(missing)}: say which key holds "
            f"{'it' if len(missing) == 1 else 'each'} with --map COLUMN=KEY, e.g. "
            f"--map {missing[0]}={_example(missing[0], keys)}. Keys found: "
            f"{_key_list(keys)}", source=label, code="missing_columns")
    return used


def _example(column: str, keys: list[str]) -> str:
    words = {"accuracy": ("acc", "top1", "f1", "map"), "latency_ms": ("lat", "ms", "p9", "time"),
             "cost_per_1k": ("cost", "price", "usd")}[column]
    for key in keys:
        if any(w in key.lower() for w in words):
            return key
    return keys[0] if keys else "KEY"


def _key_list(keys: list[str], limit: int = 30) -> str:
    shown = ", ".join(keys[:limit])
    return f"{shown} and {len(keys) - limit} more" if len(keys) > limit else (shown or "none")


def _near(key: str, keys: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f" (keys: {_key_list(keys, 12)})"


def _extra_names(extras: list[str], reserved: set[str]) -> dict[str, str]:
    """{key: column name}: the key's own name, made a column name; prefixed with its
    kind when that name is taken (by a canonical column, or a metric of the same name)."""
    out: dict[str, str] = {}
    taken = set(reserved) | {"name"}
    for key in extras:
        kind, bare = split_key(key)
        name = re.sub(r"[^0-9A-Za-z]+", "_", bare).strip("_").lower() or "column"
        if name in taken:
            name = f"{KINDS.get(kind, 'src')}_{name}"
        base, n = name, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        out[key] = name
    return out


def _check_names(runs: list[Run], label: str) -> None:
    nameless = [r for r in runs if r.name is None or not str(r.name).strip()]
    if nameless:
        raise InputError(
            f"{len(nameless)} of {len(runs)} runs have no name: {runs_label(nameless)}; "
            "name candidates by another key with --name-from", source=label)
    keys = name_keys(pd.Series([str(r.name) for r in runs], dtype=object))
    dup = keys.duplicated(keep=False)
    if dup.any():
        first = keys[dup].iloc[0]
        same = [r for r, k in zip(runs, keys, strict=True) if k == first]
        raise InputError(
            f"{len(same)} runs are named {clip(str(same[0].name), 60)!r}: "
            f"{', '.join(r.run_id for r in same[:SHOWN_RUNS])}; a candidate name must be "
            "unique: name candidates by another key (--name-from) or import fewer runs",
            source=label)


def _state_note(lacking: list[Run], hint: str) -> str:
    states = sorted({str(r.state) for r in lacking if r.state})
    if not states or not hint:
        return ""
    return f" (those runs are {', '.join(states)}; {hint})"


def _about_run(exc: InputError, runs: list[Run]) -> InputError:
    """A loader error about row N, re-worded about the run in row N."""
    if exc.row is not None and 1 <= exc.row <= len(runs):
        exc.message = f"{exc.message} (run {runs[exc.row - 1].label})"
        exc.row = None
        exc.args = (exc.message,)
    return exc


__all__ = ["Imported", "Run", "find_key", "now_iso", "runs_label", "runs_table", "split_key",
           "to_session"]
