"""Reading production logs: header matching, the aggregation against a pandas oracle,
CSV / Parquet / folder alike, rows refused with their file, row and column, the SQL in
four dialects (names as identifiers only), pricing by the session, and the warehouse
path (--emit-sql, then --aggregated) giving the same audit."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlglot

from tests.unit.audit_support import SESSIONS, session, write_log
from workbench.audit import AuditOptions, audit, aggregation_sql
from workbench.audit.daily import weighted_quantile
from workbench.audit.logs import canonical_columns, log_columns, read_log
from workbench.columns import classify_log, match_log_headers
from workbench.errors import InputError
from workbench.routing.bins import DIALECTS


@pytest.mark.parametrize(("header", "column", "factor"), [
    ("timestamp", "timestamp", 1.0), ("ts", "timestamp", 1.0), ("Time (UTC)", "timestamp", 1.0),
    ("served_at", "timestamp", 1.0), ("Model Name", "model", 1.0), ("deployment", "model", 1.0),
    ("Latency (s)", "latency_ms", 1000.0), ("duration_ms", "latency_ms", 1.0),
    ("Cost ($)", "cost_usd", 1.0), ("cost_cents", "cost_usd", 0.01),
    ("batch_size", "batch_size", 1.0), ("n_requests", "batch_size", 1.0),
    ("escalated", "escalated", 1.0), ("is_correct", "correct", 1.0),
    ("prompt_tokens", "input_tokens", 1.0), ("completion_tokens", "output_tokens", 1.0),
    ("cached_tokens", "cached_input_tokens", 1.0),
])
def test_log_headers(header: str, column: str, factor: float) -> None:
    match = classify_log(header)
    assert match is not None and (match.column, match.factor) == (column, factor)


@pytest.mark.parametrize("header", ["region", "library_version", "cost_per_1k", "request_id",
                                    "batch_id", "total_tokens", "usd_per_1m_input_tokens"])
def test_dimensions_and_rates_are_not_log_columns(header: str) -> None:
    assert classify_log(header) is None


def test_the_first_guess_wins_and_overrides_rule() -> None:
    found, notes = match_log_headers(["when", "ts", "model", "price"], {"timestamp": "ts"})
    assert found["timestamp"].header == "ts" and found["cost_usd"].header == "price"
    assert any("when" in n for n in notes)  # the other stamp is noted, kept as a dimension


def _random_log(rng: np.random.Generator, n: int = 4000) -> pd.DataFrame:
    stamps = pd.Timestamp("2027-01-01") + pd.to_timedelta(rng.integers(0, 6 * 86400, n), unit="s")
    return pd.DataFrame({
        "timestamp": stamps, "model": rng.choice(["a", "b", "c"], n),
        "batch_size": rng.integers(1, 9, n), "latency_ms": rng.lognormal(3, 0.5, n),
        "cost_usd": rng.random(n) / 100, "escalated": rng.integers(0, 2, n),
        "correct": np.where(rng.random(n) < 0.3, rng.random(n), np.nan),
        "region": rng.choice(["n", "s", "e"], n),
    })


def test_the_sums_match_a_pandas_oracle(tmp_path: Path) -> None:
    frame = _random_log(np.random.default_rng(5))
    frame.to_parquet(tmp_path / "log.parquet")
    agg = read_log(tmp_path / "log.parquet", by="region")
    detail, by = agg.detail, agg.by_dimension
    assert by is not None
    frame["day"] = frame["timestamp"].dt.normalize()
    n = frame["batch_size"]
    oracle = frame.assign(
        requests=n, lat=frame["latency_ms"] * n, esc=frame["escalated"] * n,
        lab=np.where(frame["correct"].notna(), n, 0), cor=(frame["correct"] * n).fillna(0),
    ).groupby(["day", "model"]).agg(rows=("requests", "size"), requests=("requests", "sum"),
                                    cost=("cost_usd", "sum"), lat=("lat", "sum"),
                                    esc=("esc", "sum"), lab=("lab", "sum"), cor=("cor", "sum"))
    got = detail.groupby(["day", "model"]).agg(
        rows=("rows", "sum"), requests=("requests", "sum"), cost=("cost_usd", "sum"),
        lat=("latency_ms_requests", "sum"), esc=("escalated_requests", "sum"),
        lab=("labelled_requests", "sum"), cor=("correct_requests", "sum"))
    pd.testing.assert_frame_equal(got, oracle, check_dtype=False, rtol=1e-12)
    # The dimension set holds the same requests, split by region.
    per_region = by.groupby("dimension")["requests"].sum()
    assert per_region.to_dict() == frame.groupby("region")["batch_size"].sum().astype(float).to_dict()
    # p95 from the bins is within the half-bin (0.25%) of the exact weighted quantile.
    one = frame[(frame["day"] == frame["day"].min()) & (frame["model"] == "a")]
    order = np.argsort(one["latency_ms"].to_numpy())
    lat = one["latency_ms"].to_numpy()[order]
    cum = np.cumsum(one["batch_size"].to_numpy()[order])
    exact = lat[np.searchsorted(cum, 0.95 * cum[-1])]
    rows = detail[(detail["day"] == frame["day"].min()) & (detail["model"] == "a")]
    binned = weighted_quantile(rows["latency_bin"].to_numpy(float), rows["requests"].to_numpy(float), 0.95)
    assert binned == pytest.approx(exact, rel=0.0026)


def test_csv_parquet_and_a_folder_agree(tmp_path: Path) -> None:
    frame = _random_log(np.random.default_rng(6), 1500)
    frame.to_csv(tmp_path / "log.csv", index=False)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i in range(3):
        frame.iloc[i * 500:(i + 1) * 500].to_parquet(folder / f"part-{i}.parquet")
    a = read_log(tmp_path / "log.csv").frame.sort_values(["day", "model", "latency_bin"])
    b = read_log(folder).frame.sort_values(["day", "model", "latency_bin"])
    # CSV keeps fewer digits than a double: sums agree to the CSV's precision.
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_dtype=False, rtol=1e-9)


@pytest.mark.parametrize(("column", "value", "message"), [
    ("cost_usd", -1.0, "cost must be a number >= 0, got -1"),
    ("batch_size", 0, "batch_size must be > 0, got 0"),
    ("escalated", 2, "escalated must be 0 or 1"),
    ("timestamp", None, "timestamp missing"),
])
def test_a_bad_row_is_named(tmp_path: Path, column: str, value: object, message: str) -> None:
    rows = [{"timestamp": "2027-01-01 10:00:00", "model": "a", "batch_size": 2,
             "cost_usd": 0.5, "escalated": 0} for _ in range(5)]
    rows[3][column] = value
    path = write_log(rows, tmp_path / "log.parquet")
    with pytest.raises(InputError) as err:
        read_log(path)
    assert message in err.value.message
    assert err.value.row == 4 and err.value.source == str(path)
    assert err.value.column == column


def test_a_bad_csv_row_is_named(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("ts,model,cost\n2027-01-01 10:00,a,1\n2027-01-01 11:00,a,-2\n")
    with pytest.raises(InputError) as err:
        read_log(path)
    assert (err.value.row, err.value.column) == (2, "cost")


def test_missing_and_mistyped_columns(tmp_path: Path) -> None:
    path = write_log([{"when_it_was": "2027-01-01", "model": "a"}], tmp_path / "a.parquet")
    with pytest.raises(InputError, match="missing column timestamp; headers found: 'when_it_was'"):
        read_log(path)
    path = write_log([{"ts": "2027-01-01", "model": "a", "cost_usd": "cheap"}], tmp_path / "b.parquet")
    with pytest.raises(InputError, match="expected numbers") as err:
        read_log(path)
    assert err.value.column == "cost_usd"
    with pytest.raises(InputError, match="no such column; did you mean 'region'"):
        read_log(write_log([{"ts": "2027-01-01", "model": "a", "region": "n"}],
                           tmp_path / "c.parquet"), by="regoin")


def test_the_sql_renders_and_parses_in_every_dialect() -> None:
    hostile = 'x"; DROP TABLE t; --\nnewline`'
    columns = log_columns({"ts": "TIMESTAMP", "model": "VARCHAR", hostile: "DOUBLE",
                           "dim": "VARCHAR"}, {"cost_usd": hostile}, "dim", "t")
    for dialect in DIALECTS:
        sql = aggregation_sql(columns, dialect=dialect)
        statement = sqlglot.parse_one(sql, read=dialect)
        names = {c.name for c in statement.find_all(sqlglot.exp.Column)}
        assert hostile in names  # an identifier, quoted by the generator
        comments = [line for line in sql.splitlines() if line.startswith("--")]
        assert all("DROP" not in line and "newline" not in line for line in comments)
        assert "GROUPING SETS" in sql
    assert "GROUPING SETS" not in aggregation_sql(canonical_columns(), dialect="spark")


def test_tokens_are_priced_by_the_session(tmp_path: Path) -> None:
    from workbench.session import load_session

    llm, _ = load_session(SESSIONS / "llm_support_assistant.toml")
    # gpt-4o-mini: $0.15 / $0.60 per 1M input / output tokens (the session's prices).
    rows = [{"timestamp": "2027-01-01 10:00:00", "model": "gpt-4o-mini",
             "prompt_tokens": 500, "completion_tokens": 200, "latency_ms": 900.0}
            for _ in range(1000)]
    result = audit(llm, write_log(rows, tmp_path / "llm.parquet"),
                   base_dir=SESSIONS)
    assert result.observed.figures.cost_usd == pytest.approx(1000 * (500 * 0.15 + 200 * 0.60) / 1e6)
    assert result.observed.figures.cost_per_1k == pytest.approx(0.195)
    assert any("token counts" in n for n in result.notes)
    # A model the session does not know cannot be priced.
    rows[0]["model"] = "mystery"
    with pytest.raises(InputError, match="'mystery' is not a candidate"):
        audit(llm, write_log(rows, tmp_path / "m.parquet"), base_dir=SESSIONS)


def test_the_warehouse_path_gives_the_same_audit(tmp_path: Path) -> None:
    import duckdb

    frame = _random_log(np.random.default_rng(8), 3000)
    frame.to_parquet(tmp_path / "log.parquet")
    s = session(chosen="a", candidates=pd.DataFrame({
        "name": pd.Series(["a", "b", "c"], dtype=object), "accuracy": [90.0, 91.0, 92.0],
        "latency_ms": [20.0, 30.0, 40.0], "cost_per_1k": [1.0, 2.0, 3.0]}))
    options = AuditOptions(by="region")
    direct = audit(s, tmp_path / "log.parquet", options)
    # The emitted SQL run elsewhere (here: DuckDB on a table of the same rows), saved.
    sql = aggregation_sql(canonical_columns("region"), dialect="duckdb")
    con = duckdb.connect()
    con.register("source", frame)
    con.execute("CREATE TABLE production_log AS SELECT * FROM source")
    out = con.execute(sql).df()
    out.to_csv(tmp_path / "sums.csv", index=False)
    warehouse = audit(s, tmp_path / "sums.csv", AuditOptions(by="region", aggregated=True))
    assert warehouse.change is not None and direct.change is not None
    for f, v in direct.change.parts.items():
        assert warehouse.change.parts[f] == pytest.approx(v, rel=1e-9, abs=1e-12)
    assert warehouse.observed.figures.p95_latency_ms == direct.observed.figures.p95_latency_ms
    for w_line, d_line in zip(warehouse.assumptions, direct.assumptions, strict=True):
        assert (w_line.key, w_line.verdict, w_line.note) == (d_line.key, d_line.verdict, d_line.note)
        assert w_line.observed == pytest.approx(d_line.observed, rel=1e-12)  # a CSV's last digit
    assert math.isclose(warehouse.requests, direct.requests)


@pytest.mark.parametrize("column", ["cost_usd", "latency_ms", "escalated", "correct",
                                    "batch_size", "prompt_tokens"])
def test_a_nan_is_named_not_summed(tmp_path: Path, column: str) -> None:
    # Parquet statistics leave NaN out; the aggregation must still refuse it, by row.
    rows = [{"timestamp": "2027-01-01 10:00:00", "model": "a", "batch_size": 2.0,
             "cost_usd": 0.5, "latency_ms": 10.0, "escalated": 0.0, "correct": 1.0,
             "prompt_tokens": 100.0} for _ in range(6)]
    rows[4][column] = float("nan")
    import pyarrow as pa
    import pyarrow.parquet as pq

    # pyarrow keeps a float NaN a NaN (pandas would write it as a null).
    table = pa.table({k: pa.array([r[k] for r in rows]) for k in rows[0]})
    path = tmp_path / "nan.parquet"
    pq.write_table(table, path)
    assert pq.read_table(path).column(column).null_count == 0
    with pytest.raises(InputError) as err:
        read_log(path)
    assert err.value.row == 5 and err.value.column == column
    assert "NaN" in err.value.message


def test_an_aggregated_file_with_a_nan_sum_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sums.csv"
    path.write_text("day,model,latency_bin,rows,requests,cost_usd,invalid_rows\n"
                    "2027-01-01,a,230,2,4,NaN,0\n")
    with pytest.raises(InputError, match="a sum is NaN"):
        audit(session(chosen="edge"), path, AuditOptions(aggregated=True))
    path.write_text("day,model,latency_bin,rows,requests,cost_usd,invalid_rows\n"
                    "2027-01-01,a,230,2,4,1.5,3\n")
    with pytest.raises(InputError, match="3 rows of the source log failed validation"):
        audit(session(chosen="edge"), path, AuditOptions(aggregated=True))
