"""Print SMAA-2 timings: 10,000 draws over the 36-model zoo and over 1,000 candidates.

    python benchmarks/bench_smaa.py                 # both sizes
    python benchmarks/bench_smaa.py --sizes 36 5000 --draws 20000 --repeat 5

Targets on the reference 2-core machine (issue #12): 10,000 draws over 36 candidates
under 1 s, over 1,000 candidates under 10 s, with every input drawn (weights on the
simplex, accuracy from an eval-set size (Beta posterior, or its normal
approximation), prices and latencies from +-% ranges), a
latency limit and a budget re-checked per draw, and every rank's acceptability.
A benchmark, not a timed test: timings depend on the machine's load.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.analysis import analyze
from workbench.loading import load_table
from workbench.model import Constraints, Scenario, Workload
from workbench.robustness.smaa import SmaaSettings, smaa

ZOO = Path(__file__).resolve().parent.parent / "sample_data" / "model_zoo_36.csv"


def table(n: int, seed: int = 0) -> pd.DataFrame:
    if n == 36:
        return load_table(ZOO).frame
    rng = np.random.default_rng(seed)
    cost = rng.lognormal(mean=-7.0, sigma=1.0, size=n)
    return pd.DataFrame({
        "name": [f"model-{i:06d}" for i in range(n)],
        "accuracy": np.clip(70 + 3 * np.log1p(cost * 1e4) + rng.normal(0, 3, n), 1, 99.9),
        "latency_ms": rng.lognormal(1.0, 0.8, n),
        "cost_per_1k": cost,
        "maintainability": rng.integers(1, 6, n).astype(float),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[36, 1_000])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = SmaaSettings(draws=args.draws, seed=0, eval_n=50_000, price_range_pct=20,
                            latency_range_pct=10)
    normal = SmaaSettings(draws=args.draws, seed=0, eval_n=50_000, price_range_pct=20,
                          latency_range_pct=10, accuracy_model="normal")
    print(f"{'candidates':>10} {'draws':>7} {'weights only':>13} {'all (beta)':>11} "
          f"{'all (normal)':>13} {'P(pick first)':>14}")
    for n in args.sizes:
        frame = table(n)
        latency = float(np.quantile(frame["latency_ms"], 0.8))
        a = analyze(Scenario(frame, Workload(1_000_000), Constraints(max_latency_ms=latency,
                                                                     monthly_budget_usd=1e4)))
        times = {}
        runs_of = (("weights", SmaaSettings(draws=args.draws)), ("all", settings),
                   ("normal", normal))
        for label, s in runs_of:
            runs = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                result = smaa(a, s)
                runs.append(time.perf_counter() - start)
            times[label] = statistics.median(runs)
        p = result.p_pick_first
        print(f"{n:>10,} {args.draws:>7,} {times['weights']:>12.3f}s {times['all']:>10.3f}s "
              f"{times['normal']:>12.3f}s {'n/a' if p is None else f'{p:.3f}':>14}")


if __name__ == "__main__":
    main()
