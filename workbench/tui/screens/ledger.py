"""The cost-of-ownership ledger's items ([[tco.items]]): list, add, edit, delete.

Each change goes through the app as one edit (`workbench.edits.put_ledger_item` /
`delete_ledger_item`, checked by the ledger's own rules), so it is one undo step and
the analysis re-runs; the list redraws from the session after every change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from workbench.errors import InputError
from workbench.fmt import num, usd
from workbench.tui.safe import literal
from workbench.tui.widgets.tables import WorkbenchTable

if TYPE_CHECKING:
    from workbench.tui.app import WorkbenchApp


def _figures(item: dict[str, Any]) -> str:
    kind = item.get("kind")
    if kind in ("one_time", "per_retraining", "monthly"):
        return usd(item.get("usd")) + {"monthly": "/month", "per_retraining": " per retraining",
                                       "one_time": " once"}[str(kind)]
    if kind == "maintenance":
        return (f"{num(item.get('engineer_months_per_year'))} eng-months/yr × "
                f"{usd(item.get('loaded_monthly_usd'))}")
    if kind == "overhead_pct":
        return f"{num(item.get('pct'))}% of inference"
    if kind == "per_1k":
        return f"{usd(item.get('usd_per_1k'), 4)} per 1k"
    return ""


class LedgerScreen(ModalScreen[None]):
    AUTO_FOCUS = "#ledger-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="ledger.close"),
        Binding("a", "add", "Add", id="ledger.add"),
        Binding("e,enter", "edit", "Edit", id="ledger.edit"),
        Binding("x,delete", "delete", "Delete", id="ledger.delete", key_display="x"),
    ]

    @property
    def workbench(self) -> WorkbenchApp:
        return cast("WorkbenchApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog ledger-dialog"):
            yield Static("Cost-of-ownership ledger items", classes="dialog-title")
            yield WorkbenchTable(id="ledger-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="ledger-error", classes="dialog-hint")
            yield Static("a add · e/enter edit · x delete · esc close (u undoes on the pane)",
                         classes="dialog-keys")

    def on_mount(self) -> None:
        self.refresh_items()

    def _items(self) -> list[dict[str, Any]]:
        session = self.workbench.session
        return [dict(i) for i in session.scenario.tco.items] if session is not None else []

    def refresh_items(self) -> None:
        hits = self.query("#ledger-table")
        if not hits:
            return
        table = hits.first(WorkbenchTable)
        rows = []
        for i, item in enumerate(self._items()):
            who = item.get("candidates")
            rows.append((str(i), [literal(item.get("name"), cut=28), Text(str(item.get("kind"))),
                                  Text(_figures(item)),
                                  literal(", ".join(who) if who else "all", cut=24)]))
        if not rows:
            rows = [("none", [Text("no items: a adds one", style="dim"), Text(""), Text(""),
                              Text("")])]
        keep, _ = table.cursor_keys()
        table.replace_rows([("name", "Item"), ("kind", "Kind"), ("figures", "Figures"),
                            ("candidates", "Applies to")], rows, keep_row=keep)

    def _index(self) -> int | None:
        key, _ = self.query_one(WorkbenchTable).cursor_keys()
        return int(key) if key is not None and key.isdigit() else None

    def _apply(self, change: Any, label: str) -> bool:
        ok = self.workbench.apply_edit(change, label)
        self.refresh_items()
        return ok

    def _form(self, index: int | None) -> None:
        from workbench import edits
        from workbench.pricing.ledger import FORMULAS, ITEM_KINDS
        from workbench.tui.screens.prompt import FormScreen

        items = self._items()
        texts = edits.ledger_item_texts(items[index]) if index is not None else {
            k: "" for k, _ in edits.LEDGER_FIELDS}
        if index is None:
            texts["kind"] = "monthly"
        fields: list[Any] = []
        for key, label in edits.LEDGER_FIELDS:
            if key == "kind":
                fields.append((key, label, texts[key], ITEM_KINDS))
            else:
                fields.append((key, label, texts[key]))
        note = "A kind reads only its numbers: " + "; ".join(
            f"{k}: {FORMULAS[k]}" for k in ITEM_KINDS)

        def check(values: dict[str, str]) -> str | None:
            session = self.workbench.session
            try:
                if session is not None:
                    edits.put_ledger_item(session, index, values)
            except InputError as exc:
                return str(exc)
            return None

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            name = values.get("name", "").strip()
            self._apply(lambda s: edits.put_ledger_item(s, index, values),
                        f"ledger item {name}")

        self.app.push_screen(FormScreen("Add a ledger item" if index is None else
                                        "Edit the ledger item", fields, check=check, note=note),
                             done)

    def action_add(self) -> None:
        self._form(None)

    def action_edit(self) -> None:
        index = self._index()
        if index is None:
            self._form(None)
        else:
            self._form(index)

    @on(DataTable.RowSelected, "#ledger-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_delete(self) -> None:
        from workbench import edits

        index = self._index()
        if index is None:
            return
        name = self._items()[index].get("name")
        if self._apply(lambda s: edits.delete_ledger_item(s, index), f"delete ledger item {name}"):
            self.app.notify(f"Deleted ledger item {name} (u on the pane undoes)")

    def action_close(self) -> None:
        self.dismiss(None)
