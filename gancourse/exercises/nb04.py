"""Exercise checkers for notebook 04 (Wasserstein GANs: losses, gradient penalty, clipping)."""

from __future__ import annotations

import math

import numpy as np
import torch

from ..wgan import critic_loss, generator_wasserstein_loss, gradient_penalty
from . import Feedback, as_number, call_learner, check_close, not_finite

__all__ = [
    "check_losses",
    "check_image_penalty",
    "check_soft_penalty_dual",
    "check_clipped_lipschitz",
]


def _call(name: str, fn, *args, explain=None, keep_tensor: bool = False):
    """Run a learner's function; return (value, None) or (None, Feedback explaining the failure).

    ``value`` is a float, or the returned scalar tensor itself with ``keep_tensor=True``.

    ``explain(exc)`` may return a specific explanation of an exception (or None for the generic one).
    """
    if fn is None or fn is Ellipsis or not callable(fn):
        return None, Feedback(False, f"{name}: expected a function, got {type(fn).__name__}; replace the ... with your code")
    value, failure = call_learner(name, fn, *args, explain=explain)  # tensors copied: in-place code is fine
    if failure is not None:
        return None, failure
    if value is None or value is Ellipsis:
        return None, Feedback(False, f"{name}: no answer yet; your function returns {value!r}. "
                                     "Replace the ... with your code and return the loss")
    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
        return None, Feedback(False, f"{name}: expected a scalar tensor, got {got}; average over the batch with .mean()")
    bad = not_finite(name, value)
    if bad is not None:
        return None, bad
    return (value if keep_tensor else float(value.detach())), None


def _direction(value: float, expected: float) -> str:
    return "too high" if value > expected else "too low"


def check_losses(my_critic_loss, my_generator_loss) -> Feedback:
    """Exercise 1: ``my_critic_loss(real_scores, fake_scores)`` and ``my_generator_loss(fake_scores)``."""
    name = "Exercise 1 (Wasserstein losses)"
    g = torch.Generator().manual_seed(4)
    real, fake = torch.randn(16, generator=g) + 1.0, torch.randn(16, generator=g) - 1.0
    d_value, failure = _call(name, my_critic_loss, real, fake)
    if failure is not None:
        return failure
    g_value, failure = _call(name, my_generator_loss, fake)
    if failure is not None:
        return failure
    d_expected, g_expected = float(critic_loss(real, fake)), float(generator_wasserstein_loss(fake))
    if math.isclose(d_value, -d_expected, rel_tol=1e-4):
        return Feedback(False, f"{name}: the critic loss has the wrong sign. The critic *maximises* "
                               "E[f(x_real)] - E[f(x_fake)], so the loss to minimise is E[f(x_fake)] - E[f(x_real)].")
    if not math.isclose(d_value, d_expected, rel_tol=1e-4, abs_tol=1e-6):
        return Feedback(False, f"{name}: critic loss {d_value:.4f} is {_direction(d_value, d_expected)}: "
                               "no logarithm and no sigmoid, just the mean scores.")
    if math.isclose(g_value, -g_expected, rel_tol=1e-4):
        return Feedback(False, f"{name}: the generator loss has the wrong sign: minimising +E[f(G(z))] pushes the "
                               "fakes towards *low* critic scores, away from the data. Use -E[f(G(z))].")
    if not math.isclose(g_value, g_expected, rel_tol=1e-4, abs_tol=1e-6):
        return Feedback(False, f"{name}: generator loss {g_value:.4f} is {_direction(g_value, g_expected)}: "
                               "the generator's loss is minus the critic's mean score on the fakes.")
    return Feedback(True, f"{name}: correct. On the checker's test scores (16 real around +1, 16 fake around -1) "
                          f"your critic loss is {d_value:.3f} and your generator loss {g_value:.3f}, as expected.")


