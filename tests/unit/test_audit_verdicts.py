"""Against the decision and the criteria: verdicts that flip where the decision says
they should, the re-analysis at production's figures, and [monitoring] in a session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.audit_support import session, write_log
from workbench.audit import AuditOptions, audit, decision_baseline, parse_period
from workbench.evaluation import evaluate
from workbench.model import Monitoring
from workbench.session import session_from_toml, session_to_toml

# The pick "edge" costs $0.10 per 1k: a $15,000/month budget over 30 days breaks at
# 15,000 / 30 / 0.0001 = 5,000,000 requests/day.
BREAK = 5_000_000


def _log(tmp_path: Path, per_day: float, *, days: int = 3, cost_per_1k: float = 0.1,
         latency: float = 20.0, model: str = "edge", extra: dict[str, object] | None = None,
         name: str = "log.parquet") -> Path:
    """`days` days with 10 rows a day carrying per_day requests in all."""
    rows = []
    for d in range(days):
        for _ in range(10):
            batch = per_day / 10
            rows.append({"timestamp": f"2027-01-0{d + 1} 10:00:00", "model": model,
                         "batch_size": batch, "cost_usd": batch * cost_per_1k / 1000,
                         "latency_ms": latency, **(extra or {})})
    return write_log(rows, tmp_path / name)


def _check(result: object, key: str) -> object:
    return next(a for a in result.assumptions if a.key == key)  # type: ignore[attr-defined]


def test_the_break_point_is_the_budget_over_the_cost() -> None:
    base = decision_baseline(evaluate(session(), robust=False))
    assert base.deployed == "edge" and base.cost_per_1k == 0.1
    assert base.break_volume_per_day == pytest.approx(BREAK)


@pytest.mark.parametrize(("per_day", "verdict", "status"), [
    (BREAK * 0.98, "watch", "pass"),  # above the assumed 1,000/day, below the break point
    (BREAK * 1.02, "breaks", "fail"),
])
def test_the_volume_verdict_flips_at_the_break_point(tmp_path: Path, per_day: float,
                                                     verdict: str, status: str) -> None:
    result = audit(session(), _log(tmp_path, per_day))
    volume = _check(result, "volume_per_day")
    assert volume.observed == pytest.approx(per_day)  # type: ignore[attr-defined]
    assert volume.limit == pytest.approx(BREAK)  # type: ignore[attr-defined]
    assert volume.verdict == verdict  # type: ignore[attr-defined]
    criterion = next(r for r in result.criteria if r.criterion.key == "max_volume")
    assert criterion.status == status
    # The run rate crosses the budget at the same point ($0.10 per 1k, no fixed costs).
    money = _check(result, "monthly_cost")
    assert money.observed == pytest.approx(per_day * 30 * 0.1 / 1000)  # type: ignore[attr-defined]
    assert money.verdict == ("breaks" if status == "fail" else "watch")  # type: ignore[attr-defined]
    assert result.demote is (status == "fail")


def test_p95_latency_against_the_limit(tmp_path: Path) -> None:
    result = audit(session(), _log(tmp_path, 1000, latency=250.0))
    p95 = _check(result, "p95_latency_ms")
    # The requests-weighted p95 of a constant 250 ms, read from its 0.5% bin.
    assert p95.observed == pytest.approx(250.0, rel=0.005)  # type: ignore[attr-defined]
    assert p95.verdict == "breaks"  # type: ignore[attr-defined]
    assert next(r for r in result.criteria if r.criterion.key == "p95_latency").status == "fail"
    # The re-analysis at production's latency: edge (250 ms) breaks the 200 ms limit,
    # mid (100 ms, $5 per 1k) is the only candidate left.
    assert result.refit is not None
    assert not result.refit.holds and result.refit.pick == "mid"
    assert "latency" in result.refit.reason


def test_a_monitoring_limit_wins_over_the_constraint(tmp_path: Path) -> None:
    s = session(monitoring=Monitoring(max_p95_latency_ms=15.0, max_cost_per_1k_drift_pct=20.0))
    result = audit(s, _log(tmp_path, 1000, latency=20.0, cost_per_1k=0.125))
    statuses = {r.criterion.key: (r.status, r.criterion.source) for r in result.criteria}
    assert statuses["p95_latency"] == ("fail", "[monitoring] max_p95_latency_ms")
    # $0.125 is 25% above the decision's $0.10: over the 20% drift limit of $0.12.
    assert statuses["cost_per_1k"] == ("fail", "[monitoring] max_cost_per_1k_drift_pct")
    cost = _check(result, "cost_per_1k")
    assert cost.limit == pytest.approx(0.12) and cost.verdict == "breaks"  # type: ignore[attr-defined]


def test_accuracy_needs_labels_and_fails_only_when_surely_below(tmp_path: Path) -> None:
    s = session(min_accuracy=89.0, monitoring=Monitoring(min_labels=1000.0))
    # 3 days x 10 rows x 100 requests, each row 80% right: 3,000 labels at 80.00%,
    # Wilson interval about 78.5%-81.4%, wholly below 89%.
    result = audit(s, _log(tmp_path, 1000, extra={"correct": 0.8}))
    acc = _check(result, "accuracy")
    assert acc.observed == pytest.approx(80.0)  # type: ignore[attr-defined]
    assert acc.verdict == "breaks"  # type: ignore[attr-defined]
    assert next(r for r in result.criteria if r.criterion.key == "accuracy").status == "fail"
    # With fewer labels than min_labels the accuracy is not judged.
    few = audit(session(min_accuracy=89.0, monitoring=Monitoring(min_labels=5000.0)),
                _log(tmp_path, 1000, extra={"correct": 0.8}, name="few.parquet"))
    assert _check(few, "accuracy").verdict == "n/a"  # type: ignore[attr-defined]
    assert next(r for r in few.criteria if r.criterion.key == "accuracy").status == "n/a"


def test_promotion_when_the_deployed_model_got_dear(tmp_path: Path) -> None:
    # The decision chose mid ($5 per 1k); production shows it at $20 per 1k while edge,
    # unseen, still costs $0.10: at 1,000 requests/day the re-analysis scores edge
    # 0.556 against mid's 0.463 and edge saves (600 - 3) / 600 = 99.5% a month.
    s = session(chosen="mid", monitoring=Monitoring(promote_min_saving_pct=50.0,
                                                    promote_max_accuracy_loss_pp=10.0))
    result = audit(s, _log(tmp_path, 1000, model="mid", cost_per_1k=20.0, latency=100.0))
    assert result.refit is not None and result.refit.pick == "edge"
    assert result.refit.deployed_monthly_usd == pytest.approx(600.0)
    assert result.refit.saving_pct == pytest.approx(99.5)
    promotion = next(r for r in result.criteria if r.criterion.key == "promotion")
    assert promotion.status == "pass" and result.promote == "edge"
    # Losing 5 points is too many when only 1 is allowed.
    strict = session(chosen="mid", monitoring=Monitoring(promote_min_saving_pct=50.0,
                                                         promote_max_accuracy_loss_pp=1.0))
    assert audit(strict, _log(tmp_path, 1000, model="mid", cost_per_1k=20.0, latency=100.0,
                              name="b.parquet")).promote is None


def test_escalation_share_against_the_plan(tmp_path: Path) -> None:
    s = session(monitoring=Monitoring(max_escalation_share=0.2))
    result = audit(s, _log(tmp_path, 1000, extra={"escalated": 0.25}))
    esc = _check(result, "escalation_share")
    assert esc.observed == pytest.approx(0.25) and esc.verdict == "breaks"  # type: ignore[attr-defined]
    assert next(r for r in result.criteria if r.criterion.key == "escalation").status == "fail"


def test_monitoring_round_trips_in_the_session_file() -> None:
    s = session(monitoring=Monitoring(max_p95_latency_ms=150.0, promote_min_saving_pct=20.0,
                                      lookback_days=14.0))
    text = session_to_toml(s)
    assert "[monitoring]" in text and "max_p95_latency_ms = 150" in text
    assert "anomaly_threshold" not in text  # defaults are left out
    back, _ = session_from_toml(text, "s.toml")
    assert back.monitoring == s.monitoring
    assert "[monitoring]" not in session_to_toml(session())


def test_the_criteria_follow_the_decision_without_monitoring() -> None:
    base = decision_baseline(evaluate(session(min_accuracy=85.0), robust=False))
    sources = {c.key: c.source for c in base.criteria}
    assert sources == {
        "monthly_cost": "[constraints] monthly_budget_usd",
        "max_volume": "the budget's break point, max_volume_per_day_in_budget",
        "p95_latency": "[constraints] max_latency_ms",
        "accuracy": "[constraints] min_accuracy",
    }


def test_periods_are_clipped_and_checked(tmp_path: Path) -> None:
    log = _log(tmp_path, 1000, days=3)
    result = audit(session(), log, AuditOptions(period=parse_period("2027-01-02..2027-01-20")))
    assert str(result.period) == "2027-01-02..2027-01-03"
    assert any("clipped" in n for n in result.notes)
    from workbench.errors import InputError

    with pytest.raises(InputError, match="covers 2027-01-01..2027-01-03 only"):
        audit(session(), log, AuditOptions(period=parse_period("2026-01-01..2026-01-05")))
    with pytest.raises(InputError, match="ends"):
        parse_period("2027-01-05..2027-01-01")
