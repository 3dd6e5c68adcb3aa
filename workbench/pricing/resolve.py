"""From a candidate table and the session's pricing settings to what each candidate costs.

Each candidate is priced in one of three modes:
    per_inference  cost_per_1k as given (USD per 1k requests)
    per_token      cost_per_1k = (in * p_in + out * p_out + cached * p_cached) / 1e6 * 1000
                   (workbench.pricing.tokens; prices per 1M tokens from the row's
                   usd_per_1m_* columns, or its price_ref in the LLM price catalogue)
    instance       instances = max(min_instances, ceil(peak_rps / (throughput_per_s * utilization)))
                   monthly   = instances * hourly_usd * hours_per_month
                   (workbench.pricing.instances; hourly_usd from the row, or its
                   `instance` in the instance catalogue under the plan, see plans)
The mode is the row's `pricing_mode` when given; otherwise `instance` if the row has
an hourly_usd, or an instance with a throughput_per_s (or with no other price), else
`per_token` if it has a price per 1M tokens or a price_ref, else `per_inference` if it
has a cost_per_1k. A row with prices of several kinds and no pricing_mode gets a note
saying which was used.

At the workload (volume_per_day, days_per_month):
    inference_monthly_usd = usd_per_request * volume_per_day * days_per_month
                            (per_inference, per_token: usd_per_request = cost_per_1k / 1000)
                          = instances * hourly_usd * hours_per_month          (instance)
    cost_per_1k (instance) = inference_monthly_usd / (volume_per_day * days_per_month / 1000),
                             or, with no volume (or a zero one), the figure at the target
                             utilization: hourly_usd / (throughput_per_s * utilization * 3600) * 1000
`PricedCandidates.monthly_at(v)` gives the inference monthly cost at any other volume
per day (the sweep), with the instance steps.

An hourly_usd typed in a row is the price under the row's plan (its `plan` cell, else
the session's); under the spot plan the interruption overhead is added to it as to a
catalogue price (workbench.pricing.plans).

Token counts, utilization and min_instances come from the row's column of that name
when the cell is filled, else from the session's PricingDefaults; a missing cached
token count is 0. A row that cannot be priced without more information (prices per
1M tokens without token counts; an hourly price without a throughput; an output
price missing while output tokens are used) is an InputError naming the row, the
column and what to add. Nothing is guessed.
"""  # noqa: E501 - the memo quotes this docstring verbatim: its formula lines stay whole

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from workbench.columns import (
    INSTANCE_COLUMNS,
    TOKEN_COUNT_COLUMNS,
    TOKEN_PRICE_COLUMNS,
)
from workbench.errors import InputError
from workbench.parse import MAX_MAGNITUDE
from workbench.pricing import instances as inst
from workbench.pricing.catalogue import InstanceType, find_instance
from workbench.pricing.llm_catalogue import LlmPrice, lookup_llm
from workbench.pricing.plans import (
    DEFAULT_SPOT_INTERRUPTION_OVERHEAD,
    PLAN_LABELS,
    PLANS,
)
from workbench.pricing.tokens import token_cost_per_1k

Mode = Literal["per_inference", "per_token", "instance"]
PRICING_MODES: tuple[str, ...] = ("per_inference", "per_token", "instance")
MAX_MIN_INSTANCES = 100_000
MAX_HOURS_PER_MONTH = 744.0  # 31 days x 24 hours


