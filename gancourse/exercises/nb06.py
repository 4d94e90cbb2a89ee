"""Exercise checkers for notebook 06 (normalizing flows: change of variables, coupling, log-likelihoods)."""

from __future__ import annotations

import math

import torch

from ..flows import standard_normal_log_prob
from . import Feedback, as_number, call_learner, check_close, not_finite
from .nb03 import NO_ANSWER, _is_stub

__all__ = [
    "check_affine_density",
    "check_coupling_inverse",
    "check_rescaled_log_likelihood",
]


def _normal_pdf(z: float) -> float:
    return math.exp(float(standard_normal_log_prob(torch.tensor([[z]], dtype=torch.float64))))


def _near(value: float, reference: float) -> bool:
    return math.isclose(value, reference, rel_tol=1e-3, abs_tol=1e-6)


def check_affine_density(answer) -> Feedback:
    """Exercise 1: the density of X = 1 + 2Z, Z ~ N(0, 1), at x = 2, by the change-of-variables formula."""
    name = "Exercise 1 (change of variables by hand)"
    z = (2.0 - 1.0) / 2.0  # g^{-1}(2)
    expected = _normal_pdf(z) / 2.0  # p_Z(g^{-1}(x)) |d g^{-1}/dx|, with d g^{-1}/dx = 1/2
    value = as_number(answer)
    if value is not None:
        if _near(value, _normal_pdf(z)):
            return Feedback(False, f"{name}: {value:.4f} is p_Z at the right point, but without the stretch factor. "
                                   "g doubles every interval, so the density must be spread thinner: multiply by "
                                   "|d g^-1(x)/dx|.")
        if _near(value, 2.0 * _normal_pdf(z)):
            return Feedback(False, f"{name}: you multiplied by |dg/dz|; the formula uses the derivative of the "
                                   "*inverse*, |d g^-1(x)/dx|. A map that stretches makes the density smaller.")
        for wrong_z in (2.0, 1.0, 1.5):  # x itself, x - 1 (no division), (x + 1)/2
            if _near(value, _normal_pdf(wrong_z)) or _near(value, _normal_pdf(wrong_z) / 2.0):
                return Feedback(False, f"{name}: evaluate p_Z at z = g^-1(x), the z that g sends to x = 2: "
                                       "solve 2 = 1 + 2z for z first.")
    return check_close(name, answer, expected, rtol=1e-3,
                       hint="p_X(x) = p_Z(g^-1(x)) |d g^-1(x)/dx| with g^-1(x) = (x - 1)/2")


def check_coupling_inverse(my_inverse) -> Feedback:
    """Exercise 2: ``my_inverse(y_b, log_s, t)`` undoes ``y_b = x_b * exp(log_s) + t``."""
    name = "Exercise 2 (inverting a coupling)"
    if my_inverse is None or my_inverse is Ellipsis or (callable(my_inverse) and _is_stub(my_inverse)):
        return Feedback(False, f"{name}: {NO_ANSWER}")
    if not callable(my_inverse):
        return Feedback(False, f"{name}: expected a function my_inverse(y_b, log_s, t), got {type(my_inverse).__name__}")
    g = torch.Generator().manual_seed(6)
    x_b = torch.randn(8, 1, generator=g)
    log_s, t = 0.8 * torch.randn(8, 1, generator=g), torch.randn(8, 1, generator=g)
    y_b = x_b * log_s.exp() + t
    got, failure = call_learner(name, my_inverse, y_b, log_s, t)  # on copies: in-place code is fine
    if failure is not None:
        return failure
    if got is None or got is Ellipsis:
        return Feedback(False, f"{name}: {NO_ANSWER}; your function returns {got!r}")
    if not isinstance(got, torch.Tensor) or got.shape != x_b.shape:
        shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
        return Feedback(False, f"{name}: expected a tensor of the shape of y_b, (8, 1), got {shape}")
    got = got.detach()
    bad = not_finite(name, got)
    if bad is not None:
        return bad
    wrong = {
        "multiplies by exp(+log_s): that applies the scale a second time instead of undoing it":
            (y_b - t) * log_s.exp(),
        "subtracts t after rescaling; the shift was added last, so it must be removed first":
            y_b * (-log_s).exp() - t,
        "divides by log_s; the scale is exp(log_s), not log_s": (y_b - t) / log_s,
        "only removes the shift; the scale must be undone too": y_b - t,
    }
    for why, value in wrong.items():
        if torch.allclose(got, value, atol=1e-5):
            return Feedback(False, f"{name}: your inverse {why}.")
    if torch.allclose(got, x_b, atol=1e-5):
        return Feedback(True, f"{name}: correct: your inverse recovers x_b exactly (max error "
                              f"{float((got - x_b).abs().max()):.1e}), and it never inverts the network that made "
                              "log_s and t.")
    return Feedback(False, f"{name}: not yet: your function does not recover x_b (max error "
                           f"{float((got - x_b).abs().max()):.3f}). Solve y_b = x_b * exp(log_s) + t for x_b.")


def check_rescaled_log_likelihood(answer) -> Feedback:
    """Exercise 3: log-likelihood of 2-D points x from a flow trained on y = x / 10 that scores 1.5 nats on y."""
    name = "Exercise 3 (log-likelihood and units)"
    ll_y, scale, dim = 1.5, 10.0, 2
    expected = ll_y - dim * math.log(scale)  # p_X(x) = p_Y(x / 10) |det (1/10) I|
    value = as_number(answer)
    if value is not None:
        if _near(value, ll_y):
            return Feedback(False, f"{name}: a log-likelihood is not unit-free: a density is per unit area, and "
                                   "dividing every length by 10 changes the area of every region.")
        if _near(value, ll_y + dim * math.log(scale)):
            return Feedback(False, f"{name}: right size, wrong sign. The points x are 10 times more spread out than "
                                   "y, so their density is *lower*.")
        if _near(value, ll_y - math.log(scale)):
            return Feedback(False, f"{name}: you applied the factor once; the map y = x / 10 scales both "
                                   "coordinates: |det| of (1/10) I in 2-D is (1/10)^2.")
        if _near(value, ll_y - dim * math.log10(scale)):
            return Feedback(False, f"{name}: nats use the natural logarithm, not log10.")
    return check_close(name, answer, expected, rtol=1e-3,
                       hint="log p_X(x) = log p_Y(x / 10) + log |det d(x/10)/dx|")
