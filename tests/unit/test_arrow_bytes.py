"""`arrow_bytes`: exactly the cells' bytes, their ends and a distinctness test that is
never wrongly sure, in every layout arrow uses (plain, sliced, chunked, large)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.arrow_bytes import cell_ends, string_bytes, surely_distinct

CELLS = ["alpha", "", None, "é🚀", "z"]


def joined(column: object) -> bytes:
    return b"".join(b.tobytes() for b in string_bytes(column))


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_the_bytes_are_the_cells_in_order(kind: pa.DataType) -> None:
    column = pa.array(CELLS, kind)
    assert joined(column) == "".join(c or "" for c in CELLS).encode()
    # A slice holds only its own cells' bytes, whatever the buffer around it holds.
    assert joined(column.slice(3, 2)) == "é🚀z".encode()
    assert joined(column.slice(1, 2)) == b""
    chunked = pa.chunked_array([column.slice(0, 2), column.slice(2)])
    assert joined(chunked) == joined(column)
    assert joined(pa.array([], kind)) == b""


def test_another_type_is_refused() -> None:
    with pytest.raises(TypeError, match="not a string array"):
        list(string_bytes(pa.array([1, 2])))


# ---- cell_ends: the first and last byte of each cell


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_cell_ends_are_each_cells_first_and_last_byte(kind: pa.DataType) -> None:
    column = pa.array(["ab", "c", "é", "xyz"], kind)
    ends = [(first.tolist(), last.tolist()) for first, last in cell_ends(column)]
    assert ends == [([ord("a"), ord("c"), 0xC3, ord("x")], [ord("b"), ord("c"), 0xA9, ord("z")])]
    # A slice: its own cells only; chunks: one pair each.
    assert [f.tolist() for f, _ in cell_ends(column.slice(1, 2))] == [[ord("c"), 0xC3]]
    assert len(list(cell_ends(pa.chunked_array([column, column])))) == 2


def test_an_empty_cell_gives_a_neighbours_byte_never_a_missed_one() -> None:
    # The documented error side: a space next to an empty cell may be reported, and a
    # space at a cell's end is never missed.
    column = pa.array(["a ", "", "b"])
    assert any((last == 32).any() for _, last in cell_ends(column))
    assert list(cell_ends(pa.array(["", ""]))) == []  # no bytes at all: nothing to report


# ---- surely_distinct: never a wrong True


WORDS = st.text(alphabet="ab ", max_size=3) | st.text(alphabet="ab", min_size=16, max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=12), st.integers(0, 3), st.sampled_from(["string", "large"]))
def test_surely_distinct_against_a_set(cells: list[str], cut: int, kind: str) -> None:
    column = pa.array(cells, pa.large_string() if kind == "large" else pa.string())
    distinct = len(set(cells)) == len(cells)
    # Chunked and sliced layouts must give the same answer as the plain array.
    chunked = pa.chunked_array([column.slice(0, cut), column.slice(cut)], column.type)
    for layout in (column, chunked):
        answer = surely_distinct(layout)
        assert not answer or distinct  # a True is always right
        if distinct and all(len(c) <= 16 for c in cells):
            # Up to 16 bytes the digest sees every byte: only a 64-bit collision of
            # the mix could say False here.
            assert answer


def test_names_that_differ_only_in_the_middle_are_not_surely_distinct() -> None:
    # The first 8 and last 8 bytes and the length agree: the digests are equal, so the
    # answer is "look cell by cell" (False), which the loader then does.
    names = pa.array(["abcdefgh-1-ijklmnop", "abcdefgh-2-ijklmnop"])
    assert surely_distinct(names) is False
    assert surely_distinct(pa.array(["abcdefgh-1-ijklmnop", "abcdefgh-1-ijklmnoq"])) is True


def test_a_missing_cell_is_never_surely_distinct() -> None:
    assert surely_distinct(pa.array(["a", None])) is False
    assert surely_distinct(pa.array([], pa.string())) is True
