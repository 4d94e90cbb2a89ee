"""A GAN on real images: scikit-learn's 8x8 handwritten digits (notebook 03, last section).

* :func:`load_digits` gives the 1,797 digits as a tensor scaled to [-1, 1] (the range of the
  generator's ``tanh``), optionally upsampled.
* :func:`train_classifier` fits a small scikit-learn MLP on the *real* digits; its
  predictions and hidden features score generated digits (:func:`digits_score`), the idea
  behind the Inception Score and the FID on a scale that trains in a second.
* :func:`train_dcgan_digits` trains the DCGAN pair of :mod:`gancourse.models` and returns a
  small checkpoint (weights, history, sample grids during training), shipped as
  ``data/dcgan_digits.pt``; :func:`load_dcgan_digits` loads it or trains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from .gan import History, train_gan
from .metrics import classifier_score, frechet_distance
from .models import DCGANDiscriminator, DCGANGenerator
from .runtime import DATA_DIR, load_or_train, restores_global_rng, seed_everything

__all__ = [
    "load_digits",
    "DigitsClassifier",
    "train_classifier",
    "digits_score",
    "score_generators",
    "format_scores",
    "DCGAN_CONFIG",
    "train_dcgan_digits",
    "load_dcgan_digits",
    "interpolate_latent",
    "plot_digits",
]

#: The settings of the shipped checkpoint ``data/dcgan_digits.pt``.
DCGAN_CONFIG = {
    "image_size": 8,
    "latent_dim": 16,
    "width": 32,
    "steps": 8000,
    "batch_size": 64,
    "lr": 2e-4,
    "betas": (0.5, 0.999),
    "dropout": 0.3,
    "snapshot_every": 1000,
    "seed": 0,
}

CHECKPOINT = DATA_DIR / "dcgan_digits.pt"


def load_digits(image_size: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """The scikit-learn digits as images in [-1, 1] and their labels.

    Parameters
    ----------
    image_size : int
        8 (the original resolution) or larger, e.g. 16 (bilinear upsampling).

    Returns
    -------
    images : torch.Tensor, shape (1797, 1, image_size, image_size), float32 in [-1, 1]
    labels : torch.Tensor, shape (1797,), int64 in 0..9
    """
    from sklearn.datasets import load_digits as sk_load_digits

    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 8:
        raise ValueError(f"expected image_size >= 8 (the digits are 8x8), got {image_size!r}")
    data = sk_load_digits()
    x = torch.tensor(data.images, dtype=torch.float32)[:, None]  # (1797, 8, 8) -> (1797, 1, 8, 8), values 0..16
    x = x / 8.0 - 1.0  # 0..16 -> -1..1
    if image_size != 8:
        x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", align_corners=False).clamp(-1, 1)
    return x, torch.tensor(data.target, dtype=torch.int64)


def _to_8x8(images: torch.Tensor) -> torch.Tensor:
    """Bring generated images to the classifier's 8x8 resolution, shape (N, 64)."""
    if not isinstance(images, torch.Tensor) or images.ndim != 4 or images.shape[1] != 1:
        got = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"expected grey images of shape (N, 1, H, W), got {got}; add a channel axis with x[:, None]")
    x = images.detach().float().cpu()
    if x.shape[-1] != 8 or x.shape[-2] != 8:
        x = F.adaptive_avg_pool2d(x, 8)  # (N, 1, H, W) -> (N, 1, 8, 8)
    return x.reshape(len(x), 64)  # (N, 1, 8, 8) -> (N, 64)


@dataclass
class DigitsClassifier:
    """A scikit-learn MLP trained on real digits, and its held-out accuracy.

    Attributes
    ----------
    model : sklearn.neural_network.MLPClassifier
        Input: 8x8 images in [-1, 1], flattened to 64 values.
    test_accuracy : float
        Accuracy on held-out real digits.
    """

    model: object
    test_accuracy: float
    train_index: np.ndarray | None = None  #: indices (into :func:`load_digits`) of the training digits
    test_index: np.ndarray | None = None  #: indices of the held-out digits behind ``test_accuracy``

    def predict_proba(self, images: torch.Tensor) -> np.ndarray:
        """Class probabilities, shape (N, 10), for images of shape (N, 1, H, W) in [-1, 1]."""
        return self.model.predict_proba(_to_8x8(images).numpy())

    def features(self, images: torch.Tensor) -> np.ndarray:
        """The hidden-layer activations, shape (N, hidden): the classifier's view of an image (for the Fréchet distance)."""
        x = _to_8x8(images).numpy().astype(np.float64)
        return np.maximum(x @ self.model.coefs_[0] + self.model.intercepts_[0], 0.0)  # ReLU(W x + b)


