r"""The GAN game of Goodfellow et al. (2014), written out: losses, one step for each player, the loop.

The generator :math:`G` maps noise :math:`z \sim p_z` to samples; the discriminator
:math:`D` outputs the probability that its input is real. They play

.. math::
    \min_G \max_D V(G, D) = \mathbb{E}_{x \sim p_\text{data}}[\log D(x)]
        + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))]

(Goodfellow et al., 2014, Eq. 1). Every discriminator here returns a *logit* ``s`` with
:math:`D(x) = \sigma(s)`; the losses work on logits because :math:`\log \sigma(s)` computed
from ``s`` is exact where :math:`\log D(x)` would round to :math:`\log 0`.

Vocabulary: ``real_scores`` are the logits :math:`s(x)` on real data, ``fake_scores`` the
logits :math:`s(G(z))` on generated data. :mod:`gancourse.wgan` reuses the steps and the loop
with other losses (critic values instead of logits).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .entropy import binary_cross_entropy  # notebook 01's cross-entropy, from logits
from .models import MLPDiscriminator, MLPGenerator, PackedDiscriminator
from .runtime import progress as progress_bar
from .runtime import restores_global_rng

__all__ = [
    "discriminator_loss",
    "minimax_generator_loss",
    "nonsaturating_generator_loss",
    "value_function",
    "value_integral",
    "optimal_discriminator",
    "discriminator_step",
    "generator_step",
    "train_gan",
    "History",
    "generate",
    "ToyGANConfig",
    "make_toy_gan",
]


# --------------------------------------------------------------------------------------
# Losses, from logits
# --------------------------------------------------------------------------------------


def _check_scores(name: str, scores) -> torch.Tensor:
    if not isinstance(scores, torch.Tensor):
        raise TypeError(f"expected {name} as a torch.Tensor of logits, got {type(scores).__name__}")
    if scores.numel() == 0:
        raise ValueError(f"expected at least one score in {name}, got an empty tensor of shape {tuple(scores.shape)}")
    return scores


def discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    r"""The discriminator's loss: binary cross-entropy with label 1 for real, 0 for fake.

    .. math::
        L_D = -\mathbb{E}_{x}[\log D(x)] - \mathbb{E}_{z}[\log(1 - D(G(z)))] = -V(G, D)

    Minimising :math:`L_D` is maximising :math:`V` over :math:`D` (Goodfellow et al.,
    2014, Eq. 1). It is the sum (not the average) of the two cross-entropies, so that
    :math:`L_D = -V`; at the equilibrium :math:`D \equiv 1/2` it equals :math:`\log 4 \approx 1.386`.

    Parameters
    ----------
    real_scores : torch.Tensor
        Logits :math:`s(x)` on a batch of real data, :math:`D(x) = \sigma(s(x))`.
    fake_scores : torch.Tensor
        Logits :math:`s(G(z))` on a batch of generated data.

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    >>> round(discriminator_loss(torch.zeros(4), torch.zeros(4)).item(), 4)  # D = 1/2 everywhere
    1.3863
    """
    real_scores = _check_scores("real_scores", real_scores)
    fake_scores = _check_scores("fake_scores", fake_scores)
    real_loss = binary_cross_entropy(real_scores, torch.ones_like(real_scores))  # -E[log D(x)]
    fake_loss = binary_cross_entropy(fake_scores, torch.zeros_like(fake_scores))  # -E[log(1 - D(G(z)))]
    return real_loss + fake_loss


def minimax_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    r"""The generator's loss of the original minimax game (it *saturates*).

    .. math::
        L_G^\text{minimax} = \mathbb{E}_{z}[\log(1 - D(G(z)))]

    the part of :math:`V` that depends on :math:`G` (Goodfellow et al., 2014, Eq. 1). Its
    gradient with respect to the logit is :math:`-\sigma(s) = -D(G(z))`: when the
    discriminator confidently rejects the fakes early in training, :math:`D(G(z)) \approx 0`
    and the generator receives almost no gradient (Sec. 3 of the paper).

    Parameters
    ----------
    fake_scores : torch.Tensor
        Logits :math:`s(G(z))` on generated data.

    Returns
    -------
    torch.Tensor
        A scalar, always :math:`\le 0`.
    """
    fake_scores = _check_scores("fake_scores", fake_scores)
    # log(1 - D(G(z))) = -BCE(s, label 0): the minimax generator *minimises* what D maximises.
    return -binary_cross_entropy(fake_scores, torch.zeros_like(fake_scores))


def nonsaturating_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    r"""The non-saturating generator loss that everyone trains with.

    .. math::
        L_G^\text{NS} = -\mathbb{E}_{z}[\log D(G(z))]

    Goodfellow et al. (2014, Sec. 3) suggest it instead of the minimax loss: it has the same
    fixed point but a gradient :math:`-(1 - D(G(z)))` with respect to the logit, which is
    large exactly when the discriminator rejects the fakes. This departs from the minimax
    game: it is binary cross-entropy with the *real* label on generated data ("flip the label").

    Parameters
    ----------
    fake_scores : torch.Tensor
        Logits :math:`s(G(z))` on generated data.

    Returns
    -------
    torch.Tensor
        A scalar, always :math:`\ge 0`.
    """
    fake_scores = _check_scores("fake_scores", fake_scores)
    return binary_cross_entropy(fake_scores, torch.ones_like(fake_scores))


def value_function(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    r"""Monte Carlo estimate of :math:`V(G, D) = \mathbb{E}_x[\log D(x)] + \mathbb{E}_z[\log(1 - D(G(z)))]`.

    Goodfellow et al. (2014), Eq. 1, on a batch of logits: it is ``-discriminator_loss``
    (and :func:`gancourse.entropy.bce_minimax_value`). For the optimal discriminator,
    :math:`V(G, D^*) = -\log 4 + 2\,\mathrm{JSD}(p_\text{data} \| p_g)` (Theorem 1); see
    :func:`value_integral` for the exact value from densities.

    Parameters
    ----------
    real_scores, fake_scores : torch.Tensor
        Logits on real and generated samples.

    Returns
    -------
    torch.Tensor
        A scalar, always :math:`\le 0`.
    """
    return -discriminator_loss(real_scores, fake_scores)


def value_integral(x, p_data, p_gen, d=None) -> float:
    r"""The value function as an integral over a 1-D grid (trapezoid rule).

    .. math::
        V(G, D) = \int p_\text{data}(x) \log D(x) + p_g(x) \log(1 - D(x))\, dx

    (Goodfellow et al., 2014, proof of Proposition 1). Without ``d`` it is
    :math:`V(G, D^*)` for the optimal discriminator, to compare with
    :math:`-\log 4 + 2\,\mathrm{JSD}(p_\text{data} \| p_g)` (Theorem 1).

    Parameters
    ----------
    x : array_like, shape (M,)
        Increasing grid covering (nearly) all the mass of both densities.
    p_data, p_gen : array_like, shape (M,)
        Densities on the grid.
    d : array_like, shape (M,), optional
        Discriminator probabilities :math:`D(x) \in [0, 1]` on the grid (not logits).
        Default: :math:`D^*`, with :math:`\log D^* = \log p_\text{data} - \log(p_\text{data} + p_g)`
        computed in log space, so that a :math:`D^*` that rounds to exactly 1 where
        :math:`p_g` is tiny does not give :math:`\log 0`.

    Returns
    -------
    float
        :math:`V(G, D)` in nats, at most 0.
    """
    arrays = [x, p_data, p_gen] + ([] if d is None else [d])
    arrays = [np.asarray(a.detach().cpu() if isinstance(a, torch.Tensor) else a, dtype=np.float64) for a in arrays]
    x, p_data, p_gen = arrays[:3]
    if len({a.shape for a in arrays}) != 1 or x.ndim != 1:
        raise ValueError(
            f"expected x, p_data, p_gen (and d) of the same 1-D shape (M,), got {[a.shape for a in arrays]}"
        )
    if (p_data < 0).any() or (p_gen < 0).any():
        raise ValueError("expected non-negative density values in p_data and p_gen")
    with np.errstate(divide="ignore", invalid="ignore"):
        if d is None:
            log_total = np.log(p_data + p_gen)
            log_d, log_1md = np.log(p_data) - log_total, np.log(p_gen) - log_total
        else:
            d = arrays[3]
            if (d < 0).any() or (d > 1).any():
                raise ValueError("expected probabilities D(x) in [0, 1] in d; for logits pass torch.sigmoid(scores)")
            log_d, log_1md = np.log(d), np.log1p(-d)
        # 0 * log 0 = 0: points a density does not reach contribute nothing to its term
        integrand = np.where(p_data > 0, p_data * log_d, 0.0) + np.where(p_gen > 0, p_gen * log_1md, 0.0)
    return float(np.trapezoid(integrand, x))


def optimal_discriminator(p_data, p_gen):
    r"""The best discriminator for a fixed generator: :math:`D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))`.

    Goodfellow et al. (2014), Proposition 1. Works elementwise on density *values* (arrays
    or tensors of the same shape), e.g. both densities evaluated on a grid of x.

    Parameters
    ----------
    p_data, p_gen : array_like or torch.Tensor
        :math:`p_\text{data}(x)` and :math:`p_g(x)`, non-negative.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        :math:`D^*(x)` in [0, 1], same type as ``p_data``. Where both densities are zero
        any value is optimal (those x never occur); 1/2 is returned there.

    Examples
    --------
    >>> optimal_discriminator(np.array([1.0, 0.2, 0.0]), np.array([1.0, 0.6, 0.0])).tolist()
    [0.5, 0.25, 0.5]
    """
    is_torch = isinstance(p_data, torch.Tensor)
    a = p_data if is_torch else np.asarray(p_data, dtype=float)
    b = p_gen if isinstance(p_gen, torch.Tensor) else np.asarray(p_gen, dtype=float)
    if is_torch and not isinstance(b, torch.Tensor):
        b = torch.as_tensor(b, dtype=a.dtype, device=a.device)
    if not is_torch and isinstance(b, torch.Tensor):
        b = b.detach().cpu().numpy()
    if a.shape != b.shape:
        raise ValueError(
            f"expected p_data and p_gen of the same shape (densities on the same points), "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    finite = (bool(torch.isfinite(a).all() and torch.isfinite(b).all()) if is_torch
              else bool(np.isfinite(a).all() and np.isfinite(b).all()))
    if not finite:
        raise ValueError("expected finite density values in p_data and p_gen, got NaN or inf; "
                         "check how the densities were computed (e.g. a std of 0)")
    if (a < 0).any() or (b < 0).any():
        raise ValueError("expected non-negative density values in p_data and p_gen; got a negative value")
    total = a + b
    if is_torch:
        return torch.where(total > 0, a / torch.where(total > 0, total, 1.0), 0.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, a / np.where(total > 0, total, 1.0), 0.5)


# --------------------------------------------------------------------------------------
# One step for each player
# --------------------------------------------------------------------------------------


def _check_step_optimizer(optimizer, module: nn.Module, player: str) -> None:
    """Refuse an optimizer that does not move ``module`` (say, the other player's), cheaply: every step calls it."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"expected the {player}'s torch.optim.Optimizer, got {type(optimizer).__name__}")
    first = optimizer.param_groups[0]["params"][0]
    if not any(p is first for p in module.parameters()):
        raise ValueError(
            f"this optimizer does not hold the {player}'s parameters (is it the other player's?); pass the one "
            f"built from {player}.parameters(), so that this step moves the {player} only"
        )


def _run_generator(generator: nn.Module, z) -> torch.Tensor:
    """``G(z)``; a tuple ``z`` is unpacked, ``G(*z)``, for a generator with several inputs."""
    return generator(*z) if isinstance(z, tuple) else generator(z)


def discriminator_step(
    discriminator: nn.Module,
    generator: nn.Module,
    x_real: torch.Tensor,
    z: torch.Tensor | tuple[torch.Tensor, ...],
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = discriminator_loss,
    *,
    penalty: Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> dict[str, float]:
    """One gradient step for the discriminator (or critic); the generator is held fixed.

    Parameters
    ----------
    discriminator, generator : torch.nn.Module
        D (returns one raw score per sample) and G.
    x_real : torch.Tensor
        A batch of real data.
    z : torch.Tensor or tuple of torch.Tensor
        Whatever the generator takes: noise of shape (N, latent_dim) for the GANs of
        notebooks 03-04; for a conditional generator such as notebook 05's denoiser, its
        inputs as a tuple, ``(noisy, sigma)``, passed as ``generator(*z)``.
    optimizer : torch.optim.Optimizer
        Over the discriminator's parameters only.
    loss_fn : callable
        ``loss_fn(real_scores, fake_scores) -> scalar`` to minimise; default
        :func:`discriminator_loss`. A WGAN passes the critic loss.
    penalty : callable, optional
        ``penalty(discriminator, x_real, x_fake) -> scalar`` added to the loss (e.g. the
        WGAN-GP gradient penalty, already multiplied by its weight).

    Returns
    -------
    dict of str to float
        ``loss`` (including the penalty), ``real_score`` and ``fake_score`` (mean raw
        scores), and ``penalty`` when one is given.
    """
    _check_step_optimizer(optimizer, discriminator, "discriminator")
    optimizer.zero_grad()
    # .detach() cuts x_fake from the generator's graph: this step updates D only, so no
    # gradient should flow into G (it would be wasted work, and would pile up in G's .grad).
    x_fake = _run_generator(generator, z).detach()
    real_scores = discriminator(x_real)  # (N,)
    fake_scores = discriminator(x_fake)  # (N,)
    loss = loss_fn(real_scores, fake_scores)
    out = {}
    if penalty is not None:
        penalty_value = penalty(discriminator, x_real, x_fake)
        loss = loss + penalty_value
        out["penalty"] = penalty_value.item()
    loss.backward()
    optimizer.step()
    return {
        "loss": loss.item(),
        "real_score": real_scores.mean().item(),
        "fake_score": fake_scores.mean().item(),
        **out,
    }


def generator_step(
    discriminator: nn.Module | None,
    generator: nn.Module,
    z: torch.Tensor | tuple[torch.Tensor, ...],
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[torch.Tensor], torch.Tensor] | None = nonsaturating_generator_loss,
    *,
    extra: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> dict[str, float]:
    r"""One gradient step for the generator; the discriminator is held fixed.

    The loss is :math:`L = L_\text{adv}(D(G(z))) + L_\text{extra}(G(z))`: the adversarial
    term ``loss_fn`` and an optional term ``extra`` on the generator's output, the mirror of
    :func:`discriminator_step`'s ``penalty``. Notebook 05's denoiser passes a pixel loss
    there (pix2pix's L1, SRGAN's MSE); with ``discriminator=None`` only ``extra`` is
    minimised, which is ordinary supervised training.

    Parameters
    ----------
    discriminator : torch.nn.Module or None
        D, or None for no adversarial term (then ``extra`` is required).
    generator : torch.nn.Module
        G.
    z : torch.Tensor or tuple of torch.Tensor
        Whatever the generator takes (see :func:`discriminator_step`).
    optimizer : torch.optim.Optimizer
        Over the generator's parameters only, so D does not move even though the
        backward pass also fills D's ``.grad`` (the next discriminator step zeroes them).
    loss_fn : callable
        ``loss_fn(fake_scores) -> scalar`` to minimise; default
        :func:`nonsaturating_generator_loss`. Scale it inside (``lambda s: lam * ...``)
        to weight it against ``extra``.
    extra : callable, optional
        ``extra(x_fake) -> scalar`` added to the loss, e.g. ``lambda x: F.mse_loss(x, x_clean)``.

    Returns
    -------
    dict of str to float
        ``loss`` (the total), ``fake_score`` (mean raw score on this batch, before the
        step; absent without a discriminator), ``extra`` when given, and ``grad_norm``,
        the Euclidean norm of the gradient over all of G's parameters.
    """
    if discriminator is None and extra is None:
        raise ValueError("generator_step needs a discriminator, an extra loss, or both; got neither")
    _check_step_optimizer(optimizer, generator, "generator")
    optimizer.zero_grad()
    # No .detach() here: the loss must reach G's weights *through* D.
    x_fake = _run_generator(generator, z)
    out = {}
    loss = torch.zeros((), device=x_fake.device)
    if discriminator is not None:
        fake_scores = discriminator(x_fake)  # (N,)
        loss = loss_fn(fake_scores)
        out["fake_score"] = fake_scores.mean().item()
    if extra is not None:
        extra_value = extra(x_fake)
        loss = loss + extra_value
        out["extra"] = extra_value.item()
    loss.backward()
    # How hard G is pushed, recorded for plots: the norm of its whole gradient.
    grad_norm = math.sqrt(sum(float(p.grad.pow(2).sum()) for p in generator.parameters() if p.grad is not None))
    optimizer.step()
    return {"loss": loss.item(), **out, "grad_norm": grad_norm}


# --------------------------------------------------------------------------------------
# The training loop and its record
# --------------------------------------------------------------------------------------


@dataclass
class History:
    """What :func:`train_gan` records: one entry per step, plus metrics every few steps.

    Attributes
    ----------
    step : list of int
        Step numbers (one generator update each).
    d_loss, g_loss : list of float
        Discriminator (or critic) and generator losses. With ``n_critic > 1`` the
        discriminator values are averaged over that step's updates.
    real_score, fake_score : list of float
        Mean *raw* scores on real and generated data: logits for a GAN (D = sigmoid of
        it), critic values for a WGAN.
    extra : dict of str to list of float
        Other per-step values, e.g. ``g_grad_norm`` and ``penalty``.
    metric_step : list of int
        Steps at which ``metrics`` were computed.
    metrics : dict of str to list of float
        One list per metric name, aligned with ``metric_step``.
    """

    step: list[int] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    real_score: list[float] = field(default_factory=list)
    fake_score: list[float] = field(default_factory=list)
    extra: dict[str, list[float]] = field(default_factory=dict)
    metric_step: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.step)

    def record(self, step: int, d_out: dict[str, float], g_out: dict[str, float]) -> None:
        """Append one step: outputs of :func:`discriminator_step` and :func:`generator_step`."""
        self.step.append(int(step))
        self.d_loss.append(float(d_out["loss"]))
        self.g_loss.append(float(g_out["loss"]))
        self.real_score.append(float(d_out["real_score"]))
        self.fake_score.append(float(d_out["fake_score"]))
        extras = {f"g_{k}": v for k, v in g_out.items() if k not in ("loss", "fake_score")}
        extras.update({k: v for k, v in d_out.items() if k not in ("loss", "real_score", "fake_score")})
        for key, value in extras.items():
            self.extra.setdefault(key, [math.nan] * (len(self.step) - 1)).append(float(value))
        for values in self.extra.values():  # keep every list aligned with `step`
            if len(values) < len(self.step):
                values.append(math.nan)

    def record_metrics(self, step: int, values: dict[str, float]) -> None:
        """Append one evaluation: ``values`` maps metric names to floats."""
        self.metric_step.append(int(step))
        for key, value in values.items():
            self.metrics.setdefault(key, [math.nan] * (len(self.metric_step) - 1)).append(float(value))
        for values_ in self.metrics.values():
            if len(values_) < len(self.metric_step):
                values_.append(math.nan)

    def __getitem__(self, key: str) -> np.ndarray:
        """``history["d_loss"]``, ``history["g_grad_norm"]``, ``history["modes_reached"]``: one series as an array."""
        for source in (self.__dict__, self.extra, self.metrics):
            if key in source and key not in ("extra", "metrics"):
                return np.asarray(source[key], dtype=float)
        names = ["step", "d_loss", "g_loss", "real_score", "fake_score", *self.extra, "metric_step", *self.metrics]
        raise KeyError(f"no series {key!r} in this history; expected one of {names}")

    def last(self, key: str) -> float:
        """The latest value of one series (a per-step value or a metric)."""
        values = self[key]
        if values.size == 0:
            raise ValueError(f"series {key!r} is empty; train for at least one step (or one evaluation)")
        return float(values[-1])

    def to_dict(self) -> dict:
        """Plain lists and dicts (what ``torch.save(..., weights_only=True)`` accepts)."""
        return {
            "step": list(self.step),
            "d_loss": list(self.d_loss),
            "g_loss": list(self.g_loss),
            "real_score": list(self.real_score),
            "fake_score": list(self.fake_score),
            "extra": {k: list(v) for k, v in self.extra.items()},
            "metric_step": list(self.metric_step),
            "metrics": {k: list(v) for k, v in self.metrics.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> History:
        """Rebuild a history saved with :meth:`to_dict`."""
        return cls(**{k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in data.items()})

    def plot(self, axes=None, *, smooth: int = 1, probabilities: bool = True):
        """Plot losses (left) and mean scores (right); returns the two axes.

        Parameters
        ----------
        axes : pair of matplotlib axes, optional
            Where to draw; a new (9, 3) figure by default.
        smooth : int
            Width of a trailing moving average over steps (1 = raw values).
        probabilities : bool
            Show the scores as probabilities (``True``, for a GAN) or the raw scores
            (``False``, for a WGAN critic). The history keeps each batch's *mean logit*
            :math:`\\bar s`, so the curves are :math:`\\sigma(\\bar s)`, the sigmoid of the
            mean logit, not the mean of :math:`D = \\sigma(s)` over the batch (the two differ
            when the logits spread).
        """
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(9, 3))
        window = smooth if 1 < smooth <= len(self) else 1
        steps = self["step"][window - 1:]  # a trailing average: each point averages the last `window` steps

        def smoothed(values: np.ndarray) -> np.ndarray:
            return np.convolve(values, np.ones(window) / window, mode="valid")

        ax_loss, ax_score = axes
        ax_loss.plot(steps, smoothed(self["d_loss"]), label="D loss")
        ax_loss.plot(steps, smoothed(self["g_loss"]), label="G loss")
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss (nats)")
        ax_loss.set_title("losses")
        ax_loss.legend()
        transform = (lambda s: 1.0 / (1.0 + np.exp(-s))) if probabilities else (lambda s: s)
        real, fake = smoothed(self["real_score"]), smoothed(self["fake_score"])
        ax_score.plot(steps, transform(real), label="σ(mean logit), real" if probabilities else "score on real")
        ax_score.plot(steps, transform(fake), label="σ(mean logit), fake" if probabilities else "score on fake")
        if probabilities:
            ax_score.axhline(0.5, color="grey", lw=0.8, ls=":")
            ax_score.set_ylim(0, 1)
        ax_score.set_xlabel("step")
        ax_score.set_ylabel("probability 'real'" if probabilities else "mean critic score")
        ax_score.set_title("discriminator outputs (sigmoid of mean logit)" if probabilities else "mean critic scores")
        ax_score.legend()
        return axes


def _check_optimizer(name: str, optimizer, module: nn.Module) -> None:
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"expected {name} to be a torch.optim.Optimizer, got {type(optimizer).__name__}; "
            f"e.g. torch.optim.Adam(model.parameters(), lr=1e-3)"
        )
    owned = {id(p) for p in module.parameters()}
    for group in optimizer.param_groups:
        for p in group["params"]:
            if id(p) not in owned:
                which = "discriminator" if name.startswith("d") else "generator"
                raise ValueError(
                    f"{name} holds parameters that are not the {which}'s; build it from "
                    f"{which}.parameters() so each player only moves its own weights"
                )


def _stop_if_not_finite(step: int, player: str, out: dict) -> None:
    """Stop training with a message when a step's loss or scores are NaN or infinite."""
    bad = {key: value for key, value in out.items() if isinstance(value, float) and not math.isfinite(value)}
    if bad:
        raise FloatingPointError(
            f"training stopped at step {step}: the {player} step gave non-finite values {bad}, so every later step "
            "would train on NaN. Likely causes: a learning rate too high (try one 10 times smaller), or non-finite "
            "real data (check sample_real(n) for NaN or inf)"
        )


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    sample_real: Callable[[int], torch.Tensor],
    *,
    steps: int,
    batch_size: int,
    latent_dim: int,
    d_optimizer: torch.optim.Optimizer,
    g_optimizer: torch.optim.Optimizer,
    d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = discriminator_loss,
    g_loss: Callable[[torch.Tensor], torch.Tensor] = nonsaturating_generator_loss,
    n_critic: int = 1,
    penalty: Callable | None = None,
    after_d_step: Callable[[nn.Module], None] | None = None,
    eval_every: int = 100,
    metrics: Callable[[nn.Module], dict[str, float]] | None = None,
    callbacks: Iterable[Callable[[int, History], None]] = (),
    progress: bool = True,
    seed: int | None = 0,
    history: History | None = None,
) -> History:
    """Train a GAN by alternating discriminator and generator steps (Goodfellow et al., 2014, Alg. 1).

    Parameters
    ----------
    generator, discriminator : torch.nn.Module
        G and D (or a WGAN critic). Their device is taken from the generator's parameters.
    sample_real : callable
        ``sample_real(n)`` returns a fresh batch of ``n`` real samples, shape ``(n, ...)``.
    steps : int
        Number of generator updates.
    batch_size : int
        Samples per batch (real and fake alike).
    latent_dim : int
        Size of z; each batch draws ``z ~ N(0, I)`` of shape (batch_size, latent_dim).
    d_optimizer, g_optimizer : torch.optim.Optimizer
        Built over each player's own parameters.
    d_loss, g_loss : callable
        The losses; default :func:`discriminator_loss` and
        :func:`nonsaturating_generator_loss` (pass :func:`minimax_generator_loss` for the
        original, saturating game).
    n_critic : int
        Discriminator steps per generator step (Goodfellow et al.'s *k*).
    penalty : callable, optional
        Passed to :func:`discriminator_step`.
    after_d_step : callable, optional
        ``after_d_step(discriminator)``, run after every discriminator step (e.g. weight clipping).
    eval_every : int
        Compute ``metrics`` every this many steps, and after the last.
    metrics : callable, optional
        ``metrics(generator) -> dict of floats``, run under ``torch.no_grad()``.
    callbacks : iterable of callables
        ``callback(step, history)`` after every step, e.g. to draw a plot every 500 steps.
    progress : bool
        Show a progress bar.
    seed : int or None
        Seeds torch's global generator first, so that z and ``sample_real`` (if it draws
        from torch) are reproducible; ``None`` leaves the generator as it is.
    history : History, optional
        Continue this history (steps are numbered on from its last step).

    Returns
    -------
    History
        Per-step losses and mean scores, and the metrics.
    """
    # -- check the set-up -------------------------------------------------------------
    for name, value in (("steps", steps), ("batch_size", batch_size), ("latent_dim", latent_dim),
                        ("n_critic", n_critic), ("eval_every", eval_every)):
        if isinstance(value, bool) or not isinstance(value, int) or value < (0 if name == "steps" else 1):
            raise ValueError(f"expected {name} to be a positive integer, got {value!r}")
    _check_optimizer("d_optimizer", d_optimizer, discriminator)
    _check_optimizer("g_optimizer", g_optimizer, generator)
    from .wgan import check_loss_pair  # wgan builds on this module

    check_loss_pair(d_loss, g_loss)  # a critic loss with a BCE generator loss (or back) trains nothing sensible
    probe = sample_real(2)
    if not isinstance(probe, torch.Tensor) or probe.shape[0] != 2:
        got = tuple(probe.shape) if isinstance(probe, torch.Tensor) else type(probe).__name__
        raise ValueError(f"expected sample_real(n) to return a tensor of shape (n, ...), got {got} for n=2")
    if seed is not None:
        torch.manual_seed(seed)
    device = next(generator.parameters()).device
    history = History() if history is None else history
    first = history.step[-1] + 1 if history.step else 0
    callbacks = list(callbacks)

    for step in _progress(range(first, first + steps), enabled=progress):
        # -- 1. the discriminator: n_critic steps, each on fresh real and fake batches --
        d_outs = []
        for _ in range(n_critic):
            x_real = sample_real(batch_size).to(device)
            z = torch.randn(batch_size, latent_dim, device=device)
            d_outs.append(discriminator_step(discriminator, generator, x_real, z, d_optimizer, d_loss, penalty=penalty))
            if after_d_step is not None:
                after_d_step(discriminator)
        d_out = {key: sum(o[key] for o in d_outs) / n_critic for key in d_outs[0]}
        _stop_if_not_finite(step, "discriminator", d_out)

        # -- 2. the generator: one step on fresh noise ----------------------------------
        z = torch.randn(batch_size, latent_dim, device=device)
        g_out = generator_step(discriminator, generator, z, g_optimizer, g_loss)
        _stop_if_not_finite(step, "generator", g_out)

        # -- 3. record, evaluate, call back -------------------------------------------
        history.record(step, d_out, g_out)
        if metrics is not None and ((step + 1 - first) % eval_every == 0 or step == first + steps - 1):
            with torch.no_grad():
                history.record_metrics(step, metrics(generator))
        for callback in callbacks:
            callback(step, history)
    return history


