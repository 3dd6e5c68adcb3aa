"""What every pane draws from: one immutable snapshot of the app's state.

Nothing here imports the engine at module level: the app paints its first frame
before the analysis modules are loaded (see `WorkbenchApp`), and panes import this.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.analysis import Analysis
    from workbench.evaluation import Evaluation, Robustness
    from workbench.model import Session
    from workbench.routing import RoutingResult, RoutingSpec

TOP_N = 200  # rows the candidate table shows at most; the rest is summarised in a note
LARGE_TABLE = 5_000  # above this, the analysis runs in a thread worker

# The layout classes Textual puts on the screen by width and height (App.*_BREAKPOINTS);
# `.tcss` lays panes out by them and panes choose table columns by `layout_width`.
HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] = [(0, "-narrow"), (110, "-wide"), (150, "-widest")]
VERTICAL_BREAKPOINTS: list[tuple[int, str]] = [(0, "-short"), (44, "-tall")]


def layout_width(width: int) -> str:
    """The horizontal breakpoint class for a terminal `width` (as Textual picks it)."""
    name = HORIZONTAL_BREAKPOINTS[0][1]
    for low, cls in HORIZONTAL_BREAKPOINTS:
        if width >= low:
            name = cls
    return name


def is_narrow(width: int) -> bool:
    return layout_width(width) == "-narrow"


@dataclass(frozen=True)
class Snapshot:
    session: Session
    evaluation: Evaluation
    notes: tuple[str, ...]
    path: Path | None
    generation: int  # bumps on every change; panes redraw when theirs is older
    # How sure the pick is (computed after the analysis, in a worker): None until then.
    robustness: Robustness | None = None

    @property
    def analysis(self) -> Analysis:
        return self.evaluation.analysis

    @property
    def size(self) -> int:
        return len(self.analysis.table)

    @property
    def has_volume(self) -> bool:
        return self.session.scenario.workload.volume_per_day is not None

    @property
    def base_dir(self) -> Path | None:
        """The folder relative paths of the session (the routing log) are read from."""
        return self.path.parent if self.path is not None else None

    @property
    def user_rows(self) -> int:
        """Rows of the session's own table; rows of the analysis from here on are added
        by the evaluation (the routed system) and are not edited in the table."""
        return len(self.session.scenario.candidates)


class RoutingCache:
    """Routing simulations by their resolved inputs (spec with prices and volume, and
    the log's folder), shared by pane 7 and the app's evaluation: an edit that leaves
    them alone never replays the log again. Thread-safe (workers fill it)."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._items: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(spec: RoutingSpec, base_dir: Path | None) -> str:
        return json.dumps([spec.to_dict(), str(base_dir)], sort_keys=True)

    def get(self, key: str) -> RoutingResult | Exception | None:
        with self._lock:
            return self._items.get(key)  # type: ignore[return-value]

    def put(self, key: str, value: RoutingResult | Exception) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def session_key(self, session: Session, base_dir: Path | None) -> str | None:
        """The key of a session's stored [routing] (None: none, or not resolvable)."""
        if not session.routing:
            return None
        from workbench.errors import InputError
        from workbench.routing import RoutingSpec, resolve_for_session

        try:
            spec = resolve_for_session(RoutingSpec.from_dict(dict(session.routing)), session)
        except InputError:
            return None
        return self.key(spec, base_dir)

    def needs_run(self, session: Session, base_dir: Path | None) -> bool:
        """True when evaluating `session` would replay a log (no result remembered)."""
        key = self.session_key(session, base_dir)
        return key is not None and self.get(key) is None

    def simulate(self, session: Session, base_dir: Path | None) -> RoutingResult:
        """`workbench.routing.simulate_session`, remembered (the evaluation's simulator)."""
        from workbench.errors import InputError
        from workbench.routing import RoutingResult, RoutingSpec, resolve_for_session, simulate

        if not session.routing:
            raise InputError("the session has no [routing] settings", key="routing")
        spec = resolve_for_session(RoutingSpec.from_dict(dict(session.routing)), session)
        key = self.key(spec, base_dir)
        hit = self.get(key)
        if isinstance(hit, RoutingResult):
            return hit
        if isinstance(hit, InputError):
            raise hit
        try:
            result = simulate(spec, base_dir)
        except InputError as exc:
            self.put(key, exc)
            raise
        self.put(key, result)
        return result
