"""Notebook 00: the course map, an environment check, a first plot and a first widget."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata

import numpy as np
import torch

from .distributions import gaussian_pdf
from .runtime import FigureExplorer, available_cores, pick_device
from .toydata import _real

__all__ = [
    "COURSE_MAP",
    "course_map",
    "environment_report",
    "show_environment",
    "SampleState",
    "sample_state",
    "plot_samples",
    "SampleExplorer",
]

#: (notebook, title, what you learn), in the order the course teaches it.
COURSE_MAP: list[tuple[str, str, str]] = [
    ("00_welcome", "Welcome", "how the course works; check your set-up"),
    ("01_cross_entropy", "Cross-entropy", "H(p,q) = H(p) + KL(p||q); BCE is the discriminator's loss; stable losses from logits"),
    ("02_distributions", "Distributions", "data, prior, the generator as a push-forward; KL vs JS vs Wasserstein-1"),
    ("03_gan_loop", "The GAN loop", "minimax game, alternating updates, the optimal discriminator, mode collapse"),
    ("04_wgan", "Wasserstein GANs", "Kantorovich-Rubinstein dual, weight clipping, gradient penalty"),
    ("05_denoising", "GAN denoising", "conditional GANs that denoise images; PSNR/SSIM against BM3D; your own photos"),
    ("06_flows", "Normalizing flows", "Glow's layers, exact likelihood; a flow trained beside the GANs (Glow is not a GAN)"),
]

_PACKAGES = ["torch", "numpy", "scipy", "matplotlib", "ipywidgets", "scikit-image", "scikit-learn", "tqdm"]


def course_map() -> str:
    """The course map as a text table (notebook, title, what you learn)."""
    width = max(len(nb) for nb, _, _ in COURSE_MAP)
    title_width = max(len(title) for _, title, _ in COURSE_MAP)
    lines = [f"{'notebook':<{width}}  {'topic':<{title_width}}  what you learn"]
    lines += [f"{nb:<{width}}  {title:<{title_width}}  {what}" for nb, title, what in COURSE_MAP]
    return "\n".join(lines)


def environment_report() -> dict[str, str]:
    """Versions of Python and the course's packages, the device, and thread counts.

    Returns
    -------
    dict
        Keys ``python``, one per package in the course environment, ``device``,
        ``cpu cores`` and ``torch threads``. A package that is missing reads
        ``"NOT INSTALLED (run make lab)"``.
    """
    report = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            report[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            report[name] = "NOT INSTALLED (run make lab)"
    report["device"] = str(pick_device("auto"))
    report["cpu cores"] = str(available_cores())
    report["torch threads"] = str(torch.get_num_threads())
    return report


def show_environment(report: dict[str, str] | None = None) -> None:
    """Print :func:`environment_report` as a two-column table."""
    report = environment_report() if report is None else report
    width = max(map(len, report))
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")


@dataclass
class SampleState:
    """What the first explorer shows: samples from N(mu, sigma^2) and their statistics."""

    samples: np.ndarray
    mu: float
    sigma: float
    sample_mean: float
    sample_std: float


def sample_state(mu: float = 0.0, sigma: float = 1.0, n: int = 500, seed: int = 0) -> SampleState:
    """Draw ``n`` samples of N(mu, sigma^2) with a fixed seed and summarise them.

    This is the pattern of every explorer in the course: a pure function computes the
    state from the slider values (and is unit-tested); the widget only draws it.
    """
    mu = _real("mu", mu)
    if isinstance(sigma, (int, float)) and not isinstance(sigma, bool) and sigma <= 0:
        raise ValueError(f"expected sigma > 0, got {sigma}; a Gaussian needs a positive standard deviation")
    sigma = _real("sigma (the standard deviation)", sigma, positive=True)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"expected a whole number of samples n, got {n!r}")
    if int(n) < 2:
        raise ValueError(f"expected at least 2 samples, got n={n}")
    rng = np.random.default_rng(seed)
    x = rng.normal(mu, sigma, size=int(n))
    return SampleState(x, float(mu), float(sigma), float(x.mean()), float(x.std(ddof=1)))


def plot_samples(state: SampleState, fig=None):
    """Histogram of the samples with the true density on top; returns the Figure.

    Draws on ``fig`` if given, else on a new pyplot figure (shown below the cell).
    """
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(7, 3))
    fig.clear()
    ax = fig.add_subplot()
    ax.hist(state.samples, bins=40, density=True, alpha=0.5, label=f"{len(state.samples)} samples")
    grid = np.linspace(state.mu - 4 * state.sigma, state.mu + 4 * state.sigma, 400)
    ax.plot(grid, gaussian_pdf(grid, state.mu, state.sigma), "k", lw=2, label=f"N({state.mu:.1f}, {state.sigma:.1f}²) density")
    ax.set_title(f"sample mean {state.sample_mean:.3f}, sample std {state.sample_std:.3f}")
    ax.set_xlabel("x")
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


class SampleExplorer(FigureExplorer):
    """Sliders for mu, sigma and the number of samples; the histogram is redrawn live.

    Examples
    --------
    >>> ex = SampleExplorer()
    >>> ex.sliders["mu"].value = 2.0
    >>> ex.state.mu
    2.0
    """

    def __init__(self, mu: float = 0.0, sigma: float = 1.0, n: int = 500):
        import ipywidgets as widgets
        from matplotlib.figure import Figure

        self.sliders = {
            "mu": widgets.FloatSlider(value=mu, min=-3, max=3, step=0.1, description="μ"),
            "sigma": widgets.FloatSlider(value=sigma, min=0.2, max=3, step=0.1, description="σ"),
            "n": widgets.IntSlider(value=n, min=10, max=5000, step=10, description="samples"),
        }
        self.controls = widgets.HBox(list(self.sliders.values()))
        self._plot = plot_samples
        self._start(self.sliders.values(), figure=Figure(figsize=(7, 3)))  # not pyplot: no duplicate

    def compute_state(self) -> SampleState:
        return sample_state(**{name: s.value for name, s in self.sliders.items()})
