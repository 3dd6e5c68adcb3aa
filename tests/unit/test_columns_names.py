"""`columns.names_of`: the names as `[str(n) for n in names]` gives them, on every dtype."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.columns import names_of


@pytest.mark.parametrize("values", [
    pd.Series(["a", "b\x1b", "ü"], dtype=object),
    pd.Series(["a", "b\x1b", "ü"], dtype="string"),
    pd.Series(["a", None, "c"], dtype="string"),
    pd.Series([1, "x", 2.5], dtype=object),
    pd.Series(["a", np.nan], dtype=object),
    pd.Series([7, 8]),
])
def test_names_are_what_str_gives(values: pd.Series) -> None:
    frame = pd.DataFrame({"name": values})
    names = names_of(frame)
    assert names == [str(n) for n in values.tolist()]
    assert all(type(n) is str for n in names)
