"""What every pane draws from: one immutable snapshot of the app's state."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.analysis import Analysis
from workbench.model import Session

TOP_N = 200  # rows the candidate table shows at most; the rest is summarised in a note
LARGE_TABLE = 5_000  # above this, the analysis runs in a thread worker


@dataclass(frozen=True)
class Snapshot:
    session: Session
    analysis: Analysis
    notes: tuple[str, ...]
    path: Path | None
    generation: int  # bumps on every change; panes redraw when theirs is older

    @property
    def size(self) -> int:
        return len(self.analysis.table)

    @property
    def has_volume(self) -> bool:
        return self.session.scenario.workload.volume_per_day is not None
