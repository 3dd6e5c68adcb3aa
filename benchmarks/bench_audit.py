"""Benchmark of ``workbench audit``: 100M log rows in a folder of Parquet files.

    python benchmarks/bench_audit.py                  # 100M rows (~1.5 GB on disk, minutes to make)
    python benchmarks/bench_audit.py --rows 10000000  # a quicker look

Target (issue #16): the whole audit, as a process (Python start-up, the session's
evaluation, the DuckDB aggregation and every step after it), under 1 GB of memory and
within 1.5x of a plain DuckDB GROUP BY over the same files: one process that sums the
columns the audit reads per (day, model), under the same memory limit and threads.

Both commands run as child processes, A and B in turn (A B A B ...), so a ratio is taken
pair by pair and survives a machine whose speed drifts. Wall time is a monotonic clock
around each child; peak memory is the child's own maximum resident set (os.wait4).
The median of the runs is printed, and each pair's ratio. The same figures can be taken
with public tools, e.g. ``/usr/bin/time -v`` around each printed command.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SESSION = ROOT / "sessions" / "retail_checkout.toml"
EDGE = "MobileNet-SSD edge (on-device)"
CANARY = "ResNet-50 FPN (mid-tier CNN)"
DAYS = 90

# The yardstick: a plain GROUP BY of the columns the audit reads, per (day, model).
BASELINE = """
import sys, duckdb
con = duckdb.connect(config={"memory_limit": "512MB", "threads": 2,
                             "preserve_insertion_order": False})
con.execute("SET TimeZone = 'UTC'")
rows = con.execute(
    "SELECT CAST(timestamp AS DATE) AS day, model, COUNT(*) AS n, SUM(batch_size), "
    "SUM(cost_usd), SUM(latency_ms * batch_size) "
    "FROM read_parquet(?) GROUP BY ALL", [sys.argv[1] + "/*.parquet"]).fetchall()
print(len(rows))
"""


def make_log(folder: Path, rows: int, files: int, seed: int = 11) -> None:
    """A production log like sample_data/production_log.parquet, `files` Parquet files
    each covering a stretch of the 90 days (the usual time-partitioned layout)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    marker = folder / f".done-{rows}-{files}"
    if marker.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    rng = np.random.default_rng(seed)
    start = np.datetime64("2027-01-04T00:00:00", "us")
    span = DAYS * 86_400 * 1_000_000 // files
    per_file = rows // files
    t0 = time.monotonic()
    for i in range(files):
        n = per_file if i < files - 1 else rows - per_file * (files - 1)
        offsets = np.sort(rng.integers(0, span, n))
        stamps = start + (i * span + offsets).astype("timedelta64[us]")
        batch = rng.integers(96, 161, n).astype(np.int32)
        latency = ((6 + 0.125 * batch) * rng.lognormal(0, 0.12, n)).astype(np.float32)
        canary = rng.random(n) < 0.002
        table = pa.table({
            "timestamp": pa.array(stamps, type=pa.timestamp("us", tz="UTC")),
            "model": pa.DictionaryArray.from_arrays(
                pa.array(canary.astype(np.int8)), pa.array([EDGE, CANARY])),
            "batch_size": batch,
            "latency_ms": latency,
            "cost_usd": (latency * 7.8e-4).astype(np.float64),
            "region": pa.DictionaryArray.from_arrays(
                pa.array(rng.integers(0, 4, n).astype(np.int8)),
                pa.array(["north", "south", "east", "west"])),
        })
        pq.write_table(table, folder / f"part-{i:03d}.parquet", compression="zstd")
        print(f"  wrote part {i + 1}/{files} ({time.monotonic() - t0:.0f} s)", file=sys.stderr)
    marker.touch()


def run_child(command: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) of one child process."""
    t0 = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {child.stderr.read().decode() if child.stderr else ''}")
    return wall, usage.ru_maxrss / 1024.0, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--store", type=Path,
                        default=Path(tempfile.gettempdir()) / "workbench-bench-audit")
    parser.add_argument("-n", type=int, default=5, help="timed pairs (after one warm-up pair)")
    args = parser.parse_args()
    folder = args.store / f"log-{args.rows}"
    make_log(folder, args.rows, args.files)
    out = args.store / "audit.json"
    audit = [sys.executable, "-m", "workbench", "audit", str(folder), "--session", str(SESSION),
             "--format", "json", "-o", str(out)]
    baseline = [sys.executable, "-c", BASELINE, str(folder)]
    print("A: $ " + " ".join(audit))
    print("B: $ python -c BASELINE " + str(folder) + "   (a plain DuckDB GROUP BY, see the script)")
    run_child(audit)
    run_child(baseline)  # warm-up pair: the files in the page cache for both
    a_times, b_times, ratios, a_peak, b_peak = [], [], [], [], []
    for _ in range(args.n):
        a, a_mb, _ = run_child(audit)
        b, b_mb, _ = run_child(baseline)
        a_times.append(a)
        b_times.append(b)
        ratios.append(a / b)
        a_peak.append(a_mb)
        b_peak.append(b_mb)
    med = statistics.median
    print(f"rows {args.rows:,} in {args.files} files; {args.n} pairs (median, min-max)")
    print(f"A audit     wall {med(a_times):6.2f} s ({min(a_times):.2f}-{max(a_times):.2f})  "
          f"peak {med(a_peak):6.0f} MB (max {max(a_peak):.0f})")
    print(f"B group by  wall {med(b_times):6.2f} s ({min(b_times):.2f}-{max(b_times):.2f})  "
          f"peak {med(b_peak):6.0f} MB (max {max(b_peak):.0f})")
    print(f"A/B ratio   {med(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
