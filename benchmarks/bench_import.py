"""Time `workbench import mlflow` on 1,000 runs, as a whole process.

    python benchmarks/bench_import.py                 # the store is made once (~40 s)
    python benchmarks/bench_import.py --filter        # the MLflow-client path instead
    python benchmarks/bench_import.py --runs 5000 --store /tmp/bigger

The store is a real MLflow SQLite store made with the mlflow library: an experiment of
RUNS runs, each with three metrics, three params and a tag. The timed command is

    python -m workbench import mlflow --tracking-uri sqlite:///STORE/mlflow.db \\
        --experiment bench --map accuracy=metrics.val_acc --map latency_ms=metrics.p95_ms \\
        -o OUT.csv

from start to exit (interpreter start-up, imports, reading, checking, writing), by
benchmarks/whole_process.py: the median of -n runs after a warm-up run. Target: under
3 s for 1,000 runs. With --filter the same import goes through MlflowClient
(`--filter "attributes.status = 'FINISHED'"`, which every run matches), for comparison.
Needs: pip install 'workbench[mlflow]'.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import whole_process
from bytecode import compile_workbench


def make_store(folder: Path, runs: int) -> Path:
    """An MLflow SQLite store with `runs` runs in experiment "bench" (kept for reuse)."""
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    db = folder / "mlflow.db"
    marker = folder / f"runs-{runs}"
    if db.exists() and marker.exists():
        return db
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (db, *folder.glob("runs-*")):
        stale.unlink(missing_ok=True)
    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    exp = client.create_experiment("bench", artifact_location=str(folder / "artifacts"))
    rng = random.Random(0)
    start = time.monotonic()
    for i in range(runs):
        run = client.create_run(exp, run_name=f"model-{i:05d}")
        stamp = 1_700_000_000_000 + i
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("val_acc", rng.uniform(0.6, 0.95), stamp, 0),
                     Metric("p95_ms", rng.uniform(5, 200), stamp, 0),
                     Metric("val_loss", rng.uniform(0.1, 1.0), stamp, 0)],
            params=[Param("cost_per_1k", f"{rng.uniform(0.01, 2):.4f}"),
                    Param("lr", rng.choice(["0.1", "0.01", "0.001"])),
                    Param("optimizer", rng.choice(["sgd", "adamw"]))],
            tags=[RunTag("team", "vision")],
        )
        client.set_terminated(run.info.run_id)
    marker.touch()
    print(f"made {runs} runs in {time.monotonic() - start:.0f} s: {db}", file=sys.stderr)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--store", type=Path,
                        default=Path(tempfile.gettempdir()) / "workbench-bench-import")
    parser.add_argument("--filter", action="store_true",
                        help="time the MLflow-client path (a --filter every run matches)")
    parser.add_argument("-n", type=int, default=5, help="timed runs")
    args = parser.parse_args()
    compile_workbench()  # as `pip install .` would (see benchmarks/bytecode.py)
    db = make_store(args.store, args.runs)
    out = args.store / "out.csv"
    command = [sys.executable, "-m", "workbench", "import", "mlflow", "--tracking-uri",
               f"sqlite:///{db}", "--experiment", "bench", "--map", "accuracy=metrics.val_acc",
               "--map", "latency_ms=metrics.p95_ms", "-o", str(out)]
    if args.filter:
        command += ["--filter", "attributes.status = 'FINISHED'"]
    check = subprocess.run(command, capture_output=True, text=True, check=False)
    if check.returncode != 0:
        sys.exit(check.stderr)
    rows = len(out.read_text().splitlines()) - 1
    assert rows == args.runs, f"imported {rows} rows, expected {args.runs}"
    print("$ " + " ".join(command), flush=True)
    figures = whole_process.measure(command, args.n)
    print(f"wall {figures.wall_s:.2f} s (median of {args.n}), peak {figures.peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
