r"""Normalizing flows (notebook 06): Glow's three layers, a small flow for 2-D data, maximum likelihood.

A *normalizing flow* is an invertible network :math:`f` from data :math:`x` to a latent
:math:`z = f(x)` with a simple density :math:`p_Z = N(0, I)`. The change-of-variables formula
gives the model's density exactly,

.. math::
    \log p_X(x) = \log p_Z(f(x)) + \log \left| \det \frac{\partial f(x)}{\partial x} \right|,

and a flow is trained by maximising it on the data (Dinh et al., 2017; Kingma & Dhariwal,
2018, Sec. 2). Sampling runs the network backwards: :math:`x = f^{-1}(z)`, :math:`z \sim p_Z`.

Glow (Kingma & Dhariwal, 2018) builds :math:`f` from *steps of flow*, each three layers
(their Fig. 2a and Table 1), here for vectors instead of images:

* :class:`ActNorm`: a per-feature affine map, initialised from the first batch so that its
  output has zero mean and unit variance;
* :class:`InvertibleLinear`: :math:`y = W x` with an LU-parametrised :math:`W`, the vector
  analogue of Glow's invertible 1x1 convolution (a learned generalisation of a permutation);
* :class:`AffineCoupling`: half the features pass unchanged and set a scale and shift for the
  other half (RealNVP's affine coupling, Dinh et al., 2017).

Every layer's ``forward(x)`` returns ``(y, log_det)`` with ``log_det`` of shape (N,), the
log-absolute-determinant of its Jacobian at each point, and ``inverse(y)`` undoes it exactly.
:class:`Flow` stacks the steps; :func:`train_flow` is the training loop, with the same
comment-headed stages as :func:`gancourse.gan.train_gan`. Glow is a normalizing flow trained
by maximum likelihood: it has no discriminator and is not a GAN.

References
----------
.. [1] L. Dinh, J. Sohl-Dickstein and S. Bengio, "Density estimation using Real NVP", ICLR 2017.
.. [2] D. P. Kingma and P. Dhariwal, "Glow: Generative Flow with Invertible 1x1 Convolutions",
   NeurIPS 2018.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .runtime import progress as progress_bar
from .runtime import restores_global_rng

__all__ = [
    "ActNorm",
    "InvertibleLinear",
    "AffineCoupling",
    "Flow",
    "standard_normal_log_prob",
    "change_of_variables_1d",
    "autograd_log_det",
    "LayerCheck",
    "check_layer",
    "flow_nll",
    "flow_step",
    "FlowHistory",
    "train_flow",
    "FlowConfig",
    "make_toy_flow",
    "density_on_grid",
    "samples_per_second",
]


# --------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------


def _check_points(name: str, x, dim: int) -> torch.Tensor:
    """``x`` as a float tensor of shape (N, dim) with finite values, or a clear error."""
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected {name} as a torch.Tensor of shape (N, {dim}), got {type(x).__name__}; "
                        "convert with torch.as_tensor(x, dtype=torch.float32)")
    if x.ndim != 2 or x.shape[1] != dim or x.shape[0] == 0:
        hint = ""
        if x.ndim == 1 and x.shape[0] == dim:
            hint = f"; for one point add a batch axis with {name}[None]"
        elif x.ndim == 1 and dim == 1:
            hint = f"; for 1-D data add a feature axis with {name}[:, None]"
        raise ValueError(f"expected {name} of shape (N, {dim}) with N >= 1, got {tuple(x.shape)}{hint}")
    if x.dtype != torch.float32:
        x = x.float()  # the flow's parameters are float32 (integers and float64 arrays are welcome)
    bad = int((~torch.isfinite(x)).sum())
    if bad:
        raise ValueError(f"expected finite values in {name}, got {bad} NaN or infinite entries; "
                         f"drop those rows first, e.g. {name}[torch.isfinite({name}).all(dim=1)]")
    return x


def _check_dim(dim) -> int:
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise ValueError(f"expected dim to be a positive integer (the number of features), got {dim!r}")
    return dim


# --------------------------------------------------------------------------------------
# The change-of-variables formula
# --------------------------------------------------------------------------------------


def standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    r"""Log-density of :math:`N(0, I)` at each row of ``z`` (shape (N, D)); returns shape (N,).

    .. math:: \log p_Z(z) = -\tfrac12 \|z\|^2 - \tfrac{D}{2} \log 2\pi
    """
    return -0.5 * z.pow(2).sum(dim=1) - 0.5 * z.shape[1] * math.log(2 * math.pi)  # (N, D) -> (N,)


def change_of_variables_1d(x, inverse: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    r"""Density of :math:`X = g(Z)`, :math:`Z \sim N(0, 1)`, from the inverse map alone.

    .. math:: p_X(x) = p_Z\big(g^{-1}(x)\big)\, \left| \frac{d g^{-1}(x)}{dx} \right|

    The derivative is taken by autograd, so any differentiable, strictly monotone ``inverse``
    works (e.g. ``torch.log`` for the log-normal :math:`X = e^Z`).

    Parameters
    ----------
    x : torch.Tensor or array_like, shape (M,)
        Points where the density is wanted (inside the range of :math:`g`).
    inverse : callable
        :math:`g^{-1}`, applied elementwise to a tensor.

    Returns
    -------
    torch.Tensor, shape (M,)
        :math:`p_X(x)`.

    Examples
    --------
    >>> p = change_of_variables_1d(torch.tensor([1.0]), lambda x: (x - 1.0) / 2.0)  # X = 1 + 2 Z
    >>> round(float(p), 4)  # N(0, 1) density at 0, divided by 2
    0.1995
    """
    x = torch.as_tensor(x, dtype=torch.float64).detach().clone()
    if x.ndim != 1 or x.numel() == 0:
        raise ValueError(f"expected x of shape (M,) (a 1-D grid of points), got {tuple(x.shape)}; flatten it with x.reshape(-1)")
    x.requires_grad_(True)
    z = inverse(x)  # (M,)
    (dz_dx,) = torch.autograd.grad(z.sum(), x)  # elementwise map: d(sum z)/dx_i = dz_i/dx_i
    log_p = standard_normal_log_prob(z.detach()[:, None]) + torch.log(dz_dx.abs())
    return log_p.exp()


def autograd_log_det(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    r""":math:`\log|\det \partial f / \partial x|` at every row of ``x``, from the full Jacobian (a check).

    Builds each point's D x D Jacobian with ``torch.func.jacrev`` and takes
    ``torch.linalg.slogdet``: the slow, independent value that a layer's analytic ``log_det``
    must match.

    Parameters
    ----------
    fn : callable
        Maps a batch (N, D) to (N, D) row by row (e.g. ``lambda x: layer(x)[0]``).
    x : torch.Tensor, shape (N, D)

    Returns
    -------
    torch.Tensor, shape (N,)
    """
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"expected x as a tensor of shape (N, D), got {got}; for one point use x[None]")

    def one(point: torch.Tensor) -> torch.Tensor:  # (D,) -> (D,)
        return fn(point[None])[0]

    jacobians = torch.stack([torch.func.jacrev(one)(point) for point in x.detach()])  # (N, D, D)
    return torch.linalg.slogdet(jacobians).logabsdet  # (N,)


@dataclass
class LayerCheck:
    """What :func:`check_layer` measured on one layer.

    Attributes
    ----------
    name : str
    round_trip : float
        :math:`\\max |x - f^{-1}(f(x))|` over the batch.
    log_det_error : float
        :math:`\\max |` analytic ``log_det`` :math:`-` ``slogdet`` of the autograd Jacobian :math:`|`.
    log_det : numpy.ndarray
        The analytic log-determinants, one per point.
    """

    name: str
    round_trip: float
    log_det_error: float
    log_det: np.ndarray

    def passed(self, tol: float = 1e-5) -> bool:
        """Both checks within ``tol``: the round trip and the log-determinant."""
        return self.round_trip < tol and self.log_det_error < tol

    def __str__(self) -> str:
        # Tolerances, not the raw errors: float32 round-off differs from one CPU to another.
        shown = np.array2string(self.log_det[:3], precision=3, suppress_small=True)
        return (f"{self.name}: x -> y -> x within 1e-5: {self.round_trip < 1e-5}; log-det {shown}... "
                f"equals slogdet of the autograd Jacobian within 1e-5: {self.log_det_error < 1e-5}")


@torch.no_grad()
def check_layer(layer: nn.Module, x: torch.Tensor) -> LayerCheck:
    """Invert ``layer`` after applying it, and compare its ``log_det`` with :func:`autograd_log_det`.

    Parameters
    ----------
    layer : nn.Module
        Anything with ``forward(x) -> (y, log_det)`` and ``inverse(y)``: a layer or a :class:`Flow`.
    x : torch.Tensor, shape (N, D)
        Test points (ActNorm initialises itself on them if it has not yet).

    Returns
    -------
    LayerCheck
    """
    y, log_det = layer(x)
    round_trip = float((layer.inverse(y) - x).abs().max())
    with torch.enable_grad():
        reference = autograd_log_det(lambda a: layer(a)[0], x)
    return LayerCheck(type(layer).__name__, round_trip, float((log_det - reference).abs().max()),
                      log_det.detach().numpy())


# --------------------------------------------------------------------------------------
# Glow's three layers, for vectors
# --------------------------------------------------------------------------------------


class _Layer(nn.Module):
    """What the three layers share: ``forward`` and ``inverse`` check their input, then run
    ``_forward`` / ``_inverse`` (which :class:`Flow` calls directly, having checked its input once)."""

    dim: int

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(y, log_det)``: the output, shape (N, D), and :math:`\\log|\\det J|` at each point, shape (N,)."""
        return self._forward(_check_points("x", x, self.dim))

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        """The exact inverse: the ``x`` with ``forward(x)[0] == y``, shape (N, D)."""
        return self._inverse(_check_points("y", y, self.dim))


