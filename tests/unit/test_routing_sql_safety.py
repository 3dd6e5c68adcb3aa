"""No user text is ever spliced into SQL (issue #8, "A file runs code").

A column name reaches the routing SQL from a session's [routing], a flag or a Parquet
header. Names with control characters are refused before any SQL exists; every other
name is an identifier node that sqlglot quotes for the dialect, so it can neither end a
comment nor start a statement. The hostile name below once ended a SQL comment in the
aggregation query, and DuckDB then ran the COPY it carried (writing pwned.csv into the
working directory) from `workbench report`, `workbench route --session` and pane 7.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot
import tomli_w
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from workbench.cli import main
from workbench.errors import InputError
from workbench.routing import RoutingSpec
from workbench.routing.bins import DIALECTS, aggregate_parquet, aggregation_sql
from workbench.routing.sweep import bins_curve

HOSTILE = "amount\nCOPY (SELECT 'x') TO 'pwned.csv'; --"
# A header the old matcher took for HOSTILE (case, spaces and punctuation are ignored),
# so the old code reached DuckDB with it; with no such header nothing could run.
HOSTILE_HEADER = "amount COPY SELECT x TO pwned csv"
NASTY = 'amount"; DROP TABLE t; --'
# A plain name that SQL reserves: the old builder left it bare, which broke the query.
RESERVED = "select"
COSTS = ["--cheap-cost-per-1k", "0.02", "--expensive-cost-per-1k", "1.0"]
KEYS = ("loss_column", "escalate_when", "escalate_above")


def make_log(n: int = 3_000, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.2
    cheap = np.clip(np.where(y, 0.7, 0.3) + rng.normal(0, 0.2, n), 0, 1)
    expensive = np.clip(np.where(y, 0.85, 0.15) + rng.normal(0, 0.1, n), 0, 1)
    amount = rng.exponential(300, n).round(2)
    flag = (rng.random(n) < 0.05).astype(np.int64)
    return {"label": y.astype(np.int64), "cheap_score": cheap, "expensive_score": expensive,
            "amount": amount, "flag": flag}


def write_log(path: Path, cols: dict[str, np.ndarray], amount_header: str, flag_header: str = "flag") -> Path:
    rename = {"amount": amount_header, "flag": flag_header}
    pq.write_table(pa.table({rename.get(name, name): values for name, values in cols.items()}), path)
    return path


def routing_for(key: str, name: str) -> dict[str, object]:
    """A [routing] table that uses `name` as the column of `key`."""
    if key == "loss_column":
        return {"loss_column": name}
    if key == "escalate_when":
        return {"escalate_when": [name]}
    return {"escalate_above": {name: 1000.0}}


def flags_for(key: str, name: str) -> list[str]:
    return {
        "loss_column": ["--loss-column", name],
        "escalate_when": ["--escalate-when", name],
        "escalate_above": ["--escalate-above", f"{name}=1000"],
    }[key]


def write_session(folder: Path, log: Path, routing: dict[str, object]) -> Path:
    data = {
        "schema_version": 1,
        "title": "SQL safety",
        "candidates": [
            {"name": "cheap", "accuracy": 90.0, "latency_ms": 3.0, "cost_per_1k": 0.02},
            {"name": "expensive", "accuracy": 95.0, "latency_ms": 40.0, "cost_per_1k": 1.0},
        ],
        "routing": {
            "log": str(log), "streaming": True, "cheap_model": "cheap",
            "expensive_model": "expensive", "target_accuracy": 90.0, **routing,
        },
    }
    path = folder / "S.toml"
    path.write_text(tomli_w.dumps(data))
    return path


def assert_refused(code: int, err: str, key: str) -> None:
    assert code == 2
    assert err.startswith("workbench: error: ") and err.count("\n") == 1, err
    assert key in err and "control character" in err and "Traceback" not in err


# ---- (a), (b): a hostile name is an input error everywhere, and nothing runs ----------


@pytest.mark.parametrize("key", KEYS)
def test_hostile_name_in_session_is_refused_and_runs_nothing(
    key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # where COPY ... TO 'pwned.csv' would write
    log = write_log(tmp_path / "log.parquet", make_log(), HOSTILE_HEADER)
    session = write_session(tmp_path, log, routing_for(key, HOSTILE))
    for argv in (["report", str(session)], ["route", "--session", str(session), "--format", "json"]):
        code = main(argv)
        assert_refused(code, capsys.readouterr().err, key)
        assert not (tmp_path / "pwned.csv").exists()


@pytest.mark.parametrize("key", KEYS)
def test_hostile_name_as_flag_is_refused_and_runs_nothing(
    key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    log = write_log(tmp_path / "log.parquet", make_log(), HOSTILE_HEADER)
    for extra in (["--emit-sql"], ["--streaming", *COSTS]):
        code = main(["route", str(log), *flags_for(key, HOSTILE), *extra])
        captured = capsys.readouterr()
        assert_refused(code, captured.err, key)
        assert captured.out == ""  # no SQL printed for a warehouse to run either
        assert not (tmp_path / "pwned.csv").exists()


@pytest.mark.parametrize(
    "char", ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\x9b"],
    ids=["LF", "CR", "TAB", "NUL", "ESC", "DEL", "NEL", "CSI"],
)
@pytest.mark.parametrize("key", KEYS)
def test_every_control_character_is_an_input_error_naming_the_key(key: str, char: str) -> None:
    with pytest.raises(InputError) as err:
        RoutingSpec.from_dict(routing_for(key, f"amount{char}x"))
    assert err.value.key == key
    assert "\n" not in str(err.value) and char not in str(err.value)  # shown as an escape
    with pytest.raises(InputError) as err:
        RoutingSpec.from_dict(routing_for(key, ""))
    assert err.value.key == key and "empty" in err.value.message


def test_printable_oddities_are_legal_names() -> None:
    # Quotes, comment markers, a bidi override (Cf) and a line separator (Zl) are not
    # controls (Cc): the SQL quotes them, and the views escape them when shown.
    for name in (NASTY, "a */ b /* c", "tag`x`", "prix (€) é", "a\u202eb", "a\u2028b", " "):
        RoutingSpec(loss_column=name, escalate_when=(name,), escalate_above={name: 1.0}).validate()


# ---- (c): a legal but nasty header streams through DuckDB ---------------------------


def test_nasty_header_streams_with_the_same_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cols = make_log()
    nasty = write_log(tmp_path / "nasty.parquet", cols, NASTY, RESERVED)
    plain = write_log(tmp_path / "plain.parquet", cols, "amount", "flag")
    rules = ["--escalate-above", f"{NASTY}=900", "--escalate-when", RESERVED, "--loss-column", NASTY,
             "--target-accuracy", "90"]

    def run(log: Path, rules: list[str], *extra: str) -> dict[str, object]:
        assert main(["route", str(log), *COSTS, *rules, "--format", "json", *extra]) == 0
        figures = json.loads(capsys.readouterr().out)
        figures.pop("notes")  # they name the columns, which differ by design
        return figures  # type: ignore[no-any-return]

    streamed = run(nasty, rules, "--streaming")
    in_memory = run(nasty, rules, "--validation", "none")  # every row, as the bins have
    plain_rules = ["--escalate-above", "amount=900", "--escalate-when", "flag", "--loss-column", "amount",
                   "--target-accuracy", "90"]
    # The quoted identifier reads the same column a plain name does: identical output.
    assert streamed == run(plain, plain_rules, "--streaming")
    assert streamed["rows"] == in_memory["rows"] == 3_000
    # The baselines do not depend on bins: exactly the in-memory figures.
    assert streamed["baselines"] == in_memory["baselines"]
    # And by hand: the cheap model alone misses positives scored below 0.5.
    y = cols["label"] == 1
    missed = cols["amount"][y & (cols["cheap_score"] < 0.5)].sum()
    cheap_only = streamed["baselines"]["cheap_only"]  # type: ignore[index]
    assert cheap_only["missed_positive_loss"] == pytest.approx(missed, rel=1e-12)
    forced = (cols["amount"] > 900) | (cols["flag"] != 0)
    forced_cost = 0.02 + 1.0 * float(np.mean(forced))
    recommended = streamed["recommended"]  # type: ignore[index]
    assert recommended["cost_per_1k"] >= forced_cost - 1e-12  # both rules applied
    curve = streamed["curve"]  # type: ignore[index]
    assert curve[0]["escalated_share"] == pytest.approx(np.mean(forced), abs=1e-11)


def test_nasty_header_bins_match_a_direct_count(tmp_path: Path) -> None:
    cols = make_log(seed=8)
    path = write_log(tmp_path / "log.parquet", cols, NASTY, RESERVED)
    counts = aggregate_parquet(path, bin_count=50, escalate_when=(NASTY, RESERVED), loss_column=NASTY)
    assert counts.loss_sum is not None
    assert counts.n.sum() == 3_000
    # escalate_when: every row with a nonzero amount or flag is forced.
    assert counts.n[counts.forced == 1].sum() == int(np.sum((cols["amount"] != 0) | (cols["flag"] != 0)))
    assert counts.loss_sum.sum() == pytest.approx(cols["amount"].sum(), rel=1e-12)
    assert bins_curve(counts).escalated[-1] == 3_000  # escalate-all edge counts every row


def test_nasty_header_bad_row_is_reported_by_its_header(tmp_path: Path) -> None:
    cols = make_log(n=10)
    cols["amount"] = cols["amount"].copy()
    cols["amount"][6] = np.nan
    folder = tmp_path / "it's; a folder"  # the path is a prepared parameter, not text
    folder.mkdir()
    write_log(folder / "o'clock.parquet", cols, NASTY, RESERVED)
    with pytest.raises(InputError) as err:
        aggregate_parquet(folder, loss_column=NASTY, escalate_when=(RESERVED,))
    assert (err.value.row, err.value.column) == (7, NASTY)
    assert err.value.source and err.value.source.endswith("o'clock.parquet")


# ---- (d), (e): every dialect parses back to one statement, names only quoted ---------

QUOTED_FORM = {
    "duckdb": lambda n: '"' + n.replace('"', '""') + '"',
    "snowflake": lambda n: '"' + n.replace('"', '""') + '"',
    "spark": lambda n: "`" + n.replace("`", "``") + "`",
    "bigquery": lambda n: "`" + n.replace("\\", "\\\\").replace("`", "\\`") + "`",
}


def statements(sql: str, dialect: str) -> list[exp.Expression]:
    return [s for s in sqlglot.parse(sql, read=dialect) if s is not None]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_emitted_sql_is_one_statement_with_the_name_only_quoted(
    dialect: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["route", "--emit-sql", "--dialect", dialect, "--loss-column", NASTY,
            "--escalate-when", NASTY, "--escalate-above", f"{NASTY}=-2.5"]
    assert main(argv) == 0
    sql = capsys.readouterr().out
    parsed = statements(sql, dialect)
    assert len(parsed) == 1 and isinstance(parsed[0], exp.Select)
    names = [i for i in parsed[0].find_all(exp.Identifier) if i.name == NASTY]
    assert len(names) == 4 and all(i.quoted for i in names)  # forced x2, loss, validity
    assert sql.count("DROP TABLE") == sql.count(QUOTED_FORM[dialect](NASTY)) == 4
    comments = [line for line in sql.splitlines() if line.lstrip().startswith("--")]
    assert comments and not any("amount" in line or "DROP" in line for line in comments)
    # The threshold of the rule is a number node, its sign a unary minus.
    assert any(isinstance(g.expression, exp.Neg) for g in parsed[0].find_all(exp.GT))


def test_dialects_differ_only_in_rendering(capsys: pytest.CaptureFixture[str]) -> None:
    rendered = {d: aggregation_sql(loss_column=NASTY, dialect=d) for d in DIALECTS}
    assert "AS INT64)" in rendered["bigquery"] and "AS INT64)" not in rendered["duckdb"]
    trees = {d: statements(sql, d)[0] for d, sql in rendered.items()}
    for tree in trees.values():
        for node in tree.walk():
            node.comments = None
        # Row order is cosmetic (a bins file is a set of groups), and sqlglot spells out
        # each dialect's NULL ordering there; the one cast to an integer type is spelt
        # per dialect (INT64 in BigQuery; Spark's lenient CAST reads back as TRY_CAST).
        tree.set("order", None)
        casts = list(tree.find_all(exp.Cast))
        assert len(casts) == 1
        casts[0].replace(casts[0].this)
    # Read back and written as DuckDB, every dialect's query is the same query.
    assert len({t.sql(dialect="duckdb") for t in trees.values()}) == 1
    with pytest.raises(ValueError, match="dialect"):
        aggregation_sql(dialect="postgres")
    assert main(["route", "--dialect", "spark", "--bins", "x.csv", *COSTS]) == 2
    assert "--dialect only applies to --emit-sql" in capsys.readouterr().err


def test_reserved_words_and_non_ascii_names_are_quoted() -> None:
    sql = aggregation_sql(escalate_when=("select", "order", "Montant_é"), loss_column="risk_flag",
                          dialect="snowflake")
    assert '"select" <> 0' in sql and '"order" <> 0' in sql and '"Montant_é" <> 0' in sql
    assert "risk_flag AS loss" in sql  # plain names stay bare: case-insensitive everywhere
    assert len(statements(sql, "snowflake")) == 1


# Everything validate() accepts: no controls (Cc) and no lone surrogates (Cs).
NAMES = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=24)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loss=NAMES, when=NAMES, above=NAMES, value=st.floats(-1e300, 1e300, allow_nan=False))
def test_any_printable_name_gives_one_statement_in_every_dialect(
    loss: str, when: str, above: str, value: float
) -> None:
    spec = RoutingSpec(loss_column=loss, escalate_when=(when,), escalate_above={above: value})
    spec.validate()
    for dialect in DIALECTS:
        sql = aggregation_sql(loss_column=loss, escalate_when=(when,), escalate_above={above: value},
                              dialect=dialect)
        parsed = statements(sql, dialect)
        assert len(parsed) == 1 and isinstance(parsed[0], exp.Select), (dialect, sql)
        found = {i.name for i in parsed[0].find_all(exp.Identifier)}
        # BigQuery reads a dot inside backticks as a path (`a.b` is a.b), as sqlglot
        # does; its columns cannot hold a dot anyway. Still one statement, no SQL text.
        expected = {n for n in (loss, when, above) if dialect != "bigquery" or "." not in n}
        assert expected <= found, dialect


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=NAMES)
# The query's own names: a log column may be called like any of them.
@example(name="confidence")
@example(name="valid")
@example(name="loss")
@example(name="bin")
@example(name="forced")
@example(name="n")
@example(name=NASTY)
@example(name=RESERVED)
def test_any_printable_name_runs_in_duckdb_and_sums_its_column(name: str) -> None:
    import duckdb

    if name.lower() in ("label", "cheap_score", "expensive_score"):
        name = name + "_x"
    table = pa.table({"label": [0, 1, 1], "cheap_score": [0.1, 0.9, 0.2],
                      "expensive_score": [0.2, 0.8, 0.9], name: [1.0, 2.0, 4.0]})
    con = duckdb.connect()
    try:
        con.register("replay_log", table)
        got = con.execute(aggregation_sql(loss_column=name, escalate_when=(name,), bin_count=4)).fetchall()
    finally:
        con.close()
    # (bin, label, cheap_correct, expensive_correct, forced, n, loss_sum); 4 bins over
    # confidence [0.5, 1]: 0.9 -> bin 3, 0.8 (1 - 0.2) -> bin 2.
    assert sorted(got) == [(2, 1, 0, 1, 1, 1, 4.0), (3, 0, 1, 1, 1, 1, 1.0), (3, 1, 1, 1, 1, 1, 2.0)]


def test_sqlglot_loads_only_when_sql_is_built() -> None:
    import subprocess
    import sys

    code = (
        "import sys, workbench.routing, workbench.routing.bins, workbench.cli.route; "
        "assert 'sqlglot' not in sys.modules and 'duckdb' not in sys.modules, sorted(sys.modules); "
        "workbench.routing.bins.aggregation_sql(); assert 'sqlglot' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
