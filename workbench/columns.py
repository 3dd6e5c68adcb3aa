"""Forgiving header matching: map whatever a spreadsheet calls a column to our names.

Candidate tables come from papers, vendor pages and colleagues' spreadsheets, so
"Accuracy (%)", "top1", "Latency (sec)" and "$/1k" must all land on the canonical
columns, with the unit in the header converting the values. Every inference is
reported back to the user as a note, so nothing is silently reinterpreted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.errors import InputError, Note

if TYPE_CHECKING:
    import pandas as pd

    # (For annotations only: loading a table need not import the session model.)
    from workbench.model import Direction

REQUIRED: tuple[str, ...] = ("name", "accuracy", "latency_ms", "cost_per_1k")
# The cost model's inputs per candidate (see workbench.pricing): token counts and prices
# per 1M tokens for LLM APIs, an hourly price and a throughput for self-hosting. They
# are numbers, matched from headers and converted like the canonical columns, and kept
# beside them (not in CANONICAL: a table without them is as complete as before).
TOKEN_COUNT_COLUMNS: tuple[str, ...] = (
    "input_tokens_per_request", "output_tokens_per_request", "cached_input_tokens_per_request",
)
TOKEN_PRICE_COLUMNS: tuple[str, ...] = (
    "usd_per_1m_input_tokens", "usd_per_1m_output_tokens", "usd_per_1m_cached_input_tokens",
)
INSTANCE_COLUMNS: tuple[str, ...] = ("hourly_usd", "throughput_per_s")
PRICING_NUMERIC: tuple[str, ...] = TOKEN_COUNT_COLUMNS + TOKEN_PRICE_COLUMNS + INSTANCE_COLUMNS
# Per-candidate pricing columns read by their exact names only (text, or overrides of
# the session's pricing defaults); the loader keeps them as ordinary columns.
PRICING_TEXT: tuple[str, ...] = ("pricing_mode", "price_ref", "instance", "plan")
PRICING_OVERRIDES: tuple[str, ...] = ("utilization", "min_instances")
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
# Derived only when their inputs are set: the ledger (tco items or basis) and the
# error cost (whatif.error_cost_usd with a volume).
OPTIONAL_DERIVED: tuple[str, ...] = (
    "tco_monthly_usd", "errors_per_month", "error_cost_monthly_usd", "total_monthly_cost_usd",
)
VOLUME_DEPENDENT: tuple[str, ...] = ("monthly_cost_usd", "inference_monthly_usd",
                                     *OPTIONAL_DERIVED)
MIN_WORDS = ("cost", "latency", "usd", "price", "time", "memory", "size", "params", "flops",
             "error", "loss", "energy", "co2", "watts", "risk")


def default_direction(column: str) -> Direction:
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
    "tco_monthly_usd",
    "errors_per_month",
    "error_cost_monthly_usd",
    "total_monthly_cost_usd",
    "priced_as",
    "instances",
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


def header_key(header: str) -> str:
    """The identity of a header for exact matching: lower-case letters and digits only,
    so "Cheap Score", "cheap_score" and "cheap-score" are one header. The replay-log
    matchers (workbench.routing) and the tables' exact-name checks share it."""
    return re.sub(r"[^0-9a-z]", "", str(header).lower())


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


# ---- the cost model's columns (workbench.pricing). A price per token is never a cost
# per request, and a price per hour never a cost per 1k: those readings are how a
# $585/month API once showed as $0.45.
_TOKEN_WORDS = {"token", "tokens", "tok", "toks", "mtok", "mtoks", "ktok", "ktoks"}
_CACHE_WORDS = {"cache", "cached"}
_CACHE_WRITE_WORDS = {"write", "writes", "creation", "storage"}
_OUTPUT_WORDS = {"output", "outputs", "completion", "completions", "generated", "generation"}
_INPUT_WORDS = {"input", "inputs", "prompt", "prompts"}
_LIMIT_WORDS = {"max", "maximum", "limit", "context", "window", "min", "minimum"}
_HOUR_WORDS = {"hour", "hours", "hourly", "hr", "hrs", "h"}
_RATE_ITEMS = {"req", "reqs", "request", "requests", "query", "queries", "inference",
               "inferences", "call", "calls", "prediction", "predictions"}
