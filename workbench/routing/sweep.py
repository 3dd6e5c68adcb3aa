"""Threshold sweeps for confidence routing, exact and binned, and the policy figures.

Both sweeps reduce to the same picture: order the non-forced items by the cheap
model's confidence; escalating everything below ``t`` moves a prefix of that
order from the cheap model's decision to the expensive model's. So every figure
at every threshold is a base value plus a prefix (cumulative) sum, and the whole
curve costs one sort plus a few cumulative sums: O(n log n), never one pass per
threshold.

Only TP and FP need prefix sums: with N negatives, correct = TP + (N - FP).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# "Escalate everything" needs t above every confidence; confidence never exceeds 1,
# so the next double after 1 is an honest, finite, JSON-safe stand-in for +inf.
ESCALATE_ALL: float = float(np.nextafter(1.0, 2.0))
Z95: float = 1.959964

# conf is in [0.5, 1]; conf - 0.5 is exact (Sterbenz) and a multiple of 2**-53,
# so this integer code is an exact, order-preserving image of conf that fits 53
# bits, leaving room to pack a 3-bit item class into a uint64 sort key. Sorting
# packed keys with np.sort is ~5x faster than argsort + gathers here.
_CODE_SCALE: float = 2.0**53
_CLASS_BITS = np.uint64(3)
_CLASS_MASK = np.uint64(7)

# Item class = label << 2 | cheap_correct << 1 | expensive_correct.
# Escalating an item changes TP by y*(b - a) and FP by (1 - y)*(a - b).
_CLASSES = np.arange(8)
_Y, _A, _B = (_CLASSES >> 2) & 1, (_CLASSES >> 1) & 1, _CLASSES & 1
_D_TP: np.ndarray = (_Y * (_B - _A)).astype(np.int8)
_D_FP: np.ndarray = ((1 - _Y) * (_A - _B)).astype(np.int8)


@dataclass(frozen=True)
class Totals:
    """Confusion counts of one fixed assignment of items to models."""

    tp: int
    fp: int
    missed_loss: float | None  # sum of the loss column over false negatives


@dataclass(frozen=True)
class Curve:
    """Every candidate threshold with its raw counts (ascending thresholds).

    ``escalated`` counts items sent to the expensive model, forced ones included.
    """

    n: int
    positives: int
    forced: int
    threshold: np.ndarray  # float64, ascending
    escalated: np.ndarray  # int64
    tp: np.ndarray  # int64
    fp: np.ndarray  # int64
    missed_loss: np.ndarray | None  # float64
    cheap_only: Totals
    expensive_only: Totals
    method: str  # "exact" or "bins"
    bin_count: int | None = None

    @property
    def negatives(self) -> int:
        return self.n - self.positives

    @property
    def correct(self) -> np.ndarray:
        return self.tp + (self.negatives - self.fp)

    def __len__(self) -> int:
        return int(self.threshold.size)


def confidence(cheap_score: np.ndarray) -> np.ndarray:
    """The cheap model's confidence in its own decision: max(p, 1 - p)."""
    return np.maximum(cheap_score, 1.0 - cheap_score)


def bin_index(conf: np.ndarray, bin_count: int) -> np.ndarray:
    """Bin of each confidence, the same arithmetic as the SQL in bins.py."""
    idx = np.floor((conf - 0.5) * (2 * bin_count))
    return np.minimum(idx, bin_count - 1).astype(np.int64)


