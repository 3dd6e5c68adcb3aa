"""The arrow reader of plain CSV files against the C parser it stands in for.

`loading._read_plain_csv` parses plain files (no quotes, no leading spaces) with
arrow on all cores; anything it is not sure of goes to pandas' C parser. Whenever it
answers, its frame must be the C parser's frame: same columns, dtypes and values, so
that every check after it (and every error message) is the same. These tests hold
both readers to that on the shipped tables, the malformed corpus and generated files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import loading
from workbench.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
CSV_FILES = sorted((ROOT / "sample_data").glob("*.csv")) + sorted(
    (ROOT / "tests" / "fixtures" / "bad_tables").glob("*.csv"))


def both(data: bytes) -> tuple[object, object]:
    """(what the fast path reads, what the C parser reads): a frame or an error text."""
    out = []
    for fast in (True, False):
        try:
            out.append(loading._read_delimited(data, "t.csv", None, fast=fast))
        except InputError as exc:
            out.append(f"InputError: {exc}")
    return out[0], out[1]


def assert_same(data: bytes) -> None:
    fast, slow = both(data)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
        return
    assert isinstance(fast, pd.DataFrame) and isinstance(slow, pd.DataFrame)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast.attrs == slow.attrs


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.name)
def test_shipped_and_malformed_tables_read_the_same(path: Path) -> None:
    assert_same(path.read_bytes())


def test_a_plain_synthetic_table_takes_the_fast_path() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    frame = pd.DataFrame({"name": [f"m-{i}" for i in range(n)],
                          "accuracy": rng.uniform(50, 99, n),
                          "latency_ms": rng.integers(1, 500, n),
                          "cost_per_1k": rng.lognormal(0, 2, n),
                          "maintainability": rng.integers(1, 6, n).astype(float),  # "3.0"
                          "owner": rng.choice(["ops", "ml", "x y"], n)})
    data = frame.to_csv(index=False).encode()
    headers = list(frame.columns)
    fast = loading._read_plain_csv(data, ",", headers)
    assert fast is not None  # plain: arrow read it
    assert fast["latency_ms"].dtype == np.int64
    assert fast["maintainability"].dtype == np.float64
    assert_same(data)


@pytest.mark.parametrize("text", [
    "name,a\nx, 1\ny,2\n",          # a leading space: skipinitialspace's business
    'name,a\n"x,1",1\ny,2\n',       # quotes
    "name,a\nx,inf\ny,2\n",         # inf: the C parser's own reading
    "name,a\nx,nan\ny,2\n",
    "name,a\nx,True\ny,False\n",    # booleans
    "name,a\nx,1\ny\n",             # ragged
    "name,a,b\nx,1,2,3\n",          # too many fields
    "name,\nx,1\n",                 # a blank header
    "name,a\nx,\ny,\n",             # an empty column
    "name,a\nx,+5\ny,1e3\n",
    "name,a\nx,1\ny,\n",            # an empty number
    "name,a\n\n\nx,1\n\ny,2\n",     # blank lines
    "name,a\r\nx,1\r\ny,2\r\n",     # CRLF
    "\ufeffname,a\nx,1\ny,2\n",     # BOM
    "name\ta\nx\t1.5\ny\t2\n",      # tabs
    "name,a\nx,12345678901234567890\ny,1\n",
    "name,a\nx,1_000\ny,1\n",
    "name,a\nx,5 \ny,1\n",          # a trailing space
    "name,a\nx,0x10\ny,1\n",
    "name,a\nx,1\ny,0x10\n",       # hex after an integer: arrow's int cast reads 16
    "name,a\nx,1\ny,0X1F\n",
    "name,a\nx,1.5\ny,0x10\n",     # hex after a float: text to both
    "name,a\nx,2.0\ny,+4\n",       # a signed integer after a whole float
    "name,a\nx,2.5\ny,NaN\n",      # nan spellings arrow reads and the C parser may not
    "name,a\nx,2.5\ny,-nan\n",
    "name,a\nx,2.5\ny,Infinity\n",
    "name,a\nx,2.5\ny,9007199254740993\n",  # an integer past 2**53 after a float
    "name,a\nx,2024-01-01\ny,2024-01-02\n",  # dates: arrow's own type
    "name,a\nx,12:30\ny,13:00\n",
    "name,a\nx,true\ny,false\n",
    "name,a\nx, 1.5\ny,2.5 \n",    # space around floats: both parsers drop it
    "name,a\nx,1.5\ny,\t2.5\t\n",
    "name,a\nx,\t7\ny,8\n",       # a tab before an integer
    "name,a\nx,\x0b5\ny,\x0b6\n",    # a vertical tab before numbers: the C parser skips it
    "name,a\nx,1.5\ny,\x0b2\n",
])
def test_edge_files_read_the_same_or_go_to_the_c_parser(text: str) -> None:
    assert_same(text.encode())


CELL = st.one_of(
    st.sampled_from(["", "0", "1", "-2", "3.5", ".5", "5.", "1e3", "1E-2", "+4", "inf", "nan",
                     "True", "false", "a", "x y", " 7", "8 ", "1,5", "\t", "é", "0x1", "1_0",
                     " 7.5", "7.5 ", "\t2.5", "NaN", "-nan", "Infinity", "2.0", "-0",
                     "9007199254740993", "2024-01-01", "12:30"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-10**20, 10**20).map(str),
    st.text(alphabet="ab1.-e ", max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4).flatmap(lambda width: st.lists(
    st.lists(CELL, min_size=width, max_size=width), min_size=1, max_size=6)))
def test_generated_files_read_the_same(rows: list[list[str]]) -> None:
    width = len(rows[0])
    header = ",".join(["name", *[f"c{i}" for i in range(width)]])
    lines = [header] + [",".join([f"n{i}", *row]) for i, row in enumerate(rows)]
    assert_same(("\n".join(lines) + "\n").encode())


def test_numbers_with_space_around_them_are_read_by_arrow_as_the_c_parser_reads_them() -> None:
    # Arrow's float reading drops a space or tab around a number, as the C parser does
    # (with skipinitialspace before it and its own rule after), so such a file needs
    # no C parser. An integer column with them is looked at cell by cell instead.
    data = b"name,a,b\nx, 1.5,2\ny,2.5 ,3\nz,\t3e2\t,4\n"
    fast = loading._read_plain_csv(data, ",", ["name", "a", "b"])
    assert fast is not None
    assert fast["a"].tolist() == [1.5, 2.5, 300.0] and fast["b"].dtype == np.int64
    assert_same(data)


def test_a_file_of_many_blocks_reads_as_the_c_parser_reads_it() -> None:
    # Arrow parses in blocks (one chunk each) and types a column from the first: every
    # chunk, not only the first, must come out as the C parser has it. Integers,
    # floats with a whole first value and an integer literal in a later block, text,
    # and a column of numbers with one word in its last block (text to both).
    rng = np.random.default_rng(1)
    n = 120_000
    frame = pd.DataFrame({"name": [f"model {i}" for i in range(n)],
                          "accuracy": rng.uniform(50, 99, n).round(6),
                          "latency_ms": rng.integers(1, 500, n),
                          "maintainability": rng.integers(1, 6, n).astype(float).astype(object),
                          "owner": rng.choice(["ops", "ml"], n),
                          "score": rng.uniform(0, 1, n).round(4).astype(object)})
    frame.loc[n - 5, "maintainability"] = "7"  # "7", not "7.0"
    frame.loc[n - 3, "score"] = "n/a"
    data = frame.to_csv(index=False).encode()
    assert len(data) > 3 << 20  # several of arrow's 1 MiB blocks
    fast = loading._read_plain_csv(data, ",", list(frame.columns))
    assert fast is not None
    assert [str(t) for t in fast.dtypes] == ["str", "float64", "int64", "float64", "str", "str"]
    assert fast["maintainability"].iloc[-5] == 7.0 and fast["score"].iloc[-3] == "n/a"
    assert_same(data)


def test_loaded_names_stay_arrow_text_and_export_as_object_names_do(tmp_path: Path) -> None:
    # The loader keeps the name column as arrow-backed text (no Python object per
    # row: 1M names as objects cost ~0.1 s and ~70 MB); every view must read it as it
    # reads the object column a session or the Python API gives.
    from workbench.evaluation import evaluate
    from workbench.inputs import session_from_table
    from workbench.views import export

    path = tmp_path / "t.csv"
    path.write_text("name,accuracy,latency_ms,cost_per_1k\nb  ,90,10,2\n a,80,5,1\nc,95,50,3\n",
                    encoding="utf-8")
    table = loading.load_table(path)
    assert isinstance(table.frame["name"].dtype, pd.StringDtype)
    assert table.frame["name"].tolist() == ["b", "a", "c"]  # stripped
    session, _ = session_from_table(path)
    as_objects = session.with_scenario(candidates=session.scenario.candidates.astype(
        {"name": object}))
    texts = [export.to_json(evaluate(s, None).analysis) for s in (session, as_objects)]
    assert texts[0] == texts[1]
    assert '"name":"c"' in texts[0]


@pytest.mark.parametrize("cell", [" 7", "\t7", "7 ", "7\t", " 7.5", "\t1e3", " 0x10", " +4"])
def test_arrow_number_casts_refuse_a_cell_with_space_around_it(cell: str) -> None:
    # `_plain_column` checks for a leading space or tab only in columns that stay text:
    # a column arrow reads as numbers has none, because its casts refuse them.
    import pyarrow as pa

    for kind in (pa.int64(), pa.float64()):
        assert loading._cast(pa.array(["1", cell]), kind) is None
    assert loading._plain_column(pa.array(["1", cell])) is None  # to the C parser