_OTHER_ITEMS = {"img", "imgs", "image", "images", "frame", "frames", "sample", "samples",
                "byte", "bytes", "item", "items", "doc", "docs", "document", "documents",
                "batch", "batches", *_TOKEN_WORDS}
_SECOND_WORDS = {"s", "sec", "secs", "second", "seconds"}
_MINUTE_WORDS = {"min", "mins", "minute", "minutes"}


def _is_money(text: str) -> bool:
    return _has(text, _COST_WORDS) or "usd" in text.split()


def is_token_price(header: str) -> bool:
    """A header that prices tokens, or LLM input/output without a unit ("input price"):
    never a cost per 1k requests."""
    text = tokens(header)
    words = set(text.split())
    if not _is_money(text):
        return False
    if words & _TOKEN_WORDS:
        return True
    directed = words & (_INPUT_WORDS | _OUTPUT_WORDS | _CACHE_WORDS)
    return bool(directed) and not words & (_RATE_ITEMS | _OTHER_ITEMS)


def _token_direction(words: set[str], has_token: bool) -> str | None:
    """"cached", "output", "input" or None, most specific first."""
    if words & _CACHE_WORDS:
        return None if words & _CACHE_WRITE_WORDS else "cached"
    if words & _OUTPUT_WORDS:
        return "output"
    if words & _INPUT_WORDS:
        return "input"
    if has_token and "out" in words:
        return "output"
    if has_token and "in" in words:
        return "input"
    return None


_TOKEN_PRICE_COLUMN = {"input": "usd_per_1m_input_tokens", "output": "usd_per_1m_output_tokens",
                       "cached": "usd_per_1m_cached_input_tokens"}
_TOKEN_COUNT_COLUMN = {"input": "input_tokens_per_request",
                       "output": "output_tokens_per_request",
                       "cached": "cached_input_tokens_per_request"}


def _token_price_factor(words: set[str]) -> tuple[float, str | None]:
    if words & {"1m", "million", "m", "mtok", "mtoks", "1e6", "1000000", "mil"}:
        return 1.0, None
    if words & {"1k", "k", "thousand", "1000", "1e3", "ktok", "ktoks"}:
        return 1000.0, "per 1k tokens converted to per 1M (x1000)"
    if words & {"token", "tok"} or "per 1" in " ".join(sorted(words)):
        return 1e6, "per single token converted to per 1M (x1000000)"
    return 1.0, "no basis in header; assumed USD per 1M tokens"


def _rate_factor(text: str) -> tuple[float, str | None] | None:
    """Per-second factor of a requests-per-time header, or None if it has no time unit."""
    words = set(text.split())
    if words & {"rps", "qps"}:
        return 1.0, None
    padded = f" {text} "
    if any(f" per {w} " in padded for w in _SECOND_WORDS) or words & {"second", "seconds"}:
        return 1.0, None
    if any(f" per {w} " in padded for w in _MINUTE_WORDS) or words & {"minute", "minutes"}:
        return 1 / 60, "per minute converted to per second (/60)"
    if any(f" per {w} " in padded for w in _HOUR_WORDS):
        return 1 / 3600, "per hour converted to per second (/3600)"
    return None


