"""Why the bill changed: the Shapley decomposition against hand-computed values, an
oracle (the mean over all 120 orders of one-at-a-time substitution), exactness to 1e-9
on random logs, and the same figures through the whole path (a log file, DuckDB)."""

from __future__ import annotations

import itertools
import math
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.audit_support import session, write_log
from workbench.audit import AuditOptions, audit, parse_period
from workbench.audit.decompose import FACTORS, Usage, decompose, shapley_product, where
from workbench.audit.periods import Period

P0 = Period(date(2027, 1, 1), date(2027, 1, 1))
P1 = Period(date(2027, 1, 2), date(2027, 1, 2))


def test_volume_and_batching_by_hand() -> None:
    # One model: 100 requests in 10 batches for $10, then 200 requests in 40 batches for
    # $40. A batch costs $1 in both (unit price unchanged); C = V * e * p.
    # volume:   (1/2) [(200 - 100) * 0.1 + (200 - 100) * 0.2] * $1 = $15
    # batching: (1/2) [100 * (0.2 - 0.1) + 200 * (0.2 - 0.1)] * $1 = $15
    change = decompose({"a": Usage(100, 10, 10)}, {"a": Usage(200, 40, 40)},
                       baseline_period=P0, period=P1)
    assert change.change_usd_per_day == 30
    assert change.parts == pytest.approx(
        {"volume": 15.0, "mix": 0.0, "unit_price": 0.0, "work": 0.0, "batching": 15.0},
        abs=1e-12)
    assert change.main_factor() in ("volume", "batching")


def test_a_model_without_requests_in_either_period_is_left_out() -> None:
    # A model whose rows were all invalid has Usage(0, 0, 0) in both periods. It used to
    # fail an assertion (no factors on either side); it has no part in the change.
    # The rest is the one-model case above: volume $15, batching $15.
    change = decompose({"a": Usage(100, 10, 10), "z": Usage(0, 0, 0)},
                       {"a": Usage(200, 40, 40), "z": Usage(0, 0, 0)},
                       baseline_period=P0, period=P1)
    assert [m.model for m in change.models] == ["a"]
    assert change.change_usd_per_day == 30
    assert change.parts == pytest.approx(
        {"volume": 15.0, "mix": 0.0, "unit_price": 0.0, "work": 0.0, "batching": 15.0},
        abs=1e-12)


def test_mix_and_price_by_hand_per_model() -> None:
    # a: 80 requests at $0.10 -> 50 at $0.10; b: 20 at $1.00 -> 50 at $1.20. V = 100.
    # v(none) = 28, v(mix) = 55, v(price) = 32, v(both) = 65.
    # mix = ((55 - 28) + (65 - 32)) / 2 = 30; price = ((32 - 28) + (65 - 55)) / 2 = 7.
    # Per model: a's mix = (-3 + -3) / 2 = -3; b's mix = (30 + 36) / 2 = 33, b's price 7.
    change = decompose({"a": Usage(80, 80, 8), "b": Usage(20, 20, 20)},
                       {"a": Usage(50, 50, 5), "b": Usage(50, 50, 60)},
                       baseline_period=P0, period=P1)
    assert change.parts["mix"] == pytest.approx(30.0, abs=1e-12)
    assert change.parts["unit_price"] == pytest.approx(7.0, abs=1e-12)
    assert change.parts["volume"] == change.parts["batching"] == change.parts["work"] == 0
    by = {m.model: m for m in change.models}
    assert by["a"].parts["mix"] == pytest.approx(-3.0, abs=1e-12)
    assert by["b"].parts["mix"] == pytest.approx(33.0, abs=1e-12)
    assert by["b"].parts["unit_price"] == pytest.approx(7.0, abs=1e-12)
    assert by["a"].change == pytest.approx(-3.0) and by["b"].change == pytest.approx(40.0)


def test_work_per_request_by_hand() -> None:
    # 10 requests of 100 tokens at $0.001 per token -> 10 of 200 tokens at $0.0011.
    # price = ((1.1 - 1) + (2.2 - 2)) / 2 = 0.15; work = ((2 - 1) + (2.2 - 1.1)) / 2 = 1.05.
    change = decompose({"a": Usage(10, 10, 1.0, work=1000)}, {"a": Usage(10, 10, 2.2, work=2000)},
                       baseline_period=P0, period=P1)
    assert change.parts["unit_price"] == pytest.approx(0.15, abs=1e-12)
    assert change.parts["work"] == pytest.approx(1.05, abs=1e-12)


