"""Loading candidate tables: forgiving headers, strict values, clear errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, SAMPLES
from workbench.cli import main
from workbench.columns import classify, match_headers
from workbench.errors import InputError
from workbench.loading import _within, load_table, validate_candidates


@pytest.mark.parametrize(
    ("header", "column", "factor"),
    [
        ("Model", "name", 1.0),
        ("model_name", "name", 1.0),
        ("top1", "accuracy", 1.0),
        ("Top-1 Acc", "accuracy", 1.0),
        ("Accuracy (%)", "accuracy", 1.0),
        ("mAP", "accuracy", 1.0),
        ("Latency (ms)", "latency_ms", 1.0),
        ("latency_sec", "latency_ms", 1000.0),
        ("p95 latency (us)", "latency_ms", 0.001),
        ("cost per image", "cost_per_1k", 1000.0),
        ("Cost per image (USD)", "cost_per_1k", 1000.0),
        ("$/1k", "cost_per_1k", 1.0),
        ("price_per_1m", "cost_per_1k", 0.001),
        ("USD per 1M requests", "cost_per_1k", 0.001),
        ("Maintainability", "maintainability", 1.0),
        ("Fixed monthly cost (USD)", "fixed_monthly_usd", 1.0),
        ("One-time setup cost", "one_time_usd", 1.0),
    ],
)
def test_header_synonyms_and_units(header: str, column: str, factor: float) -> None:
    match = classify(header)
    assert match is not None
    assert (match.column, match.factor) == (column, factor)


def test_unrelated_headers_are_not_matched() -> None:
    assert classify("family") is None
    assert classify("gflops") is None
    assert classify("throughput_img_per_s") is None


def test_override_wins_over_matching() -> None:
    matches, _ = match_headers(["Model", "score", "t", "c"], {"accuracy": "score"})
    assert matches["accuracy"].header == "score"


def test_retail_sample_converts_units(retail_csv: Path) -> None:
    table = load_table(retail_csv)
    frame = table.frame.set_index("name")
    assert frame.loc["ViT-L detector (transformer)", "cost_per_1k"] == pytest.approx(20.0)
    assert frame.loc["ResNet-50 FPN (mid-tier CNN)", "cost_per_1k"] == pytest.approx(5.0)
    assert frame.loc["MobileNet-SSD edge (on-device)", "cost_per_1k"] == pytest.approx(0.1)
    assert frame["accuracy"].tolist() == [98.0, 95.0, 90.0]
    assert any("x1000" in n for n in table.notes)
    assert len(table.sha256 or "") == 64


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def test_bom_crlf_and_seconds(tmp_path: Path) -> None:
    path = write(
        tmp_path, "m.csv",
        b"\xef\xbb\xbfModel,Top-1 Acc,latency_sec,price_per_1m\r\nx,0.91,0.05,20\r\ny,0.85,0.01,2\r\n",
    )
    table = load_table(path)
    f = table.frame
    assert f["name"].tolist() == ["x", "y"]
    assert f["accuracy"].tolist() == pytest.approx([91.0, 85.0])
    assert f["latency_ms"].tolist() == pytest.approx([50.0, 10.0])
    assert f["cost_per_1k"].tolist() == pytest.approx([0.02, 0.002])
    assert any("fractions" in n for n in table.notes)


def test_semicolon_with_decimal_comma(tmp_path: Path) -> None:
    path = write(tmp_path, "eu.csv", "name;accuracy;latency_ms;cost_per_1k\na;90,5;10;1,25\n")
    f = load_table(path).frame
    assert f.loc[0, "accuracy"] == pytest.approx(90.5)
    assert f.loc[0, "cost_per_1k"] == pytest.approx(1.25)


def test_percent_strings_and_currency(tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", 'name,accuracy,latency_ms,cost_per_1k\na,95%,"1,200",$0.50\n')
    f = load_table(path).frame
    assert (f.loc[0, "accuracy"], f.loc[0, "latency_ms"], f.loc[0, "cost_per_1k"]) == (95.0, 1200.0, 0.5)


def test_json_records_and_wrapped_list(tmp_path: Path) -> None:
    recs = [{"name": "a", "accuracy": 90, "latency_ms": 10, "cost_per_1k": 1, "params_m": 5}]
    one = write(tmp_path, "a.json", json.dumps(recs))
    two = write(tmp_path, "b.json", json.dumps({"candidates": recs}))
    for path in (one, two):
        f = load_table(path).frame
        assert f.loc[0, "params_m"] == 5.0


def test_parquet_and_tsv(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["a", "b"], "accuracy": [90.0, 80.0],
                          "latency_ms": [10.0, 5.0], "cost_per_1k": [1.0, 0.5]})
    frame.to_parquet(tmp_path / "c.parquet")
    frame.to_csv(tmp_path / "c.tsv", sep="\t", index=False)
    for name in ("c.parquet", "c.tsv"):
        loaded = load_table(tmp_path / name).frame
        assert loaded["cost_per_1k"].tolist() == [1.0, 0.5]


def test_blank_optional_cost_is_missing_not_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv",
                 "name,accuracy,latency_ms,cost_per_1k,fixed_monthly_usd\na,90,10,1,100\nb,80,5,1,\n")
    f = load_table(path).frame
    assert f.loc[0, "fixed_monthly_usd"] == 100.0
    assert pd.isna(f.loc[1, "fixed_monthly_usd"])


def test_map_override_and_unknown_header(tmp_path: Path) -> None:
    path = write(tmp_path, "m.csv", "model,quality,speed,price\na,90,10,1\n")
    loaded = load_table(path, {"accuracy": "quality", "latency_ms": "speed"})
    assert loaded.frame.loc[0, "accuracy"] == 90.0
    with pytest.raises(InputError, match="no such header"):
        load_table(path, {"accuracy": "Quality!"})


# (file, fragments the message must contain)
BAD_TABLES = [
    ("empty.csv", ["empty.csv", "empty"]),
    ("header_only.csv", ["no rows"]),
    ("missing_columns.csv", ["missing required column", "accuracy", "Headers found", "'score'"]),
    ("not_a_number.csv", ["row 2", "'accuracy'", "'abc' is not a number"]),
    ("nan_value.csv", ["row 2", "'accuracy'", "missing value"]),
    ("accuracy_over_100.csv", ["row 2", "'accuracy'", "outside 0-100"]),
    ("negative_cost.csv", ["row 1", "'cost_per_1k'", "negative"]),
    ("negative_latency.csv", ["row 1", "'latency_ms'", "negative"]),
    ("negative_fixed.csv", ["row 1", "'fixed_monthly_usd'", "negative"]),
    ("infinite.csv", ["row 1", "'latency_ms'", "infinite"]),
    ("duplicate_names.csv", ["duplicate candidate name 'a'", "rows 1, 2"]),
    ("latin1.csv", ["line 2", "not valid UTF-8"]),
    ("comma_as.tsv", ["single column", "comma-delimited"]),
    ("ragged_short.csv", ["line 3", "ragged row", "found 3"]),
    ("ragged_long.csv", ["line 2", "ragged row", "found 5"]),
    ("empty_name.csv", ["row 1", "empty candidate name"]),
    ("not_records.json", ["list of records"]),
    ("broken.json", ["invalid JSON", "line 1"]),
    ("broken.parquet", ["cannot read as Parquet"]),
    ("duplicate_header.csv", ["line 1", "'accuracy' appears twice"]),
]


def test_every_bad_fixture_is_covered() -> None:
    on_disk = {p.name for p in (FIXTURES / "bad_tables").iterdir()}
    assert on_disk == {name for name, _ in BAD_TABLES}


@pytest.mark.parametrize(("name", "fragments"), BAD_TABLES)
def test_bad_table_exits_2_with_clear_message(
    name: str, fragments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = FIXTURES / "bad_tables" / name
    code = main(["analyze", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("workbench: error: ")
    assert name in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    for fragment in fragments:
        assert fragment in err


def test_missing_file_and_unknown_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    path = write(tmp_path, "t.xlsx", "x")
    assert main(["analyze", str(path)]) == 2
    assert "unknown file type .xlsx" in capsys.readouterr().err


def test_all_samples_load() -> None:
    for path in SAMPLES.glob("*.csv"):
        assert len(load_table(path).frame) >= 2


def test_monthly_cost_header_is_not_a_fixed_fee(tmp_path: Path) -> None:
    # A re-imported export must not double-count its own monthly cost as a fixed fee.
    path = write(tmp_path, "h.csv",
                 "name,accuracy,latency_ms,cost_per_1k,Monthly cost (USD),cost per hour\na,90,10,0.5,1000,3\n")
    f = load_table(path).frame
    assert "fixed_monthly_usd" not in f.columns
    assert f.loc[0, "src_monthly_cost_usd"] == 1000
    # A price per hour is an instance's hourly price (workbench.pricing), never a cost
    # per 1k requests.
    assert f.loc[0, "hourly_usd"] == 3
    assert "cost_per_1k" in f.columns and f.loc[0, "cost_per_1k"] == 0.5


def test_mixed_fraction_and_percent_accuracy_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "mix.csv", "name,accuracy,latency_ms,cost_per_1k\na,90,10,1\nb,0.8,5,1\n")
    with pytest.raises(InputError) as err:
        load_table(path)
    assert err.value.row == 2 and "looks like a fraction" in str(err.value)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                          st.floats(-200, 200)), max_size=40),
       st.sampled_from([(0.0, 100.0), (0.0, 1e15), (-1e15, 1e15), (-1.0, 1.0)]))
def test_within_is_every_present_value_inside_the_bounds(values: list[float],
                                                         bounds: tuple[float, float]) -> None:
    # The loader's range checks skip their masks when `_within` says yes: it must say
    # yes exactly when no value (NaN aside) is outside, inf included.
    low, high = bounds
    expected = all(low <= v <= high for v in values if not math.isnan(v))
    assert _within(np.array(values, dtype=float), low, high) == expected


@pytest.mark.parametrize(("cells", "message"), [
    (["90", "-1"], "-1 is outside 0-100"),
    (["90", "101"], "101 is outside 0-100"),
    (["90", "inf"], "inf is infinite"),
])
def test_validate_names_the_bad_accuracy_row(cells: list[str], message: str) -> None:
    frame = pd.DataFrame({"name": ["a", "b"], "accuracy": [float(c) for c in cells],
                          "latency_ms": [1.0, 2.0], "cost_per_1k": [1.0, 2.0]})
    with pytest.raises(InputError) as info:
        validate_candidates(frame, "t.csv")
    assert message in str(info.value) and "row 2" in str(info.value)


# ---- names: the loader's arrow text is checked from its bytes


def _arrow_names(names: list[str]) -> pd.Series:
    return pd.Series(pd.array(names, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=" \t\x0b\x1fab\u00a0\u200bé", max_size=4), max_size=8))
def test_stripped_and_name_keys_are_what_python_makes(names: list[str]) -> None:
    # `_stripped` skips the strip when every cell's ends are printable ASCII, and
    # `name_keys` takes that path for all-ASCII names: both must give what the
    # per-name definitions give, for every mix of spaces, invisibles and accents.
    from workbench.loading import _stripped, name_key, name_keys

    series = _arrow_names(names)
    assert _stripped(series).tolist() == series.str.strip().tolist()
    assert name_keys(series).tolist() == [name_key(n) for n in names]


def test_names_alike_in_their_first_and_last_bytes_are_told_apart(tmp_path: Path) -> None:
    # Such names share a digest (see arrow_bytes.surely_distinct), so the loader looks
    # at them one by one: distinct ones load, a repeated one is named with its rows.
    head = "name,accuracy,latency_ms,cost_per_1k\n"
    rows = [f"provider-x/model-{i}-finetuned-v1,90,10,1\n" for i in range(3)]
    path = tmp_path / "alike.csv"
    path.write_text(head + "".join(rows), encoding="utf-8")
    assert load_table(path).frame["name"].tolist() == [r.split(",")[0] for r in rows]
    path.write_text(head + "".join(rows) + rows[1], encoding="utf-8")
    with pytest.raises(InputError, match=r"duplicate candidate name .* in rows 2, 4"):
        load_table(path)


@pytest.mark.parametrize("layout", ["plain", "quoted", "semicolon", "large"])
def test_names_stay_the_text_the_file_holds(tmp_path: Path, layout: str) -> None:
    # A name column of numbers was typed by the parser: "007" became 7 (a lost zero in
    # the decision record) and "1.50" the same candidate as "1.5". Every reader keeps
    # the names' text: the arrow one, the C parser (quotes, semicolons) and the
    # streamed one (files over 1 MiB).
    names = ["007", "7", "1.5", "1.50", "1e3"]
    sep = ";" if layout == "semicolon" else ","
    rows = [sep.join(["name", "accuracy", "latency_ms", "cost_per_1k"])]
    rows += [sep.join([f'"{n}"' if layout == "quoted" else n, "90", "10", "1"]) for n in names]
    if layout == "large":
        rows += [f"{i + 10_000},90,10,1" for i in range(60_000)]  # every name a number
    path = tmp_path / "t.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert load_table(path).frame["name"].tolist()[:5] == names


def test_a_mapped_name_column_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id,accuracy,latency_ms,cost_per_1k,label\n001,90,10,1,x\n002,80,5,2,y\n",
                    encoding="utf-8")
    table = load_table(path, {"name": "label"})
    assert table.frame["name"].tolist() == ["x", "y"]
    assert load_table(path, {"name": "id"}).frame["name"].tolist() == ["001", "002"]


def test_a_lone_percentage_among_fractions_is_the_row_named(tmp_path: Path) -> None:
    # The odd one out is the likely slip: the error names it, not the first of the many.
    rows = "".join(f"m{i},0.{i + 10:02d},10,1\n" for i in range(30))
    path = write(tmp_path, "acc.csv", "name,accuracy,latency_ms,cost_per_1k\n" + rows
                 + "odd,85,10,1\n")
    with pytest.raises(InputError) as err:
        load_table(path)
    assert err.value.row == 31
    assert "85 looks like a percentage while other rows are fractions (e.g. 0.1)" in str(err.value)
