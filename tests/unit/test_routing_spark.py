"""The emitted Spark SQL, run by Spark itself in local mode, gives DuckDB's bins.

One test per log format and tier count: the statement ``workbench route --emit-sql
--dialect spark`` prints is run on a Parquet log registered as the view replay_log,
and its groups must equal those DuckDB computes on the same file out of core.

Needs pyspark (the ``spark`` extra) and Java. It is skipped only when pyspark is not
installed AND the environment variable WORKBENCH_CI is unset: CI (``.ci/run``) installs
both and sets it, so there a missing Spark fails instead of skipping. Starting Spark's
JVM takes tens of seconds on a busy machine, hence ``slow``; ``.ci/run`` runs the
``spark`` marker on its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from workbench.routing import RoutingSpec
from workbench.routing.bins import aggregate_parquet, aggregation_sql
from workbench.routing.bins_cascade import aggregate_cascade_parquet, cascade_sql

pytestmark = [pytest.mark.slow, pytest.mark.spark]

if not os.environ.get("WORKBENCH_CI"):
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]").appName("workbench-routing-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.driver.memory", "512m")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def run_spark(spark: Any, sql: str, parquet: Path) -> list[dict[str, Any]]:
    spark.read.parquet(str(parquet)).createOrReplaceTempView("replay_log")
    # The fixed comment header is for people; Spark's sql() takes one statement without ';'.
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--")).rstrip().rstrip(";")
    return [row.asDict() for row in spark.sql(body).collect()]


def make_binary(path: Path, names: tuple[str, ...], n: int = 4000, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.25
    cols: dict[str, np.ndarray] = {"label": y.astype(np.int64)}
    for m, name in enumerate(names):
        cols[name] = np.clip(np.where(y, 0.7, 0.3) + rng.normal(0, 0.3 - 0.07 * m, n), 0, 1)
    cols["amount"] = np.round(rng.exponential(200, n), 2)
    cols["risk_flag"] = (rng.random(n) < 0.04).astype(np.int64)
    pq.write_table(pa.table(cols), path)


def make_quality(path: Path, names: tuple[str, ...], n: int = 4000, seed: int = 2) -> None:
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for m, name in enumerate(names):
        c = rng.normal(0, 1.5, n)
        cols[f"correct_{name}"] = np.where(rng.random(n) < 0.1, 0.5, (rng.random(n) < 1 / (1 + np.exp(-c))) * 1.0)
        cols[f"confidence_{name}"] = c
    cols["risk_flag"] = (rng.random(n) < 0.04).astype(np.int64)
    pq.write_table(pa.table(cols), path)


def keyed(rows: list[dict[str, Any]], keys: list[str]) -> dict[tuple, dict[str, Any]]:
    return {tuple(int(r[k]) for k in keys): r for r in rows}


def test_two_model_binary_sql(spark: Any, tmp_path: Path) -> None:
    path = tmp_path / "fraud.parquet"
    make_binary(path, ("cheap_score", "expensive_score"))
    rules = {"escalate_when": ("risk_flag",), "escalate_above": {"amount": 700.0}, "loss_column": "amount"}
    sql = aggregation_sql(bin_count=500, dialect="spark", **rules)  # type: ignore[arg-type]
    got = keyed(run_spark(spark, sql, path), ["bin", "label", "cheap_correct", "expensive_correct", "forced"])
    counts = aggregate_parquet(path, bin_count=500, **rules)  # type: ignore[arg-type]
    assert len(got) == counts.n.size
    for i in range(counts.n.size):
        key = (int(counts.bin[i]), int(counts.label[i]), int(counts.cheap_correct[i]),
               int(counts.expensive_correct[i]), int(counts.forced[i]))
        assert got[key]["n"] == counts.n[i]
        assert got[key]["loss_sum"] == pytest.approx(counts.loss_sum[i], rel=1e-12)  # type: ignore[index]


@pytest.mark.parametrize("k", [2, 3])
def test_models_binary_sql(spark: Any, tmp_path: Path, k: int) -> None:
    names = ("fraud-lite", "mid", "ensemble")[:k]
    path = tmp_path / "b.parquet"
    make_binary(path, tuple(f"score_{x}" for x in names), seed=k)
    spec = RoutingSpec(log=str(path), models=names, escalate_when=("risk_flag",), loss_column="amount", grid=16,
                       bin_count=300)
    keys = [*[f"bin_{m + 1}" for m in range(k - 1)], "label", *[f"correct_{m + 1}" for m in range(k)], "forced"]
    got = keyed(run_spark(spark, cascade_sql(spec, dialect="spark"), path), keys)
    groups, _ = aggregate_cascade_parquet(path, spec)
    assert len(got) == groups.n.size
    assert groups.label is not None and groups.correct is not None and groups.loss_sum is not None
    for i in range(groups.n.size):
        key = (*[int(b[i]) for b in groups.bin], int(groups.label[i]), *[int(c[i]) for c in groups.correct],
               int(groups.forced[i]))
        assert got[key]["n"] == groups.n[i]
        assert got[key]["loss_sum"] == pytest.approx(groups.loss_sum[i], rel=1e-12)


@pytest.mark.parametrize("k", [2, 4])
def test_quality_sql(spark: Any, tmp_path: Path, k: int) -> None:
    names = ("small-llm", "mid", "large", "xl")[:k]
    path = tmp_path / "q.parquet"
    make_quality(path, names, seed=10 + k)
    spec = RoutingSpec(log=str(path), models=names, log_format="quality", escalate_when=("risk_flag",), grid=6,
                       bin_count=200)
    keys = [*[f"bin_{m + 1}" for m in range(k - 1)], "forced"]
    got = keyed(run_spark(spark, cascade_sql(spec, dialect="spark"), path), keys)
    groups, _ = aggregate_cascade_parquet(path, spec)
    assert len(got) == groups.n.size
    assert groups.quality is not None and groups.lo is not None and groups.hi is not None
    for i in range(groups.n.size):
        row = got[(*[int(b[i]) for b in groups.bin], int(groups.forced[i]))]
        assert row["n"] == groups.n[i]
        for m in range(k):
            assert row[f"quality_{m + 1}"] == pytest.approx(groups.quality[m][i], rel=1e-12)
        for m in range(k - 1):
            assert row[f"conf_lo_{m + 1}"] == groups.lo[m] and row[f"conf_hi_{m + 1}"] == groups.hi[m]
    assert max(int(r["graded"]) for r in got.values()) == int(groups.graded) == 1
