"""What one student needs: each notebook's run time and its kernel's peak memory (files untouched).

    python benchmarks/class_resources.py                  # every notebook
    python benchmarks/class_resources.py notebooks/03_gan_loop.ipynb

Runs each notebook top to bottom in a fresh kernel, as a student's "Restart and Run All"
does, and samples the kernel's resident memory (with its child processes) every 0.2 s.
Used for the README's "Teaching a class" table; numbers depend on the machine and on what
else it is running.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ["GANCOURSE_HEADLESS"] = "1"  # the live view draws its final frame instead of waiting for Play


def _rss(pid: int) -> int:
    try:
        proc = psutil.Process(pid)
        return proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
    except psutil.Error:
        return 0


def measure(path: Path) -> tuple[float, float]:
    """(wall seconds, peak kernel memory in MiB) of one top-to-bottom run."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            km = client.km
            pid = getattr(getattr(km, "provisioner", None), "pid", None) if km is not None else None
            if pid:
                peak[0] = max(peak[0], _rss(pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    t0 = time.perf_counter()
    try:
        client.execute()
    finally:
        seconds = time.perf_counter() - t0
        done.set()
        watcher.join()
    return seconds, peak[0] / 2**20


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted(Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
    rows = []
    for path in paths:
        print(f"running {path} ...", flush=True)
        rows.append((path.name, *measure(path)))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'notebook':<{width}}  seconds  peak kernel memory (MiB)")
    for name, seconds, mib in rows:
        print(f"{name:<{width}}  {seconds:7.1f}  {mib:8.0f}")
    print(f"cores: {os.cpu_count()}, load average (1 min): {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
