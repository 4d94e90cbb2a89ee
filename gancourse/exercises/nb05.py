"""Exercise checkers for notebook 05 (GAN image denoising: the noise model, PSNR, the PatchGAN discriminator's loss).

Every checker runs the learner's function on *copies* of its test data, turns an exception or a
non-finite value into feedback, and never prints the expected value.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from . import Feedback, call_learner

__all__ = ["check_add_noise", "check_psnr", "check_discriminator_loss"]


def _run(name: str, fn, *args, copy: bool = True):
    """Call a learner's function with the course's guard (:func:`call_learner`: copies, a time limit,
    exceptions as feedback); (value, None), or (None, Feedback) when it is missing, raises or returns None."""
    value, problem = call_learner(name, fn, *args, copy=copy)
    if problem is not None:
        return None, problem
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
    """(real, fake) logit pairs of shape (N, P); the second is a confident discriminator's."""
    g = torch.Generator().manual_seed(5)
    first = (torch.randn(4, 6, generator=g) * 2 + 1, torch.randn(4, 6, generator=g) * 2 - 1)
    # a confident discriminator, right and wrong: in float32 sigmoid(40) rounds to 1 and
    # sigmoid(-120) to 0, so log(sigmoid(s)) and log(1 - sigmoid(s)) meet log 0 = -inf, and
    # binary_cross_entropy on probabilities clamps them to -100, unless the loss uses the logits
    real = torch.tensor([[3.0, -2.0, 0.5], [-40.0, 1.0, -120.0]])
    fake = torch.tensor([[40.0, -3.0, 0.0], [1.5, 120.0, 25.0]])
    return [first, (real, fake)]


def check_discriminator_loss(my_d_loss) -> Feedback:
    r"""``my_d_loss(real_scores, fake_scores)`` on patch logits (N, P).

    Notebook 03's discriminator loss on every patch, averaged over images and patches:
    :math:`-\frac{1}{NP}\sum\log\sigma(s_{\text{real}}) - \frac{1}{NP}\sum\log(1 - \sigma(s_{\text{fake}}))`.
    The value and its gradient with respect to both inputs are checked (a loss that cuts the graph
    cannot train the discriminator).
    """
    name = "Exercise 3"
    bce = F.binary_cross_entropy_with_logits
    for real, fake in _patch_cases():
        real_term = bce(real, torch.ones_like(real))
        fake_term = bce(fake, torch.zeros_like(fake))
        expected = float(real_term + fake_term)
        # the learner gets non-leaf tensors that require a gradient (in-place code still works on them)
        real_leaf, fake_leaf = real.clone().requires_grad_(), fake.clone().requires_grad_()
        value, problem = _run(name, my_d_loss, real_leaf * 1.0, fake_leaf * 1.0, copy=False)
        if problem is not None:
            return problem
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            return Feedback(False, f"{name}: expected a scalar tensor (so it can be back-propagated), got {got}")
        got = float(value.detach())
        if not math.isfinite(got) and float(fake.abs().max()) < 10:
            return Feedback(False, f"{name}: your loss is {got} on moderate logits; look for a log of 0 or a 0 / 0")
        if not math.isfinite(got):
            return Feedback(False, f"{name}: your loss is {got} on confident logits (|s| of 40 and more); compute it "
                                   "from the logits (binary_cross_entropy_with_logits, or F.logsigmoid), never "
                                   "log(sigmoid(s)) or log(1 - sigmoid(s)), as in notebook 01")
        if abs(got - expected) < 1e-5 * max(1.0, abs(expected)):
            if not value.requires_grad:
                return Feedback(False, f"{name}: the value is right but it is cut from the graph (.item(), .detach(), "
                                       "NumPy or a new torch.tensor); build it from torch operations on the scores, "
                                       "so that the discriminator can be trained on it")
            grad_real, grad_fake = torch.autograd.grad(value, (real_leaf, fake_leaf), allow_unused=True)
            want_real = (torch.sigmoid(real) - 1) / real.numel()
            want_fake = torch.sigmoid(fake) / fake.numel()
            if (grad_real is None or grad_fake is None or not torch.allclose(grad_real, want_real, atol=1e-7)
                    or not torch.allclose(grad_fake, want_fake, atol=1e-7)):
                return Feedback(False, f"{name}: the value is right but its gradient is not: part of it is cut from "
                                       "the graph (.detach(), .item(), NumPy); build it from torch operations on the scores")
            continue
        n_images, n_patches = real.shape
        hints = [
            (float(bce(real, torch.zeros_like(real)) + bce(fake, torch.ones_like(fake))),
             "real patches get label 1 and fakes label 0; yours are swapped"),
            (float(real_term + bce(fake, torch.ones_like(fake))), "the fake patches take label 0"),
            (float(bce(real, torch.zeros_like(real)) + fake_term), "the real patches take label 1"),
            (expected / 2, "add the two cross-entropies, as notebook 03's discriminator_loss does (L_D = -V); "
                           "pix2pix halves the sum, the course does not: do not average them"),
            (-expected, "the discriminator minimises L_D = -V: check the sign"),
            (float(real_term), "the fake term, the cross-entropy of the fakes with label 0, is missing"),
            (float(fake_term), "the real term, the cross-entropy of the real patches with label 1, is missing"),
            (expected * n_patches, "average over the patches too: sum over them and the loss grows with the image"),
            (expected * n_images, "average over the images too, do not sum over them"),
            (expected * real.numel(), "average over images and patches, do not sum"),
            (float(bce(real.mean(dim=1), torch.ones(n_images)) + bce(fake.mean(dim=1), torch.zeros(n_images))),
             "apply the cross-entropy to every patch's logit, then average; do not average the logits first"),
            *[(float(F.binary_cross_entropy(torch.sigmoid(real), torch.ones_like(real)) + fake_probs),
               "compute it from the logits (binary_cross_entropy_with_logits): binary_cross_entropy on sigmoid(s) "
               "loses the confident patches (sigmoid rounds to 0 or 1 in float32, and it clamps log 0 to -100)")
              for fake_probs in (F.binary_cross_entropy(torch.sigmoid(fake), torch.zeros_like(fake)),
                                 F.binary_cross_entropy(torch.sigmoid(-fake), torch.ones_like(fake)))],
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
