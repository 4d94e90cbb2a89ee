"""Toy datasets a GAN learns from: known to us, given to the GAN only as samples (notebook 02, section 1).

* 1-D Gaussians and Gaussian mixtures, for plots and exact distances;
* the 2-D **ring of 8 Gaussians** (Metz et al., 2017) and the 5x5 **grid of 25 Gaussians**
  (Lin et al., 2018), the standard mode-collapse benchmarks. Their mode centres and standard
  deviation are public (``ring8_centers()``, ``RING8_STD``, ...) so that metrics can count
  which modes a generator covers.

Samplers return ``torch.float32`` tensors of shape ``(N, D)`` and take either a
``torch.Generator`` or an integer ``seed`` (neither: the global torch RNG, which
``gancourse.seed_everything`` seeds). Everything here is also importable from
:mod:`gancourse.distributions` and as ``gc.<name>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

__all__ = [
    "GaussianMixture",
    "RING8_RADIUS",
    "RING8_STD",
    "GRID25_SPACING",
    "GRID25_STD",
    "ring8_centers",
    "grid25_centers",
    "ring8",
    "grid25",
    "mixture_1d",
    "sample_ring8",
    "sample_grid25",
    "sample_gaussian_1d",
    "sample_mixture_1d",
]

#: Ring of 8 Gaussians: centres on a circle of this radius (Metz et al., 2017, Unrolled GANs).
RING8_RADIUS = 2.0
#: Standard deviation of each of the 8 ring modes.
RING8_STD = 0.02
#: 5x5 grid of 25 Gaussians: centres at ``spacing * {-2, -1, 0, 1, 2}`` (as in Lin et al., 2018, PacGAN).
GRID25_SPACING = 2.0
#: Standard deviation of each of the 25 grid modes.
GRID25_STD = 0.05


# --------------------------------------------------------------------------------------
# Random streams
# --------------------------------------------------------------------------------------
def _generator(generator: torch.Generator | None, seed: int | None) -> torch.Generator | None:
    """One random stream: the one passed, a fresh one from ``seed``, or None (global RNG)."""
    if generator is not None and seed is not None:
        raise ValueError("expected a generator or a seed, got both; pass only one of them")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"expected a torch.Generator, got {type(generator).__name__}; "
            "make one with torch.Generator().manual_seed(0), or pass seed=0"
        )
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"expected a non-negative integer seed, got {seed!r}")
        return torch.Generator().manual_seed(int(seed))
    return generator


def _real(name: str, value, *, positive: bool = False) -> float:
    """A finite real number (int, float, NumPy or 0-d tensor) as a float, else a clear error naming ``name``."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"expected {name} to be a number, got the text {value!r}; remove the quotes")
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"expected {name} to be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"expected {name} to be a {'positive, ' if positive else ''}finite number, got {value!r}")
    return value


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"expected a positive integer number of samples n, got {n!r}")
    return int(n)


