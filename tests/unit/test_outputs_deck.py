"""The slide deck (workbench.views.deck), read back with python-pptx: the expected
slides and titles, the pick's name and figures, the frontier chart as a picture, the
sources in the notes, deterministic core properties and bytes, and `workbench deck`.
"""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import require

pptx = require("pptx", "deck")
require("matplotlib", "images")

from pptx import Presentation  # noqa: E402
from pptx.enum.shapes import MSO_SHAPE_TYPE  # noqa: E402

from workbench.cli.main import main  # noqa: E402
from workbench.evaluation import Evaluation, evaluate  # noqa: E402
from workbench.model import Constraints, Decision, Scenario, Session, Workload  # noqa: E402
from workbench.session import load_session  # noqa: E402
from workbench.views.deck import deck_bytes, write_deck  # noqa: E402
from workbench.views.images import chart_images  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RETAIL = ROOT / "sessions" / "retail_checkout.toml"


def evaluated(path: Path) -> Evaluation:
    session, _ = load_session(path)
    return evaluate(session, path.parent)


@pytest.fixture(scope="module")
def retail_deck() -> tuple[Evaluation, bytes]:
    e = evaluated(RETAIL)
    return e, deck_bytes(e, RETAIL)


def titles(prs: object) -> list[str]:
    return [s.shapes.title.text for s in prs.slides]  # type: ignore[attr-defined]


def slide_text(slide: object) -> str:
    parts = []
    for shape in slide.shapes:  # type: ignore[attr-defined]
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(parts)


def test_retail_slides_and_titles(retail_deck: tuple[Evaluation, bytes]) -> None:
    _, data = retail_deck
    prs = Presentation(io.BytesIO(data))
    # By hand: MobileNet $0.10/1k x 15M a month = $1,500 ($1.5k); 12 months = $18,000;
    # of 3 candidates only MobileNet meets both limits; ResNet-50 FPN (+5 points,
    # 95% vs 90%) costs $75,000 - $1,500 = +$73,500 a month (+$74k, rounded).
    assert titles(prs) == [
        "Retail checkout: item detector for self-checkout lanes",
        "Recommend MobileNet-SSD edge (on-device)",
        "1 of 3 candidates meet every limit",
        "MobileNet-SSD edge (on-device): $1.5k/month for 90.0%, on the cost-accuracy frontier",
        "MobileNet-SSD edge (on-device) (0.55) is the best score within every limit; "
        "ResNet-50 FPN (mid-tier CNN) (0.74) breaks one",
        "Between 50k and 125k a day the pick changes: ResNet-50 FPN (mid-tier CNN) → "
        "MobileNet-SSD edge (on-device)",
        "ResNet-50 FPN (mid-tier CNN) adds 5.0 points of accuracy for +$74k/month",
        "Over 12 months, MobileNet-SSD edge (on-device) costs $18k",
        "2 risks to manage",
        "Decision: MobileNet-SSD edge (on-device), by Checkout ML review (J. Alvarez, "
        "P. Okafor) on 2026-11-12",
    ]
    question = prs.slides[0].placeholders[1].text
    assert question == ("Which of 3 candidates should we run at 500k inferences a day, within "
                        "$15k/month and 200 ms?")
    recommendation = slide_text(prs.slides[1])
    for figure in ("$1.5k/month", "90.0%", "20 ms", "It stays the pick unless its cost rises 900%"):
        assert figure in recommendation


def test_frontier_slide_holds_the_chart_image(retail_deck: tuple[Evaluation, bytes]) -> None:
    e, data = retail_deck
    prs = Presentation(io.BytesIO(data))
    slide = prs.slides[3]
    pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == 1
    frontier_png = dict(chart_images(e, "png"))["frontier"]
    assert pictures[0].image.blob == frontier_png
    assert pictures[0].image.content_type == "image/png"
    # The picture sits inside the slide.
    assert pictures[0].left >= 0 and pictures[0].left + pictures[0].width <= prs.slide_width
    assert pictures[0].top + pictures[0].height <= prs.slide_height


