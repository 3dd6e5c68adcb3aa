"""The TCO ledger: every line by hand, shared and per-candidate items, round trips."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import InputError
from workbench.pricing.ledger import LedgerItem, build_ledger

ITEMS = (
    LedgerItem("labeling", "one_time", usd=12_000),
    LedgerItem("relabeling", "per_retraining", usd=3_000, candidates=("B",)),
    LedgerItem("maintenance", "maintenance", engineer_months_per_year=2,
               loaded_monthly_usd=15_000),
    LedgerItem("monitoring and storage", "overhead_pct", pct=10),
    LedgerItem("egress", "per_1k", usd_per_1k=0.02),
)


def ledger():  # type: ignore[no-untyped-def]
    return build_ledger(
        ["A", "B"], np.array([1_000.0, 2_000.0]), ITEMS, horizon_months=12,
        monthly_volume=3_000_000, retrainings_per_year=4,
        fixed_monthly_usd=np.array([500.0, np.nan]), one_time_usd=np.array([np.nan, 6_000.0]),
    )


def test_every_line_by_hand() -> None:
    got = {line.name: (line.monthly_usd.tolist(), line.horizon_usd.tolist())
           for line in ledger().lines}
    assert got == {
        "inference": ([1_000, 2_000], [12_000, 24_000]),
        "fixed (table)": ([500, 0], [6_000, 0]),
        "one-time (table)": ([0, 500], [0, 6_000]),
        "labeling": ([1_000, 1_000], [12_000, 12_000]),  # 12,000 spread over 12 months
        "relabeling": ([0, 1_000], [0, 12_000]),  # 3,000 x 4 a year / 12, B only
        "maintenance": ([2_500, 2_500], [30_000, 30_000]),  # 2 / 12 x 15,000
        "monitoring and storage": ([100, 200], [1_200, 2_400]),  # 10% of compute
        "egress": ([60, 60], [720, 720]),  # 0.02 x 3,000,000 / 1000
    }


def test_totals() -> None:
    result = ledger()
    # A: 1000+500+0+1000+0+2500+100+60; B: 2000+0+500+1000+1000+2500+200+60
    assert result.total_monthly_usd.tolist() == [5_160, 7_260]
    assert result.total_horizon_usd.tolist() == [61_920, 87_120]
    assert result.line("egress").formula == "usd_per_1k * monthly_volume / 1000"


def test_lines_needing_a_volume_are_nan_without_one() -> None:
    result = build_ledger(["A", "B"], np.array([np.nan, np.nan]), ITEMS, monthly_volume=None)
    assert np.isnan(result.line("egress").monthly_usd).all()
    assert np.isnan(result.total_monthly_usd).all()
    assert result.line("maintenance").monthly_usd.tolist() == [2_500, 2_500]


def test_items_round_trip_and_are_checked() -> None:
    for item in ITEMS:
        assert LedgerItem.from_dict(item.to_dict()) == item
    with pytest.raises(InputError, match="needs usd_per_1k"):
        LedgerItem("egress", "per_1k").check()
    with pytest.raises(InputError, match="kind must be one of"):
        LedgerItem("x", "yearly", usd=1).check()
    with pytest.raises(InputError, match="unknown key"):
        LedgerItem.from_dict({"name": "x", "kind": "monthly", "usd": 1, "usd_per_month": 2})
    with pytest.raises(InputError, match=">= 0"):
        LedgerItem.from_dict({"name": "x", "kind": "monthly", "usd": -1})
    with pytest.raises(InputError, match="unknown candidate"):
        build_ledger(["A"], np.array([1.0]), [LedgerItem("x", "monthly", usd=1, candidates=("Z",))])
    with pytest.raises(InputError, match="named 'x'"):
        build_ledger(["A"], np.array([1.0]), [LedgerItem("x", "monthly", usd=1)] * 2)
