"""The teaching layer of a notebook: slide metadata, a glossary link, a References section.

:func:`apply_teaching_layer` adds all three to a notebook object and is idempotent: applying
it to its own result changes nothing. ``scripts/teaching_layer.py`` applies it to notebook
files; ``scripts/build_slides.py`` applies it in memory before it renders slides.

Slides (the ``slideshow.slide_type`` of each cell, read by RISE and nbconvert):

- a ``#`` or ``##`` heading starts a **slide**, a ``###`` heading a **sub-slide**;
- the set-up cell (the first code cell), the glossary link and hidden solution cells are
  **skipped**;
- a text cell after a code cell starts a **sub-slide** (the next step of the argument);
- a cell after a text cell appears as a **fragment** (one key press reveals it);
- a code cell after a code cell stays on the same slide (``-``);
- a cell tagged ``slide:<type>`` (``slide:fragment``, ...) keeps that type.

The tool marks the cells it writes with ``metadata.gancourse.generated`` and a fixed cell id,
so a second run finds and rewrites them instead of adding copies.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

import nbformat

from .references import Paper, find_citations, format_reference, lookup

__all__ = [
    "GLOSSARY_FILE",
    "RISE_SETTINGS",
    "SLIDE_TYPES",
    "apply_teaching_layer",
    "cited_papers",
    "slide_type",
    "teaching_text",
    "is_generated",
]

GLOSSARY_FILE = "GLOSSARY.md"
SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
_GLOSSARY_ID = "gancourse-glossary-link"
_REFERENCES_ID = "gancourse-references"
GLOSSARY_LINK = (
    f"**Words, 术语.** Every technical term of the course, in English and 中文 with a one-line definition "
    f"and the notebook that introduces it: [the glossary]({GLOSSARY_FILE})."
)


def is_generated(cell) -> str | None:
    """``"glossary"`` or ``"references"`` for a cell this module wrote, else None."""
    return cell.get("metadata", {}).get("gancourse", {}).get("generated")


def teaching_text(cell) -> str:
    """The text a reader sees in a cell: its source and its text outputs."""
    parts = [cell.source]
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out and "text/plain" in out["data"] and "image/png" not in out["data"]:
            parts.append(out["data"]["text/plain"])
    return "\n".join(parts)


def cited_papers(nb, name: str = "the notebook") -> list[Paper]:
    """Every registered paper cited in the notebook's own cells, by first author and year.

    Raises
    ------
    LookupError
        When a citation names a paper missing from :data:`gancourse.references.PAPERS`.
    """
    found: dict[str, Paper] = {}
    for i, cell in enumerate(nb.cells):
        if is_generated(cell):
            continue
        for citation in find_citations(teaching_text(cell)):
            paper = lookup(citation, where=f"{name}, cell {i}")
            found.setdefault(paper.key, paper)
    return sorted(found.values(), key=lambda p: (p.surnames[0], p.year, p.key))


def references_markdown(papers: Iterable[Paper]) -> str:
    papers = list(papers)
    if not papers:
        return "## References\n\nThis notebook cites no papers."
    lines = ["## References", "", "The papers this notebook cites, with a stable identifier for each.", ""]
    return "\n".join(lines + [format_reference(p) for p in papers])


def _heading_level(cell) -> int:
    if cell.cell_type != "markdown" or not cell.source.startswith("#"):
        return 0
    return len(cell.source) - len(cell.source.lstrip("#"))


def slide_type(cell, previous, *, first_code: bool) -> str:
    """The slide type of ``cell`` given the cell shown before it (None at the start)."""
    for tag in cell.get("metadata", {}).get("tags", []):
        if tag.startswith("slide:"):
            wanted = tag.split(":", 1)[1]
            if wanted not in SLIDE_TYPES:
                raise ValueError(f"cell tag {tag!r}: expected slide:<type> with type one of {SLIDE_TYPES}")
            return wanted
    if is_generated(cell) == "glossary" or first_code:
        return "skip"
    if cell.cell_type == "code" and cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"):
        return "skip"  # an exercise's solution stays out of the slides
    level = _heading_level(cell)
    if level in (1, 2) or previous is None:
        return "slide"
    if level >= 3:
        return "subslide"
    if previous.cell_type == "code":
        return "subslide" if cell.cell_type == "markdown" else "-"
    return "fragment"


#: Live-slide settings that jupyterlab-rise reads from a notebook's metadata. Its default
#: theme ("simple") loads its fonts from fonts.googleapis.com; reveal.js's "white" theme
#: ships its font, so a slide show makes no request off the machine (tests/test_browser.py).
#: ``scroll``: a slide taller than the screen (a figure under its code) scrolls.
RISE_SETTINGS = {"theme": "white", "scroll": True}


def _make_cell(cell_id: str, kind: str, source: str):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.id = cell_id
    cell.metadata = {"gancourse": {"generated": kind}}
    return cell


def apply_teaching_layer(nb, name: str = "the notebook"):
    """Return a copy of ``nb`` with the glossary link, the References section and slide metadata.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A version-4 notebook; it is not modified.
    name : str
        How errors name the notebook (its file name).

    Returns
    -------
    nbformat.NotebookNode
        The glossary link is the second cell (after the title cell), the References section the
        last; every cell carries ``metadata.slideshow.slide_type``, and the notebook's
        ``metadata.rise`` holds :data:`RISE_SETTINGS`. Sources, outputs and execution counts
        of the other cells are unchanged.
    """
    if not nb.cells or nb.cells[0].cell_type != "markdown":
        raise ValueError(f"{name}: expected a first markdown cell with the title, got "
                         f"{nb.cells[0].cell_type + ' cell' if nb.cells else 'no cells'}")
    nb = copy.deepcopy(nb)
    papers = cited_papers(nb, name)
    cells = [c for c in nb.cells if not is_generated(c)]
    cells.insert(1, _make_cell(_GLOSSARY_ID, "glossary", GLOSSARY_LINK))
    cells.append(_make_cell(_REFERENCES_ID, "references", references_markdown(papers)))
    first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), None)
    previous = None
    for i, cell in enumerate(cells):
        kind = slide_type(cell, previous, first_code=i == first_code)
        cell.metadata["slideshow"] = {"slide_type": kind}
        if kind != "skip":
            previous = cell
    nb.cells = cells
    nb.metadata["rise"] = dict(RISE_SETTINGS)
    return nb
