"""A log without `cost_usd` is priced by the session's cost model (workbench.pricing).

Per model of the log, by its name among the candidates:
    with token counts and per-token prices (the prices the evaluation used, from the
    candidate table or the LLM catalogue):
        cost_usd = (input_tokens * p_in + output_tokens * p_out + cached * p_cached) / 1e6
    otherwise:
        cost_usd = requests * cost_per_1k / 1000   (the decision's cost per 1k; for a
                   candidate priced on instances, its cost per 1k at the session's volume)
A model the session does not know cannot be priced: the log needs a cost_usd column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.audit.logs import TOKEN_COLUMNS
from workbench.columns import TOKEN_PRICE_COLUMNS
from workbench.errors import InputError
from workbench.evaluation import Evaluation

_PRICE_OF = dict(zip(TOKEN_COLUMNS, TOKEN_PRICE_COLUMNS))


def token_prices(evaluation: Evaluation) -> dict[str, dict[str, float]]:
    """{candidate: {usd_per_1m_*: price}} of the prices the evaluation used."""
    priced = evaluation.analysis.pricing
    out: dict[str, dict[str, float]] = {}
    if priced is None:
        return out
    for used in priced.prices_used:
        if used.item in TOKEN_PRICE_COLUMNS:
            out.setdefault(used.candidate, {})[used.item] = float(used.value)
    return out


def fill_costs(frame: pd.DataFrame, evaluation: Evaluation, source: str
               ) -> tuple[pd.DataFrame, list[str]]:
    """The aggregation rows with cost_usd filled from the session (the module's rules)."""
    if "cost_usd" in frame.columns:
        return frame, []
    table = evaluation.analysis.table
    per_1k = {str(n): float(c) for n, c in zip(table["name"], table["cost_per_1k"])}
    prices = token_prices(evaluation)
    has_tokens = [c for c in TOKEN_COLUMNS if c in frame.columns]
    cost = np.zeros(len(frame))
    how: dict[str, str] = {}
    models = frame["model"].to_numpy()
    for model in pd.unique(models):
        rows = models == model
        name = str(model)
        mine = prices.get(name, {})
        used = [c for c in has_tokens if frame.loc[rows, c].sum() > 0]
        if used and all(_PRICE_OF[c] in mine for c in used):
            cost[rows] = sum(frame.loc[rows, c].to_numpy() * mine[_PRICE_OF[c]] for c in used) / 1e6
            how[name] = "its token counts at the session's prices per 1M tokens"
        elif name in per_1k and np.isfinite(per_1k[name]):
            cost[rows] = frame.loc[rows, "requests"].to_numpy() * per_1k[name] / 1000.0
            how[name] = f"its requests at the decision's cost per 1k (${per_1k[name]:.4g})"
        else:
            raise InputError(f"the log has no cost_usd column and model {name!r} is not a "
                             "candidate of the session, so its requests cannot be priced; "
                             "add a cost_usd column (or name the model as the session does)",
                             source=source, column="model")
    out = frame.copy()
    out["cost_usd"] = cost
    notes = [f"cost of {m} priced from {h} (the log has no cost_usd)" for m, h in how.items()]
    return out, notes


def token_weights(evaluation: Evaluation) -> dict[str, dict[str, float]]:
    """{model: {log token column: USD per token}}: the decomposition's work weights."""
    return {model: {col: prices[_PRICE_OF[col]] / 1e6 for col in TOKEN_COLUMNS
                    if _PRICE_OF[col] in prices}
            for model, prices in token_prices(evaluation).items()}
