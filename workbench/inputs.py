"""Open whatever the user points at: a candidate table or a saved session.

Also what a file browser needs: the sessions in a folder with their summaries, and the
headers of a table for the column-mapping dialog. Plain functions over the loaders
(no textual, no rich), shared by the CLI, the TUI and tests.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from workbench.errors import InputError
from workbench.loading import load_table
from workbench.model import Scenario, Session, Source

SESSION_SUFFIXES = {".toml"}


def session_from_table(path: str | Path, mapping: dict[str, str] | None = None
                       ) -> tuple[Session, list[str]]:
    from workbench.provenance import table_digest

    table = load_table(path, mapping)
    title = Path(path).stem.replace("_", " ")
    session = Session(
        scenario=Scenario(table.frame),
        title=title,
        source=Source(path=str(path), sha256=table.sha256, mapping=table.mapping,
                      table_sha256=table_digest(table.frame)),
    )
    return session, table.notes


def open_path(path: str | Path, mapping: dict[str, str] | None = None) -> tuple[Session, list[str]]:
    """(session, notes) from a table file or a session TOML."""
    p = Path(path)
    if p.suffix.lower() in SESSION_SUFFIXES:
        if mapping:
            raise InputError("--map applies to table files, not sessions", source=str(p))
        from workbench.session.store import load_session

        return load_session(p)
    return session_from_table(p, mapping)


def session_inputs(session: Session, session_path: str | Path | None) -> list[tuple[str, str]]:
    """The files a command on this session reads besides the session itself: the cited
    candidate table and the routing replay log or bins file. Writers refuse to
    overwrite any of them (see `workbench.fileio.guard_outputs`)."""
    out: list[tuple[str, str]] = []
    if session.source.path:
        out.append(("the session's source table", session.source.path))
    routing = session.routing or {}
    folder = Path(session_path).parent if session_path is not None else Path(".")
    for key, what in (("log", "the routing replay log"), ("bins", "the routing bins file")):
        value = routing.get(key)
        if isinstance(value, str) and value:
            p = Path(value).expanduser()
            out.append((what, str(p if p.is_absolute() else folder / p)))
    return out


def builtin_sample_path() -> Path:
    """The retail checkout session shipped inside the package."""
    return Path(str(resources.files("workbench") / "data" / "retail_checkout.toml"))


def builtin_session() -> tuple[Session, list[str]]:
    """The retail checkout sample session shipped inside the package."""
    return open_path(builtin_sample_path())


def open_file(path: str | Path, mapping: dict[str, str] | None = None
              ) -> tuple[Session, list[str], Path | None]:
    """(session, notes, session path) for a table or a session file.

    The session path is None for a table: saving it asks for a `.toml` name.
    """
    from workbench.session.store import is_session_path as store_is_session

    p = Path(path).expanduser()
    session, notes = open_path(p, mapping or None)
    return session, notes, (p if store_is_session(p) else None)


def needs_mapping(exc: InputError) -> bool:
    """True when a table loaded but lacks required headers (a mapping can fix it)."""
    return exc.code == "missing_columns"


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


def session_files(folder: Path) -> list[Path]:
    """The session files in a folder, in name order (none when it is not a folder).
    Only names are read: a file list can show them before any file is opened."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.toml"))


def list_sessions(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Saved sessions in a folder with their summaries, in name order."""
    return [(path, session_summary(path)) for path in session_files(folder)]


def session_summary(path: Path) -> dict[str, Any]:
    """Title, modified, recommendation and decision of a session, for a file list.

    A broken file gives {"title": None, "error": message} instead of raising.
    """
    from workbench.analysis import analyze
    from workbench.session.store import read_text
    from workbench.session.toml_v1 import session_from_toml

    path = Path(path)
    try:
        session, _ = session_from_toml(read_text(path), str(path), path.parent)
        analysis = analyze(session.scenario)
    except InputError as exc:
        if exc.source is None:
            exc.source = str(path)
        return {"title": None, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - a broken file must not break the list
        return {"title": None, "error": str(exc)}
    rec = analysis.recommendation
    return {
        "title": session.title,
        "modified": session.modified,
        "recommendation": None if rec is None else rec.name,
        "chosen": session.decision.chosen,
    }
