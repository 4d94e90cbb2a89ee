"""Build static reveal.js lecture slides for every notebook, for use offline (``make slides``).

    python scripts/build_slides.py                       # all notebooks -> build/slides/
    python scripts/build_slides.py --out /tmp/s notebooks/03_gan_loop.ipynb

Each notebook gets the teaching layer in memory (gancourse.teaching: slide types, glossary
link, References; the file is not touched), then nbconvert's slides exporter renders it
with the template in slides/reveal_offline/. reveal.js and MathJax are copied from
slides/node_modules (pinned in slides/package.json, installed by ``make slides`` with
``npm ci``) into build/slides/_vendor/, so the slides open from disk with the network off.
The build fails if any page would load anything from the network; links a reader may click
(the papers' arXiv and DOI pages) are the only ``http`` URLs left.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import nbformat

from gancourse.glossary import glossary_markdown
from gancourse.teaching import apply_teaching_layer

ROOT = Path(__file__).resolve().parent.parent
VENDOR_SOURCE = ROOT / "slides" / "node_modules"
TEMPLATES = ROOT / "slides"
VENDOR = "_vendor"
#: (path under slides/node_modules, path under _vendor/) for every file the slides load
VENDOR_FILES = [
    ("reveal.js/dist/reveal.js", "dist/reveal.js"),
    ("reveal.js/dist/reveal.css", "dist/reveal.css"),
    ("reveal.js/dist/theme/white.css", "dist/theme/white.css"),
    ("reveal.js/dist/theme/fonts/source-sans-pro", "dist/theme/fonts/source-sans-pro"),
    ("reveal.js/plugin/notes/notes.js", "plugin/notes/notes.js"),
    ("mathjax/es5/tex-svg-full.js", "mathjax/tex-svg-full.js"),
]
_REMOTE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
_CSS_REMOTE = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*((?:https?:)?//[^"')\s]+)""", re.IGNORECASE)
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.DOTALL | re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_ANCHOR = re.compile(r"<a\b[^>]*>.*?</a>", re.DOTALL | re.IGNORECASE)
_JS_REMOTE = re.compile(r"""(?:\bimport\s*\(\s*|\bfrom\s+|\.src\s*=\s*)["']((?:https?:)?//[^"']+)""")


@dataclass
class Deck:
    """One notebook's slides."""

    notebook: str  #: file name, e.g. "03_gan_loop.ipynb"
    title: str  #: the notebook's first heading
    html: str  #: file name of the slides, e.g. "03_gan_loop.slides.html"
    counts: Counter  #: cells per slide type (slide, subslide, fragment, -, skip)

    @property
    def slides(self) -> int:
        """Pages a lecturer steps through: slides plus sub-slides."""
        return self.counts["slide"] + self.counts["subslide"]


class _Resources(HTMLParser):
    """Collect what a page loads (scripts, styles, images, frames) and what it merely links to."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loads: list[str] = []
        self.links: list[str] = []
        self._in = None
        self.inline: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            if attrs.get("href"):
                self.links.append(attrs["href"])
            return
        for name in ("src", "href", "data", "poster"):
            if attrs.get(name):
                self.loads.append(attrs[name])
        if attrs.get("srcset"):
            self.loads += [part.split()[0] for part in attrs["srcset"].split(",") if part.strip()]
        if attrs.get("style"):
            self.inline.append(attrs["style"])
        self._in = tag if tag in ("style", "script") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in:
            self.inline.append(data)


def remote_resources(page: str) -> list[str]:
    """Every URL on the network that ``page`` would load (not links a reader may follow)."""
    parser = _Resources()
    parser.feed(page)
    remote = [u for u in parser.loads if _REMOTE.match(u)]
    for text in parser.inline:
        remote += _CSS_REMOTE.findall(text) + _JS_REMOTE.findall(text)
    return remote


def urls_outside_links(page: str) -> list[str]:
    """Every http(s) URL in ``page`` that is not part of an ``<a>`` link."""
    return re.findall(r"https?://[^\s\"'<>)]+", _ANCHOR.sub("", page))


def local_resources(page: str) -> list[str]:
    """The relative paths ``page`` loads (to check that each file is there)."""
    parser = _Resources()
    parser.feed(page)
    return [u for u in parser.loads if not _REMOTE.match(u) and not u.startswith(("data:", "#", "about:"))]


def copy_vendor(out: Path, source: Path = VENDOR_SOURCE) -> None:
    missing = [src for src, _ in VENDOR_FILES if not (source / src).exists()]
    if missing:
        raise FileNotFoundError(
            f"reveal.js/MathJax files missing under {source} ({', '.join(missing)}); run `make slides`, "
            "which installs the versions pinned in slides/package.json with `npm ci --prefix slides`")
    for src, dst in VENDOR_FILES:
        target = out / VENDOR / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        if (source / src).is_dir():
            shutil.copytree(source / src, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source / src, target)


def build_deck(path: Path, out: Path) -> Deck:
    """Render one notebook's slides into ``out``; returns what was built."""
    from nbconvert import SlidesExporter

    nb = apply_teaching_layer(nbformat.read(path, as_version=4), name=path.name)
    counts = Counter(c.metadata["slideshow"]["slide_type"] for c in nb.cells)
    exporter = SlidesExporter(extra_template_basedirs=[str(TEMPLATES)], template_name="reveal_offline")
    exporter.reveal_url_prefix = VENDOR
    exporter.reveal_theme = "white"  # its fonts are in the package; "simple" imports Google Fonts
    exporter.reveal_scroll = True
    exporter.reveal_number = "c/t"
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    # JupyterLab's inlined style sheets credit their sources in comments; drop the comments so
    # that the only URLs left in a page are links a reader may click
    body = _STYLE.sub(lambda m: m.group(1) + _CSS_COMMENT.sub("", m.group(2)) + m.group(3), body)
    name = f"{path.stem}.slides.html"
    (out / name).write_text(body, encoding="utf-8")
    title = nb.cells[0].source.splitlines()[0].lstrip("# ").strip()
    return Deck(path.name, title, name, counts)


