"""The column-at-a-time exports against their one-cell definitions.

`workbench.views.export` writes JSON and CSV with array kernels; the reference here is
the per-cell code those kernels replaced (kept below, verbatim in what it computes):
`fmt.clean` + `json.dumps` for every JSON value, `csv_safe` + the csv module for every
CSV cell, `ConstraintCheck.message` for every violation, `fmt.with_unit` for every
formatted number. Tables are built to hit the hard cases: near ties of the 12-digit
rounding, tiny and huge magnitudes, NaN and inf, hostile names, mixed columns, and
more rows than one chunk.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile import CONTROLS, hostile_session
from workbench.analysis import Analysis, ConstraintCheck, analyze
from workbench.fmt import clean, grouped, rounded12, with_unit, with_unit_column
from workbench.model import Constraints, Scenario, WhatIf, Workload
from workbench.views import export
from workbench.views.export import CORE_KEYS, csv_safe, number_tokens, string_tokens


# ----------------------------------------------------------- the per-cell references


def reference_records(a: Analysis) -> list[dict[str, Any]]:
    table = a.table
    violations = a.violations()
    extra = [c for c in table.columns if c not in CORE_KEYS]
    contrib_cols = list(a.contributions.columns)
    contrib = a.contributions.to_numpy()
    columns = {c: table[c].tolist() for c in table.columns}
    records = []
    for i in range(len(table)):
        rec: dict[str, Any] = {}
        for key in CORE_KEYS:
            rec[key] = violations[i] if key == "violations" else clean(columns[key][i])
        rec["contributions"] = {c: clean(contrib[i, j]) for j, c in enumerate(contrib_cols)}
        for key in extra:
            rec[key] = clean(columns[key][i])
        records.append(rec)
    return records


def reference_csv(a: Analysis) -> str:
    table = a.table
    violations = a.violations()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    extra = [c for c in table.columns if c not in CORE_KEYS]
    contrib_cols = list(a.contributions.columns)
    header = [*CORE_KEYS, *[f"contribution_{c}" for c in contrib_cols], *extra]
    writer.writerow([csv_safe(h) for h in header])
    contrib = a.contributions.to_numpy()
    columns = {c: table[c].tolist() for c in table.columns}
    for i in range(len(table)):
        row: list[Any] = []
        for key in CORE_KEYS:
            if key == "violations":
                row.append("; ".join(violations[i]))
            else:
                v = clean(columns[key][i])
                row.append("" if v is None else v)
        row.extend(clean(contrib[i, j]) for j in range(len(contrib_cols)))
        for key in extra:
            v = clean(columns[key][i])
            row.append("" if v is None else v)
        writer.writerow([csv_safe(v) for v in row])
    return buffer.getvalue()


def reference_token(value: Any) -> str:
    return export.json_text(clean(value), indent=None)


def same(a: Any, b: Any) -> bool:
    """Equal values of the same JSON types (1 and 1.0 differ here; NaN never occurs)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


# ------------------------------------------------------------------------ the data

HARD_NUMBERS = np.array([
    0.0, -0.0, 1.0, -1.0, 0.5, 1500.0000000000002, 0.1 * 3, 1e-4, 9.99999999999e-5,
    0.000123456789012345, 4.25e-5, 1.5e-7, 1e-10, 3e-11, 1e-300, 5e-324, 123456789012.5,
    999999999999.5, 999999999999.4, 1e12, 1.5e15, 2.0**53, 2.0**53 + 2, 1e16, 1.5e22, 1e300,
    np.nan, np.inf, -np.inf, 2.675, 1.0000000000005, 0.30000000000000004, 72.61895323264578,
    -0.000042, 99.995, 100.0, 0.01, 0.009999, 12345.678901234567,
])


