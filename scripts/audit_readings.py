"""List the numbers a notebook's text reads that none of its outputs or shipped data hold.

    python scripts/audit_readings.py notebooks/05_denoising.ipynb
    python scripts/audit_readings.py notebooks/05_denoising.ipynb --data data/denoise_benchmark.json data/weights

Every decimal number in a markdown cell (30.71, 0.893, 2.65) is looked up among the numbers the
notebook's committed outputs print and those in the data files given (JSON files, and the
manifests and logs inside ``.pt`` checkpoints; a folder means every such file in it). A number
written with d decimals matches a source number that rounds to it at d decimals. What matches
nothing is printed with its cell and context: a stale reading (the weights or the run changed),
a derived figure (a difference, a ratio: check it by hand) or a cited one (a paper's number:
check it against the paper). The script flags; a person decides. It exits 1 when it flags
anything, 0 otherwise, so it can gate a release but is not a test: derived and cited numbers
are legitimate.

Use it after re-running a notebook or shipping new weights, before the readings are reviewed.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import nbformat

# a decimal number not glued to a word or another number: 30.71 but not v2.13.0 or 1e-3
NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+(?![\w.]*\d)")
# identifiers, not readings: link targets, arXiv numbers, DOIs
IDENTIFIER = re.compile(r"\]\([^)]*\)|arXiv:\S+|doi:\S+|https?://\S+", re.IGNORECASE)
DEFAULT_DATA = ("data/denoise_benchmark.json", "data/weights")


def numbers_in_text(text: str) -> list[float]:
    """Every number in ``text``, decimal or not, as floats (the sources a reading may quote)."""
    return [float(m) for m in re.findall(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text)]


def _walk(value, out: list[float]) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        if math.isfinite(value):
            out.append(float(value))
    elif isinstance(value, str):
        out.extend(numbers_in_text(value))
    elif type(value).__name__ == "Tensor":  # weights: not readings
        return
    elif isinstance(value, dict):
        for v in value.values():
            _walk(v, out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _walk(v, out)


def numbers_in_file(path: Path) -> list[float]:
    """The numbers in a JSON file, or in a ``.pt`` checkpoint's manifest, config and log (not its tensors)."""
    out: list[float] = []
    if path.suffix == ".json":
        _walk(json.loads(path.read_text(encoding="utf-8")), out)
    elif path.suffix == ".pt":
        import torch

        _walk(torch.load(path, map_location="cpu", weights_only=True), out)  # tensors are skipped
    return out


def output_numbers(nb) -> list[float]:
    """The numbers the notebook's code cells print (text outputs only)."""
    out: list[float] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for o in cell.get("outputs", []):
            text = o.get("text", "")
            data = o.get("data", {})
            text += data.get("text/plain", "") if isinstance(data.get("text/plain", ""), str) else ""
            out.extend(numbers_in_text(text))
    return out


def audit(nb, sources: list[float]) -> list[tuple[int, str, str]]:
    """(cell index, number, context) for each markdown number that no source rounds to."""
    by_decimals: dict[int, set[str]] = {}
    flagged = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        text = IDENTIFIER.sub(lambda m: " " * len(m.group()), cell.source)
        for m in NUMBER.finditer(text):
            token = m.group()
            d = len(token.split(".")[1])
            if d not in by_decimals:
                by_decimals[d] = {f"{abs(v):.{d}f}" for v in sources}
            if token.lstrip("-") not in by_decimals[d]:
                a, b = max(m.start() - 40, 0), min(m.end() + 30, len(cell.source))
                flagged.append((i, token, " ".join(cell.source[a:b].split())))
    return flagged


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--data", nargs="*", type=Path, default=[Path(p) for p in DEFAULT_DATA],
                        help="JSON files, .pt checkpoints or folders of them (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        parser.error(f"expected a notebook file, got {args.notebook} (no such file)")
    nb = nbformat.read(args.notebook, as_version=4)
    sources = output_numbers(nb)
    for path in args.data:
        files = sorted(p for p in path.rglob("*") if p.suffix in (".json", ".pt")) if path.is_dir() else [path]
        for f in files:
            if not f.is_file():
                parser.error(f"expected a data file or folder, got {f} (no such file)")
            sources.extend(numbers_in_file(f))
    flagged = audit(nb, sources)
    for i, token, context in flagged:
        print(f"cell {i:>3}  {token:>8}  …{context}…")
    total = sum(len(NUMBER.findall(IDENTIFIER.sub(" ", c.source))) for c in nb.cells if c.cell_type == "markdown")
    print(f"{args.notebook}: {len(flagged)} of {total} numbers in the text match no output or data file"
          + (" (derived, cited or stale: check each)" if flagged else ""))
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
