"""Cascades of 2, 3 and 4 models against a plain Python loop over items.

Every policy on the grid (or every threshold of the exact two-tier sweep) is evaluated
item by item with nothing but Python arithmetic, and must equal the engine's figures;
the recommended policy and the Pareto set must be what a loop over those figures picks.
"""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from workbench.routing.cascade import CascadeData, exact_two_tier, quantile_grid
from workbench.routing.engine import _context, choose_rows, simulate_rows
from workbench.routing.policy import figure_arrays, policy_figures
from workbench.routing.select import pareto_front
from workbench.routing.spec import RoutingSpec

COSTS = [0.05, 0.4, 1.5, 6.0]
LATS = [2.0, 11.0, 30.0, 95.0]
ALL = math.inf


def random_log(rng: random.Random, k: int, kind: str, n: int, forced: bool) -> tuple[CascadeData, list[dict]]:
    """A small log with many ties, as CascadeData and as a list of per-item dicts."""
    names = tuple(f"m{i}" for i in range(k))
    items = []
    for _ in range(n):
        item: dict = {"forced": forced and rng.random() < 0.15, "loss": rng.choice([0.0, 2.5, 40.0])}
        if kind == "binary":
            item["label"] = rng.random() < 0.35
            item["score"] = [rng.choice([0.0, 0.1, 0.3, 0.45, 0.5, 0.62, 0.8, 0.95, 1.0]) for _ in range(k)]
        else:
            item["conf"] = [rng.choice([-2.0, -0.5, 0.0, 0.7, 1.3, 4.0]) for _ in range(k)]
            item["qual"] = [rng.choice([0.0, 0.25, 0.5, 1.0, 1.0]) for _ in range(k)]
        items.append(item)
    forced_arr = np.array([it["forced"] for it in items]) if forced else None
    loss = np.array([it["loss"] for it in items])
    if kind == "binary":
        data = CascadeData(
            "log", names, "binary", label=np.array([it["label"] for it in items]),
            scores=[np.array([it["score"][m] for it in items]) for m in range(k)], forced=forced_arr, loss=loss,
        )
    else:
        data = CascadeData(
            "log", names, "quality", conf=[np.array([it["conf"][m] for it in items]) for m in range(k)],
            qual=[np.array([it["qual"][m] for it in items]) for m in range(k)], forced=forced_arr, graded=True,
        )
    return data, items


def conf_of(item: dict, m: int) -> float:
    if "score" in item:
        return max(item["score"][m], 1 - item["score"][m])
    return item["conf"][m]


def brute(items: list[dict], thresholds: tuple[float, ...], k: int, money: dict) -> dict:
    """One policy, item by item: which model answers, what it costs, how long it takes."""
    n = len(items)
    quality = tp = fp = pos = 0.0
    missed = 0.0
    cost = 0.0
    latencies = []
    reached = [0] * k
    for it in items:
        if it["forced"]:
            path = [0, k - 1]
        else:
            path = [0]
            m = 0
            while m < k - 1 and conf_of(it, m) < thresholds[m]:
                m += 1
                path.append(m)
        answer = path[-1]
        for m in path:
            reached[m] += 1
        cost += sum(COSTS[m] for m in path)
        latencies.append(sum(LATS[m] for m in path))
        if "score" in it:
            pred = it["score"][answer] >= 0.5
            y = it["label"]
            pos += y
            quality += pred == y
            tp += pred and y
            fp += pred and not y
            if y and not pred:
                missed += it["loss"]
        else:
            quality += it["qual"][answer]
    latencies.sort()
    rank = math.ceil(0.95 * n)
    misses = (pos - tp) if "score" in items[0] else n - quality
    miss_usd = money.get("fn", 0.0) * misses + (missed if money.get("loss") else 0.0)
    fa_usd = money.get("fp", 0.0) * fp
    return {
        "accuracy": 100 * quality / n, "tp": tp, "fp": fp, "missed": missed, "cost": cost / n,
        "mean_latency": sum(latencies) / n, "p95": latencies[rank - 1], "reached": [r / n for r in reached],
        "recall": 100 * tp / pos if pos else None, "precision": 100 * tp / (tp + fp) if tp + fp else None,
        "total": cost / n + (miss_usd + fa_usd) * 1000 / n, "quality": quality,
    }


