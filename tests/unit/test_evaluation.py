"""evaluate(session): one analysis and one routing run per session, the workload's volume
the only volume."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.evaluation import evaluate
from workbench.session import load_session, session_from_toml, session_to_toml
from workbench.views.memo import render_memo

ROOT = Path(__file__).resolve().parents[2]
FRAUD = ROOT / "sessions" / "fraud_routing.toml"


def fraud_text() -> str:
    return FRAUD.read_text(encoding="utf-8")


def test_evaluate_runs_the_analysis_and_the_routing_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench import routing

    calls: list[float | None] = []
    real = routing.simulate

    def counted(spec, base_dir=None):  # type: ignore[no-untyped-def]
        calls.append(spec.volume_per_day)
        return real(spec, base_dir)

    monkeypatch.setattr(routing, "simulate", counted)
    session, _ = load_session(FRAUD)
    ev = evaluate(session, FRAUD.parent)
    assert ev.routing is not None and ev.routing_error is None
    # Priced at the workload's volume: 5,000,000/day.
    assert calls == [5_000_000]
    assert ev.routing.recommended is not None
    monthly = ev.routing.recommended.monthly_cost_usd
    assert monthly == pytest.approx(ev.routing.recommended.cost_per_1k * 5_000_000 * 30 / 1000)
    # The memo formats this evaluation; it does not simulate again.
    memo = render_memo(session, session_path=FRAUD, evaluation=ev)
    assert calls == [5_000_000]
    assert "## Routing" in memo


def test_a_moved_log_is_reported_not_raised(tmp_path: Path) -> None:
    session, _ = load_session(FRAUD)
    ev = evaluate(session, tmp_path)  # the log is not there
    assert ev.routing is None and ev.routing_error is not None
    assert "no such file" in str(ev.routing_error)
    assert ev.analysis.recommendation is None or ev.analysis.recommendation.name


def _with_routing_volume(text: str, line: str) -> str:
    return text.replace("[routing]\n", f"[routing]\n{line}\n", 1)


def test_a_routing_volume_equal_to_the_workload_is_dropped() -> None:
    text = _with_routing_volume(fraud_text(), "volume_per_day = 5000000")
    session, notes = session_from_toml(text, "s.toml", FRAUD.parent)
    assert "volume_per_day" not in (session.routing or {})
    assert session.scenario.workload.volume_per_day == 5_000_000
    assert notes == []


def test_a_routing_volume_moves_to_a_workload_without_one() -> None:
    text = _with_routing_volume(fraud_text(), "volume_per_day = 1200000")
    text = text.replace("volume_per_day = 5000000\n", "", 1)
    session, notes = session_from_toml(text, "s.toml", FRAUD.parent)
    assert session.scenario.workload.volume_per_day == 1_200_000
    assert "volume_per_day" not in (session.routing or {})
    assert [n.code for n in notes] == ["routing_volume_moved"]  # type: ignore[attr-defined]
    # Written back, it is in [workload] only.
    again = session_to_toml(session, FRAUD.parent)
    assert again.count("volume_per_day") == 1


def test_a_routing_volume_that_differs_is_refused_with_the_key() -> None:
    text = _with_routing_volume(fraud_text(), "volume_per_day = 1200000")
    with pytest.raises(InputError) as err:
        session_from_toml(text, "s.toml", FRAUD.parent)
    assert err.value.key == "routing.volume_per_day"
    assert "the workload's volume is the only volume" in err.value.message
    assert err.value.line is not None
