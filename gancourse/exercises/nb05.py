"""Exercise checkers for notebook 05 (GAN image denoising: the noise model, PSNR, the generator's loss).

Every checker runs the learner's function on *copies* of its test data, turns an exception or a
non-finite value into feedback, and never prints the expected value.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from . import Feedback

__all__ = ["check_add_noise", "check_psnr", "check_generator_loss"]


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


# ------------------------------------------------------------------ Exercise 3: the generator's loss
def check_generator_loss(my_loss) -> Feedback:
    r"""``my_loss(fake_scores, x_fake, x_clean, lam)``: :math:`\mathrm{MSE}(\hat x, x) + \lambda\,(-\mathbb{E}\log\sigma(s))`."""
    name = "Exercise 3"
    g = torch.Generator().manual_seed(5)
    cases = [(torch.randn(6, generator=g) * 2, torch.rand(6, 1, 8, 8, generator=g), torch.rand(6, 1, 8, 8, generator=g), 0.01),
             (torch.randn(3, generator=g) - 3, torch.rand(3, 1, 4, 4, generator=g), torch.rand(3, 1, 4, 4, generator=g), 0.5)]
    for scores, x_fake, x_clean, lam in cases:
        pixel = F.mse_loss(x_fake, x_clean)
        adv = F.binary_cross_entropy_with_logits(scores, torch.ones_like(scores))
        expected = float(pixel + lam * adv)
        value, problem = _run(name, my_loss, scores.clone(), x_fake.clone(), x_clean.clone(), lam)
        if problem is not None:
            return problem
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            return Feedback(False, f"{name}: expected a scalar tensor (so it can be back-propagated), got {got}")
        got = float(value)
        if not math.isfinite(got):
            return Feedback(False, f"{name}: your loss is {got}; compute log D from the logits "
                                   "(F.logsigmoid or binary_cross_entropy_with_logits), never log(sigmoid(s))")
        if abs(got - expected) < 1e-5 * max(1.0, abs(expected)):
            continue
        minimax = float(pixel - lam * F.binary_cross_entropy_with_logits(scores, torch.zeros_like(scores)))
        hints = [
            (float(pixel + lam * F.binary_cross_entropy_with_logits(scores, torch.zeros_like(scores))),
             "the generator wants its fakes labelled *real* (label 1): that is the non-saturating loss"),
            (minimax, "that is the saturating minimax loss; use the non-saturating -log D(G(z)) of notebook 03"),
            (float(pixel + adv), "weight the adversarial term by lam"),
            (float(lam * pixel + adv), "lam weights the adversarial term, not the pixel term"),
            (float((x_fake - x_clean).abs().mean() + lam * adv), "the pixel term here is the mean *squared* error"),
            (float(((x_fake - x_clean) ** 2).sum() + lam * adv), "average the squared error over pixels, do not sum"),
            (float(pixel), "the adversarial term is missing"),
            (float(lam * adv), "the pixel term is missing"),
            (float(pixel - lam * adv), "check the sign of the adversarial term"),
        ]
        for wrong, hint in hints:
            if abs(got - wrong) < 1e-5 * max(1.0, abs(wrong)):
                return Feedback(False, f"{name}: not yet: {hint}")
        return Feedback(False, f"{name}: not yet: your loss is {'too high' if got > expected else 'too low'}; "
                               "it is the pixel MSE plus lam times the generator's non-saturating loss")
    return Feedback(True, f"{name}: correct")