def train_classifier(seed: int = 0) -> DigitsClassifier:
    """Fit a one-hidden-layer MLP (64 ReLU units) on 80 % of the real digits; test on the rest.

    Takes well under a second (L-BFGS). The course uses it only to *score* generated digits.
    """
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    images, labels = load_digits(8)
    x = images.reshape(len(images), 64).numpy()  # (N, 1, 8, 8) -> (N, 64)
    y = labels.numpy()
    train_index, test_index = train_test_split(np.arange(len(y)), test_size=0.2, random_state=seed, stratify=y)
    model = MLPClassifier(hidden_layer_sizes=(64,), solver="lbfgs", alpha=1e-2, max_iter=1000, random_state=seed)
    with threadpool_limits(limits=1):  # a 64-unit MLP: threads only add overhead on a busy machine
        model.fit(x[train_index], y[train_index])
    return DigitsClassifier(model, float(model.score(x[test_index], y[test_index])), train_index, test_index)


def digits_score(images: torch.Tensor, classifier: DigitsClassifier, reference: torch.Tensor | None = None) -> dict[str, float]:
    """Score digit images with a classifier trained on real digits.

    Parameters
    ----------
    images : torch.Tensor, shape (N, 1, H, W)
        Generated (or real) digits in [-1, 1].
    classifier : DigitsClassifier
        From :func:`train_classifier`.
    reference : torch.Tensor, optional
        Real digits to compare features with; by default all 1,797.

    Returns
    -------
    dict of str to float
        ``confidence``, ``classes_covered`` and ``inception_score`` from
        :func:`gancourse.metrics.classifier_score` (a class is covered when at least
        ``ceil(0.2 N / 10)`` of the N images are predicted as it, a fifth of its
        fair share), and ``frechet``: the *squared* Fréchet distance between Gaussians fitted
        to the classifier's hidden features of ``images`` and of the real digits (the FID's
        formula, also a squared distance, with a tiny digit classifier instead of Inception).
    """
    if reference is None:
        reference = load_digits(8)[0]
    scores = classifier_score(classifier.predict_proba(images))
    scores["frechet"] = frechet_distance(classifier.features(images), classifier.features(reference))
    return scores


def score_generators(generators: dict, classifier: DigitsClassifier, *, seed: int = 0,
                     noise: bool = True) -> dict[str, dict[str, float]]:
    """Score digit generators against held-out real digits: the one protocol of notebooks 03 and 04.

    The classifier's training digits are the reference set for the Fréchet distance; its
    held-out digits (the ones behind ``test_accuracy``) are the "real digits" row, so that row
    scores images that neither the classifier nor the reference set contains. Every row uses the
    same number of images (the number held out), because the Fréchet distance's estimate is
    biased upward by a term that shrinks with the sample size.

    Parameters
    ----------
    generators : dict of str to torch.nn.Module
        Row name -> generator (latent size read from ``generator.latent_dim``).
    classifier : DigitsClassifier
        From :func:`train_classifier` (it must carry its ``train_index`` and ``test_index``).
    seed : int
        Seeds z for every generator and the uniform-noise row.
    noise : bool
        Add a "uniform noise" row: a lower anchor for every score.

    Returns
    -------
    dict of str to dict
        Row name -> :func:`digits_score` result, starting with ``"real digits (held out)"``.
    """
    from .gan import generate

    if classifier.train_index is None or classifier.test_index is None:
        raise ValueError("expected a classifier from digits.train_classifier(), which records its train/test split; "
                         "got one without train_index/test_index")
    images, _ = load_digits(8)
    reference, held_out = images[classifier.train_index], images[classifier.test_index]
    n = len(held_out)
    rows = {"real digits (held out)": digits_score(held_out, classifier, reference)}
    for name, generator in generators.items():
        rows[name] = digits_score(generate(generator, n, seed=seed), classifier, reference)
    if noise:
        uniform = torch.rand(n, 1, 8, 8, generator=torch.Generator().manual_seed(seed)) * 2 - 1
        rows["uniform noise"] = digits_score(uniform, classifier, reference)
    return rows


def format_scores(rows: dict[str, dict[str, float]]) -> str:
    """:func:`score_generators`'s result as a text table (one row per set of images)."""
    width = max(len(name) for name in rows) + 2
    lines = [f"{'':{width}s}{'confidence':>11s}{'classes':>9s}{'IS-like':>9s}{'Frechet^2':>11s}"]
    for name, sc in rows.items():
        lines.append(f"{name:{width}s}{sc['confidence']:11.3f}{sc['classes_covered']:9.0f}"
                     f"{sc['inception_score']:9.2f}{sc['frechet']:11.2f}")
    return "\n".join(lines)


