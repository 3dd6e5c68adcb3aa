"""The total cost of ownership ledger: named line items over the horizon.

Every line gives, per candidate, a monthly figure and a figure over the horizon
(horizon_months, H). An item applies to every candidate ("shared") or to the
candidates it names; where it does not apply it is 0. Items by kind:
    inference      compute, from the pricing engine:   monthly = inference_monthly_usd
    table_fixed    the table's fixed_monthly_usd:       monthly = fixed_monthly_usd
    table_one_time the table's one_time_usd:            horizon = one_time_usd
    one_time       e.g. data labeling, once:            horizon = usd
    per_retraining e.g. data labeling per retraining, retraining compute:
                   horizon = usd * retrainings_per_year * H / 12
    maintenance    monthly = engineer_months_per_year / 12 * loaded_monthly_usd
    overhead_pct   monitoring, networking, storage on top of compute:
                   monthly = pct / 100 * inference_monthly_usd
    per_1k         e.g. egress:                         monthly = usd_per_1k * monthly_volume / 1000
    monthly        any other recurring cost:            monthly = usd
and, for every line, horizon = monthly * H and monthly = horizon / H (a one-time
cost is spread over the horizon, as workbench/costs.py spreads one_time_usd).
    total_monthly = sum of the lines' monthly figures
    total_horizon = sum of the lines' horizon figures (= total_monthly * H)
A line that needs the volume (inference, per_1k, overhead_pct) is NaN without one,
and so is the total. Missing table cells count as 0, as in workbench/costs.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from workbench.errors import InputError
from workbench.parse import MAX_MAGNITUDE

ItemKind = Literal["one_time", "per_retraining", "maintenance", "overhead_pct", "per_1k",
                   "monthly"]
ITEM_KINDS: tuple[str, ...] = ("one_time", "per_retraining", "maintenance", "overhead_pct",
                               "per_1k", "monthly")
FORMULAS: dict[str, str] = {
    "inference": "inference_monthly_usd (the pricing engine)",
    "table_fixed": "fixed_monthly_usd",
    "table_one_time": "one_time_usd, spread over the horizon",
    "one_time": "usd, spread over the horizon",
    "per_retraining": "usd * retrainings_per_year / 12",
    "maintenance": "engineer_months_per_year / 12 * loaded_monthly_usd",
    "overhead_pct": "pct / 100 * inference_monthly_usd",
    "per_1k": "usd_per_1k * monthly_volume / 1000",
    "monthly": "usd",
}
# The numbers each kind needs, in the order of LedgerItem fields.
_NEEDS: dict[str, tuple[str, ...]] = {
    "one_time": ("usd",), "per_retraining": ("usd",), "monthly": ("usd",),
    "maintenance": ("engineer_months_per_year", "loaded_monthly_usd"),
    "overhead_pct": ("pct",), "per_1k": ("usd_per_1k",),
}


@dataclass(frozen=True)
class LedgerItem:
    """One named line of the ledger; only the fields of its kind are used."""

    name: str
    kind: str
    usd: float | None = None
    engineer_months_per_year: float | None = None
    loaded_monthly_usd: float | None = None
    pct: float | None = None
    usd_per_1k: float | None = None
    candidates: tuple[str, ...] | None = None  # None: shared by all candidates

    def check(self, where: str = "tco.items") -> LedgerItem:
        if not self.name.strip():
            raise InputError("a ledger item needs a name", key=where)
        if self.kind not in ITEM_KINDS:
            raise InputError(f"kind must be one of {', '.join(ITEM_KINDS)}, got {self.kind!r}",
                             key=f"{where}.{self.name}")
        for key in _NEEDS[self.kind]:
            value = getattr(self, key)
            if value is None:
                raise InputError(f"a {self.kind} item needs {key}", key=f"{where}.{self.name}")
            if not (isinstance(value, (int, float)) and 0 <= value <= MAX_MAGNITUDE):
                raise InputError(f"{key} must be >= 0 and finite, got {value!r}",
                                 key=f"{where}.{self.name}.{key}")
        return self

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        for key in _NEEDS[self.kind]:
            out[key] = getattr(self, key)
        if self.candidates is not None:
            out["candidates"] = list(self.candidates)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "tco.items") -> LedgerItem:
        known = {"name", "kind", "candidates", *(k for keys in _NEEDS.values() for k in keys)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"unknown key(s) {', '.join(unknown)} in a ledger item", key=where)
        name = data.get("name")
        kind = data.get("kind")
        if not isinstance(name, str) or not isinstance(kind, str):
            raise InputError("a ledger item needs a name and a kind (text)", key=where)
        candidates = data.get("candidates")
        if candidates is not None and not (
                isinstance(candidates, list) and all(isinstance(c, str) for c in candidates)):
            raise InputError("candidates must be a list of names", key=f"{where}.{name}")
        values = {k: data.get(k) for keys in _NEEDS.values() for k in keys}
        for key, value in values.items():
            if isinstance(value, bool):
                raise InputError(f"{key} must be a number", key=f"{where}.{name}.{key}")
        item = cls(name=name, kind=kind,
                   candidates=None if candidates is None else tuple(candidates),
                   **{k: (None if v is None else float(v)) for k, v in values.items()})
        return item.check(where)


@dataclass(frozen=True)
class LedgerLine:
    name: str
    kind: str
    formula: str
    monthly_usd: np.ndarray  # per candidate
    horizon_usd: np.ndarray  # per candidate


@dataclass(frozen=True)
class Ledger:
    names: tuple[str, ...]
    horizon_months: float
    lines: tuple[LedgerLine, ...]
    total_monthly_usd: np.ndarray
    total_horizon_usd: np.ndarray

    def line(self, name: str) -> LedgerLine:
        return next(line for line in self.lines if line.name == name)


def _applies(item: LedgerItem, names: Sequence[str]) -> np.ndarray:
    if item.candidates is None:
        return np.ones(len(names), dtype=bool)
    unknown = [c for c in item.candidates if c not in names]
    if unknown:
        raise InputError(f"ledger item {item.name!r} names unknown candidate(s): "
                         + ", ".join(repr(c) for c in unknown), key="tco.items")
    wanted = set(item.candidates)
    return np.array([n in wanted for n in names], dtype=bool)


def build_ledger(
    names: Sequence[str],
    inference_monthly_usd: np.ndarray,
    items: Sequence[LedgerItem] = (),
    *,
    horizon_months: float = 12.0,
    monthly_volume: float | None = None,
    retrainings_per_year: float = 0.0,
    fixed_monthly_usd: np.ndarray | None = None,
    one_time_usd: np.ndarray | None = None,
) -> Ledger:
    """The ledger of the module docstring, vectorised over the candidates `names`."""
    if not (horizon_months > 0 and math.isfinite(horizon_months)):
        raise InputError(f"must be > 0, got {horizon_months:g}", key="workload.horizon_months")
    if not (0 <= retrainings_per_year <= 365):
        raise InputError(f"must be >= 0 and <= 365, got {retrainings_per_year:g}",
                         key="tco.retrainings_per_year")
    seen: set[str] = set()
    for item in items:
        item.check()
        if item.name in seen:
            raise InputError(f"two ledger items are named {item.name!r}", key="tco.items")
        seen.add(item.name)
    n = len(names)
    h = horizon_months
    compute = np.asarray(inference_monthly_usd, dtype=float).reshape(n)
    volume = math.nan if monthly_volume is None else float(monthly_volume)
    lines: list[LedgerLine] = []

    def add(name: str, kind: str, monthly: np.ndarray, once: np.ndarray | None = None) -> None:
        # A one-time cost keeps its exact amount over the horizon (no /H*H rounding).
        monthly = np.asarray(monthly, dtype=float) * np.ones(n)
        horizon = monthly * h if once is None else np.asarray(once, dtype=float) * np.ones(n)
        lines.append(LedgerLine(name, kind, FORMULAS[kind], monthly, horizon))

    add("inference", "inference", compute)
    if fixed_monthly_usd is not None:
        add("fixed (table)", "table_fixed", np.nan_to_num(np.asarray(fixed_monthly_usd, float)))
    if one_time_usd is not None:
        once = np.nan_to_num(np.asarray(one_time_usd, float))
        add("one-time (table)", "table_one_time", once / h, once)
    for item in items:
        mask = _applies(item, names)
        if item.kind == "one_time":
            usd = float(item.usd or 0)
            add(item.name, item.kind, np.where(mask, usd / h, 0.0), np.where(mask, usd, 0.0))
            continue
        if item.kind == "per_retraining":
            monthly: np.ndarray | float = float(item.usd or 0) * retrainings_per_year / 12.0
        elif item.kind == "maintenance":
            monthly = (float(item.engineer_months_per_year or 0) / 12.0
                       * float(item.loaded_monthly_usd or 0))
        elif item.kind == "overhead_pct":
            monthly = float(item.pct or 0) / 100.0 * compute
        elif item.kind == "per_1k":
            monthly = float(item.usd_per_1k or 0) * volume / 1000.0
        else:  # monthly
            monthly = float(item.usd or 0)
        add(item.name, item.kind, np.where(mask, monthly, 0.0))
    total_monthly = np.sum([line.monthly_usd for line in lines], axis=0)
    total_horizon = np.sum([line.horizon_usd for line in lines], axis=0)
    return Ledger(tuple(names), h, tuple(lines), total_monthly, total_horizon)