def numbers(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts = [
        rng.lognormal(0, 6, n) * rng.choice([-1.0, 1.0], n),
        *[np.round(rng.uniform(0, 1e4, n // 4), d) for d in range(4)],
        # x.5 at the 12th digit: exact ties and their neighbours
        (rng.integers(10**11, 10**12, n) + 0.5) * 10.0 ** rng.integers(-15, 3, n),
        np.nextafter((rng.integers(10**11, 10**12, n) + 0.5), np.inf),
    ]
    return np.concatenate([HARD_NUMBERS, *parts])


def big_analysis(n: int = 3000, seed: int = 3) -> Analysis:
    rng = np.random.default_rng(seed)
    names = [f"m{i}" for i in range(n)]
    names[1] = "=cmd|' /C calc'!A0"
    names[2] = 'quote " and \\ backslash'
    names[3] = "tab\tline\nbreak\r" + CONTROLS
    names[4] = "émoji 🚀 and 中文"
    names[5] = "-2+3"
    names[6] = "@SUM(1)"
    names[7] = "tag \U000e0041 and bidi \u202e"
    frame = pd.DataFrame({
        "name": names,
        "accuracy": np.clip(rng.normal(85, 8, n), 0, 100),
        "latency_ms": rng.lognormal(3.5, 1.2, n),
        "cost_per_1k": np.where(rng.random(n) < 0.1, 0.0, rng.lognormal(-2, 2, n)),
        "maintainability": rng.integers(1, 6, n).astype(float),
        "fixed_monthly_usd": np.where(rng.random(n) < 0.3, rng.uniform(0, 500, n), 0.0),
        "params_m": np.where(rng.random(n) < 0.05, np.nan, rng.lognormal(3, 2, n)),
        "licence": np.where(rng.random(n) < 0.2, None, rng.choice(["MIT", "=evil", "a\"b", "x\x85y"], n)),
    })
    frame.loc[10, "accuracy"] = 70.0  # exactly at the limit
    frame.loc[11, "latency_ms"] = 100.0000001  # prints like the limit
    return analyze(Scenario(
        frame,
        Workload(volume_per_day=123_457),
        Constraints(max_latency_ms=100, monthly_budget_usd=5_000, min_accuracy=70,
                    max={"params_m": 50.0}),
        whatif=WhatIf(error_cost_usd=0.02),
    ))


@pytest.fixture(scope="module")
def big() -> Analysis:
    return big_analysis()


# --------------------------------------------------------------------------- cells


def test_number_tokens_are_json_dumps_of_clean_cell_by_cell() -> None:
    values = numbers(20_000, 1)
    tokens = number_tokens(values).to_pylist()
    wrong = [(v, t, reference_token(v)) for v, t in zip(values, tokens) if t != reference_token(v)]
    assert wrong == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=50))
def test_number_tokens_property(values: list[float]) -> None:
    tokens = number_tokens(np.array(values, dtype=float)).to_pylist()
    assert tokens == [reference_token(v) for v in values]


def test_number_tokens_mostly_plain_columns_patch_the_rest_exactly() -> None:
    # A column of ordinary values (the one-cast path) with every hard case, and the
    # edges of the cast's positional range, patched in: each cell as json.dumps(clean).
    rng = np.random.default_rng(7)
    plain = rng.uniform(1e-4, 1e10, 4_000) * rng.choice([-1.0, 1.0], 4_000)
    edges = np.array([1e-4, np.nextafter(1e-4, 0), np.nextafter(1e-4, 1), 9.9999999999995e-5,
                      1e10, np.nextafter(1e10, 0), 9999999999.995, 9999999999.994,
                      -9999999999.9999, 12345678901.5, 1234567890.5, 0.00012345678901])
    values = np.concatenate([plain, HARD_NUMBERS, edges, np.round(plain[:500])])
    rng.shuffle(values)
    tokens = number_tokens(values).to_pylist()
    wrong = [(v, t, reference_token(v)) for v, t in zip(values, tokens) if t != reference_token(v)]
    assert wrong == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(1e-4, 1e10), st.floats(-1e10, -1e-4),
                          st.floats(allow_nan=True, allow_infinity=True)),
                min_size=8, max_size=60))
