"""Wasserstein GANs: the critic's dual objective, weight clipping and the gradient penalty.

Notebook 04. The discriminator of notebook 03 outputs a probability and is trained with
binary cross-entropy; a WGAN *critic* outputs an unbounded score f(x) and is trained to
maximise the Kantorovich-Rubinstein dual of the Wasserstein-1 distance,

    W1(P_r, P_g) = sup_{||f||_L <= 1}  E_{x ~ P_r}[f(x)] - E_{x ~ P_g}[f(x)].

The sup runs over 1-Lipschitz functions; two ways of keeping the critic (close to)
1-Lipschitz are here: clipping every weight to [-c, c] (Arjovsky et al. 2017) and
penalising gradient norms that differ from 1 (Gulrajani et al. 2017).

The training entry points `train_wgan` and `train_wgan_gp` are notebook 03's
`gancourse.train_gan` with these losses and hooks. The notebook's experiments (sweeps,
comparisons over seeds, the digits) are in :mod:`gancourse.wgan_experiments`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .gan import History, discriminator_step, train_gan
from .models import MLPDiscriminator
from .runtime import restores_global_rng

__all__ = [
    "critic_loss",
    "generator_wasserstein_loss",
    "check_loss_pair",
    "clip_weights",
    "clipping_hook",
    "gradient_penalty",
    "penalty_hook",
    "critic_gradient_norms",
    "train_critic",
    "W1Estimate",
    "estimate_w1",
    "wasserstein_assignment",
    "train_wgan",
    "train_wgan_gp",
]

# Loss functions carry the objective they belong to, so a mismatched pair (a BCE-trained
# discriminator with a Wasserstein generator loss) can be refused; see `check_loss_pair`.
_WASSERSTEIN = "wasserstein"


def _check_scores(name: str, scores) -> torch.Tensor:
    if not isinstance(scores, torch.Tensor):
        raise TypeError(f"expected {name} as a torch.Tensor of critic scores, got {type(scores).__name__}")
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]  # (N, 1) -> (N,)
    if scores.ndim != 1 or scores.numel() == 0:
        raise ValueError(
            f"expected {name} of shape (N,) or (N, 1) with N >= 1, got {tuple(scores.shape)}; "
            "pass one score per sample, e.g. critic(x).view(-1)"
        )
    return scores


def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    r"""The critic's Wasserstein loss: minus the Kantorovich-Rubinstein dual objective.

    Parameters
    ----------
    real_scores : torch.Tensor, shape (N,) or (N, 1)
        :math:`f_w(x)` for a batch of real samples :math:`x \sim P_r`.
    fake_scores : torch.Tensor, shape (M,) or (M, 1)
        :math:`f_w(G(z))` for a batch of generated samples.

    Returns
    -------
    torch.Tensor
        Scalar :math:`L_D = \mathbb{E}[f_w(G(z))] - \mathbb{E}[f_w(x)]`. Minimising it
        maximises the dual, so :math:`-L_D` is the critic's estimate of W1 (up to the
        Lipschitz constant of :math:`f_w`).

    Notes
    -----
    The Kantorovich-Rubinstein duality (Arjovsky et al. 2017, eq. 2) and its
    parametric form over a family of K-Lipschitz critics :math:`f_w` (eq. 3):

    .. math::

        K \cdot W_1(P_r, P_\theta) \approx
        \max_{\|f_w\|_L \le K} \mathbb{E}_{x \sim P_r}[f_w(x)]
        - \mathbb{E}_{z \sim p(z)}[f_w(g_\theta(z))].

    No sigmoid, no logarithm: the critic outputs an unbounded score. It is the critic
    term of Gulrajani et al. 2017, Algorithm 1, line 7, without the penalty (see
    `gradient_penalty`).

    References
    ----------
    M. Arjovsky, S. Chintala, L. Bottou. Wasserstein GAN. ICML 2017, arXiv:1701.07875.

    Examples
    --------
    >>> float(critic_loss(torch.tensor([3.0, 5.0]), torch.tensor([1.0])))
    -3.0
    """
    real_scores = _check_scores("real_scores", real_scores)
    fake_scores = _check_scores("fake_scores", fake_scores)
    return fake_scores.mean() - real_scores.mean()


critic_loss.objective = _WASSERSTEIN


def generator_wasserstein_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    r"""The generator's Wasserstein loss: minus the critic's mean score on fakes.

    Parameters
    ----------
    fake_scores : torch.Tensor, shape (M,) or (M, 1)
        :math:`f_w(G(z))`, the critic's scores of a batch of generated samples.

    Returns
    -------
    torch.Tensor
        Scalar :math:`L_G = -\mathbb{E}_z[f_w(G(z))]`.

    Notes
    -----
    The generator minimises the critic's dual objective; only its second term depends on
    :math:`\theta`, whose gradient is (Arjovsky et al. 2017, Theorem 3, and Algorithm 1,
    line 10)

    .. math::

        \nabla_\theta W(P_r, P_\theta) = -\mathbb{E}_{z}[\nabla_\theta f(g_\theta(z))].

    Descending :math:`L_G` pushes generated samples towards *higher* critic scores, where
    the critic has learnt the real data lie. The sign is the classic bug: with
    :math:`+\mathbb{E}[f(G(z))]` the generator runs away from the data.

    Pair it only with `critic_loss`: a discriminator trained with binary cross-entropy
    does not estimate a distance, and its raw logits are not a critic (`check_loss_pair`).

    References
    ----------
    M. Arjovsky, S. Chintala, L. Bottou. Wasserstein GAN. ICML 2017, arXiv:1701.07875.

    Examples
    --------
    >>> float(generator_wasserstein_loss(torch.tensor([1.0, 3.0])))
    -2.0
    """
    return -_check_scores("fake_scores", fake_scores).mean()


generator_wasserstein_loss.objective = _WASSERSTEIN


def check_loss_pair(d_loss: Callable, g_loss: Callable) -> None:
    """Refuse a Wasserstein loss paired with a non-Wasserstein one.

    A common bug in public code: the discriminator is trained with binary cross-entropy
    (it learns a probability, or a log-odds) while the generator minimises
    :math:`-\\mathbb{E}[D(G(z))]` as if D were a WGAN critic, or the other way round.
    Neither player then optimises the objective the other one assumes.

    Parameters
    ----------
    d_loss, g_loss : callable
        The discriminator's (critic's) and the generator's loss functions.

    Raises
    ------
    ValueError
        If exactly one of the two is a Wasserstein loss from this module.
    """
    d_w = getattr(d_loss, "objective", None) == _WASSERSTEIN
    g_w = getattr(g_loss, "objective", None) == _WASSERSTEIN
    if d_w != g_w:
        raise ValueError(
            f"mismatched losses: d_loss={getattr(d_loss, '__name__', d_loss)!r} "
            f"({'Wasserstein' if d_w else 'not Wasserstein'}) with g_loss="
            f"{getattr(g_loss, '__name__', g_loss)!r} ({'Wasserstein' if g_w else 'not Wasserstein'}); "
            "use critic_loss with generator_wasserstein_loss, or a BCE pair from notebook 03"
        )


# ---------------------------------------------------------------------------------------
# Weight clipping (Arjovsky et al. 2017)
# ---------------------------------------------------------------------------------------


def _check_critic(critic) -> None:
    if not callable(critic):
        raise TypeError(f"expected the critic as a callable (an nn.Module), got {type(critic).__name__}")
    if isinstance(critic, nn.Module):
        norms = [m for m in critic.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if norms:
            raise ValueError(
                f"the critic contains {type(norms[0]).__name__}, which mixes the samples of a batch, "
                "so per-sample gradients (and the penalty) are no longer per sample; use LayerNorm "
                "or no normalisation in a WGAN critic (Gulrajani et al. 2017, section 4)"
            )
        last = [m for m in critic.modules() if not list(m.children())]
        if last and isinstance(last[-1], nn.Sigmoid):
            raise ValueError(
                "the critic ends with a Sigmoid; a Wasserstein critic outputs an unbounded score. "
                "Remove the final Sigmoid (a BCE discriminator is not a critic)"
            )


def clip_weights(critic: nn.Module, c: float = 0.01) -> nn.Module:
    r"""Clamp every parameter of ``critic`` to :math:`[-c, c]`, in place.

    Parameters
    ----------
    critic : nn.Module
        The critic :math:`f_w`; all of its parameters (weights and biases) are clipped.
    c : float
        The clip value; the paper's default is 0.01.

    Returns
    -------
    nn.Module
        The same critic, for chaining.

    Notes
    -----
    Arjovsky et al. 2017, Algorithm 1, line 7: :math:`w \leftarrow \mathrm{clip}(w, -c, c)`
    after every critic update. A compact weight space makes every :math:`f_w`
    K-Lipschitz for some K that depends on c and on the architecture, so the critic
    estimates :math:`K \cdot W_1` (eq. 3). Gulrajani et al. 2017 (section 3) show what it
    costs: most weights end at :math:`\pm c`, and the critic can only learn very simple
    functions.

    Examples
    --------
    >>> net = nn.Linear(3, 1)
    >>> _ = clip_weights(net, 0.01)
    >>> float(net.weight.abs().max()) <= 0.01
    True
    """
    _check_critic(critic)
    if not isinstance(critic, nn.Module):
        raise TypeError(f"expected the critic as an nn.Module with parameters, got {type(critic).__name__}")
    if not c > 0:
        raise ValueError(f"expected a positive clip value c, got {c}; the paper uses c=0.01")
    with torch.no_grad():  # an in-place edit of parameters, not part of any graph
        for p in critic.parameters():
            p.clamp_(-c, c)
    return critic


def clipping_hook(c: float = 0.01) -> Callable[[nn.Module], nn.Module]:
    """An ``after_d_step`` hook for `gancourse.train_gan` that clips the critic's weights.

    Parameters
    ----------
    c : float
        The clip value (Arjovsky et al. 2017 use 0.01).

    Returns
    -------
    callable
        ``hook(critic)`` calling ``clip_weights(critic, c)``.
    """
    if not c > 0:
        raise ValueError(f"expected a positive clip value c, got {c}; the paper uses c=0.01")

    def hook(critic: nn.Module) -> nn.Module:
        return clip_weights(critic, c)

    hook.c = c
    return hook


# ---------------------------------------------------------------------------------------
# Gradient penalty (Gulrajani et al. 2017)
# ---------------------------------------------------------------------------------------


def _check_pair(x_real, x_fake) -> None:
    for name, x in (("x_real", x_real), ("x_fake", x_fake)):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"expected {name} as a torch.Tensor, got {type(x).__name__}")
        if x.ndim < 2:
            raise ValueError(
                f"expected {name} with a batch axis, shape (N, D) or (N, C, H, W), got {tuple(x.shape)}; "
                "for 1-D data add a feature axis with x[:, None]"
            )
    if x_real.shape != x_fake.shape:
        raise ValueError(
            f"expected x_real and x_fake of the same shape, got {tuple(x_real.shape)} and "
            f"{tuple(x_fake.shape)}; draw as many fakes as reals (interpolates pair them up)"
        )
    for name, x in (("x_real", x_real), ("x_fake", x_fake)):
        if not x.is_floating_point():
            raise TypeError(f"expected {name} of a floating dtype, got {x.dtype}; convert with {name}.float()")
        if not bool(torch.isfinite(x.detach()).all()):
            raise ValueError(f"expected finite values in {name}, got NaN or inf; check the data, or the generator "
                             "(a learning rate too high makes its outputs diverge)")


def critic_gradient_norms(critic: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, *,
                          create_graph: bool = False) -> torch.Tensor:
    r"""Per-sample gradient norms :math:`\|\nabla_x f(x_i)\|_2` of a critic.

    Parameters
    ----------
    critic : callable
        :math:`f`, mapping a batch (N, ...) to scores (N,) or (N, 1). It must treat the
        samples of a batch independently (no BatchNorm).
    x : torch.Tensor, shape (N, D) or (N, C, H, W) or any (N, ...)
        Where to take the gradients.
    create_graph : bool
        Keep the graph of the gradient, so a loss built on the norms can be
        back-propagated into the critic's parameters (needed for the penalty).

    Returns
    -------
    torch.Tensor, shape (N,)
        The 2-norm of each sample's gradient, taken over *all* non-batch axes.
    """
    _check_critic(critic)
    x = x.detach().requires_grad_(True)
    scores = _check_scores("critic(x)", critic(x))  # (N,)
    # Samples are independent, so d(sum_i f(x_i))/dx_i = df(x_i)/dx_i: one backward pass
    # gives every per-sample gradient.
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=create_graph)  # (N, ...)
    return grad.reshape(grad.shape[0], -1).norm(2, dim=1)  # (N, ...) -> (N, prod(...)) -> (N,)


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    x_real: torch.Tensor,
    x_fake: torch.Tensor,
    *,
    eps: torch.Tensor | None = None,
    one_sided: bool = False,
) -> torch.Tensor:
    r"""The WGAN-GP penalty: mean over the batch of :math:`(\|\nabla f(\hat x)\|_2 - 1)^2`.

    Parameters
    ----------
    critic : callable
        :math:`D_w` in the paper's notation, our critic :math:`f`: a batch (N, ...) to
        scores (N,) or (N, 1), treating samples independently (no BatchNorm).
    x_real : torch.Tensor, shape (N, D) or (N, C, H, W)
        :math:`x`, a batch of real samples.
    x_fake : torch.Tensor, same shape
        :math:`\tilde x = G(z)`, generated samples; detached here, as the penalty
        trains only the critic.
    eps : torch.Tensor of shape (N,), optional
        :math:`\epsilon \sim U[0, 1]`, one per sample; drawn when omitted (pass it to
        make the interpolates reproducible, as the tests do).
    one_sided : bool
        Penalise only norms above 1, :math:`\max(0, \|\nabla f(\hat x)\|_2 - 1)^2`
        (Petzka et al. 2018; mentioned by Gulrajani et al. 2017, section 4). The default
        is the paper's two-sided penalty.

    Returns
    -------
    torch.Tensor
        Scalar penalty, differentiable with respect to the critic's parameters. Multiply
        by :math:`\lambda` (the paper's 10) before adding it to `critic_loss`, or use
        `penalty_hook`.

    Notes
    -----
    Gulrajani et al. 2017, Algorithm 1, lines 6-7:

    .. math::

        \hat x = \epsilon x + (1 - \epsilon)\tilde x, \qquad
        \mathrm{GP} = \mathbb{E}_{\hat x}\big[(\|\nabla_{\hat x} D_w(\hat x)\|_2 - 1)^2\big].

    The norm is per sample over every non-batch axis: for images (N, C, H, W) it is the
    norm of the whole C*H*W gradient of that image. Taking it over one axis only (say,
    ``grad.norm(dim=1)`` on images) is a common bug that penalises the wrong quantity;
    the tests catch it.

    References
    ----------
    I. Gulrajani, F. Ahmed, M. Arjovsky, V. Dumoulin, A. Courville. Improved Training of
    Wasserstein GANs. NeurIPS 2017, arXiv:1704.00028.
    H. Petzka, A. Fischer, D. Lukovnikov. On the regularization of Wasserstein GANs.
    ICLR 2018, arXiv:1709.08894.

    Examples
    --------
    A linear critic :math:`f(x) = w \cdot x` has gradient :math:`w` everywhere, so the
    penalty is :math:`(\|w\| - 1)^2` exactly:

    >>> w = torch.tensor([3.0, 4.0])
    >>> float(gradient_penalty(lambda x: x @ w, torch.randn(8, 2), torch.randn(8, 2)))
    16.0
    """
    _check_pair(x_real, x_fake)
    n = x_real.shape[0]
    if eps is None:
        eps = torch.rand(n, device=x_real.device, dtype=x_real.dtype)
    elif not isinstance(eps, torch.Tensor) or eps.shape != (n,):
        got = tuple(eps.shape) if isinstance(eps, torch.Tensor) else type(eps).__name__
        raise ValueError(f"expected eps of shape ({n},), one per sample, got {got}")
    elif not bool(((eps >= 0) & (eps <= 1)).all()):
        raise ValueError("expected eps in [0, 1] (interpolation weights), got values outside it or NaN; "
                         "draw them with torch.rand(n)")
    eps = eps.reshape(n, *([1] * (x_real.ndim - 1)))  # (N,) -> (N, 1, ...) to broadcast
    # Interpolates between paired real and fake samples; neither end needs a gradient.
    x_hat = eps * x_real.detach() + (1 - eps) * x_fake.detach()  # (N, ...)
    norms = critic_gradient_norms(critic, x_hat, create_graph=True)  # (N,)
    excess = (norms - 1).clamp(min=0) if one_sided else norms - 1
    return (excess**2).mean()


def penalty_hook(lam: float = 10.0, *, one_sided: bool = False) -> Callable[[Callable, torch.Tensor, torch.Tensor], torch.Tensor]:
    r"""A ``penalty`` for `gancourse.train_gan`: :math:`\lambda \cdot` `gradient_penalty`.

    Parameters
    ----------
    lam : float
        :math:`\lambda`, the penalty weight; Gulrajani et al. 2017 use 10 throughout.
    one_sided : bool
        Passed to `gradient_penalty`.

    Returns
    -------
    callable
        ``penalty(critic, x_real, x_fake) -> scalar tensor``.
    """
    if not lam > 0:
        raise ValueError(f"expected a positive penalty weight lam, got {lam}; the paper uses lam=10")

    def penalty(critic, x_real: torch.Tensor, x_fake: torch.Tensor) -> torch.Tensor:
        return lam * gradient_penalty(critic, x_real, x_fake, one_sided=one_sided)

    penalty.lam = lam
    return penalty


# ---------------------------------------------------------------------------------------
# A critic alone: estimating W1 between two fixed samples
# ---------------------------------------------------------------------------------------


def _as_sampler(name: str, data) -> Callable[[int], torch.Tensor]:
    """A callable ``sample(n)``: the one given, or rows drawn with replacement from a tensor."""
    if callable(data):
        return data
    if not isinstance(data, torch.Tensor) or data.ndim < 2:
        got = tuple(data.shape) if isinstance(data, torch.Tensor) else type(data).__name__
        raise ValueError(
            f"expected {name} as a tensor of shape (N, D) (or a callable n -> samples), got {got}; "
            "for 1-D data add a feature axis with x[:, None]"
        )
    return lambda n: data[torch.randint(data.shape[0], (n,))]


@restores_global_rng
def train_critic(
    sample_p,
    sample_q,
    *,
    critic: nn.Module | None = None,
    method: str = "gp",
    steps: int = 500,
    batch_size: int = 256,
    lr: float | None = None,
    lam: float = 10.0,
    one_sided: bool = False,
    c: float = 0.01,
    seed: int = 0,
) -> tuple[nn.Module, list[float]]:
    r"""Train a critic alone to separate two fixed distributions P and Q (no generator moves).

    Each step is notebook 03's `discriminator_step` with the critic loss. Q plays the
    generator's part: the "generator" is the identity, its "noise" a batch of Q.

    Parameters
    ----------
    sample_p, sample_q : torch.Tensor of shape (N, D), or callable
        Samples of P (the "real" side, scored high) and Q, or functions ``n -> (n, D)``.
    critic : nn.Module, optional
        :math:`f`; default ``MLPDiscriminator(D, hidden_dim=64, n_hidden=2)``.
    method : {"gp", "clip"}
        Keep :math:`f` Lipschitz by the gradient penalty (:math:`\lambda` = ``lam``,
        Adam) or by clipping weights to :math:`[-c, c]` (RMSProp), as in the papers.
    steps, batch_size : int
        Critic updates and samples per batch.
    lr : float, optional
        Default 1e-3 for "gp" (the paper's 1e-4 needs about ten times the steps on
        these small problems) and the paper's 5e-5 for "clip".
    lam, one_sided : float, bool
        The penalty's :math:`\lambda` and form (`gradient_penalty`), for "gp".
    c : float
        The clip value, for "clip".
    seed : int
        Seeds the critic's initialisation and the batches; the caller's global random state
        is restored afterwards.

    Returns
    -------
    critic : nn.Module
        The trained critic, in the mode it came in (a new one: training mode). Its scores do
        not depend on the mode (no dropout or batch norm in the default critic).
    duals : list of float
        :math:`\mathbb{E}_P[f] - \mathbb{E}_Q[f]` on each step's batches (before the step).
    """
    if method not in ("gp", "clip"):
        raise ValueError(f"unknown method {method!r}; expected 'gp' (gradient penalty) or 'clip' (weight clipping)")
    if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 <= lr < math.inf):
        raise ValueError(f"expected a learning rate lr >= 0 (or None for the default), got {lr!r}")
    torch.manual_seed(seed)  # inside restores_global_rng: the caller's random state is put back afterwards
    sample_p, sample_q = _as_sampler("sample_p", sample_p), _as_sampler("sample_q", sample_q)
    if critic is None:
        critic = MLPDiscriminator(sample_p(1).shape[1], hidden_dim=64, n_hidden=2)
    _check_critic(critic)
    if method == "gp":
        optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3 if lr is None else lr, betas=(0.5, 0.9))
        penalty, after = penalty_hook(lam, one_sided=one_sided), None
    else:
        optimizer = torch.optim.RMSprop(critic.parameters(), lr=5e-5 if lr is None else lr)
        penalty, after = None, clipping_hook(c)
        after(critic)  # start inside the box, as the clipped weights will stay
    identity = nn.Identity()  # the fixed "generator": x_fake = z = a batch of Q
    duals = []
    was_training = critic.training
    critic.train()
    for _ in range(steps):
        out = discriminator_step(critic, identity, sample_p(batch_size), sample_q(batch_size), optimizer,
                                 critic_loss, penalty=penalty)
        if after is not None:
            after(critic)
        duals.append(out["real_score"] - out["fake_score"])
    return critic.train(was_training), duals  # back in the mode it came in


@dataclass
class W1Estimate:
    r"""What `estimate_w1` returns.

    Attributes
    ----------
    w1 : float
        The estimate of :math:`W_1(P, Q)`: ``dual / slope``.
    dual : float
        :math:`\mathbb{E}_P[f] - \mathbb{E}_Q[f]` of the trained critic on all the samples.
    slope : float
        Mean gradient norm :math:`\|\nabla f\|` on interpolates between P and Q.
    critic : nn.Module
        The trained critic :math:`f`.
    duals : list of float
        The dual objective on each training batch.
    """

    w1: float
    dual: float
    slope: float
    critic: nn.Module = field(repr=False)
    duals: list[float] = field(repr=False, default_factory=list)


def estimate_w1(x: torch.Tensor, y: torch.Tensor, *, rescale: bool = True, one_sided: bool = True,
                **train_kwargs) -> W1Estimate:
    r"""Estimate :math:`W_1` between two samples by training a critic on the KR dual.

    Parameters
    ----------
    x, y : torch.Tensor, shape (N, D) and (M, D)
        Samples of P and Q (for 1-D data, shape (N, 1)).
    rescale : bool
        Divide the dual value by the critic's mean gradient norm on interpolates, a
        normalisation to unit mean slope (see Notes). ``False`` returns the raw dual value
        as ``w1``.
    **train_kwargs
        Passed to `train_critic` (``steps``, ``lr``, ``lam``, ``method``, ``seed``, ...).

    Returns
    -------
    W1Estimate

    Notes
    -----
    By the Kantorovich-Rubinstein duality (Arjovsky et al. 2017, eq. 2)

    .. math::

        W_1(P, Q) = \sup_{\|f\|_L \le 1} \mathbb{E}_{x \sim P}[f(x)] - \mathbb{E}_{y \sim Q}[f(y)],

    so any 1-Lipschitz critic gives a lower bound, and the best one gives W1. The
    gradient penalty is a *soft* constraint: for two shifted distributions a linear
    critic :math:`f(x) = a x` maximises :math:`a\Delta - \lambda (a - 1)^2` at
    :math:`a = 1 + \Delta / (2\lambda)`, so the raw dual overshoots W1 by the factor
    :math:`a`, more as the distributions move apart. Dividing by the slope the critic
    actually has, its *mean* gradient norm on interpolates (where the penalty measures
    it), undoes this: it normalises the critic to unit mean slope. For a linear critic
    the mean slope is its Lipschitz constant and the result is exact; in general it is a
    heuristic. It does **not** estimate the Lipschitz constant K of a clipped critic
    (eq. 3): K is a supremum of the gradient norm, which the mean only bounds from below,
    so dividing by the mean is not dividing by K, and the result need not be a lower bound
    on W1. (Dividing by K itself would give one, because f / K is 1-Lipschitz.)

    Why one-sided by default: in one dimension the two-sided penalty has a trap. A critic
    whose initial slope has the wrong sign must pass through slope 0, where the penalty
    is :math:`\lambda`, to reach the right one; instead it settles at
    :math:`a = -(1 - \Delta / (2\lambda))` and reports a negative dual. Penalising only
    slopes above 1 removes the barrier. (In two or more dimensions a gradient can rotate
    without shrinking, so the trap is special to 1-D.)

    The estimate targets :math:`W_1` of the two *empirical* distributions; compare it
    with `gancourse.wasserstein_1d` (1-D) or `wasserstein_assignment` on the same samples.

    Examples
    --------
    >>> x, y = torch.randn(2000, 1), torch.randn(2000, 1) + 2.0
    >>> est = estimate_w1(x, y, steps=300)
    >>> abs(est.w1 - 2.0) < 0.2
    True
    """
    for name, s in (("x", x), ("y", y)):
        if not isinstance(s, torch.Tensor) or s.ndim != 2:
            got = tuple(s.shape) if isinstance(s, torch.Tensor) else type(s).__name__
            raise ValueError(
                f"expected {name} as a tensor of shape (N, D), got {got}; for 1-D data add a feature axis with {name}[:, None]"
            )
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"expected x and y with the same number of features, got {x.shape[1]} and {y.shape[1]}")
    critic, duals = train_critic(x, y, one_sided=one_sided, **train_kwargs)
    with torch.no_grad():
        dual = float(critic(x).mean() - critic(y).mean())
    # Interpolates of random (x, y) pairs, as in the penalty, on a private random stream.
    g = torch.Generator().manual_seed(train_kwargs.get("seed", 0))
    n = max(x.shape[0], y.shape[0])
    xs, ys = x[torch.randint(x.shape[0], (n,), generator=g)], y[torch.randint(y.shape[0], (n,), generator=g)]
    eps = torch.rand(n, 1, generator=g)
    slope = float(critic_gradient_norms(critic, eps * xs + (1 - eps) * ys).mean())
    return W1Estimate(w1=dual / slope if rescale else dual, dual=dual, slope=slope, critic=critic, duals=duals)


def wasserstein_assignment(x, y) -> float:
    r"""Exact :math:`W_1` between two equal-size samples in any dimension, by optimal assignment.

    Parameters
    ----------
    x, y : array_like or torch.Tensor, shape (N, D)
        Two samples of the same size N.

    Returns
    -------
    float
        :math:`\min_\sigma \frac1N \sum_i \|x_i - y_{\sigma(i)}\|_2` over permutations
        :math:`\sigma`.

    Notes
    -----
    Between two uniform empirical distributions of N points each, an optimal transport
    plan can be taken to be a permutation (Birkhoff's theorem), so W1 is a linear
    assignment problem, solved exactly by `scipy.optimize.linear_sum_assignment` in
    :math:`O(N^3)`: fine for N up to a few thousand. It is the ground truth the critic's
    estimate is compared with in 2-D.

    Examples
    --------
    >>> wasserstein_assignment([[0.0, 0.0], [1.0, 0.0]], [[1.0, 3.0], [0.0, 3.0]])
    3.0
    """
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial.distance import cdist

    a, b = (np.asarray(v.detach().cpu() if isinstance(v, torch.Tensor) else v, dtype=np.float64) for v in (x, y))
    if a.ndim == 1:
        a, b = a[:, None], b[:, None] if b.ndim == 1 else b
    if a.ndim != 2 or b.ndim != 2 or a.shape != b.shape:
        raise ValueError(
            f"expected two samples of the same shape (N, D), got {a.shape} and {b.shape}; "
            "draw as many points from each (for different sizes, subsample the larger)"
        )
    cost = cdist(a, b)  # (N, N) Euclidean distances
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


# ---------------------------------------------------------------------------------------
# Training WGANs: notebook 03's loop with the Wasserstein losses
# ---------------------------------------------------------------------------------------


def _wasserstein_losses(kwargs: dict) -> tuple[Callable, Callable]:
    d_loss = kwargs.pop("d_loss", critic_loss)
    g_loss = kwargs.pop("g_loss", generator_wasserstein_loss)
    check_loss_pair(d_loss, g_loss)
    if getattr(d_loss, "objective", None) != _WASSERSTEIN:
        raise ValueError(
            "a WGAN trains its critic with critic_loss; for a BCE-trained GAN call gancourse.train_gan"
        )
    return d_loss, g_loss


def train_wgan(
    generator: nn.Module,
    critic: nn.Module,
    sample_real: Callable[[int], torch.Tensor],
    *,
    steps: int,
    batch_size: int = 64,
    latent_dim: int,
    lr: float = 5e-5,
    c: float = 0.01,
    n_critic: int = 5,
    **kwargs,
) -> History:
    r"""Train a WGAN with weight clipping (Arjovsky et al. 2017, Algorithm 1).

    This is `gancourse.train_gan` with the Wasserstein losses, ``n_critic`` critic steps
    per generator step and `clip_weights` after every critic step.

    Parameters
    ----------
    generator, critic : nn.Module
        :math:`g_\theta` and :math:`f_w` (one unbounded score per sample; no sigmoid, no BatchNorm).
    sample_real : callable
        ``sample_real(n)`` returns n real samples.
    steps, batch_size, latent_dim : int
        Generator updates, the batch size m (paper: 64) and the size of z.
    lr : float
        :math:`\alpha`, RMSProp's learning rate for both players (paper: 5e-5).
    c : float
        The clip value (paper: 0.01).
    n_critic : int
        Critic steps per generator step (paper: 5).
    **kwargs
        Passed on to `gancourse.train_gan` (``metrics``, ``eval_every``, ``callbacks``,
        ``progress``, ``seed``, ``history``).

    Returns
    -------
    History
        ``d_loss`` is the critic loss, so ``-history["d_loss"]`` is the critic's running
        estimate of :math:`K \cdot W_1`.

    Notes
    -----
    The paper uses RMSProp because momentum-based optimisers made training unstable
    with clipping (section 3). Its defaults are for images; the course's toy runs keep
    them unless a notebook cell says otherwise.
    """
    _check_critic(critic)
    d_loss, g_loss = _wasserstein_losses(kwargs)
    clip_weights(critic, c)  # start inside [-c, c], where every later step leaves the critic
    return train_gan(
        generator, critic, sample_real,
        steps=steps, batch_size=batch_size, latent_dim=latent_dim,
        d_optimizer=torch.optim.RMSprop(critic.parameters(), lr=lr),
        g_optimizer=torch.optim.RMSprop(generator.parameters(), lr=lr),
        d_loss=d_loss, g_loss=g_loss, n_critic=n_critic,
        after_d_step=clipping_hook(c),
        **kwargs,
    )


def train_wgan_gp(
    generator: nn.Module,
    critic: nn.Module,
    sample_real: Callable[[int], torch.Tensor],
    *,
    steps: int,
    batch_size: int = 64,
    latent_dim: int,
    lr: float = 1e-4,
    betas: tuple[float, float] = (0.0, 0.9),
    lam: float = 10.0,
    n_critic: int = 5,
    **kwargs,
) -> History:
    r"""Train a WGAN-GP (Gulrajani et al. 2017, Algorithm 1).

    This is `gancourse.train_gan` with the Wasserstein losses, ``n_critic`` critic steps
    per generator step, and :math:`\lambda \cdot` `gradient_penalty` added to the critic loss.

    Parameters
    ----------
    generator, critic : nn.Module
        :math:`G_\theta` and :math:`D_w` (one unbounded score per sample; no sigmoid, no BatchNorm).
    sample_real : callable
        ``sample_real(n)`` returns n real samples.
    steps, batch_size, latent_dim : int
        Generator updates, the batch size m (paper: 64) and the size of z.
    lr : float
        :math:`\alpha`, Adam's learning rate for both players (paper: 1e-4).
    betas : (float, float)
        Adam's :math:`(\beta_1, \beta_2)`: (0, 0.9) in Algorithm 1; the authors' toy
        and some image experiments use (0.5, 0.9).
    lam : float
        :math:`\lambda` (paper: 10).
    n_critic : int
        Critic steps per generator step (paper: 5).
    **kwargs
        Passed on to `gancourse.train_gan`.

    Returns
    -------
    History
        ``history["penalty"]`` holds :math:`\lambda \cdot \mathrm{GP}` per step, and
        ``-(history["d_loss"] - history["penalty"])`` the critic's estimate of :math:`W_1`.
    """
    _check_critic(critic)
    d_loss, g_loss = _wasserstein_losses(kwargs)
    return train_gan(
        generator, critic, sample_real,
        steps=steps, batch_size=batch_size, latent_dim=latent_dim,
        d_optimizer=torch.optim.Adam(critic.parameters(), lr=lr, betas=betas),
        g_optimizer=torch.optim.Adam(generator.parameters(), lr=lr, betas=betas),
        d_loss=d_loss, g_loss=g_loss, n_critic=n_critic,
        penalty=penalty_hook(lam),
        **kwargs,
    )
