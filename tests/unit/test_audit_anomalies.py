"""Anomalies: the robust statistic by hand, the incidents injected by the sample
generator found on their days, and no false alarm on clean logs."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.unit.audit_support import generator, session
from workbench.audit import audit
from workbench.audit.anomalies import MAD_TO_SD, robust_scores, weekly_profile
from workbench.model import Monitoring

# A tenth of the sample's traffic: the same story, ten times fewer rows.
VOLUME = 50_000.0


def test_robust_z_by_hand() -> None:
    # 14 days alternating 100 and 102, then 110: median 101, MAD 1, scale 1.4826.
    y = np.array([100.0, 102.0] * 7 + [110.0])
    med, z = robust_scores(y, lookback=14)
    assert np.isnan(z[:14]).all()  # 14 days of history are needed
    assert med[14] == 101.0
    assert z[14] == pytest.approx((110.0 - 101.0) / (MAD_TO_SD * 1.0))


def test_the_scale_floor_keeps_a_flat_baseline_quiet() -> None:
    # A flat baseline has MAD 0: the scale is 0.5% of the median, so +0.4% is z = 0.8.
    y = np.array([200.0] * 14 + [200.8])
    _, z = robust_scores(y, lookback=28)
    assert z[14] == pytest.approx(0.8)


def test_weekly_profile_of_a_pure_weekly_series() -> None:
    days = [date(2027, 1, 4) + timedelta(days=i) for i in range(42)]
    shape = np.array([0.9, 1.0, 1.0, 1.0, 1.05, 1.35, 1.2])
    x = 100 * shape[[d.weekday() for d in days]]
    factors = weekly_profile(x, days)
    # The 7-day median is the median weekday (1.0): the factors are the shape itself.
    assert factors[:7] == pytest.approx(shape)
    assert weekly_profile(x[:14], days[:14]) == pytest.approx(np.ones(14))  # too short


@pytest.fixture(scope="module")
def incident_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    g = generator()
    path = tmp_path_factory.mktemp("logs") / "incidents.parquet"
    g.write(g.generate(volume_per_day=VOLUME, seed=3), path)
    return path


def _retail(**monitoring: float) -> object:
    return session(volume=VOLUME, chosen=None, monitoring=Monitoring(**monitoring),
                   candidates=_retail_candidates())


def _retail_candidates():  # type: ignore[no-untyped-def]
    import pandas as pd

    g = generator()
    return pd.DataFrame({"name": pd.Series(["ViT-L detector (transformer)", g.CANARY, g.EDGE],
                                           dtype=object),
                         "accuracy": [98.0, 95.0, 90.0], "latency_ms": [500.0, 100.0, 20.0],
                         "cost_per_1k": [20.0, 5.0, 0.1]})


def test_injected_incidents_are_found_on_their_days(incident_log: Path) -> None:
    g = generator()
    result = audit(_retail(), incident_log)  # type: ignore[arg-type]
    flagged: dict[str, list[date]] = {}
    for a in result.anomalies:
        flagged.setdefault(a.metric, []).append(a.day)
    # Nothing before the first incident.
    assert min(a.day for a in result.anomalies) == g.TRAFFIC_SPIKE
    # The spike: volume and cost up that day only (the next day is back to normal).
    assert g.TRAFFIC_SPIKE in flagged["requests"] and g.TRAFFIC_SPIKE in flagged["cost_usd"]
    assert g.TRAFFIC_SPIKE + timedelta(days=1) not in flagged["requests"]
    spike = next(a for a in result.anomalies if a.day == g.TRAFFIC_SPIKE and a.metric == "requests")
    assert spike.direction == "up" and spike.usd > 0
    # The upgrade: cost per 1k and p95 latency step up on its first day, not before.
    upgrade = [d for d in flagged["cost_per_1k"] if d < g.PRICE_CHANGE]
    assert min(upgrade) == g.LIBRARY_UPGRADE
    assert min(d for d in flagged["p95_latency_ms"]) == g.LIBRARY_UPGRADE
    first = next(a for a in result.anomalies
                 if a.day == g.LIBRARY_UPGRADE and a.metric == "cost_per_1k")
    # The edge model's cost per image: 1.8 x (6 + 64/8) / 64 against (6 + 128/8) / 128
    # ms per image (x2.29); the canary's $5 per 1k on 0.2% of images is unchanged.
    edge = 1.8 * (6 + 0.125 * 64) / 64 / ((6 + 0.125 * 128) / 128)
    canary = g.CANARY_SHARE * 5.0
    expected = ((1 - g.CANARY_SHARE) * 0.1 * edge + canary) / ((1 - g.CANARY_SHARE) * 0.1 + canary)
    assert first.value / first.expected == pytest.approx(expected, rel=0.03)
    assert first.usd == pytest.approx((first.value - first.expected)
                                      * result.daily.series("requests")[
                                          result.daily.days.index(g.LIBRARY_UPGRADE)] / 1000)
    # The price change: cost per 1k steps up again on its day (+25%).
    later = [a for a in result.anomalies if a.metric == "cost_per_1k" and a.day >= g.PRICE_CHANGE]
    assert later and later[0].day == g.PRICE_CHANGE
    assert later[0].value / later[0].expected == pytest.approx(1.25, rel=0.02)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_no_false_alarm_on_a_clean_log(tmp_path: Path, seed: int) -> None:
    g = generator()
    path = tmp_path / "clean.parquet"
    g.write(g.generate(volume_per_day=VOLUME, seed=seed, incidents=False), path)
    result = audit(_retail(), path)  # type: ignore[arg-type]
    assert result.anomalies == ()


def test_the_minimum_dollar_filter(incident_log: Path) -> None:
    g = generator()
    # The one-day spike adds about $2.60 at this volume; a $5 floor drops it, and the
    # upgrade's $6 a day stays.
    result = audit(_retail(min_anomaly_usd=5.0), incident_log)  # type: ignore[arg-type]
    days = {(a.day, a.metric) for a in result.anomalies}
    assert (g.TRAFFIC_SPIKE, "requests") not in days
    assert (g.TRAFFIC_SPIKE, "cost_usd") not in days
    assert (g.LIBRARY_UPGRADE, "cost_per_1k") in days
    assert all(abs(a.usd) >= 5.0 for a in result.anomalies if a.metric != "p95_latency_ms")


def test_lookback_and_threshold_come_from_the_session(incident_log: Path) -> None:
    result = audit(_retail(lookback_days=14.0, anomaly_threshold=1000.0), incident_log)  # type: ignore[arg-type]
    assert result.lookback_days == 14 and result.anomaly_threshold == 1000.0
    # The largest departure (the upgrade's cost per 1k, z about 230) is below 1,000.
    assert result.anomalies == ()
