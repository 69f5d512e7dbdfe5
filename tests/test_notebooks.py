"""The notebooks run end to end (with a small replication count), use only ``import cstosim``, show figures and
readable tables without warnings, pick their worked examples by outcome, give exercises with hidden answers, and
quote the seed articles verbatim. They are stored without outputs."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SEEDS = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "seeds").glob("*.txt"))


def test_the_three_notebooks_are_there():
    assert [path.name for path in NOTEBOOKS] == [
        "1-how-statuses-are-granted.ipynb",
        "2-what-ifs.ipynb",
        "3-another-organization.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs_and_imports_only_cstosim(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "store notebooks without outputs"
            for line in cell.source.splitlines():
                if line.startswith(("import ", "from ")):
                    assert line in ("import os", "import cstosim"), line
                assert "cstosim." not in line or not re.search(r"cstosim\.(engine|model|analysis|experiments)", line)


def test_quotes_in_the_first_notebook_are_verbatim_in_the_seeds():
    notebook = nbformat.read(ROOT / "notebooks" / "1-how-statuses-are-granted.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    quotes = re.findall(r'"([^"]+)"', text.replace("\n", " "))
    assert len(quotes) >= 8
    for quote in quotes:
        assert quote in SEEDS, quote


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_notebook_has_exercises_with_hidden_answers(path):
    notebook = nbformat.read(path, as_version=4)
    exercises = [cell.source for cell in notebook.cells if cell.cell_type == "markdown" and "**Exercise" in cell.source]
    assert len(exercises) >= 4
    for text in exercises:
        question, _, answer = text.partition("<details>")
        assert "?" in question and "<summary>Answer</summary>" in answer and answer.rstrip().endswith("</details>")


def _executed(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    return notebook


def _text(output: nbformat.NotebookNode) -> str:
    return str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_end_to_end(path, monkeypatch):
    monkeypatch.setenv("CSTOSIM_NOTEBOOK_REPLICATIONS", "40")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = _executed(path)
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    images = [output for output in outputs if "image/png" in output.get("data", {})]
    assert len(images) >= 4, "every figure cell shows its figure"
    assert not [output for output in outputs if "Warning" in _text(output)], "no warning in a student's notebook"
    # Results read as a person reads them: tables in HTML (percentages, dates), never a dataclass dump.
    assert not [output for output in outputs if _text(output).startswith(("Summary(", "Outcome(", "Trace("))]
    tables = [output for output in outputs if "text/html" in output.get("data", {})]
    assert any("%</td>" in output["data"]["text/html"] for output in tables)
    # Every worked example is a history in which the process is at work: chosen by outcome, and it shows it.
    for cell in notebook.cells:
        if cell.cell_type == "code" and "find_replication(" in cell.source and "print(" in cell.source:
            told = "".join(_text(output) for output in cell.outputs)
            assert " is the first where " in told, cell.source
            if ".to_text()" in cell.source:
                assert "reviews" in told and "becomes" in told, cell.source
        if cell.cell_type == "code" and "cstosim.explorer(" in cell.source:  # the live page, as a widget
            assert any("application/vnd.jupyter.widget-view+json" in output.get("data", {}) for output in cell.outputs)


def test_a_notebook_without_ipywidgets_shows_no_progress_warning():
    """tqdm's notebook bar warns when ipywidgets is missing, even for a bar that stays hidden."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell('import sys\nsys.modules["ipywidgets"] = None  # as if it were not installed'),
        nbformat.v4.new_code_cell(
            "import cstosim\n"
            'scenario = cstosim.load_scenario("sco-like-observer")\n'
            "cstosim.run_replications(scenario, 5, seed=1)\n"
            "cstosim.run_replications(scenario, 5, seed=1, progress=True);"
        ),
    ]
    NotebookClient(notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    told = "".join(_text(output) for cell in notebook.cells for output in cell.outputs)
    assert "5.00/5.00" in told  # the bar asked for is there, as text
    assert "Warning" not in told and "IProgress" not in told, told
