"""Messages of the workbench, named for what already happened.

Panes never change the session themselves: they post `SessionEdited` with a function
that turns the current session into the next one, and the app applies it, re-runs the
analysis and redraws every pane from the one new `Analysis`.

Thread workers (analysis of large tables, every file read and write) never touch the
app's state: they post one of these and the app applies it on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from workbench.evaluation import Evaluation, Robustness
    from workbench.model import Session

SessionChange = Callable[["Session"], "Session"]


class SessionEdited(Message):
    """A pane or dialog edited the session (the app applies `change`).

    `coalesce` names a run of edits that undo as one (typing into one field);
    `origin` is the widget to mark when the engine rejects the edit.
    """

    def __init__(
        self,
        change: SessionChange,
        label: str,
        *,
        coalesce: str | None = None,
        origin: object | None = None,
    ) -> None:
        super().__init__()
        self.change = change
        self.label = label
        self.coalesce = coalesce
        self.origin = origin


class EditRejected(Message):
    """The engine refused an edit; posted to the widget the edit came from."""

    def __init__(self, error: str, origin: object | None = None) -> None:
        super().__init__()
        self.error = error
        self.origin = origin


class AnalysisFinished(Message):
    """A background evaluation (a large table, or a routing log to replay) finished."""

    def __init__(self, session: Session, evaluation: Evaluation, ticket: int) -> None:
        super().__init__()
        self.session = session
        self.evaluation = evaluation
        self.ticket = ticket


class AnalysisFailed(Message):
    """A background evaluation raised an InputError (the message is for the user)."""

    def __init__(self, session: Session, error: str, ticket: int) -> None:
        super().__init__()
        self.session = session
        self.error = error
        self.ticket = ticket


# ---- file work (thread workers post these; see WorkbenchApp "files") ------------------
#
# Each file job carries the app's job ticket: a result whose ticket is not the running
# job's is stale and dropped.


class SessionsFound(Message):
    """The sessions folder was listed (names only; summaries follow one by one).
    `error` says why the folder could not be listed, if it could not."""

    def __init__(self, paths: list[Path], error: str | None = None) -> None:
        super().__init__()
        self.paths = paths
        self.error = error


class SessionSummarized(Message):
    """One listed session was read and analysed (or found broken: `summary["error"]`)."""

    def __init__(self, path: Path, summary: dict[str, Any]) -> None:
        super().__init__()
        self.path = path
        self.summary = summary


class FileOpened(Message):
    """A table or session was read and evaluated, ready to replace the current one.
    `modified`: the command line's flags changed it (it differs from the file)."""

    def __init__(self, path: str, session: Session, evaluation: Evaluation, notes: list[str],
                 session_path: Path | None, ticket: int, modified: bool = False) -> None:
        super().__init__()
        self.path = path
        self.session = session
        self.evaluation = evaluation
        self.notes = notes
        self.session_path = session_path
        self.ticket = ticket
        self.modified = modified


class HeadersRead(Message):
    """A table lacked required columns; its headers were read for the mapping dialog."""

    def __init__(self, path: str, headers: list[str], error: str, ticket: int) -> None:
        super().__init__()
        self.path = path
        self.headers = headers
        self.error = error
        self.ticket = ticket


class SessionSaved(Message):
    """`session` was written to `path`; `written` is it as read back (stamped)."""

    def __init__(self, path: Path, session: Session, written: Session, ticket: int) -> None:
        super().__init__()
        self.path = path
        self.session = session
        self.written = written
        self.ticket = ticket


class MemoExported(Message):
    """An export (the memo, the HTML report, the brief, the deck, the chart images) was
    written to `path`; `what` names it for the user."""

    def __init__(self, path: Path, ticket: int, what: str = "Memo") -> None:
        super().__init__()
        self.path = path
        self.ticket = ticket
        self.what = what


class RobustnessAssessed(Message):
    """Sensitivity, SMAA and risks of generation `generation` are ready (or `error`)."""

    def __init__(self, generation: int, robustness: Robustness | None,
                 error: str | None = None) -> None:
        super().__init__()
        self.generation = generation
        self.robustness = robustness
        self.error = error


class TargetExisted(Message):
    """A write found a file already at `path` and left it alone, to ask first.
    `question` replaces the usual "X exists. Replace it?" (a folder of images)."""

    def __init__(self, path: Path, ticket: int, question: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.ticket = ticket
        self.question = question


class FileJobFailed(Message):
    """A read or write failed; `error` is the engine's message, `title` the toast's."""

    def __init__(self, title: str, error: str, ticket: int) -> None:
        super().__init__()
        self.title = title
        self.error = error
        self.ticket = ticket
