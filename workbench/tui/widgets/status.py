"""The status line: session file, unsaved marker, recommendation and its cost."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from workbench.fmt import printable, usd
from workbench.tui.state import Snapshot

MODIFIED = "●"


def session_label(snapshot: Snapshot) -> str:
    """The session's file as shown (a file name is text from outside: controls escaped)."""
    return printable(_label(snapshot))


def _label(snapshot: Snapshot) -> str:
    if snapshot.path is not None:
        return _short(snapshot.path)
    source = snapshot.session.source.path
    if source:
        return f"{Path(source).name} (not saved)"
    return "built-in sample (not saved)"


def _short(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return path.name


class StatusLine(Static):
    """One line, always visible, drawn from the current snapshot."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $panel; color: $foreground;
                 text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def show_opening(self, doing: str | None) -> None:
        """Before the first session is open (`workbench FILE` reads FILE)."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("workbench", style="bold")
        text.append(" │ ", style="dim")
        text.append(f"{printable(doing or 'starting')}…", style="italic yellow")
        self.update(text)

    def show_status(self, snapshot: Snapshot, modified: bool, busy: bool,
                    doing: str | None = None) -> None:
        """`busy`: an analysis runs; `doing`: a file job runs ("saving x.toml")."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(session_label(snapshot), style="bold")
        if modified:
            text.append(f" {MODIFIED}", style="bold yellow")
        text.append(" │ ", style="dim")
        analysis = snapshot.analysis
        rec = analysis.recommendation
        if rec is None:
            text.append("no recommendation", style="bold red")
        else:
            text.append("pick: ", style="dim")
            text.append(printable(rec.name), style="bold green")
            first = analysis.table.iloc[0]
            row = first if str(first["name"]) == rec.name else analysis.row(rec.name)
            if snapshot.has_volume:
                text.append(f" {usd(row['monthly_cost_usd'])}/mo")
            else:
                text.append(f" {usd(row['cost_per_1k'], 4)}/1k")
            routed = snapshot.evaluation.routing is not None
            if routed and "routing_policy" in analysis.table.columns:
                policy = row.get("routing_policy")
                if isinstance(policy, str) and policy:
                    text.append(" (routed)", style="cyan")
        if busy:
            text.append("  analysing…", style="italic yellow")
        if doing:
            text.append(f"  {printable(doing)}…", style="italic yellow")
        self.update(text)