def test_sources_in_the_notes(retail_deck: tuple[Evaluation, bytes]) -> None:
    _, data = retail_deck
    prs = Presentation(io.BytesIO(data))
    digest = hashlib.sha256(RETAIL.read_bytes()).hexdigest()
    for slide in prs.slides:
        notes = slide.notes_slide.notes_text_frame.text
        assert f"retail_checkout.toml (sha256 {digest})" in notes
    # The exact figure behind a rounded one.
    assert "Exact figures: $1,500" in prs.slides[1].notes_slide.notes_text_frame.text


def test_core_properties_and_bytes_are_deterministic(retail_deck: tuple[Evaluation, bytes]) -> None:
    e, data = retail_deck
    again = deck_bytes(evaluated(RETAIL), RETAIL)
    assert hashlib.sha256(again).hexdigest() == hashlib.sha256(data).hexdigest()
    cp = Presentation(io.BytesIO(data)).core_properties
    created = datetime(2026, 11, 22, 17, 45, 14)  # the session's own dates, never "now"
    assert cp.created.replace(tzinfo=None) == created
    assert cp.modified.replace(tzinfo=None) == created
    assert cp.title == e.session.title
    assert cp.author == "Checkout ML review (J. Alvarez, P. Okafor)"
    assert cp.last_modified_by.startswith("workbench ")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("path", sorted((ROOT / "sessions").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_every_example_names_its_pick(path: Path, tmp_path: Path) -> None:
    e = evaluated(path)
    written = write_deck(e, tmp_path / "d.pptx", path)
    prs = Presentation(written)
    names = titles(prs)
    pick = e.analysis.recommendation
    assert pick is not None
    assert names[1] == f"Recommend {pick.name}"
    assert names[-1].startswith(f"Decision: {e.session.decision.chosen}")
    has_routing = any(t.startswith("Routing") for t in names)
    assert has_routing == (e.routing is not None)
    assert len(names) == 10 + has_routing
    for slide in prs.slides:  # every shape on the slide
        for shape in slide.shapes:
            assert 0 <= shape.left and shape.left + shape.width <= prs.slide_width
            assert 0 <= shape.top and shape.top + shape.height <= prs.slide_height


def test_hostile_text_and_no_recommendation(tmp_path: Path) -> None:
    hostile = "<img src=x>\x1b[31m\x00 & co"
    frame = pd.DataFrame({"name": [hostile, "b"], "accuracy": [91.0, 90.0],
                          "latency_ms": [3.0, 2.0], "cost_per_1k": [1.0, 0.5]})
    e = evaluate(Session(scenario=Scenario(frame, Workload(volume_per_day=1000),
                                           Constraints(min_accuracy=95)),
                         title=f"T {hostile}", decision=Decision(rationale=f"why\n{hostile}")))
    prs = Presentation(io.BytesIO(deck_bytes(e)))
    names = titles(prs)
    assert names[0] == "T <img src=x>\\x1b[31m\\x00 & co"  # controls shown, not dropped
    assert names[1] == "No candidate meets every constraint"
    assert "Decision: not recorded" in names[-1]


def test_cli_deck(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "decision.pptx"
    assert main(["deck", str(RETAIL), "-o", str(out)]) == 0
    assert "deck written to" in capsys.readouterr().err
    assert titles(Presentation(out))[1] == "Recommend MobileNet-SSD edge (on-device)"
    session = tmp_path / "s.toml"
    session.write_bytes(RETAIL.read_bytes())
    assert main(["deck", str(session), "-o", str(session)]) == 2
    assert "would overwrite the input" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["deck", str(RETAIL)])  # -o is required: argparse exits 2


def test_missing_python_pptx_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "pptx", None)
    assert main(["deck", str(RETAIL), "-o", str(tmp_path / "d.pptx")]) == 2
    assert "pip install 'workbench[deck]'" in capsys.readouterr().err
    assert not (tmp_path / "d.pptx").exists()


def test_unknown_dates_are_fixed_not_now() -> None:
    frame = pd.DataFrame({"name": ["a", "b"], "accuracy": [91.0, 90.0],
                          "latency_ms": [3.0, 2.0], "cost_per_1k": [1.0, 0.5]})
    e = evaluate(Session(scenario=Scenario(frame, Workload(volume_per_day=1000))))
    cp = Presentation(io.BytesIO(deck_bytes(e))).core_properties
    assert cp.created == cp.modified == datetime(1980, 1, 1, tzinfo=timezone.utc).replace(
        tzinfo=None)
