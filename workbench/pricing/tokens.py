"""Per-token pricing (LLM APIs): a cost per 1k requests from prices per 1M tokens.

Per candidate, with token counts per request and prices in USD per 1M tokens:
    cost_per_1k = (in * p_in + out * p_out + cached * p_cached) / 1e6 * 1000
where
    in       = input_tokens_per_request         (billed at the full input price)
    out      = output_tokens_per_request
    cached   = cached_input_tokens_per_request  (input tokens read from the prompt
               cache; counted apart from `in`, missing = 0)
    p_in     = usd_per_1m_input_tokens
    p_out    = usd_per_1m_output_tokens
    p_cached = usd_per_1m_cached_input_tokens   (needed only when cached > 0)
The cost is linear in volume:
    inference_monthly_usd = cost_per_1k * volume_per_day * days_per_month / 1000
Example: 500 in / 200 out tokens at $0.15 / $0.60 per 1M tokens gives
(500 * 0.15 + 200 * 0.60) / 1e6 * 1000 = $0.195 per 1k requests.
"""

from __future__ import annotations

import numpy as np

TOKENS_PER_PRICE_UNIT = 1e6  # prices are per 1M tokens
REQUESTS_PER_COST_UNIT = 1000.0  # costs are per 1k requests


def token_cost_per_1k(
    input_tokens: np.ndarray | float,
    output_tokens: np.ndarray | float,
    cached_tokens: np.ndarray | float,
    usd_per_1m_input: np.ndarray | float,
    usd_per_1m_output: np.ndarray | float,
    usd_per_1m_cached: np.ndarray | float,
) -> np.ndarray:
    """USD per 1k requests (the module's formula), element-wise over candidates.

    A part with 0 tokens costs 0 whatever its price, even a missing (NaN) price: a
    model without a cached-input price is still priced when no token is cached.
    """
    parts = []
    for tokens, price in ((input_tokens, usd_per_1m_input), (output_tokens, usd_per_1m_output),
                          (cached_tokens, usd_per_1m_cached)):
        t = np.asarray(tokens, dtype=float)
        p = np.asarray(price, dtype=float)
        parts.append(np.where(t == 0, 0.0, t * p))
    total: np.ndarray = (parts[0] + parts[1] + parts[2]) / TOKENS_PER_PRICE_UNIT
    return total * REQUESTS_PER_COST_UNIT
