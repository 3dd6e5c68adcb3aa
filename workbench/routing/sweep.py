"""Threshold sweeps for confidence routing, exact and binned, and the policy figures.

Both sweeps reduce to the same picture: order the non-forced items by the cheap
model's confidence; escalating everything below ``t`` moves a prefix of that
order from the cheap model's decision to the expensive model's. So every figure
at every threshold is a base value plus a prefix (cumulative) sum, and the whole
curve costs sorts plus cumulative sums: O(n log n), never one pass per threshold.

Only TP and FP need prefix sums: with N negatives, correct = TP + (N - FP).
Cost, latency, the choice and the guarantees are computed from these sums by
``cascade.from_curve`` and the modules after it (policy, select, stats).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# conf in [0.5, 1] maps exactly to an integer code (conf - 0.5) * 2**53, see exact_curve.
_CODE_SCALE: float = 2.0**53

# "Escalate everything" needs t above every confidence; confidence never exceeds 1,
# so the next double after 1 is an honest, finite, JSON-safe stand-in for +inf.
ESCALATE_ALL: float = float(np.nextafter(1.0, 2.0))
Z95: float = 1.959964


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
        correct: np.ndarray = self.tp + (self.negatives - self.fp)
        return correct

    def __len__(self) -> int:
        return int(self.threshold.size)


def confidence(cheap_score: np.ndarray) -> np.ndarray:
    """The cheap model's confidence in its own decision: max(p, 1 - p)."""
    conf: np.ndarray = np.maximum(cheap_score, 1.0 - cheap_score)
    return conf


def bin_index(conf: np.ndarray, bin_count: int) -> np.ndarray:
    """Bin of each confidence, the same arithmetic as the SQL in bins.py."""
    idx = np.floor((conf - 0.5) * (2 * bin_count))
    return np.minimum(idx, bin_count - 1).astype(np.int64)