def _progress(iterable, *, enabled: bool):
    return progress_bar(iterable, desc="training", leave=False) if enabled else iterable


@torch.no_grad()
def generate(generator: nn.Module, n: int, *, latent_dim: int | None = None, seed: int | None = None) -> torch.Tensor:
    """Sample ``n`` points from the generator: ``G(z)`` with fresh ``z ~ N(0, I)``.

    This is standard sampling from a trained GAN, and it needs only the generator: the
    discriminator's job ends with training. (Some methods do reuse a trained
    discriminator to filter samples, e.g. discriminator rejection sampling, Azadi et al.
    2019, and MH-GAN, Turner et al. 2019; plain GAN sampling does not.)

    Parameters
    ----------
    generator : torch.nn.Module
        G; its ``latent_dim`` attribute is used unless ``latent_dim`` is given.
    n : int
        How many samples.
    latent_dim : int, optional
        Size of z.
    seed : int, optional
        Seed for z (a private generator; the global random state is untouched).

    Notes
    -----
    The generator runs in evaluation mode (restored afterwards), so batch-norm layers use
    their running statistics.

    Returns
    -------
    torch.Tensor
        ``n`` samples, shape (n, ...).
    """
    if latent_dim is None:
        latent_dim = getattr(generator, "latent_dim", None)
        if latent_dim is None:
            raise ValueError("this generator has no latent_dim attribute; pass latent_dim=...")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"expected n to be a positive integer, got {n!r}")
    device = next(generator.parameters()).device
    rng = torch.Generator(device=device).manual_seed(seed) if seed is not None else None
    z = torch.randn(n, latent_dim, generator=rng, device=device)
    was_training = generator.training
    generator.eval()  # batch norm uses its running averages: a sample never depends on its batch-mates
    try:
        return generator(z)
    finally:
        generator.train(was_training)