def test_number_tokens_property_near_the_cast_range(values: list[float]) -> None:
    tokens = number_tokens(np.array(values, dtype=float)).to_pylist()
    assert tokens == [reference_token(v) for v in values]


def test_number_tokens_of_ints_and_bools() -> None:
    assert number_tokens(np.array([0, -5, 2**62])).to_pylist() == ["0", "-5", str(2**62)]
    assert number_tokens(np.array([True, False])).to_pylist() == ["true", "false"]
    assert number_tokens(np.array([np.nan, 2.5]), null='""').to_pylist() == ['""', "2.5"]


def test_rounded12_is_clean_where_it_claims_to_be() -> None:
    values = numbers(20_000, 2)
    r, hard = rounded12(values)
    for v, got, h in zip(values, r, hard):
        expected = clean(v)
        if h or expected is None:
            continue
        assert got == expected, (v, got, expected)
    # Rounded up to the next power of ten at the top of the exact range (1e34): the
    # power of ten that would scale it back is not an exact double, so the cell is hard.
    top = np.array([9.999999999999e33, 9.99999999999951e33, -9.9999999999996e33, 9.999999999999e32])
    r, hard = rounded12(top)
    assert [bool(h) for h in hard] == [True, True, True, False]
    assert r[3] == clean(top[3]) == 1e33
    # the fallback is the exception, not the rule (outside tables built of ties)
    _, hard = rounded12(np.random.default_rng(7).lognormal(0, 3, 10_000))
    assert hard.mean() < 0.01


def test_string_tokens_escape_like_json_text() -> None:
    cells = ["plain", 'q"uote', "back\\slash", "nl\n", CONTROLS, "\u202eRTL", "\ud800lone",
             "tag\U000e0041", "émoji 🚀", None, ""]
    tokens = string_tokens(pd.Series(cells, dtype=object)).to_pylist()
    assert tokens == [reference_token(c) for c in cells]
    for token, cell in zip(tokens, cells):
        assert json.loads(token) == cell  # exact on load, astral format characters too


@pytest.mark.parametrize("kind", ["string", "large_string", "sliced", "chunked"])
@pytest.mark.parametrize("cell", ['q"uote', "back\\slash", "nl\n", "\x00", "\x1f", "\x7f",
                                  "\x85", "é", "\u202e", "🚀"])
def test_plain_ascii_sees_every_byte_that_may_need_escaping(kind: str, cell: str) -> None:
    # The byte check that lets string_tokens skip the per-cell match: a False for any
    # cell that needs escaping (or is not ASCII, which the match then looks at), in
    # every layout arrow hands it (offsets of 32 or 64 bits, a slice, chunks).
    plain = [f"model-{i:05d} ~!{{}}" for i in range(50)]
    cells = [*plain[:20], cell, *plain[20:]]

    def layout(values: list[str | None]) -> Any:
        if kind == "large_string":
            return pa.array(values, pa.large_string())
        if kind == "sliced":
            return pa.array(["\x00\"", *values, '"\\'], pa.string()).slice(1, len(values))
        if kind == "chunked":
            return pa.chunked_array([pa.array(values[:10]), pa.array(values[10:])])
        return pa.array(values, pa.string())

    assert export._plain_ascii(layout([*plain, None]))
    assert not export._plain_ascii(layout(cells))
    if kind != "large_string":  # (string_tokens is handed 32-bit offsets: see _texts)
        assert string_tokens(layout(cells)).to_pylist() == [reference_token(c) for c in cells]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=6), min_size=1, max_size=12))
def test_plain_ascii_only_passes_cells_with_nothing_to_escape(cells: list[str]) -> None:
    cells = [c for c in cells if not any(0xD800 <= ord(ch) <= 0xDFFF for ch in c)] or ["x"]
    if export._plain_ascii(pa.array(cells, pa.string())):
        assert all(reference_token(c) == f'"{c}"' for c in cells)
        assert all(c.isascii() for c in cells)


