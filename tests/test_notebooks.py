"""Checks on the committed notebooks themselves (nbval runs them; this checks their shape)."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_from_one_clean_run(path):
    cells = code_cells(path)
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts are not 1..n; re-run it with `make notebooks`"
    )
    errors = [c.source[:60] for c in cells for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: cells with error outputs: {errors}"
    assert path.stat().st_size < 3_000_000, f"{path.name} is {path.stat().st_size / 1e6:.1f} MB"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_same_frame_everywhere(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {path.name[:2]} ·")
    assert "What you will learn" in first.source
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source]
    assert "## Summary" in headings and "## Exercises" in headings, f"{path.name} lacks Summary/Exercises"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_cell_explains_a_missing_package(path, tmp_path):
    """Run the setup cell's import where gancourse cannot be imported: the error says what to do."""
    setup = code_cells(path)[0].source
    head = setup.split("import numpy")[0].split("import torch")[0].split("import matplotlib")[0]
    assert "import gancourse as gc" in head
    script = tmp_path / "setup.py"
    script.write_text("import sys\nsys.modules['gancourse'] = None\n" + head)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "gancourse is not installed in this kernel" in result.stderr and "make lab" in result.stderr
