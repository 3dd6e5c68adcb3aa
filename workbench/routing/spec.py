"""RoutingSpec: every input of a routing simulation in one TOML-safe object.

The spec is stored in a session file under ``[routing]``, so ``to_dict`` must only
produce values TOML can hold (no None) and ``from_dict`` must refuse anything it
does not understand: a typo in a session file should fail loudly, not be ignored.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field, fields, replace
from typing import Any

from workbench.errors import InputError
from workbench.fmt import printable

POLICIES: tuple[str, ...] = ("cascade", "exclusive")
LOG_FORMATS: tuple[str, ...] = ("auto", "binary", "quality")
OBJECTIVES: tuple[str, ...] = ("accuracy", "recall", "total_cost")
VALIDATIONS: tuple[str, ...] = ("split", "kfold", "none")
AS_CANDIDATE: tuple[str, ...] = ("recommended", "safe", "none")
MAX_TIERS = 4
DEFAULT_GRID = 64
# SQL dialects the aggregation query renders for (sqlglot's names), the default first.
# Here rather than in bins.py so registering the --dialect flag loads no numpy.
SQL_DIALECTS: tuple[str, ...] = ("duckdb", "spark", "bigquery", "snowflake")
DEFAULT_BIN_COUNT = 10_000

# Kinds used by from_dict to check types; "float" accepts ints because TOML writes
# 1000 and 1000.0 differently and users should not have to care.
_FLOAT_KEYS = frozenset(
    {
        "cheap_cost_per_1k",
        "expensive_cost_per_1k",
        "cheap_latency_ms",
        "expensive_latency_ms",
        "volume_per_day",
        "days_per_month",
        "target_accuracy",
        "decision_threshold",
        "target_recall",
        "fn_cost_usd",
        "fp_cost_usd",
        "calibration_fraction",
        "delta",
        "maintainability",
    }
)
_STR_KEYS = frozenset(
    {
        "log", "bins", "policy", "loss_column", "cheap_model", "expensive_model", "log_format",
        "objective", "validation", "drift_log", "as_candidate", "name",
    }
)
_BOOL_KEYS = frozenset({"streaming"})
_INT_KEYS = frozenset({"bin_count", "grid", "folds", "seed"})
_STR_LIST_KEYS = frozenset({"escalate_when", "models"})
_FLOAT_MAP_KEYS = frozenset({"escalate_above", "costs_per_1k", "latencies_ms"})


@dataclass
class RoutingSpec:
    """Inputs of one routing simulation.

    Optional inputs are None (or empty) when not given; they are left out of
    ``to_dict`` rather than written as a sentinel.
    """

    log: str | None = None
    bins: str | None = None
    policy: str = "cascade"
    # Candidate names from the session's table; they supply cost and latency where
    # the numbers are not given explicitly.
    cheap_model: str | None = None
    expensive_model: str | None = None
    cheap_cost_per_1k: float | None = None
    expensive_cost_per_1k: float | None = None
    cheap_latency_ms: float | None = None
    expensive_latency_ms: float | None = None
    volume_per_day: float | None = None
    days_per_month: float = 30.0
    target_accuracy: float = 99.5
    decision_threshold: float = 0.5
    escalate_when: tuple[str, ...] = ()
    escalate_above: dict[str, float] = field(default_factory=dict)
    loss_column: str | None = None
    streaming: bool = False
    bin_count: int = DEFAULT_BIN_COUNT
    # --- routing v2: any task, 2 to 4 tiers, objectives, honest guarantees.
    # Tier order of the cascade: candidate names or the suffixes of the log's columns
    # (score_<model>, or correct_<model> and confidence_<model>). Empty: the log's
    # cheap/expensive columns, or every suffix in the order the file has them.
    models: tuple[str, ...] = ()
    log_format: str = "auto"
    # Per-model prices where no candidate (or flag for a two-tier log) gives them.
    costs_per_1k: dict[str, float] = field(default_factory=dict)
    latencies_ms: dict[str, float] = field(default_factory=dict)
    grid: int = DEFAULT_GRID
    objective: str = "accuracy"
    target_recall: float | None = None
    fn_cost_usd: float | None = None  # USD per missed positive (or wrong answer)
    fp_cost_usd: float | None = None  # USD per false alarm
    validation: str = "split"
    calibration_fraction: float = 0.5
    folds: int = 5
    seed: int = 0
    delta: float = 0.05
    drift_log: str | None = None
    # Which policy joins the candidate table as the routed system ("none": it does not),
    # and its name there (default: its tiers and thresholds, which move with the log).
    as_candidate: str = "recommended"
    maintainability: float | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        # Accept lists from callers (TUI, from_dict) but keep an immutable tuple.
        self.escalate_when = tuple(self.escalate_when)
        self.escalate_above = dict(self.escalate_above)
        self.models = tuple(self.models)
        self.costs_per_1k = dict(self.costs_per_1k)
        self.latencies_ms = dict(self.latencies_ms)

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Check value ranges; raise InputError naming the offending key."""
        if self.policy not in POLICIES:
            raise InputError(
                f"policy must be one of {', '.join(POLICIES)}, got {self.policy!r}", key="policy"
            )
        nonneg = (
            "cheap_cost_per_1k",
            "expensive_cost_per_1k",
            "cheap_latency_ms",
            "expensive_latency_ms",
            "volume_per_day",
        )
        for name in nonneg:
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise InputError(f"{name} must be a finite number >= 0, got {value}", key=name)
        if not math.isfinite(self.days_per_month) or self.days_per_month <= 0:
            raise InputError(
                f"days_per_month must be > 0, got {self.days_per_month}", key="days_per_month"
            )
        if not (0 < self.target_accuracy <= 100):
            raise InputError(
                "target_accuracy is a percentage and must be in (0, 100], "
                f"got {self.target_accuracy}",
                key="target_accuracy",
            )
        if not (0 <= self.decision_threshold <= 1):
            raise InputError(
                f"decision_threshold must be between 0 and 1, got {self.decision_threshold}",
                key="decision_threshold",
            )
        for column, value in self.escalate_above.items():
            check_column_name(column, "escalate_above")
            if not math.isfinite(value):
                raise InputError(
                    f"escalate_above needs a finite number, got '{printable(column)}' = {value}",
                    key="escalate_above",
                )
        for column in self.escalate_when:
            check_column_name(column, "escalate_when")
        if self.loss_column is not None:
            check_column_name(self.loss_column, "loss_column")
        if self.bin_count < 2 or self.bin_count > 10_000_000:
            raise InputError(
                f"bin_count must be between 2 and 10,000,000, got {self.bin_count}", key="bin_count"
            )
        self._validate_v2()

    def _validate_v2(self) -> None:
        for key, allowed in (
            ("log_format", LOG_FORMATS), ("objective", OBJECTIVES), ("validation", VALIDATIONS),
            ("as_candidate", AS_CANDIDATE),
        ):
            value = getattr(self, key)
            if value not in allowed:
                raise InputError(f"{key} must be one of {', '.join(allowed)}, got {value!r}",
                                 key=key)
        if self.models:
            if not 2 <= len(self.models) <= MAX_TIERS:
                raise InputError(
                    f"a cascade has 2 to {MAX_TIERS} models, got {len(self.models)}", key="models"
                )
            for name in self.models:
                # A model name becomes part of a column name (correct_<model>), so the
                # column-name rules apply to it.
                check_column_name(name, "models")
            seen = [normalize_name(m) for m in self.models]
            if len(set(seen)) != len(seen):
                raise InputError("models lists the same model twice", key="models")
        if len(self.models) > 2 and self.policy != "cascade":
            raise InputError("the exclusive policy routes between two models only", key="policy")
        for key in ("costs_per_1k", "latencies_ms"):
            for name, value in getattr(self, key).items():
                # Keys are only looked up (never SQL), so any candidate name is fine.
                if not math.isfinite(value) or value < 0:
                    raise InputError(
                        f"{key} needs finite numbers >= 0, got '{printable(name)}' = {value}",
                        key=key
                    )
        if not 2 <= self.grid <= 1024:
            raise InputError(f"grid must be between 2 and 1,024, got {self.grid}", key="grid")
        if self.target_recall is not None and not (0 < self.target_recall <= 100):
            raise InputError(
                f"target_recall is a percentage and must be in (0, 100], got {self.target_recall}",
                key="target_recall",
            )
        if self.objective == "recall" and self.target_recall is None:
            raise InputError("the recall objective needs target_recall (--target-recall)",
                             key="target_recall")
        for key in ("fn_cost_usd", "fp_cost_usd", "maintainability"):
            value = getattr(self, key)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise InputError(f"{key} must be a finite number >= 0, got {value}", key=key)
        if not (0 < self.calibration_fraction < 1):
            raise InputError(
                "calibration_fraction must be between 0 and 1 (exclusive), got "
                f"{self.calibration_fraction}",
                key="calibration_fraction",
            )
        if not 2 <= self.folds <= 100:
            raise InputError(f"folds must be between 2 and 100, got {self.folds}", key="folds")
        if self.seed < 0:
            raise InputError(f"seed must be >= 0, got {self.seed}", key="seed")
        if not (0 < self.delta < 0.5):
            raise InputError(f"delta is a risk level and must be in (0, 0.5), got {self.delta}",
                             key="delta")

    def require_costs(self) -> None:
        """Costs are optional in a stored spec but a simulation cannot rank without them.

        Two-tier logs of cheap/expensive columns need the two role costs here; tiers
        named by models are priced when the log has told us the names (tier_prices)."""
        if self.models or self.costs_per_1k:
            return
        for name, flag in (
            ("cheap_cost_per_1k", "--cheap-cost-per-1k"),
            ("expensive_cost_per_1k", "--expensive-cost-per-1k"),
        ):
            if getattr(self, name) is None:
                raise InputError(f"{flag} is required to rank routing policies by cost", key=name)

    def with_models(self, candidates: Any) -> RoutingSpec:
        """Fill cost and latency from the named candidates (a candidate DataFrame).

        Explicit numbers win over a candidate's, so a what-if on price needs no edit
        of the table.
        """
        changes: dict[str, Any] = {}
        for role in ("cheap", "expensive"):
            name = getattr(self, f"{role}_model")
            if name is None:
                continue
            hits = candidates.index[candidates["name"] == name]
            if len(hits) == 0:
                known = ", ".join(map(str, candidates["name"].head(10).tolist()))
                raise InputError(
                    f"{name!r} is not a candidate of the session (candidates: {known})",
                    key=f"{role}_model",
                )
            row = candidates.loc[hits[0]]
            if getattr(self, f"{role}_cost_per_1k") is None:
                changes[f"{role}_cost_per_1k"] = float(row["cost_per_1k"])
            if getattr(self, f"{role}_latency_ms") is None:
                changes[f"{role}_latency_ms"] = float(row["latency_ms"])
        # Tiers named after candidates (or after log columns that match a candidate's
        # name once case and punctuation are ignored) take its price and latency; a
        # number the spec gives for a model wins.
        costs = _price_list(candidates, "cost_per_1k")
        latencies = _price_list(candidates, "latency_ms")
        for table, given in ((costs, self.costs_per_1k), (latencies, self.latencies_ms)):
            mine = {normalize_name(k) for k in given}
            for key in [k for k in table if normalize_name(k) in mine]:
                del table[key]
            table.update(given)
        changes["costs_per_1k"] = costs
        changes["latencies_ms"] = latencies
        return replace(self, **changes)

    def tier_names(self, found: tuple[str, ...]) -> tuple[str, ...]:
        """Display names of the tiers: the spec's model names where it gives them (a
        two-tier log of cheap/expensive columns takes cheap_model/expensive_model)."""
        if self.models:
            return self.models
        if len(found) == 2 and found == ("cheap", "expensive"):
            return (self.cheap_model or "cheap model", self.expensive_model or "expensive model")
        # A column suffix that names a priced model (a session candidate) reads as its
        # name: correct_gbm_fast_scorer is "GBM fast scorer".
        out = []
        for name in found:
            hits = [k for k in self.costs_per_1k if normalize_name(k) == normalize_name(name)]
            out.append(hits[0] if len(hits) == 1 else name)
        return tuple(out)

    def tier_prices(self, names: tuple[str, ...]) -> tuple[list[float], list[float] | None]:
        """Cost per 1k and latency (ms) of each tier, in order.

        Two tiers: the cheap/expensive numbers first (flags and the roles' candidates),
        then the per-model tables. Latency is None unless every tier has one.
        """
        k = len(names)
        costs: list[float] = []
        latencies: list[float | None] = []
        for m, name in enumerate(names):
            role = ("cheap" if m == 0 else "expensive") if k == 2 else None
            cost = getattr(self, f"{role}_cost_per_1k") if role else None
            latency = getattr(self, f"{role}_latency_ms") if role else None
            if cost is None:
                cost = lookup_name(self.costs_per_1k, name)
            if latency is None:
                latency = lookup_name(self.latencies_ms, name)
            if cost is None:
                flag = f"--{role}-cost-per-1k or " if role else ""
                raise InputError(
                    f"no cost for model '{printable(name)}': give {flag}--cost-per-1k "
                    f"'{printable(name)}=USD' or name a session candidate",
                    key=f"{role}_cost_per_1k" if role else "costs_per_1k",
                )
            costs.append(float(cost))
            latencies.append(None if latency is None else float(latency))
        if any(v is None for v in latencies):
            return costs, None
        return costs, [float(v) for v in latencies if v is not None]

    @property
    def has_forced_rules(self) -> bool:
        return bool(self.escalate_when or self.escalate_above)

    # ------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """TOML-safe dict: None values and empty rules are omitted, and so are the v2
        settings left at their defaults (a session file stays as short as it was)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name in _V2_KEYS and value == f.default:
                continue
            if f.name == "escalate_when":
                if value:
                    out[f.name] = list(value)
                continue
            if f.name in ("escalate_above", "costs_per_1k", "latencies_ms"):
                if value:
                    out[f.name] = {k: float(v) for k, v in value.items()}
                continue
            if f.name == "models":
                if value:
                    out[f.name] = list(value)
                continue
            if f.name in _FLOAT_KEYS:
                value = float(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoutingSpec:
        """Build a spec from a ``[routing]`` table; unknown keys and wrong types raise."""
        if not isinstance(data, dict):
            raise InputError("[routing] must be a table", key="routing")
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                raise InputError(
                    f"unknown key in [routing]; known keys: {', '.join(sorted(known))}", key=key
                )
            kwargs[key] = _check_type(key, value)
        spec = cls(**kwargs)
        spec.validate()
        return spec


# Settings added by routing v2: written only when they differ from the default.
_V2_KEYS = frozenset(
    {"log_format", "grid", "objective", "validation", "calibration_fraction", "folds", "seed",
     "delta", "as_candidate"}
)


def _price_list(candidates: Any, column: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, value in zip(candidates["name"].tolist(), candidates[column].tolist()):
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number) and number >= 0:
            out[str(name)] = number
    return out


def normalize_name(name: str) -> str:
    """Case, spaces and punctuation never matter in a model name ("GBM fast scorer" is
    the log's correct_gbm_fast_scorer): the header key of workbench.columns."""
    from workbench.columns import header_key

    return header_key(name)


def lookup_name(table: dict[str, float], name: str) -> float | None:
    """``table[name]``, else the one entry whose normalised name matches."""
    if name in table:
        return table[name]
    target = normalize_name(name)
    hits = [v for k, v in table.items() if normalize_name(k) == target]
    return hits[0] if len(hits) == 1 else None


def check_column_name(name: str, key: str) -> None:
    """A column name must be non-empty and free of control characters.

    Names reach SQL (as quoted identifiers), terminals and error messages; a newline,
    tab, ESC or other Unicode control (category Cc: C0, DEL, C1) in one is a typo or an
    attack, never a real header. Lone surrogates (Cs) are bytes that were not UTF-8,
    which no Parquet or CSV header can be. Quotes, semicolons, spaces and any other
    printable text are legal: the SQL builder quotes them.
    """
    if not name:
        raise InputError(f"{key} has an empty column name", key=key)
    bad = next((ch for ch in name if unicodedata.category(ch) in ("Cc", "Cs")), None)
    if bad is not None:
        what = ("a control character" if unicodedata.category(bad) == "Cc"
                else "text that is not UTF-8")
        # printable() shows each control as an escape, so the message stays one line.
        raise InputError(
            f"column name '{printable(name)}' holds {what} ({printable(bad)}); "
            "a column name cannot contain line breaks, tabs or other control characters",
            key=key,
        )


def _is_number(value: Any) -> bool:
    # bool is an int subclass; "streaming = true" must not pass as a cost of 1.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_type(key: str, value: Any) -> Any:
    if key in _FLOAT_KEYS:
        if not _is_number(value):
            raise InputError(f"must be a number, got {type(value).__name__}", key=key)
        return float(value)
    if key in _INT_KEYS:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(f"must be an integer, got {type(value).__name__}", key=key)
        return value
    if key in _STR_KEYS:
        if not isinstance(value, str):
            raise InputError(f"must be a string, got {type(value).__name__}", key=key)
        return value
    if key in _BOOL_KEYS:
        if not isinstance(value, bool):
            raise InputError(f"must be true or false, got {type(value).__name__}", key=key)
        return value
    if key in _STR_LIST_KEYS:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise InputError("must be a list of column names (strings)", key=key)
        return tuple(value)
    if key in _FLOAT_MAP_KEYS:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and _is_number(v) for k, v in value.items()
        ):
            raise InputError("must be a table of column = number", key=key)
        return {k: float(v) for k, v in value.items()}
    raise InputError("unknown key in [routing]", key=key)  # pragma: no cover - guarded above


def parse_model_values(items: list[str] | None, flag: str, key: str) -> dict[str, float]:
    """Parse repeated ``--cost-per-1k MODEL=USD`` style flags (the last '=' splits)."""
    values: dict[str, float] = {}
    for item in items or []:
        name, sep, raw = item.rpartition("=")
        name = name.strip()
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not sep or not name or not math.isfinite(value):
            raise InputError(f"{flag} expects MODEL=NUMBER (e.g. fraud-lite=0.02), got {item!r}",
                             key=key)
        values[name] = value
    return values


def parse_escalate_above(items: list[str] | None) -> dict[str, float]:
    """Parse repeated ``--escalate-above COLUMN=VALUE`` flags.

    A column given twice keeps the last value, like any repeated flag.
    """
    rules: dict[str, float] = {}
    for item in items or []:
        column, sep, raw = item.rpartition("=")
        column = column.strip()
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not sep or not column or not math.isfinite(value):
            raise InputError(
                f"--escalate-above expects COLUMN=NUMBER (e.g. amount=1000), got {item!r}",
                key="escalate_above",
            )
        rules[column] = value
    return rules