def test_a_new_model_is_traffic_moved_to_it() -> None:
    # b appears: it takes its factors from the period, so only the mix moves it.
    change = decompose({"a": Usage(100, 100, 10)}, {"a": Usage(50, 50, 5), "b": Usage(50, 50, 50)},
                       baseline_period=P0, period=P1)
    assert change.parts["mix"] == pytest.approx(45.0)
    assert change.parts["unit_price"] == change.parts["batching"] == 0


def _ordered(x0: dict[str, Fraction], x1: dict[str, Fraction], order: tuple[str, ...]) -> dict[str, Fraction]:
    """One-at-a-time substitution in `order` (the decomposition an order would give)."""
    current = dict(x0)
    out: dict[str, Fraction] = {}
    for f in order:
        before = math.prod(current.values())
        current[f] = x1[f]
        out[f] = math.prod(current.values()) - before
    return out


@given(st.lists(st.integers(1, 1000), min_size=10, max_size=10))
@settings(max_examples=40, deadline=None)
def test_shapley_is_the_mean_over_all_orders(values: list[int]) -> None:
    x0 = dict(zip(FACTORS, (Fraction(v, 7) for v in values[:5])))
    x1 = dict(zip(FACTORS, (Fraction(v, 3) for v in values[5:])))
    orders = list(itertools.permutations(FACTORS))
    mean = {f: sum(_ordered(x0, x1, o)[f] for o in orders) / len(orders) for f in FACTORS}
    assert shapley_product(x0, x1) == mean


usages = st.builds(
    Usage,
    requests=st.floats(1, 1e7), rows=st.floats(1, 1e5), cost=st.floats(0, 1e5),
    work=st.one_of(st.none(), st.floats(1, 1e9)),
)


@given(st.dictionaries(st.sampled_from("abcd"), usages, min_size=1),
       st.dictionaries(st.sampled_from("abcde"), usages, min_size=1))
@settings(max_examples=150, deadline=None)
def test_parts_sum_to_the_change_to_1e9(before: dict[str, Usage], after: dict[str, Usage]) -> None:
    # Exact in rational arithmetic; each part is then rounded to a float once, so the
    # sum is within 1e-9 of the change relative to the largest part (parts of millions
    # that cancel cannot be summed closer than their own last digit).
    change = decompose(before, after, baseline_period=P0, period=P1)

    def tol(values: object) -> float:
        return 1e-9 * max(1.0, *(abs(v) for v in values))  # type: ignore[attr-defined]

    parts = list(change.parts.values())
    assert math.fsum(parts) == pytest.approx(change.change_usd_per_day, abs=tol(parts))
    for m in change.models:  # each model's row sums to its own change
        assert math.fsum(m.parts.values()) == pytest.approx(m.change, abs=tol(m.parts.values()))
    for f in FACTORS:  # each factor's column sums to its part
        column = [m.parts[f] for m in change.models]
        assert math.fsum(column) == pytest.approx(change.parts[f], abs=tol(column))


def test_where_names_the_value_whose_unit_cost_rose() -> None:
    # Model a moves from v1 to v2, whose batches hold half as many requests at the same
    # cost per batch: v2's requests cost 100 * (0.2 - 0.1) = $10 more (all batching),
    # and moving the traffic itself costs nothing (v2 starts from a's baseline).
    model0, model1 = {"a": Usage(100, 10, 10)}, {"a": Usage(100, 20, 20)}
    w = where("library_version", {("a", "v1"): Usage(100, 10, 10)},
              {("a", "v2"): Usage(100, 20, 20)}, model0, model1)
    by = {v.value: v for v in w.values}
    assert by["v1"].traffic_usd_per_day == pytest.approx(-10.0)
    assert by["v2"].traffic_usd_per_day == pytest.approx(10.0)
    assert by["v2"].excess_parts["batching"] == pytest.approx(10.0)
    assert by["v2"].excess_parts["unit_price"] == pytest.approx(0.0)
    assert (w.named, w.named_part, w.named_share) == ("v2", "unit cost", pytest.approx(1.0))
    assert w.traffic_usd_per_day + w.excess_usd_per_day == pytest.approx(10.0)


def _rows(day: str, model: str, batches: int, batch: int, cost_per_batch: float,
          version: str = "v1") -> list[dict[str, object]]:
    return [{"timestamp": f"{day} 12:00:00", "model": model, "batch_size": batch,
             "cost_usd": cost_per_batch, "latency_ms": 10.0, "library_version": version}
            for _ in range(batches)]