def _pricing_match(header: str, text: str) -> ColumnMatch | None:
    """A column of the cost model (workbench.pricing), or None."""
    words = set(text.split())
    has_token = bool(words & _TOKEN_WORDS)
    money = _is_money(text)
    if money:
        direction = _token_direction(words, has_token)
        # "$/1M output" prices tokens even without the word "token".
        per_volume = bool(words & {"1m", "million", "mtok", "1k", "ktok"})
        if has_token or (direction in ("input", "output", "cached") and per_volume
                         and not words & _RATE_ITEMS):
            if direction is None:
                return None
            factor, note = _token_price_factor(words)
            return ColumnMatch(header, _TOKEN_PRICE_COLUMN[direction], factor, note)
        if words & _HOUR_WORDS and not _has(text, {"month", "monthly", "day", "daily", "year"}):
            return ColumnMatch(header, "hourly_usd")
        return None
    if has_token:
        if words & _LIMIT_WORDS or _rate_factor(text) is not None:
            return None  # a model's limit or a token rate, not tokens per request
        direction = _token_direction(words, has_token)
        return None if direction is None else ColumnMatch(header, _TOKEN_COUNT_COLUMN[direction])
    if words & _OTHER_ITEMS:
        return None  # images or samples per second are not requests per second
    if "throughput" in words or words & _RATE_ITEMS or words & {"rps", "qps"}:
        if _has(text, {"day", "daily", "per day", "month", "monthly"}):
            return None  # requests per day is a volume, not a throughput
        rate = _rate_factor(text)
        if rate is None:
            return None
        return ColumnMatch(header, "throughput_per_s", rate[0], rate[1])
    return None


def classify(header: str) -> ColumnMatch | None:
    """The canonical column this header most likely means, or None."""
    text = tokens(header)
    if not text:
        return None
    if text.replace(" ", "_") in DERIVED or text.startswith("contribution "):
        return None  # our own output columns (a re-imported export) are not inputs
    if text.replace(" ", "_") in (*PRICING_TEXT, *PRICING_OVERRIDES, "provider", "vendor",
                                  "eval_n"):
        # The pricing engine's and the robustness checks' own columns, read by exact
        # name: "price_ref" names a catalogue entry, it is not a price.
        return None
    if text in {"name", "model", "model name", "candidate", "candidate name"} or text in _NAME:
        return ColumnMatch(header, "name")
    if _has(text, _MAINT_WORDS):
        return ColumnMatch(header, "maintainability")
    pricing = _pricing_match(header, text)
    if pricing is not None:
        return pricing
    if is_token_price(header):
        return None  # a price per token we cannot place (e.g. blended): never per 1k
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
    return _match(headers, overrides, guess=guess, classifier=classify,
                  exact=lambda h: (tokens(h) in CANONICAL or snake(h) in CANONICAL
                                   or snake(h) in PRICING_NUMERIC))


def _match(
    headers: list[str], overrides: dict[str, str] | None, *, guess: bool,
    classifier: Callable[[str], ColumnMatch | None], exact: Callable[[str], bool],
) -> tuple[dict[str, ColumnMatch], list[str]]:
    """The one matching procedure (candidate tables and production logs): overrides,
    then headers spelled exactly as a column, then the classifier's guesses in header
    order, the first guess winning a column."""
    overrides = dict(overrides or {})
    notes: list[str] = []
    chosen: dict[str, ColumnMatch] = {}
    used: set[str] = set()
    for column, header in overrides.items():
        if header not in headers:
            continue  # the loader reports unknown override headers with the file name
        match = classifier(header)
        if match is not None and match.column == column:
            chosen[column] = match
        else:
            factor, note = (1.0, None)
            if column == "latency_ms":
                factor, note = _latency_factor(tokens(header))
                if note and note.startswith("no unit"):
                    factor, note = 1.0, None
            elif column == "cost_per_1k":
                if is_token_price(header) or getattr(match, "column", None) == "hourly_usd":
                    # The one reading that once turned a $585/month API into $0.45.
                    raise InputError(
                        f"--map cost_per_1k={header!r}: that header is a price per "
                        f"{'token' if is_token_price(header) else 'instance-hour'}, not per "
                        "request; map it to "
                        + ("usd_per_1m_input_tokens, usd_per_1m_output_tokens or "
                           "usd_per_1m_cached_input_tokens" if is_token_price(header)
                           else "hourly_usd")
                    )
                factor, note = _cost_factor(tokens(header))
                if note and note.startswith("no basis"):
                    factor, note = 1.0, None
            elif column == "cost_usd":
                factor, note = _money_factor(tokens(header))
            chosen[column] = ColumnMatch(header, column, factor, note)
        used.add(header)
    for header in headers:
        if header in used:
            continue
        if exact(header):
            canon = snake(header)
            if canon not in chosen:
                chosen[canon] = ColumnMatch(header, canon)
                used.add(header)
    for header in headers if guess else ():
        if header in used:
            continue
        match = classifier(header)
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
    out = [h for h in headers if any(w in tokens(h) for w in words)]
    if column == "cost_per_1k":
        # Never suggest reading a price per token or per hour as a cost per 1k requests.
        out = [h for h in out if not is_token_price(h)
               and getattr(classify(h), "column", None) not in PRICING_NUMERIC]
    return out