def _step_sums(pos: np.ndarray, up: np.ndarray, down: np.ndarray, size: int) -> np.ndarray:
    """Running total over thresholds of +1/-1 changes that start at index ``pos``.

    An item whose confidence sits at threshold index p escalates at every later
    index, so its change counts from p + 1 on: two integer bincounts and one
    in-place cumsum, whatever the number of thresholds.
    """
    total = np.bincount(pos[up] + 1, minlength=size)[:size]
    total -= np.bincount(pos[down] + 1, minlength=size)[:size]
    return np.cumsum(total, out=total)


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

    Cost: one np.sort of the confidences gives the thresholds and the escalated
    counts. TP, FP and loss only move on items whose two decisions differ in
    correctness (usually a few percent), so those are placed on the threshold
    axis with searchsorted and accumulated with bincount + cumsum.
    """
    y = np.asarray(label, dtype=bool)
    n = int(y.size)
    a = (cheap_score >= decision_threshold) == y  # cheap decision correct
    b = (expensive_score >= decision_threshold) == y  # expensive decision correct
    # One bincount over the 8 (label, cheap right, expensive right) classes
    # replaces a masked count per figure.
    cls = y.view(np.uint8) << 2
    cls |= a.view(np.uint8) << 1
    cls |= b.view(np.uint8)
    per_class = np.bincount(cls, minlength=8)
    del cls
    positives = int(per_class[4:].sum())
    cheap_tp = int(per_class[6] + per_class[7])  # label 1, cheap right
    cheap_fp = int(per_class[0] + per_class[1])  # label 0, cheap wrong
    exp_tp = int(per_class[5] + per_class[7])
    exp_fp = int(per_class[0] + per_class[2])
    cheap_loss = exp_loss = None
    if loss is not None:
        cheap_loss = float(loss[y & ~a].sum())
        exp_loss = float(loss[y & ~b].sum())

    if forced is not None and forced.any():
        nf = ~forced
        n_forced = int(np.count_nonzero(forced))
        # Forced items always get the expensive decision.
        start_ok = np.where(forced, b, a)
        base_tp = int(np.count_nonzero(y & start_ok))
        base_fp = int(np.count_nonzero(~y & ~start_ok))
        base_loss = float(loss[y & ~start_ok].sum()) if loss is not None else None
        y_n, a_n, b_n = y[nf], a[nf], b[nf]
        conf = confidence(cheap_score[nf])
        loss_n = loss[nf] if loss is not None else None
    else:
        n_forced = 0
        base_tp, base_fp, base_loss = cheap_tp, cheap_fp, cheap_loss
        y_n, a_n, b_n = y, a, b
        conf = confidence(cheap_score)
        loss_n = loss
    m = int(conf.size)

    ordered = np.sort(conf)
    # "conf < t" for t = a distinct value escalates exactly the items before
    # that value's first occurrence in sorted order.
    first = np.empty(m, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    del first
    k = starts.size
    size = k + 1
    thresholds = np.empty(size, dtype=np.float64)
    np.take(ordered, starts, out=thresholds[:k])
    thresholds[k] = ESCALATE_ALL
    del ordered
    positions = np.empty(size, dtype=np.int64)
    positions[:k] = starts
    positions[k] = m
    del starts
    if n_forced:
        positions += n_forced

    changing = a_n != b_n
    sp_conf = conf[changing]
    sp_y, sp_a = y_n[changing], a_n[changing]
    sp_loss = loss_n[changing] if loss_n is not None else None
    # searchsorted is fast only with sorted queries (random ones miss cache on a
    # long threshold array), and the changing items can be half the log.
    if sp_loss is not None:
        order = np.argsort(sp_conf)
        sp_conf, sp_y, sp_a, sp_loss = sp_conf[order], sp_y[order], sp_a[order], sp_loss[order]
        del order
    else:
        # Without a loss column two class bits ride along in a packed uint64 sort
        # key, which np.sort handles ~5x faster than argsort plus gathers.
        # conf - 0.5 is exact (Sterbenz) and a multiple of 2**-53, so the code is
        # an exact, order-preserving 53-bit image of conf.
        key = ((sp_conf - 0.5) * _CODE_SCALE).astype(np.uint64) << np.uint64(2)
        key |= (sp_y.astype(np.uint64) << np.uint64(1)) | sp_a.astype(np.uint64)
        key.sort()
        sp_y = (key & np.uint64(2)).astype(bool)
        sp_a = (key & np.uint64(1)).astype(bool)
        sp_conf = 0.5 + (key >> np.uint64(2)).astype(np.float64) / _CODE_SCALE
        del key
    sp_pos = np.searchsorted(thresholds[:k], sp_conf, side="left")
    del sp_conf
    # Escalating flips correctness: a right cheap answer turns wrong (sp_a) or a wrong one right.
    tp = base_tp + _step_sums(sp_pos, sp_y & ~sp_a, sp_y & sp_a, size)
    fp = base_fp + _step_sums(sp_pos, ~sp_y & sp_a, ~sp_y & ~sp_a, size)
    missed = None
    if sp_loss is not None:
        # Missed loss rises when a caught positive escalates to a wrong ensemble answer.
        assert sp_loss is not None
        delta = np.where(sp_y, np.where(sp_a, sp_loss, -sp_loss), 0.0)
        steps = np.bincount(sp_pos + 1, weights=delta, minlength=size)[:size]
        missed = float(base_loss or 0.0) + np.cumsum(steps, out=steps)

    return Curve(
        n=n,
        positives=positives,
        forced=n_forced,
        threshold=thresholds,
        escalated=positions,
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
        loss_change = np.where(a == b, 0.0, np.where(a == 1, loss, -loss))
        d_loss = np.bincount(idx, weights=loss_change[nf] * (y[nf] == 1), minlength=B)
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


def wilson_lower(correct: np.ndarray | float, n: int, z: float = Z95) -> np.ndarray:
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


# ------------------------------------------------------------------ the curve


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


def minmax_thin(y: np.ndarray, buckets: int) -> np.ndarray:
    """Indices of each equal-width bucket's lowest and highest y, plus both ends.

    Vectorised in one pass (pad, reshape, argmin/argmax): it keeps every local
    extreme a plot could show, so RDP on the result sees the curve's shape.
    """
    k = int(y.size)
    if k <= 2 * buckets:
        return np.arange(k)
    width = -(-k // buckets)
    padded = np.empty(width * buckets, dtype=y.dtype)
    padded[:k] = y
    padded[k:] = y[-1]
    grid = padded.reshape(buckets, width)
    offsets = np.arange(buckets, dtype=np.int64) * width
    idx = np.concatenate(([0, k - 1], offsets + grid.argmin(axis=1), offsets + grid.argmax(axis=1)))
    return np.unique(np.minimum(idx, k - 1))


# Long curves are first thinned to this many buckets' extremes, so the budgeted
# RDP pass stays cheap however many thresholds the sweep had.
_THIN_BUCKETS = 2048


def downsample(x: np.ndarray, y: np.ndarray, must_keep: list[int],
               max_points: int = 200) -> np.ndarray:
    """Indices of at most ``max_points`` curve points that keep its shape.

    ``x`` and ``y`` may be any affine images of cost and accuracy (escalated
    count and correct count work and avoid float passes over long curves).
    Consecutive duplicate points are dropped first; both ends and ``must_keep``
    (recommended, safe) always survive; the rest come from min-max thinning and
    then a budgeted RDP on the curve scaled to a unit box.
    """
    k = int(x.size)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    changed = np.ones(k, dtype=bool)
    changed[1:] = (x[1:] != x[:-1]) | (y[1:] != y[:-1])
    changed[-1] = True
    base = np.flatnonzero(changed) if not changed.all() else np.arange(k)
    extra = sorted({int(i) for i in must_keep if 0 <= i < k} | {0, k - 1})
    if base.size + len(extra) <= max_points:
        return np.unique(np.concatenate((base, np.asarray(extra, dtype=np.int64))))
    budget = max_points - len([i for i in extra if i not in (int(base[0]), int(base[-1]))])
    yb = y[base] if base.size != k else y
    thin = base[minmax_thin(yb, _THIN_BUCKETS)]

    def unit(v: np.ndarray) -> np.ndarray:
        v = v.astype(np.float64)
        span = float(v.max() - v.min())
        return (v - v.min()) / span if span > 0 else np.zeros_like(v)

    chosen = thin[rdp(unit(x[thin]), unit(y[thin]), max(budget, 2))]
    return np.unique(np.concatenate((chosen, np.asarray(extra, dtype=np.int64))))