# --------------------------------------------------------------------------------------
# The toy recipe used throughout notebook 03
# --------------------------------------------------------------------------------------


@dataclass
class ToyGANConfig:
    """Settings of the small GANs on 2-D toy data (8-Gaussian ring, 25-Gaussian grid).

    Attributes
    ----------
    latent_dim : int
        Size of z.
    hidden_dim, n_hidden : int
        Width and depth of both MLPs.
    batch_size : int
        Samples per batch.
    d_lr, g_lr : float
        Adam learning rates.
    betas : tuple of float
        Adam's betas; (0.5, 0.999) as in DCGAN (Radford et al., 2016), a smaller momentum
        than Adam's default 0.9 that suits the moving target of a GAN.
    pack : int
        PacGAN packing of the discriminator (1 = an ordinary discriminator).
    """

    latent_dim: int = 2
    hidden_dim: int = 128
    n_hidden: int = 2
    batch_size: int = 256
    d_lr: float = 1e-3
    g_lr: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    pack: int = 1


@restores_global_rng
def make_toy_gan(config: ToyGANConfig | None = None, *, data_dim: int = 2, seed: int | None = 0):
    """Build the generator, discriminator and their Adam optimizers for a toy GAN.

    Parameters
    ----------
    config : ToyGANConfig, optional
        The settings; the defaults otherwise.
    data_dim : int
        1 for 1-D data, 2 for points in the plane.
    seed : int or None
        Seeds torch before the weights are drawn (None: draw them from the global generator). The
        caller's global random state is restored afterwards.

    Returns
    -------
    generator, discriminator, d_optimizer, g_optimizer
    """
    config = ToyGANConfig() if config is None else config
    if seed is not None:
        torch.manual_seed(seed)
    generator = MLPGenerator(config.latent_dim, data_dim, config.hidden_dim, config.n_hidden)
    if config.pack > 1:
        discriminator = PackedDiscriminator(data_dim, config.pack, config.hidden_dim, config.n_hidden)
    else:
        discriminator = MLPDiscriminator(data_dim, config.hidden_dim, config.n_hidden)
    # foreach=True: Adam's update applied to all parameter tensors at once instead of one by
    # one (the same rule). benchmarks/bench_threads.py compares both; the difference is small.
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=config.d_lr, betas=config.betas, foreach=True)
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=config.g_lr, betas=config.betas, foreach=True)
    return generator, discriminator, d_optimizer, g_optimizer
