"""Write examples/imagenet_decision.ipynb (run: python examples/make_notebook.py).

The notebook is generated so its cells stay reviewable as code; the test suite runs it
with nbclient and checks its outputs (tests/unit/test_notebook.py).
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    new_markdown_cell(
        "# Picking an ImageNet classifier with workbench\n\n"
        "Five torchvision classifiers (`sample_data/imagenet_5.csv`) served at 1M images a "
        "day, a budget of $100 a month and at least 80% top-1 accuracy. The figures below "
        "are the same ones `workbench analyze` prints and the decision memo states."
    ),
    new_code_cell(
        "import workbench as wb\n"
        "table = wb.load('../sample_data/imagenet_5.csv')\n"
        "table.load_notes"
    ),
    new_code_cell(
        "result = wb.analyze(table, volume_per_day=1_000_000, budget=100, min_accuracy=80,\n"
        "                    weights={'accuracy': 0.5, 'cost': 0.3, 'latency_ms': 0.2},\n"
        "                    title='ImageNet classifier for the photo service')\n"
        "result"
    ),
    new_markdown_cell("The ranked table is a pandas DataFrame:"),
    new_code_cell(
        "result.table[['rank', 'name', 'accuracy', 'monthly_cost_usd', 'feasible', 'score']]"
    ),
    new_code_cell("print(result.recommendation.name)\nprint(result.frontier)"),
    new_markdown_cell("What if volume grows tenfold? The sweep re-prices every candidate:"),
    new_code_cell(
        "sweep = result.analysis.volume_sweep\n"
        "list(zip(sweep.multipliers.tolist(), sweep.recommendations))"
    ),
    new_markdown_cell("Save the decision record and the memo for the review board:"),
    new_code_cell(
        "import tempfile, pathlib\n"
        "folder = pathlib.Path(tempfile.mkdtemp())\n"
        "path = result.save(folder / 'imagenet.toml')\n"
        "memo = result.memo()\n"
        "print(memo.splitlines()[0])\n"
        "print(path.name, path.exists())"
    ),
]


def main() -> None:
    notebook = new_notebook(cells=CELLS, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    })
    out = Path(__file__).with_name("imagenet_decision.ipynb")
    nbformat.write(notebook, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
