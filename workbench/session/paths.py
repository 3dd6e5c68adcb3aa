"""How a session file writes the paths it cites (its source table, its replay log)."""

from __future__ import annotations

import os
from pathlib import Path


def path_for_file(path: str, base_dir: Path | None) -> str:
    """The source path as written: relative to the session's folder when the two share
    a folder below the root (a project moved elsewhere keeps working), else absolute."""
    if base_dir is None:
        return path
    source, folder = os.path.abspath(path), os.path.abspath(base_dir)
    try:
        common = os.path.commonpath([source, folder])
    except ValueError:  # another drive on Windows: no relative path exists
        return Path(source).as_posix()
    if os.path.dirname(common) == common:  # only the root in common: ../../.. is noise
        return Path(source).as_posix()
    return Path(os.path.relpath(source, folder)).as_posix()


def path_from_file(written: str, base_dir: Path | None) -> str:
    """The source path as loaded: relative to the working folder, like a fresh load."""
    if base_dir is None or os.path.isabs(written):
        return written
    return os.path.normpath(os.path.join(base_dir, written))
