"""What pane 6 exports: the memo, the HTML report, the brief, the slide deck, chart images.

Each kind names the engine view that writes it (`workbench.views.*`, pure functions of
one Evaluation); the TUI only asks where, asks before replacing, and runs the writer
off the UI thread. A view that is not installed in this build is shown as not
available instead of failing. No textual here.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.evaluation import Evaluation
    from workbench.model import Session


@dataclass(frozen=True)
class ExportKind:
    key: str  # memo | html | brief | deck | png | svg
    what: str  # how messages name it: "HTML report"
    suffix: str  # the default file's ending; "" for a folder of images
    module: str
    function: str

    @property
    def folder(self) -> bool:
        return not self.suffix

    def available(self) -> bool:
        """The view that writes this kind is installed (it may come with a later build)."""
        try:
            if importlib.util.find_spec(self.module) is None:
                return False
        except ModuleNotFoundError:
            return False
        try:
            return hasattr(importlib.import_module(self.module), self.function)
        except Exception:  # noqa: BLE001 - a broken optional view is "not available"
            return False


KINDS: dict[str, ExportKind] = {k.key: k for k in (
    ExportKind("memo", "memo", ".md", "workbench.views.memo", "render_memo"),
    ExportKind("html", "HTML report", "-report.html", "workbench.views.report_html",
               "render_html"),
    ExportKind("brief", "one-page brief", "-brief.md", "workbench.views.brief", "render_brief"),
    ExportKind("deck", "slide deck", "-deck.pptx", "workbench.views.deck", "write_deck"),
    ExportKind("png", "chart images (PNG)", "", "workbench.views.images", "write_images"),
    ExportKind("svg", "chart images (SVG)", "", "workbench.views.images", "write_images"),
)}


def default_path(kind: ExportKind, session: Session, session_path: Path | None) -> Path:
    """Next to the session: NAME.md, NAME-report.html, NAME-charts/ ..."""
    from workbench.session import store

    memo = store.default_memo_path(session, session_path)
    if kind.key == "memo":
        return memo
    stem = memo.with_suffix("")
    if kind.folder:
        return stem.with_name(f"{stem.name}-charts")
    return stem.with_name(stem.name + kind.suffix)


def write(kind: ExportKind, evaluation: Evaluation, path: Path, *, session: Session,
          notes: list[str], session_path: Path | None) -> list[Path]:
    """Write `kind` to `path` (a folder for images); the files written."""
    from workbench.atomic import atomic_write_text

    function = getattr(importlib.import_module(kind.module), kind.function)
    if kind.key == "memo":
        atomic_write_text(path, function(session, notes=notes, session_path=session_path,
                                         analysis=evaluation.analysis))
        return [path]
    if kind.key == "html":  # the report lists how the file was read, as the CLI's does
        atomic_write_text(path, function(evaluation, session_path=session_path, notes=notes))
        return [path]
    if kind.key == "brief":
        atomic_write_text(path, function(evaluation, session_path=session_path))
        return [path]
    if kind.key == "deck":
        function(evaluation, path, session_path=session_path)
        return [path]
    path.mkdir(parents=True, exist_ok=True)
    return [Path(p) for p in function(evaluation, path, fmt=kind.key)]
