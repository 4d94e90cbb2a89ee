"""Wasserstein GANs: the critic's dual objective, weight clipping and the gradient penalty.

Notebook 04. The discriminator of notebook 03 outputs a probability and is trained with
binary cross-entropy; a WGAN *critic* outputs an unbounded score f(x) and is trained to
maximise the Kantorovich-Rubinstein dual of the Wasserstein-1 distance,

    W1(P_r, P_g) = sup_{||f||_L <= 1}  E_{x ~ P_r}[f(x)] - E_{x ~ P_g}[f(x)].

The sup runs over 1-Lipschitz functions; two ways of keeping the critic (close to)
1-Lipschitz are here: clipping every weight to [-c, c] (Arjovsky et al. 2017) and
penalising gradient norms that differ from 1 (Gulrajani et al. 2017).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

__all__ = [
    "critic_loss",
    "generator_wasserstein_loss",
    "check_loss_pair",
    "clip_weights",
    "clipping_hook",
    "gradient_penalty",
    "penalty_hook",
    "critic_gradient_norms",
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
    eps = eps.reshape(n, *([1] * (x_real.ndim - 1)))  # (N,) -> (N, 1, ...) to broadcast
    # Interpolates between paired real and fake samples; neither end needs a gradient.
    x_hat = eps * x_real.detach() + (1 - eps) * x_fake.detach()  # (N, ...)
    norms = critic_gradient_norms(critic, x_hat, create_graph=True)  # (N,)
    return ((norms - 1) ** 2).mean()


def penalty_hook(lam: float = 10.0) -> Callable[[Callable, torch.Tensor, torch.Tensor], torch.Tensor]:
    r"""A ``penalty`` for `gancourse.train_gan`: :math:`\lambda \cdot` `gradient_penalty`.

    Parameters
    ----------
    lam : float
        :math:`\lambda`, the penalty weight; Gulrajani et al. 2017 use 10 throughout.

    Returns
    -------
    callable
        ``penalty(critic, x_real, x_fake) -> scalar tensor``.
    """
    if not lam > 0:
        raise ValueError(f"expected a positive penalty weight lam, got {lam}; the paper uses lam=10")

    def penalty(critic, x_real: torch.Tensor, x_fake: torch.Tensor) -> torch.Tensor:
        return lam * gradient_penalty(critic, x_real, x_fake)

    penalty.lam = lam
    return penalty