def priced_elsewhere(columns: list[str]) -> bool:
    """True when a (canonical) table carries prices the pricing engine turns into a
    cost per 1k: prices per token, a price_ref, an hourly price or an instance."""
    return any(c in columns for c in (*TOKEN_PRICE_COLUMNS, "hourly_usd", "price_ref",
                                      "instance"))


def missing_cost_hint(headers: list[str]) -> str | None:
    """Why a table without cost_per_1k cannot be priced as it stands, when its headers
    hold prices per token or per hour; None when they hold none."""
    token_prices = [h for h in headers if is_token_price(h)]
    hourly = [h for h in headers if getattr(classify(h), "column", None) == "hourly_usd"]
    parts = []
    if token_prices:
        parts.append(
            f"{', '.join(repr(h) for h in token_prices)} "
            f"{'is a price' if len(token_prices) == 1 else 'are prices'} per token: a cost "
            "per request needs the token counts per request (input_tokens_per_request, "
            "output_tokens_per_request)"
        )
    if hourly:
        parts.append(
            f"{', '.join(repr(h) for h in hourly)} "
            f"{'is a price' if len(hourly) == 1 else 'are prices'} per instance-hour: a cost "
            "per request needs the requests per second one instance serves (throughput_per_s)"
        )
    if not parts:
        return None
    return "; ".join(parts) + "; a cost per 1k requests (cost_per_1k) is needed"


# ---------------------------------------------------------------- production logs
# `workbench audit` reads production inference logs (one row per request or per served
# batch) with the same procedure: the same word normaliser (`tokens`), the same unit
# readings (seconds -> ms), the same override, exact-name and first-guess-wins rules.
# Additive columns (cost_usd, token counts) are the row's totals: a batch's cost.
LOG_REQUIRED: tuple[str, ...] = ("timestamp", "model")
LOG_COLUMNS: tuple[str, ...] = (
    "timestamp", "model", "batch_size", "latency_ms", "cost_usd", "escalated", "correct",
    "label", "prediction", "input_tokens", "output_tokens", "cached_input_tokens",
)
_LOG_TOKEN_COLUMN = {"input": "input_tokens", "output": "output_tokens",
                     "cached": "cached_input_tokens"}
_STAMP_WORDS = {"timestamp", "ts", "datetime", "event time", "created at", "logged at",
                "served at", "request time", "requested at", "time utc", "date utc"}
_STAMP_ALONE = {"time", "date", "day", "when", "at", "event ts", "timestamp ms",
                "timestamp s", "ts ms"}
_LOG_MODEL = {"model", "model name", "model id", "served model", "served by", "deployment",
              "endpoint", "engine", "candidate", "model used", "llm"}
_BATCH = {"batch size", "batch", "batch len", "batch length", "requests", "n requests",
          "num requests", "number of requests", "request count", "requests in batch",
          "items", "n items", "num items", "item count", "images", "n images", "n", "count"}
_ESCALATED_WORDS = {"escalated", "escalation", "escalate", "is escalated", "fallback",
                    "deferred", "routed up", "handoff"}
