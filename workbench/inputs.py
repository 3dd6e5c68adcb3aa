"""Open whatever the user points at: a candidate table or a saved session."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from workbench.errors import InputError
from workbench.loading import load_table
from workbench.model import Scenario, Session, Source

SESSION_SUFFIXES = {".toml"}


def session_from_table(path: str | Path, mapping: dict[str, str] | None = None) -> tuple[Session, list[str]]:
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
        from workbench.session_io import load_session

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
