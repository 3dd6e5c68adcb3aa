"""What every pane shares: draw from a snapshot, post edits up, know its main widget."""

from __future__ import annotations

from typing import ClassVar

from textual.containers import Vertical
from textual.widget import Widget

from workbench.tui.messages import SessionChange, SessionEdited
from workbench.tui.state import Snapshot


class Pane(Vertical):
    """A tab's content. `show` draws; the app calls it only when the pane is visible."""

    DEFAULT_CSS = "Pane { height: 1fr; }"
    # The widget that gets focus when the pane is opened with its number key.
    PRIMARY: ClassVar[str | None] = None
    TITLE: ClassVar[str] = ""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.generation = -1
        self.snapshot: Snapshot | None = None

    def show(self, snapshot: Snapshot) -> None:
        """Draw from `snapshot` if it is newer than what is drawn."""
        if snapshot.generation == self.generation and self.snapshot is not None:
            return
        previous = self.snapshot
        self.snapshot = snapshot
        self.generation = snapshot.generation
        self.draw(snapshot, previous)

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        raise NotImplementedError

    def primary(self) -> Widget | None:
        if self.PRIMARY is None:
            return None
        return self.query_one(self.PRIMARY)

    def edit(self, change: SessionChange, label: str, *, coalesce: str | None = None,
             origin: Widget | None = None) -> None:
        self.post_message(SessionEdited(change, label, coalesce=coalesce, origin=origin))
