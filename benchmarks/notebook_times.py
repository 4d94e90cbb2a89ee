"""Print each notebook's top-to-bottom run time in a fresh kernel (files are left untouched).

    python benchmarks/notebook_times.py                 # every notebook
    python benchmarks/notebook_times.py notebooks/03_gan_loop.ipynb

Exits non-zero when a notebook takes longer than the course's 90 s budget.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from run_notebooks import main  # noqa: E402

if __name__ == "__main__":
    paths = sys.argv[1:] or sorted(str(p) for p in Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
    sys.exit(main(["--no-save", *paths]))
