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


# ------------------------------------------------------------------ exercises and their hidden solutions
SOLUTIONS_DIR = Path(__file__).resolve().parent.parent / "notebooks" / "solutions"
# Lessons 00-04 keep their worked solutions in solutions/; a later lesson joins the check as soon as
# it has a solutions notebook of its own.
WITH_SOLUTIONS = [p for p in NOTEBOOKS
                  if p.name[:2] in {"00", "01", "02", "03", "04"} or (SOLUTIONS_DIR / f"{p.stem}_solutions.ipynb").exists()]


def _exercise_statements(nb):
    """The markdown text of each exercise: from each "**Exercise k.**" to the end of its cell."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "**Exercise " in cell.source:
            texts.append(cell.source[cell.source.index("**Exercise "):])
    return texts


@pytest.mark.parametrize("path", WITH_SOLUTIONS, ids=lambda p: p.stem)
def test_lessons_show_no_solution_and_no_passing_checker(path):
    """A reader of the lesson (on GitHub or in JupyterLab) sees no worked solution and no accepted answer."""
    cells = code_cells(path)
    assert not [c.source[:40] for c in cells if c.source.lstrip().startswith("# Solution")]
    shown = [o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for c in cells for o in c.outputs]
    assert not [s for s in shown if "✅" in s], f"{path.name} shows a checker's accepted answer"


@pytest.mark.parametrize("path", WITH_SOLUTIONS, ids=lambda p: p.stem)
def test_each_lesson_has_its_solutions_notebook_with_the_same_exercises(path):
    solutions = SOLUTIONS_DIR / f"{path.stem}_solutions.ipynb"
    assert solutions.is_file(), f"no solutions notebook for {path.name}; expected {solutions}"
    lesson_nb, solutions_nb = nbformat.read(path, as_version=4), nbformat.read(solutions, as_version=4)
    assert _exercise_statements(solutions_nb) == _exercise_statements(lesson_nb)
    assert f"solutions/{solutions.name}" in "".join(c.source for c in lesson_nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", sorted(SOLUTIONS_DIR.glob("*_solutions.ipynb")), ids=lambda p: p.stem)
def test_solutions_are_committed_from_one_clean_run_and_pass(path):
    cells = code_cells(path)
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts are not 1..n; re-run it with `make notebooks`")
    solutions = [c for c in cells if c.source.startswith("# Solution")]
    assert solutions and len(solutions) == len(_exercise_statements(nbformat.read(path, as_version=4)))
    for cell in solutions:
        verdicts = [str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs]
        assert verdicts and all(v.startswith("✅") for v in verdicts), f"{path.name}: {cell.source[:50]!r} -> {verdicts}"
