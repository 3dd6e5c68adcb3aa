"""The bytes of an arrow string column, as numpy views: for checks that settle a whole
column from its bytes (is every cell plain ASCII? does any hold an "x"?) at about a
nanosecond a byte, before any kernel looks at the cells one by one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np


def string_bytes(column: Any) -> Iterator[np.ndarray]:
    """The UTF-8 bytes of the cells of an arrow string or large_string array (or of each
    chunk of a chunked one), one uint8 view per chunk, no copy; a slice's view holds
    only its own cells' bytes. Arrow lets a null cell keep bytes, and they are included:
    a check over these bytes may see more than the cells' text, never less. Raises
    TypeError for another type."""
    import pyarrow as pa

    for chunk in (column.chunks if isinstance(column, pa.ChunkedArray) else [column]):
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            raise TypeError(f"not a string array: {chunk.type}")
        data = chunk.buffers()[2]
        if data is None or len(chunk) == 0:
            continue
        wide = pa.types.is_large_string(chunk.type)
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64 if wide else np.int32)
        lo, hi = int(offsets[chunk.offset]), int(offsets[chunk.offset + len(chunk)])
        yield np.frombuffer(data, dtype=np.uint8)[lo:hi]