def index_page(decks: list[Deck]) -> str:
    rows = "\n".join(
        f'<tr><td><a href="{d.html}">{html.escape(d.title)}</a></td><td>{d.slides}</td>'
        f'<td>{d.counts["slide"]} + {d.counts["subslide"]}</td><td>{d.counts["fragment"]}</td></tr>'
        for d in decks)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>gancourse lecture slides</title>
<style>
body {{ font-family: sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; line-height: 1.45; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ccc; padding: .3em .8em; text-align: left; }}
kbd {{ border: 1px solid #999; border-radius: 3px; padding: 0 .3em; }}
</style></head>
<body>
<h1>gancourse · lecture slides</h1>
<p>One deck per notebook, with the outputs of its last clean run. Everything is in this folder:
the slides open from disk with the network off. For live code and widgets, present from
JupyterLab with RISE instead (see the README, "For lecturers").</p>
<table><tr><th>notebook</th><th>pages</th><th>slides + sub-slides</th><th>fragments</th></tr>
{rows}
</table>
<p><a href="glossary.html">Glossary · 术语表</a> (English–中文)</p>
<h2>Presenting</h2>
<p><kbd>Space</kbd> or <kbd>→</kbd> next (sub-slides and fragments included), <kbd>←</kbd> back,
<kbd>Esc</kbd> overview, <kbd>S</kbd> speaker view, <kbd>F</kbd> full screen, <kbd>B</kbd> blank screen.
Long slides scroll. To print, add <code>?print-pdf</code> to a deck's address and print to PDF.</p>
</body></html>
"""


def glossary_page() -> str:
    import mistune  # nbconvert's markdown renderer

    body = mistune.create_markdown(plugins=["table"])(glossary_markdown())
    body = re.sub(r'href="([0-9]{2}_[a-z_]+)\.ipynb"', r'href="\1.slides.html"', body)
    return f"""<!DOCTYPE html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>gancourse glossary · 术语表</title>
<style>body {{ font-family: sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ccc; padding: .3em .6em; text-align: left;
vertical-align: top; }}</style></head>
<body>{body}<p><a href="index.html">← all slides</a></p></body></html>
"""


def build(notebooks: list[Path], out: Path, vendor_source: Path = VENDOR_SOURCE) -> list[Deck]:
    """Build every deck, the index and the glossary into ``out``; fail on anything remote."""
    out.mkdir(parents=True, exist_ok=True)
    copy_vendor(out, vendor_source)
    decks = [build_deck(p, out) for p in notebooks]
    (out / "index.html").write_text(index_page(decks), encoding="utf-8")
    (out / "glossary.html").write_text(glossary_page(), encoding="utf-8")
    problems = []
    for sheet in sorted((out / VENDOR).rglob("*.css")):  # style sheets may @import from the network too
        problems += [f"{sheet.relative_to(out)} loads {u}" for u in _CSS_REMOTE.findall(sheet.read_text("utf-8"))]
    for page in sorted(out.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        problems += [f"{page.name} loads {u}" for u in remote_resources(text)]
        problems += [f"{page.name} mentions {u} outside a link" for u in urls_outside_links(text)]
        problems += [f"{page.name} loads {u}, which is not in {out}" for u in local_resources(text)
                     if not (out / u.split("#")[0].split("?")[0]).exists()]
    if problems:
        raise RuntimeError("the slides are not self-contained:\n  " + "\n  ".join(problems))
    return decks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    try:
        decks = build(notebooks, args.out)
    except (FileNotFoundError, RuntimeError, LookupError, ValueError) as err:
        print(err, file=sys.stderr)
        return 1
    width = max(len(d.notebook) for d in decks)
    print(f"{'notebook':<{width}}  pages  slides  sub-slides  fragments")
    for d in decks:
        print(f"{d.notebook:<{width}}  {d.slides:5d}  {d.counts['slide']:6d}  {d.counts['subslide']:10d}  "
              f"{d.counts['fragment']:9d}")
    print(f"open {args.out / 'index.html'} (works offline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
