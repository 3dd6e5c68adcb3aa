"""Does the embedded candidate table still match the file a session cites?

A session embeds its candidate table and cites the file it came from ([source]: path,
sha256 of the file, and table_sha256, the digest of the table as loaded from it). A
memo that cites a file must say when the decision was made on something else: when
the file changed since, or when the embedded table was edited after loading (in the
TUI, or by hand in the TOML) although the file is untouched.

Checking reads at most the cited file, and only a regular file of at most
`MAX_SOURCE_HASH_BYTES`: a [source] path naming a 6 GB file or a FIFO must not make
every open slow or hang.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from workbench.errors import InputError, Note
from workbench.model import Session, frames_equal

MAX_SOURCE_HASH_BYTES = 512 * 2**20

Status = Literal["embedded", "unchanged", "moved", "file_changed", "table_edited", "not_verified"]


def table_digest(frame: pd.DataFrame) -> str:
    """A SHA-256 of a candidate table's content: column names in order and every cell.

    Numbers are hashed as IEEE doubles (NaN as one value) and text as UTF-8, so the
    digest survives a TOML round trip (which keeps floats exactly) and is stable across
    library versions: it is written into decision records.
    """
    digest = hashlib.sha256(b"workbench-table-v1\n")
    for column in frame.columns:
        series = frame[column]
        digest.update(b"c" + str(column).encode("utf-8", "surrogatepass") + b"\x00")
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            values = series.to_numpy(dtype="<f8", na_value=np.nan).copy()
            values[np.isnan(values)] = np.nan  # one NaN bit pattern
            values[values == 0] = 0.0  # -0.0 and 0.0 are the same cell
            digest.update(b"f" + values.tobytes())
            continue
        cells = series.astype(object).tolist()
        if pd.api.types.infer_dtype(series, skipna=False) == "string":
            digest.update(b"s" + "\x1f".join(cells).encode("utf-8", "surrogatepass"))
            continue
        parts = []
        for cell in cells:
            if cell is None or (isinstance(cell, float) and cell != cell):
                parts.append("n")
            elif isinstance(cell, (bool, np.bool_)):
                parts.append(f"b{bool(cell)}")
            elif isinstance(cell, (int, float, np.integer, np.floating)):
                parts.append(f"f{float(cell)!r}")
            else:
                parts.append(f"s{cell}")
        digest.update(b"o" + "\x1f".join(parts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@dataclass(frozen=True)
class SourceCheck:
    status: Status
    note: Note | None  # what to tell the user; None when there is nothing to say

    @property
    def table_differs(self) -> bool:
        return self.status in ("file_changed", "table_edited")


def check_source(session: Session) -> SourceCheck:
    """Compare a session's embedded table with the file its [source] cites."""
    from workbench.loading import file_sha256

    src = session.source
    if not src.path:
        return SourceCheck("embedded", None)
    frame = session.scenario.candidates
    if src.table_sha256 is not None and table_digest(frame) != src.table_sha256.lower():
        return SourceCheck("table_edited", Note("source_table_edited",
            f"the candidate table was edited after it was loaded from {src.path}: the "
            "decision is made on the embedded table, which differs from that file"
        ))
    if not src.sha256:
        return SourceCheck("unchanged", None)
    try:
        st = os.stat(src.path)
    except (OSError, ValueError):
        return SourceCheck("moved", None)  # a source that moved away is normal
    if not stat.S_ISREG(st.st_mode):
        return SourceCheck("not_verified", Note("source_not_verified",
            f"source {src.path} is not a regular file; not read"
        ))
    if st.st_size > MAX_SOURCE_HASH_BYTES:
        return SourceCheck("not_verified", Note("source_not_verified",
            f"source {src.path} is {st.st_size / 2**30:.1f} GiB; not hashed (limit "
            f"{MAX_SOURCE_HASH_BYTES // 2**20} MiB), so it is not verified against sha256 "
            f"{src.sha256[:12]}..."
        ))
    try:
        now = file_sha256(Path(src.path))
    except InputError:
        return SourceCheck("moved", None)
    if now.lower() != src.sha256.lower():
        return SourceCheck("file_changed", Note("source_file_changed",
            f"source file {src.path} changed since the session was saved "
            f"(sha256 was {src.sha256[:12]}..., now {now[:12]}...); "
            "the embedded table is what the decision was made on"
        ))
    if src.table_sha256 is None and _same_as_file(session) is False:
        # Sessions written before table_sha256 existed: compare with the file itself.
        return SourceCheck("table_edited", Note("source_table_edited",
            f"the candidate table differs from {src.path}, the file it cites (edited after "
            "loading); the decision is made on the embedded table"
        ))
    return SourceCheck("unchanged", None)


def _same_as_file(session: Session) -> bool | None:
    """Whether the cited file loads into the embedded table; None if it cannot load."""
    from workbench.loading import load_table

    src = session.source
    try:
        table = load_table(src.path or "", src.mapping or None)
    except InputError:
        return None
    return frames_equal(table.frame, session.scenario.candidates)
