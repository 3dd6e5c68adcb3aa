"""The cost model: from price sheets to cost per request, capacity and total cost.

One method per module, each stating its formulas in its docstring (the memo quotes
them verbatim):
    tokens          per-token prices (LLM APIs) -> cost per 1k requests
    instances       self-hosting: instances needed, monthly cost, effective cost per 1k
    plans           on-demand, reserved 1y / 3y, spot (with its interruption overhead)
    catalogue       the bundled instance catalogue (workbench/data/instances.csv)
    llm_catalogue   LLM prices per 1M tokens from the `genai-prices` package (offline)
    resolve         a candidate table + pricing defaults + workload -> PricedCandidates
    questions       API-vs-self-host break-even, reserve-vs-on-demand, capacity
    ledger          the total cost of ownership ledger over the horizon
Pure: numpy and pandas only, no UI toolkit.
"""

from typing import TYPE_CHECKING

from workbench.lazy import Exports

if TYPE_CHECKING:
    from workbench.pricing.ledger import Ledger, LedgerItem, build_ledger
    from workbench.pricing.questions import (
        BreakEven,
        ReserveAnswer,
        api_vs_self_host,
        api_vs_self_host_of,
        capacity_at_multipliers,
        reserve_answers,
        reserve_vs_on_demand,
    )
    from workbench.pricing.resolve import (
        PRICING_MODES,
        PricedCandidates,
        PriceUsed,
        PricingDefaults,
        resolve_pricing,
    )

__getattr__ = Exports(__name__, {
    "ledger": ("Ledger", "LedgerItem", "build_ledger"),
    "questions": ("BreakEven", "ReserveAnswer", "api_vs_self_host", "api_vs_self_host_of",
                  "capacity_at_multipliers", "reserve_answers", "reserve_vs_on_demand"),
    "resolve": ("PRICING_MODES", "PricedCandidates", "PriceUsed", "PricingDefaults",
                "resolve_pricing"),
})

__all__ = [
    "PRICING_MODES",
    "BreakEven",
    "Ledger",
    "LedgerItem",
    "PriceUsed",
    "PricedCandidates",
    "PricingDefaults",
    "ReserveAnswer",
    "api_vs_self_host",
    "api_vs_self_host_of",
    "build_ledger",
    "capacity_at_multipliers",
    "reserve_answers",
    "reserve_vs_on_demand",
    "resolve_pricing",
]
