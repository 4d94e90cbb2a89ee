"""Exercise checkers for notebook 05 (GAN image denoising: the noise model, PSNR, the PatchGAN discriminator's loss).

Every checker runs the learner's function on *copies* of its test data, turns an exception or a
non-finite value into feedback, and never prints the expected value.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from . import Feedback

__all__ = ["check_add_noise", "check_psnr", "check_discriminator_loss"]


def _run(name: str, fn, *args):
    """Call a learner's function; (value, None) or (None, Feedback) when it is missing or raises."""
    if fn is None or fn is Ellipsis or not callable(fn):
        return None, Feedback(False, f"{name}: expected a function, got {type(fn).__name__}; replace the ... with your code")
    try:
        value = fn(*args)
    except Exception as exc:  # the learner's code may raise anything
        return None, Feedback(False, f"{name}: your function raised {type(exc).__name__}: {exc}")
    if value is None or value is Ellipsis:
        return None, Feedback(False, f"{name}: your function returns {value!r}; return your result")
    return value, None


def _as_array(value) -> np.ndarray | None:
    try:
        return np.asarray(value.detach().cpu() if hasattr(value, "detach") else value, dtype=float)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------ Exercise 1: the noise model
def check_add_noise(my_add_noise) -> Feedback:
    """``my_add_noise(x, sigma, rng)`` must return ``x + (sigma / 255) * rng.standard_normal(x.shape)``, unclipped."""
    name = "Exercise 1"
    x = np.linspace(0.0, 1.0, 48).reshape(6, 8)  # dark and bright pixels: clipping would show
    for sigma in (25.0, 5.0):
        expected = x + (sigma / 255.0) * np.random.default_rng(7).standard_normal(x.shape)
        value, problem = _run(name, my_add_noise, x.copy(), sigma, np.random.default_rng(7))
        if problem is not None:
            return problem
        got = _as_array(value)
        if got is None or got.shape != x.shape:
            shape = None if got is None else got.shape
            return Feedback(False, f"{name}: expected an array of the image's shape {x.shape}, got {shape}")
        if not np.isfinite(got).all():
            return Feedback(False, f"{name}: your result holds NaN or infinite values")
        if np.allclose(got, expected, atol=1e-9):
            continue
        noise = got - x
        if np.allclose(got, expected - x, atol=1e-9):
            return Feedback(False, f"{name}: not yet: you return the noise alone; the noisy image is x plus the noise")
        if got.min() >= 0 and got.max() <= 1 and (expected.min() < 0 or expected.max() > 1):
            return Feedback(False, f"{name}: your noisy image stays inside [0, 1]; the course's noise model is not "
                                   "clipped (clipping changes the noise the networks are trained for)")
        spread = noise.std() * 255 / sigma
        if spread > 20:
            return Feedback(False, f"{name}: your noise is far too strong; sigma is in 8-bit units, so on a "
                                   "[0, 1] image the standard deviation is sigma / 255")
        if not 0.5 < spread < 2:
            return Feedback(False, f"{name}: your noise does not have standard deviation sigma / 255; "
                                   "sigma is the standard deviation, not the variance")
        return Feedback(False, f"{name}: not yet: the noise should be drawn from the rng you are given, "
                               "one standard normal per pixel, and added to x")
    return Feedback(True, f"{name}: correct")


# ------------------------------------------------------------------ Exercise 2: PSNR
def _psnr_cases():
    rng = np.random.default_rng(3)
    clean = rng.random((16, 16))
    return [(clean, np.clip(clean + 0.05 * rng.standard_normal((16, 16)), 0, 1)),
            (clean, clean + 0.2),
            (np.zeros((4, 4)), np.full((4, 4), 0.01))]


def check_psnr(my_psnr) -> Feedback:
    r"""``my_psnr(clean, out)`` for images in [0, 1]: :math:`10 \log_{10}(1 / \mathrm{MSE})`, checked against scikit-image."""
    from skimage.metrics import peak_signal_noise_ratio

    name = "Exercise 2"
    for clean, out in _psnr_cases():
        expected = peak_signal_noise_ratio(clean, out, data_range=1.0)
        value, problem = _run(name, my_psnr, clean.copy(), out.copy())
        if problem is not None:
            return problem
        got = _as_array(value)
        if got is None or got.size != 1:
            return Feedback(False, f"{name}: expected one number in dB, got {type(value).__name__}")
        got = float(got)
        if not math.isfinite(got):
            return Feedback(False, f"{name}: your PSNR is {got}; these images differ, so it should be finite")
        if abs(got - expected) < 1e-6 * max(1.0, abs(expected)):
            continue
        mse = float(np.mean((clean - out) ** 2))
        hints = [
            (20 * math.log10(1 / mse), "a PSNR has 10 log10 of a ratio of *powers*: MSE is already squared"),
            (10 * math.log10(255**2 / mse), "these images are in [0, 1], so the peak value is 1, not 255"),
            (10 * math.log(1 / mse), "decibels use log base 10"),
            (10 * math.log10(1 / math.sqrt(mse)), "use the mean *squared* error, not its square root"),
            (-expected, "check the sign: a better denoiser has a *higher* PSNR"),
        ]
        for wrong, hint in hints:
            if abs(got - wrong) < 1e-6 * max(1.0, abs(wrong)):
                return Feedback(False, f"{name}: not yet: {hint}")
        return Feedback(False, f"{name}: not yet: your value is {'too high' if got > expected else 'too low'}; "
                               "PSNR = 10 log10(peak^2 / MSE), MSE the mean of the squared differences")
    return Feedback(True, f"{name}: correct")


