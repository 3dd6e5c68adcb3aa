"""The command palette (ctrl+p): every capability of the workbench, by name.

Each command says its key where it has one, so the palette also teaches the keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

if TYPE_CHECKING:
    from workbench.tui.app import WorkbenchApp


def commands(app: WorkbenchApp) -> Iterator[SystemCommand]:
    from workbench.tui.app import PANES
    from workbench.tui.exports import KINDS

    for i, (pane_id, label, _) in enumerate(PANES, start=1):
        yield SystemCommand(f"Go to {label.split(' ', 1)[1]}", f"Pane {i} ({i})",
                            lambda p=pane_id: app.action_show_pane(p))
    yield SystemCommand("Open…", "Open a session or a candidate table (ctrl+o)", app.action_open)
    yield SystemCommand("Save", "Save the session (ctrl+s)", app.action_save)
    yield SystemCommand("Save as…", "Save the session under a new name", app.action_save_as)
    keys = {"memo": "ctrl+e", "html": "h on pane 6", "brief": "b on pane 6",
            "deck": "d on pane 6", "png": "i on pane 6", "svg": "I on pane 6"}
    for key, kind in KINDS.items():
        state = "" if kind.available() else " · not available in this build"
        title = f"Export {kind.what}…" if key in ("png", "svg") else f"Export the {kind.what}…"
        yield SystemCommand(title, f"Write the {kind.what} ({keys[key]}){state}",
                            lambda k=key: app.action_export(k))
    yield SystemCommand("Undo", "Undo the last edit of this pane's scope (u)", app.action_undo)
    yield SystemCommand("Redo", "Redo (ctrl+y)", app.action_redo)
    yield SystemCommand("Notes on the file", "How the file was read: headers, unit "
                        "conversions; the analysis' notes (n)", app.action_notes)
    yield SystemCommand("Copy the focused value", "To the clipboard by OSC 52, over SSH too (y)",
                        app.action_copy)
    # Pane 1
    yield SystemCommand("Add candidate…", "Add a row to the candidate table (a on pane 1)",
                        lambda: app.pane_action("candidates", "add"))
    yield SystemCommand("Add column…", "Add a column, e.g. a maintainability score (c on pane 1)",
                        lambda: app.pane_action("candidates", "add_column"))
    yield SystemCommand("Edit the cell…", "Edit the cell under the cursor (e or enter on pane 1)",
                        lambda: app.pane_action("candidates", "edit_cell"))
    yield SystemCommand("Pricing mode…", "How the candidate under the cursor is priced: per "
                        "inference, per token, on instances (m on pane 1)",
                        lambda: app.pane_action("candidates", "pricing_mode"))
    # Pane 2
    yield SystemCommand("Ledger items…", "Cost-of-ownership line items: add, edit, delete "
                        "(l on pane 5's cost model)", lambda: app.pane_action("whatif", "ledger"))
    # Pane 3
    yield SystemCommand("Sort the cost-per-1% bars", "By rank or by value (o on pane 3)",
                        lambda: app.pane_action("frontier", "bar_order"))
    # Pane 4
    yield SystemCommand("Robustness", "Critical weights, tornado, rank acceptability (SMAA), "
                        "risks (v on pane 4)", lambda: app.show_view("matrix", "robustness"))
    yield SystemCommand("Decision matrix", "Each criterion's contribution (pane 4)",
                        lambda: app.show_view("matrix", "matrix"))
    # Pane 5
    yield SystemCommand("Volume sweep and accuracy delta", "Pane 5",
                        lambda: app.show_view("whatif", "sweep"))
    yield SystemCommand("Volume chart", "Monthly cost by volume (v on pane 5)",
                        lambda: app.show_view("whatif", "chart"))
    yield SystemCommand("Choose the volume chart's lines…", "Which candidates the volume chart "
                        "draws (p on pane 5's chart)",
                        lambda: app.pane_action("whatif", "pick_lines"))
    yield SystemCommand("Cost model", "Priced as, instances, capacity by volume, API or "
                        "self-host break-even, reserve or not (v on pane 5)",
                        lambda: app.show_view("whatif", "costs"))
    # Pane 7
    yield SystemCommand("Run the routing simulation", "Apply pane 7's settings and simulate (r)",
                        lambda: app.pane_action("routing", "run"))
    yield SystemCommand("Routing tiers…", "The cascade's models, 2 to 4 (t on pane 7)",
                        lambda: app.pane_action("routing", "tiers"))
    # Pane 8
    yield SystemCommand("Run the audit", "Audit the session against pane 8's production "
                        "log (r on pane 8)", lambda: app.pane_action("audit", "run"))
    yield SystemCommand("Audit log…", "Type the production log to audit against, and a "
                        "dimension (p on pane 8)", lambda: app.pane_action("audit", "log"))
    for view, title, words in (
            ("chart", "Audit chart", "The daily cost, anomaly days marked"),
            ("assumptions", "Audit assumptions", "Each assumption against production, with "
                                                 "verdicts, and the criteria"),
            ("change", "Why the bill changed", "The change's exact parts, and where"),
            ("anomalies", "Audit anomalies", "Days that left their rolling baseline")):
        yield SystemCommand(title, f"{words} (v on pane 8)",
                            lambda v=view: app.show_view("audit", v))
    yield SystemCommand("Keys", "Show every key, and where your keymap file goes (?)",
                        app.action_help)
