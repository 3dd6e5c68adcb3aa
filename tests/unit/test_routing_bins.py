"""Out-of-core bins: DuckDB aggregation, the emitted SQL, bins files, agreement with the exact sweep."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from workbench.errors import InputError
from workbench.routing import RoutingSpec, simulate
from workbench.routing.bins import aggregate_parquet, aggregation_sql, load_bins_file
from workbench.routing.sweep import ESCALATE_ALL, bin_index, bins_curve, confidence, exact_curve

ROOT = Path(__file__).resolve().parents[2]


def generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_fraud_log", ROOT / "sample_data" / "make_fraud_log.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def log_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    cols = generator().make_log(40_000, seed=11)
    path = tmp_path_factory.mktemp("bins") / "log.parquet"
    generator().write_log(cols, path)
    return path, cols


RULES = {"escalate_when": ("risk_flag",), "escalate_above": {"amount": 1000.0}, "loss_column": "amount"}


def test_duckdb_bins_agree_with_exact_sweep(log_file: tuple[Path, dict[str, np.ndarray]]) -> None:
    path, cols = log_file
    B = 10_000
    counts = aggregate_parquet(path, bin_count=B, **RULES)  # type: ignore[arg-type]
    curve = bins_curve(counts)
    y = cols["label"].astype(bool)
    cheap = cols["cheap_score"].astype(np.float64)
    exp = cols["expensive_score"].astype(np.float64)
    forced = (cols["risk_flag"] != 0) | (cols["amount"] > 1000)
    loss = cols["amount"]
    assert counts.rows == y.size
    b = bin_index(confidence(cheap), B)
    # Every edge: the binned figures equal a direct computation ("bin < j").
    sample = np.unique(np.linspace(0, len(curve) - 1, 60).astype(int))
    for i in sample:
        t = curve.threshold[i]
        j = B if t == ESCALATE_ALL else round((t - 0.5) * 2 * B)
        esc = forced | (b < j)
        pred = np.where(esc, exp >= 0.5, cheap >= 0.5)
        assert curve.escalated[i] == esc.sum()
        assert curve.correct[i] == np.sum(pred == y)
        assert curve.tp[i] == np.sum(pred & y)
        assert curve.missed_loss is not None
        assert curve.missed_loss[i] == pytest.approx(loss[y & ~pred].sum(), rel=1e-9)
    # And the recommendations agree within one bin of confidence.
    exact = exact_curve(y, cheap, exp, 0.5, forced, loss)
    spec = RoutingSpec(cheap_cost_per_1k=0.02, expensive_cost_per_1k=1.0, **RULES)  # type: ignore[arg-type]
    from workbench.routing.engine import build_result

    r_exact = build_result(spec, exact).recommended
    r_bins = build_result(spec, curve).recommended
    assert r_exact is not None and r_bins is not None
    assert r_exact.threshold is not None and r_bins.threshold is not None
    assert abs(r_bins.threshold - r_exact.threshold) <= 0.5 / B + 1e-12
    assert r_bins.cost_per_1k >= r_exact.cost_per_1k
    assert r_bins.accuracy == pytest.approx(r_exact.accuracy, abs=0.01)
    for name, fig in build_result(spec, curve).baselines.items():
        other = build_result(spec, exact).baselines[name]
        assert fig.accuracy == other.accuracy and fig.recall == other.recall
        assert fig.missed_positive_loss == pytest.approx(other.missed_positive_loss)


def test_emitted_sql_runs_in_a_warehouse_and_feeds_bins(
    log_file: tuple[Path, dict[str, np.ndarray]], tmp_path: Path
) -> None:
    import duckdb

    path, _ = log_file
    sql = aggregation_sql(**RULES)  # type: ignore[arg-type]
    assert "replay_log" in sql and "read_parquet" not in sql
    con = duckdb.connect()
    # A "warehouse" table: doubles, like the SQL comment asks for.
    con.execute(
        "CREATE TABLE replay_log AS SELECT label, CAST(cheap_score AS DOUBLE) AS cheap_score, "
        f"CAST(expensive_score AS DOUBLE) AS expensive_score, risk_flag, amount FROM read_parquet('{path}')"
    )
    out = tmp_path / "bins.csv"
    con.execute(f"COPY ({sql.rstrip().rstrip(';')}) TO '{out}' (HEADER, DELIMITER ',')")
    from_file = bins_curve(load_bins_file(out))
    streamed = bins_curve(aggregate_parquet(path, **RULES))  # type: ignore[arg-type]
    np.testing.assert_array_equal(from_file.threshold, streamed.threshold)
    np.testing.assert_array_equal(from_file.correct, streamed.correct)
    np.testing.assert_array_equal(from_file.escalated, streamed.escalated)
    assert from_file.missed_loss is not None and streamed.missed_loss is not None
    np.testing.assert_allclose(from_file.missed_loss, streamed.missed_loss, rtol=1e-9)

    spec = RoutingSpec(bins=str(out), cheap_cost_per_1k=0.02, expensive_cost_per_1k=1.0, **RULES)  # type: ignore[arg-type]
    result = simulate(spec)
    assert result.method == "bins" and result.rows == 40_000
    assert any("Bins file input" in note for note in result.notes)


def test_folder_of_parquet_streams_automatically(tmp_path: Path) -> None:
    cols = generator().make_log(6_000, seed=5)
    folder = tmp_path / "logs"
    folder.mkdir()
    for k, (lo, hi) in enumerate(((0, 2_500), (2_500, 6_000))):
        generator().write_log({c: v[lo:hi] for c, v in cols.items()}, folder / f"part{k}.parquet")
    spec = RoutingSpec(log=str(folder), cheap_cost_per_1k=0.02, expensive_cost_per_1k=1.0)
    result = simulate(spec)
    assert result.method == "bins" and result.rows == 6_000
    assert "10,000 bins" in result.notes[0] and "resolution 5e-05" in result.notes[0]


def test_streaming_reports_first_bad_row(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    good = {"label": [0, 1, 0], "cheap_score": [0.1, 0.9, 0.2], "expensive_score": [0.1, 0.8, 0.3]}
    pq.write_table(pa.table(good), folder / "a.parquet")
    bad = dict(good, label=[0, 1, 2])
    pq.write_table(pa.table(bad), folder / "b.parquet")
    with pytest.raises(InputError) as err:
        aggregate_parquet(folder)
    assert err.value.row == 3 and err.value.column == "label"
    assert err.value.source and err.value.source.endswith("b.parquet")
    nan_score = dict(good, cheap_score=[0.1, float("nan"), 0.2])
    pq.write_table(pa.table(nan_score), folder / "b.parquet")
    with pytest.raises(InputError) as err:
        aggregate_parquet(folder)
    assert (err.value.row, err.value.column) == (2, "cheap_score")
    pq.write_table(pa.table({"y": [1], "cheap": [0.5]}), folder / "b.parquet")
    with pytest.raises(InputError, match="missing column"):
        aggregate_parquet(folder / "b.parquet")


def test_bins_file_validation(tmp_path: Path) -> None:
    path = tmp_path / "bins.csv"
    path.write_text("bin,label,cheap_correct,expensive_correct,forced,n\n10,0,1,1,0,5\n-1,2,0,0,0,1\n")
    with pytest.raises(InputError) as err:
        load_bins_file(path)
    assert (err.value.row, err.value.column) == (2, "bin")
    path.write_text("bin,label,cheap_correct,expensive_correct,forced,n\n10,0,1,3,0,5\n")
    with pytest.raises(InputError) as err:
        load_bins_file(path)
    assert (err.value.row, err.value.column) == (1, "expensive_correct")
    path.write_text("bin,label,n\n10,0,5\n")
    with pytest.raises(InputError, match="missing column"):
        load_bins_file(path)
    path.write_text("bin,label,cheap_correct,expensive_correct,forced,n\n20000,0,1,1,0,5\n")
    with pytest.raises(InputError, match="bin-count"):
        load_bins_file(path)
