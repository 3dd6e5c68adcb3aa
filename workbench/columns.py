"""Forgiving header matching: map whatever a spreadsheet calls a column to our names.

Candidate tables come from papers, vendor pages and colleagues' spreadsheets, so
"Accuracy (%)", "top1", "Latency (sec)" and "$/1k" must all land on the canonical
columns, with the unit in the header converting the values. Every inference is
reported back to the user as a note, so nothing is silently reinterpreted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.errors import Note

REQUIRED: tuple[str, ...] = ("name", "accuracy", "latency_ms", "cost_per_1k")
OPTIONAL: tuple[str, ...] = ("maintainability", "fixed_monthly_usd", "one_time_usd")
CANONICAL: tuple[str, ...] = REQUIRED + OPTIONAL

# A candidate table is a handful of measured columns per model; every view and the
# per-column checks scale with the column count, so a table (or a hand-made session)
# with more columns than this is refused with a message rather than crawled through.
MAX_COLUMNS = 1000

# Derived numeric columns of the analysis table, and which of them scale with volume.
DERIVED_NUMERIC: tuple[str, ...] = (
    "monthly_cost_usd",
    "inference_monthly_usd",
    "cost_per_accuracy_point",
    "cost_per_1k_correct",
    "max_volume_per_day_in_budget",
)
VOLUME_DEPENDENT: tuple[str, ...] = ("monthly_cost_usd", "inference_monthly_usd")
MIN_WORDS = ("cost", "latency", "usd", "price", "time", "memory", "size", "params", "flops",
             "error", "loss", "energy", "co2", "watts", "risk")


def default_direction(column: str) -> str:
    """min for things you pay or wait for, max otherwise."""
    lowered = column.lower()
    if lowered == "accuracy" or "accuracy" in lowered:
        return "max"
    return "min" if any(w in lowered for w in MIN_WORDS) else "max"


# Columns the analysis adds; a loaded column must not collide with them.
DERIVED: tuple[str, ...] = (
    "monthly_cost_usd",
    "inference_monthly_usd",
    "cost_per_accuracy_point",
    "cost_per_1k_correct",
    "max_volume_per_day_in_budget",
    "feasible",
    "violations",
    "pareto",
    "score",
    "rank",
    "contributions",
)


@dataclass(frozen=True)
class ColumnMatch:
    """How one source header maps onto a column of ours."""

    header: str
    column: str
    factor: float = 1.0  # multiply the values by this to get our unit
    note: str | None = None  # what was inferred, for the user


def tokens(header: str) -> str:
    """Lower-case words of a header with symbols spelled out: "$/1k" -> "usd per 1k"."""
    text = str(header).strip().lower()
    text = text.replace("$", " usd ").replace("%", " pct ").replace("/", " per ")
    text = text.replace("µ", "u").replace("μ", "u")
    text = re.sub(r"[^0-9a-z]+", " ", text)
    # "top1" and "top 1" are the same thing; "1k", "1m" stay glued.
    text = re.sub(r"\btop\s+(\d)\b", r"top\1", text)
    return " ".join(text.split())


def snake(header: str) -> str:
    """A stable snake_case name for a non-canonical column."""
    name = tokens(header).replace(" ", "_")
    return name or "column"


_NAME = {
    "name", "model", "model name", "models", "candidate", "candidate name", "model id",
    "id", "architecture", "arch", "system", "variant", "checkpoint", "model variant",
}
_ACCURACY_WORDS = {"accuracy", "acc", "top1", "map", "f1", "auc", "exact match", "em"}
_LATENCY_WORDS = {"latency", "lat", "p50", "p90", "p95", "p99", "inference time",
                  "response time", "time per image", "time per inference", "runtime"}
_COST_WORDS = {"cost", "price", "usd", "pricing", "spend"}
# "monthly cost" alone is not a fixed fee: it is what the analysis itself computes (and
# exports), so a fixed cost must say so ("fixed", "hosting", "subscription", ...).
_FIXED_WORDS = {"fixed", "hosting", "subscription", "license", "licence", "reserved"}
# A cost per unit of time is not a cost per inference; such columns stay ordinary.
_TIME_BASIS = {"month", "monthly", "per month", "hour", "hourly", "per hour", "day", "daily",
               "per day", "year", "yearly", "annual", "per year", "week", "weekly"}
_ONE_TIME_WORDS = {"one time", "onetime", "setup", "upfront", "up front", "capex",
                   "migration", "integration", "training cost", "initial"}
_MAINT_WORDS = {"maintainability", "maint", "maintenance", "ease of maintenance",
                "ops score", "operability"}


def _has(text: str, words: set[str]) -> bool:
    padded = f" {text} "
    return any(f" {w} " in padded for w in words)


def _latency_factor(text: str) -> tuple[float, str | None]:
    padded = f" {text} "
    if any(f" {u} " in padded for u in ("us", "usec", "microsecond", "microseconds", "micros")):
        return 0.001, "microseconds converted to ms (/1000)"
    if any(f" {u} " in padded for u in ("ms", "msec", "millisecond", "milliseconds", "millis")):
        return 1.0, None
    if any(f" {u} " in padded for u in ("s", "sec", "secs", "second", "seconds")):
        return 1000.0, "seconds converted to ms (x1000)"
    return 1.0, "no unit in header; assumed milliseconds"


_PER_ITEM = ("inference", "inferences", "image", "images", "request", "requests", "call",
             "calls", "query", "queries", "item", "items", "prediction", "predictions",
             "sample", "samples", "transaction", "transactions", "token", "tokens", "1",
             "each", "unit", "record", "records", "doc", "document", "documents")


def _cost_factor(text: str) -> tuple[float, str | None]:
    padded = f" {text} "
    if any(f" {u} " in padded for u in ("1m", "million", "1000000", "mil", "1e6", "m")):
        return 0.001, "per 1M converted to per 1k (/1000)"
    if any(f" {u} " in padded for u in ("1k", "k", "1000", "thousand", "1e3")):
        return 1.0, None
    if any(f" per {u} " in padded or f" {u} " in padded for u in _PER_ITEM):
        return 1000.0, "per single inference converted to per 1k (x1000)"
    return 1.0, "no basis in header; assumed USD per 1k inferences"


def classify(header: str) -> ColumnMatch | None:
    """The canonical column this header most likely means, or None."""
    text = tokens(header)
    if not text:
        return None
    if text.replace(" ", "_") in DERIVED or text.startswith("contribution "):
        return None  # our own output columns (a re-imported export) are not inputs
    if text in {"name", "model", "model name", "candidate", "candidate name"} or text in _NAME:
        return ColumnMatch(header, "name")
    if _has(text, _MAINT_WORDS):
        return ColumnMatch(header, "maintainability")
    if _has(text, _ONE_TIME_WORDS) and (_has(text, _COST_WORDS) or "usd" in text.split()):
        return ColumnMatch(header, "one_time_usd")
    if _has(text, _ONE_TIME_WORDS) and text.split()[0] in {"setup", "upfront", "capex", "onetime"}:
        return ColumnMatch(header, "one_time_usd")
    if _has(text, _FIXED_WORDS) and _has(text, _COST_WORDS | {"usd"}):
        return ColumnMatch(header, "fixed_monthly_usd")
    if _has(text, _COST_WORDS) and not _has(text, _TIME_BASIS):
        factor, note = _cost_factor(text)
        return ColumnMatch(header, "cost_per_1k", factor, note)
    if _has(text, _LATENCY_WORDS):
        factor, note = _latency_factor(text)
        return ColumnMatch(header, "latency_ms", factor, note)
    if _has(text, _ACCURACY_WORDS):
        return ColumnMatch(header, "accuracy")
    return None


def match_headers(
    headers: list[str], overrides: dict[str, str] | None = None, *, guess: bool = True
) -> tuple[dict[str, ColumnMatch], list[str]]:
    """Map canonical columns to source headers.

    Returns ({canonical: match}, notes). Overrides ({canonical: header}) win; among
    several headers that could mean the same column, the first one wins and the
    others are kept as ordinary columns (with a note). With `guess=False` only the
    overrides and headers spelled exactly as a column are matched: an importer whose
    keys are metric names ("train_acc", "_runtime") says every column it means.
    """
    overrides = dict(overrides or {})
    notes: list[str] = []
    chosen: dict[str, ColumnMatch] = {}
    used: set[str] = set()
    for column, header in overrides.items():
        if header not in headers:
            continue  # the loader reports unknown override headers with the file name
        match = classify(header)
        if match is not None and match.column == column:
            chosen[column] = match
        else:
            factor, note = (1.0, None)
            if column == "latency_ms":
                factor, note = _latency_factor(tokens(header))
                if note and note.startswith("no unit"):
                    factor, note = 1.0, None
            elif column == "cost_per_1k":
                factor, note = _cost_factor(tokens(header))
                if note and note.startswith("no basis"):
                    factor, note = 1.0, None
            chosen[column] = ColumnMatch(header, column, factor, note)
        used.add(header)
    for header in headers:
        if header in used:
            continue
        if tokens(header) in CANONICAL or snake(header) in CANONICAL:
            canon = snake(header)
            if canon not in chosen:
                chosen[canon] = ColumnMatch(header, canon)
                used.add(header)
    for header in headers if guess else ():
        if header in used:
            continue
        match = classify(header)
        if match is None:
            continue
        if match.column in chosen:
            notes.append(Note(
                "header_ambiguous",
                f"header {header!r} also looks like {match.column}; "
                f"using {chosen[match.column].header!r} (override with --map)",
            ))
            continue
        chosen[match.column] = match
        used.add(header)
    for column, match in chosen.items():
        if snake(match.header) != column:
            text = f"{column} <- {match.header!r}"
            if match.note:
                text += f" ({match.note})"
            notes.append(Note("header_mapped", text))
    return chosen, notes


def candidates_for(column: str, headers: list[str]) -> list[str]:
    """Headers that loosely resemble a missing canonical column, for error messages."""
    stem = {"name": "name model", "accuracy": "acc map top f1 score", "latency_ms": "lat time ms",
            "cost_per_1k": "cost price usd"}.get(column, column)
    words = stem.split()
    return [h for h in headers if any(w in tokens(h) for w in words)]
