"""DataTable with vim keys (hidden from the footer) and a helper to fill it.

A DataTable reads a str cell or label as markup; `replace_rows` shows every str through
`safe.literal` instead, so a name like `[b]x` is drawn as written. Cells built as Text
by the panes are escaped where they are built (`literal`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from workbench.tui.safe import literal


def _shown(value: Any) -> Any:
    return literal(value) if isinstance(value, str) else value


class WorkbenchTable(DataTable[Any]):
    """A DataTable that also moves with h/j/k/l and g/G."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
        Binding("h", "cursor_left", show=False),
        Binding("l", "cursor_right", show=False),
        Binding("g", "scroll_top", show=False),
        Binding("G", "scroll_bottom", show=False),
    ]

    def replace_rows(
        self,
        columns: list[tuple[str, Any]],
        rows: list[tuple[str, list[Any]]],
        *,
        keep_row: str | None = None,
        keep_column: str | None = None,
    ) -> None:
        """Swap the content, rebuilding columns only when they changed.

        The cursor goes back to `keep_row`/`keep_column` (keys) when they still exist,
        else stays at the same position.
        """
        old = self.cursor_coordinate
        new_keys = [key for key, _ in columns]
        spec = [(key, str(label)) for key, label in columns]
        if spec != getattr(self, "_column_spec", None):
            self._column_spec = spec
            self.clear(columns=True)
            for key, label in columns:
                self.add_column(_shown(label), key=key)
        else:
            self.clear()
        for key, cells in rows:
            self.add_row(*[_shown(cell) for cell in cells], key=key)
        row = old.row
        column = old.column
        if keep_row is not None and keep_row in self.rows:
            row = self.get_row_index(keep_row)
        if keep_column is not None and keep_column in new_keys:
            column = new_keys.index(keep_column)
        if self.row_count:
            self.cursor_coordinate = Coordinate(
                max(0, min(row, self.row_count - 1)), max(0, min(column, len(new_keys) - 1))
            )

    def cursor_keys(self) -> tuple[str | None, str | None]:
        """(row key, column key) under the cursor, or Nones when empty."""
        if not self.row_count:
            return None, None
        try:
            cell = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None, None
        return str(cell.row_key.value), str(cell.column_key.value)
