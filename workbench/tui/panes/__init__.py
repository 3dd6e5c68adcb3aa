"""The seven panes of the workbench; each renders from a `Snapshot`."""
