"""Add the teaching layer to notebooks: slide metadata, a glossary link, a References section.

    python scripts/teaching_layer.py notebooks/[0-9][0-9]_*.ipynb           # apply, in place
    python scripts/teaching_layer.py --check notebooks/[0-9][0-9]_*.ipynb   # exit 1 if any would change
    python scripts/teaching_layer.py --glossary                             # (re)write notebooks/GLOSSARY.md

Idempotent: a second run changes nothing. Only cell metadata and the two generated cells
change; sources, outputs and execution counts stay as they are, so a notebook's nbval
outputs stay valid. The rules are in gancourse/teaching.py; the papers in
gancourse/references.py; the terms in gancourse/glossary.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from gancourse.glossary import glossary_markdown
from gancourse.teaching import GLOSSARY_FILE, apply_teaching_layer

ROOT = Path(__file__).resolve().parent.parent


def process(path: Path, *, check: bool) -> bool:
    """Apply the layer to one file; return True when it changed (or, with ``check``, would change)."""
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    after = nbformat.writes(apply_teaching_layer(nb, name=path.name))
    after += "" if after.endswith("\n") else "\n"  # as nbformat.write ends a file
    if after == before:
        return False
    if not check:
        path.write_text(after, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is not up to date")
    parser.add_argument("--glossary", action="store_true", help=f"also write notebooks/{GLOSSARY_FILE}")
    args = parser.parse_args(argv)
    if not args.notebooks and not args.glossary:
        parser.error("expected notebook paths (e.g. notebooks/[0-9][0-9]_*.ipynb) or --glossary")

    stale = []
    if args.glossary:
        target = ROOT / "notebooks" / GLOSSARY_FILE
        text = glossary_markdown()
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            stale.append(target)
            if not args.check:
                target.write_text(text, encoding="utf-8")
    for path in args.notebooks:
        if path.suffix != ".ipynb" or not path.is_file():
            print(f"expected a notebook file (.ipynb), got {path}", file=sys.stderr)
            return 2
        try:
            if process(path, check=args.check):
                stale.append(path)
        except (LookupError, ValueError) as err:
            print(f"{path}: {err}", file=sys.stderr)
            return 2
    verb = "would change" if args.check else "changed"
    for path in stale:
        print(f"{verb}: {path}")
    print(f"{len(stale)} file(s) {verb}, {len(args.notebooks) + args.glossary - len(stale)} already up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
