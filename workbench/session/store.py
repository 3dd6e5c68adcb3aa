"""Session files on disk: load, save (atomic, with a .bak), and where they go.

Loading reads through `workbench.fileio` (no FIFO, device or giant file is ever read)
and then checks the cited source file (`workbench.provenance`); saving reads the text
back before touching the disk and writes it with `workbench.atomic`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from workbench.atomic import atomic_write_text
from workbench.errors import InputError
from workbench.fileio import read_input_bytes
from workbench.model import Session
from workbench.session.toml_v1 import session_from_toml, session_to_toml

SESSIONS_FOLDER = "sessions"
SESSION_SUFFIX = ".toml"
# A session is a hand-editable text; even 100k candidates fit in far less than this.
MAX_SESSION_BYTES = 256 * 2**20


def load_session(path: Path) -> tuple[Session, list[str]]:
    """(session, notes) from a session file; a changed source file adds a note."""
    path = Path(path)
    label = str(path)
    text = read_text(path)
    session, notes = session_from_toml(text, label, path.parent)
    from workbench.provenance import check_source

    note = check_source(session).note
    if note:
        notes.append(note)
    return session, notes


# A session is a hand-editable text; even 100k candidates fit in far less than this.


def read_text(path: Path) -> str:
    label = str(path)
    data = read_input_bytes(path, label, what="session file", limit=MAX_SESSION_BYTES)
    try:
        # Bytes, not read_text: universal newlines would rewrite "\r" inside strings.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"bytes are not valid UTF-8 at byte {exc.start}; save the file as UTF-8",
            source=label,
            line=data[: exc.start].count(b"\n") + 1,
        ) from None


def save_session(session: Session, path: Path) -> Session:
    """Write atomically (previous version kept as NAME.toml.bak); return the session
    as written, i.e. exactly what `load_session(path)` will give back."""
    path = Path(path)
    if path.suffix.lower() != SESSION_SUFFIX:
        raise InputError(f"a session file must end in {SESSION_SUFFIX}", source=str(path))
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    stamped = session.with_(created=session.created or now, modified=now)
    text = session_to_toml(stamped, path.parent)
    # Read the text back before touching the disk: a record that could not be opened
    # again is worse than no save, and the error names what to fix.
    try:
        written, _ = session_from_toml(text, str(path), path.parent)
    except InputError as exc:
        exc.message = f"not saved: {exc.message}"
        exc.args = (exc.message,)
        exc.line = None  # a line of text that was never written would mislead
        raise
    atomic_write_text(path, text, keep_backup=True, create_folder=True)
    return written


def is_session_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() == SESSION_SUFFIX


def sessions_folder(session_path: Path | None) -> Path:
    """The folder of the current session, else `sessions/` under the current folder."""
    if session_path is not None:
        return session_path.parent
    return Path.cwd() / SESSIONS_FOLDER


def slug(text: str) -> str:
    s = re.sub(r"[^0-9A-Za-z]+", "_", text.strip().lower()).strip("_")
    return s or "session"


def default_session_path(session: Session, session_path: Path | None) -> Path:
    """Where "save" suggests writing: the current file, else sessions/<title>.toml."""
    if session_path is not None:
        return session_path
    return Path(SESSIONS_FOLDER) / f"{slug(session.title)}{SESSION_SUFFIX}"


def default_memo_path(session: Session, session_path: Path | None) -> Path:
    """The memo goes next to the session: NAME.toml -> NAME.md."""
    if session_path is not None:
        return session_path.with_suffix(".md")
    return Path(f"{slug(session.title)}.md")