def test_grouped_is_format_with_commas() -> None:
    rng = np.random.default_rng(3)
    whole = np.concatenate([np.arange(0, 2_100), 10 ** np.arange(19), 10 ** np.arange(1, 19) - 1,
                            rng.integers(0, 2**63 - 1, 5_000, dtype=np.int64),
                            rng.integers(0, 10**7, 5_000), [2**63 - 1]]).astype(np.int64)
    assert grouped(whole).to_pylist() == [f"{int(w):,}" for w in whole]


def test_json_text_escapes_astral_format_characters_as_pairs() -> None:
    text = export.json_text({"k": "a\U000e0041b\u202ec\x85"})
    assert "\\udb40\\udc41" in text and "\\u202e" in text and "\\u0085" in text
    assert json.loads(text) == {"k": "a\U000e0041b\u202ec\x85"}


@pytest.mark.parametrize("unit", ["USD", "USD/month", "USD/1k", "ms", "%", "per day", "", "params"])
def test_with_unit_column_is_with_unit(unit: str) -> None:
    values = numbers(3_000, 4)
    assert with_unit_column(values, unit).to_pylist() == [with_unit(v, unit) for v in values]


@pytest.mark.parametrize(("name", "column", "op", "limit"), [
    ("monthly_budget_usd", "monthly_cost_usd", "<=", 15_000.0),
    ("max_latency_ms", "latency_ms", "<=", 100.0),
    ("min_accuracy", "accuracy", ">=", 70.0),
    ("max.params_m", "params_m", "<=", 50.0),
    ("min.cost_per_1k", "cost_per_1k", ">=", 0.5),
])
def test_messages_are_message_for_every_broken_row(name: str, column: str, op: str,
                                                   limit: float) -> None:
    values = np.concatenate([numbers(3_000, 5), [limit, np.nextafter(limit, np.inf),
                                                 np.nextafter(limit, -np.inf), limit * 1.004,
                                                 limit * 0.996, np.nan]])
    with np.errstate(invalid="ignore"):
        broken = ~((values <= limit) if op == "<=" else (values >= limit))
    check = ConstraintCheck(name, column, op, limit, broken, values)
    got = check.messages().to_pylist()
    assert got == [check.message(int(i)) for i in np.flatnonzero(broken)]
    assert len(got) > 1000


# ------------------------------------------------------------------------ documents


def test_json_candidates_equal_the_per_cell_records(big: Analysis,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "CHUNK_ROWS", 700)  # several chunks, a short last one
    doc = export.to_dict(big)
    expected = reference_records(big)
    assert len(doc["candidates"]) == len(expected) == 3000
    bad = [(i, got, exp) for i, (got, exp) in enumerate(zip(doc["candidates"], expected))
           if not same(got, exp)]
    assert bad == []
    # the violations are there (the table was built to break every limit somewhere)
    assert sum(bool(r["violations"]) for r in doc["candidates"]) > 1000


def test_json_delta_rows_equal_the_per_cell_rows(big: Analysis) -> None:
    doc = export.to_dict(big)
    delta = big.accuracy_delta
    assert delta is not None
    expected = [{k: clean(v) for k, v in rec.items()}
                for rec in delta.rows.to_dict(orient="records")]
    assert same(doc["accuracy_delta"]["rows"], expected)


