"""Every scalar input of a decision, described once.

A `Field` says where a value lives in a session (section and key, which are also its
TOML location and its name in messages), what it is (kind, unit, bounds, default) and
how people reach it (CLI flag, TUI label, one line of help). Everything else is
derived from this table:

- the TOML reader's type and range checks and the writer's key order
  (`workbench.session`), with the key (and line) named on a bad value;
- the range checks the analysis runs on any scenario (`validate`);
- the CLI flags and their overrides (`workbench.cli.options`);
- the TUI's input fields (pane 2 and friends);
- `workbench diff` lines and the JSON/markdown "inputs" blocks (`inputs_dict`).

Adding an input is one entry here plus its tests; `tests/unit/test_fields.py` walks the
table and checks each entry through every one of those paths. Composite inputs (the
candidate table, limits on other columns, criteria, [source], [routing]) have readers
of their own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from workbench.errors import InputError
from workbench.parse import MAX_MAGNITUDE, NumberError, parse_number

if TYPE_CHECKING:
    from workbench.model import Scenario, Session

Kind = Literal["number", "numbers", "text", "choice", "name"]


@dataclass(frozen=True)
class Field:
    section: str  # TOML table ("" = top level) and the session part holding the value
    key: str  # TOML key and dataclass attribute
    kind: Kind
    label: str  # the TUI's label
    help: str  # one line, shown in --help and the TUI
    unit: str = ""  # "USD/month", "ms", "%", "per day", "months", ...
    default: Any = None  # None: optional, left out of the TOML when unset
    low: float | None = None
    high: float | None = None
    low_strict: bool = False  # low is excluded (> rather than >=)
    flag: str | None = None  # CLI flag; None when the CLI sets it another way
    percent: bool = False  # "95%" accepted (the value stays in percent)
    choices: tuple[str, ...] = ()
    metavar: str = "N"
    omit_default: bool = False  # the TOML writer leaves the key out at its default
    fraction: bool = False  # a share 0..1 that may be typed as a percentage: "70%" is 0.7
    integer: bool = False  # a whole number

    @property
    def path(self) -> str:
        """The key as messages name it: "workload.volume_per_day", "title"."""
        return f"{self.section}.{self.key}" if self.section else self.key

    @property
    def dest(self) -> str:
        """The argparse attribute of the flag."""
        assert self.flag is not None
        return self.flag.lstrip("-").replace("-", "_")

    def bounds_text(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_strict else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"<= {self.high:g}")
        return " and ".join(parts)

    # ------------------------------------------------------------------ values
    def check(self, value: Any) -> Any:
        """`value` if it is valid for this field, else InputError naming the key."""
        if value is None:
            if self.default is not None:
                raise InputError("is required", key=self.path)
            return None
        if self.kind == "number":
            return self._check_number(value)
        if self.kind == "numbers":
            if not isinstance(value, (list, tuple)) or not value:
                raise InputError("needs at least one number", key=self.path)
            return tuple(self._check_number(v) for v in value)
        if not isinstance(value, str):
            raise InputError(f"must be text, got {type(value).__name__}", key=self.path)
        if self.kind == "choice" and value not in self.choices:
            raise InputError(
                f"must be one of {', '.join(self.choices)}, got {value!r}", key=self.path
            )
        return value

    def _check_number(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"must be a number, got {type(value).__name__}", key=self.path)
        try:
            f = float(value)
        except OverflowError:
            f = math.inf
        if not (math.isfinite(f) and abs(f) <= MAX_MAGNITUDE):
            raise InputError(
                f"is out of range: numbers must be finite and at most {MAX_MAGNITUDE:g} in size",
                key=self.path,
            )
        too_low = self.low is not None and (f <= self.low if self.low_strict else f < self.low)
        too_high = self.high is not None and f > self.high
        if too_low or too_high:
            hint = (f" (a share: write {f / 100:g} or {f:g}% for {f:g} percent)"
                    if self.fraction and too_high and 1 < f <= 100 else "")
            raise InputError(f"must be {self.bounds_text()}, got {f:g}{hint}", key=self.path)
        if self.integer and not f.is_integer():
            raise InputError(f"must be a whole number, got {f:g}", key=self.path)
        return f

    def parse(self, text: str) -> Any:
        """A value typed in a flag or a field, in the one number grammar; blank = unset."""
        raw = text.strip()
        if not raw:
            return self.check(None)
        try:
            if self.kind == "number" and self.fraction and raw.endswith("%"):
                value: Any = parse_number(raw, percent=True) / 100.0
            elif self.kind == "number":
                value = parse_number(raw, percent=self.percent)
            elif self.kind == "numbers":
                value = tuple(parse_number(part, percent=self.percent)
                              for part in raw.split(",") if part.strip())
            else:
                value = raw
        except NumberError as exc:
            raise InputError(str(exc), key=self.path) from None
        return self.check(value)

    # ------------------------------------------------------------- in a session
    def get(self, session: Session) -> Any:
        return getattr(_part(session, self.section), self.key)

    def set(self, session: Session, value: Any) -> Session:
        value = self.check(value)
        part = replace(_part(session, self.section), **{self.key: value})
        return _with_part(session, self.section, part)


def _part(session: Session, section: str) -> Any:
    if section == "":
        return session
    if section == "decision":
        return session.decision
    if section == "monitoring":
        return session.monitoring
    return getattr(session.scenario, section)


def _with_part(session: Session, section: str, part: Any) -> Session:
    if section == "":
        return part  # type: ignore[no-any-return]
    if section in ("decision", "monitoring"):
        return session.with_(**{section: part})
    return session.with_scenario(**{section: part})


# The table. Order is the order of TOML keys, CLI help, TUI fields and diff lines.
FIELDS: tuple[Field, ...] = (
    Field("", "title", "text", "Title", "what is being decided", default="Untitled decision",
          flag="--title", metavar="TEXT"),
    Field("", "notes", "text", "Notes", "free text for the reader of the record", default="",
          omit_default=True),
    Field("workload", "volume_per_day", "number", "Volume / day",
          "requests (inferences) per day; monthly figures need it", unit="per day", low=0,
          flag="--volume-per-day"),
    Field("workload", "days_per_month", "number", "Days / month",
          "days per month for monthly figures", unit="days", default=30.0, low=0,
          low_strict=True, flag="--days-per-month"),
    Field("workload", "horizon_months", "number", "Horizon months",
          "months that one-time costs are spread over", unit="months", default=12.0, low=0,
          low_strict=True, flag="--horizon-months"),
    Field("constraints", "max_latency_ms", "number", "Max latency ms",
          "the slowest acceptable latency", unit="ms", low=0, flag="--max-latency-ms",
          metavar="MS"),
    Field("constraints", "monthly_budget_usd", "number", "Budget $/month",
          "the most the monthly cost may be", unit="USD/month", low=0, flag="--budget",
          metavar="USD"),
    Field("constraints", "min_accuracy", "number", "Min accuracy %",
          "the lowest acceptable accuracy, in percent", unit="%", low=0, high=100,
          flag="--min-accuracy", percent=True, metavar="PCT"),
    Field("scoring", "normalization", "choice", "Normalization",
          "how each criterion is scaled to 0..1 before weighting", default="minmax",
          flag="--normalization", choices=("minmax", "ratio", "vector"), metavar="METHOD"),
    Field("workload", "peak_to_average", "number", "Peak / average",
          "peak requests per second over the day's average (sizes instance fleets)",
          default=1.0, low=1, flag="--peak-to-average", omit_default=True),
    Field("pricing", "input_tokens_per_request", "number", "Input tokens / req",
          "input tokens per request, for candidates priced per token", unit="tokens",
          low=0, flag="--input-tokens", omit_default=True),
    Field("pricing", "output_tokens_per_request", "number", "Output tokens / req",
          "output tokens per request, for candidates priced per token", unit="tokens",
          low=0, flag="--output-tokens", omit_default=True),
    Field("pricing", "cached_input_tokens_per_request", "number", "Cached tokens / req",
          "cached input tokens per request (billed at the cached price)", unit="tokens",
          low=0, flag="--cached-input-tokens", omit_default=True),
    Field("pricing", "utilization", "number", "Target utilization",
          "share of an instance's throughput to plan for (0.7 = 70%)", default=0.7, low=0,
          low_strict=True, high=1, flag="--utilization", fraction=True, omit_default=True,
          metavar="SHARE"),
    Field("pricing", "min_instances", "number", "Min instances",
          "instances kept running whatever the volume", default=1.0, low=0, high=100_000,
          flag="--min-instances", integer=True, omit_default=True),
    Field("pricing", "hours_per_month", "number", "Hours / month",
          "billed instance-hours per month", unit="hours", default=730.0, low=0,
          low_strict=True, high=744, flag="--hours-per-month", omit_default=True),
    Field("pricing", "plan", "choice", "Instance plan",
          "how instances are bought", default="on_demand", flag="--plan",
          choices=("on_demand", "reserved_1y", "reserved_3y", "spot"), omit_default=True,
          metavar="PLAN"),
    Field("pricing", "spot_interruption_overhead", "number", "Spot overhead",
          "extra cost of spot interruptions (0.1 = 10% on top)", default=0.10, low=0, high=10,
          flag="--spot-overhead", fraction=True, omit_default=True, metavar="SHARE"),
    Field("pricing", "prices_as_of", "text", "Prices as of",
          "the date catalogue prices are taken on (YYYY-MM-DD); saving pins today's",
          flag="--prices-as-of", metavar="DATE"),
    Field("tco", "retrainings_per_year", "number", "Retrainings / year",
          "how often the model is retrained (per-retraining ledger items)", default=0.0,
          low=0, high=365, flag="--retrainings-per-year", omit_default=True),
    Field("tco", "cost_basis", "choice", "Cost basis",
          "what the cost criterion reads: monthly cost or horizon TCO per month",
          default="monthly", flag="--cost-basis", choices=("monthly", "tco"),
          omit_default=True, metavar="BASIS"),
    Field("scoring", "rank_by", "choice", "Rank by",
          "the recommendation: weighted matrix, or lowest total cost (compute + errors)",
          default="matrix", flag="--rank-by", choices=("matrix", "total_cost"),
          omit_default=True, metavar="METHOD"),
    Field("uncertainty", "eval_n", "number", "Eval-set size",
          "items each accuracy was measured on (gives it a 95% interval)", unit="items",
          low=1, flag="--eval-n", integer=True, omit_default=True),
    Field("uncertainty", "interval", "choice", "Interval",
          "accuracy interval: Wilson score or Beta posterior", default="wilson",
          choices=("wilson", "beta"), omit_default=True),
    Field("uncertainty", "smaa_draws", "number", "SMAA draws",
          "Monte Carlo draws for rank acceptability (0: none)", default=10_000.0, low=0,
          high=1_000_000, flag="--smaa-draws", integer=True, omit_default=True),
    Field("uncertainty", "seed", "number", "Seed", "random seed of the SMAA draws",
          default=0.0, low=0, high=2**32 - 1, flag="--seed", integer=True, omit_default=True),
    Field("uncertainty", "weights", "choice", "SMAA weights",
          "weights drawn uniformly on the simplex, kept fixed, or within ranges",
          default="simplex", choices=("simplex", "fixed", "ranges"), omit_default=True),
    Field("uncertainty", "accuracy_model", "choice", "Accuracy model",
          "how accuracy is drawn from the eval set", default="beta",
          choices=("beta", "normal"), omit_default=True),
    Field("uncertainty", "price_range_pct", "number", "Price range ±%",
          "prices may be off by this many percent either way", unit="%", low=0, high=99.999,
          flag="--price-range", percent=True, omit_default=True, metavar="PCT"),
    Field("uncertainty", "latency_range_pct", "number", "Latency range ±%",
          "latencies may be off by this many percent either way", unit="%", low=0,
          high=99.999, flag="--latency-range", percent=True, omit_default=True, metavar="PCT"),
    Field("uncertainty", "drift_pp_per_month", "number", "Drift pp/month",
          "accuracy points lost per month in production", unit="pp/month", low=0,
          flag="--drift", omit_default=True),
    Field("whatif", "baseline", "name", "Baseline",
          "the candidate the accuracy delta compares against", flag="--baseline",
          metavar="NAME"),
    Field("whatif", "error_cost_usd", "number", "Error cost $",
          "what one wrong prediction costs, in USD", unit="USD", low=0,
          flag="--error-cost", metavar="USD"),
    Field("whatif", "volume_multipliers", "numbers", "Volume multipliers",
          "the volumes the sweep tries, as multiples of the volume",
          default=(0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0), low=0, low_strict=True,
          flag="--volume-multipliers", metavar="LIST"),
    Field("decision", "chosen", "name", "Chosen", "the candidate the people chose"),
    Field("decision", "rationale", "text", "Rationale", "why they chose it"),
    Field("decision", "decided_by", "text", "Decided by", "who decided"),
    Field("decision", "decided_on", "text", "Decided on", "when (a date, as written)"),
    # [monitoring]: how `workbench audit` watches the decision in production. Unset
    # thresholds follow the decision (see workbench.model.Monitoring).
    Field("monitoring", "max_cost_per_1k_drift_pct", "number", "Max cost/1k drift %",
          "demote when production's cost per 1k is this many percent above the decision's",
          unit="%", low=0, percent=True, metavar="PCT"),
    Field("monitoring", "max_p95_latency_ms", "number", "Max p95 latency ms",
          "demote when production's p95 latency is above this (default: the latency limit)",
          unit="ms", low=0, low_strict=True, metavar="MS"),
    Field("monitoring", "min_accuracy", "number", "Min accuracy %",
          "demote when production accuracy is surely below this (default: the minimum)",
          unit="%", low=0, high=100, percent=True, metavar="PCT"),
    Field("monitoring", "min_labels", "number", "Min labels",
          "labelled requests needed before production accuracy is judged", unit="items",
          default=300.0, low=1, integer=True, omit_default=True),
    Field("monitoring", "max_escalation_share", "number", "Max escalation share",
          "demote when more requests escalate (default: the routing plan's share)",
          low=0, high=1, fraction=True, metavar="SHARE"),
    Field("monitoring", "max_volume_per_day", "number", "Max volume / day",
          "demote when volume exceeds this (default: where the budget breaks)",
          unit="per day", low=0),
    Field("monitoring", "min_volume_per_day", "number", "Min volume / day",
          "demote when volume falls below this (fixed costs spread over too few)",
          unit="per day", low=0),
    Field("monitoring", "promote_min_saving_pct", "number", "Promote if saves %",
          "promote the re-analysis' pick when it costs this many percent less", unit="%",
          low=0, high=100, percent=True, metavar="PCT"),
    Field("monitoring", "promote_max_accuracy_loss_pp", "number", "Promote: max acc. loss",
          "accuracy points a promoted model may lose against the deployed one",
          unit="pp", default=0.0, low=0, high=100, omit_default=True),
    Field("monitoring", "lookback_days", "number", "Anomaly lookback",
          "days of history the rolling baseline of each day uses", unit="days",
          default=28.0, low=3, high=3650, integer=True, omit_default=True),
    Field("monitoring", "anomaly_threshold", "number", "Anomaly threshold",
          "robust z (distance from the rolling median in MADs) that flags a day",
          default=6.0, low=0, low_strict=True, omit_default=True, metavar="Z"),
    Field("monitoring", "min_anomaly_usd", "number", "Anomaly min $",
          "a cost anomaly smaller than this many dollars is not flagged", unit="USD",
          default=0.0, low=0, omit_default=True, metavar="USD"),
)
BY_PATH: dict[str, Field] = {f.path: f for f in FIELDS}


SCENARIO_SECTIONS = ("workload", "constraints", "scoring", "whatif", "pricing", "tco",
                     "uncertainty")


def _check_date(text: str, key: str) -> None:
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        raise InputError(f"must be a date (YYYY-MM-DD), got {text!r}", key=key) from None


def section(name: str) -> tuple[Field, ...]:
    return tuple(f for f in FIELDS if f.section == name)


def field(path: str) -> Field:
    return BY_PATH[path]


def validate(scenario: Scenario) -> None:
    """Check every field of a scenario (values may come from code, not only files)."""
    from workbench.model import Session

    session = Session(scenario)
    for f in FIELDS:
        if f.section in SCENARIO_SECTIONS:
            f.check(f.get(session))
    as_of = scenario.pricing.prices_as_of
    if as_of is not None:
        _check_date(as_of, "pricing.prices_as_of")


def inputs_dict(
    session: Session, sections: Sequence[str], clean: Callable[[Any], Any] = lambda v: v
) -> dict[str, dict[str, Any]]:
    """{section: {key: value}} for the JSON and markdown "inputs" blocks (unset = None)."""
    out: dict[str, dict[str, Any]] = {}
    for name in sections:
        out[name] = {
            f.key: (list(map(clean, v)) if isinstance(v := f.get(session), tuple) else clean(v))
            for f in section(name)
        }
    return out