class ActNorm(_Layer):
    r"""Activation normalisation: :math:`y = s \odot x + b`, per feature (Kingma & Dhariwal, 2018, Sec. 3.1).

    The scale is stored as :math:`\log s` (so :math:`s > 0`). On the first batch it sees, the
    layer sets :math:`s = 1/\mathrm{std}(x)` and :math:`b = -\mathrm{mean}(x)/\mathrm{std}(x)`,
    so that its output has zero mean and unit variance per feature (*data-dependent
    initialisation*); after that both are ordinary trainable parameters.

    .. math:: \log \left|\det \frac{\partial y}{\partial x}\right| = \sum_i \log s_i

    the same at every point (Table 1 of the paper, without the image's :math:`h \cdot w`).

    Parameters
    ----------
    dim : int
        Number of features D.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.dim = _check_dim(dim)
        self.log_scale = nn.Parameter(torch.zeros(dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.register_buffer("initialized", torch.tensor(False))

    @torch.no_grad()
    def initialize(self, x: torch.Tensor) -> None:
        """Data-dependent initialisation from a batch ``x`` of shape (N, D), N >= 2."""
        x = _check_points("x", x, self.dim)
        if x.shape[0] < 2:
            raise ValueError(f"expected at least 2 points to initialise ActNorm from their std, got {x.shape[0]}")
        std = x.std(dim=0).clamp_min(1e-6)  # (D,)
        self.log_scale.copy_(-std.log())
        self.bias.copy_(-x.mean(dim=0) / std)
        self.initialized.fill_(True)

    def _forward(self, x):  # unchecked: Flow checks its input once
        if not bool(self.initialized):
            self.initialize(x)
        y = x * self.log_scale.exp() + self.bias  # (N, D)
        return y, self.log_scale.sum().expand(x.shape[0])  # (N,)

    def _inverse(self, y):
        if not bool(self.initialized):
            raise RuntimeError("ActNorm is not initialised yet; run forward on a batch of data first "
                               "(its scale and bias are set from the first batch it sees)")
        return (y - self.bias) * (-self.log_scale).exp()


class InvertibleLinear(_Layer):
    r"""An invertible linear map :math:`y = W x` with an LU-parametrised :math:`W` (Glow's 1x1 convolution).

    For images, Glow's invertible 1x1 convolution applies one C x C matrix to every pixel's
    channels; for vectors that is a single D x D matrix. Following Kingma & Dhariwal (2018,
    Sec. 3.2, "LU decomposition"),

    .. math::
        W = P\, L\, \big(U + \operatorname{diag}(\operatorname{sign}(s)\, e^{\log|s|})\big),
        \qquad \log\left|\det W\right| = \sum_i \log |s_i|,

    with :math:`P` a fixed permutation, :math:`L` lower-triangular with ones on the diagonal,
    :math:`U` strictly upper-triangular, and the signs of :math:`s` fixed. :math:`W` starts as
    a random rotation (the paper's initialisation), so the determinant costs O(D) instead
    of O(D^3). The inverse uses triangular solves.

    Parameters
    ----------
    dim : int
        Number of features D.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.dim = _check_dim(dim)
        w = torch.linalg.qr(torch.randn(dim, dim))[0]  # a random rotation (or reflection)
        p, lower, upper = torch.linalg.lu(w)
        s = torch.diagonal(upper)
        self.register_buffer("p", p)
        self.register_buffer("sign_s", s.sign())
        self.register_buffer("l_mask", torch.tril(torch.ones(dim, dim), diagonal=-1))
        self.lower = nn.Parameter(lower)
        self.upper = nn.Parameter(torch.triu(upper, diagonal=1))
        self.log_s = nn.Parameter(s.abs().log())

    def _factors(self) -> tuple[torch.Tensor, torch.Tensor]:
        eye = torch.eye(self.dim, device=self.log_s.device)
        lower = self.lower * self.l_mask + eye  # unit lower-triangular
        upper = self.upper * self.l_mask.T + torch.diag(self.sign_s * self.log_s.exp())
        return lower, upper

    def weight(self) -> torch.Tensor:
        """The matrix :math:`W = P L (U + \\operatorname{diag}(s))`, shape (D, D)."""
        lower, upper = self._factors()
        return self.p @ lower @ upper

    def _forward(self, x):
        y = x @ self.weight().T  # (N, D): each row y_n = W x_n
        return y, self.log_s.sum().expand(x.shape[0])  # (N,)

    def _inverse(self, y):
        lower, upper = self._factors()
        # x = U^-1 L^-1 P^T y, as two triangular solves on columns: (D, N)
        b = self.p.T @ y.T
        b = torch.linalg.solve_triangular(lower, b, upper=False, unitriangular=True)
        return torch.linalg.solve_triangular(upper, b, upper=True).T  # (N, D)


class AffineCoupling(_Layer):
    r"""Affine coupling: keep :math:`x_a`, scale and shift :math:`x_b` by amounts computed from :math:`x_a`.

    .. math::
        y_a = x_a, \qquad y_b = x_b \odot e^{\log s(x_a)} + t(x_a), \qquad
        \log\left|\det \frac{\partial y}{\partial x}\right| = \sum_j \log s_j(x_a)

    (Dinh et al., 2017). The Jacobian is triangular, so its determinant is the
    product of the scales, whatever the network computing :math:`\log s` and :math:`t`; and
    the inverse, :math:`x_b = (y_b - t(y_a)) \odot e^{-\log s(y_a)}`, needs no inverse of that
    network. :math:`x_a` is the first ``dim // 2`` features (for 2-D points, the first
    coordinate); the :class:`InvertibleLinear` before each coupling decides what reaches it.

    Where this departs from Glow: the paper (Table 1) writes the scale as
    :math:`s = \exp(\log s)`, with :math:`\log s` straight from the network; OpenAI's
    released Glow code instead computes it as ``sigmoid(h + 2)`` (a factor in (0, 1)). Here
    :math:`\log s = c \tanh(h / c)` with :math:`c` = ``max_log_scale``, a soft clamp in the
    spirit of RealNVP's tanh, which lets one layer expand as well as shrink (useful for the
    very narrow modes of the toy data). As in Glow, the network's last
    layer starts at zero, so every coupling starts as the identity.

    Parameters
    ----------
    dim : int
        Number of features D >= 2.
    hidden_dim, n_hidden : int
        Width and depth of the MLP that computes :math:`\log s` and :math:`t`.
    max_log_scale : float
        :math:`c`, the largest :math:`|\log s|` one coupling can apply.
    """

    def __init__(self, dim: int, hidden_dim: int = 64, n_hidden: int = 2, max_log_scale: float = 3.0):
        super().__init__()
        self.dim = _check_dim(dim)
        if dim < 2:
            raise ValueError(f"expected dim >= 2 for a coupling (one half conditions the other), got {dim}")
        if not max_log_scale > 0:
            raise ValueError(f"expected max_log_scale > 0, got {max_log_scale!r}")
        self.d_a = dim // 2
        self.max_log_scale = float(max_log_scale)
        sizes = [self.d_a, *[hidden_dim] * n_hidden, 2 * (dim - self.d_a)]
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(nn.Linear(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)
        nn.init.zeros_(self.net[-1].weight)  # Glow's zero initialisation: start as the identity
        nn.init.zeros_(self.net[-1].bias)

    def _scale_shift(self, x_a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.net(x_a)  # (N, 2 * d_b)
        raw, shift = h.chunk(2, dim=1)  # (N, d_b) each
        c = self.max_log_scale
        return c * torch.tanh(raw / c), shift

    def _forward(self, x):
        x_a, x_b = x[:, :self.d_a], x[:, self.d_a:]
        log_s, t = self._scale_shift(x_a)
        y_b = x_b * log_s.exp() + t
        return torch.cat([x_a, y_b], dim=1), log_s.sum(dim=1)  # (N, D), (N,)

    def _inverse(self, y):
        y_a, y_b = y[:, :self.d_a], y[:, self.d_a:]
        log_s, t = self._scale_shift(y_a)  # y_a = x_a: the same scale and shift as forward
        return torch.cat([y_a, (y_b - t) * (-log_s).exp()], dim=1)


# --------------------------------------------------------------------------------------
# A flow: steps of (actnorm, invertible linear, coupling)
# --------------------------------------------------------------------------------------


class Flow(nn.Module):
    r"""A Glow-style normalizing flow for vectors: ``n_steps`` steps of ActNorm, InvertibleLinear, AffineCoupling.

    ``forward(x)`` maps data to the latent, :math:`z = f(x)`, and returns
    :math:`\log|\det \partial f/\partial x|` summed over all layers (Kingma & Dhariwal, 2018,
    Sec. 2); :meth:`log_prob` adds :math:`\log N(z; 0, I)`; :meth:`sample` runs the layers
    backwards on fresh :math:`z`.

    Parameters
    ----------
    dim : int
        Number of features D (2 for points in the plane).
    n_steps : int
        Steps of flow K.
    hidden_dim, n_hidden : int
        Each coupling's MLP.
    max_log_scale : float
        See :class:`AffineCoupling`.

    Examples
    --------
    >>> flow = Flow(2, n_steps=2)
    >>> x = torch.randn(5, 2)
    >>> z, log_det = flow(x)
    >>> bool(torch.allclose(flow.inverse(z), x, atol=1e-5))
    True
    """

    def __init__(self, dim: int = 2, n_steps: int = 8, hidden_dim: int = 64, n_hidden: int = 2,
                 max_log_scale: float = 3.0):
        super().__init__()
        self.dim = _check_dim(dim)
        if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 1:
            raise ValueError(f"expected n_steps to be a positive integer, got {n_steps!r}")
        layers: list[nn.Module] = []
        for _ in range(n_steps):
            layers += [ActNorm(dim), InvertibleLinear(dim), AffineCoupling(dim, hidden_dim, n_hidden, max_log_scale)]
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = _check_points("x", x, self.dim)
        log_det = torch.zeros(z.shape[0], device=z.device)
        for layer in self.layers:  # the input is checked once, here, not in every layer
            z, ld = layer._forward(z)
            log_det = log_det + ld
        return z, log_det  # (N, D), (N,)

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        x = _check_points("z", z, self.dim)
        for layer in reversed(self.layers):
            x = layer._inverse(x)
        return x

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        r""":math:`\log p_X(x) = \log p_Z(f(x)) + \log|\det \partial f/\partial x|` for each row; shape (N,)."""
        z, log_det = self(x)
        return standard_normal_log_prob(z) + log_det

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The latent :math:`z = f(x)` of each point, shape (N, D)."""
        return self(x)[0]

    @torch.no_grad()
    def sample(self, n: int, *, seed: int | None = None, temperature: float = 1.0) -> torch.Tensor:
        r"""Draw ``n`` points: :math:`x = f^{-1}(z)`, :math:`z \sim N(0, T^2 I)` with :math:`T` = ``temperature``.

        ``temperature < 1`` concentrates the samples near the modes at the price of
        diversity (Kingma & Dhariwal, 2018, sample faces at :math:`T = 0.7`); :math:`T = 1`
        samples the model's own density. ``seed`` uses a private random stream.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"expected n to be a positive integer, got {n!r}")
        if not temperature > 0:
            raise ValueError(f"expected temperature > 0, got {temperature!r}")
        device = self.layers[0].log_scale.device
        rng = torch.Generator(device=device).manual_seed(seed) if seed is not None else None
        z = temperature * torch.randn(n, self.dim, generator=rng, device=device)
        return self.inverse(z)


# --------------------------------------------------------------------------------------
# Maximum likelihood: the loss, one step, the loop
# --------------------------------------------------------------------------------------


def flow_nll(z: torch.Tensor, log_det: torch.Tensor) -> torch.Tensor:
    r"""The flow's loss: the mean negative log-likelihood of a batch, in nats per point.

    .. math::
        L = -\frac1N \sum_{n=1}^N \Big[\log p_Z(z_n) + \log\left|\det \tfrac{\partial f}{\partial x}(x_n)\right|\Big]

    Kingma & Dhariwal (2018), Sec. 2 (without their dequantisation term, which is
    for discrete pixels). ``z`` is :math:`f(x)`, shape (N, D); ``log_det`` the summed
    log-determinants, shape (N,), both as returned by ``Flow.forward``.
    """
    if not isinstance(z, torch.Tensor) or z.ndim != 2:
        got = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
        raise ValueError(f"expected z of shape (N, D), got {got}; pass the first output of flow(x)")
    if not isinstance(log_det, torch.Tensor) or tuple(log_det.shape) != (z.shape[0],):
        got = tuple(log_det.shape) if isinstance(log_det, torch.Tensor) else type(log_det).__name__
        raise ValueError(f"expected log_det of shape ({z.shape[0]},), one per point, got {got}; "
                         "pass the second output of flow(x)")
    return -(standard_normal_log_prob(z) + log_det).mean()


def flow_step(flow: Flow, x_real: torch.Tensor, optimizer: torch.optim.Optimizer, *,
              max_grad_norm: float | None = None) -> dict[str, float]:
    """One maximum-likelihood step on a batch of data: zero_grad, forward, loss, backward, step.

    There is one player and no ``.detach()``: the loss is a function of the flow alone.

    Parameters
    ----------
    flow : Flow
    x_real : torch.Tensor, shape (N, D)
        A batch of data.
    optimizer : torch.optim.Optimizer
        Over the flow's parameters.
    max_grad_norm : float, optional
        Rescale the gradient to at most this norm before the step. Not in the Glow paper; on
        the toy data's very narrow modes a single batch can otherwise send the flow far off.

    Returns
    -------
    dict of str to float
        ``nll``: the batch's mean negative log-likelihood before the step (nats per point).
    """
    optimizer.zero_grad()
    z, log_det = flow(x_real)  # (N, D), (N,)
    loss = flow_nll(z, log_det)
    loss.backward()
    if max_grad_norm is not None:
        torch.nn.utils.clip_grad_norm_(flow.parameters(), max_grad_norm)
    optimizer.step()
    return {"nll": loss.item()}


@dataclass
class FlowHistory:
    """What :func:`train_flow` records: the loss at every step, metrics every ``eval_every``."""

    step: list[int] = field(default_factory=list)
    nll: list[float] = field(default_factory=list)
    metric_step: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.step)

    def record_metrics(self, step: int, values: dict[str, float]) -> None:
        """Append one evaluation."""
        self.metric_step.append(int(step))
        for key, value in values.items():
            self.metrics.setdefault(key, []).append(float(value))

    def to_dict(self) -> dict:
        """Plain lists (what ``torch.save(..., weights_only=True)`` accepts)."""
        return {"step": list(self.step), "nll": list(self.nll), "metric_step": list(self.metric_step),
                "metrics": {k: list(v) for k, v in self.metrics.items()}, "seconds": float(self.seconds)}

    @classmethod
    def from_dict(cls, data: dict) -> FlowHistory:
        """Rebuild a history saved with :meth:`to_dict`."""
        return cls(list(data["step"]), list(data["nll"]), list(data["metric_step"]),
                   {k: list(v) for k, v in data["metrics"].items()}, float(data.get("seconds", 0.0)))


def train_flow(
    flow: Flow,
    sample_real: Callable[[int], torch.Tensor],
    *,
    steps: int,
    batch_size: int,
    optimizer: torch.optim.Optimizer,
    eval_every: int = 250,
    max_grad_norm: float | None = None,
    metrics: Callable[[Flow], dict[str, float]] | None = None,
    callbacks: Iterable[Callable[[int, FlowHistory], None]] = (),
    progress: bool = True,
    seed: int | None = 0,
    history: FlowHistory | None = None,
) -> FlowHistory:
    """Train a flow by maximum likelihood (Kingma & Dhariwal, 2018, Sec. 2).

    The loop has the stages of :func:`gancourse.gan.train_gan` with one player instead of
    two: a real batch, one step, record. ActNorm initialises itself on the first batch.

    Parameters
    ----------
    flow : Flow
    sample_real : callable
        ``sample_real(n)`` returns a fresh batch of ``n`` data points, shape (n, D).
    steps, batch_size : int
        Optimizer steps, and points per batch.
    optimizer : torch.optim.Optimizer
        Over the flow's parameters.
    eval_every : int
        Compute ``metrics`` every this many steps, and after the last.
    max_grad_norm : float, optional
        Passed to :func:`flow_step`.
    metrics : callable, optional
        ``metrics(flow) -> dict of floats``, run under ``torch.no_grad()``.
    callbacks : iterable of callables
        ``callback(step, history)`` after every step, e.g. ``lambda step, h: scheduler.step()``
        for a learning-rate schedule.
    progress : bool
        Show a progress bar.
    seed : int or None
        Seeds torch's global generator first (the batches, if ``sample_real`` draws from it).
    history : FlowHistory, optional
        Continue this history.

    Returns
    -------
    FlowHistory
    """
    # -- check the set-up -------------------------------------------------------------
    if not isinstance(flow, Flow):
        raise TypeError(f"expected a gancourse Flow, got {type(flow).__name__}; build one with Flow(dim=2)")
    for name, value in (("steps", steps), ("batch_size", batch_size), ("eval_every", eval_every)):
        if isinstance(value, bool) or not isinstance(value, int) or value < (0 if name == "steps" else 1):
            raise ValueError(f"expected {name} to be a positive integer, got {value!r}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"expected a torch.optim.Optimizer, got {type(optimizer).__name__}; "
                        "e.g. torch.optim.Adam(flow.parameters(), lr=1e-3)")
    owned = {id(p) for p in flow.parameters()}
    if any(id(p) not in owned for group in optimizer.param_groups for p in group["params"]):
        raise ValueError("the optimizer holds parameters that are not this flow's, so training would move another "
                         "network; build it from flow.parameters()")
    _check_points("sample_real(2)", sample_real(2), flow.dim)
    if seed is not None:
        torch.manual_seed(seed)
    device = flow.layers[0].log_scale.device
    history = FlowHistory() if history is None else history
    first = history.step[-1] + 1 if history.step else 0
    callbacks = list(callbacks)
    t0 = time.perf_counter()

    for step in (progress_bar(range(first, first + steps), desc="training", leave=False) if progress
                 else range(first, first + steps)):
        # -- 1. a fresh batch of real data ------------------------------------------------
        x_real = sample_real(batch_size).to(device)

        # -- 2. one maximum-likelihood step (the only player) -------------------------
        out = flow_step(flow, x_real, optimizer, max_grad_norm=max_grad_norm)
        if not math.isfinite(out["nll"]):
            raise FloatingPointError(
                f"training stopped at step {step}: the negative log-likelihood is {out['nll']}, so every later step "
                "would train on NaN. Likely causes: a learning rate too high (try one 10 times smaller, or set "
                "max_grad_norm), or non-finite data (check sample_real(n) for NaN or inf)"
            )

        # -- 3. record, evaluate, call back -------------------------------------------
        history.step.append(step)
        history.nll.append(out["nll"])
        if metrics is not None and ((step + 1 - first) % eval_every == 0 or step == first + steps - 1):
            with torch.no_grad():
                history.record_metrics(step, metrics(flow))
        for callback in callbacks:
            callback(step, history)
    history.seconds += time.perf_counter() - t0
    return history


@dataclass
class FlowConfig:
    """Settings of the small flows on 2-D toy data (notebook 06).

    Attributes
    ----------
    n_steps : int
        Steps of flow K (each: ActNorm, InvertibleLinear, AffineCoupling).
    hidden_dim, n_hidden : int
        Each coupling's MLP.
    max_log_scale : float
        Soft clamp on each coupling's :math:`|\\log s|`.
    batch_size : int
    lr : float
        Adam's learning rate (Adam's default betas, as in Glow).
    """

    n_steps: int = 8
    hidden_dim: int = 64
    n_hidden: int = 2
    max_log_scale: float = 3.0
    batch_size: int = 256
    lr: float = 1e-3


@restores_global_rng
def make_toy_flow(config: FlowConfig | None = None, *, dim: int = 2, seed: int | None = 0):
    """Build a :class:`Flow` and its Adam optimizer from a :class:`FlowConfig`; returns ``(flow, optimizer)``.

    ``seed`` seeds the initial weights; the caller's global random state is restored afterwards.
    """
    config = FlowConfig() if config is None else config
    if seed is not None:
        torch.manual_seed(seed)
    flow = Flow(dim, config.n_steps, config.hidden_dim, config.n_hidden, config.max_log_scale)
    return flow, torch.optim.Adam(flow.parameters(), lr=config.lr)


# --------------------------------------------------------------------------------------
# What only a flow gives, and what it costs
# --------------------------------------------------------------------------------------


@torch.no_grad()
def density_on_grid(flow: Flow, extent: float = 5.0, n: int = 400, *, chunk: int = 65536):
    r"""The flow's density :math:`p_X(x) = e^{\log p_X(x)}` on an ``n`` x ``n`` grid over :math:`[-e, e]^2`.

    Returns
    -------
    ticks : numpy.ndarray, shape (n,)
        Grid coordinates along each axis.
    density : numpy.ndarray, shape (n, n)
        ``density[i, j]`` at ``(x, y) = (ticks[j], ticks[i])`` (rows are y, for ``imshow``).
    integral : float
        The trapezoid-rule integral of the density over the grid; close to 1 when the grid
        is fine enough and covers the mass.
    """
    if flow.dim != 2:
        raise ValueError(f"expected a flow on 2-D points, got dim={flow.dim}")
    if not extent > 0 or isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"expected extent > 0 and an integer n >= 2, got extent={extent!r}, n={n!r}")
    ticks = torch.linspace(-extent, extent, n, dtype=torch.float64)
    gy, gx = torch.meshgrid(ticks, ticks, indexing="ij")
    points = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1).float()  # (n*n, 2)
    flow.eval()
    log_p = torch.cat([flow.log_prob(points[i:i + chunk]) for i in range(0, len(points), chunk)])
    density = log_p.double().exp().reshape(n, n).numpy()
    t = ticks.numpy()
    integral = float(np.trapezoid(np.trapezoid(density, t, axis=1), t))
    return t, density, integral


def samples_per_second(samplers: dict[str, Callable[[int], torch.Tensor]], n: int = 10_000,
                       repeats: int = 10) -> dict[str, float]:
    """Measure how many samples per second each ``sample(n)`` produces: best of ``repeats`` timed calls.

    Parameters
    ----------
    samplers : dict of str to callable
        E.g. ``{"flow": lambda n: flow.sample(n), "GAN": lambda n: gc.generate(generator, n)}``.
    n : int
        Samples per call.
    repeats : int
        Timed calls per sampler. The samplers take turns, so that a burst of load from
        other programs slows them all alike, and the best (not the mean) call of each is
        kept, the one least disturbed.

    Returns
    -------
    dict of str to float
        Samples per second, per sampler.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1 or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"expected positive integers n and repeats, got n={n!r}, repeats={repeats!r}")
    if not isinstance(samplers, dict) or not samplers:
        raise TypeError("expected a non-empty dict of name -> sample(n) function, e.g. {'flow': lambda n: flow.sample(n)}")
    best = dict.fromkeys(samplers, math.inf)
    with torch.no_grad():
        for sample in samplers.values():
            sample(min(n, 100))  # warm-up: first calls allocate
        for _ in range(repeats):
            for name, sample in samplers.items():
                t0 = time.perf_counter()
                sample(n)
                best[name] = min(best[name], time.perf_counter() - t0)
    return {name: n / seconds for name, seconds in best.items()}
