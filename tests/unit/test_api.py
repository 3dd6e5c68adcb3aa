"""The Python API: `import workbench as wb` gives what the CLI gives, for notebooks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.cli import main
from workbench.errors import InputError
from workbench.session import load_session

ROOT = Path(__file__).resolve().parents[2]
RETAIL = ROOT / "sample_data" / "retail_checkout.csv"
IMAGENET = ROOT / "sample_data" / "imagenet_5.csv"
RETAIL_KW = {"volume_per_day": 500_000, "budget": 15_000, "max_latency_ms": 200}
RETAIL_FLAGS = ["--volume-per-day", "500000", "--budget", "15000", "--max-latency-ms", "200"]


def test_import_is_light() -> None:
    code = "import sys, workbench as wb; wb.__version__; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_same_json_as_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    result = wb.analyze(RETAIL, **RETAIL_KW)
    assert main(["analyze", str(RETAIL), *RETAIL_FLAGS, "--format", "json"]) == 0
    assert json.loads(result.to_json()) == json.loads(capsys.readouterr().out)
    assert result.recommendation.name == "MobileNet-SSD edge (on-device)"
    assert result.frontier == json.loads(result.to_json())["frontier"]
    assert isinstance(result.table, pd.DataFrame) and len(result.table) == 3


def test_load_a_dataframe_with_messy_headers() -> None:
    frame = pd.read_csv(RETAIL)
    table = wb.load(frame)
    assert table.scenario.candidates["latency_ms"].tolist() == [500.0, 100.0, 20.0]
    assert any("cost_per_1k <- " in n and "x1000" in n for n in table.load_notes)
    result = wb.analyze(table, **RETAIL_KW)
    assert result.recommendation.name == "MobileNet-SSD edge (on-device)"
    assert result.loader_notes == list(table.load_notes)


def test_load_a_polars_dataframe() -> None:
    import polars as pl  # in the test extra: a notebook user may hold a polars frame
    frame = pl.read_csv(IMAGENET)
    result = wb.analyze(frame, volume_per_day=1_000_000)
    assert len(result.table) == 5


def test_weights_limits_and_bad_settings() -> None:
    result = wb.analyze(IMAGENET, volume_per_day=1_000_000,
                        weights={"accuracy": 0.6, "cost": (0.4, "min", "log10")},
                        max={"latency_ms": 5})
    assert [c.given_as for c in result.analysis.criteria] == ["accuracy", "cost"]
    assert result.analysis.criteria[1].scale == "log10"
    assert all(v <= 5 for v, ok in zip(result.table["latency_ms"], result.table["feasible"]) if ok)
    with pytest.raises(InputError, match="unknown setting 'budjet'"):
        wb.analyze(IMAGENET, budjet=10)
    with pytest.raises(InputError) as err:
        wb.analyze(IMAGENET, min_accuracy=120)
    assert err.value.key == "constraints.min_accuracy"


def test_memo_and_save_round_trip(tmp_path: Path) -> None:
    result = wb.analyze(RETAIL, title="Retail checkout", **RETAIL_KW)
    assert result.memo().startswith("# Retail checkout")
    path = result.save(tmp_path / "retail.toml")
    session, _ = load_session(path)
    assert session.scenario.workload.volume_per_day == 500_000
    assert wb.analyze(session).recommendation.name == result.recommendation.name


def test_jupyter_renderings_escape_names() -> None:
    frame = pd.DataFrame({"name": ["<img src=x onerror=alert(1)>", "b"], "accuracy": [90, 95],
                          "latency_ms": [1, 2], "cost_per_1k": [1, 2]})
    result = wb.analyze(frame)
    html = result._repr_html_()
    assert "<img" not in html and "&lt;img src=x" in html
    md = result._repr_markdown_()
    assert "<img" not in md and "Recommendation:" in md
