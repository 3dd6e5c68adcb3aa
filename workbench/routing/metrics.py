"""RouteLLM's router metrics for a two-tier curve, for comparison with published routers.

Definitions follow RouteLLM's evaluation code (lm-sys/RouteLLM,
routellm/evals/evaluate.py): a router's curve is quality against the percentage of
calls sent to the strong model, over its thresholds, sorted by that percentage.

* APGR, average performance gap recovered: AUC is the trapezoid area under the curve
  over the strong-call fraction; weak_auc and strong_auc are the areas of the constant
  weak and strong qualities over the same span; APGR = (AUC - weak_auc) / (strong_auc -
  weak_auc). Over the full span [0, 1] that is the mean of (quality - weak) / (strong -
  weak).
* CPT(p), call-performance threshold: the percentage of strong calls at which the curve
  reaches weak + p (strong - weak). RouteLLM computes it with np.interp(level, quality,
  strong_pct), which assumes quality rises along the curve; we take the first crossing of
  the piecewise-linear curve, which is the same number when it does and still defined
  when a noisy curve dips.
"""

from __future__ import annotations

import numpy as np

from workbench.routing.result import RouteLLMMetrics


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0)) if x.size > 1 else 0.0


def call_performance_threshold(strong_pct: np.ndarray, quality: np.ndarray,
                               level: float) -> float | None:
    """Smallest strong-call percentage where the linear interpolation of the curve
    reaches ``level``; None if it never does."""
    hit = np.flatnonzero(quality >= level)
    if hit.size == 0:
        return None
    i = int(hit[0])
    if i == 0:
        return float(strong_pct[0])
    x0, x1 = float(strong_pct[i - 1]), float(strong_pct[i])
    y0, y1 = float(quality[i - 1]), float(quality[i])
    return x0 + (level - y0) * (x1 - x0) / (y1 - y0)


def routellm_from_counts(
    escalated: np.ndarray, quality: np.ndarray, n: int, weak: float, strong: float
) -> RouteLLMMetrics:
    """The same metrics straight from a sweep's sums, in the sweep's order (escalated
    counts ascending, as every two-tier sweep lists them): no sort, and the trapezoids
    sum integer steps so a ten-million-point curve costs a few vector passes."""
    gap = strong - weak
    apgr = cpt50 = cpt80 = None
    e = np.asarray(escalated)
    q = np.asarray(quality, dtype=np.float64)
    if gap > 0 and e.size > 1 and e[-1] > e[0]:
        span = float(e[-1] - e[0]) / n
        # AUC over the strong-call fraction, in percent:
        # sum of (de / n) (q_i + q_i+1) / 2 x 100 / n.
        auc = float(np.dot(np.diff(e).astype(np.float64), q[1:] + q[:-1])) * 50.0 / (n * n)
        apgr = (auc - weak * span) / (gap * span)
        for p in (0.5, 0.8):
            level = (weak + p * gap) * n / 100.0  # in quality-sum units
            hit = q >= level - 1e-9 * n
            i = int(np.argmax(hit))
            value: float | None
            if not hit[i]:
                value = None
            elif i == 0:
                value = 100.0 * float(e[0]) / n
            else:
                x0, x1 = float(e[i - 1]), float(e[i])
                value = 100.0 * (x0 + (level - q[i - 1]) * (x1 - x0) / (q[i] - q[i - 1])) / n
            if p == 0.5:
                cpt50 = value
            else:
                cpt80 = value
    return RouteLLMMetrics(
        apgr=apgr, cpt50=cpt50, cpt80=cpt80, weak_quality=weak, strong_quality=strong, rows=n,
        points=int(e.size),
    )


def routellm_metrics(
    strong_share: np.ndarray, quality_pct: np.ndarray, weak: float, strong: float, rows: int
) -> RouteLLMMetrics:
    """APGR and CPT(50%), CPT(80%) of a curve (strong_share a fraction 0-1, quality and
    the two single-model qualities in percent)."""
    order = np.argsort(strong_share, kind="stable")
    x = np.asarray(strong_share, dtype=np.float64)[order]
    y = np.asarray(quality_pct, dtype=np.float64)[order]
    gap = strong - weak
    apgr = cpt50 = cpt80 = None
    if gap > 0 and x.size > 1 and x[-1] > x[0]:
        span = float(x[-1] - x[0])
        auc = _trapezoid(y, x)
        apgr = (auc - weak * span) / (gap * span)
        pct = 100.0 * x
        cpt50 = call_performance_threshold(pct, y, weak + 0.5 * gap)
        cpt80 = call_performance_threshold(pct, y, weak + 0.8 * gap)
    return RouteLLMMetrics(
        apgr=apgr, cpt50=cpt50, cpt80=cpt80, weak_quality=weak, strong_quality=strong, rows=rows,
        points=int(x.size),
    )
