"""Run notebooks top to bottom in a fresh kernel, time each one, optionally save outputs.

    python scripts/run_notebooks.py notebooks/01_cross_entropy.ipynb          # run, save in place
    python scripts/run_notebooks.py --no-save notebooks/*.ipynb               # run, time only

Saving gives execution counts 1..n from one clean run, which is what gets committed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# Same environment as `make test`: deterministic hashing, no stray thread override.
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ["GANCOURSE_HEADLESS"] = "1"  # live views skip waiting for Play (gancourse.is_headless)


def run_notebook(path: Path, *, save: bool, timeout: int = 600) -> float:
    """Execute ``path`` in a fresh kernel started from this Python; return wall seconds."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    t0 = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - t0
    if save:
        # Keep committed notebooks free of per-run noise.
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        nbformat.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--no-save", action="store_true", help="time only; leave the files untouched")
    parser.add_argument("--budget", type=float, default=90.0, help="seconds a notebook may take (default 90)")
    args = parser.parse_args(argv)

    rows, over = [], False
    for path in args.notebooks:
        if not path.is_file():
            print(f"no notebook at {path}", file=sys.stderr)
            return 2
        print(f"running {path} ...", flush=True)
        seconds = run_notebook(path, save=not args.no_save)
        rows.append((path.name, seconds))
        over |= seconds > args.budget
    width = max(len(name) for name, _ in rows)
    print(f"\n{'notebook':<{width}}  seconds  within {args.budget:.0f} s")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:7.1f}  {'yes' if seconds <= args.budget else 'NO'}")
    print(f"{'total':<{width}}  {sum(s for _, s in rows):7.1f}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
