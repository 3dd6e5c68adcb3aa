"""Messages of the workbench, named for what already happened.

Panes never change the session themselves: they post `SessionEdited` with a function
that turns the current session into the next one, and the app applies it, re-runs the
analysis and redraws every pane from the one new `Analysis`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from workbench.analysis import Analysis
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
    """A background analysis of a large table finished."""

    def __init__(self, session: Session, analysis: Analysis, ticket: int) -> None:
        super().__init__()
        self.session = session
        self.analysis = analysis
        self.ticket = ticket


class AnalysisFailed(Message):
    """A background analysis raised an InputError (the message is for the user)."""

    def __init__(self, session: Session, error: str, ticket: int) -> None:
        super().__init__()
        self.session = session
        self.error = error
        self.ticket = ticket
