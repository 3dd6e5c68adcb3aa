"""Print load and analysis timings for synthetic candidate tables (10k, 100k, 1M).

    python benchmarks/bench_analysis.py            # all sizes
    python benchmarks/bench_analysis.py --sizes 100000 --repeat 5

Targets on the reference 2-core machine: analysis of 100k candidates (frontier,
matrix, sweep) under 100 ms; 1M under 1 s after load.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.analysis import analyze
from workbench.frontier import pareto_mask
from workbench.loading import load_table
from workbench.model import Constraints, Scenario, Workload


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cost = rng.lognormal(mean=0.0, sigma=1.5, size=n)
    accuracy = np.clip(60 + 10 * np.log1p(cost) + rng.normal(0, 4, n), 0, 100)
    return pd.DataFrame(
        {
            "name": [f"model-{i:07d}" for i in range(n)],
            "accuracy": accuracy,
            "latency_ms": rng.lognormal(3.5, 1.0, n),
            "cost_per_1k": cost,
            "maintainability": rng.integers(1, 6, n).astype(float),
        }
    )


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'rows':>10} {'csv load':>10} {'parquet load':>13} {'frontier':>10} {'analyze':>10}")
    for n in args.sizes:
        frame = synthetic(n)
        with tempfile.TemporaryDirectory() as tmp:
            csv_path = Path(tmp) / "c.csv"
            pq_path = Path(tmp) / "c.parquet"
            frame.to_csv(csv_path, index=False)
            frame.to_parquet(pq_path)
            t_csv = timed(lambda: load_table(csv_path), 1)
            t_pq = timed(lambda: load_table(pq_path), 1)
        scenario = Scenario(
            frame,
            Workload(volume_per_day=100_000),
            Constraints(max_latency_ms=100, monthly_budget_usd=5_000, min_accuracy=70),
        )
        cost = frame["cost_per_1k"].to_numpy()
        acc = frame["accuracy"].to_numpy()
        t_front = timed(lambda: pareto_mask(cost, acc), args.repeat)
        t_an = timed(lambda: analyze(scenario), args.repeat)
        print(f"{n:>10,} {t_csv:>9.3f}s {t_pq:>12.3f}s {t_front*1000:>8.1f}ms {t_an*1000:>8.1f}ms")


if __name__ == "__main__":
    main()
