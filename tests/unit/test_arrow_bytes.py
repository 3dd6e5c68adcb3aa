"""`arrow_bytes.string_bytes`: exactly the cells' bytes, in every layout arrow uses."""

from __future__ import annotations

import pyarrow as pa
import pytest

from workbench.arrow_bytes import string_bytes

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
