"""Robustness of a decision: error cost, sensitivity, uncertainty, SMAA and risks.

Each module takes a finished `Analysis` (plus its own settings) and returns frozen
dataclasses; none of them changes the analysis or imports a UI toolkit.

    errors        error_costs, rank_by_total_cost         -> ErrorCosts, TotalCostPick
    sensitivity   weight_sensitivity, tornado, swaps      -> WeightSensitivity, TornadoBar, Swaps
    uncertainty   accuracy_uncertainty, mcnemar, wilson_interval, beta_interval
    smaa          smaa(analysis, SmaaSettings)            -> SmaaResult
    risks         risk_register(analysis, ...)            -> tuple[Risk, ...]
"""

from workbench.robustness.errors import (
    ErrorCosts,
    TotalCostPick,
    error_costs,
    rank_by_total_cost,
)
from workbench.robustness.risks import Risk, risk_register
from workbench.robustness.sensitivity import (
    Swap,
    Swaps,
    TornadoBar,
    WeightChange,
    WeightSensitivity,
    swaps,
    tornado,
    weight_sensitivity,
)
from workbench.robustness.smaa import SmaaResult, SmaaSettings, smaa
from workbench.robustness.uncertainty import (
    AccuracyUncertainty,
    McNemar,
    PairTest,
    accuracy_uncertainty,
    beta_interval,
    mcnemar,
    wilson_interval,
)

__all__ = [
    "AccuracyUncertainty", "ErrorCosts", "McNemar", "PairTest", "Risk", "SmaaResult",
    "SmaaSettings", "Swap", "Swaps", "TornadoBar", "TotalCostPick", "WeightChange",
    "WeightSensitivity", "accuracy_uncertainty", "beta_interval", "error_costs", "mcnemar",
    "rank_by_total_cost", "risk_register", "smaa", "swaps", "tornado", "weight_sensitivity",
    "wilson_interval",
]
