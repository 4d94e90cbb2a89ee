"""Pictures and small experiments for notebook 05, so that its cells stay one line each."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

from .api import denoise
from .images import add_noise, high_frequency_ratio, psnr, ssim

__all__ = ["noise_models", "show_images", "compare_methods", "sigma_knob", "plot_learning_curve", "join_runs", "plot_runs", "plot_tradeoff",
           "label_groups", "run_cli", "results_table"]


def noise_models(image: np.ndarray, *, sigma: float = 25.0, peak: float = 20.0, amount: float = 0.05,
                 seed: int = 0) -> dict[str, np.ndarray]:
    r"""Three ways a sensor or a channel corrupts an image, each seeded.

    * Gaussian: :math:`y = x + (\sigma/255) n`, the course's model (thermal/read noise);
    * Poisson: :math:`y = \mathrm{Poisson}(\text{peak} \cdot x) / \text{peak}`, photon shot noise,
      whose variance :math:`x / \text{peak}` grows with brightness (few photons: low ``peak``);
    * salt and pepper: a fraction ``amount`` of pixels set to 0 or 1 (dead or stuck pixels,
      transmission errors), via ``skimage.util.random_noise``.
    """
    from skimage.util import random_noise

    rng = np.random.default_rng(seed)
    return {
        "clean": image,
        f"Gaussian σ={sigma:g}": add_noise(image, sigma, seed=seed),
        f"Poisson, peak {peak:g}": rng.poisson(image * peak) / peak,
        f"salt & pepper {amount:.0%}": random_noise(image, mode="s&p", amount=amount, rng=seed),
    }


def show_images(images: dict[str, np.ndarray], *, clean: np.ndarray | None = None, zoom=None, ncols: int | None = None,
                size: float = 2.6):
    """Images side by side (titles with PSNR/SSIM against ``clean``), and a zoomed row below.

    ``zoom`` = (top, left, height, width) adds a second row with that crop of every image,
    outlined on the first.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    names = list(images)
    ncols = ncols or len(names)
    rows = 2 if zoom is not None else 1
    fig, axes = plt.subplots(rows, ncols, figsize=(size * ncols, size * rows), squeeze=False)
    for k, name in enumerate(names):
        img = np.clip(images[name], 0, 1)
        title = name
        if clean is not None and images[name] is not clean:
            title += f"\n{psnr(clean, images[name]):.2f} dB, SSIM {ssim(clean, images[name]):.3f}"
        ax = axes[0, k]
        ax.imshow(img, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.axis("off")
        if zoom is not None:
            top, left, h, w = zoom
            ax.add_patch(Rectangle((left, top), w, h, fill=False, edgecolor="tab:orange", lw=1.2))
            axes[1, k].imshow(img[top:top + h, left:left + w], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            axes[1, k].axis("off")
    fig.tight_layout()
    return fig


def compare_methods(clean: np.ndarray, methods, *, sigma: float = 25.0, seed: int = 0):
    """Denoise one noisy version of ``clean`` with each method; returns (outputs, rows).

    ``outputs`` maps "clean", "noisy" and each method to its image; each row holds the
    method's PSNR, SSIM, texture ratio and seconds.
    """
    noisy = add_noise(clean, sigma, seed=seed)
    outputs, rows = {"clean": clean, "noisy": noisy}, []
    for method in methods:
        outputs[method], row = _measure(clean, noisy, method, sigma, method)
        rows.append(row)
    return outputs, rows


def _measure(clean, noisy, method, sigma, label):
    """Denoise ``noisy`` with ``method`` told ``sigma``; the output and its row (PSNR, SSIM, texture, seconds)."""
    t0 = time.perf_counter()
    out = denoise(noisy, method, sigma=sigma)
    seconds = time.perf_counter() - t0
    return out, {"method": label, "psnr": psnr(clean, out), "ssim": ssim(clean, out),
                 "hf_ratio": high_frequency_ratio(clean, out), "seconds": seconds}


def sigma_knob(clean: np.ndarray, told, *, sigma: float = 25.0, seed: int = 0, method: str = "cnn") -> list[dict]:
    """The learned denoiser told noise levels other than the true ``sigma``: FFDNet's detail knob.

    The generator takes the noise level as an input (its noise-level map), so telling it
    a lower value than the noise really has makes it remove less: it keeps more fine detail
    and more noise (FFDNet's authors use this to trade noise for detail; Zhang, Zuo & Zhang,
    2018). This is the rival an adversarial term has to beat at the same texture. The noisy
    image is the one :func:`compare_methods` makes with the same ``sigma`` and ``seed``.

    Returns
    -------
    list of dict
        One row per value in ``told``, like :func:`compare_methods`' rows, with ``method``
        reading e.g. ``"cnn, told 22"``.
    """
    noisy = add_noise(clean, sigma, seed=seed)
    return [_measure(clean, noisy, method, level, f"{method}, told {level:g}")[1] for level in told]


def results_table(rows, *, columns=("method", "sigma", "psnr", "ssim", "hf_ratio", "seconds")):
    """Rows of measurements as aligned text (what the notebook prints)."""
    heads = {"method": "method", "sigma": "σ", "psnr": "PSNR dB", "ssim": "SSIM", "hf_ratio": "texture",
             "seconds": "s/image"}
    cols = [c for c in columns if any(c in r for r in rows)]
    fmt = {"method": "{:<9}", "sigma": "{:>4.0f}", "psnr": "{:>8.2f}", "ssim": "{:>6.3f}", "hf_ratio": "{:>8.2f}",
           "seconds": "{:>8.2f}"}
    width = {"method": 9, "sigma": 4, "psnr": 8, "ssim": 6, "hf_ratio": 8, "seconds": 8}
    name = max([9, *(len(str(r.get("method", ""))) for r in rows)])  # the method column fits its longest name
    width["method"] = name
    fmt["method"] = f"{{:<{name}}}"
    lines = [" ".join(f"{heads[c]:>{width[c]}}" if c != "method" else f"{heads[c]:<{name}}" for c in cols)]
    for r in rows:
        lines.append(" ".join(fmt[c].format(r[c]) for c in cols))
    return "\n".join(lines)


def plot_learning_curve(log_rows, *, reference: dict[str, float] | None = None, ax=None, label="validation",
                        x: str = "minutes"):
    """Validation PSNR (σ = 25) against training ``x`` ("minutes" or "step"), with horizontal reference lines.

    Rows that also carry ``val_psnr_25_precise_bn`` (the same weights with batch-norm
    statistics re-estimated, :func:`~gancourse.denoising.train.precise_bn`) get a second
    curve, so that the gap between the two shows how far the running averages lag.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    rows = [r for r in log_rows if "val_psnr_25" in r]
    ax.plot([r[x] for r in rows], [r["val_psnr_25"] for r in rows], marker=".", label=label)
    precise = [r for r in rows if "val_psnr_25_precise_bn" in r]
    if precise:
        ax.plot([r[x] for r in precise], [r["val_psnr_25_precise_bn"] for r in precise], marker="x", ls=":",
                color="C0", label=f"{label}, batch-norm statistics re-estimated")
    for k, (name, value) in enumerate((reference or {}).items()):
        ax.axhline(value, ls="--", lw=1, color=f"C{k + 1}", label=f"{name} ({value:.2f} dB)")
    ax.set_xlabel("training minutes" if x == "minutes" else "training step")
    ax.set_ylabel("PSNR at σ = 25 (dB)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def join_runs(history: list[dict]) -> tuple[list[dict], list[int]]:
    """One log from a chain of training cycles (:func:`~gancourse.denoising.train.run_history`).

    Each cycle's rows get the steps and minutes of the cycles before it added, so that
    ``step`` and ``minutes`` count from the very first step; each row also gets ``cycle``
    (1, 2, ...). Returns the rows and the total step at which each later cycle began.
    """
    rows, starts, step0, minutes0 = [], [], 0, 0.0
    for k, run in enumerate(history, start=1):
        if k > 1:
            starts.append(step0)
        for r in run["log"]:
            rows.append({**r, "cycle": k, "step": r["step"] + step0,
                         **({"minutes": r["minutes"] + minutes0} if "minutes" in r else {})})
        step0 += run["step"]
        minutes0 += max((r["minutes"] for r in run["log"] if "minutes" in r), default=0.0)
    return rows, starts


def plot_runs(history: list[dict], *, reference: dict[str, float] | None = None, ax=None, label="validation"):
    """:func:`plot_learning_curve` of a chain of training cycles against the total step, with
    a dotted vertical line where each warm restart began."""
    rows, starts = join_runs(history)
    ax = plot_learning_curve(rows, reference=reference, ax=ax, label=label, x="step")
    for k, step in enumerate(starts):
        ax.axvline(step, ls=":", lw=1, color="grey", label="warm restart" if k == 0 else None)
    ax.legend(fontsize=8)
    return ax


def label_groups(points: dict[str, tuple[float, float]], *, x_tol: float, y_tol: float) -> list[tuple[str, float, float]]:
    """Merge the labels of points that would print on top of each other.

    ``points`` maps a name to its (x, y); two points closer than ``x_tol`` in x *and*
    ``y_tol`` in y share one label, "a / b", placed at the first one. Returns
    (label, x, y) triples in the order the names came.
    """
    groups: list[list[str]] = []
    for name, (x, y) in points.items():
        for group in groups:
            gx, gy = points[group[0]]
            if abs(x - gx) < x_tol and abs(y - gy) < y_tol:
                group.append(name)
                break
        else:
            groups.append([name])
    return [(" / ".join(g), *points[g[0]]) for g in groups]


def plot_tradeoff(rows, *, sigma: float = 25.0, ax=None):
    """The perception–distortion picture: PSNR (distortion) against texture kept, one point per method.

    Methods whose points (nearly) coincide share one label, e.g. "cnn / gan / wgan".
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.6))
    points = {r["method"]: (r["hf_ratio"], r["psnr"]) for r in rows if r["sigma"] == sigma and r["method"] != "noisy"}
    for x, y in points.values():
        ax.scatter(x, y, s=30)
    xs, ys = [p[0] for p in points.values()], [p[1] for p in points.values()]
    x_tol = 0.06 * (max(xs) - min(xs) or 1.0)  # about a label's size at this figure's scale
    y_tol = 0.06 * (max(ys) - min(ys) or 1.0)
    for label, x, y in label_groups(points, x_tol=x_tol, y_tol=y_tol):
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, 3), fontsize=8)
    ax.axvline(1.0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("texture kept (high-frequency energy / clean's; 1 = clean)")
    ax.set_ylabel("PSNR (dB)")
    ax.set_title(f"σ = {sigma:g}: higher is less distortion, nearer 1 is the clean image's fine-detail energy",
                 fontsize=9)
    ax.grid(alpha=0.3)
    return ax


def run_cli(*args: str) -> int:
    """Run ``python -m gancourse ARGS`` as a shell would, print what it says, return its exit code."""
    result = subprocess.run([sys.executable, "-m", "gancourse", *map(str, args)], capture_output=True, text=True)
    print("$ gancourse " + " ".join(map(str, args)))
    print((result.stdout + result.stderr).strip())
    print(f"(exit code {result.returncode})")
    return result.returncode
