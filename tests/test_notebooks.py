"""The notebooks run end to end (with a small replication count), use only ``import cstosim``, show figures,
and quote the seed articles verbatim. They are stored without outputs."""

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
def test_notebook_runs_end_to_end(path, monkeypatch):
    monkeypatch.setenv("CSTOSIM_NOTEBOOK_REPLICATIONS", "40")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    images = [output for output in outputs if "image/png" in output.get("data", {})]
    assert len(images) >= 4, "every figure cell shows its figure"
