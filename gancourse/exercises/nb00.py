"""Exercise checkers for notebook 00 (welcome)."""

from __future__ import annotations

import math

from ..welcome import SampleState, sample_state
from . import Feedback, as_number, check_close

__all__ = ["check_sample_mean", "check_test_time_network"]

_NAME1 = "Exercise 1 (sample mean)"


def check_sample_mean(answer) -> Feedback:
    """Exercise 1: the sample mean of 1000 draws of N(1, 2^2) with seed 3, via ``welcome.sample_state``.

    Recognises the usual slips (the variance 4 passed as sigma, another seed or sample size, the
    whole state instead of its mean, the true mean 1 instead of the sample's) without printing
    the expected value.
    """
    if isinstance(answer, SampleState):
        return Feedback(False, f"{_NAME1}: that is the whole SampleState; the exercise asks for one number, "
                               "the sample mean, which is one of its attributes (section 'A first plot' prints it).")
    value = as_number(answer)
    if value is not None:
        slips = {
            "σ is the standard deviation, 2; you passed the variance σ² = 4": dict(sigma=4.0),
            "check the seed: the exercise asks for seed=3": dict(seed=0),
            "check the number of samples: the exercise asks for n=1000 (the default is 500)": dict(n=500),
            "check the mean and standard deviation: μ = 1 and σ = 2, in that order": dict(mu=2.0, sigma=1.0),
        }
        for message, change in slips.items():
            if math.isclose(value, sample_state(**{**dict(mu=1.0, sigma=2.0, n=1000, seed=3), **change}).sample_mean,
                            abs_tol=5e-5):
                return Feedback(False, f"{_NAME1}: not yet: {message}.")
        if value == 1.0:
            return Feedback(False, f"{_NAME1}: 1 is the true mean μ; the exercise asks for the mean of the 1000 "
                                   "samples drawn, which differs from μ by sampling noise.")
    expected = sample_state(mu=1.0, sigma=2.0, n=1000, seed=3).sample_mean
    return check_close(
        _NAME1, answer, expected, rtol=0, atol=5e-5,
        hint="Draw the samples with welcome.sample_state, as in the section 'A first plot', with the "
             "exercise's mean, standard deviation, number of samples and seed; then read the sample mean "
             "from the state it returns.",
    )


_GENERATOR = {"generator", "g", "the generator", "g(z)", "generator network"}
_DISCRIMINATOR = {"discriminator", "d", "the discriminator", "d(x)", "critic", "the critic", "discriminator network"}


def check_test_time_network(answer) -> Feedback:
    """Exercise 2: which of the two GAN networks do you keep to draw new samples?

    Accepts the network's name or its letter ("generator", "G"); never names the answer in
    its feedback for a wrong or unreadable one.
    """
    name = "Exercise 2"
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"{name}: no answer yet; replace the ... with the network's name, as a string")
    if not isinstance(answer, str):
        return Feedback(False, f"{name}: expected the network's name as a string (in quotes), "
                               f"got {type(answer).__name__}")
    key = answer.strip().lower()
    if key in _GENERATOR:
        return Feedback(True, f"{name}: correct. You sample x = G(z) with z from the prior; standard "
                              "sampling needs no discriminator, whose job was to train G.")
    if key in _DISCRIMINATOR:
        return Feedback(False, f"{name}: not quite. The discriminator scores samples during training; "
                               "it cannot produce any. Which network turns noise z into data?")
    return Feedback(False, f"{name}: {answer!r} is not one of the two networks a GAN trains; answer with the "
                           "name (or the letter) of one of them.")
