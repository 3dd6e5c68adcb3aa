"""What every pane shares: draw from a snapshot, post edits up, know its main widget."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.containers import Vertical
from textual.widget import Widget

from workbench.tui.messages import SessionChange, SessionEdited
from workbench.tui.state import Snapshot, is_narrow

if TYPE_CHECKING:
    from workbench.model import Session


class Pane(Vertical):
    """A tab's content. `show` draws; the app calls it only when the pane is visible."""

    DEFAULT_CSS = "Pane { height: 1fr; }"
    # The widget that gets focus when the pane is opened with its number key.
    PRIMARY: ClassVar[str | None] = None
    TITLE: ClassVar[str] = ""
    # Views of the pane (`v` switches; the command palette opens one by name).
    VIEWS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.generation = -1
        self.snapshot: Snapshot | None = None
        self.view = self.VIEWS[0] if self.VIEWS else ""
        self._mounted = False

    def show(self, snapshot: Snapshot) -> None:
        """Draw from `snapshot` if it is newer than what is drawn (once the pane's widgets
        exist: a redraw asked for while it is being mounted waits for it)."""
        if not self._mounted:
            return
        if snapshot.generation == self.generation and self.snapshot is not None:
            return
        previous = self.snapshot
        self.snapshot = snapshot
        self.generation = snapshot.generation
        self.draw(snapshot, previous)

    def redraw(self, snapshot: Snapshot | None = None) -> None:
        """Draw again (something the snapshot does not count, e.g. a view or a sort,
        or a result that arrived later for the same generation)."""
        snapshot = snapshot or self.snapshot
        if snapshot is None:
            return
        self.generation = -1
        self.show(snapshot)

    def draw(self, snapshot: Snapshot, previous: Snapshot | None) -> None:
        raise NotImplementedError

    @property
    def narrow(self) -> bool:
        """The terminal is narrow (80 columns): tables show their most telling columns
        first, compact figures, names cut (the same breakpoint app.tcss lays out by)."""
        return is_narrow(self.app.size.width)

    def current_session(self) -> Session:
        """The app's session now: a dialog's check runs against it, as the edit it
        posts will (the snapshot is what was last drawn)."""
        session = getattr(self.app, "session", None)
        if session is None:  # a host app without one (tests): what is drawn
            assert self.snapshot is not None
            return self.snapshot.session
        return session  # Any: App declares no `session`; WorkbenchApp's is a Session

    def primary(self) -> Widget | None:
        if self.PRIMARY is None:
            return None
        return self.query_one(self.PRIMARY)

    def copy_value(self, focused: Widget) -> str | None:
        """The exact value behind the focused widget, for `y` (None: its shown text)."""
        return None

    # ---- views ----------------------------------------------------------------------

    def set_view(self, view: str) -> None:
        if view not in self.VIEWS:
            return
        for name in self.VIEWS:
            self.set_class(name == view, f"-view-{name}")
        self.view = view
        self.view_changed()
        target = self.primary()
        if target is not None and target.focusable and target.display:
            target.focus()

    def action_next_view(self) -> None:
        if self.VIEWS:
            i = self.VIEWS.index(self.view)
            self.set_view(self.VIEWS[(i + 1) % len(self.VIEWS)])

    def view_changed(self) -> None:
        """The view switched: draw what it shows."""
        self.redraw()

    def on_mount(self) -> None:
        self._mounted = True
        if self.VIEWS:
            self.add_class(f"-view-{self.view}")

    def edit(self, change: SessionChange, label: str, *, coalesce: str | None = None,
             origin: Widget | None = None) -> None:
        self.post_message(SessionEdited(change, label, coalesce=coalesce, origin=origin))
