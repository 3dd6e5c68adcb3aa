"""Benchmarks for ``workbench route``: exact sweep in memory, grid search, DuckDB binning.

Each measurement runs in a fresh child process so its peak RSS
(resource.getrusage ru_maxrss) belongs to that stage alone. Timings are the
median of --repeats runs inside the child.

    python benchmarks/bench_routing.py                 # 1M and 10M rows
    python benchmarks/bench_routing.py --rows-100m     # also 100M rows out of core (~2 GB disk, minutes)
    python benchmarks/bench_routing.py --whole-process # also the targets, timed as whole processes

Targets (issue #11), checked as whole processes by benchmarks/whole_process.py (start-up
included; A and B run in turn, so a ratio survives a noisy machine):

* the exact two-tier sweep (``workbench route LOG --validation none``) within 1.2x of
  the plain numpy sort + cumsum script (benchmarks/numpy_sweep.py) on the same 10M rows;
* a three-tier grid search of 64 x 64 policies over 10M rows in under 10 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_fraud_log", ROOT / "sample_data" / "make_fraud_log.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def _median_time(fn, repeats: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def stage_sweep(rows: int, repeats: int) -> dict[str, object]:
    """Exact sweep + policy selection on in-memory arrays (generation not timed)."""
    import numpy as np

    from workbench.routing.engine import build_result
    from workbench.routing.spec import RoutingSpec
    from workbench.routing.sweep import exact_curve

    cols = _generator().make_log(rows, seed=1)
    y = cols["label"].astype(bool)
    cheap = cols["cheap_score"].astype(np.float64)
    exp = cols["expensive_score"].astype(np.float64)
    forced = (cols["risk_flag"] != 0) | (cols["amount"] > 1000)
    loss = cols["amount"]
    del cols
    spec = RoutingSpec(
        cheap_cost_per_1k=0.02, expensive_cost_per_1k=1.0, cheap_latency_ms=3, expensive_latency_ms=40,
        escalate_when=("risk_flag",), escalate_above={"amount": 1000.0}, loss_column="amount",
    )
    plain_spec = RoutingSpec(cheap_cost_per_1k=0.02, expensive_cost_per_1k=1.0)
    base_rss = _peak_rss_mb()
    t_plain, res = _median_time(lambda: build_result(plain_spec, exact_curve(y, cheap, exp)), repeats)
    t_rules, _ = _median_time(lambda: build_result(spec, exact_curve(y, cheap, exp, 0.5, forced, loss)), repeats)
    return {
        "stage": f"exact sweep, {rows:,} rows in memory",
        "seconds": t_plain,
        "seconds_with_rules_and_loss": t_rules,
        "thresholds": res.candidates,  # type: ignore[attr-defined]
        "peak_rss_mb": _peak_rss_mb(),
        "rss_after_generating_mb": base_rss,
    }


def stage_load_and_sweep(path: str, repeats: int) -> dict[str, object]:
    """simulate() end to end on a Parquet file in memory: read, validate, sweep."""
    from workbench.routing import RoutingSpec, simulate

    spec = RoutingSpec(log=path, cheap_cost_per_1k=0.02, expensive_cost_per_1k=1.0, validation="none")
    t, res = _median_time(lambda: simulate(spec), repeats)
    split = RoutingSpec(log=path, cheap_cost_per_1k=0.02, expensive_cost_per_1k=1.0)
    t_split, _ = _median_time(lambda: simulate(split), repeats)
    return {
        "stage": f"simulate() in memory from Parquet ({res.rows:,} rows: read + validate + sweep)",  # type: ignore[attr-defined]
        "seconds": t,
        "seconds_with_split_validation": t_split,
        "peak_rss_mb": _peak_rss_mb(),
    }


def stage_bins(path: str, repeats: int) -> dict[str, object]:
    """DuckDB out-of-core aggregation (memory_limit 512MB, 2 threads) plus the binned sweep.

    Peak RSS is taken after one full ``simulate(streaming)`` run, as a CLI call
    would do; repeating DuckDB connections in one process ratchets RSS up (the
    allocator keeps freed pages), which says nothing about a single run.
    """
    from workbench.routing import RoutingSpec, simulate
    from workbench.routing.bins import aggregate_parquet

    p = Path(path)
    rules = {"escalate_when": ("risk_flag",), "escalate_above": {"amount": 1000.0}, "loss_column": "amount"}
    spec = RoutingSpec(log=path, streaming=True, cheap_cost_per_1k=0.02, expensive_cost_per_1k=1.0, **rules)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    res = simulate(spec)
    first = time.perf_counter() - t0
    peak = _peak_rss_mb()
    t_agg, counts = _median_time(lambda: aggregate_parquet(p, **rules), repeats)  # type: ignore[arg-type]
    return {
        "stage": f"DuckDB binning, {res.rows:,} rows from Parquet ({counts.n.size:,} groups)",  # type: ignore[attr-defined]
        "seconds": t_agg,
        "seconds_simulate_streaming_first_run": first,
        "peak_rss_mb": peak,
        "peak_rss_mb_after_repeats": _peak_rss_mb(),
    }


def _llm_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_llm_log", ROOT / "sample_data" / "make_llm_log.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LLM_COSTS = {"small-llm": 0.15, "mid-llm": 0.6, "large-llm": 3.0}


def stage_grid(rows: int, repeats: int) -> dict[str, object]:
    """Three-tier grid search (64 x 64 policies) on in-memory arrays: quantile grids, cells,
    per-cell sums, prefix sums and the objective's pick (generation not timed)."""
    import numpy as np

    from workbench.routing.cascade import CascadeData, grid_tallies, quantile_grid, units_from_rows
    from workbench.routing.engine import _context
    from workbench.routing.policy import figure_arrays
    from workbench.routing.select import best, feasible
    from workbench.routing.spec import RoutingSpec

    cols = _llm_generator().make_log(rows, seed=1)
    names = ("small-llm", "mid-llm", "large-llm")
    data = CascadeData(
        "bench", names, "quality",
        conf=[cols[f"confidence_{m}"].astype(np.float64) for m in names],
        qual=[cols[f"correct_{m}"].astype(np.float64) for m in names], graded=True,
    )
    del cols
    spec = RoutingSpec(models=names, costs_per_1k=LLM_COSTS, target_accuracy=88.0, grid=64, validation="none")
    ctx = _context(spec, names, "quality", True)

    def run() -> int:
        grids = [quantile_grid(data.confidence(m), 64, np.inf) for m in range(2)]
        tallies = grid_tallies(units_from_rows(data, grids), grids)
        arrays = figure_arrays(tallies, ctx.costs, ctx.money)
        best(tallies, arrays, spec, feasible(tallies, spec))
        return len(tallies)

    t, policies = _median_time(run, repeats)
    return {
        "stage": f"grid search 3 tiers, {policies:,} policies, {rows:,} rows in memory",
        "seconds": t,
        "peak_rss_mb": _peak_rss_mb(),
    }


