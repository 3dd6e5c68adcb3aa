"""Atomic file writes: a crash or a full disk never leaves a half-written file.

Write to a temporary file in the same folder, flush and fsync, keep the previous
version as NAME.bak, then os.replace (atomic on POSIX and Windows).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

# mkstemp creates 0600 files; a saved session should get the usual permissions.
_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write_text(path: Path, text: str, keep_backup: bool = False) -> None:
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_UMASK
        os.chmod(tmp_name, mode)
        if keep_backup and path.exists():
            # A hard link keeps the previous version without copying; fall back to a copy.
            backup = path.with_name(path.name + ".bak")
            try:
                if backup.exists():
                    backup.unlink()
                os.link(path, backup)
            except OSError:
                backup.write_bytes(path.read_bytes())
        os.replace(tmp_name, path)
        _fsync_dir(folder)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, so best effort.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
