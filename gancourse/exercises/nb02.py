"""Exercise checkers for notebook 02 (distributions, push-forwards, distances)."""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.special import ndtri

from ..distributions import wasserstein_1d
from . import Feedback, as_number, call_learner, check_close, not_finite

__all__ = [
    "EXERCISE1_X",  # noqa: F822 (module __getattr__)
    "EXERCISE1_Y",  # noqa: F822 (module __getattr__)
    "check_w1_by_hand",
    "check_generator",
    "check_disjoint_distances",
]

_X, _Y = np.array([0.0, 3.0, 0.0]), np.array([2.0, 1.0, 2.0])
for _a in (_X, _Y):
    _a.setflags(write=False)  # the checker's own copies; nothing a learner does can change them


def __getattr__(name: str):
    """``EXERCISE1_X``, ``EXERCISE1_Y``: Exercise 1's two samples, fresh copies on every access.

    A learner may sort them in place (``x.sort()``, as the hint suggests) without changing
    what the checker compares with.
    """
    if name == "EXERCISE1_X":
        return _X.copy()
    if name == "EXERCISE1_Y":
        return _Y.copy()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")



def check_w1_by_hand(answer) -> Feedback:
    """Exercise 1: W1 between the samples ``EXERCISE1_X`` and ``EXERCISE1_Y``, computed by hand."""
    name = "Exercise 1 (W1 by hand)"
    expected = float(wasserstein_1d(_X, _Y))
    value = as_number(answer)
    if value is not None:
        if math.isclose(value, abs(_X.mean() - _Y.mean()), rel_tol=1e-3):
            return Feedback(False, f"{name}: {value:.4f} is |mean(x) - mean(y)|, only a lower bound. "
                                   "Sort both samples and average |x_(i) - y_(i)|.")
        if math.isclose(value, float(np.abs(_X - _Y).mean()), rel_tol=1e-3):
            return Feedback(False, f"{name}: you paired the points in the order given; the optimal plan "
                                   "pairs them sorted (smallest with smallest).")
    return check_close(name, answer, expected, hint="Sort both samples, then average |x_(i) - y_(i)|.")


def check_generator(fn) -> Feedback:
    """Exercise 2: ``fn(z)`` maps z ~ N(0, 1), shape (N, 1), to x ~ N(3, 0.5^2), shape (N, 1).

    A generator is a *function of z*: the checker calls it twice on the same z (the outputs must
    agree) and once on a shuffled z (each output must follow its own input), then compares the
    distribution of the outputs with N(3, 0.5^2). So a "generator" that draws fresh noise of the
    right distribution and ignores z, ``lambda z: 3 + 0.5 * torch.randn_like(z)``, is rejected.
    """
    name = "Exercise 2 (a generator)"
    if fn is not None and fn is not Ellipsis and not callable(fn):
        return Feedback(False, f"{name}: expected a function G(z), got {type(fn).__name__}")
    n = 2000
    z = torch.as_tensor(ndtri((np.arange(n) + 0.5) / n), dtype=torch.float32)[:, None]  # (n, 1) N(0,1) quantiles
    shuffle = torch.randperm(n, generator=torch.Generator().manual_seed(0))
    outputs = []
    for z_in in (z, z, z[shuffle]):  # each call gets its own copy: G may work in place (z.mul_(0.5))
        out, failure = call_learner(name, fn, z_in)
        if failure is not None:
            return failure
        if out is None or out is Ellipsis:
            return Feedback(False, f"{name}: your G returned {out!r}; finish it and return G(z)")
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (n, 1):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            return Feedback(False, f"{name}: expected a tensor of shape ({n}, 1) like z, got {got}")
        bad = not_finite(name, out)
        if bad is not None:
            return bad
        outputs.append(out.detach().float())
    x, x_again, x_shuffled = outputs
    if not torch.allclose(x, x_again, atol=1e-5):
        return Feedback(False, f"{name}: G gave different outputs for the same z. A generator is a deterministic "
                               "function of z: all of its randomness comes from z (notebook 02, section 3), so "
                               "G must not draw noise of its own.")
    if not torch.allclose(x_shuffled, x[shuffle], atol=1e-5):
        return Feedback(False, f"{name}: when z was shuffled, G's outputs did not follow: each x must be computed "
                               "from its own z, x_i = G(z_i).")
    mean, std = x.mean().item(), x.std().item()
    target = 3.0 + 0.5 * z
    distance = wasserstein_1d(x, target).item()
    if distance < 0.02:
        return Feedback(True, f"{name}: correct: G pushes N(0, 1) onto N(3, 0.5²)")
    hints = []
    if abs(mean - 3.0) > 0.02:
        hints.append(f"the mean is {mean:.3f}, not 3: add a shift")
    if abs(std - 0.5) > 0.02:
        hints.append(f"the std is {std:.3f}, not 0.5: scale z"
                     + (" (0.25 is the variance, not the std)" if abs(std - 0.25) < 0.02 else ""))
    if not hints:
        hints.append("mean and std are right but the shape is not Gaussian: use an affine map a + b*z")
    return Feedback(False, f"{name}: W1 to N(3, 0.5²) is {distance:.4f}; " + "; ".join(hints) + ".")


def check_disjoint_distances(js, w1) -> Feedback:
    """Exercise 3: JS (nats) and W1 between p = U[0, 1] and q = U[3, 4]."""
    name = "Exercise 3 (disjoint supports)"
    js_value, w1_value = as_number(js), as_number(w1)
    if js_value is None or w1_value is None:
        return Feedback(False, f"{name}: expected two numbers, js and w1; replace the ... with your answers")
    if math.isinf(js_value):
        return Feedback(False, f"{name}: infinity is KL(p||q). JS compares each with the mixture m = (p+q)/2, "
                               "so it stays finite.")
    if math.isclose(js_value, 1.0):
        return Feedback(False, f"{name}: JS = 1 is in bits; in nats it is log 2.")
    if not math.isclose(js_value, math.log(2), rel_tol=1e-3):
        return Feedback(False, f"{name}: JS = {js_value:.4f}. Where p > 0, q = 0, so p/m = 2 everywhere p lives.")
    if math.isclose(w1_value, 2.0, rel_tol=1e-3):
        return Feedback(False, f"{name}: 2 is the gap between the supports, the distance the point at 1 travels "
                               "to reach 3. How far must the point at 0 go, and the points in between?")
    if not math.isclose(w1_value, 3.0, rel_tol=1e-3):
        return Feedback(False, f"{name}: JS is right; W1 = {w1_value:.4f} is not. Shift U[0, 1] onto U[3, 4]: "
                               "how far does each point move?")
    return Feedback(True, f"{name}: correct: JS sits at its ceiling whatever the gap, while W1 grows with it")
