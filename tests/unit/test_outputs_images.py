"""Charts as images (workbench.views.images): the same charts as the HTML report, SVGs
byte-identical across two fresh processes, valid PNGs, hostile names as text, and
`workbench report --png/--svg`.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import require

require("matplotlib", "images")

from workbench.cli.main import main  # noqa: E402
from workbench.errors import InputError  # noqa: E402
from workbench.evaluation import evaluate  # noqa: E402
from workbench.model import Constraints, Scenario, Session, Workload  # noqa: E402
from workbench.session import load_session  # noqa: E402
from workbench.views import figures  # noqa: E402
from workbench.views.images import chart_images, write_images  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"

WRITE = """
import sys
from pathlib import Path
from workbench.session import load_session
from workbench.evaluation import evaluate
from workbench.views.images import write_images
path = Path(sys.argv[1])
session, _ = load_session(path)
write_images(evaluate(session, path.parent), sys.argv[2], "svg")
"""


def test_svgs_are_byte_identical_across_two_processes(tmp_path: Path) -> None:
    path = ROOT / "sessions" / "fraud_routing.toml"  # every chart, routing included
    for run in ("a", "b"):
        subprocess.run([sys.executable, "-c", WRITE, str(path), str(tmp_path / run)],
                       check=True, cwd=ROOT, timeout=300)
    a = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert a == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert a == sorted(f"{k}.svg" for k in figures.KEYS)
    for name in a:
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes(), name
        text = first.decode("utf-8")
        assert "<dc:date>" not in text  # no timestamp
        ET.fromstring(first)  # well-formed XML


def test_the_same_charts_as_the_html_report() -> None:
    path = ROOT / "sessions" / "retail_checkout.toml"
    session, _ = load_session(path)
    e = evaluate(session, path.parent)
    images = chart_images(e, "png")
    assert [k for k, _ in images] == [c.key for c in figures.charts_of(e)] == [
        "frontier", "cost_per_point", "volume", "matrix", "tornado"]
    from PIL import Image
    import io

    for _, data in images:
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.size == (1500, 840)


def svg_texts(data: bytes) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(data).iter(f"{SVG}text")]


def test_names_are_text_not_markup_or_math() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    money = "$x^2$ model & co"  # two dollars: matplotlib would read a formula
    frame = pd.DataFrame({"name": [hostile, money, "plain"], "accuracy": [91.0, 90.0, 80.0],
                          "latency_ms": [3.0, 2.0, 1.0], "cost_per_1k": [1.0, 0.5, 0.1]})
    e = evaluate(Session(scenario=Scenario(frame, Workload(volume_per_day=1000),
                                           Constraints(min_accuracy=85))))
    images = dict(chart_images(e, "svg"))
    texts = svg_texts(images["cost_per_point"])
    # Ranked by score: the cheaper $x^2$ model first.
    assert f"1. {money}" in texts and f"2. {hostile}" in texts
    raw = images["frontier"].decode("utf-8")
    assert "<img" not in raw and "&lt;img src=x onerror=alert(1)&gt;" in raw


def test_write_images_creates_one_folder_level_only(tmp_path: Path) -> None:
    path = ROOT / "sessions" / "mobile_app_budget.toml"
    session, _ = load_session(path)
    e = evaluate(session, path.parent)
    written = write_images(e, tmp_path / "charts", "png")
    assert [p.name for p in written] == ["frontier.png", "cost_per_point.png", "volume.png",
                                         "matrix.png", "tornado.png"]
    with pytest.raises(InputError, match="does not exist"):
        write_images(e, tmp_path / "no" / "such", "png")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        write_images(e, tmp_path / "file", "png")
    with pytest.raises(InputError, match="png or svg"):
        chart_images(e, "gif")


def test_cli_png_and_svg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "sessions" / "retail_checkout.toml"
    out = tmp_path / "out"
    assert main(["report", str(path), "--png", str(out), "--svg", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "5 PNG charts written" in captured.err and "5 SVG charts written" in captured.err
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{k}.{x}" for k in ("frontier", "cost_per_point", "volume", "matrix", "tornado")
        for x in ("png", "svg"))


def test_cli_images_never_write_into_the_routing_log(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # A session whose routing log is a folder: images into that folder are refused.
    session = tmp_path / "s.toml"
    text = (ROOT / "sessions" / "fraud_routing.toml").read_text(encoding="utf-8")
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    import re

    text = re.sub(r'(?m)^log = ".*"$', 'log = "log"', text)
    session.write_text(text, encoding="utf-8")
    assert main(["report", str(session), "--png", str(log_dir)]) == 2
    assert "would write inside the routing replay log" in capsys.readouterr().err
    assert list(log_dir.iterdir()) == []


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    path = ROOT / "sessions" / "retail_checkout.toml"
    assert main(["report", str(path), "--svg", str(tmp_path / "x")]) == 2
    assert "pip install 'workbench[images]'" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
