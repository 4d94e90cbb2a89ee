r"""The generator's distribution and how far it is from the data (notebook 02).

* **Push-forward**: the generator's distribution is the prior :math:`p(z)` pushed through
  :math:`G`; in 1-D its density follows from the change of variables, and the quantile map
  :math:`F^{-1} \circ \Phi` is a perfect 1-D generator.
* **Distances as two distributions move apart**: KL, JS and the Wasserstein-1 distance,
  including the disjoint-support case that motivates the WGAN.

The toy datasets (ring of 8, grid of 25, 1-D mixtures) live in :mod:`gancourse.toydata`;
they are re-exported here, so ``from gancourse.distributions import sample_ring8`` keeps working.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from scipy.integrate import cumulative_trapezoid
from scipy.special import ndtr, ndtri

from .toydata import (
    GRID25_SPACING,
    GRID25_STD,
    RING8_RADIUS,
    RING8_STD,
    GaussianMixture,
    _check_n,
    _real,
    grid25,
    grid25_centers,
    mixture_1d,
    ring8,
    ring8_centers,
    sample_gaussian_1d,
    sample_grid25,
    sample_mixture_1d,
    sample_ring8,
)

__all__ = [
    # toy data, re-exported from gancourse.toydata
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
    # push-forward
    "push_forward",
    "push_forward_density_1d",
    "quantile_generator_1d",
    # 1-D densities
    "gaussian_pdf",
    "mixture_pdf",
    "mixture_cdf",
    # distances
    "wasserstein_1d",
    "gaussian_kl",
    "js_divergence_densities",
    "wasserstein_1d_densities",
    "SeparationCurves",
    "gaussian_separation_curves",
    "disjoint_uniform_curves",
    "separation_gradients",
]

# --------------------------------------------------------------------------------------
# 1-D densities (NumPy in -> NumPy out, tensor in -> tensor out)
# --------------------------------------------------------------------------------------
def gaussian_pdf(x, mean: float = 0.0, std: float = 1.0):
    r"""Density of :math:`\mathcal N(\mu, \sigma^2)` at ``x`` (any shape)."""
    if isinstance(std, (str, bytes)) or not bool(np.all(np.asarray(std, dtype=float) > 0)) \
            or not bool(np.all(np.isfinite(np.asarray(std, dtype=float)))):
        raise ValueError(f"expected a positive, finite std, got {std!r}")
    xp = torch if isinstance(x, torch.Tensor) else np
    x = x if xp is torch else np.asarray(x, dtype=np.float64)
    return xp.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def mixture_pdf(x, means, stds, weights=None):
    r"""Density of the 1-D mixture :math:`\sum_k w_k \mathcal N(\mu_k, \sigma_k^2)` at ``x`` (any shape)."""
    means, stds, weights = _mixture_params(means, stds, weights)
    return sum(w * gaussian_pdf(x, m, s) for m, s, w in zip(means, stds, weights, strict=True))


def mixture_cdf(x, means, stds, weights=None):
    """Cumulative distribution function of a 1-D Gaussian mixture at ``x`` (NumPy, any shape)."""
    means, stds, weights = _mixture_params(means, stds, weights)
    x = np.asarray(x, dtype=np.float64)
    return sum(w * ndtr((x - m) / s) for m, s, w in zip(means, stds, weights, strict=True))


def _mixture_params(means, stds, weights):
    means = np.atleast_1d(_as_numbers("means", means))
    stds = _as_numbers("stds", stds)
    if means.ndim != 1 or means.size == 0 or not np.isfinite(means).all():
        raise ValueError(f"expected a non-empty 1-D list of finite means, got {means.tolist()}")
    try:
        stds = np.broadcast_to(stds, means.shape)
    except ValueError:
        raise ValueError(f"expected one std per mean ({means.size}), got {stds.tolist()}") from None
    if not (np.isfinite(stds) & (stds > 0)).all():
        raise ValueError(f"expected positive, finite standard deviations, got {stds.tolist()}; a std is sigma, not "
                         "sigma squared, and must be > 0")
    weights = np.full(means.shape, 1 / means.size) if weights is None else np.atleast_1d(np.asarray(weights, float))
    if weights.shape != means.shape or abs(weights.sum() - 1) > 1e-6 or (weights < 0).any():
        raise ValueError(f"expected {means.size} non-negative weights summing to 1, got {weights.tolist()}")
    return means.tolist(), stds.tolist(), weights.tolist()


# --------------------------------------------------------------------------------------
# Push-forward: the generator's distribution
# --------------------------------------------------------------------------------------
def push_forward(prior, fn: Callable[[torch.Tensor], torch.Tensor], n: int, *, return_z: bool = False):
    r"""Draw ``n`` samples of the push-forward :math:`G_\# p(z)`: sample :math:`z \sim p(z)`, return :math:`G(z)`.

    Parameters
    ----------
    prior : callable or torch.distributions.Distribution
        :math:`p(z)`. Either a function ``prior(n) -> z`` of shape (n, d_z), or a torch
        distribution (sampled with ``prior.sample((n,))``).
    fn : callable
        The map :math:`G`, e.g. a generator network; takes a batch of ``z``.
    n : int
        Number of samples.
    return_z : bool
        Also return the ``z`` that produced each sample.

    Returns
    -------
    x : torch.Tensor
        :math:`x = G(z)`, one row per sample. Computed without gradients (this is for drawing).
    z : torch.Tensor
        Only with ``return_z=True``: returns ``(z, x)``.

    Notes
    -----
    :math:`(G_\# p_z)(A) = p_z(G^{-1}(A))`: the probability of a set of outputs is the prior
    probability of the latents mapped into it. A GAN never writes this density down; it only
    samples from it. The joint of :math:`(z, x)` puts all its mass on the graph
    :math:`x = G(z)`, i.e. :math:`p(x \mid z) = \delta(x - G(z))` is a point mass.

    Examples
    --------
    >>> prior = torch.distributions.Normal(torch.zeros(1), torch.ones(1))
    >>> push_forward(prior, lambda z: 3 + 0.5 * z, 5).shape
    torch.Size([5, 1])
    """
    n = _check_n(n)
    if isinstance(prior, torch.distributions.Distribution):
        sample = lambda m: prior.sample((m,))  # noqa: E731
    elif callable(prior):
        sample = prior
    else:
        raise TypeError(
            f"expected prior to be a function n -> z or a torch.distributions.Distribution, got {type(prior).__name__}"
        )
    with torch.no_grad():
        z = sample(n)
        if not isinstance(z, torch.Tensor) or z.shape[0] != n:
            raise ValueError(
                f"expected prior({n}) to return a tensor with {n} rows, got "
                f"{tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__}"
            )
        x = fn(z)
    return (z, x) if return_z else x


def push_forward_density_1d(fn: Callable[[torch.Tensor], torch.Tensor], z, prior_pdf=gaussian_pdf):
    r"""Density of :math:`x = G(z)` for a strictly monotone 1-D map, by the change of variables.

    Parameters
    ----------
    fn : callable
        A differentiable, strictly monotone map :math:`G` acting elementwise on a tensor.
    z : array_like, shape (M,)
        Points at which to evaluate; e.g. ``np.linspace(-4, 4, 400)``.
    prior_pdf : callable
        Density :math:`p_z` (default: standard normal).

    Returns
    -------
    x : numpy.ndarray, shape (M,)
        :math:`G(z)`.
    density : numpy.ndarray, shape (M,)
        :math:`p_x(x) = p_z(z) / |G'(z)|` at those ``x``.

    Notes
    -----
    .. math:: p_x(G(z)) = \frac{p_z(z)}{|G'(z)|}.

    Where :math:`G` stretches (:math:`|G'| > 1`) the density thins; where it compresses it
    piles up. :math:`G'` comes from autograd.
    """
    z = torch.as_tensor(np.asarray(z, dtype=np.float64)).requires_grad_(True)
    if z.ndim != 1:
        raise ValueError(f"expected a 1-D grid of z values, got shape {tuple(z.shape)}")
    x = fn(z)
    (slope,) = torch.autograd.grad(x.sum(), z)  # G'(z), elementwise
    slope = slope.numpy()
    if not ((slope > 0).all() or (slope < 0).all()):
        raise ValueError(
            "expected a strictly monotone fn (G'(z) of one sign), got a slope that changes sign or "
            f"vanishes near z = {float(z.detach()[np.argmin(np.abs(slope))]):.3g}; the change of variables "
            "needs a one-to-one map"
        )
    density = prior_pdf(z.detach().numpy()) / np.abs(slope)
    return x.detach().numpy(), density


def quantile_generator_1d(means, stds, weights=None, *, grid_size: int = 8193) -> Callable:
    r"""The ideal 1-D generator: a map :math:`G = F^{-1} \circ \Phi` pushing :math:`\mathcal N(0, 1)` onto a mixture.

    Parameters
    ----------
    means, stds, weights
        The target 1-D Gaussian mixture (as in :func:`mixture_pdf`).
    grid_size : int
        Points of the grid on which :math:`F^{-1}` is tabulated.

    Returns
    -------
    callable
        ``G(z)``: tensor in, tensor out (NumPy in, NumPy out), elementwise.

    Notes
    -----
    :math:`\Phi(z)` is uniform on (0, 1) when :math:`z \sim \mathcal N(0,1)`, and :math:`F^{-1}(u)`
    of a uniform :math:`u` has CDF :math:`F` (inverse transform sampling). So in 1-D a
    generator that reproduces the data exactly always exists; a GAN has to *find* one.
    """
    m, s, _ = _mixture_params(means, stds, weights)
    if isinstance(grid_size, bool) or not isinstance(grid_size, (int, np.integer)) or grid_size < 2:
        raise ValueError(f"expected grid_size to be an integer >= 2, got {grid_size!r}; the default is 8193")
    lo, hi = min(m) - 8 * max(s), max(m) + 8 * max(s)
    xs = np.linspace(lo, hi, grid_size)
    cdf = mixture_cdf(xs, means, stds, weights)

    def generator(z):
        z_np = _as_numbers("z", z)
        if not np.isfinite(z_np).all():
            raise ValueError("expected finite values in z, got NaN or inf")
        x = np.interp(ndtr(z_np), cdf, xs)  # F^{-1}(Phi(z))
        if isinstance(z, torch.Tensor):  # integer z gives float x (in the default float dtype)
            dtype = z.dtype if z.is_floating_point() else torch.get_default_dtype()
            return torch.as_tensor(x, dtype=dtype, device=z.device)
        return x

    return generator


# --------------------------------------------------------------------------------------
# Distances between distributions
# --------------------------------------------------------------------------------------
def _samples_1d(name, a):
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]  # (N, 1) -> (N,)
    if a.ndim != 1 or a.shape[0] == 0:
        raise ValueError(
            f"expected {name} to be a non-empty 1-D sample of shape (N,) or (N, 1), got shape "
            f"{tuple(a.shape)}; for multi-dimensional data compare one coordinate, e.g. {name}[:, 0]"
        )
    finite = bool(torch.isfinite(a).all()) if isinstance(a, torch.Tensor) else bool(np.isfinite(a).all())
    if not finite:
        raise ValueError(f"expected finite values in {name}, got NaN or inf")
    return a


def wasserstein_1d(x, y):
    r"""Exact Wasserstein-1 (earth mover's) distance between two 1-D samples.

    Parameters
    ----------
    x : array_like or torch.Tensor, shape (N,) or (N, 1)
        Sample of :math:`p`.
    y : array_like or torch.Tensor, shape (M,) or (M, 1)
        Sample of :math:`q`; ``M`` may differ from ``N``.

    Returns
    -------
    numpy.float64 or torch.Tensor
        :math:`W_1(\hat p, \hat q)` of the two empirical distributions (a 0-d tensor for torch
        inputs, differentiable with respect to the sample values).

    Notes
    -----
    In one dimension the optimal transport plan matches quantiles, and

    .. math:: W_1(p, q) = \int_{-\infty}^{\infty} |F_p(t) - F_q(t)|\, dt,

    evaluated exactly for step-function CDFs. For equal sizes it is
    ``mean(|sort(x) - sort(y)|)``. Agrees with ``scipy.stats.wasserstein_distance``.

    References
    ----------
    .. [1] M. Arjovsky, S. Chintala and L. Bottou, "Wasserstein GAN", ICML 2017, eq. (1).
    .. [2] A. Ramdas, N. Garcia and M. Cuturi, "On Wasserstein two-sample testing", 2017, Section 2.

    Examples
    --------
    >>> float(wasserstein_1d([0.0, 1.0], [5.0, 6.0, 5.5]))
    5.0
    """
    is_torch = isinstance(x, torch.Tensor) or isinstance(y, torch.Tensor)
    if is_torch:
        ref = x if isinstance(x, torch.Tensor) else y
        dtype = ref.dtype if ref.is_floating_point() else torch.get_default_dtype()
        x, y = (torch.as_tensor(a, device=ref.device).to(dtype) for a in (x, y))
    else:
        x, y = _as_numbers("x", x), _as_numbers("y", y)
    x, y = _samples_1d("x", x), _samples_1d("y", y)
    if is_torch:
        xs, ys = torch.sort(x).values, torch.sort(y).values
        grid = torch.sort(torch.cat([xs, ys])).values  # (N + M,) every jump of either CDF
        widths = grid[1:] - grid[:-1]  # (N + M - 1,)
        cdf_x = torch.searchsorted(xs, grid[:-1], right=True).to(dtype) / xs.numel()  # F_x at each grid point
        cdf_y = torch.searchsorted(ys, grid[:-1], right=True).to(dtype) / ys.numel()
        return ((cdf_x - cdf_y).abs() * widths).sum()
    xs, ys = np.sort(x), np.sort(y)
    grid = np.sort(np.concatenate([xs, ys]))
    widths = np.diff(grid)
    cdf_x = np.searchsorted(xs, grid[:-1], side="right") / xs.size
    cdf_y = np.searchsorted(ys, grid[:-1], side="right") / ys.size
    return np.sum(np.abs(cdf_x - cdf_y) * widths)


def gaussian_kl(mean_p, std_p, mean_q, std_q):
    r"""Closed-form :math:`\mathrm{KL}(\mathcal N(\mu_p, \sigma_p^2) \,\|\, \mathcal N(\mu_q, \sigma_q^2))`, in nats.

    Notes
    -----
    .. math::
        \mathrm{KL} = \log\frac{\sigma_q}{\sigma_p} + \frac{\sigma_p^2 + (\mu_p - \mu_q)^2}{2\sigma_q^2} - \frac12.

    For equal :math:`\sigma` it is :math:`\Delta^2 / (2\sigma^2)`: it grows quadratically with
    the separation :math:`\Delta = |\mu_p - \mu_q|`. Works elementwise on arrays and tensors.
    """
    args = (mean_p, std_p, mean_q, std_q)
    if any(isinstance(a, torch.Tensor) for a in args):
        dtype = next(a.dtype for a in args if isinstance(a, torch.Tensor) and a.is_floating_point())
        mean_p, std_p, mean_q, std_q = (torch.as_tensor(a, dtype=dtype) for a in args)
        log = torch.log
    else:
        mean_p, std_p, mean_q, std_q = (np.asarray(a, dtype=np.float64) for a in args)
        log = np.log
    return log(std_q / std_p) + (std_p**2 + (mean_p - mean_q) ** 2) / (2 * std_q**2) - 0.5


def _as_float64(a):
    return a.double() if isinstance(a, torch.Tensor) else torch.as_tensor(np.asarray(a, dtype=np.float64))


def _as_numbers(name: str, a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    if np.asarray(a).dtype.kind in "US":
        raise TypeError(f"expected {name} as numbers, got text {a!r}; remove the quotes")
    try:
        return np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"expected {name} to be an array of numbers, got {type(a).__name__}; "
                        "pass a NumPy array or a tensor") from exc


#: How far from 1 a tabulated density's integral may be (a grid covering "nearly all" the mass).
_MASS_TOL = 0.02


def _check_density_grid(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> None:
    """Raise ValueError unless p and q are densities tabulated on the increasing grid x."""
    if not (p.shape == q.shape == x.shape) or p.ndim != 1 or p.shape[0] < 2:
        raise ValueError(
            f"expected p, q and x of the same 1-D shape (M,) with M >= 2, got {tuple(p.shape)}, {tuple(q.shape)}, "
            f"{tuple(x.shape)}; evaluate both densities on the grid, p = pdf(x)"
        )
    for name, a in (("x", x), ("p", p), ("q", q)):
        if not np.isfinite(a).all():
            raise ValueError(f"expected finite values in {name}, got NaN or inf; check how {name} was computed")
    if not (np.diff(x) > 0).all():
        raise ValueError("expected an increasing grid x (each point above the last), got one that is not; "
                         "sort it with np.sort(x) (and evaluate p and q on the sorted grid), or use np.linspace")
    for name, a in (("p", p), ("q", q)):
        if (a < 0).any():
            raise ValueError(f"expected non-negative density values in {name}, got {float(a.min()):.4g}; "
                             "densities cannot be negative")
        mass = float(np.trapezoid(a, x))
        if abs(mass - 1) > _MASS_TOL:
            raise ValueError(f"expected {name} to integrate to 1 over the grid, got {mass:.4g}; widen the grid to "
                             f"cover all of {name}'s mass, or normalise with {name} / np.trapezoid({name}, x)")


def js_divergence_densities(p, q, x):
    r"""Jensen-Shannon divergence of two 1-D densities tabulated on a grid (trapezoid rule), in nats.

    Parameters
    ----------
    p, q : array_like or torch.Tensor, shape (M,)
        Density values :math:`p(x_i), q(x_i) \ge 0` on the grid.
    x : array_like or torch.Tensor, shape (M,)
        Increasing grid covering (nearly) all the mass of both.

    Returns
    -------
    numpy.float64 or torch.Tensor
        :math:`\mathrm{JS}(p, q) = \tfrac12 \int p \log\frac{2p}{p+q} + \tfrac12 \int q \log\frac{2q}{p+q}`,
        in :math:`[0, \log 2]`.
    """
    is_torch = any(isinstance(a, torch.Tensor) for a in (p, q, x))
    p, q, x = (_as_float64(a) for a in (p, q, x))
    _check_density_grid(p.detach().numpy(), q.detach().numpy(), x.detach().numpy())
    m = 0.5 * (p + q)
    # p log(p/m) with 0 log 0 = 0; the `where` on the inputs keeps gradients finite at p = 0
    safe_m = torch.where(m > 0, m, torch.ones_like(m))
    term_p = torch.where(p > 0, p * torch.log(torch.where(p > 0, p, safe_m) / safe_m), torch.zeros_like(p))
    term_q = torch.where(q > 0, q * torch.log(torch.where(q > 0, q, safe_m) / safe_m), torch.zeros_like(q))
    js = torch.trapezoid(0.5 * term_p + 0.5 * term_q, x).clamp(0.0, math.log(2))  # rounding stays in [0, log 2]
    return js if is_torch else np.float64(js.item())


def wasserstein_1d_densities(p, q, x):
    r"""Wasserstein-1 distance of two 1-D densities tabulated on a grid: :math:`\int |F_p - F_q|\,dx`.

    Parameters
    ----------
    p, q : array_like, shape (M,)
        Density values on the grid (each integrates to about 1).
    x : array_like, shape (M,)
        Increasing grid.

    Returns
    -------
    numpy.float64
    """
    p, q, x = (_as_numbers(name, a) for name, a in (("p", p), ("q", q), ("x", x)))
    _check_density_grid(p, q, x)
    cdf_p = cumulative_trapezoid(p, x, initial=0.0)
    cdf_q = cumulative_trapezoid(q, x, initial=0.0)
    return np.trapezoid(np.abs(cdf_p - cdf_q), x)


@dataclass
class SeparationCurves:
    """KL, JS and W1 between two distributions, as functions of their separation."""

    separation: np.ndarray  #: (S,) distances between the two means
    kl: np.ndarray  #: (S,) KL(p || q), nats (inf for disjoint supports)
    js: np.ndarray  #: (S,) JS(p, q), nats, at most log 2
    w1: np.ndarray  #: (S,) Wasserstein-1 distance


def _gaussian_js(separation: torch.Tensor, std: float, n_grid: int = 2001) -> torch.Tensor:
    r"""JS(N(0, std^2), N(separation, std^2)) by the trapezoid rule, vectorised over separations.

    The two terms of JS are mirror images (x -> separation - x swaps p and q), so
    :math:`\mathrm{JS} = \int p \log\frac{2p}{p + q} = \log 2 - \mathbb E_p[\operatorname{softplus}(\log q - \log p)]`:
    one integral over p's own +-8 std, resolved the same for every separation (a grid spanning
    both means would leave p unresolved when they are far apart), and never above log 2.
    Works in log-densities, differentiable with respect to ``separation`` (any shape).
    """
    sep = separation.to(torch.float64)
    x = torch.linspace(-8 * std, 8 * std, n_grid, dtype=torch.float64)  # (M,) where p lives
    log_norm = math.log(std * math.sqrt(2 * math.pi))
    log_p = -0.5 * (x / std) ** 2 - log_norm  # (M,)
    log_q = -0.5 * ((x - sep[..., None]) / std) ** 2 - log_norm  # (..., M)
    integrand = log_p.exp() * torch.nn.functional.softplus(log_q - log_p)  # p log(1 + q/p)
    js = math.log(2) - torch.trapezoid(integrand, x, dim=-1)  # (...)
    return js.clamp(0.0, math.log(2))


def gaussian_separation_curves(separations, std: float = 1.0) -> SeparationCurves:
    r"""KL, JS and W1 between :math:`p = \mathcal N(0, \sigma^2)` and :math:`q = \mathcal N(\Delta, \sigma^2)`.

    Parameters
    ----------
    separations : array_like, shape (S,)
        Values of :math:`\Delta \ge 0`.
    std : float
        The common :math:`\sigma`.

    Returns
    -------
    SeparationCurves

    Notes
    -----
    KL is the closed form :math:`\Delta^2 / (2\sigma^2)`; JS is integrated numerically on a
    fine grid (it has no closed form) and saturates at :math:`\log 2`; for equal widths the
    optimal transport shifts every point by :math:`\Delta`, so :math:`W_1 = |\Delta|`.
    """
    std = _real("std", std, positive=True)
    seps = np.abs(np.atleast_1d(np.asarray(separations, dtype=np.float64)))
    js = _gaussian_js(torch.as_tensor(seps), std).numpy()
    return SeparationCurves(seps, gaussian_kl(0.0, std, seps, std), js, seps.copy())


def disjoint_uniform_curves(separations, width: float = 1.0) -> SeparationCurves:
    r"""KL, JS and W1 between :math:`U[0, w]` and :math:`U[\Delta, \Delta + w]`: closed forms.

    Notes
    -----
    For :math:`0 < \Delta`, :math:`q` puts mass where :math:`p` has none, so
    :math:`\mathrm{KL}(p\|q) = \infty`. The two overlap on a length :math:`w - \Delta`, where
    :math:`p = q = m` contributes nothing to JS; elsewhere :math:`p = 2m`, so

    .. math:: \mathrm{JS} = \min(\Delta / w, 1)\,\log 2, \qquad W_1 = \Delta.

    Once the supports are disjoint (:math:`\Delta \ge w`) JS is stuck at :math:`\log 2`: its
    gradient with respect to :math:`\Delta` is zero, while :math:`W_1` keeps growing linearly.
    Compare Arjovsky et al. (2017), Example 1, where the supports are parallel lines.
    """
    if width <= 0:
        raise ValueError(f"expected a positive width, got {width}")
    seps = np.abs(np.atleast_1d(np.asarray(separations, dtype=np.float64)))
    kl = np.where(seps > 0, np.inf, 0.0)
    js = np.minimum(seps / width, 1.0) * math.log(2)
    return SeparationCurves(seps, kl, js, seps.copy())


def separation_gradients(separation: float, std: float = 0.1, n_samples: int = 2000) -> dict[str, float]:
    r"""Autograd slopes of KL, JS and W1 with respect to the separation :math:`\Delta` of two Gaussians.

    Parameters
    ----------
    separation : float
        :math:`\Delta`, the distance between the means of :math:`\mathcal N(0,\sigma^2)` and
        :math:`\mathcal N(\Delta, \sigma^2)`.
    std : float
        :math:`\sigma`; small values make the supports effectively disjoint.
    n_samples : int
        Size of the (deterministic, quantile-spaced) samples whose W1 is differentiated.

    Returns
    -------
    dict
        ``{"kl", "js", "w1"}``: the values, and ``{"dkl", "djs", "dw1"}``: their derivatives
        :math:`d/d\Delta`. JS is integrated numerically; W1 is :func:`wasserstein_1d` of two
        samples, the second shifted by :math:`\Delta`.
    """
    if std <= 0:
        raise ValueError(f"expected a positive std, got {std}")
    delta = torch.tensor(float(separation), dtype=torch.float64, requires_grad=True)
    js = _gaussian_js(delta, std)
    kl = gaussian_kl(torch.zeros((), dtype=torch.float64), std, delta, std)
    base = torch.as_tensor(std * ndtri((np.arange(n_samples) + 0.5) / n_samples))  # quantiles of N(0, std^2)
    w1 = wasserstein_1d(base, base + delta)
    out = {}
    for name, value in (("kl", kl), ("js", js), ("w1", w1)):
        (grad,) = torch.autograd.grad(value, delta)
        out[name], out["d" + name] = value.item(), grad.item()
    return out
