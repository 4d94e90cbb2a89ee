"""The offline lecture slides (scripts/build_slides.py, ``make slides``).

The builder is tested with stand-in vendor files (no npm needed); where ``make slides`` has
installed the real reveal.js and MathJax and Chromium is there, the last test opens the
decks from disk in headless Chromium with every network request refused.
"""

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from gancourse.teaching import apply_teaching_layer

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_slides", ROOT / "scripts" / "build_slides.py")
build_slides = importlib.util.module_from_spec(_spec)
sys.modules["build_slides"] = build_slides  # its dataclass looks itself up there
_spec.loader.exec_module(build_slides)
ARTIFACTS = ROOT / "build" / "test-artifacts" / "slides"
CHROMIUM = os.environ.get("GANCOURSE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def fake_vendor(tmp_path):
    """Empty stand-ins for every vendored file, laid out as in slides/node_modules."""
    root = tmp_path / "node_modules"
    for src, _ in build_slides.VENDOR_FILES:
        path = root / src
        if path.suffix:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("/* stand-in */\n")
        else:
            path.mkdir(parents=True, exist_ok=True)
            (path / "source-sans-pro.css").write_text("/* stand-in */\n")
    return root


@pytest.mark.parametrize("page,remote", [
    ('<script src="https://unpkg.com/reveal.js@4.0.2/dist/reveal.js"></script>', ["https://unpkg.com/reveal.js@4.0.2/dist/reveal.js"]),
    ('<link rel="stylesheet" href="//cdn.example.org/a.css">', ["//cdn.example.org/a.css"]),
    ('<img src="http://example.org/x.png">', ["http://example.org/x.png"]),
    ("<style>@import url(https://fonts.googleapis.com/css?family=Lato);</style>",
     ["https://fonts.googleapis.com/css?family=Lato"]),
    ("<script type=module>import mermaid from 'https://cdn.example.org/m.mjs';</script>",
     ["https://cdn.example.org/m.mjs"]),
    ('<a href="https://arxiv.org/abs/1406.2661">arXiv:1406.2661</a>', []),   # a link is not a load
    ('<script src="_vendor/dist/reveal.js"></script><img src="data:image/png;base64,AAAA">', []),
])
def test_remote_resources_finds_every_network_load_and_only_those(page, remote):
    assert build_slides.remote_resources(page) == remote


def test_urls_outside_links():
    page = '<a href="https://arxiv.org/abs/1">https://arxiv.org/abs/1</a><p>see http://example.org</p>'
    assert build_slides.urls_outside_links(page) == ["http://example.org"]


def test_build_makes_a_self_contained_folder(tmp_path, fake_vendor):
    out = tmp_path / "slides"
    notebook = ROOT / "notebooks" / "00_welcome.ipynb"
    decks = build_slides.build([notebook], out, vendor_source=fake_vendor)
    [deck] = decks
    expected = apply_teaching_layer(nbformat.read(notebook, as_version=4))
    types = [c.metadata.slideshow.slide_type for c in expected.cells]
    assert deck.slides == types.count("slide") + types.count("subslide") > 3
    page = (out / deck.html).read_text(encoding="utf-8")
    assert page.count("<section") >= deck.slides
    assert build_slides.remote_resources(page) == [] and build_slides.urls_outside_links(page) == []
    for path in build_slides.local_resources(page):
        assert (out / path).is_file(), path
    assert "_vendor/mathjax/tex-svg-full.js" in page and "_vendor/dist/reveal.js" in page
    assert "import gancourse as gc" not in page, "the set-up cell is skipped on the slides"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="{deck.html}"' in index and f"<td>{deck.slides}</td>" in index
    assert "生成器" in (out / "glossary.html").read_text(encoding="utf-8")
    assert 'href="00_welcome.slides.html"' in (out / "glossary.html").read_text(encoding="utf-8")


def test_build_refuses_a_notebook_that_loads_from_the_network(tmp_path, fake_vendor):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# 09 · Remote\n\n![a picture](https://example.org/picture.png)")])
    path = tmp_path / "09_remote.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(RuntimeError, match=r"09_remote.slides.html loads https://example.org/picture.png"):
        build_slides.build([path], tmp_path / "out", vendor_source=fake_vendor)


def test_build_explains_missing_vendor_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"run `make slides`.*npm ci --prefix slides"):
        build_slides.build([ROOT / "notebooks" / "00_welcome.ipynb"], tmp_path / "out",
                           vendor_source=tmp_path / "nothing")


@pytest.mark.browser
def test_slides_open_offline_in_chromium(tmp_path):
    missing = [src for src, _ in build_slides.VENDOR_FILES if not (build_slides.VENDOR_SOURCE / src).exists()]
    if missing:
        pytest.skip("reveal.js/MathJax not installed: `make slides` installs them (npm ci --prefix slides)")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

    out = tmp_path / "slides"
    notebook = ROOT / "notebooks" / "01_cross_entropy.ipynb"
    [deck] = build_slides.build([notebook], out)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requested, errors = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        context = browser.new_context(viewport={"width": 1280, "height": 800})

        def only_files(route):  # the network is off: refuse and record anything not on disk
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                requested.append(route.request.url)
                route.abort()

        context.route("**/*", only_files)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
        page.goto((out / deck.html).as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=30_000)
        page.wait_for_function("document.querySelectorAll('mjx-container svg').length > 10", timeout=30_000)
        total = page.evaluate("Reveal.getTotalSlides()")
        # the white theme's capitals would change the mathematics in headings: they keep their case
        transforms = page.evaluate("[...document.querySelectorAll('.reveal h1, .reveal h2')]"
                                   ".map(h => getComputedStyle(h).textTransform)")
        page.keyboard.press("ArrowRight")
        page.screenshot(path=ARTIFACTS / "01_title_slide.png")
        page.evaluate("Reveal.slide(1)")
        page.wait_for_timeout(800)
        page.screenshot(path=ARTIFACTS / "01_second_slide.png")
        page.goto((out / "index.html").as_uri())
        page.screenshot(path=ARTIFACTS / "index.png", full_page=True)
        browser.close()
    shutil.rmtree(out)
    assert requested == [], f"the slides asked the network for {requested}"
    assert errors == []
    assert total == deck.slides
    assert transforms and set(transforms) == {"none"}, transforms
