"""Properties of the cost model that must hold for any inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.pricing import PricingDefaults, resolve_pricing

money = st.floats(0.0, 1e3, allow_nan=False)
row = st.one_of(
    st.fixed_dictionaries({"mode": st.just("per_inference"), "cost_per_1k": money}),
    st.fixed_dictionaries({
        "mode": st.just("per_token"), "usd_per_1m_input_tokens": money,
        "usd_per_1m_output_tokens": money, "input_tokens_per_request": st.floats(0, 1e5),
        "output_tokens_per_request": st.floats(0, 1e5)}),
    st.fixed_dictionaries({
        "mode": st.just("instance"), "hourly_usd": st.floats(0.0, 200.0),
        "throughput_per_s": st.floats(1e-3, 1e4), "utilization": st.floats(0.01, 1.0),
        "min_instances": st.integers(0, 5)}),
)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(row, min_size=1, max_size=6),
    volumes=st.lists(st.floats(0, 1e10, allow_nan=False), min_size=2, max_size=40),
    peak=st.floats(1.0, 20.0),
    hours=st.floats(1.0, 744.0),
    plan=st.sampled_from(["on_demand", "spot"]),
)
def test_monthly_cost_never_decreases_as_volume_grows(
    rows: list[dict[str, object]], volumes: list[float], peak: float, hours: float, plan: str
) -> None:
    frame = pd.DataFrame(rows).rename(columns={"mode": "pricing_mode"})
    frame.insert(0, "name", [f"m{i}" for i in range(len(rows))])
    priced = resolve_pricing(frame, PricingDefaults(peak_to_average=peak, hours_per_month=hours,
                                                    plan=plan), None)
    grid = priced.monthly_at(sorted(volumes))
    assert np.isfinite(grid).all()
    assert (np.diff(grid, axis=0) >= 0).all()
    counts = priced.instances_at(sorted(volumes))[:, list(priced.is_instance)]
    assert (np.diff(counts, axis=0) >= 0).all()