def targets(tmp: Path, runs: int) -> None:
    """The issue's two targets as whole processes, on 10M rows each."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import whole_process
    from bytecode import compile_workbench

    compile_workbench()  # as `pip install .` would (see benchmarks/bytecode.py)
    fraud, llm = tmp / "log_10m.parquet", tmp / "llm_10m.parquet"
    if not fraud.exists():
        _write_log(10_000_000, fraud)
    _child(["genllm", "10000000:1", str(llm)])
    workbench = [sys.executable, "-m", "workbench"]
    sweep = [*workbench, "route", str(fraud), "--cheap-cost-per-1k", "0.02", "--expensive-cost-per-1k", "1.0",
             "--validation", "none", "--format", "json"]
    yardstick = [sys.executable, "benchmarks/numpy_sweep.py", str(fraud)]
    a, b = whole_process.compare(sweep, yardstick, runs, cwd=ROOT)
    ratio = a.wall_s / b.wall_s
    print(f"exact two-tier sweep, 10M rows, whole process: workbench {a.wall_s:.2f}s, "
          f"numpy sort+cumsum script {b.wall_s:.2f}s, ratio {ratio:.3f} "
          f"(target <= 1.2: {'met' if ratio <= 1.2 else 'MISSED'})")
    costs = [item for name, usd in LLM_COSTS.items() for item in ("--cost-per-1k", f"{name}={usd}")]
    for validation in ("none", "split"):
        grid = [*workbench, "route", str(llm), *costs, "--target-accuracy", "88", "--grid", "64",
                "--validation", validation, "--format", "json"]
        got = whole_process.measure(grid, runs, cwd=ROOT)
        print(f"three-tier grid 64 x 64, 10M rows, whole process (--validation {validation}): "
              f"{got.wall_s:.2f}s median wall, peak {got.peak_mib:.0f} MiB (target < 10 s: "
              f"{'met' if got.wall_s < 10 else 'MISSED'})")


def _child(args: list[str]) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"benchmark stage failed: {args}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _write_log(rows: int, path: Path, seed: int = 1) -> None:
    # In a child too: Linux carries ru_maxrss across fork + exec, so a parent
    # that had generated 10M rows would inflate every later stage's peak RSS.
    _child(["gen", f"{rows}:{seed}", str(path)])


def _print(result: dict[str, object]) -> None:
    def fmt(key: str, value: object) -> str:
        if isinstance(value, float):
            return f"{key} {value:.2f}s" if key.startswith("seconds_") else f"{key} {value:.0f}"
        return f"{key} {value}"

    extras = ", ".join(fmt(k, v) for k, v in result.items() if k not in ("stage", "seconds", "peak_rss_mb"))
    print(f"{result['stage']:<72} {result['seconds']:7.2f}s  peak RSS {result['peak_rss_mb']:7.0f} MB  {extras}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows-100m", action="store_true", help="also bin a 100M-row Parquet folder (slow, ~2 GB disk)")
    parser.add_argument("--whole-process", action="store_true",
                        help="also time the issue's targets as whole processes")
    parser.add_argument("--runs", type=int, default=5,
                        help="whole-process runs per command (default 5)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, value = args.child[0], args.child[1]
        if kind in ("gen", "genllm"):
            rows, seed = (int(v) for v in value.split(":"))
            gen = _generator() if kind == "gen" else _llm_generator()
            gen.write_log(gen.make_log(rows, seed=seed), Path(args.child[2]))
            print(json.dumps({"written": args.child[2]}))
            return 0
        repeats = int(args.child[2])
        if kind == "sweep":
            res = stage_sweep(int(value), repeats)
        elif kind == "load":
            res = stage_load_and_sweep(value, repeats)
        elif kind == "grid":
            res = stage_grid(int(value), repeats)
        else:
            res = stage_bins(value, repeats)
        print(json.dumps(res))
        return 0

    r = str(args.repeats)
    print(f"median of {args.repeats} runs; each stage in its own process")
    _print(_child(["sweep", "1000000", r]))
    _print(_child(["sweep", "10000000", r]))
    _print(_child(["grid", "10000000", r]))
    with tempfile.TemporaryDirectory(prefix="bench_routing_") as tmp:
        big = Path(tmp) / "log_10m.parquet"
        _write_log(10_000_000, big)
        print(f"(10M-row Parquet file: {big.stat().st_size / 1e6:.0f} MB)")
        _print(_child(["load", str(big), r]))
        _print(_child(["bins", str(big), r]))
        if args.rows_100m:
            folder = Path(tmp) / "log_100m"
            folder.mkdir()
            for k in range(10):  # 10M rows per file keeps the generator's own memory bounded
                _write_log(10_000_000, folder / f"part-{k:02d}.parquet", seed=100 + k)
            size = sum(f.stat().st_size for f in folder.iterdir())
            print(f"(100M-row Parquet folder: {size / 1e9:.2f} GB)")
            _print(_child(["bins", str(folder), "1"]))
        if args.whole_process:
            targets(Path(tmp), args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
