"""Exercise checkers for notebook 01 (cross-entropy).

Each checker returns a :class:`~gancourse.exercises.Feedback` that prints as a message and
recognises the usual mistakes (bits instead of nats, H(p, p) = 0, swapped labels).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..entropy import binary_cross_entropy, entropy
from . import Feedback, as_number, call_learner, check_close

__all__ = [
    "EXERCISE1_P",  # noqa: F822 (module __getattr__)
    "check_cross_entropy_of_p_with_itself",
    "check_stable_bce",
    "discriminator_exercise_logits",
    "check_discriminator_loss",
]

_P = np.array([0.5, 0.25, 0.125, 0.125])
_P.setflags(write=False)  # the checker's own copy; nothing a learner does can change it


def __getattr__(name: str):
    """``EXERCISE1_P``, Exercise 1's distribution p: a fresh copy on every access, so editing it is harmless."""
    if name == "EXERCISE1_P":
        return _P.copy()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")



def check_cross_entropy_of_p_with_itself(answer) -> Feedback:
    """Exercise 1: the value of H(p, p), in nats, for ``p = EXERCISE1_P``."""
    name = "Exercise 1 (H(p, p))"
    expected = float(entropy(_P))
    value = as_number(answer)
    if value is not None and abs(value) < 1e-9:
        return Feedback(
            False,
            f"{name}: 0 is the classic mistake. H(p, p) = H(p) + KL(p||p) = H(p) + 0, and H(p) > 0 "
            "unless p is one-hot. Compute -sum(p * log p).",
        )
    if value is not None and math.isclose(value, expected / math.log(2), rel_tol=1e-3):
        return Feedback(False, f"{name}: {value:.4f} is in bits (log base 2); the course uses nats (np.log).")
    return check_close(name, answer, expected, hint="H(p, p) = -sum_k p_k log p_k, natural log.")


def check_stable_bce(fn) -> Feedback:
    """Exercise 2: ``fn(logits, targets)`` must return the mean BCE, finite even for |logits| = 200."""
    name = "Exercise 2 (stable BCE)"
    if fn is not None and fn is not Ellipsis and not callable(fn):
        return Feedback(False, f"{name}: expected a function fn(logits, targets), got {type(fn).__name__}")
    logits = torch.tensor([-200.0, -30.0, -1.5, 0.0, 0.7, 30.0, 200.0])
    targets = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    expected = binary_cross_entropy(logits, targets)
    got, failure = call_learner(name, fn, logits, targets)  # on copies: in-place code cannot change the test data
    if failure is not None:
        return failure
    if got is None or got is Ellipsis:
        return Feedback(False, f"{name}: your function returned {got!r}; finish it and return the mean loss")
    try:
        got = torch.as_tensor(got, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError):
        return Feedback(False, f"{name}: expected your function to return a number, got {type(got).__name__}")
    got = got.detach()
    if got.shape == logits.shape:
        return Feedback(False, f"{name}: you returned one loss per element; return their mean (.mean()).")
    if got.numel() != 1:
        return Feedback(False, f"{name}: expected a single number (the mean loss), got shape {tuple(got.shape)}")
    if not torch.isfinite(got).all():
        return Feedback(
            False,
            f"{name}: got {got.item()} for logits of size 200: log(sigmoid(s)) underflows to log(0). "
            "Use the identity loss = max(s, 0) - t*s + log(1 + exp(-|s|)) (torch.log1p).",
        )
    swapped = binary_cross_entropy(logits, 1 - targets)
    if torch.isclose(got, swapped, rtol=1e-4) and not torch.isclose(got, expected, rtol=1e-4):
        return Feedback(False, f"{name}: your loss matches the one with targets swapped (t <-> 1 - t); check the sign of t*s.")
    return check_close(name, got, expected, rtol=1e-4, hint="The formula is max(s, 0) - t*s + log1p(exp(-|s|)), averaged.")


def discriminator_exercise_logits() -> tuple[torch.Tensor, torch.Tensor]:
    """Exercise 3's discriminator logits: ``(real_logits, fake_logits)``, 4 and 6 of them."""
    real_logits = torch.tensor([2.0, 0.5, 3.0, -0.5])  # D's scores on x_real
    fake_logits = torch.tensor([-1.0, 0.2, -2.5, -0.3, 1.0, -4.0])  # D's scores on x_fake = G(z)
    return real_logits, fake_logits


def check_discriminator_loss(answer) -> Feedback:
    """Exercise 3: the discriminator's loss -V(D, G) on ``discriminator_exercise_logits()``."""
    name = "Exercise 3 (discriminator loss)"
    real, fake = discriminator_exercise_logits()
    expected = float(binary_cross_entropy(real, 1.0) + binary_cross_entropy(fake, 0.0))
    value = as_number(answer)
    if value is not None:
        if math.isclose(value, -expected, rel_tol=1e-4):
            return Feedback(False, f"{name}: right size, wrong sign: that is V(D, G). The loss to minimise is -V.")
        swapped = float(binary_cross_entropy(real, 0.0) + binary_cross_entropy(fake, 1.0))
        if math.isclose(value, swapped, rel_tol=1e-4):
            return Feedback(False, f"{name}: labels swapped: real data gets target 1, generated data target 0.")
        pooled = float(binary_cross_entropy(torch.cat([real, fake]), torch.cat([torch.ones(4), torch.zeros(6)])))
        if math.isclose(value, pooled, rel_tol=1e-4):
            return Feedback(
                False,
                f"{name}: that is one mean over the pooled 10 scores; V(D, G) averages each expectation "
                "separately: BCE(real, 1) + BCE(fake, 0).",
            )
    return check_close(name, answer, expected, rtol=1e-4,
                       hint="-V(D, G) = BCE(real_logits, 1) + BCE(fake_logits, 0).")
