"""Generate sample_data/production_log.parquet: 90 days of the retail checkout detector
in production, with weekly seasonality and three injected incidents.

    python sample_data/make_production_log.py [OUT.parquet]

Deterministic (a fixed seed), no network. The story (sessions/retail_checkout.toml
chose "MobileNet-SSD edge (on-device)" at 500,000 images/day, $0.10 per 1k):

- One row per batch served by a store's edge box: `timestamp` (UTC), `model`,
  `batch_size` (images in the batch), `latency_ms` (what each image of the batch waited),
  `cost_usd` (the batch's compute: its latency x the price per box-millisecond),
  `region`, `library_version` (the inference runtime), `correct` (the share of the
  batch a store audit found right; audited batches only, about 1 in 100).
- Weekly seasonality: Saturdays 35% and Sundays 20% above a weekday; Mondays 10% below.
- The canary: "ResNet-50 FPN (mid-tier CNN)" serves 0.2% of the images throughout, on
  a cloud GPU priced per image (its runtime, triton-24.01, is never upgraded).
- Incident 1, traffic spike (TRAFFIC_SPIKE): a promotion in the south region triples
  its traffic for one day.
- Incident 2, library upgrade (LIBRARY_UPGRADE): from that day the runtime is trt-10.0,
  whose batcher halves the batch size (128 -> 64) and whose kernels make each batch 80%
  slower to run: cost per image more than doubles, latency rises.
- Incident 3, price change (PRICE_CHANGE): from that day the edge-box lease costs 25%
  more per millisecond.
`generate(..., incidents=False)` gives the same log without the incidents (the tests'
clean log).
"""

from __future__ import annotations

import sys
from datetime import date, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

START = date(2027, 1, 4)  # a Monday, seven weeks after the decision
DAYS = 90
VOLUME_PER_DAY = 500_000
TRAFFIC_SPIKE = date(2027, 2, 3)
LIBRARY_UPGRADE = date(2027, 2, 22)
PRICE_CHANGE = date(2027, 3, 20)
EDGE = "MobileNet-SSD edge (on-device)"
CANARY = "ResNet-50 FPN (mid-tier CNN)"
CANARY_SHARE = 0.002
CLOUD_RUNTIME = "triton-24.01"  # the canary's runtime, never upgraded
REGIONS = ("north", "south", "east", "west")
REGION_SHARES = (0.30, 0.25, 0.25, 0.20)
WEEKDAY_FACTOR = (0.90, 1.0, 1.0, 1.0, 1.05, 1.35, 1.20)  # Monday .. Sunday
BATCH = 128  # images per batch before the upgrade (half after)
# Edge box: a batch of b images runs in (6 + 0.125 b) ms; the price per box-ms makes
# 1k images cost $0.10 at 128 per batch: 0.0001 * 128 / 22 USD per ms.
BASE_MS, PER_IMAGE_MS = 6.0, 0.125
USD_PER_MS = 0.0001 * BATCH / (BASE_MS + PER_IMAGE_MS * BATCH)
UPGRADE_SLOWDOWN = 1.8
PRICE_RISE = 1.25
AUDIT_SHARE = 0.01
EDGE_ACCURACY = 0.90
CANARY_ACCURACY = 0.95


def _day_rows(rng: np.random.Generator, day: date, images: int, model: str, region: str,
              incidents: bool, batch: int) -> dict[str, np.ndarray]:
    upgraded = incidents and day >= LIBRARY_UPGRADE and model == EDGE
    if upgraded:
        batch = batch // 2
    # Batch sizes around the batcher's target; the last batch takes what is left.
    sizes = np.clip(rng.normal(batch, batch * 0.08, size=images // batch + 2).round(), 1, None)
    sizes = sizes.astype(np.int64)
    cum = np.cumsum(sizes)
    n = int(np.searchsorted(cum, images)) + 1
    sizes = sizes[:n]
    sizes[-1] = images - int(sizes[:-1].sum())
    sizes = sizes[sizes > 0]
    if model == EDGE:
        ms = (BASE_MS + PER_IMAGE_MS * sizes) * rng.lognormal(0.0, 0.12, sizes.size)
        if upgraded:
            ms *= UPGRADE_SLOWDOWN
        price = USD_PER_MS * (PRICE_RISE if incidents and day >= PRICE_CHANGE else 1.0)
        cost = ms * price
        accuracy = EDGE_ACCURACY
    else:  # the canary runs on a cloud GPU priced per image ($5 per 1k)
        ms = (60.0 + 5.0 * sizes) * rng.lognormal(0.0, 0.15, sizes.size)
        cost = sizes * 0.005 * rng.lognormal(0.0, 0.02, sizes.size)
        accuracy = CANARY_ACCURACY
    # Store hours 07:00-22:00 UTC, in order.
    seconds = np.sort(rng.integers(7 * 3600, 22 * 3600, sizes.size))
    audited = rng.random(sizes.size) < AUDIT_SHARE
    right = rng.binomial(sizes, accuracy) / sizes
    return {
        "timestamp": np.datetime64(day, "s") + seconds.astype("timedelta64[s]"),
        "model": np.full(sizes.size, model, dtype=object),
        "batch_size": sizes.astype(np.int32),
        "latency_ms": ms.round(1).astype(np.float32),
        "cost_usd": cost.round(6),
        "region": np.full(sizes.size, region, dtype=object),
        "library_version": np.full(sizes.size, CLOUD_RUNTIME if model == CANARY else
                                   "trt-10.0" if upgraded else "trt-8.6", dtype=object),
        "correct": np.where(audited, right.round(4), np.nan).astype(np.float32),
    }


def generate(days: int = DAYS, seed: int = 7, *, incidents: bool = True, start: date = START,
             volume_per_day: float = VOLUME_PER_DAY, batch: int = BATCH) -> pd.DataFrame:
    """The log as a DataFrame (see the module docstring)."""
    rng = np.random.default_rng(seed)
    parts: list[dict[str, np.ndarray]] = []
    for i in range(days):
        day = start + timedelta(days=i)
        total = volume_per_day * WEEKDAY_FACTOR[day.weekday()] * rng.lognormal(0.0, 0.02)
        for region, share in zip(REGIONS, REGION_SHARES):
            images = total * share
            if incidents and day == TRAFFIC_SPIKE and region == "south":
                images *= 3.0
            canary = int(round(images * CANARY_SHARE))
            edge = int(round(images)) - canary
            parts.append(_day_rows(rng, day, edge, EDGE, region, incidents, batch))
            if canary > 0:
                parts.append(_day_rows(rng, day, canary, CANARY, region, incidents, 8))
    frame = pd.DataFrame({k: np.concatenate([p[k] for p in parts]) for k in parts[0]})
    frame["timestamp"] = pd.to_datetime(frame["timestamp"]).dt.tz_localize(timezone.utc)
    frame = frame.sort_values("timestamp", kind="stable").reset_index(drop=True)
    frame["model"] = frame["model"].astype("category")
    frame["region"] = frame["region"].astype("category")
    frame["library_version"] = frame["library_version"].astype("category")
    return frame


def write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False, compression="zstd", row_group_size=1_000_000)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(__file__).with_name("production_log.parquet")
    frame = generate()
    write(frame, out)
    print(f"{out}: {len(frame):,} rows, {out.stat().st_size / 1e6:.1f} MB, "
          f"{frame['batch_size'].sum():,} images, ${frame['cost_usd'].sum():,.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
