"""What the engine tells the user: input errors and notes, each with a stable code.

Views decide what to do with a message by its `code`, never by matching its words, so
the wording can be improved without breaking a view.

Input errors: one exception type that every loader and validator raises.

A user who gets an error must be able to fix the file without reading code, so the
message names the file and, where it applies, the row, the column or the key.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.fmt import printable


@dataclass
class InputError(Exception):
    """A problem with something the user gave us (a file, a flag, a session key).

    `row` is 1-based and counts data rows (row 1 is the first row after the header).
    `str(error)` is one printable line: controls in names and values are shown as
    visible escapes, so it can go straight to a terminal.
    """

    message: str
    source: str | None = None
    row: int | None = None
    column: str | None = None
    key: str | None = None
    line: int | None = None
    code: str | None = None  # e.g. "missing_columns": what a view may act on

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        where: list[str] = []
        if self.source:
            where.append(str(self.source))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.key is not None:
            where.append(f"key {self.key!r}")
        prefix = ", ".join(where)
        text = f"{prefix}: {self.message}" if prefix else self.message
        # File names, headers and cell values come from files: a message is shown on a
        # terminal, so it never carries a control sequence (see workbench.fmt).
        return printable(text)


class Note(str):
    """A note for the user: its text, plus a stable `code` saying what kind it is.

    A `str` subclass, so notes print, join, compare and serialise as the text they
    are; views that act on a kind of note test `note.code`.
    """

    code: str

    def __new__(cls, code: str, text: str) -> Note:
        note = super().__new__(cls, text)
        note.code = code
        return note

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return (self.code, str(self))


def note_code(note: str) -> str | None:
    """The code of a note, or None for a plain string."""
    return getattr(note, "code", None)