@restores_global_rng
def train_dcgan_digits(config: dict | None = None, *, progress: bool = True) -> dict:
    """Train the DCGAN on the digits; return a checkpoint dict (made by ``make checkpoints``).

    With :data:`DCGAN_CONFIG` (8,000 steps) this took 16 minutes on one core of a busy 2-core
    machine.

    Parameters
    ----------
    config : dict, optional
        Overrides for :data:`DCGAN_CONFIG`.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict
        ``generator`` (state dict), ``config``, ``history`` (:meth:`History.to_dict`),
        ``snapshots`` (tensor (n_snapshots, 16, 1, S, S): samples of 16 fixed z during
        training) and ``snapshot_steps``.
    """
    cfg = {**DCGAN_CONFIG, **(config or {})}
    unknown = set(cfg) - set(DCGAN_CONFIG)
    if unknown:
        raise ValueError(f"unknown config keys {sorted(unknown)}; expected keys of DCGAN_CONFIG: {sorted(DCGAN_CONFIG)}")
    seed_everything(cfg["seed"])
    images, _ = load_digits(cfg["image_size"])
    generator = DCGANGenerator(cfg["latent_dim"], 1, cfg["image_size"], cfg["width"])
    discriminator = DCGANDiscriminator(1, cfg["image_size"], cfg["width"], dropout=cfg["dropout"])
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=cfg["lr"], betas=cfg["betas"])
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=cfg["lr"], betas=cfg["betas"])

    def sample_real(n: int) -> torch.Tensor:
        return images[torch.randint(len(images), (n,))]  # a random batch of real digits

    z_fixed = torch.randn(16, cfg["latent_dim"], generator=torch.Generator().manual_seed(cfg["seed"]))
    snapshots, snapshot_steps = [], []

    def snapshot(step: int, history: History) -> None:
        if step == 0 or (step + 1) % cfg["snapshot_every"] == 0:
            generator.eval()
            with torch.no_grad():
                snapshots.append(generator(z_fixed).clone())
            generator.train()
            snapshot_steps.append(step + 1)

    history = train_gan(
        generator, discriminator, sample_real, steps=cfg["steps"], batch_size=cfg["batch_size"],
        latent_dim=cfg["latent_dim"], d_optimizer=d_optimizer, g_optimizer=g_optimizer,
        callbacks=[snapshot], progress=progress, seed=cfg["seed"],
    )
    return {
        "generator": {k: v.detach().clone() for k, v in generator.state_dict().items()},
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.items()},
        "history": history.to_dict(),
        "snapshots": torch.stack(snapshots),
        "snapshot_steps": snapshot_steps,
    }


def load_dcgan_digits(*, train: bool = False, path=CHECKPOINT) -> tuple[DCGANGenerator, dict]:
    """The trained digits generator: loaded from ``data/dcgan_digits.pt``, or trained (``train=True``).

    Returns
    -------
    generator : DCGANGenerator
        In evaluation mode. Only the generator is kept: sampling needs nothing else.
    checkpoint : dict
        As returned by :func:`train_dcgan_digits`.
    """
    checkpoint = load_or_train(path, train_dcgan_digits, train=train)
    cfg = checkpoint["config"]
    generator = DCGANGenerator(cfg["latent_dim"], 1, cfg["image_size"], cfg["width"])
    generator.load_state_dict(checkpoint["generator"])
    return generator.eval(), checkpoint


@torch.no_grad()
def interpolate_latent(generator, z_start: torch.Tensor, z_end: torch.Tensor, n: int = 8) -> torch.Tensor:
    """Images along the straight line from ``z_start`` to ``z_end`` in latent space.

    Parameters
    ----------
    generator : torch.nn.Module
        A trained generator.
    z_start, z_end : torch.Tensor, shape (latent_dim,)
        The two end points.
    n : int
        Number of images, end points included.

    Returns
    -------
    torch.Tensor, shape (n, ...)
        ``G((1 - t) z_start + t z_end)`` for ``t`` evenly spaced in [0, 1].
    """
    if z_start.shape != z_end.shape or z_start.ndim != 1:
        raise ValueError(f"expected two latent vectors of the same shape (latent_dim,), got {tuple(z_start.shape)} and {tuple(z_end.shape)}")
    t = torch.linspace(0, 1, n)[:, None]  # (n, 1)
    z = (1 - t) * z_start + t * z_end  # (n, latent_dim)
    was_training = generator.training
    generator.eval()
    try:
        return generator(z)
    finally:
        generator.train(was_training)


def plot_digits(images: torch.Tensor, *, nrow: int = 8, ax=None, title: str | None = None):
    """Show grey images of shape (N, 1, H, W) in [-1, 1] as a grid; returns the axes."""
    import matplotlib.pyplot as plt

    x = images.detach().cpu()
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(f"expected images of shape (N, 1, H, W), got {tuple(x.shape)}")
    n, _, h, w = x.shape
    ncol = min(nrow, n)
    rows = -(-n // ncol)
    grid = torch.full((rows * (h + 1) + 1, ncol * (w + 1) + 1), 1.0)  # white separators (in [-1, 1] units)
    for i in range(n):
        r, c = divmod(i, ncol)
        grid[1 + r * (h + 1): 1 + r * (h + 1) + h, 1 + c * (w + 1): 1 + c * (w + 1) + w] = x[i, 0]
    if ax is None:
        _, ax = plt.subplots(figsize=(ncol * 0.6, rows * 0.6))
    ax.imshow(-grid.numpy(), cmap="gray", vmin=-1, vmax=1)  # ink dark on white paper
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