def check_image_penalty(my_penalty) -> Feedback:
    """Exercise 2: ``my_penalty(critic, x_real, x_fake, eps)`` for images of shape (N, C, H, W).

    Checks the value on images, and that the penalty can be trained through: its gradient
    with respect to the critic's weight must be the true one (it is missing without
    ``create_graph=True``).
    """
    name = "Exercise 2 (gradient penalty on images)"
    g = torch.Generator().manual_seed(5)
    x_real, x_fake = 0.4 * torch.randn(6, 3, 4, 4, generator=g), 0.4 * torch.randn(6, 3, 4, 4, generator=g)
    eps = torch.rand(6, generator=g)

    class Critic(torch.nn.Module):  # f(x) = a ||x||^2 / 2 per image with a = 1, so grad f(x) = a x
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.tensor(1.0))  # a weight, so the penalty can train it

        def forward(self, x):
            return 0.5 * self.a * x.pow(2).flatten(1).sum(1)

    critic = Critic()

    def explain(exc):
        if isinstance(exc, RuntimeError) and "size of tensor" in str(exc):
            return (f"{name}: your function raised RuntimeError ({exc}). This is usually eps of shape (N,) "
                    "multiplied with images of shape (N, C, H, W): broadcasting lines up the *last* axes, "
                    "so N meets W. Reshape first: eps.view(-1, 1, 1, 1), shape (N, 1, 1, 1).")
        return None

    penalty, failure = _call(name, my_penalty, critic, x_real, x_fake, eps, explain=explain, keep_tensor=True)
    if failure is not None:
        return failure
    value = float(penalty.detach())
    expected = float(gradient_penalty(critic, x_real, x_fake, eps=eps).detach())
    for lam in (10.0, 0.1):
        if math.isclose(value, lam * expected, rel_tol=1e-4):
            return Feedback(False, f"{name}: your value is {lam:g} times the penalty: leave out lambda. "
                                   "my_penalty returns mean((||grad|| - 1)^2); the training loop multiplies by lambda.")
    x_hat = (eps[:, None, None, None] * x_real + (1 - eps[:, None, None, None]) * x_fake).numpy()
    channel_norm = float(np.mean((np.sqrt((x_hat**2).sum(axis=1)) - 1) ** 2))
    if math.isclose(value, channel_norm, rel_tol=1e-4):
        return Feedback(False, f"{name}: you took the norm over axis 1 only (grad.norm(2, dim=1)), which for images "
                               "is the channel axis. Flatten each sample first: grad.flatten(1).norm(2, dim=1).")
    close = check_close(name, value, expected, rtol=1e-4,
                        hint="x_hat = eps x_real + (1 - eps) x_fake with eps reshaped to (N, 1, 1, 1); "
                             "norm per sample over all of C, H, W; then mean((norm - 1)^2)")
    if not close:
        return close
    # The right number is not enough: training descends the penalty's gradient in the critic's
    # weights, which exists only if the gradient norm was built with create_graph=True.
    (weight_grad,) = torch.autograd.grad(penalty, critic.a, allow_unused=True) if penalty.requires_grad else (None,)
    expected_grad = torch.autograd.grad(gradient_penalty(critic, x_real, x_fake, eps=eps), critic.a)[0]
    if weight_grad is None or not torch.isclose(weight_grad, expected_grad, rtol=1e-4):
        return Feedback(False, f"{name}: the value is right, but it has no gradient with respect to the critic's "
                               "weights, so in training it would silently do nothing. Build the gradient with "
                               "torch.autograd.grad(..., create_graph=True), and do not .detach() or .item() it.")
    return close


def check_soft_penalty_dual(answer) -> Feedback:
    """Exercise 3: the raw dual of a linear critic for shift Delta = 3 and lambda = 5."""
    name = "Exercise 3 (the soft constraint)"
    delta, lam = 3.0, 5.0
    slope = 1 + delta / (2 * lam)  # maximiser of a*Delta - lam*(a - 1)^2
    value = as_number(answer)
    if value is not None and math.isclose(value, delta, rel_tol=1e-3):
        return Feedback(False, f"{name}: {delta:g} is W1 itself, the dual of a critic with slope exactly 1. "
                               "The penalty is soft: a slope a little above 1 gains more dual than it pays in penalty.")
    return check_close(name, answer, slope * delta, rtol=1e-3,
                       hint="maximise a*Delta - lam*(a - 1)^2 over the slope a, then the dual is a*Delta")


def check_clipped_lipschitz(answer) -> Feedback:
    """Exercise 4: the largest Lipschitz constant of f(x) = w . x + b, x in R^16, with every |w_i| <= 0.01."""
    name = "Exercise 4 (what clipping allows)"
    value = as_number(answer)
    if value is not None and math.isclose(value, 0.01, rel_tol=1e-3):
        return Feedback(False, f"{name}: 0.01 bounds each weight, not the slope. The slope of w . x is ||w||_2, "
                               "which collects all 16 weights: how large can it get when each |w_i| <= 0.01?")
    return check_close(name, answer, 0.04, rtol=1e-3, hint="the Lipschitz constant of w . x is ||w||_2")