_CORRECT = {"correct", "is correct", "correctness", "hit", "accurate", "resolved",
            "is resolved", "success", "label correct", "prediction correct"}
_LABEL = {"label", "ground truth", "truth", "y true", "actual", "true label", "gold",
          "target"}
_PREDICTION = {"prediction", "predicted", "pred", "y pred", "predicted label",
               "output label"}
_LATENCY_LOG = _LATENCY_WORDS | {"duration", "elapsed", "took", "latency ms", "duration ms"}


def _money_factor(text: str) -> tuple[float, str | None]:
    """A row's cost in USD: cents and millidollars are converted."""
    words = set(text.split())
    if words & {"cents", "cent", "usd cents"}:
        return 0.01, "cents converted to USD (/100)"
    if words & {"microdollars", "micro", "musd"}:
        return 1e-6, "micro-dollars converted to USD (/1000000)"
    return 1.0, None


def classify_log(header: str) -> ColumnMatch | None:
    """The production-log column this header most likely means, or None (a dimension)."""
    text = tokens(header)
    if not text:
        return None
    words = set(text.split())
    padded = f" {text} "
    has_token = bool(words & _TOKEN_WORDS)
    money = _is_money(text)
    if has_token and not money:
        if words & _LIMIT_WORDS or _rate_factor(text) is not None:
            return None
        direction = _token_direction(words, has_token)
        return None if direction is None else ColumnMatch(header, _LOG_TOKEN_COLUMN[direction])
    if money:
        # A rate (per 1k, per token, per hour) is not what a row cost.
        if has_token or " per " in padded or _has(text, _TIME_BASIS):
            return None
        factor, note = _money_factor(text)
        return ColumnMatch(header, "cost_usd", factor, note)
    if _has(text, _LATENCY_LOG):
        factor, note = _latency_factor(text)
        return ColumnMatch(header, "latency_ms", factor, note)
    if _has(text, _STAMP_WORDS) or text in _STAMP_ALONE:
        return ColumnMatch(header, "timestamp")
    if text in _LOG_MODEL:
        return ColumnMatch(header, "model")
    if text in _BATCH:
        return ColumnMatch(header, "batch_size")
    if _has(text, _ESCALATED_WORDS) and not words & {"share", "rate", "pct", "reason"}:
        return ColumnMatch(header, "escalated")
    if text in _CORRECT:
        return ColumnMatch(header, "correct")
    if text in _LABEL:
        return ColumnMatch(header, "label")
    if text in _PREDICTION:
        return ColumnMatch(header, "prediction")
    return None


def match_log_headers(
    headers: list[str], overrides: dict[str, str] | None = None
) -> tuple[dict[str, ColumnMatch], list[str]]:
    """Map the production-log columns (LOG_COLUMNS) to a log's headers; every other
    header is a dimension, named as it is. ({column: match}, notes)."""
    unknown = sorted(set(overrides or {}) - set(LOG_COLUMNS))
    if unknown:
        raise InputError(f"--map {unknown[0]}=...: not a log column (log columns: "
                         f"{', '.join(LOG_COLUMNS)})")
    return _match(headers, overrides, guess=True, classifier=classify_log,
                  exact=lambda h: snake(h) in LOG_COLUMNS)


def names_of(frame: pd.DataFrame) -> list[str]:
    """The candidates' names as Python strings, as `[str(n) for n in names]` gives them,
    without a Python call per row (0.25 s at 1M rows): the loader's name column is
    already text; a frame built in code may hold other objects and is converted."""
    import pandas as pd  # here: header matching itself needs no pandas

    column = frame["name"]
    if isinstance(column.dtype, pd.StringDtype) and not column.hasnans:
        return list(column.tolist())
    # An object column of str only (the analysis' table): checked in C, not per row.
    if column.dtype == object and pd.api.types.infer_dtype(column, skipna=False) == "string":
        return list(column.tolist())
    return [str(n) for n in column.tolist()]
