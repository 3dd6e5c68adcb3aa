from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def retail_csv() -> Path:
    return SAMPLES / "retail_checkout.csv"
