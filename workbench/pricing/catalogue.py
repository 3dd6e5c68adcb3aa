"""The bundled instance catalogue: hourly prices of cloud GPU and CPU instances.

`workbench/data/instances.csv` holds one row per instance type with its provider
(aws, gcp, azure), accelerator and count ("none" and 0 for CPU machines), vCPUs,
memory, the hourly prices in USD under each plan (on-demand, reserved 1 year,
reserved 3 years, typical spot), the region the prices are for, the page they come
from and the date they were read (YYYY-MM or YYYY-MM-DD), and a note saying which
figures are list prices and which are approximate.

The loader checks every row and names the row and column of the first problem:
prices finite and > 0; reserved 3 years <= reserved 1 year <= on-demand; spot <=
on-demand; an accelerator count >= 0, 0 exactly when the accelerator is "none";
a known provider; an https source; a date; no instance listed twice by a provider.
Prices move: a figure is as of its date_read, and a session records the figure it
used (workbench.pricing.resolve.PriceUsed).
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from workbench.errors import InputError
from workbench.pricing.plans import PLAN_COLUMNS, PLANS, effective_hourly

PROVIDERS: tuple[str, ...] = ("aws", "gcp", "azure")
COLUMNS: tuple[str, ...] = (
    "provider", "instance", "accelerator", "accelerator_count", "vcpus", "memory_gib",
    "on_demand_usd_per_hour", "reserved_1y_usd_per_hour", "reserved_3y_usd_per_hour",
    "spot_usd_per_hour", "region", "source_url", "date_read", "note",
)
_DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?")


@dataclass(frozen=True)
class InstanceType:
    provider: str
    instance: str
    accelerator: str  # "none" for a CPU machine
    accelerator_count: int
    vcpus: int
    memory_gib: float
    on_demand_usd_per_hour: float
    reserved_1y_usd_per_hour: float
    reserved_3y_usd_per_hour: float
    spot_usd_per_hour: float
    region: str
    source_url: str
    date_read: str
    note: str

    @property
    def key(self) -> str:
        """"provider:instance", unique in the catalogue."""
        return f"{self.provider}:{self.instance}"

    def listed(self, plan: str) -> float:
        """The listed hourly price of `plan` (before any spot overhead)."""
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}, got {plan!r}")
        value: float = getattr(self, PLAN_COLUMNS[plan])
        return value

    def hourly(self, plan: str, spot_interruption_overhead: float) -> float:
        """The hourly price billed under `plan` (workbench.pricing.plans)."""
        return effective_hourly(self.listed(plan), plan, spot_interruption_overhead)


def _number(text: str, label: str, row: int, column: str, *, integer: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"{text!r} is not a number", source=label, row=row, column=column
        ) from None
    if not math.isfinite(value):
        raise InputError(f"{text!r} is not finite", source=label, row=row, column=column)
    if integer and not value.is_integer():
        raise InputError(f"{text!r} is not a whole number", source=label, row=row, column=column)
    return value


def parse_catalogue(text: str, label: str) -> tuple[InstanceType, ...]:
    """Rows of an instance catalogue CSV, checked (see the module docstring)."""
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    if header != COLUMNS:
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        raise InputError(
            f"the header must be {', '.join(COLUMNS)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(extra)}" if extra else ""),
            source=label, line=1,
        )
    out: list[InstanceType] = []
    seen: set[str] = set()
    for row_no, row in enumerate(reader, start=1):
        if None in row or any(v is None for v in row.values()):
            raise InputError(f"expected {len(COLUMNS)} fields", source=label, row=row_no)
        cells = {k: v.strip() for k, v in row.items()}
        for column in ("provider", "instance", "accelerator", "region", "source_url", "date_read"):
            if not cells[column]:
                raise InputError("is empty", source=label, row=row_no, column=column)
        if cells["provider"] not in PROVIDERS:
            raise InputError(f"{cells['provider']!r} is not one of {', '.join(PROVIDERS)}",
                             source=label, row=row_no, column="provider")
        prices = {}
        for plan in PLANS:
            column = PLAN_COLUMNS[plan]
            value = _number(cells[column], label, row_no, column)
            if not value > 0:
                raise InputError(f"{value:g} must be > 0", source=label, row=row_no, column=column)
            prices[column] = value
        od = prices["on_demand_usd_per_hour"]
        r1 = prices["reserved_1y_usd_per_hour"]
        r3 = prices["reserved_3y_usd_per_hour"]
        if not r1 <= od:
            raise InputError(f"reserved 1 year ${r1:g}/h is above on-demand ${od:g}/h",
                             source=label, row=row_no, column="reserved_1y_usd_per_hour")
        if not r3 <= r1:
            raise InputError(f"reserved 3 years ${r3:g}/h is above reserved 1 year ${r1:g}/h",
                             source=label, row=row_no, column="reserved_3y_usd_per_hour")
        if not prices["spot_usd_per_hour"] <= od:
            raise InputError(f"spot ${prices['spot_usd_per_hour']:g}/h is above on-demand "
                             f"${od:g}/h", source=label, row=row_no, column="spot_usd_per_hour")
        count = _number(cells["accelerator_count"], label, row_no, "accelerator_count",
                        integer=True)
        if count < 0 or (count == 0) != (cells["accelerator"].lower() == "none"):
            raise InputError(
                f"{count:g} does not fit accelerator {cells['accelerator']!r} (0 exactly when "
                "the accelerator is 'none')", source=label, row=row_no, column="accelerator_count",
            )
        vcpus = _number(cells["vcpus"], label, row_no, "vcpus", integer=True)
        memory = _number(cells["memory_gib"], label, row_no, "memory_gib")
        if vcpus < 1 or memory <= 0:
            raise InputError("vcpus must be >= 1 and memory_gib > 0", source=label, row=row_no)
        if not cells["source_url"].startswith("https://"):
            raise InputError("must be an https:// address", source=label, row=row_no,
                             column="source_url")
        if not _DATE.fullmatch(cells["date_read"]):
            raise InputError(f"{cells['date_read']!r} is not a date (YYYY-MM or YYYY-MM-DD)",
                             source=label, row=row_no, column="date_read")
        entry = InstanceType(
            provider=cells["provider"], instance=cells["instance"],
            accelerator=cells["accelerator"], accelerator_count=int(count), vcpus=int(vcpus),
            memory_gib=memory, on_demand_usd_per_hour=od, reserved_1y_usd_per_hour=r1,
            reserved_3y_usd_per_hour=r3, spot_usd_per_hour=prices["spot_usd_per_hour"],
            region=cells["region"], source_url=cells["source_url"],
            date_read=cells["date_read"], note=cells["note"],
        )
        if entry.key.lower() in seen:
            raise InputError(f"{entry.key!r} is listed twice", source=label, row=row_no,
                             column="instance")
        seen.add(entry.key.lower())
        out.append(entry)
    if not out:
        raise InputError("has no rows", source=label)
    return tuple(out)


def load_catalogue(path: str | Path | None = None) -> tuple[InstanceType, ...]:
    """The bundled catalogue, or the CSV at `path` (same columns), checked."""
    if path is None:
        return _bundled()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the instance catalogue: {exc}", source=str(path)) from None
    return parse_catalogue(text, str(path))


@lru_cache(maxsize=1)
def _bundled() -> tuple[InstanceType, ...]:
    text = resources.files("workbench").joinpath("data/instances.csv").read_text(encoding="utf-8")
    return parse_catalogue(text, "workbench/data/instances.csv")


def find_instance(
    ref: str, catalogue: tuple[InstanceType, ...] | None = None
) -> InstanceType:
    """The catalogue entry for "instance" or "provider:instance" (case-insensitive).

    An instance name listed by several providers needs its provider; an unknown name
    is an InputError with the closest names.
    """
    entries = catalogue if catalogue is not None else load_catalogue()
    text = ref.strip()
    provider, sep, name = text.partition(":")
    if not sep:
        provider, name = "", text
    hits = [e for e in entries if e.instance.lower() == name.strip().lower()
            and (not provider or e.provider == provider.strip().lower())]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise InputError(
            f"instance {ref!r} is listed by several providers; write one of "
            + ", ".join(repr(h.key) for h in hits)
        )
    names = [e.instance for e in entries] + [e.key for e in entries]
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    raise InputError(
        f"instance {ref!r} is not in the instance catalogue{hint}; give hourly_usd instead, "
        "or see `workbench prices --kind instance`"
    )
