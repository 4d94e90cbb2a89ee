"""Exercise checkers for notebook 00 (welcome)."""

from __future__ import annotations

from ..welcome import sample_state
from . import Feedback, check_close

__all__ = ["check_sample_mean", "check_test_time_network"]


def check_sample_mean(answer) -> Feedback:
    """Exercise 1: the sample mean of ``sample_state(mu=1.0, sigma=2.0, n=1000, seed=3)``."""
    expected = sample_state(mu=1.0, sigma=2.0, n=1000, seed=3).sample_mean
    return check_close(
        "Exercise 1 (sample mean)", answer, expected, rtol=0, atol=5e-5,
        hint="call welcome.sample_state(mu=1.0, sigma=2.0, n=1000, seed=3) and read .sample_mean",
    )


def check_test_time_network(answer) -> Feedback:
    """Exercise 2: which of the two GAN networks do you keep to draw new samples?"""
    if answer is None or answer is Ellipsis:
        return Feedback(False, "Exercise 2: no answer yet; replace the ... with the network's name, as a string")
    if not isinstance(answer, str):
        return Feedback(False, f"Exercise 2: expected a string such as 'generator', got {type(answer).__name__}")
    name = answer.strip().lower()
    if name == "generator":
        return Feedback(True, "Exercise 2: correct. You sample x = G(z) with z from the prior; "
                              "the discriminator only exists to train G and is discarded.")
    if name == "discriminator":
        return Feedback(False, "Exercise 2: not quite. The discriminator scores samples during training; "
                               "it cannot produce any. Which network turns noise z into data?")
    return Feedback(False, f"Exercise 2: expected 'generator' or 'discriminator', got {answer!r}")
