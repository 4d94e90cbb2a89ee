"""The English–中文 glossary: well formed, up to date on disk, and true to the notebooks."""

import re
from pathlib import Path

import nbformat
import pytest

from gancourse.glossary import NOTEBOOKS, TERMS, glossary_markdown, mentions
from gancourse.teaching import is_generated, teaching_text

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "notebooks" / "GLOSSARY.md"
# The terms the issue names, with their Chinese as given there.
ISSUE_TERMS = {"generator": "生成器", "discriminator": "判别器", "cross-entropy": "交叉熵", "latent space": "潜在空间",
               "mode collapse": "模式崩溃", "gradient penalty": "梯度惩罚", "denoising": "去噪",
               "normalizing flow": "归一化流"}


def notebook_text(stem: str) -> str:
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    return "\n".join(teaching_text(c) for c in nb.cells if not is_generated(c))


def test_the_issues_terms_are_there_with_their_chinese():
    by_english = {t.english: t for t in TERMS}
    for english, chinese in ISSUE_TERMS.items():
        assert english in by_english, english
        assert by_english[english].chinese.startswith(chinese)


@pytest.mark.parametrize("term", TERMS, ids=[t.english for t in TERMS])
def test_every_term_is_well_formed(term):
    assert term.notebook in NOTEBOOKS
    assert re.search(r"[\u4e00-\u9fff]", term.chinese), f"{term.english}: no Chinese characters"
    assert term.definition.endswith(".") and "\n" not in term.definition and len(term.definition) < 160
    assert mentions(term, term.english) or term.forms, "a term with no forms must match its own name"


def test_terms_are_unique():
    assert len({t.english.lower() for t in TERMS}) == len(TERMS)
    assert len({t.chinese for t in TERMS}) == len(TERMS)


@pytest.mark.parametrize("term", TERMS, ids=[t.english for t in TERMS])
def test_each_terms_notebook_mentions_it(term):
    path = ROOT / "notebooks" / f"{term.notebook}.ipynb"
    if not path.is_file():
        pytest.skip(f"{term.notebook}.ipynb is not in the repository yet")
    assert mentions(term, notebook_text(term.notebook)), (
        f"{term.notebook} does not mention {term.english!r} (forms {term.forms}); fix the term's notebook "
        "or forms in gancourse/glossary.py"
    )


def test_mentions_is_not_fooled_by_other_words():
    by_english = {t.english: t for t in TERMS}
    assert not mentions(by_english["entropy"], "the cross-entropy")  # entropy alone, not in cross-entropy
    assert mentions(by_english["entropy"], "H(p) is the entropy of p")
    assert not mentions(by_english["critic"], "a criticism")
    assert not mentions(by_english["Kullback–Leibler divergence"], "the KLD")


def test_glossary_file_is_generated_from_the_package():
    assert GLOSSARY.read_text(encoding="utf-8") == glossary_markdown(), (
        "notebooks/GLOSSARY.md is out of date; run `python scripts/teaching_layer.py --glossary`"
    )


def test_glossary_table_has_one_row_per_term_with_a_link_to_its_notebook():
    rows = [line for line in glossary_markdown().splitlines() if line.startswith("| ") and "](" in line]
    assert len(rows) == len(TERMS)
    for row, term in zip(rows, sorted(TERMS, key=lambda t: NOTEBOOKS.index(t.notebook)), strict=True):
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells == [term.english, term.chinese, term.definition.replace("|", "∣"),
                         f"[{term.notebook}]({term.notebook}.ipynb)"]