def _prefix_at(cum: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Sum of the first p items for each p, from an inclusive cumulative sum."""
    out = np.zeros(positions.size, dtype=cum.dtype)
    pos = positions > 0
    out[pos] = cum[positions[pos] - 1]
    return out


def exact_curve(
    label: np.ndarray,
    cheap_score: np.ndarray,
    expensive_score: np.ndarray,
    decision_threshold: float = 0.5,
    forced: np.ndarray | None = None,
    loss: np.ndarray | None = None,
) -> Curve:
    """Sweep every distinct confidence value as a threshold ("escalate when conf < t").

    Points: t = each distinct confidence among non-forced items (the smallest one
    escalates only forced items), then ESCALATE_ALL.
    """
    y = np.asarray(label, dtype=bool)
    n = int(y.size)
    cheap_pos = cheap_score >= decision_threshold
    exp_pos = expensive_score >= decision_threshold
    a = cheap_pos == y  # cheap decision correct
    b = exp_pos == y  # expensive decision correct
    positives = int(np.count_nonzero(y))
    cheap_tp = int(np.count_nonzero(y & a))
    cheap_fp = int(np.count_nonzero(~y & ~a))
    exp_tp = int(np.count_nonzero(y & b))
    exp_fp = int(np.count_nonzero(~y & ~b))
    cheap_loss = exp_loss = None
    if loss is not None:
        cheap_loss = float(loss[y & ~a].sum())
        exp_loss = float(loss[y & ~b].sum())

    if forced is not None and forced.any():
        nf = ~forced
        n_forced = int(np.count_nonzero(forced))
        # Forced items always get the expensive decision.
        base_tp = int(np.count_nonzero(y & np.where(forced, b, a)))
        base_fp = int(np.count_nonzero(~y & ~np.where(forced, b, a)))
        y_n, a_n, b_n = y[nf], a[nf], b[nf]
        conf = confidence(cheap_score[nf])
        loss_n = loss[nf] if loss is not None else None
        base_loss = (
            float(loss[y & ~np.where(forced, b, a)].sum()) if loss is not None else None
        )
    else:
        n_forced = 0
        base_tp, base_fp, base_loss = cheap_tp, cheap_fp, cheap_loss
        y_n, a_n, b_n = y, a, b
        conf = confidence(cheap_score)
        loss_n = loss
    m = int(conf.size)

    code = ((conf - 0.5) * _CODE_SCALE).astype(np.uint64)
    del conf
    cls = (y_n.astype(np.uint8) << 2) | (a_n.astype(np.uint8) << 1) | b_n.astype(np.uint8)
    key = (code << _CLASS_BITS) | cls
    key.sort()
    cls_sorted = (key & _CLASS_MASK).astype(np.intp)
    code_sorted = key >> _CLASS_BITS
    del key
    cum_tp = np.cumsum(_D_TP[cls_sorted], dtype=np.int64)
    cum_fp = np.cumsum(_D_FP[cls_sorted], dtype=np.int64)
    del cls_sorted

    # Escalating "conf < t" for t = a distinct value escalates exactly the items
    # before that value's first occurrence in sorted order.
    if m:
        starts = np.flatnonzero(code_sorted[1:] != code_sorted[:-1]) + 1
        positions = np.concatenate(([0], starts, [m])).astype(np.int64)
        cut_codes = code_sorted[positions[:-1]]
        thresholds = np.concatenate((0.5 + cut_codes.astype(np.float64) / _CODE_SCALE, [ESCALATE_ALL]))
    else:
        positions = np.zeros(1, dtype=np.int64)
        cut_codes = np.zeros(0, dtype=np.uint64)
        thresholds = np.array([ESCALATE_ALL])
    del code_sorted

    tp = base_tp + _prefix_at(cum_tp, positions)
    fp = base_fp + _prefix_at(cum_fp, positions)
    del cum_tp, cum_fp

    missed = None
    if loss_n is not None:
        # Loss moves only on positives whose two decisions differ, usually a tiny
        # subset: sort just those and look the thresholds up in it.
        changing = y_n & (a_n != b_n)
        sp_code = code[changing]
        sp_delta = np.where(a_n[changing], loss_n[changing], -loss_n[changing])
        order = np.argsort(sp_code, kind="stable")
        sp_code = sp_code[order]
        sp_cum = np.cumsum(sp_delta[order])
        upto = np.concatenate((np.searchsorted(sp_code, cut_codes, side="left"), [sp_code.size]))
        missed = float(base_loss or 0.0) + _prefix_at(sp_cum, upto.astype(np.int64))

    return Curve(
        n=n,
        positives=positives,
        forced=n_forced,
        threshold=thresholds,
        escalated=n_forced + positions,
        tp=tp,
        fp=fp,
        missed_loss=missed,
        cheap_only=Totals(cheap_tp, cheap_fp, cheap_loss),
        expensive_only=Totals(exp_tp, exp_fp, exp_loss),
        method="exact",
    )


@dataclass
class BinCounts:
    """Aggregated replay log: one row per (bin, label, cheap_correct, expensive_correct, forced)."""

    bin_count: int
    bin: np.ndarray  # int64 in [0, bin_count)
    label: np.ndarray  # int8 0/1
    cheap_correct: np.ndarray  # int8 0/1
    expensive_correct: np.ndarray  # int8 0/1
    forced: np.ndarray  # int8 0/1
    n: np.ndarray  # int64 > 0
    loss_sum: np.ndarray | None  # float64
    source: str = ""

    @property
    def rows(self) -> int:
        return int(self.n.sum())


def bins_curve(counts: BinCounts) -> Curve:
    """The same sweep on per-bin counts; thresholds are bin edges 0.5 + j / (2 * bins).

    At edge j everything in bins < j escalates, so figures are exact at each edge;
    only thresholds between edges are not represented.
    """
    B = counts.bin_count
    y = counts.label.astype(np.int64)
    a = counts.cheap_correct.astype(np.int64)
    b = counts.expensive_correct.astype(np.int64)
    f = counts.forced.astype(bool)
    w = counts.n.astype(np.int64)
    n = int(w.sum())
    positives = int(w[y == 1].sum())
    cheap_tp = int(w[(y == 1) & (a == 1)].sum())
    cheap_fp = int(w[(y == 0) & (a == 0)].sum())
    exp_tp = int(w[(y == 1) & (b == 1)].sum())
    exp_fp = int(w[(y == 0) & (b == 0)].sum())
    # Forced groups get the expensive decision, the rest start on the cheap one.
    start_ok = np.where(f, b, a)
    base_tp = int(w[(y == 1) & (start_ok == 1)].sum())
    base_fp = int(w[(y == 0) & (start_ok == 0)].sum())
    loss = counts.loss_sum
    cheap_loss = exp_loss = base_loss = None
    if loss is not None:
        cheap_loss = float(loss[(y == 1) & (a == 0)].sum())
        exp_loss = float(loss[(y == 1) & (b == 0)].sum())
        base_loss = float(loss[(y == 1) & (start_ok == 0)].sum())

    nf = ~f
    idx = counts.bin[nf]
    # Group counts can exceed 2**24 but stay far below 2**53, so float64
    # bincount weights are exact; round back to ints to be sure.
    per_bin_n = np.bincount(idx, weights=w[nf], minlength=B)
    d_tp = np.bincount(idx, weights=(w * y * (b - a))[nf], minlength=B)
    d_fp = np.bincount(idx, weights=(w * (1 - y) * (a - b))[nf], minlength=B)
    cum_n = np.concatenate(([0], np.cumsum(np.rint(per_bin_n).astype(np.int64))))
    cum_tp = np.concatenate(([0], np.cumsum(np.rint(d_tp).astype(np.int64))))
    cum_fp = np.concatenate(([0], np.cumsum(np.rint(d_fp).astype(np.int64))))

    # Keep edge 0 (only forced items escalate) and every edge right after a
    # non-empty bin; edges after empty bins repeat the previous point.
    edges = np.concatenate(([0], np.flatnonzero(per_bin_n > 0) + 1)).astype(np.int64)
    edges = np.unique(edges)
    thresholds = 0.5 + edges / (2.0 * B)
    # Confidence 1.0 sits in the last bin, so "all bins" must read as "escalate all".
    thresholds[edges == B] = ESCALATE_ALL

    missed = None
    if loss is not None:
        d_loss = np.bincount(idx, weights=np.where(a == b, 0.0, np.where(a == 1, loss, -loss))[nf] * (y[nf] == 1), minlength=B)
        cum_loss = np.concatenate(([0.0], np.cumsum(d_loss)))
        missed = float(base_loss or 0.0) + cum_loss[edges]

    n_forced = int(w[f].sum())
    return Curve(
        n=n,
        positives=positives,
        forced=n_forced,
        threshold=thresholds,
        escalated=n_forced + cum_n[edges],
        tp=base_tp + cum_tp[edges],
        fp=base_fp + cum_fp[edges],
        missed_loss=missed,
        cheap_only=Totals(cheap_tp, cheap_fp, cheap_loss),
        expensive_only=Totals(exp_tp, exp_fp, exp_loss),
        method="bins",
        bin_count=B,
    )


# ---------------------------------------------------------------- statistics


def wilson_lower(correct: np.ndarray | int, n: int, z: float = Z95) -> np.ndarray:
    """Wilson score interval lower bound of correct / n (a fraction, not percent)."""
    k = np.asarray(correct, dtype=np.float64)
    if n <= 0:
        return np.full(k.shape, np.nan)
    p = k / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * np.sqrt(np.maximum(p * (1 - p) / n + z2 / (4.0 * n * n), 0.0))
    return (centre - spread) / (1 + z2 / n)


def nearest_rank(n: int, q: float = 0.95) -> int:
    """1-based rank of the q-quantile by nearest rank: ceil(q * n), in integer arithmetic."""
    # Integer maths keeps e.g. 0.95 * 20 from landing on 19.000000000000004.
    num = round(q * 10_000)
    return max(1, -(-num * n // 10_000))


def p95_two_values(
    n: int, high_count: np.ndarray, low_value: float, high_value: float
) -> np.ndarray:
    """Nearest-rank p95 of n latencies of which high_count equal high_value, the rest low_value.

    Sorted ascending the list is (smaller value) x count, (larger value) x count,
    so the rank-r element is the larger value exactly when more than n - r items
    carry it. No per-threshold pass needed.
    """
    m = np.asarray(high_count, dtype=np.int64)
    r = nearest_rank(n)
    if high_value >= low_value:
        return np.where(m > n - r, high_value, low_value).astype(np.float64)
    # The "escalated" latency is the smaller one (exclusive policy, fast ensemble).
    return np.where(m >= r, high_value, low_value).astype(np.float64)


# ------------------------------------------------------------- policy maths


@dataclass(frozen=True)
class CostModel:
    """Per-item cost and latency of a non-escalated and of an escalated item."""

    policy: str
    cheap_per_1k: float
    expensive_per_1k: float
    cheap_latency_ms: float | None
    expensive_latency_ms: float | None

    @property
    def low_cost(self) -> float:
        return self.cheap_per_1k

    @property
    def high_cost(self) -> float:
        # A cascade has already paid for the cheap model when it escalates.
        if self.policy == "cascade":
            return self.cheap_per_1k + self.expensive_per_1k
        return self.expensive_per_1k

    @property
    def has_latency(self) -> bool:
        return self.cheap_latency_ms is not None and self.expensive_latency_ms is not None

    @property
    def low_latency(self) -> float:
        return float(self.cheap_latency_ms or 0.0)

    @property
    def high_latency(self) -> float:
        if self.policy == "cascade":
            return float((self.cheap_latency_ms or 0.0) + (self.expensive_latency_ms or 0.0))
        return float(self.expensive_latency_ms or 0.0)


def cost_per_1k(escalated: np.ndarray, n: int, low: float, high: float) -> np.ndarray:
    share = np.asarray(escalated, dtype=np.float64) / n
    return low + share * (high - low)


def curve_cost(curve: Curve, costs: CostModel) -> np.ndarray:
    return cost_per_1k(curve.escalated, curve.n, costs.low_cost, costs.high_cost)


def accuracy_ok(correct: np.ndarray, n: int, target_pct: float) -> np.ndarray:
    # A hair of tolerance so 995/1000 meets 99.5 despite 99.5 not being exact in binary.
    return 100.0 * np.asarray(correct, dtype=np.float64) / n >= target_pct - 1e-9


def cheapest(cost: np.ndarray, correct: np.ndarray, threshold: np.ndarray, ok: np.ndarray) -> int | None:
    """Index of the cheapest ok point; ties go to higher accuracy, then lower threshold."""
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return None
    c = cost[idx]
    cmin = float(c.min())
    # Costs of equal-share points are bit-identical, but a zero slope (equal model
    # costs) gives values that differ in the last ulp; treat those as ties.
    cand = idx[c <= cmin + 1e-12 * max(1.0, abs(cmin))]
    best = correct[cand].max()
    cand = cand[correct[cand] == best]
    return int(cand[np.argmin(threshold[cand])])


def lttb(x: np.ndarray, y: np.ndarray, points: int) -> np.ndarray:
    """Largest-triangle-three-buckets downsample; returns kept indices (ascending).

    One Python iteration per output bucket (at most ``points``), each vectorised
    over its bucket, so the whole pass is O(len(x)).
    """
    k = int(x.size)
    if points >= k:
        return np.arange(k)
    if points < 3:
        return np.unique(np.array([0, k - 1], dtype=np.int64))
    every = (k - 2) / (points - 2)
    # bounds[i]..bounds[i+1] is interior bucket i; each holds at least one point.
    bounds = (np.floor(np.arange(points - 1) * every) + 1).astype(np.int64)
    bounds[-1] = k - 1
    keep = np.empty(points, dtype=np.int64)
    keep[0], keep[-1] = 0, k - 1
    prev = 0
    for i in range(points - 2):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        if i + 2 < bounds.size:
            nlo, nhi = hi, int(bounds[i + 2])
        else:
            nlo, nhi = k - 1, k
        nx, ny = x[nlo:nhi].mean(), y[nlo:nhi].mean()
        px, py = x[prev], y[prev]
        area = np.abs((px - nx) * (y[lo:hi] - py) - (px - x[lo:hi]) * (ny - py))
        prev = lo + int(np.argmax(area))
        keep[i + 1] = prev
    return np.unique(keep)


def rdp(x: np.ndarray, y: np.ndarray, points: int) -> np.ndarray:
    """Ramer-Douglas-Peucker with a point budget instead of a tolerance.

    Repeatedly splits the segment whose interior point lies farthest from its
    chord, so points go where the curve bends (the knee of an accuracy-vs-cost
    curve) rather than evenly along it. At most ``points`` splits, each one
    vectorised over its segment.
    """
    import heapq

    k = int(x.size)
    if points >= k:
        return np.arange(k)

    def farthest(lo: int, hi: int) -> tuple[float, int]:
        if hi - lo < 2:
            return 0.0, lo
        dx, dy = x[hi] - x[lo], y[hi] - y[lo]
        seg_x, seg_y = x[lo + 1 : hi], y[lo + 1 : hi]
        dist = np.abs(dx * (seg_y - y[lo]) - dy * (seg_x - x[lo]))
        j = int(np.argmax(dist))
        return float(dist[j]) / max(float(np.hypot(dx, dy)), 1e-300), lo + 1 + j

    keep = {0, k - 1}
    heap: list[tuple[float, int, int, int]] = []
    d, j = farthest(0, k - 1)
    heapq.heappush(heap, (-d, 0, k - 1, j))
    while heap and len(keep) < points:
        neg_d, lo, hi, j = heapq.heappop(heap)
        if -neg_d <= 0:
            break
        keep.add(j)
        for a, b in ((lo, j), (j, hi)):
            d, m = farthest(a, b)
            if d > 0:
                heapq.heappush(heap, (-d, a, b, m))
    return np.array(sorted(keep), dtype=np.int64)


# LTTB first thins very long curves to this many points (keeping local extremes),
# so the budgeted RDP pass stays cheap however many thresholds the sweep had.
_PRETHIN_POINTS = 4096


def downsample(
    share: np.ndarray, accuracy: np.ndarray, cost: np.ndarray, must_keep: list[int], max_points: int = 200
) -> np.ndarray:
    """Indices of at most ``max_points`` curve points that keep its shape.

    Consecutive duplicates of (cost, accuracy) are dropped first; endpoints and
    ``must_keep`` (recommended, safe) always survive; the rest come from a
    budgeted RDP on (escalated share, accuracy) scaled to a unit box, after an
    LTTB pre-thinning of long curves. Share stands in for cost because cost is
    an affine function of share.
    """
    k = int(share.size)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    changed = np.ones(k, dtype=bool)
    changed[1:] = (cost[1:] != cost[:-1]) | (accuracy[1:] != accuracy[:-1])
    changed[-1] = True
    base = np.flatnonzero(changed)
    extra = sorted({int(i) for i in must_keep if 0 <= i < k} | {0, k - 1})
    if base.size + len(extra) <= max_points:
        return np.unique(np.concatenate((base, np.asarray(extra, dtype=np.int64))))
    budget = max_points - len([i for i in extra if i not in (int(base[0]), int(base[-1]))])

    def unit(v: np.ndarray) -> np.ndarray:
        span = float(v.max() - v.min())
        return (v - v.min()) / span if span > 0 else np.zeros_like(v, dtype=np.float64)

    xs, ys = unit(share[base].astype(np.float64)), unit(accuracy[base].astype(np.float64))
    thin = lttb(xs, ys, _PRETHIN_POINTS)
    chosen = base[thin[rdp(xs[thin], ys[thin], max(budget, 2))]]
    out = np.unique(np.concatenate((chosen, np.asarray(extra, dtype=np.int64))))
    return out


def finite_or_none(value: float | None) -> float | None:
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None
