"""Generate a synthetic LLM replay log for ``workbench route`` (seeded, vectorised).

Columns: item_id, then for each of three models (small-llm, mid-llm, large-llm)
correct_<model> (an LLM judge's grade in [0, 1]: mostly 0 or 1, sometimes partial
credit) and confidence_<model> (the model's mean token log-probability: any number,
higher = surer). The large model's confidence is written too, although a cascade never
reads the last model's.

The story: questions have a difficulty; each model solves a question with a probability
that falls with difficulty, the larger ones much later. A model's confidence is a noisy
reading of its own chance of being right. So the small model alone is cheap but about
70% accurate, the large one about 92%, and a three-model cascade reaches 90% at a
fraction of the large model's cost.

Usage:
    python sample_data/make_llm_log.py                      # rewrites llm_replay.parquet
    python sample_data/make_llm_log.py --rows 10000000 --seed 1 -o /tmp/big_llm.parquet
    python sample_data/make_llm_log.py --rows 1000 -o /tmp/small.csv   # .csv writes CSV
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

MODELS: tuple[str, ...] = ("small-llm", "mid-llm", "large-llm")
SKILL = (0.45, 0.70, 0.95)  # difficulty at which each model is right half the time
SHARPNESS = 12.0
PARTIAL_CREDIT = 0.15  # share of answers the judge grades between 0 and 1
CONFIDENCE_NOISE = 0.6  # in logit units: how well a model knows when it is right


def make_log(rows: int, seed: int) -> dict[str, np.ndarray]:
    """All columns as numpy arrays; every draw is vectorised over rows."""
    rng = np.random.default_rng(seed)
    difficulty = rng.beta(2.0, 2.5, rows)
    cols: dict[str, np.ndarray] = {"item_id": np.arange(rows, dtype=np.int64)}
    for name, skill in zip(MODELS, SKILL):
        logit = SHARPNESS * (skill - difficulty)
        p = 1.0 / (1.0 + np.exp(-logit))
        right = rng.random(rows) < p
        grade = right.astype(np.float64)
        partial = rng.random(rows) < PARTIAL_CREDIT
        # Partial credit: the judge's grade sits near the model's chance of being right.
        grade = np.where(partial, np.round(np.clip(p + rng.normal(0, 0.15, rows), 0, 1), 1), grade)
        seen = logit + rng.normal(0, CONFIDENCE_NOISE * SHARPNESS / 4, rows)
        # Mean token log-probability: log of a squashed chance, always <= 0.
        confidence = np.log(1.0 / (1.0 + np.exp(-seen / 2.0)))
        cols[f"correct_{name}"] = grade.astype(np.float32)
        cols[f"confidence_{name}"] = confidence.astype(np.float32)
    return cols


def write_log(columns: dict[str, np.ndarray], path: Path) -> None:
    import pyarrow as pa

    table = pa.table(columns)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, path)
    else:
        import pyarrow.parquet as pq

        pq.write_table(table, path, compression="zstd", row_group_size=1_000_000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows to generate (default 20000)")
    parser.add_argument("--seed", type=int, default=3, help="random seed (default 3)")
    parser.add_argument(
        "-o", "--output", type=Path, default=Path(__file__).with_name("llm_replay.parquet"),
        help="output path; .csv writes CSV, anything else Parquet",
    )
    args = parser.parse_args(argv)
    if args.rows <= 0:
        parser.error("--rows must be positive")
    cols = make_log(args.rows, args.seed)
    write_log(cols, args.output)
    accuracy = ", ".join(f"{m} {cols[f'correct_{m}'].mean():.1%}" for m in MODELS)
    print(f"wrote {args.rows:,} rows to {args.output}: mean quality {accuracy}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