def plain_quantile_grid(values: list[float], size: int, top: float) -> list[float]:
    """Inverted-CDF quantiles at 0, 1/(size-1), ..., (size-2)/(size-1), then top."""
    s = sorted(values)
    n = len(s)
    out = []
    for j in range(size - 1):
        p = j / (size - 1)
        out.append(s[0] if p == 0 else s[math.ceil(p * n) - 1])
    return sorted(set(out)) + [top]


def spec_for(kind: str, objective: str = "accuracy", target: float = 60.0, **extra) -> RoutingSpec:  # type: ignore[no-untyped-def]
    return RoutingSpec(
        models=("m0", "m1", "m2", "m3"), costs_per_1k=dict(zip(("m0", "m1", "m2", "m3"), COSTS)),
        latencies_ms=dict(zip(("m0", "m1", "m2", "m3"), LATS)), target_accuracy=target, validation="none",
        objective=objective, loss_column="loss" if kind == "binary" else None, **extra,
    )


def check_close(fig, expected: dict) -> None:  # type: ignore[no-untyped-def]
    assert fig.accuracy == pytest.approx(expected["accuracy"], abs=1e-9)
    assert fig.cost_per_1k == pytest.approx(expected["cost"], abs=1e-12)
    assert fig.mean_latency_ms == pytest.approx(expected["mean_latency"], abs=1e-9)
    assert fig.p95_latency_ms == expected["p95"]
    assert fig.reached_share == pytest.approx(expected["reached"], abs=1e-12)
    if expected["recall"] is None:
        assert fig.recall is None
    else:
        assert fig.recall == pytest.approx(expected["recall"], abs=1e-9)
    if fig.precision is not None or expected["precision"] is not None:
        assert fig.precision == pytest.approx(expected["precision"], abs=1e-9)


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("kind", ["binary", "quality"])
def test_every_grid_policy_equals_a_plain_loop(k: int, kind: str) -> None:
    rng = random.Random(1000 * k + (kind == "binary"))
    for trial in range(12 if k < 4 else 6):
        n = rng.randint(1, 45)
        data, items = random_log(rng, k, kind, n, forced=trial % 2 == 0)
        grid = 5 if k < 4 else 4
        top = data.escalate_all()
        spec = spec_for(kind, grid=grid)
        spec = RoutingSpec(**{**spec.__dict__, "models": spec.models[:k]})
        ctx = _context(spec, data.names, data.kind, data.graded)
        if k == 2:
            # Two tiers are swept exactly: thresholds are every distinct non-forced confidence.
            tallies = exact_two_tier(data)
            confs = sorted({conf_of(it, 0) for it in items if not it["forced"]})
            expected_grid = [tuple(confs) + (top,)]
        else:
            tallies = choose_rows(ctx, data).tallies
            expected_grid = [
                tuple(plain_quantile_grid([conf_of(it, m) for it in items if not it["forced"]] or [0.0], grid, top))
                if any(not it["forced"] for it in items) else (top,)
                for m in range(k - 1)
            ]
        policies = list(itertools.product(*expected_grid))
        assert [tuple(row) for row in tallies.thresholds.tolist()] == policies
        arrays = figure_arrays(tallies, ctx.costs, ctx.money)
        for i, thresholds in enumerate(policies):
            expected = brute(items, thresholds, k, {"loss": kind == "binary"})
            fig = policy_figures(tallies, i, ctx.costs, ctx.money, arrays=arrays)
            check_close(fig, expected)
            assert tallies.quality[i] == pytest.approx(expected["quality"], abs=1e-9)
            if kind == "binary":
                assert fig.missed_positive_loss == pytest.approx(expected["missed"], abs=1e-9)
                assert fig.false_alarms == expected["fp"]


