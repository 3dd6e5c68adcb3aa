"""The sample production log audited against the retail session, through the engine and
the CLI: the library upgrade is named as where the change happened, the JSON keys are
the documented ones, and bad input ends in one line and exit 2."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.unit.audit_support import SAMPLES, SESSIONS, generator
from workbench.audit import AuditOptions, audit, parse_period
from workbench.cli.main import main
from workbench.session import load_session

LOG = SAMPLES / "production_log.parquet"
RETAIL = SESSIONS / "retail_checkout.toml"


@pytest.fixture(scope="module")
def retail():  # type: ignore[no-untyped-def]
    return load_session(RETAIL)[0]


def test_the_sample_is_small_and_is_what_the_generator_writes() -> None:
    assert LOG.stat().st_size < 5_000_000
    import pandas as pd

    frame = pd.read_parquet(LOG)
    g = generator()
    assert len(frame) == len(g.generate())
    assert frame["timestamp"].dt.date.nunique() == g.DAYS


def test_the_upgrade_is_where_the_change_happened(retail) -> None:  # type: ignore[no-untyped-def]
    g = generator()
    # Four weeks before the upgrade against the four weeks from it (before the price change).
    result = audit(retail, LOG, AuditOptions(
        baseline_period=parse_period("2027-01-25..2027-02-21"),
        period=parse_period("2027-02-22..2027-03-21"), by="library_version"),
        base_dir=SESSIONS)
    change = result.change
    assert change is not None and change.where is not None
    assert math.fsum(change.parts.values()) == pytest.approx(change.change_usd_per_day, abs=1e-9)
    assert change.main_factor() == "batching"
    w = change.where
    assert (w.named, w.named_part) == ("trt-10.0", "unit cost")
    assert w.named_share == pytest.approx(1.0, abs=0.02)
    top = next(v for v in w.values if v.value == "trt-10.0")
    assert top.excess_parts["batching"] > top.excess_parts["unit_price"] > 0
    assert g.LIBRARY_UPGRADE.isoformat() == "2027-02-22"
    # The default periods (the last 28 days against the 28 before) name it as well.
    default = audit(retail, LOG, AuditOptions(by="library_version"), base_dir=SESSIONS)
    assert default.change is not None and default.change.where is not None
    assert default.change.where.named == "trt-10.0"


def test_the_decision_still_holds_at_production_figures(retail) -> None:  # type: ignore[no-untyped-def]
    result = audit(retail, LOG, base_dir=SESSIONS)
    assert result.deployed == "MobileNet-SSD edge (on-device)"
    assert result.refit is not None and result.refit.holds
    verdicts = {a.key: a.verdict for a in result.assumptions}
    assert verdicts["cost_per_1k"] == "watch"  # 2.7x the decision's $0.10
    assert verdicts["volume_per_day"] == "ok" and verdicts["monthly_cost"] == "ok"
    assert not result.demote


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["audit", str(LOG), "--session", str(RETAIL), "--by",
                           "library_version"], capsys)
    assert code == 0, err
    for title in ("Against the decision", "Why the bill changed", "Anomalies",
                  "Still the right model?", "Promotion and demotion criteria", "Daily picture"):
        assert f"\n{title}\n" in out
    assert "Where (library_version): trt-10.0" in out
    assert max(len(line) for line in out.splitlines()) <= 80


JSON_KEYS = {"source", "columns", "dimension", "days", "rows", "requests", "deployed", "period",
             "baseline_period", "observed", "decision", "assumptions", "anomalies",
             "anomaly_settings", "change", "refit", "criteria", "demote", "promote", "daily",
             "notes"}


def test_cli_json_keys_are_the_documented_ones(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    out_file = tmp_path / "audit.json"
    code, _, err = _run(["audit", str(LOG), "--session", str(RETAIL), "--format", "json",
                         "--threshold", "8", "--min-dollars", "$10", "-o", str(out_file)], capsys)
    assert code == 0, err
    doc = json.loads(out_file.read_text())
    assert set(doc) == JSON_KEYS
    assert doc["anomaly_settings"] == {"lookback_days": 28, "threshold": 8.0, "min_usd": 10.0}
    assert all(abs(a["usd"]) >= 10 for a in doc["anomalies"] if a["metric"] != "p95_latency_ms")
    assert set(doc["change"]["parts_usd_per_day"]) == {"volume", "mix", "unit_price", "work",
                                                        "batching"}
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for key in JSON_KEYS:
        assert f"`{key}`" in readme, key


def test_cli_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["audit", str(LOG), "--session", str(RETAIL), "--format", "markdown"],
                        capsys)
    assert code == 0
    assert "## Why the bill changed" in out and "| Factor | Per day |" in out


def test_cli_emit_sql(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["audit", "--emit-sql", "--dialect", "bigquery", "--by", "region"], capsys)
    assert code == 0 and "GROUPING SETS" in out and "FLOAT64" in out
    code, out, _ = _run(["audit", str(LOG), "--emit-sql", "--by", "library_version"], capsys)
    assert code == 0 and "library_version" in out and "batch_size" in out


@pytest.mark.parametrize(("args", "message"), [
    (["audit", str(LOG)], "needs --session"),
    (["audit", str(LOG), "--session", str(RETAIL), "--period", "last week"], "--period: expected"),
    (["audit", str(LOG), "--session", str(RETAIL), "--threshold", "-1"], "--threshold: must be > 0"),
    (["audit", str(LOG), "--session", str(RETAIL), "--by", "colour"], "--by colour: the log has no"),
    (["audit", "nowhere.parquet", "--session", str(RETAIL)], "no such file"),
    (["audit", str(LOG), "--session", str(RETAIL), "-o", str(LOG)], "would overwrite the log"),
])
def test_cli_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str],
                                              args: list[str], message: str) -> None:
    code, out, err = _run(args, capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