# --------------------------------------------------------------------------------------
# Toy data: Gaussian mixtures
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GaussianMixture:
    r"""An isotropic Gaussian mixture :math:`\sum_k w_k\, \mathcal N(\mu_k, \sigma_k^2 I)`.

    Attributes
    ----------
    centers : torch.Tensor, shape (K, D)
        Mode centres :math:`\mu_k`.
    stds : torch.Tensor, shape (K,)
        Per-mode standard deviations :math:`\sigma_k`.
    weights : torch.Tensor, shape (K,)
        Mixing weights :math:`w_k`, summing to 1.
    """

    centers: torch.Tensor
    stds: torch.Tensor
    weights: torch.Tensor

    def __post_init__(self):
        c, s, w = self.centers, self.stds, self.weights
        if c.ndim != 2:
            raise ValueError(f"expected centers of shape (K, D), got {tuple(c.shape)}; for 1-D use mixture_1d")
        k = c.shape[0]
        if tuple(s.shape) != (k,) or tuple(w.shape) != (k,):
            raise ValueError(
                f"expected stds and weights of shape ({k},) to match {k} centers, "
                f"got {tuple(s.shape)} and {tuple(w.shape)}"
            )
        if not bool(torch.isfinite(c).all()):
            raise ValueError(f"expected finite centers, got {c.tolist()}")
        if not bool(((s > 0) & torch.isfinite(s)).all()):
            raise ValueError(f"expected positive, finite standard deviations, got {s.tolist()}")
        if bool((w < 0).any()) or abs(float(w.sum()) - 1) > 1e-5:
            raise ValueError(
                f"expected non-negative weights summing to 1, got {w.tolist()}; normalise with w / w.sum()"
            )

    @property
    def dim(self) -> int:
        """Data dimension D."""
        return self.centers.shape[1]

    def sample(self, n: int, *, generator: torch.Generator | None = None, seed: int | None = None,
               return_labels: bool = False):
        """Draw ``n`` points, shape (n, D); with ``return_labels`` also the mode index of each, shape (n,)."""
        n = _check_n(n)
        g = _generator(generator, seed)
        labels = torch.multinomial(self.weights, n, replacement=True, generator=g)  # (n,)
        noise = torch.randn(n, self.dim, generator=g)  # (n, D)
        x = self.centers[labels] + self.stds[labels, None] * noise  # (n, D)
        return (x, labels) if return_labels else x

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Log-density at points ``x`` of shape (N, D); returns shape (N,)."""
        x = torch.as_tensor(x, dtype=self.centers.dtype)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"expected points of shape (N, {self.dim}), got {tuple(x.shape)}")
        sq = ((x[:, None, :] - self.centers[None]) ** 2).sum(-1)  # (N, K)
        var = self.stds**2  # (K,)
        log_comp = -0.5 * sq / var - 0.5 * self.dim * torch.log(2 * math.pi * var)  # (N, K)
        return torch.logsumexp(log_comp + torch.log(self.weights), dim=1)  # (N,)


def _mixture(centers, std) -> GaussianMixture:
    centers = torch.as_tensor(centers, dtype=torch.float32)
    k = centers.shape[0]
    return GaussianMixture(centers, torch.full((k,), float(std)), torch.full((k,), 1.0 / k))


def ring8_centers(radius: float = RING8_RADIUS) -> torch.Tensor:
    r"""The 8 mode centres of the ring dataset, shape (8, 2): :math:`r(\cos 2\pi k/8, \sin 2\pi k/8)`."""
    angles = 2 * math.pi * torch.arange(8, dtype=torch.float64) / 8
    unit = torch.stack([angles.cos(), angles.sin()], dim=1)  # (8, 2)
    unit = torch.where(unit.abs() < 1e-12, 0.0, unit)  # exact zeros instead of 1e-16
    return (radius * unit).float()


def grid25_centers(spacing: float = GRID25_SPACING) -> torch.Tensor:
    """The 25 mode centres of the grid dataset, shape (25, 2): ``spacing * {-2..2}^2``, row-major."""
    ticks = spacing * torch.arange(-2, 3, dtype=torch.float32)  # (5,)
    gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)  # (25, 2)


def ring8(radius: float = RING8_RADIUS, std: float = RING8_STD) -> GaussianMixture:
    """The ring of 8 equally weighted Gaussians (Metz et al., 2017) as a :class:`GaussianMixture`."""
    return _mixture(ring8_centers(radius), std)


def grid25(spacing: float = GRID25_SPACING, std: float = GRID25_STD) -> GaussianMixture:
    """The 5x5 grid of 25 equally weighted Gaussians (Lin et al., 2018) as a :class:`GaussianMixture`."""
    return _mixture(grid25_centers(spacing), std)


def mixture_1d(means, stds, weights=None) -> GaussianMixture:
    """A 1-D Gaussian mixture; ``weights`` default to equal. Scalars make a single Gaussian."""
    for name, a in (("means", means), ("stds", stds), ("weights", weights)):
        if isinstance(a, (str, bytes)) or (isinstance(a, (list, tuple)) and any(isinstance(v, str) for v in a)):
            raise TypeError(f"expected {name} as numbers, got text {a!r}; remove the quotes")
    means = torch.atleast_1d(torch.as_tensor(means, dtype=torch.float32))
    stds = torch.atleast_1d(torch.as_tensor(stds, dtype=torch.float32))
    if stds.numel() not in (1, means.numel()):
        raise ValueError(f"expected one std or {means.numel()} (one per mean), got {stds.numel()}")
    stds = stds.expand_as(means).clone()
    if weights is None:
        weights = torch.full_like(means, 1.0 / means.numel())
    weights = torch.atleast_1d(torch.as_tensor(weights, dtype=torch.float32))
    return GaussianMixture(means[:, None], stds, weights)


def sample_ring8(n: int, *, generator: torch.Generator | None = None, seed: int | None = None,
                 radius: float = RING8_RADIUS, std: float = RING8_STD) -> torch.Tensor:
    """Draw ``n`` points from the ring of 8 Gaussians, shape (n, 2).

    Parameters
    ----------
    n : int
        Number of points.
    generator : torch.Generator, optional
        Random stream to draw from.
    seed : int, optional
        Seed for a fresh stream (instead of ``generator``). Neither: the global torch RNG.
    radius : float
        Radius of the circle of mode centres (see :func:`ring8_centers`).
    std : float
        Standard deviation of each mode (:data:`RING8_STD`).

    Returns
    -------
    torch.Tensor, shape (n, 2), float32
        Each point picks one of the 8 modes with probability 1/8.

    References
    ----------
    .. [1] L. Metz, B. Poole, D. Pfau and J. Sohl-Dickstein, "Unrolled Generative Adversarial
       Networks", ICLR 2017, Section 3.1.

    Examples
    --------
    >>> sample_ring8(4, seed=0).shape
    torch.Size([4, 2])
    """
    return ring8(radius, std).sample(n, generator=generator, seed=seed)


def sample_grid25(n: int, *, generator: torch.Generator | None = None, seed: int | None = None,
                  spacing: float = GRID25_SPACING, std: float = GRID25_STD) -> torch.Tensor:
    """Draw ``n`` points from the 5x5 grid of 25 Gaussians, shape (n, 2).

    Parameters are those of :func:`sample_ring8`, with ``spacing`` (distance between
    neighbouring centres, :func:`grid25_centers`) in place of ``radius`` and
    :data:`GRID25_STD` as the default ``std``.

    References
    ----------
    .. [1] Z. Lin, A. Khetan, G. Fanti and S. Oh, "PacGAN: The power of two samples in
       generative adversarial networks", NeurIPS 2018.
    """
    return grid25(spacing, std).sample(n, generator=generator, seed=seed)


def sample_gaussian_1d(n: int, mean: float = 0.0, std: float = 1.0, *,
                       generator: torch.Generator | None = None, seed: int | None = None) -> torch.Tensor:
    r"""Draw ``n`` samples of :math:`\mathcal N(\mu, \sigma^2)`, shape (n, 1)."""
    return mixture_1d(mean, std).sample(n, generator=generator, seed=seed)


def sample_mixture_1d(n: int, means, stds, weights=None, *,
                      generator: torch.Generator | None = None, seed: int | None = None) -> torch.Tensor:
    """Draw ``n`` samples of a 1-D Gaussian mixture, shape (n, 1)."""
    return mixture_1d(means, stds, weights).sample(n, generator=generator, seed=seed)