def test_quantile_grid_is_the_plain_definition() -> None:
    rng = np.random.default_rng(5)
    for size in (2, 3, 8, 64):
        values = rng.choice([-1.0, 0.0, 0.25, 0.5, 3.0], size=37)
        expected = plain_quantile_grid(values.tolist(), size, ALL)
        assert quantile_grid(values, size, ALL).tolist() == expected


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("objective", ["accuracy", "recall", "total_cost"])
def test_recommended_and_pareto_are_what_a_loop_picks(k: int, objective: str) -> None:
    rng = random.Random(77 + k)
    kind = "binary"
    for trial in range(8):
        n = rng.randint(8, 40)
        data, items = random_log(rng, k, kind, n, forced=trial % 3 == 0)
        spec = spec_for(kind, objective=objective, target=rng.choice([55.0, 70.0, 85.0]), grid=4,
                        target_recall=rng.choice([50.0, 80.0]), fn_cost_usd=3.0, fp_cost_usd=0.5)
        spec = RoutingSpec(**{**spec.__dict__, "models": spec.models[:k]})
        result = simulate_rows(spec, data)
        ctx = _context(spec, data.names, data.kind, data.graded)
        tallies = choose_rows(ctx, data).tallies
        money = {"fn": 3.0, "fp": 0.5, "loss": objective == "total_cost"}
        figs = [brute(items, tuple(t), k, money) for t in tallies.thresholds.tolist()]
        if objective == "accuracy":
            ok = [f["accuracy"] >= spec.target_accuracy - 1e-9 for f in figs]
            key = [f["cost"] for f in figs]
        elif objective == "recall":
            target_recall = float(spec.target_recall or 0)
            ok = [f["recall"] is not None and f["recall"] >= target_recall - 1e-9 for f in figs]
            key = [f["cost"] for f in figs]
        else:
            ok = [True] * len(figs)
            key = [f["total"] for f in figs]
        candidates = [i for i in range(len(figs)) if ok[i]]
        if not candidates:
            assert result.recommended is None and result.recommended_reason
            continue
        low = min(key[i] for i in candidates)
        tied = [i for i in candidates if key[i] <= low + 1e-12]
        best_q = max(figs[i]["quality"] for i in tied)
        pick = next(i for i in tied if figs[i]["quality"] == best_q)
        assert result.recommended is not None
        assert result.recommended.thresholds == tuple(tallies.thresholds[pick])
        check_close(result.recommended, figs[pick])
        if objective == "total_cost":
            assert result.recommended.total_cost_per_1k == pytest.approx(figs[pick]["total"], abs=1e-9)
        # Pareto: no other policy is at most as costly and strictly more accurate, or
        # cheaper and at least as accurate.
        front = set(pareto_front(np.array([f["cost"] for f in figs]), np.array([f["quality"] for f in figs])).tolist())
        for i, f in enumerate(figs):
            dominated = any(
                (g["cost"] <= f["cost"] and g["quality"] > f["quality"])
                or (g["cost"] < f["cost"] and g["quality"] >= f["quality"])
                for g in figs
            )
            duplicate_before = any(
                g["cost"] == f["cost"] and g["quality"] == f["quality"] for g in figs[:i]
            )
            assert (i in front) == (not dominated and not duplicate_before)
        assert result.pareto_size == len(front)


def test_exact_two_tier_quality_counts_by_hand() -> None:
    """Three items, confidences 0.2, 0.9, 0.2; q1 = (1, 0, 0.5), q2 = (0, 1, 1)."""
    data = CascadeData("log", ("a", "b"), "quality", conf=[np.array([0.2, 0.9, 0.2]), np.zeros(3)],
                       qual=[np.array([1.0, 0.0, 0.5]), np.array([0.0, 1.0, 1.0])], graded=True)
    t = exact_two_tier(data)
    assert t.thresholds[:, 0].tolist() == [0.2, 0.9, math.inf]
    # t = 0.2 escalates nothing: 1 + 0 + 0.5; t = 0.9 escalates both 0.2s: 0 + 0 + 1;
    # escalate all: 0 + 1 + 1.
    assert t.quality.tolist() == [1.5, 1.0, 2.0]
    assert t.answered.tolist() == [[3, 0], [1, 2], [0, 3]]