# ------------------------------------------------------------------ Exercise 3: the PatchGAN's loss
def _patch_cases():
    """(real, fake) logit pairs of shape (N, P); the second has a fooled discriminator's large logits."""
    g = torch.Generator().manual_seed(5)
    first = (torch.randn(4, 6, generator=g) * 2 + 1, torch.randn(4, 6, generator=g) * 2 - 1)
    # a discriminator sure of the wrong answer: sigmoid(40) rounds to 1 in float32, so
    # log(1 - sigmoid(s)) is log 0 = -inf unless the loss is computed from the logits
    real = torch.tensor([[3.0, -2.0, 0.5], [-40.0, 1.0, 2.0]])
    fake = torch.tensor([[40.0, -3.0, 0.0], [1.5, -1.0, 25.0]])
    return [first, (real, fake)]


def check_discriminator_loss(my_d_loss) -> Feedback:
    r"""``my_d_loss(real_scores, fake_scores)`` on patch logits (N, P).

    Notebook 03's discriminator loss on every patch, averaged over images and patches:
    :math:`-\frac{1}{NP}\sum\log\sigma(s_{\text{real}}) - \frac{1}{NP}\sum\log(1 - \sigma(s_{\text{fake}}))`.
    """
    name = "Exercise 3"
    bce = F.binary_cross_entropy_with_logits
    for real, fake in _patch_cases():
        real_term = bce(real, torch.ones_like(real))
        fake_term = bce(fake, torch.zeros_like(fake))
        expected = float(real_term + fake_term)
        value, problem = _run(name, my_d_loss, real.clone(), fake.clone())
        if problem is not None:
            return problem
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            return Feedback(False, f"{name}: expected a scalar tensor (so it can be back-propagated), got {got}")
        got = float(value)
        if not math.isfinite(got) and float(fake.abs().max()) < 10:
            return Feedback(False, f"{name}: your loss is {got} on moderate logits; look for a log of 0 or a 0 / 0")
        if not math.isfinite(got):
            return Feedback(False, f"{name}: your loss is {got} on confident logits (|s| = 40); compute it from "
                                   "the logits (binary_cross_entropy_with_logits, or F.logsigmoid), never "
                                   "log(sigmoid(s)), as in notebook 01")
        if abs(got - expected) < 1e-5 * max(1.0, abs(expected)):
            continue
        n_patches = real.shape[1]
        hints = [
            (float(bce(real, torch.zeros_like(real)) + bce(fake, torch.ones_like(fake))),
             "real patches get label 1 and fakes label 0; yours are swapped"),
            (expected / 2, "add the two cross-entropies, as notebook 03's discriminator_loss does; do not average them"),
            (-expected, "the discriminator minimises L_D = -V: check the sign"),
            (float(real_term), "the fake term, the cross-entropy of the fakes with label 0, is missing"),
            (float(fake_term), "the real term, the cross-entropy of the real patches with label 1, is missing"),
            (expected * n_patches, "average over the patches too: sum over them and the loss grows with the image"),
            (expected * real.numel(), "average over images and patches, do not sum"),
            (float(bce(real.mean(dim=1), torch.ones(len(real))) + bce(fake.mean(dim=1), torch.zeros(len(fake)))),
             "apply the cross-entropy to every patch's logit, then average; do not average the logits first"),
            (float(F.binary_cross_entropy(torch.sigmoid(real), torch.ones_like(real))
                   + F.binary_cross_entropy(torch.sigmoid(fake), torch.zeros_like(fake))),
             "compute it from the logits (binary_cross_entropy_with_logits): binary_cross_entropy on "
             "sigmoid(s) loses the confident patches (sigmoid(40) is 1 in float32, and it clamps log 0 to -100)"),
            (float(real_term - bce(fake, torch.ones_like(fake))),
             "that mixes in the generator's loss; the discriminator's fake term is the cross-entropy with label 0"),
        ]
        for wrong, hint in hints:
            if abs(got - wrong) < 1e-5 * max(1.0, abs(wrong)):
                return Feedback(False, f"{name}: not yet: {hint}")
        return Feedback(False, f"{name}: not yet: your loss is {'too high' if got > expected else 'too low'}; "
                               "it is the cross-entropy of every real patch with label 1 plus that of every fake "
                               "patch with label 0, each averaged over images and patches")
    return Feedback(True, f"{name}: correct")
