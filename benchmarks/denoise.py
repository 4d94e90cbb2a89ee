"""Every denoiser side by side on the held-out photographs: PSNR, SSIM, texture, speed.

    python benchmarks/denoise.py                      # held-out photos, sigma 15 25 50, writes data/denoise_benchmark.json
    python benchmarks/denoise.py --data ~/BSD68       # any folder of clean images (not saved unless --save)
    python benchmarks/denoise.py --methods cnn bm3d --sigmas 25
    python benchmarks/denoise.py --methods cnn gan wgan --merge   # re-measure these, keep the other rows

Not a timed test: BM3D alone takes tens of seconds per image on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import torch

from gancourse.denoising.api import METHODS, WEIGHTS_DIR
from gancourse.denoising.benchmark import (
    RESULTS_PATH,
    format_table,
    load_results,
    run_benchmark,
    save_results,
)
from gancourse.denoising.classical import bm3d_threads
from gancourse.denoising.images import HELD_OUT_IMAGES, held_out_images, read_image_folder
from gancourse.runtime import set_threads


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="folder of clean images (default: the held-out scikit-image photographs)")
    parser.add_argument("--sigmas", type=float, nargs="+", default=[15, 25, 50])
    parser.add_argument("--methods", nargs="+", default=["noisy", *METHODS], choices=["noisy", *METHODS])
    parser.add_argument("--save", action="store_true", help="write data/denoise_benchmark.json (default with no --data)")
    parser.add_argument("--merge", action="store_true",
                        help="replace only these methods' rows in data/denoise_benchmark.json, keep the others")
    args = parser.parse_args(argv)
    threads = set_threads("conv")
    if args.data:

        images = {f"image{i}": im for i, im in enumerate(read_image_folder(args.data))}
        source = str(args.data)
    else:
        images, source = held_out_images(), "held-out scikit-image photographs: " + ", ".join(HELD_OUT_IMAGES)
    t0 = time.perf_counter()
    rows = run_benchmark(images, args.sigmas, args.methods)
    kept_meta = {}
    if args.merge:
        old = load_results(RESULTS_PATH)
        kept_meta = old["meta"]
        fresh = {(r["method"], r["sigma"]) for r in rows}
        order = {m: i for i, m in enumerate(["noisy", *METHODS])}
        rows = sorted([r for r in old["rows"] if (r["method"], r["sigma"]) not in fresh] + rows,
                      key=lambda r: (r["sigma"], order[r["method"]]))
    print(f"{len(images)} images ({source}); torch threads {threads}, BM3D threads {bm3d_threads()}; "
          f"{time.perf_counter() - t0:.0f} s in all\n")
    print(format_table(rows))
    if args.save or not args.data:
        manifests = {}
        for m in ("cnn", "gan", "wgan"):
            path = WEIGHTS_DIR / f"{m}.pt"
            if path.is_file() and (m in args.methods or m in kept_meta.get("weights", {})):
                manifests[m] = torch.load(path, map_location="cpu", weights_only=True)["manifest"]
        command = "python benchmarks/denoise.py " + " ".join(sys.argv[1:] if argv is None else argv)
        if args.merge:
            command = kept_meta.get("command", "") + "; then " + command
        meta = {"command": command,
                "images": source, "machine": f"{platform.machine()}, {threads} torch threads, BM3D threads {bm3d_threads()}",
                "torch": str(torch.__version__), "weights": manifests}
        print(f"\nsaved to {save_results(rows, RESULTS_PATH, meta=meta)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
