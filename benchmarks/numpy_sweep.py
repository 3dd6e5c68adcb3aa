"""Yardstick for the exact two-tier sweep: the plain numpy sort + cumsum script.

Reads the same Parquet log ``workbench route`` reads (label, cheap_score,
expensive_score), sweeps every distinct cheap-model confidence as a threshold with one
sort and one cumulative sum, and prints the cheapest threshold that meets the accuracy
target. No validation, no report: the least a script can do for the same answer.

    python benchmarks/numpy_sweep.py LOG.parquet [TARGET_PCT] [CHEAP_USD] [EXPENSIVE_USD]
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pyarrow.parquet as pq


def main(argv: list[str]) -> int:
    path = argv[0]
    target = float(argv[1]) if len(argv) > 1 else 99.5
    cheap_usd = float(argv[2]) if len(argv) > 2 else 0.02
    expensive_usd = float(argv[3]) if len(argv) > 3 else 1.0
    table = pq.read_table(path, columns=["label", "cheap_score", "expensive_score"])
    y = table.column("label").to_numpy() == 1
    cheap = table.column("cheap_score").to_numpy().astype(np.float64)
    expensive = table.column("expensive_score").to_numpy().astype(np.float64)
    del table
    n = y.size
    conf = np.maximum(cheap, 1.0 - cheap)
    cheap_ok = (cheap >= 0.5) == y
    gain = ((expensive >= 0.5) == y).astype(np.int64) - cheap_ok
    order = np.argsort(conf, kind="stable")
    conf = conf[order]
    correct = int(cheap_ok.sum()) + np.concatenate(([0], np.cumsum(gain[order])))
    starts = np.flatnonzero(np.concatenate(([True], conf[1:] != conf[:-1])))
    positions = np.append(starts, n)
    thresholds = np.append(conf[starts], np.nextafter(1.0, 2.0))
    ok = correct[positions] >= math.ceil(target * n / 100.0 - 1e-9)
    if not ok.any():
        print("no threshold meets the target")
        return 0
    i = int(np.argmax(ok))  # cost rises with the escalated count: the first ok is the cheapest
    cost = cheap_usd + positions[i] / n * (cheap_usd + expensive_usd - cheap_usd)
    print(f"threshold {thresholds[i]:.6g}: accuracy {100 * correct[positions[i]] / n:.3f}%, "
          f"cost ${cost:.4f} per 1k, {len(positions):,} thresholds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