def test_sweep_detail_maps_equal_the_sweep(big: Analysis,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "CHUNK_ROWS", 1000)
    doc = export.to_dict(big, sweep_detail=True)
    s = big.volume_sweep
    assert s is not None
    names = big.table["name"].tolist()
    for j, step in enumerate(doc["volume_sweep"]):
        assert same(step["monthly_cost_usd"],
                    {n: clean(v) for n, v in zip(names, s.monthly_cost_usd[:, j])})
        assert step["feasible"] == {n: bool(v) for n, v in zip(names, s.feasible[:, j])}
        assert step["feasible_count"] == int(s.feasible[:, j].sum())
        pick = step["recommendation"]
        if pick is not None:
            assert step["recommendation_monthly_cost_usd"] == clean(
                s.monthly_cost_usd[names.index(pick), j])
    compact = export.to_dict(big)["volume_sweep"]
    assert [set(step) for step in compact] == [{
        "multiplier", "volume_per_day", "recommendation", "recommendation_monthly_cost_usd",
        "feasible_count", "candidate_count"}] * len(s.multipliers)


def test_json_text_is_json_text_of_the_document(big: Analysis) -> None:
    """Only the layout is new: the document reads back as json_text's would."""
    text = export.to_json(big)
    assert text.endswith("}\n")
    assert not any(c in text for c in "\x85\u202e\U000e0041")  # escaped, not raw
    doc = json.loads(text)
    assert json.loads(export.json_text(doc)) == doc
    # one line per candidate
    lines = text.splitlines()
    start = lines.index('  "candidates": [')
    assert lines[start + 1].startswith('    {"name":"') and lines[start + 3000].endswith("}")
    assert lines[start + 3001] == "  ],"


def test_csv_is_the_csv_module_byte_for_byte(big: Analysis,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "CHUNK_ROWS", 999)
    assert export.to_csv(big) == reference_csv(big)


def test_hostile_session_exports_match_the_references() -> None:
    a = analyze(hostile_session().scenario)
    assert same(export.to_dict(a)["candidates"], reference_records(a))
    assert export.to_csv(a) == reference_csv(a)


def test_mixed_and_lone_surrogate_columns_fall_back_to_the_definition() -> None:
    frame = pd.DataFrame({
        "name": pd.Series(["a\udc80", "b", "c"], dtype=object),
        "accuracy": [90.0, 80.0, 70.0], "latency_ms": [1.0, 2.0, 3.0],
        "cost_per_1k": [1.0, 2.0, 3.0],
        "mixed": pd.Series([1, "=x", None], dtype=object),
    })
    a = analyze(Scenario(frame, Workload(volume_per_day=10)))
    assert same(export.to_dict(a)["candidates"], reference_records(a))
    assert export.to_csv(a) == reference_csv(a)
    assert "\\udc80" in export.to_json(a)


def test_markdown_and_text_read_only_the_rows_they_show(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.cli.text import to_text

    base = big_analysis(n=5000, seed=9)
    # Strict limits: few feasible candidates, so the shown rows include broken ones.
    a = analyze(Scenario(base.scenario.candidates, base.scenario.workload,
                         Constraints(max_latency_ms=10, min_accuracy=99)))
    assert 0 < int(a.table["feasible"].sum()) < 40

    def no_full_lists(self: Analysis) -> list[list[str]]:
        raise AssertionError("violations() of every candidate")

    monkeypatch.setattr(Analysis, "violations", no_full_lists)
    md = export.to_markdown(a)
    rows = [ln for ln in md.split("## Decision matrix")[0].splitlines() if ln.startswith("| ")]
    assert len(rows) == 2 + export.MARKDOWN_ROWS
    assert "4,950 more candidates not shown" in md
    sweep = md.split("## What-if: volume")[1].split("##")[0]
    header = [ln for ln in sweep.splitlines() if ln.startswith("| ")][0]
    assert header.count("|") - 1 == 2 + export.MARKDOWN_SWEEP_COLUMNS
    text = to_text(a)
    assert "4950 more candidates" in text
    # the shown infeasible rows still say what they break
    first_bad = next(i for i in range(50) if not a.table["feasible"].iloc[i])
    assert a.violations_at(first_bad)[0][:12] in text.replace("\n", " ")
    assert "latency" in text.split("Decision matrix")[0].split("Candidates")[1]
