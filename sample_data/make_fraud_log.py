"""Generate a synthetic fraud replay log for ``workbench route`` (seeded, vectorised).

Columns: transaction_id, label, cheap_score, expensive_score, risk_flag, amount.

The story the data tells: 0.5% of transactions are fraud. A cheap model is
confidently right on most traffic but unsure, and often wrong, on a small hard
slice (where much of the fraud hides); an expensive ensemble is much better on
that hard slice. So the cheap model alone misses the 99.5% accuracy target
(about 99.2%), the ensemble alone clears it (about 99.8%), and a cascade that
escalates only the cheap model's unsure items reaches it at a fraction of the
ensemble's cost.

Usage:
    python sample_data/make_fraud_log.py -o sample_data/fraud_replay.parquet
    python sample_data/make_fraud_log.py --rows 10000000 --seed 1 -o /tmp/big.parquet
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

FRAUD_RATE = 0.005
HARD_SHARE_LEGIT = 0.025  # legit traffic the cheap model finds hard
HARD_SHARE_FRAUD = 0.5  # fraud is disproportionately hard for the cheap model
CHEAP_EASY_ERROR = 0.0008  # confident mistakes nobody can route around
EXPENSIVE_EASY_ERROR = 0.0003
EXPENSIVE_HARD_ERROR = 0.05


def make_log(rows: int, seed: int) -> dict[str, np.ndarray]:
    """All columns as numpy arrays; every draw is vectorised over rows."""
    rng = np.random.default_rng(seed)
    label = rng.random(rows) < FRAUD_RATE
    hard = rng.random(rows) < np.where(label, HARD_SHARE_FRAUD, HARD_SHARE_LEGIT)

    # Cheap model: calibrated on the hard slice (P(correct) = its confidence),
    # near-certain elsewhere with a small floor of confident errors.
    cheap_conf = np.where(hard, rng.uniform(0.5, 0.98, rows), rng.uniform(0.97, 1.0, rows))
    cheap_right = np.where(hard, rng.random(rows) < cheap_conf, rng.random(rows) >= CHEAP_EASY_ERROR)
    cheap_says_fraud = np.where(cheap_right, label, ~label)
    cheap_score = np.where(cheap_says_fraud, cheap_conf, 1.0 - cheap_conf)

    # Ensemble: errors are rare and, when they happen, less confident.
    exp_err = np.where(hard, EXPENSIVE_HARD_ERROR, EXPENSIVE_EASY_ERROR)
    exp_right = rng.random(rows) >= exp_err
    exp_conf = np.where(exp_right, rng.uniform(0.8, 1.0, rows), rng.uniform(0.5, 0.8, rows))
    exp_says_fraud = np.where(exp_right, label, ~label)
    expensive_score = np.where(exp_says_fraud, exp_conf, 1.0 - exp_conf)

    risk_flag = rng.random(rows) < np.where(label, 0.30, 0.02)
    amount = np.round(
        np.where(label, rng.lognormal(5.0, 1.3, rows), rng.lognormal(3.8, 1.2, rows)), 2
    )
    return {
        "transaction_id": np.arange(1_000_000, 1_000_000 + rows, dtype=np.int64),
        "label": label.astype(np.int8),
        # float32 halves the file; the log format accepts any numeric type.
        "cheap_score": cheap_score.astype(np.float32),
        "expensive_score": expensive_score.astype(np.float32),
        "risk_flag": risk_flag.astype(np.int8),
        "amount": amount,
    }


def write_log(columns: dict[str, np.ndarray], path: Path, row_group_size: int = 1_000_000) -> None:
    import pyarrow as pa

    table = pa.table(columns)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, path)
    else:
        import pyarrow.parquet as pq

        pq.write_table(table, path, compression="zstd", row_group_size=row_group_size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows to generate (default 200000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "-o", "--output", type=Path, default=Path(__file__).with_name("fraud_replay.parquet"),
        help="output path; .csv writes CSV, anything else Parquet",
    )
    args = parser.parse_args(argv)
    if args.rows <= 0:
        parser.error("--rows must be positive")
    cols = make_log(args.rows, args.seed)
    write_log(cols, args.output)
    label = cols["label"].astype(bool)
    cheap_acc = np.mean((cols["cheap_score"] >= 0.5) == label)
    exp_acc = np.mean((cols["expensive_score"] >= 0.5) == label)
    print(
        f"wrote {args.rows:,} rows to {args.output}: fraud {label.mean():.3%}, "
        f"cheap-only accuracy {cheap_acc:.3%}, expensive-only {exp_acc:.3%}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
