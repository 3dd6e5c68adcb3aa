"""Out of core for every layout and tier count: the SQL, DuckDB's bins, bins files, safety."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import sqlglot

from workbench.cli import route as route_cli
from workbench.errors import InputError
from workbench.routing import RoutingSpec, simulate
from workbench.routing.bins_cascade import aggregate_cascade_parquet, cascade_sql
from workbench.routing.cascade import CascadeData, evaluate

NASTY = 'ens"; DROP TABLE t; --'


def route(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="workbench route")
    route_cli.add_arguments(parser)
    return route_cli.run(parser.parse_args(argv))


def binary_log(n: int, k: int, seed: int, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    cols: dict[str, np.ndarray] = {"label": y.astype(np.int64)}
    for m, name in enumerate(names[:k]):
        cols[f"score_{name}"] = np.round(np.clip(np.where(y, 0.7, 0.3) + rng.normal(0, 0.35 - 0.08 * m, n), 0, 1), 3)
    cols["amount"] = np.round(rng.exponential(200, n), 2)
    cols["flag"] = (rng.random(n) < 0.05).astype(np.int64)
    return cols


def quality_log(n: int, k: int, seed: int, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for m, name in enumerate(names[:k]):
        c = np.round(rng.normal(0, 2, n), 2)
        cols[f"correct_{name}"] = np.where(rng.random(n) < 0.2, 0.5, rng.random(n) < 1 / (1 + np.exp(-c - m)))
        cols[f"confidence_{name}"] = c
    cols["flag"] = (rng.random(n) < 0.05).astype(np.int64)
    return cols


def expected_binary_groups(cols: dict[str, np.ndarray], names: tuple[str, ...], bins: int) -> Counter:
    y = cols["label"].astype(bool)
    forced = (cols["flag"] != 0) | (cols["amount"] > 500)
    out: Counter = Counter()
    k = len(names)
    scores = [cols[f"score_{n}"] for n in names]
    conf = [np.maximum(s, 1 - s) for s in scores[: k - 1]]
    cells = [np.minimum(np.floor((c - 0.5) * (2 * bins)), bins - 1).astype(int) for c in conf]
    ok = [(s >= 0.5) == y for s in scores]
    for i in range(y.size):
        key = (*[int(c[i]) for c in cells], int(y[i]), *[int(o[i]) for o in ok], int(forced[i]))
        out[key] += 1
    return out


def expected_quality_groups(cols: dict[str, np.ndarray], names: tuple[str, ...], bins: int) -> dict:
    k = len(names)
    forced = cols["flag"] != 0
    cells = []
    for m in range(k - 1):
        c = cols[f"confidence_{names[m]}"]
        lo, hi = c.min(), c.max()
        ratio = (c - lo) / (hi - lo) * float(bins)
        r = np.where((ratio >= 0) & (ratio <= bins - 1), ratio, np.where(ratio > bins - 1, bins - 1, 0.0))
        cells.append(np.floor(r).astype(int))
    out: dict = {}
    for i in range(forced.size):
        key = (*[int(c[i]) for c in cells], int(forced[i]))
        n, sums = out.get(key, (0, [0.0] * k))
        out[key] = (n + 1, [s + float(cols[f"correct_{names[m]}"][i]) for m, s in enumerate(sums)])
    return out


@pytest.mark.parametrize("k", [2, 3])
def test_duckdb_binary_cells_equal_a_direct_count(tmp_path: Path, k: int) -> None:
    names = ("lite", NASTY, "big")[:k]
    cols = binary_log(3000, k, seed=k, names=names)
    path = tmp_path / "b.parquet"
    pq.write_table(pa.table(cols), path)
    spec = RoutingSpec(log=str(path), models=names, escalate_when=("flag",), escalate_above={"amount": 500.0},
                       loss_column="amount", grid=8, bin_count=50)
    groups, got_names = aggregate_cascade_parquet(path, spec)
    assert got_names == names
    bins = 50 if k == 2 else 8
    got: Counter = Counter()
    assert groups.label is not None and groups.correct is not None
    for i in range(groups.n.size):
        key = (*[int(b[i]) for b in groups.bin], int(groups.label[i]), *[int(c[i]) for c in groups.correct],
               int(groups.forced[i]))
        got[key] += int(groups.n[i])
    assert got == expected_binary_groups(cols, names, bins)


@pytest.mark.parametrize("k", [2, 4])
def test_duckdb_quality_cells_equal_a_direct_count(tmp_path: Path, k: int) -> None:
    names = ("s", "m", "l", "xl")[:k]
    cols = quality_log(2500, k, seed=10 + k, names=names)
    path = tmp_path / "q.parquet"
    pq.write_table(pa.table(cols), path)
    spec = RoutingSpec(log=str(path), models=names, escalate_when=("flag",), grid=6, bin_count=40)
    groups, _ = aggregate_cascade_parquet(path, spec)
    expected = expected_quality_groups(cols, names, 40 if k == 2 else 6)
    assert groups.quality is not None and groups.graded
    got = {}
    for i in range(groups.n.size):
        key = (*[int(b[i]) for b in groups.bin], int(groups.forced[i]))
        got[key] = (int(groups.n[i]), [float(q[i]) for q in groups.quality])
    assert got.keys() == expected.keys()
    for key, (n, sums) in got.items():
        assert n == expected[key][0] and sums == pytest.approx(expected[key][1])
    assert groups.lo == pytest.approx([cols[f"confidence_{x}"].min() for x in names[:-1]])


def test_streamed_three_tier_figures_are_exact_at_the_bin_edges(tmp_path: Path) -> None:
    names = ("a", "b", "c")
    cols = binary_log(4000, 3, seed=5, names=names)
    path = tmp_path / "b.parquet"
    pq.write_table(pa.table(cols), path)
    spec = RoutingSpec(log=str(path), models=names, costs_per_1k={"a": 0.1, "b": 0.5, "c": 2.0}, grid=5,
                       target_accuracy=80, streaming=True, loss_column="amount", escalate_when=("flag",))
    result = simulate(spec)
    assert result.method == "bins" and result.candidates == 6 * 6
    assert result.safe is None and "row-level log" in (result.safe_reason or "")
    data = CascadeData("log", names, "binary", label=cols["label"].astype(bool),
                       scores=[cols[f"score_{x}"] for x in names], forced=cols["flag"] != 0, loss=cols["amount"])
    rec = result.recommended
    assert rec is not None and rec.thresholds is not None
    direct = evaluate(data, rec.thresholds)
    assert rec.accuracy == pytest.approx(100 * direct.quality[0] / 4000)
    assert rec.missed_positive_loss == pytest.approx(direct.missed_loss[0])  # type: ignore[index]
    assert rec.escalated_share == pytest.approx((4000 - direct.answered[0, 0]) / 4000)
    # Forced items skip the middle model: it runs on the non-forced items tier 1 passes on.
    assert rec.reached_share[1] == pytest.approx(direct.answered[0, 1:].sum() / 4000)  # type: ignore[index]


def test_emitted_sql_runs_and_feeds_bins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = ("s", "m", "l")
    cols = quality_log(3000, 3, seed=2, names=names)
    assert route(["--emit-sql", "--log-format", "quality", "--models", "s,m,l", "--grid", "7",
                  "--escalate-when", "flag"]) == 0
    sql = capsys.readouterr().out
    con = duckdb.connect()
    con.register("replay_log", pa.table(cols))
    table = pa.Table.from_pandas(con.execute(sql).df(), preserve_index=False)
    bins_file = tmp_path / "bins.csv"
    pacsv.write_csv(table, bins_file)
    assert route(["--bins", str(bins_file), "--models", "s,m,l", "--grid", "7", "--cost-per-1k", "s=0.1",
                  "--cost-per-1k", "m=0.4", "--cost-per-1k", "l=2", "--target-accuracy", "70",
                  "--format", "json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["rows"] == 3000 and data["method"] == "bins" and data["grid"] == [8, 8]
    # The same log streamed through DuckDB gives the same figures.
    path = tmp_path / "q.parquet"
    pq.write_table(pa.table(cols), path)
    assert route([str(path), "--streaming", "--models", "s,m,l", "--grid", "7", "--cost-per-1k", "s=0.1",
                  "--cost-per-1k", "m=0.4", "--cost-per-1k", "l=2", "--target-accuracy", "70",
                  "--escalate-when", "flag", "--format", "json"]) == 0
    streamed = json.loads(capsys.readouterr().out)
    assert streamed["recommended"] == data["recommended"]
    assert streamed["baselines"] == data["baselines"]


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "bigquery", "snowflake"])
@pytest.mark.parametrize("fmt", ["binary", "quality"])
def test_cascade_sql_is_one_statement_with_names_as_identifiers(dialect: str, fmt: str) -> None:
    spec = RoutingSpec(models=("lite", NASTY, "select"), log_format=fmt, escalate_when=("flag",),
                       loss_column="amount" if fmt == "binary" else None)
    sql = cascade_sql(spec, dialect=dialect)
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    statements = [s for s in sqlglot.parse(body, read=dialect) if s is not None]
    assert len(statements) == 1
    # The hostile name only ever appears quoted, and no comment line repeats a name.
    assert "DROP TABLE t" not in "\n".join(line for line in sql.splitlines() if line.startswith("--"))
    columns = {c.name for c in statements[0].find_all(sqlglot.exp.Column)}
    prefix = "score_" if fmt == "binary" else "correct_"
    assert f"{prefix}{NASTY}" in columns and f"{prefix}select" in columns


def test_model_names_with_control_characters_are_refused() -> None:
    with pytest.raises(InputError) as err:
        RoutingSpec(models=("lite", "big\nDROP")).validate()
    assert err.value.key == "models" and "control character" in str(err.value)
    with pytest.raises(InputError) as err:
        RoutingSpec(models=("a",)).validate()
    assert "2 to 4" in str(err.value)
    with pytest.raises(InputError):
        RoutingSpec(models=("a", "b", "c"), policy="exclusive").validate()


def test_quality_streaming_reports_the_first_bad_row(tmp_path: Path) -> None:
    cols = quality_log(200, 2, seed=1, names=("s", "m"))
    cols["correct_m"] = cols["correct_m"].astype(np.float64)
    cols["correct_m"][57] = 1.5
    path = tmp_path / "q.parquet"
    pq.write_table(pa.table(cols), path)
    with pytest.raises(InputError) as err:
        aggregate_cascade_parquet(path, RoutingSpec(log=str(path), models=("s", "m")))
    assert err.value.row == 58 and err.value.column == "correct_m"