@dataclass(frozen=True)
class PricingDefaults:
    """The session's pricing settings; a candidate's column of the same name wins.

    Bounds (checked by `check`, keys named "pricing.<name>"):
    tokens per request >= 0 (None = unknown); 0 < utilization <= 1;
    peak_to_average >= 1; min_instances a whole number >= 0; 0 < hours_per_month <= 744;
    plan one of PLANS; spot_interruption_overhead >= 0; prices_as_of an ISO date.
    """

    input_tokens_per_request: float | None = None
    output_tokens_per_request: float | None = None
    cached_input_tokens_per_request: float | None = None
    utilization: float = inst.DEFAULT_UTILIZATION
    peak_to_average: float = inst.DEFAULT_PEAK_TO_AVERAGE
    min_instances: float = inst.DEFAULT_MIN_INSTANCES
    hours_per_month: float = inst.DEFAULT_HOURS_PER_MONTH
    plan: str = "on_demand"
    spot_interruption_overhead: float = DEFAULT_SPOT_INTERRUPTION_OVERHEAD
    # The date catalogue prices are taken on (LLM prices change on dated steps);
    # None = today. A decision record pins it so a re-run a year later agrees.
    prices_as_of: str | None = None

    def check(self) -> PricingDefaults:
        def bad(key: str, why: str) -> InputError:
            return InputError(why, key=f"pricing.{key}")

        for key in ("input_tokens_per_request", "output_tokens_per_request",
                    "cached_input_tokens_per_request"):
            value = getattr(self, key)
            if value is not None and not (0 <= value <= MAX_MAGNITUDE):
                raise bad(key, f"must be >= 0 and at most {MAX_MAGNITUDE:g}, got {value:g}")
        if not 0 < self.utilization <= 1:
            hint = f" (write {self.utilization / 100:g} for {self.utilization:g}%)" if (
                1 < self.utilization <= 100) else ""
            raise bad("utilization", f"must be > 0 and <= 1, got {self.utilization:g}{hint}")
        if not 1 <= self.peak_to_average <= MAX_MAGNITUDE:
            raise bad("peak_to_average", f"must be >= 1, got {self.peak_to_average:g}")
        if not (0 <= self.min_instances <= MAX_MIN_INSTANCES
                and float(self.min_instances).is_integer()):
            raise bad("min_instances", f"must be a whole number >= 0 and <= "
                      f"{MAX_MIN_INSTANCES:,}, got {self.min_instances:g}")
        if not 0 < self.hours_per_month <= MAX_HOURS_PER_MONTH:
            raise bad("hours_per_month", f"must be > 0 and <= {MAX_HOURS_PER_MONTH:g}, "
                      f"got {self.hours_per_month:g}")
        if self.plan not in PLANS:
            raise bad("plan", f"must be one of {', '.join(PLANS)}, got {self.plan!r}")
        if not 0 <= self.spot_interruption_overhead <= 10:
            raise bad("spot_interruption_overhead",
                      f"must be >= 0 and <= 10, got {self.spot_interruption_overhead:g}")
        self.as_of()
        return self

    def as_of(self) -> date:
        if self.prices_as_of is None:
            return date.today()
        try:
            return date.fromisoformat(self.prices_as_of)
        except ValueError:
            raise InputError(f"must be a date (YYYY-MM-DD), got {self.prices_as_of!r}",
                             key="pricing.prices_as_of") from None


@dataclass(frozen=True)
class PriceUsed:
    """One price a candidate's cost rests on, for the decision record."""

    candidate: str
    item: str  # the column it fills: "usd_per_1m_input_tokens", "hourly_usd", "cost_per_1k"
    value: float
    unit: str  # "USD per 1M input tokens", "USD per instance-hour, on-demand", ...
    source: str  # "candidate table", or the catalogue entry and its page
    date: str | None  # the date the price was read or applies on; None when typed in

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"candidate": self.candidate, "item": self.item,
                                  "value": self.value, "unit": self.unit, "source": self.source}
        if self.date is not None:
            out["date"] = self.date
        return out


