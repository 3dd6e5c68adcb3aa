"""`workbench analyze --format json` against the same analysis in plain pandas, and the
CSV load against `pandas.read_csv(engine="pyarrow")`, as whole processes.

    python benchmarks/bench_export.py                       # 100k and 1M, 5 runs each
    python benchmarks/bench_export.py --sizes 100000 --repeat 3

For each size it writes the synthetic table of benchmarks/bench_analysis.py as CSV and
a plain pandas script that does what the brief of issue #9 describes (read the CSV,
monthly cost, feasibility, the frontier, a 4-criterion min-max score, the rank, a
7-point volume sweep, every candidate written as JSON records). Each pair of commands
runs in turn (A B A B ...), timed as whole processes by benchmarks/whole_process.py;
medians are printed, with the ratio A/B of the medians.

The workbench package is byte-compiled first, as `pip install .` does (see
benchmarks/bytecode.py). Targets on the reference 2-core machine: analyze --format json
at 100k and 1M within 1.5x of the pandas script in wall time and peak memory; the CSV
load of 1M rows within 1.5x of pandas' pyarrow reader.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import whole_process
from bench_analysis import synthetic
from bytecode import compile_workbench

FLAGS = ["--volume-per-day", "100000", "--budget", "5000", "--max-latency-ms", "100",
         "--min-accuracy", "70"]

PANDAS_SCRIPT = '''\
"""The same analysis in plain pandas: the yardstick for `workbench analyze --format json`."""
import sys

import numpy as np
import pandas as pd

path, out = sys.argv[1], sys.argv[2]
volume, days, budget, max_latency, min_accuracy = 100_000, 30, 5_000, 100, 70
df = pd.read_csv(path)
df["monthly_cost_usd"] = df["cost_per_1k"] * volume * days / 1000
df["feasible"] = ((df["monthly_cost_usd"] <= budget) & (df["latency_ms"] <= max_latency)
                  & (df["accuracy"] >= min_accuracy))
# Frontier: sorted by cost (more accurate first on ties), a candidate is on it when it
# is more accurate than every cheaper one.
by_cost = df.sort_values(["monthly_cost_usd", "accuracy"], ascending=[True, False])
best_before = by_cost["accuracy"].cummax().shift(fill_value=-np.inf)
df["pareto"] = False
df.loc[by_cost.index[(by_cost["accuracy"] > best_before).to_numpy()], "pareto"] = True
weights = {"accuracy": (0.4, "max"), "latency_ms": (0.2, "min"),
           "monthly_cost_usd": (0.3, "min"), "maintainability": (0.1, "max")}
score = np.zeros(len(df))
for column, (weight, direction) in weights.items():
    v = df[column]
    norm = (v - v.min()) / (v.max() - v.min())
    score += weight * (norm if direction == "max" else 1 - norm).to_numpy()
df["score"] = score
df = df.sort_values(["feasible", "score"], ascending=[False, False])
df["rank"] = np.arange(1, len(df) + 1)
sweep = []
for m in (0.1, 0.25, 0.5, 1, 2, 4, 10):
    cost = df["cost_per_1k"] * volume * m * days / 1000
    ok = (cost <= budget) & (df["latency_ms"] <= max_latency) & (df["accuracy"] >= min_accuracy)
    sweep.append({"multiplier": m, "feasible_count": int(ok.sum()),
                  "recommendation": df["name"][ok].iloc[0] if ok.any() else None})
df.to_json(out, orient="records")
'''


def compare(label: str, a: list[str], b: list[str], repeat: int) -> None:
    fa, fb = whole_process.compare(a, b, repeat)
    whole_process.print_comparison(label, a, b, fa, fb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", metavar="DIR", help="write the files here and keep them")
    args = parser.parse_args()
    compile_workbench()  # as `pip install .` would (see benchmarks/bytecode.py)
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        script = folder / "pandas_equivalent.py"
        script.write_text(PANDAS_SCRIPT, encoding="utf-8")
        for n in args.sizes:
            csv = folder / f"candidates_{n}.csv"
            if not csv.exists():
                synthetic(n).to_csv(csv, index=False)
            compare(f"analyze --format json, {n:,} candidates",
                    [python, "-m", "workbench", "analyze", str(csv), *FLAGS, "--format", "json",
                     "-o", str(folder / f"workbench_{n}.json")],
                    [python, str(script), str(csv), str(folder / f"pandas_{n}.json")],
                    args.repeat)
            if n >= 1_000_000:
                compare(f"CSV load, {n:,} rows",
                        [python, "-c", "import sys; from workbench.loading import load_table; "
                         "load_table(sys.argv[1])", str(csv)],
                        [python, "-c", "import sys, pandas as pd; "
                         "pd.read_csv(sys.argv[1], engine='pyarrow')", str(csv)],
                        args.repeat)


if __name__ == "__main__":
    main()