def test_the_whole_path_gives_the_hand_values(tmp_path: Path) -> None:
    # The mix-and-price example as a log file, through DuckDB and the CLI's options.
    rows = (_rows("2027-01-01", "edge", 80, 1, 0.10) + _rows("2027-01-01", "mid", 20, 1, 1.0)
            + _rows("2027-01-02", "edge", 50, 1, 0.10)
            + _rows("2027-01-02", "mid", 50, 1, 1.2, version="v2"))
    log = write_log(rows, tmp_path / "log.parquet")
    result = audit(session(), log, AuditOptions(
        baseline_period=parse_period("2027-01-01"), period=parse_period("2027-01-02"),
        by="library_version"))
    change = result.change
    assert change is not None
    assert change.baseline_usd_per_day == pytest.approx(28.0)
    assert change.current_usd_per_day == pytest.approx(65.0)
    assert change.parts["mix"] == pytest.approx(30.0, abs=1e-9)
    assert change.parts["unit_price"] == pytest.approx(7.0, abs=1e-9)
    assert math.fsum(change.parts.values()) == pytest.approx(37.0, abs=1e-9)
    w = change.where
    assert w is not None and w.named == "v2"
    # v2 (mid's new rows) costs 50 * (1.2 - 1.0) = $10 above mid's baseline unit cost.
    v2 = next(v for v in w.values if v.value == "v2")
    assert v2.excess_usd_per_day == pytest.approx(10.0)


def test_periods_of_different_lengths_compare_per_day(tmp_path: Path) -> None:
    # Two baseline days of $10 each and one period day of $30: +$20 a day, all volume.
    rows = (_rows("2027-01-01", "edge", 10, 10, 1.0) + _rows("2027-01-02", "edge", 10, 10, 1.0)
            + _rows("2027-01-03", "edge", 30, 10, 1.0))
    result = audit(session(), write_log(rows, tmp_path / "log.parquet"), AuditOptions(
        baseline_period=parse_period("2027-01-01..2027-01-02"),
        period=parse_period("2027-01-03")))
    assert result.change is not None
    assert result.change.change_usd_per_day == pytest.approx(20.0)
    assert result.change.parts["volume"] == pytest.approx(20.0)
    assert result.change.monthly(20.0) == pytest.approx(600.0)


def test_tokens_are_work_and_a_dearer_token_is_price(tmp_path: Path) -> None:
    from tests.unit.audit_support import SESSIONS
    from workbench.session import load_session

    llm, _ = load_session(SESSIONS / "llm_support_assistant.toml")
    # gpt-4o-mini at the session's $0.15 / $0.60 per 1M tokens, 100,000 requests a day.
    # Days 4-6 send 1,000 input tokens per request instead of 500: +500 * $0.15 / 1e6
    # * 100,000 = +$7.50 a day, all work (each kind of token weighted by its price),
    # although the average price per token falls.
    rows = [{"timestamp": f"2027-01-0{d} 10:00:00", "model": "gpt-4o-mini",
             "batch_size": 1000, "prompt_tokens": 1000 * (500 if d <= 3 else 1000),
             "completion_tokens": 1000 * 200, "latency_ms": 900.0}
            for d in range(1, 7) for _ in range(100)]
    options = AuditOptions(baseline_period=parse_period("2027-01-01..2027-01-03"),
                           period=parse_period("2027-01-04..2027-01-06"))
    result = audit(llm, write_log(rows, tmp_path / "llm.parquet"), options, base_dir=SESSIONS)
    assert result.change is not None
    assert result.change.parts == pytest.approx(
        {"volume": 0.0, "mix": 0.0, "unit_price": 0.0, "work": 7.5, "batching": 0.0}, abs=1e-9)
    # Billed 10% above list (cost_usd logged) on days 4-6 at unchanged tokens: all price.
    for r in rows:
        day = int(str(r["timestamp"])[9])
        r["prompt_tokens"] = 1000 * 500
        r["cost_usd"] = 1000 * (500 * 0.15 + 200 * 0.60) / 1e6 * (1.1 if day >= 4 else 1.0)
    result = audit(llm, write_log(rows, tmp_path / "billed.parquet"), options, base_dir=SESSIONS)
    assert result.change is not None
    # 10% of $19.50 a day.
    assert result.change.parts["unit_price"] == pytest.approx(1.95, abs=1e-9)
    assert result.change.parts["work"] == pytest.approx(0.0, abs=1e-9)
