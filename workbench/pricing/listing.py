"""Search the bundled price catalogues: instances (workbench/data/instances.csv) and
LLM APIs (the genai-prices package), as rows with name, provider, prices, unit,
source and date, for `workbench prices`.

A query matches an entry when every word of it appears (case-insensitive) in the
entry's provider, name, display name or accelerator; a provider filter matches the
provider id exactly (aws, gcp, azure; openai, anthropic, google, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the catalogues load when they are searched, not with the CLI's flags
    from workbench.pricing.catalogue import InstanceType
    from workbench.pricing.llm_catalogue import LlmPrice

KINDS: tuple[str, ...] = ("instance", "llm")


@dataclass(frozen=True)
class PriceRow:
    kind: str  # "instance" | "llm"
    provider: str
    name: str
    detail: str  # accelerator ("1x T4") or the model's display name
    unit: str
    prices: dict[str, float | None]  # plan -> USD/h, or direction -> USD per 1M tokens
    source: str
    date: str
    region: str | None = None
    note: str | None = None
    tiered: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind, "provider": self.provider, "name": self.name,
            "detail": self.detail, "unit": self.unit, "prices": dict(self.prices),
            "source": self.source, "date": self.date,
        }
        if self.kind == "instance":
            out["region"] = self.region
            out["note"] = self.note
        else:
            out["tiered"] = self.tiered
        return out


def _instance_row(e: InstanceType) -> PriceRow:
    accel = "CPU" if e.accelerator_count == 0 else f"{e.accelerator_count}x {e.accelerator}"
    return PriceRow(
        "instance", e.provider, e.instance, accel, "USD per instance-hour",
        {"on_demand": e.on_demand_usd_per_hour, "reserved_1y": e.reserved_1y_usd_per_hour,
         "reserved_3y": e.reserved_3y_usd_per_hour, "spot": e.spot_usd_per_hour},
        e.source_url, e.date_read, region=e.region, note=e.note,
    )


def _llm_row(e: LlmPrice) -> PriceRow:
    return PriceRow(
        "llm", e.provider, e.model, e.name, "USD per 1M tokens",
        {"input": e.usd_per_1m_input_tokens, "output": e.usd_per_1m_output_tokens,
         "cached_input": e.usd_per_1m_cached_input_tokens},
        e.source, e.as_of, tiered=e.tiered,
    )


def _matches(row: PriceRow, words: list[str], provider: str | None) -> bool:
    if provider is not None and row.provider.lower() != provider.lower():
        return False
    haystack = f"{row.provider} {row.name} {row.detail}".lower()
    return all(w in haystack for w in words)


def search(
    query: str = "", kind: str | None = None, provider: str | None = None,
    as_of: date | None = None,
) -> list[PriceRow]:
    """Catalogue rows matching `query` (see the module docstring), instances first."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    from workbench.pricing.catalogue import load_catalogue
    from workbench.pricing.llm_catalogue import list_llm

    words = query.lower().split()
    rows: list[PriceRow] = []
    if kind in (None, "instance"):
        rows += [_instance_row(e) for e in load_catalogue()]
    if kind in (None, "llm"):
        rows += [_llm_row(e) for e in list_llm(as_of)]
    return [r for r in rows if _matches(r, words, provider)]


def llm_catalogue_label() -> str:
    from workbench.pricing.llm_catalogue import package_version

    return f"genai-prices {package_version()}"
