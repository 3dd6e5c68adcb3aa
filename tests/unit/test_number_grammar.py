"""`_` in the one number grammar groups thousands as `,` does: by three digits.

Python's own literals read `1_0` as 10 and `1_0000` as 10000; a spreadsheet cell or a
flag spelled so is a typo, not a number, and was read silently (found by probing
large tables). Flags, fields and table cells share the rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.loading import load_table
from workbench.parse import parse_optional


@pytest.mark.parametrize(("text", "value"), [
    ("15_000", 15_000), ("500_000", 500_000), ("1_000_000", 1_000_000),
    ("15_000.5", 15_000.5), ("$15_000", 15_000), ("1_000k", 1_000_000),
])
def test_underscores_in_groups_of_three_are_thousands(text: str, value: float) -> None:
    assert parse_optional(text) == value


@pytest.mark.parametrize("text", ["1_0", "1__2", "1_0000", "10_00", "0.5_5", "1,000_000",
                                  "_100", "100_"])
def test_other_underscores_are_no_number(text: str) -> None:
    with pytest.raises(ValueError):
        parse_optional(text)


def test_a_table_cell_follows_the_same_rule(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("name,accuracy,latency_ms,cost_per_1k\na,90,15_000,1\nb,80,5,2\n",
                    encoding="utf-8")
    assert load_table(path).frame["latency_ms"].tolist() == [15_000.0, 5.0]
    path.write_text("name,accuracy,latency_ms,cost_per_1k\na,90,1_0,1\nb,80,5,2\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="row 1, column 'latency_ms'"):
        load_table(path)