@dataclass(frozen=True)
class PricedCandidates:
    """What each candidate costs, in table order (arrays of length n)."""

    names: tuple[str, ...]
    modes: tuple[str, ...]
    cost_per_1k: np.ndarray  # effective at the workload (see the module docstring)
    inference_monthly_usd: np.ndarray  # NaN without a volume
    instances: np.ndarray  # at the workload; NaN for other modes or without a volume
    usd_per_request: np.ndarray  # the linear part; 0 for instance rows
    hourly_usd: np.ndarray  # billed per instance-hour (plan applied); NaN for other modes
    throughput_per_s: np.ndarray  # NaN for other modes
    utilization: np.ndarray  # NaN for other modes
    min_instances: np.ndarray  # NaN for other modes
    peak_to_average: float
    hours_per_month: float
    days_per_month: float
    volume_per_day: float | None
    prices_used: tuple[PriceUsed, ...] = ()
    notes: tuple[str, ...] = ()
    plans: tuple[str | None, ...] = field(default=())  # instance rows' plan, else None

    @property
    def is_instance(self) -> np.ndarray:
        return np.array([m == "instance" for m in self.modes], dtype=bool)

    def instances_at(self, volume_per_day: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """Instances needed at each volume: shape (n,) for a number, (len(v), n) for a list.
        NaN for candidates not priced on instances."""
        v = np.asarray(volume_per_day, dtype=float)
        grid = v[..., None] if v.ndim else v
        n = inst.instances_needed(grid, self.throughput_per_s, self.utilization,
                                  self.peak_to_average, self.min_instances)
        out: np.ndarray = np.where(self.is_instance, n, np.nan)
        return out

    def monthly_at(self, volume_per_day: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """Inference monthly cost (USD) at each volume per day, with the instance steps:
        shape (n,) for a number, (len(v), n) for a list."""
        v = np.asarray(volume_per_day, dtype=float)
        grid = v[..., None] if v.ndim else v
        linear = self.usd_per_request * grid * self.days_per_month
        steps = inst.instance_monthly_usd(self.instances_at(v), self.hourly_usd,
                                          self.hours_per_month)
        out: np.ndarray = np.where(self.is_instance, steps, linear)
        return out

    def cost_per_1k_at(self, volume_per_day: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """Effective USD per 1k requests at each volume (NaN at zero volume for instances)."""
        v = np.asarray(volume_per_day, dtype=float)
        grid = v[..., None] if v.ndim else v
        monthly = self.monthly_at(v)
        with np.errstate(divide="ignore", invalid="ignore"):
            effective = monthly / (grid * self.days_per_month / 1000.0)
        out: np.ndarray = np.where(self.is_instance, np.where(grid > 0, effective, np.nan),
                                   self.usd_per_request * 1000.0)
        return out


# ------------------------------------------------------------------ reading cells
def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def _texts(frame: pd.DataFrame, column: str) -> list[str | None]:
    if column not in frame.columns:
        return [None] * len(frame)
    out: list[str | None] = []
    for value in frame[column].tolist():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(None)
        else:
            text = str(value).strip()
            out.append(text or None)
    return out


def _bad_cells(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Cells that hold something that is not a number (text where a number belongs)."""
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    series = frame[column]
    coerced = pd.to_numeric(series, errors="coerce")
    return (coerced.isna() & series.notna()).to_numpy()


class _Rows:
    """Error helpers that name the row, the candidate and the column."""

    def __init__(self, names: list[str], label: str) -> None:
        self.names = names
        self.label = label

    def error(self, i: int, column: str | None, message: str) -> InputError:
        return InputError(f"{self.names[i]!r}: {message}", source=self.label, row=i + 1,
                          column=column)


def _mode_of(
    i: int, explicit: str | None, has_instance: bool, has_token: bool, has_inference: bool,
    rows: _Rows, notes: list[str],
) -> str:
    kinds = [k for k, present in (("instance", has_instance), ("per_token", has_token),
                                  ("per_inference", has_inference)) if present]
    if explicit is not None:
        if explicit not in PRICING_MODES:
            raise rows.error(i, "pricing_mode",
                             f"pricing_mode must be one of {', '.join(PRICING_MODES)}, "
                             f"got {explicit!r}")
        return explicit
    if not kinds:
        raise rows.error(
            i, None,
            "has no price: add cost_per_1k (USD per 1k requests), or prices per 1M tokens "
            "(usd_per_1m_input_tokens, usd_per_1m_output_tokens) or a price_ref, or an "
            "hourly_usd (or instance) with a throughput_per_s",
        )
    if len(kinds) > 1:
        used = {"instance": "on instances (hourly_usd / instance)",
                "per_token": "per token (prices per 1M tokens / price_ref)"}[kinds[0]]
        notes.append(
            f"{rows.names[i]!r}: has prices of several kinds ({', '.join(kinds)}); priced "
            f"{used}; set its pricing_mode to choose another"
        )
    return kinds[0]


# ------------------------------------------------------------------------ resolver
def resolve_pricing(
    frame: pd.DataFrame,
    defaults: PricingDefaults,
    volume_per_day: float | None,
    days_per_month: float = 30.0,
    *,
    label: str = "candidates",
    catalogue: tuple[InstanceType, ...] | None = None,
) -> PricedCandidates:
    """Price every candidate of `frame` (canonical columns plus the pricing columns).

    Returns a PricedCandidates; raises InputError for a row that cannot be priced
    (see the module docstring). `catalogue` replaces the bundled instance catalogue.
    """
    defaults.check()
    if volume_per_day is not None and not (0 <= volume_per_day <= MAX_MAGNITUDE):
        raise InputError(f"must be >= 0, got {volume_per_day:g}", key="workload.volume_per_day")
    if not days_per_month > 0:
        raise InputError(f"must be > 0, got {days_per_month:g}", key="workload.days_per_month")
    n = len(frame)
    names = [str(v) for v in frame["name"].tolist()] if "name" in frame.columns else [
        f"row {i + 1}" for i in range(n)]
    rows = _Rows(names, label)
    notes: list[str] = []
    used: list[PriceUsed] = []
    as_of = defaults.as_of()

    numeric_columns = ("cost_per_1k", *TOKEN_COUNT_COLUMNS, *TOKEN_PRICE_COLUMNS,
                       *INSTANCE_COLUMNS, "utilization", "min_instances")
    values: dict[str, np.ndarray] = {}
    for column in numeric_columns:
        bad = _bad_cells(frame, column)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise rows.error(i, column, f"{frame[column].iloc[i]!r} is not a number")
        v = _numbers(frame, column)
        with np.errstate(invalid="ignore"):
            wrong = ~np.isnan(v) & ~((v >= 0) & (v <= MAX_MAGNITUDE))
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            raise rows.error(i, column, f"{v[i]:g} must be >= 0 and finite")
        values[column] = v

    cost = values["cost_per_1k"]
    price_ref = _texts(frame, "price_ref")
    instance_ref = _texts(frame, "instance")
    plan_cells = _texts(frame, "plan")
    explicit = _texts(frame, "pricing_mode")
    has_token = np.zeros(n, dtype=bool)
    for column in TOKEN_PRICE_COLUMNS:
        has_token |= ~np.isnan(values[column])
    has_token |= np.array([r is not None for r in price_ref], dtype=bool)
    # An `instance` cell prices a row when it comes with a throughput, or when nothing
    # else prices the row; beside a cost_per_1k alone it only names the machine.
    named = np.array([r is not None for r in instance_ref], dtype=bool)
    other = has_token | ~np.isnan(cost)
    has_instance = ~np.isnan(values["hourly_usd"]) | (
        named & (~np.isnan(values["throughput_per_s"]) | ~other))
    modes = [
        _mode_of(i, explicit[i], bool(has_instance[i]), bool(has_token[i]),
                 not math.isnan(cost[i]), rows, notes)
        for i in range(n)
    ]
    is_token = np.array([m == "per_token" for m in modes], dtype=bool)
    is_instance = np.array([m == "instance" for m in modes], dtype=bool)
    is_inference = ~is_token & ~is_instance

    # ---- per inference
    for i in np.flatnonzero(is_inference).tolist():
        if math.isnan(cost[i]):
            raise rows.error(i, "cost_per_1k",
                             "pricing_mode is per_inference but cost_per_1k is empty")
        used.append(PriceUsed(names[i], "cost_per_1k", float(cost[i]), "USD per 1k requests",
                              "candidate table", None))
    usd_per_request = np.where(is_inference, cost / 1000.0, 0.0)

    # ---- per token
    tokens = {}
    for column in TOKEN_COUNT_COLUMNS:
        default = getattr(defaults, column)
        tokens[column] = np.where(np.isnan(values[column]),
                                  np.nan if default is None else default, values[column])
    cached_tokens = np.nan_to_num(tokens["cached_input_tokens_per_request"], nan=0.0)
    prices = {c: values[c].copy() for c in TOKEN_PRICE_COLUMNS}
    sources = {c: ["candidate table"] * n for c in TOKEN_PRICE_COLUMNS}
    dates: dict[str, list[str | None]] = {c: [None] * n for c in TOKEN_PRICE_COLUMNS}
    for i in np.flatnonzero(is_token).tolist():
        in_tok = tokens["input_tokens_per_request"][i]
        out_tok = tokens["output_tokens_per_request"][i]
        missing = [c for c, t in (("input_tokens_per_request", in_tok),
                                  ("output_tokens_per_request", out_tok)) if math.isnan(t)]
        if missing:
            priced_by = next((c for c in TOKEN_PRICE_COLUMNS if not math.isnan(values[c][i])),
                             "price_ref" if price_ref[i] is not None else "pricing_mode")
            raise rows.error(
                i, priced_by,
                "is priced per 1M tokens, so its cost per request needs the tokens per "
                f"request, which are not known ({' and '.join(missing)}): add "
                f"{' and '.join(missing)} column(s) to the table, or set them in the "
                f"session ({', '.join('pricing.' + m for m in missing)})",
            )
        ref = price_ref[i]
        if ref is not None:
            llm = lookup_llm_for_row(rows, i, ref, as_of, in_tok + cached_tokens[i])
            for column, value in ((TOKEN_PRICE_COLUMNS[0], llm.usd_per_1m_input_tokens),
                                  (TOKEN_PRICE_COLUMNS[1], llm.usd_per_1m_output_tokens),
                                  (TOKEN_PRICE_COLUMNS[2], llm.usd_per_1m_cached_input_tokens)):
                if math.isnan(prices[column][i]) and value is not None:
                    prices[column][i] = value
                    sources[column][i] = llm.source
                    dates[column][i] = llm.as_of
        needs = (("usd_per_1m_input_tokens", in_tok, "input_tokens_per_request"),
                 ("usd_per_1m_output_tokens", out_tok, "output_tokens_per_request"),
                 ("usd_per_1m_cached_input_tokens", cached_tokens[i],
                  "cached_input_tokens_per_request"))
        for column, count, count_column in needs:
            if count > 0 and math.isnan(prices[column][i]):
                raise rows.error(
                    i, column,
                    f"uses {count:g} {count_column.replace('_per_request', '').replace('_', ' ')}"
                    f" per request but has no {column}: add it (USD per 1M tokens)"
                    + (" or set the cached tokens to 0" if "cached" in column else ""),
                )
        for column, count, _ in needs:
            if count > 0:
                label_ = column.replace("usd_per_1m_", "").replace("_", " ")
                used.append(PriceUsed(names[i], column, float(prices[column][i]),
                                      f"USD per 1M {label_}", sources[column][i],
                                      dates[column][i]))
    token_cost = token_cost_per_1k(
        tokens["input_tokens_per_request"], tokens["output_tokens_per_request"], cached_tokens,
        prices["usd_per_1m_input_tokens"], prices["usd_per_1m_output_tokens"],
        prices["usd_per_1m_cached_input_tokens"],
    )
    usd_per_request = np.where(is_token, token_cost / 1000.0, usd_per_request)

    # ---- instances
    hourly = np.full(n, np.nan)
    throughput = np.where(is_instance, values["throughput_per_s"], np.nan)
    utilization = np.where(is_instance, np.where(np.isnan(values["utilization"]),
                                                 defaults.utilization, values["utilization"]),
                           np.nan)
    min_instances = np.where(is_instance, np.where(np.isnan(values["min_instances"]),
                                                   defaults.min_instances,
                                                   values["min_instances"]), np.nan)
    plans: list[str | None] = [None] * n
    for i in np.flatnonzero(is_instance).tolist():
        plan = plan_cells[i] or defaults.plan
        if plan not in PLANS:
            raise rows.error(i, "plan", f"plan must be one of {', '.join(PLANS)}, got {plan!r}")
        plans[i] = plan
        factor = 1.0 + defaults.spot_interruption_overhead if plan == "spot" else 1.0
        unit = f"USD per instance-hour, {PLAN_LABELS[plan]}" + (
            f" (billed x{factor:g} for interruptions)" if plan == "spot" else "")
        if not math.isnan(values["hourly_usd"][i]):
            listed = float(values["hourly_usd"][i])
            used.append(PriceUsed(names[i], "hourly_usd", listed, unit, "candidate table", None))
            if instance_ref[i] is not None:
                notes.append(f"{names[i]!r}: hourly_usd ${listed:g} is used; instance "
                             f"{instance_ref[i]!r} only names the machine")
        elif (machine_ref := instance_ref[i]) is not None:
            try:
                machine = find_instance(machine_ref, catalogue)
            except InputError as exc:
                raise rows.error(i, "instance", exc.message) from None
            listed = machine.listed(plan)
            used.append(PriceUsed(
                names[i], "hourly_usd", listed, unit,
                f"instance catalogue: {machine.key} ({machine.region}; {machine.source_url})",
                machine.date_read,
            ))
        else:
            raise rows.error(i, "hourly_usd", "pricing_mode is instance but there is no "
                             "hourly_usd and no instance: add one of them")
        hourly[i] = listed * factor
        if math.isnan(throughput[i]) or throughput[i] <= 0:
            raise rows.error(
                i, "throughput_per_s",
                "is priced per instance-hour, so its cost per request needs a throughput, "
                "which is missing" + ("" if math.isnan(throughput[i]) else " (0)") + ": add "
                "throughput_per_s, the requests per second one instance serves at this "
                "candidate's latency",
            )
        if not 0 < utilization[i] <= 1:
            raise rows.error(i, "utilization",
                             f"utilization must be > 0 and <= 1, got {utilization[i]:g}")
        if not (float(min_instances[i]).is_integer() and min_instances[i] <= MAX_MIN_INSTANCES):
            raise rows.error(i, "min_instances",
                             f"min_instances must be a whole number >= 0, got {min_instances[i]:g}")

    order = {name: i for i, name in enumerate(names)}
    used.sort(key=lambda u: order[u.candidate])  # table order, whatever the mode
    priced = PricedCandidates(
        names=tuple(names), modes=tuple(modes),
        cost_per_1k=np.zeros(n), inference_monthly_usd=np.full(n, np.nan),
        instances=np.full(n, np.nan), usd_per_request=usd_per_request, hourly_usd=hourly,
        throughput_per_s=throughput, utilization=utilization, min_instances=min_instances,
        peak_to_average=defaults.peak_to_average, hours_per_month=defaults.hours_per_month,
        days_per_month=days_per_month, volume_per_day=volume_per_day,
        prices_used=tuple(used), notes=tuple(notes), plans=tuple(plans),
    )
    at_target = inst.cost_per_1k_at_target(hourly, throughput, utilization)
    if volume_per_day is None:
        cost_out = np.where(is_instance, at_target, usd_per_request * 1000.0)
        monthly = np.full(n, np.nan)
        count = np.full(n, np.nan)
    else:
        monthly = priced.monthly_at(volume_per_day)
        count = priced.instances_at(volume_per_day)
        effective = priced.cost_per_1k_at(volume_per_day)
        cost_out = np.where(is_instance & np.isnan(effective), at_target, effective)
    return replace(priced, cost_per_1k=cost_out, inference_monthly_usd=monthly,
                   instances=count)


def lookup_llm_for_row(
    rows: _Rows, i: int, ref: str, as_of: date, input_tokens: float
) -> LlmPrice:
    try:
        return lookup_llm(ref, as_of, input_tokens)
    except InputError as exc:
        raise rows.error(i, "price_ref", exc.message) from None
