"""Re-train the checkpoints shipped in data/ (the documented command: `make checkpoints`).

Each entry names a file in data/ and the gancourse function that trains it and returns the
object to save. Existing files are kept unless --overwrite is given.

    python scripts/train_checkpoints.py                 # all missing checkpoints
    python scripts/train_checkpoints.py dcgan_digits    # one, by name
    python scripts/train_checkpoints.py --overwrite ... # replace existing files
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from gancourse.runtime import DATA_DIR, save_checkpoint

# name -> "module:function"; the function takes no arguments and returns a dict of tensors.
CHECKPOINTS: dict[str, str] = {
    "dcgan_digits": "gancourse.digits:train_dcgan_digits",
    "flow_toy": "gancourse.flow_experiments:train_flow_toy",
    "mode_collapse": "gancourse.metrics:mode_collapse_study",
    "wgan_gp_digits": "gancourse.wgan_experiments:train_wgan_gp_digits",
    "wgan_toy_grid25": "gancourse.wgan_experiments:train_toy_comparison_grid25",
    "wgan_toy_ring8": "gancourse.wgan_experiments:train_toy_comparison_ring8",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"which to train (default: all of {sorted(CHECKPOINTS)})")
    parser.add_argument("--overwrite", action="store_true", help="replace files that already exist")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(CHECKPOINTS))
    if unknown:
        parser.error(f"unknown checkpoint(s) {unknown}; expected names from {sorted(CHECKPOINTS)}")
    for name in args.names or sorted(CHECKPOINTS):
        path = DATA_DIR / f"{name}.pt"
        if path.exists() and not args.overwrite:
            print(f"{path} exists; skipping (use --overwrite to retrain)")
            continue
        module, func = CHECKPOINTS[name].split(":")
        t0 = time.perf_counter()
        print(f"training {name} with {CHECKPOINTS[name]} ...", flush=True)
        obj = getattr(importlib.import_module(module), func)()
        save_checkpoint(obj, path, overwrite=args.overwrite)
        print(f"saved {path} ({time.perf_counter() - t0:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
