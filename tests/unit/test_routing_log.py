"""Replay-log loading: forgiving headers, and malformed logs naming file, row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from workbench.errors import InputError
from workbench.routing.log import load_replay_log, match_columns

GOOD = "label,cheap_score,expensive_score,risk_flag,amount\n1,0.9,0.8,0,10\n0,0.2,0.1,1,2000\n0,0.6,0.3,0,5\n"


def write(tmp_path: Path, text: str, name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_loads_good_csv_with_extras(tmp_path: Path) -> None:
    log = load_replay_log(write(tmp_path, GOOD), ("risk_flag", "amount"))
    assert log.rows == 3
    assert log.label.tolist() == [True, False, False]
    assert log.cheap_score.dtype == np.float64
    assert log.extras["amount"].tolist() == [10.0, 2000.0, 5.0]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ("Label,Cheap Score,Expensive Score", ("Label", "Cheap Score", "Expensive Score")),
        ("is_fraud,fast_score,ensemble_prob", ("is_fraud", "fast_score", "ensemble_prob")),
        ("y,cheap_prob,slow_score", ("y", "cheap_prob", "slow_score")),
        ("TARGET,small-score,EXPENSIVE.PROB", ("TARGET", "small-score", "EXPENSIVE.PROB")),
    ],
)
def test_forgiving_header_matching(headers: str, expected: tuple[str, str, str]) -> None:
    mapping = match_columns(headers.split(","), (), "f.csv")
    assert (mapping["label"], mapping["cheap_score"], mapping["expensive_score"]) == expected


def test_extra_column_found_through_synonym() -> None:
    mapping = match_columns(["label", "cheap_score", "expensive_score", "Risk"], ("risk_flag",), "f.csv")
    assert mapping["risk_flag"] == "Risk"


def test_missing_column_lists_headers(tmp_path: Path) -> None:
    path = write(tmp_path, "y,fast_score,amount\n1,0.9,3\n")
    with pytest.raises(InputError) as err:
        load_replay_log(path)
    assert err.value.column == "expensive_score"
    assert err.value.source == str(path)
    assert "'y', 'fast_score', 'amount'" in err.value.message


def test_missing_forced_rule_column(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_replay_log(write(tmp_path, GOOD), ("merchant_risk",))
    assert err.value.column == "merchant_risk"


@pytest.mark.parametrize(
    ("text", "row", "column", "fragment"),
    [
        (GOOD.replace("0,0.6,0.3", "0,1.2,0.3"), 3, "cheap_score", "between 0 and 1"),
        (GOOD.replace("0,0.2,0.1", "0,0.2,-0.1"), 2, "expensive_score", "between 0 and 1"),
        (GOOD.replace("0,0.6,0.3", "2,0.6,0.3"), 3, "label", "0 or 1"),
        (GOOD.replace("1,0.9,0.8", "1,,0.8"), 1, "cheap_score", "missing"),
        (GOOD.replace("0,0.2,0.1", "0,0.2,NaN"), 2, "expensive_score", "missing"),
        (GOOD.replace("0,0.6,0.3", "0,high,0.3"), 3, "cheap_score", "not a number"),
    ],
)
def test_malformed_csv_names_row_and_column(
    tmp_path: Path, text: str, row: int, column: str, fragment: str
) -> None:
    with pytest.raises(InputError) as err:
        load_replay_log(write(tmp_path, text))
    assert err.value.row == row
    assert err.value.column == column
    assert fragment in err.value.message
    assert str(tmp_path) in str(err.value)


def test_nan_in_loss_column(tmp_path: Path) -> None:
    text = GOOD.replace("0,0.6,0.3,0,5", "0,0.6,0.3,0,")
    with pytest.raises(InputError) as err:
        load_replay_log(write(tmp_path, text), ("amount",))
    assert (err.value.row, err.value.column) == (3, "amount")


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        load_replay_log(write(tmp_path, ""))
    with pytest.raises(InputError, match="no data rows"):
        load_replay_log(write(tmp_path, "label,cheap_score,expensive_score\n", "h.csv"))
    with pytest.raises(InputError, match="no such file"):
        load_replay_log(tmp_path / "nope.csv")


def test_parquet_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    table = pa.table(
        {
            "Label": pa.array([0, 1, 0, 2], pa.int8()),
            "cheap_prob": pa.array([0.1, 0.9, 0.3, 0.4], pa.float32()),
            "expensive_prob": [0.1, 0.9, 0.3, 0.4],
            "note": ["a", "b", "c", "d"],
        }
    )
    pq.write_table(table, path)
    with pytest.raises(InputError) as err:
        load_replay_log(path)
    assert (err.value.row, err.value.column, err.value.source) == (4, "Label", str(path))
    pq.write_table(table.slice(0, 0), path)
    with pytest.raises(InputError, match="no data rows"):
        load_replay_log(path)
    pq.write_table(table.set_column(2, "expensive_prob", pa.array([0.1, None, 0.3, 0.4])), path)
    # The earliest bad row wins, whichever column it is in.
    with pytest.raises(InputError) as err:
        load_replay_log(path)
    assert (err.value.row, err.value.column) == (2, "expensive_prob")


def test_ambiguous_headers(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="rename"):
        match_columns(["label", "Label", "cheap_score", "expensive_score"], (), "f.csv")
