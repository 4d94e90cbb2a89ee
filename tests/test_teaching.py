"""The teaching layer (gancourse.teaching, scripts/teaching_layer.py), tested on copies of the notebooks.

The last section, "REAL NOTEBOOKS", checks the committed notebooks themselves once the layer
has been applied to them (python scripts/teaching_layer.py notebooks/[0-9][0-9]_*.ipynb); until
then it skips. Force it with GANCOURSE_REQUIRE_TEACHING_LAYER=1:

    GANCOURSE_REQUIRE_TEACHING_LAYER=1 .venv/bin/python -m pytest tests/test_teaching.py -k real -q
"""

import hashlib
import importlib.util
import os
from pathlib import Path

import nbformat
import pytest

from gancourse.references import PAPERS, find_citations, lookup
from gancourse.teaching import GLOSSARY_FILE, apply_teaching_layer, cited_papers, is_generated, teaching_text

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
_spec = importlib.util.spec_from_file_location("teaching_layer", ROOT / "scripts" / "teaching_layer.py")
teaching_layer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(teaching_layer)  # the script, run in-process (a subprocess re-imports torch)


def run(capsys, *args):
    """Run scripts/teaching_layer.py with ``args``; return (exit code, stdout, stderr)."""
    code = teaching_layer.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def md(source, **metadata):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata.update(metadata)
    return cell


def code(source="x = 1", **metadata):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(metadata)
    return cell


def slide_types(nb):
    return [c.metadata.slideshow.slide_type for c in nb.cells]


def test_slide_rules_on_a_small_notebook():
    nb = nbformat.v4.new_notebook(cells=[
        md("# 07 · Title\n\nWhat you will learn"),
        code("import gancourse as gc"),                  # set-up
        md("## 1. A concept"),
        md("Some text (Goodfellow et al., 2014)."),
        code(), code(),
        md("What the plot shows."),
        md("### A detail"),
        code(),
        md("## Exercises"),
        code("answer = ..."),
        code("# Solution", jupyter={"source_hidden": True}),
        md("**Exercise 2.**"),
        md("A note for the lecturer", tags=["slide:notes"]),
    ])
    out = apply_teaching_layer(nb)
    assert slide_types(out) == [
        "slide", "skip",                 # title; glossary link
        "skip",                          # set-up cell
        "slide", "fragment", "fragment", "-",
        "subslide", "subslide", "fragment",
        "slide", "fragment", "skip",     # exercise; its hidden solution
        "subslide", "notes",             # the next exercise; a tagged cell keeps its type
        "slide",                         # References
    ]
    assert is_generated(out.cells[1]) == "glossary" and GLOSSARY_FILE in out.cells[1].source
    assert is_generated(out.cells[-1]) == "references"
    assert out.cells[-1].source.startswith("## References")
    assert "[arXiv:1406.2661](https://arxiv.org/abs/1406.2661)" in out.cells[-1].source
    assert "slideshow" not in nb.cells[0].metadata  # the input is not modified
    # live slides (jupyterlab-rise) in reveal.js's white theme, whose font is local
    assert out.metadata.rise == {"theme": "white", "scroll": True} and "rise" not in nb.metadata


def test_a_notebook_without_citations_still_gets_a_references_section():
    out = apply_teaching_layer(nbformat.v4.new_notebook(cells=[md("# 09 · Nothing cited")]))
    assert out.cells[-1].source == "## References\n\nThis notebook cites no papers."


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="expected a first markdown cell with the title, got code cell"):
        apply_teaching_layer(nbformat.v4.new_notebook(cells=[code()]), name="x.ipynb")
    with pytest.raises(ValueError, match=r"cell tag 'slide:big'.*slide:<type>"):
        apply_teaching_layer(nbformat.v4.new_notebook(cells=[md("# t"), md("a", tags=["slide:big"])]))
    with pytest.raises(LookupError, match=r"x.ipynb, cell 1 cites 'Nobody et al., 2099'"):
        apply_teaching_layer(nbformat.v4.new_notebook(cells=[md("# t"), md("(Nobody et al., 2099)")]),
                             name="x.ipynb")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_layer_on_each_notebook_is_idempotent_and_leaves_content_alone(path):
    nb = nbformat.read(path, as_version=4)
    once = apply_teaching_layer(nb, path.name)
    twice = apply_teaching_layer(once, path.name)
    assert nbformat.writes(once) == nbformat.writes(twice)
    nbformat.validate(once)
    kept = [c for c in once.cells if not is_generated(c)]
    original = [c for c in nb.cells if not is_generated(c)]
    assert len(kept) == len(original)
    for new, old in zip(kept, original, strict=True):
        assert (new.cell_type, new.source, new.get("outputs"), new.get("execution_count"), new.id) == (
            old.cell_type, old.source, old.get("outputs"), old.get("execution_count"), old.id)
        assert {k: v for k, v in new.metadata.items() if k != "slideshow"} == {
            k: v for k, v in old.metadata.items() if k != "slideshow"}
    types = slide_types(once)
    first_code = next(i for i, c in enumerate(once.cells) if c.cell_type == "code")
    assert types[0] == "slide" and types[1] == "skip" and types[first_code] == "skip"
    for cell, kind in zip(once.cells, types, strict=True):
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            assert kind == "slide", cell.source[:40]
        if cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"):
            assert kind == "skip", "a solution must not be on a slide"
    assert [is_generated(c) for c in once.cells].count("references") == 1
    assert is_generated(once.cells[-1]) == "references"


