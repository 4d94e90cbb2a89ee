"""The side-by-side measurement of every denoiser: PSNR, SSIM, texture kept, seconds per image.

``benchmarks/denoise.py`` runs :func:`run_benchmark` on the held-out photographs at
σ = 15, 25, 50 and writes ``data/denoise_benchmark.json``, which notebook 05 shows in full
(alongside a live subset that it measures itself).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .api import denoise
from .images import add_noise, high_frequency_ratio, psnr, ssim

__all__ = ["run_benchmark", "format_table", "save_results", "load_results", "RESULTS_PATH", "noise_seed"]

from ..runtime import DATA_DIR

RESULTS_PATH = DATA_DIR / "denoise_benchmark.json"


def noise_seed(image_index: int, sigma: float) -> int:
    """The seed of the noise added to image ``image_index`` at level ``sigma``: one fixed draw per pair."""
    return 1000 * int(round(sigma)) + int(image_index)


def run_benchmark(images: dict[str, np.ndarray], sigmas=(15, 25, 50), methods=("noisy", "cnn"), *,
                  progress: bool = True) -> list[dict]:
    """Measure ``methods`` on every image at every noise level; one row per (method, sigma).

    Parameters
    ----------
    images : dict of str to numpy.ndarray
        Clean grey images in [0, 1] (e.g. :func:`~gancourse.denoising.images.held_out_images`).
    sigmas : sequence of float
        Noise levels in 8-bit units. Each image gets the same seeded noise for every method.
    methods : sequence of str
        Names for :func:`gancourse.denoise`, plus ``"noisy"`` (the input itself, no denoising).
        Each method is told the true σ.

    Returns
    -------
    list of dict
        ``method``, ``sigma``, mean ``psnr`` (dB), mean ``ssim``, mean ``hf_ratio``
        (:func:`~gancourse.denoising.images.high_frequency_ratio`, 1 = the clean image's
        texture), ``seconds`` per image, and the per-image values under ``per_image``.
    """
    from ..runtime import progress as progress_bar

    rows = []
    jobs = [(s, m) for s in sigmas for m in methods]
    for sigma, method in progress_bar(jobs, desc="benchmark", disable=not progress):
        per_image = {}
        for i, (name, clean) in enumerate(images.items()):
            noisy = add_noise(clean, sigma, seed=noise_seed(i, sigma))
            t0 = time.perf_counter()
            out = noisy if method == "noisy" else denoise(noisy, method, sigma=sigma)
            seconds = time.perf_counter() - t0
            per_image[name] = {"psnr": psnr(clean, out), "ssim": ssim(clean, out),
                               "hf_ratio": high_frequency_ratio(clean, out), "seconds": seconds}
        rows.append({
            "method": method, "sigma": float(sigma),
            **{k: float(np.mean([v[k] for v in per_image.values()])) for k in ("psnr", "ssim", "hf_ratio", "seconds")},
            "per_image": per_image,
        })
    return rows


def format_table(rows: list[dict], *, reference: str = "bm3d") -> str:
    """A plain-text table, one line per method and σ.

    The last column, ``speed/<reference>``, is how many times faster than ``reference`` a method
    denoises one image at that σ (``reference``'s seconds per image over the method's), so
    ``20.0x`` means twenty times faster; it is empty for "noisy" and where ``reference`` is absent.
    """
    ref = {r["sigma"]: r["seconds"] for r in rows if r["method"] == reference}
    lines = [f"{'method':<9} {'sigma':>5} {'PSNR dB':>8} {'SSIM':>6} {'texture':>8} {'s/image':>8} "
             f"{'speed/' + reference:>11}"]
    for r in rows:
        speed = "" if r["sigma"] not in ref or r["method"] == "noisy" else f"{ref[r['sigma']] / r['seconds']:.1f}x"
        lines.append(f"{r['method']:<9} {r['sigma']:>5.0f} {r['psnr']:>8.2f} {r['ssim']:>6.3f} {r['hf_ratio']:>8.2f} "
                     f"{r['seconds']:>8.2f} {speed:>11}")
    return "\n".join(lines)


def save_results(rows: list[dict], path: str | Path = RESULTS_PATH, *, meta: dict | None = None) -> Path:
    """Write the rows (and ``meta``: command, machine, weights) as JSON, atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"meta": meta or {}, "rows": rows}, indent=1))
    tmp.replace(path)
    return path


def load_results(path: str | Path = RESULTS_PATH) -> dict:
    """Read what :func:`save_results` wrote: ``{"meta": ..., "rows": [...]}``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no benchmark results at {path}; run `python benchmarks/denoise.py` to make them")
    return json.loads(path.read_text())
