"""Files the TUI opens and writes: the built-in sample, sessions, tables, the memo.

No textual and no rich here: these helpers are plain functions over the engine's own
loaders, so the Pilot tests and the app share them and they can be tested alone.
Engine modules that the first frame does not need (`memo`, `atomic`) are imported
inside the functions that use them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from workbench.errors import InputError
from workbench.model import Session

SESSIONS_FOLDER = "sessions"
SESSION_SUFFIX = ".toml"


def builtin_session() -> tuple[Session, list[str]]:
    """The retail checkout sample session shipped inside the package."""
    from workbench.inputs import builtin_sample_path, open_path

    return open_path(builtin_sample_path())


def is_session_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() == SESSION_SUFFIX


def open_file(path: str | Path, mapping: dict[str, str] | None = None) -> tuple[Session, list[str], Path | None]:
    """(session, notes, session path) for a table or a session file.

    The session path is None for a table: saving it asks for a `.toml` name.
    """
    from workbench.inputs import open_path

    p = Path(path).expanduser()
    session, notes = open_path(p, mapping or None)
    return session, notes, (p if is_session_path(p) else None)


def needs_mapping(exc: InputError) -> bool:
    """True when a table loaded but lacks required headers (a mapping can fix it)."""
    return "missing required column" in str(exc)


def read_headers(path: str | Path) -> list[str]:
    """The header row of a table file, for the column-mapping dialog (read by the
    loader itself, so the dialog offers exactly the columns a load would see)."""
    from workbench.loading import read_raw

    raw, _ = read_raw(Path(path).expanduser())
    return [str(h) for h in raw.columns]


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """{canonical: header} for the headers the loader can already place."""
    from workbench.columns import match_headers

    matches, _ = match_headers(headers)
    return {column: m.header for column, m in matches.items()}


def sessions_folder(session_path: Path | None) -> Path:
    """The folder of the current session, else `sessions/` under the current folder."""
    if session_path is not None:
        return session_path.parent
    return Path.cwd() / SESSIONS_FOLDER


def list_sessions(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Saved sessions in a folder with their summaries, newest first by name order."""
    from workbench.session_io import session_summary

    if not folder.is_dir():
        return []
    out: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(folder.glob(f"*{SESSION_SUFFIX}")):
        try:
            summary = dict(session_summary(path))
        except Exception as exc:  # noqa: BLE001 - a broken file must not break the list
            summary = {"title": None, "error": str(exc)}
        out.append((path, summary))
    return out


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


def save(session: Session, path: Path) -> Session:
    """Write the session atomically (keeps a .bak); returns it with `modified` set."""
    from workbench.session_io import save_session

    if path.suffix.lower() != SESSION_SUFFIX:
        raise InputError(f"a session file must end in {SESSION_SUFFIX}", source=str(path))
    return save_session(session, path)


def render_memo_text(
    session: Session, notes: list[str] | None, session_path: Path | None, analysis: Any
) -> str:
    """The decision memo (markdown), from the already computed analysis."""
    from workbench.memo import render_memo

    return render_memo(session, notes=notes, session_path=session_path, analysis=analysis)


def write_memo(text: str, path: Path) -> None:
    from workbench.atomic import atomic_write_text

    atomic_write_text(path, text)


def parse_number(text: str, *, blank_ok: bool = True, minimum: float | None = None,
                 positive: bool = False, percent: bool = False) -> float | None:
    """A number typed by hand, in the one grammar of `workbench.parse` (`100000`,
    `100,000`, `$15k`, `1e5`, `95%` where `percent`). Blank -> None.

    Raises ValueError (a `NumberError`) with a short message for anything else.
    """
    from workbench.parse import parse_number as parse

    if not text.strip():
        if blank_ok:
            return None
        raise ValueError("a number is required")
    value = parse(text, percent=percent)
    if positive and not value > 0:
        raise ValueError("must be greater than 0")
    if minimum is not None and value < minimum:
        raise ValueError(f"must be at least {minimum:g}")
    return value


_LIMIT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|<|>|=<|=>)\s*(.+?)\s*$")


def parse_limits(text: str) -> tuple[dict[str, float], dict[str, float]]:
    """`params_m<=50, gflops>=2` -> ({max}, {min}). Raises ValueError."""
    upper: dict[str, float] = {}
    lower: dict[str, float] = {}
    for item in re.split(r"[,;]", text):
        if not item.strip():
            continue
        m = _LIMIT.match(item)
        if not m:
            raise ValueError(f"{item.strip()!r}: write COLUMN<=VALUE or COLUMN>=VALUE")
        column, op, value = m.groups()
        number = parse_number(value, blank_ok=False)
        assert number is not None
        (upper if op in ("<=", "<", "=<") else lower)[column] = number
    return upper, lower


def format_limits(upper: dict[str, float], lower: dict[str, float]) -> str:
    from workbench.analysis import fmt_num

    parts = [f"{k}<={fmt_num(v)}" for k, v in upper.items()]
    parts += [f"{k}>={fmt_num(v)}" for k, v in lower.items()]
    return ", ".join(parts)