def test_cited_papers_of_notebook_04_are_the_wasserstein_papers():
    nb = nbformat.read(ROOT / "notebooks" / "04_wgan.ipynb", as_version=4)
    keys = {p.key for p in cited_papers(nb)}
    assert {"arjovsky2017", "gulrajani2017", "petzka2018"} <= keys


def strip_layer(nb):
    """The notebook without what the teaching layer adds."""
    nb.cells = [c for c in nb.cells if not is_generated(c)]
    for cell in nb.cells:
        cell.metadata.pop("slideshow", None)
    return nb


def test_strip_layer_undoes_the_layer():
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    assert nbformat.writes(strip_layer(apply_teaching_layer(nb))) == nbformat.writes(strip_layer(nb))


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def test_the_script_applies_checks_and_is_idempotent_on_copies(tmp_path, capsys):
    before = tree_digest(ROOT / "notebooks")
    for path in NOTEBOOKS:  # copies without the layer, whether or not notebooks/ has it already
        nbformat.write(strip_layer(nbformat.read(path, as_version=4)), tmp_path / path.name)
    copies = sorted(tmp_path.glob("*.ipynb"))
    code, out, err = run(capsys, *copies)
    assert code == 0, err
    assert f"{len(copies)} file(s) changed" in out
    snapshot = tree_digest(tmp_path)
    code, out, _ = run(capsys, *copies)
    assert code == 0 and "0 file(s) changed" in out
    assert tree_digest(tmp_path) == snapshot, "a second run changed the files"
    assert run(capsys, "--check", *copies)[0] == 0
    nbformat.write(strip_layer(nbformat.read(NOTEBOOKS[0], as_version=4)), tmp_path / NOTEBOOKS[0].name)  # stale
    code, out, _ = run(capsys, "--check", *copies)
    assert code == 1 and f"would change: {tmp_path / NOTEBOOKS[0].name}" in out
    assert tree_digest(ROOT / "notebooks") == before, "the test must not write into notebooks/"


def test_the_script_explains_bad_arguments_and_unknown_citations(tmp_path, capsys):
    bad = nbformat.v4.new_notebook(cells=[md("# 09 · t"), md("as shown by (Nobody et al., 2099)")])
    path = tmp_path / "09_bad.ipynb"
    nbformat.write(bad, path)
    code, _, err = run(capsys, path)
    assert code == 2 and "09_bad.ipynb, cell 1 cites 'Nobody et al., 2099'" in err
    assert nbformat.read(path, as_version=4) == bad, "a failed run must leave the file alone"
    code, _, err = run(capsys, tmp_path / "missing.ipynb")
    assert code == 2 and "expected a notebook file (.ipynb)" in err
    with pytest.raises(SystemExit):
        teaching_layer.main([])  # neither notebooks nor --glossary: argparse explains and exits
    assert "expected notebook paths" in capsys.readouterr().err


# --------------------------------------------------------------------------------------
# REAL NOTEBOOKS: the committed notebooks, once the teaching layer has been applied to them.
# --------------------------------------------------------------------------------------
def _layer_applied() -> bool:
    if os.environ.get("GANCOURSE_REQUIRE_TEACHING_LAYER") == "1":
        return True
    return any(is_generated(c) for p in NOTEBOOKS for c in nbformat.read(p, as_version=4).cells)


real = pytest.mark.skipif(not _layer_applied(), reason=(
    "teaching layer not applied to notebooks/ yet: run `python scripts/teaching_layer.py "
    "notebooks/[0-9][0-9]_*.ipynb` (or set GANCOURSE_REQUIRE_TEACHING_LAYER=1)"))


@real
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_real_notebook_has_a_references_section_listing_every_cited_paper(path):
    nb = nbformat.read(path, as_version=4)
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## References"), (
        f"{path.name} does not end with a References section")
    for i, cell in enumerate(nb.cells[:-1]):
        for citation in find_citations(teaching_text(cell)):
            paper = lookup(citation, where=f"{path.name}, cell {i}")
            assert f"**{paper.short}" in last.source and paper.url in last.source, (
                f"{path.name} cites {citation.text!r} in cell {i} but its References section lacks {paper.key}")


@real
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_real_notebook_is_up_to_date_with_the_tool(path):
    nb = nbformat.read(path, as_version=4)
    assert nbformat.writes(apply_teaching_layer(nb, path.name)) == nbformat.writes(nb), (
        f"{path.name}: run `python scripts/teaching_layer.py {path.relative_to(ROOT)}`")
    assert GLOSSARY_FILE in nb.cells[1].source


def test_every_registered_paper_is_cited_somewhere_or_planned():
    """A paper nobody cites is dead weight, unless it is for a notebook still being written."""
    cited = {p.key for path in NOTEBOOKS for p in cited_papers(nbformat.read(path, as_version=4))}
    planned = {"isola2017", "zhang2017", "zhang2018", "dabov2007", "blau2018", "wang2004", "buades2005",
               "rudin1992", "chambolle2004", "ledig2017", "lehtinen2018", "mirza2014",  # 05 denoising
               "kingma2014", "dinh2015", "rezende2015", "dinh2017", "ho2020", "papamakarios2021",  # 06 flows
               "miyato2018", "villani2009"}
    assert set(PAPERS) - cited <= planned, sorted(set(PAPERS) - cited - planned)
