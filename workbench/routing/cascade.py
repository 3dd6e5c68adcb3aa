"""Cascades of 2 to 4 models: the data, and every policy's sums in a few vectorised passes.

A cascade runs tier 1 on every item; an item whose tier-m confidence is below that
tier's threshold t_m escalates to tier m + 1; the last tier answers whatever reaches
it. Items matched by a forced rule run tier 1 and then go straight to the last tier.

Every figure of a policy (accuracy, recall, cost, latency, loss) is a function of a
few sums over items: how many each tier answers, the quality of those answers, and
for binary logs the true and false positives and the missed loss. ``Tallies`` holds
those sums for many policies at once, one row per policy:

* two tiers, exact: every distinct confidence is a threshold; one sort and prefix sums
  (``exact_two_tier``; binary logs use the tuned ``sweep.exact_curve``);
* three or four tiers: a quantile grid per tier; each item falls in one cell of the
  grid, so per-cell sums (``np.bincount``) followed by prefix sums along each axis give
  every policy of the grid exactly (``grid_tallies``), O(n + cells) whatever the grid;
* one fixed policy on any rows (held-out, next month's log): ``evaluate``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from workbench.routing.sweep import ESCALATE_ALL, Curve, confidence


@dataclass
class CascadeData:
    """A replay log reduced to what routing needs, one entry per item.

    ``kind`` "binary": a label and each model's probability of the positive class;
    confidence is max(p, 1 - p), a model is right when (p >= decision threshold) ==
    label. ``kind`` "quality": each model's per-item quality in [0, 1] (0/1 correct, or
    a graded score) and its router confidence (any number, higher = surer).
    """

    source: str
    names: tuple[str, ...]
    kind: str  # "binary" | "quality"
    label: np.ndarray | None = None  # bool, binary logs
    scores: list[np.ndarray] | None = None  # float64 in [0, 1], binary logs
    decision_threshold: float = 0.5
    conf: list[np.ndarray] | None = None  # float64, quality logs
    qual: list[np.ndarray] | None = None  # float64 in [0, 1], quality logs
    forced: np.ndarray | None = None  # bool
    loss: np.ndarray | None = None  # float64, summed over false negatives
    graded: bool = False  # some quality strictly between 0 and 1
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def tiers(self) -> int:
        return len(self.names)

    @property
    def rows(self) -> int:
        if self.label is not None:
            return int(self.label.size)
        assert self.qual is not None
        return int(self.qual[0].size)

    @property
    def positives(self) -> int | None:
        return int(np.count_nonzero(self.label)) if self.label is not None else None

    def confidence(self, m: int) -> np.ndarray:
        if self.kind == "binary":
            assert self.scores is not None
            return confidence(self.scores[m])
        assert self.conf is not None
        return self.conf[m]

    def predicted(self, m: int) -> np.ndarray:
        assert self.scores is not None
        return self.scores[m] >= self.decision_threshold

    def correct(self, m: int) -> np.ndarray:
        """Per-item quality of tier m (bool for binary logs, float in [0, 1] otherwise)."""
        if self.kind == "binary":
            assert self.label is not None
            right: np.ndarray = self.predicted(m) == self.label
        return right
        assert self.qual is not None
        return self.qual[m]

    def take(self, idx: np.ndarray) -> CascadeData:
        """The items at ``idx`` (a calibration or test split)."""

        def sub(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[idx]

        return replace(
            self,
            label=sub(self.label),
            scores=None if self.scores is None else [s[idx] for s in self.scores],
            conf=None if self.conf is None else [c[idx] for c in self.conf],
            qual=None if self.qual is None else [q[idx] for q in self.qual],
            forced=sub(self.forced),
            loss=sub(self.loss),
        )

    def escalate_all(self) -> float:
        """A threshold above every possible confidence: "escalate everything"."""
        return ESCALATE_ALL if self.kind == "binary" else math.inf


@dataclass
class Tallies:
    """Sums over the items of one log for P policies (row i of each array = policy i).

    ``answered[i, m]``: non-forced items answered by tier m; forced items (a constant
    count) run tier 1 and the last tier. ``quality``: the sum of per-item quality (the
    number of correct answers for binary logs). ``tp``/``fp``/``missed_loss`` exist for
    binary logs (``missed_loss`` only with a loss column).
    """

    n: int
    forced: int
    positives: int | None
    thresholds: np.ndarray  # (P, k - 1) float64
    answered: np.ndarray  # (P, k) int64
    quality: np.ndarray  # (P,) float64 (integers for binary logs)
    tp: np.ndarray | None = None  # (P,) int64
    fp: np.ndarray | None = None  # (P,) int64
    missed_loss: np.ndarray | None = None  # (P,) float64

    def __len__(self) -> int:
        return int(self.quality.size)

    @property
    def tiers(self) -> int:
        return int(self.answered.shape[1])

    def pick(self, idx: np.ndarray | list[int] | int) -> Tallies:
        """The policies at ``idx``, as a smaller Tallies."""
        i = np.atleast_1d(np.asarray(idx, dtype=np.int64))

        def sub(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[i]

        return Tallies(
            n=self.n, forced=self.forced, positives=self.positives,
            thresholds=self.thresholds[i], answered=self.answered[i], quality=self.quality[i],
            tp=sub(self.tp), fp=sub(self.fp), missed_loss=sub(self.missed_loss),
        )

    def __add__(self, other: Tallies) -> Tallies:
        """Sums over two disjoint sets of items (k-fold pooling); thresholds are kept
        from the left operand, since pooled policies may differ per fold."""

        def add(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
            return None if a is None or b is None else a + b

        positives = (
            None if self.positives is None or other.positives is None
            else self.positives + other.positives
        )
        return Tallies(
            n=self.n + other.n, forced=self.forced + other.forced, positives=positives,
            thresholds=self.thresholds, answered=self.answered + other.answered,
            quality=self.quality + other.quality,
            tp=add(self.tp, other.tp), fp=add(self.fp, other.fp),
            missed_loss=add(self.missed_loss, other.missed_loss),
        )


# ------------------------------------------------------------------ two tiers


def from_curve(curve: Curve) -> Tallies:
    """The binary two-tier sweep (exact or binned) as Tallies."""
    answered = np.empty((len(curve), 2), dtype=np.int64)
    np.subtract(curve.n, curve.escalated, out=answered[:, 0])
    np.subtract(curve.escalated, curve.forced, out=answered[:, 1])
    return Tallies(
        n=curve.n, forced=curve.forced, positives=curve.positives,
        thresholds=curve.threshold.reshape(-1, 1), answered=answered,
        quality=curve.correct.astype(np.float64), tp=curve.tp.astype(np.int64, copy=False),
        fp=curve.fp.astype(np.int64, copy=False),
        missed_loss=curve.missed_loss,
    )


def exact_two_tier(data: CascadeData) -> Tallies:
    """Every distinct tier-1 confidence as a threshold (plus "escalate all"), exactly.

    Binary logs use the tuned sweep in ``sweep.exact_curve``. Quality logs: sort the
    non-forced items by confidence once; escalating below the j-th distinct value moves
    a prefix of that order from tier 1's answer to tier 2's, so quality at every
    threshold is a base plus a prefix sum of (q2 - q1).
    """
    from workbench.routing.sweep import exact_curve

    if data.tiers != 2:
        raise ValueError("exact_two_tier needs exactly two tiers")
    if data.kind == "binary":
        assert data.label is not None and data.scores is not None
        return from_curve(
            exact_curve(data.label, data.scores[0], data.scores[1], data.decision_threshold,
                        data.forced, data.loss)
        )
    assert data.qual is not None and data.conf is not None
    q1, q2 = data.qual
    conf = data.conf[0]
    n = int(q1.size)
    forced = data.forced if data.forced is not None and data.forced.any() else None
    if forced is not None:
        nf = ~forced
        n_forced = int(np.count_nonzero(forced))
        base = float(q1[nf].sum() + q2[forced].sum())
        conf, d = conf[nf], q2[nf] - q1[nf]
    else:
        n_forced = 0
        base = float(q1.sum())
        d = q2 - q1
    m = int(conf.size)
    order = np.argsort(conf, kind="stable")
    ordered = conf[order]
    first = np.empty(m, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    thresholds = np.append(ordered[starts], math.inf)
    positions = np.append(starts, m).astype(np.int64)
    cum = np.concatenate(([0.0], np.cumsum(d[order])))
    quality = base + cum[positions]
    answered = np.stack((m - positions, positions), axis=1)
    return Tallies(
        n=n, forced=n_forced, positives=None, thresholds=thresholds.reshape(-1, 1),
        answered=answered.astype(np.int64), quality=quality,
    )


# ---------------------------------------------------------------- N-tier grid


def quantile_grid(conf: np.ndarray, size: int, top: float) -> np.ndarray:
    """At most ``size`` thresholds for one tier: the confidence quantiles at
    0, 1/(size-1), ..., (size-2)/(size-1) (observed values, so "escalate when
    confidence < t" escalates about that share), then ``top`` (escalate all).
    The smallest, the minimum, escalates nothing. Repeated values are merged."""
    if conf.size == 0:
        return np.array([top])
    probs = np.arange(size - 1) / (size - 1)
    values = np.quantile(conf, probs, method="inverted_cdf")
    return np.append(np.unique(values), top)


def cell_of(conf: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Cell b of each item: the number of grid thresholds <= its confidence, 0..len(grid).

    The item escalates under threshold index i exactly when b <= i (conf < grid[i]).
    """
    return np.searchsorted(grid, conf, side="right").astype(np.int64)


@dataclass
class Units:
    """Items (or pre-aggregated groups of items) as the grid sees them.

    ``cells[m]``: cell index of each unit on tier m's grid (tiers 0..k-2). ``count``:
    items per unit (None = one each). Per tier m (0..k-1), each a sum over the unit's
    items (a bool array when units are single items): ``quality[m]``; binary logs:
    ``tp[m]``, ``fp[m]`` (as if tier m answered) and ``missed[m]`` (loss of its false
    negatives). Forced items are not units; their sums are ``forced_*``.
    """

    cells: list[np.ndarray]
    count: np.ndarray | None
    quality: list[np.ndarray]
    tp: list[np.ndarray] | None = None
    fp: list[np.ndarray] | None = None
    missed: list[np.ndarray] | None = None
    n: int = 0
    forced: int = 0
    positives: int | None = None
    forced_quality: float = 0.0
    forced_tp: int = 0
    forced_fp: int = 0
    forced_missed: float = 0.0


def units_from_rows(data: CascadeData, grids: list[np.ndarray]) -> Units:
    """Each non-forced item of a row-level log placed on the tier grids."""
    k = data.tiers
    forced = data.forced if data.forced is not None and data.forced.any() else None
    keep = ~forced if forced is not None else None

    def nf(a: np.ndarray) -> np.ndarray:
        return a[keep] if keep is not None else a

    cells = [cell_of(nf(data.confidence(m)), grids[m]) for m in range(k - 1)]
    units = Units(cells=cells, count=None, quality=[], n=data.rows,
                  forced=int(np.count_nonzero(forced)) if forced is not None else 0,
                  positives=data.positives)
    last = k - 1
    if data.kind == "binary":
        assert data.label is not None
        y = data.label
        units.tp, units.fp = [], []
        units.missed = [] if data.loss is not None else None
        for m in range(k):
            pred = data.predicted(m)
            units.tp.append(nf(y & pred))
            units.fp.append(nf(~y & pred))
            if units.missed is not None:
                assert data.loss is not None
                units.missed.append(nf(np.where(y & ~pred, data.loss, 0.0)))
        if forced is not None:
            pred = data.predicted(last)
            units.forced_tp = int(np.count_nonzero(forced & y & pred))
            units.forced_fp = int(np.count_nonzero(forced & ~y & pred))
            if data.loss is not None:
                units.forced_missed = float(data.loss[forced & y & ~pred].sum())
    else:
        assert data.qual is not None
        units.quality = [nf(q) for q in data.qual]
        if forced is not None:
            units.forced_quality = float(data.qual[last][forced].sum())
    return units


def _hist(idx: np.ndarray, weight: np.ndarray | None, size: int, integer: bool) -> np.ndarray:
    """Sum of ``weight`` per cell (None: one per unit); exact integers for counts and flags."""
    if weight is None:
        return np.bincount(idx, minlength=size).astype(np.int64)
    if weight.dtype == bool:
        return np.bincount(idx[weight], minlength=size).astype(np.int64)
    out = np.bincount(idx, weights=weight, minlength=size)
    return np.rint(out).astype(np.int64) if integer else out


def grid_tallies(units: Units, grids: list[np.ndarray]) -> Tallies:
    """Every policy of the grid (one threshold index per tier but the last), exactly.

    Items answered by tier m < k-1 under policy (i_0, ..., i_{k-2}) are those with
    cells b_0 <= i_0, ..., b_{m-1} <= i_{m-1} and b_m > i_m; the last tier answers
    b_j <= i_j for every j. So a sum over "answered by tier m" is a histogram over
    (b_0, ..., b_m) turned into prefix sums along the first m axes and a suffix sum
    along axis m. Policies are listed in C order of (i_0, ..., i_{k-2}).
    """
    k = len(units.quality) if units.quality else (len(units.tp) if units.tp else 0)
    sizes = [int(g.size) for g in grids]
    policy_shape = tuple(sizes)
    binary = units.tp is not None

    def transform(hist: np.ndarray, m: int, last: bool) -> np.ndarray:
        """Histogram over (b_0..b_m) -> sums per policy prefix (i_0..i_m), broadcast."""
        out = hist
        prefix_axes = range(m + 1) if last else range(m)
        for axis in prefix_axes:
            out = np.cumsum(out, axis=axis)
        if not last:
            total = out.sum(axis=m, keepdims=True)
            out = total - np.cumsum(out, axis=m)
        # Cells run 0..G, thresholds 0..G-1: drop the last cell position on each axis.
        out = out[tuple(slice(0, sizes[j]) for j in range(m + 1))]
        return out.reshape(out.shape + (1,) * (len(sizes) - m - 1))

    idx = np.zeros(units.cells[0].size if units.cells else 0, dtype=np.int64)
    shape: list[int] = []
    answered = np.zeros((*policy_shape, k), dtype=np.int64)
    quality = np.zeros(policy_shape, dtype=np.float64)
    tp = np.zeros(policy_shape, dtype=np.int64) if binary else None
    fp = np.zeros(policy_shape, dtype=np.int64) if binary else None
    missed = np.zeros(policy_shape, dtype=np.float64) if units.missed is not None else None
    for m in range(k):
        last = m == k - 1
        if not last:
            idx = idx * (sizes[m] + 1) + units.cells[m]
            shape.append(sizes[m] + 1)
        cells = int(np.prod(shape))
        depth = len(shape) - 1

        def per_policy(weight: np.ndarray | None, integer: bool) -> np.ndarray:
            # Called only within this iteration, so the loop's current values are meant.
            hist = _hist(idx, weight, cells, integer).reshape(shape)  # noqa: B023
            return transform(hist, depth, last)  # noqa: B023

        answered[..., m] = np.broadcast_to(per_policy(units.count, True), policy_shape)
        if binary:
            assert tp is not None and fp is not None
            assert units.tp is not None and units.fp is not None
            tp += per_policy(units.tp[m], True)
            fp += per_policy(units.fp[m], True)
            if missed is not None:
                assert units.missed is not None
                missed += per_policy(units.missed[m], False)
        else:
            quality += per_policy(units.quality[m], False)
    positives = units.positives
    if binary:
        assert tp is not None and fp is not None and positives is not None
        tp += units.forced_tp
        fp += units.forced_fp
        quality = (tp + (units.n - positives - fp)).astype(np.float64)
        if missed is not None:
            missed += units.forced_missed
    else:
        quality += units.forced_quality
    mesh = np.meshgrid(*grids, indexing="ij")
    thresholds = np.stack([g.reshape(-1) for g in mesh], axis=1)
    return Tallies(
        n=units.n, forced=units.forced, positives=positives, thresholds=thresholds,
        answered=answered.reshape(-1, k), quality=quality.reshape(-1),
        tp=None if tp is None else tp.reshape(-1), fp=None if fp is None else fp.reshape(-1),
        missed_loss=None if missed is None else missed.reshape(-1),
    )


# ------------------------------------------------------------ fixed policies


def answering_tier(data: CascadeData, thresholds: np.ndarray | Sequence[float]) -> np.ndarray:
    """Tier (0-based) whose answer each item gets under one policy."""
    t = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    k = data.tiers
    tier = np.full(data.rows, k - 1, dtype=np.int8)
    undecided = np.ones(data.rows, dtype=bool)
    for m in range(k - 1):
        escalate = data.confidence(m) < t[m]
        stop = undecided & ~escalate
        tier[stop] = m
        undecided &= escalate
    if data.forced is not None:
        tier[data.forced] = k - 1
    return tier


def evaluate(data: CascadeData, thresholds: np.ndarray | Sequence[float]) -> Tallies:
    """The sums of one fixed policy on every item of ``data`` (a one-row Tallies)."""
    k = data.tiers
    tier = answering_tier(data, thresholds)
    forced = data.forced if data.forced is not None else np.zeros(data.rows, dtype=bool)
    answered = np.bincount(tier[~forced], minlength=k).astype(np.int64)
    t = np.asarray(thresholds, dtype=np.float64).reshape(1, -1)
    if data.kind == "binary":
        assert data.label is not None
        y = data.label
        pred = np.zeros(data.rows, dtype=bool)
        for m in range(k):
            here = tier == m
            pred[here] = data.predicted(m)[here]
        tp = int(np.count_nonzero(y & pred))
        fp = int(np.count_nonzero(~y & pred))
        negatives = data.rows - int(np.count_nonzero(y))
        missed = None
        if data.loss is not None:
            missed = np.array([float(data.loss[y & ~pred].sum())])
        return Tallies(
            n=data.rows, forced=int(np.count_nonzero(forced)), positives=data.positives,
            thresholds=t,
            answered=answered.reshape(1, -1), quality=np.array([float(tp + negatives - fp)]),
            tp=np.array([tp]), fp=np.array([fp]), missed_loss=missed,
        )
    assert data.qual is not None
    quality = 0.0
    for m in range(k):
        quality += float(data.qual[m][tier == m].sum())
    return Tallies(
        n=data.rows, forced=int(np.count_nonzero(forced)), positives=None, thresholds=t,
        answered=answered.reshape(1, -1), quality=np.array([quality]),
    )


def single_model(data: CascadeData, m: int) -> Tallies:
    """Tier m alone on every item (forced rules ignored): a baseline."""
    k = data.tiers
    answered = np.zeros((1, k), dtype=np.int64)
    answered[0, m] = data.rows
    t = np.full((1, k - 1), math.nan)
    if data.kind == "binary":
        assert data.label is not None
        y = data.label
        pred = data.predicted(m)
        tp = int(np.count_nonzero(y & pred))
        fp = int(np.count_nonzero(~y & pred))
        negatives = data.rows - int(np.count_nonzero(y))
        missed = None if data.loss is None else np.array([float(data.loss[y & ~pred].sum())])
        return Tallies(
            n=data.rows, forced=0, positives=data.positives, thresholds=t, answered=answered,
            quality=np.array([float(tp + negatives - fp)]), tp=np.array([tp]), fp=np.array([fp]),
            missed_loss=missed,
        )
    assert data.qual is not None
    return Tallies(n=data.rows, forced=0, positives=None, thresholds=t, answered=answered,
                   quality=np.array([float(data.qual[m].sum())]))
