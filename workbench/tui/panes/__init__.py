"""The eight panes of the workbench; each renders from a `Snapshot`."""
