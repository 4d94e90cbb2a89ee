"""Exercise checkers for notebook 03 (the GAN loop)."""

from __future__ import annotations

import dis
import math

import numpy as np
import torch
from torch import nn

from ..distributions import RING8_STD, gaussian_pdf, ring8_centers, sample_ring8
from ..gan import optimal_discriminator
from ..metrics import mode_coverage
from . import Feedback, as_number, call_learner, check_close, not_finite

__all__ = [
    "check_optimal_discriminator_at_zero",
    "check_value_disjoint",
    "check_generator_step",
    "check_high_quality_fraction",
]

LOG4 = math.log(4.0)
NO_ANSWER = "no answer yet; replace the ... with your code"  # the same words as check_close's


def _is_stub(fn) -> bool:
    """True for a function whose body does nothing yet (``...``, ``pass``, a docstring, ``return None``)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    ops = [(i.opname, i.argval) for i in dis.get_instructions(code) if i.opname not in ("RESUME", "NOP", "CACHE")]
    return ops in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])



def check_optimal_discriminator_at_zero(answer) -> Feedback:
    """Exercise 1: D*(0) for p_data = N(0, 1) and p_g = N(1, 1)."""
    name = "Exercise 1 (D* by hand)"
    p, q = float(gaussian_pdf(0.0, 0.0, 1.0)), float(gaussian_pdf(0.0, 1.0, 1.0))
    expected = float(optimal_discriminator(np.array([p]), np.array([q]))[0])  # 1 / (1 + e^{-1/2})
    value = as_number(answer)
    if value is not None:
        if math.isclose(value, 1 - expected, rel_tol=1e-3):
            return Feedback(False, f"{name}: {value:.4f} is p_g / (p_data + p_g), the chance that x = 0 is *fake*. "
                                   "D outputs the probability of *real*.")
        if math.isclose(value, p, rel_tol=1e-3):
            return Feedback(False, f"{name}: {value:.4f} is p_data(0) alone; divide by p_data(0) + p_g(0).")
    return check_close(name, answer, expected, rtol=1e-3,
                       hint="D*(x) = p_data(x) / (p_data(x) + p_g(x)); the 1/sqrt(2 pi) factors cancel.")


def check_value_disjoint(answer) -> Feedback:
    """Exercise 2: V(G, D*) when p_data and p_g have disjoint supports."""
    name = "Exercise 2 (V at D*, disjoint supports)"
    value = as_number(answer)
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"{name}: {NO_ANSWER}")
    if value is None:
        return Feedback(False, f"{name}: expected a number, got {type(answer).__name__}")
    if math.isclose(value, -LOG4, rel_tol=1e-3):
        return Feedback(False, f"{name}: -log 4 is the value when p_g = p_data (JSD = 0). With disjoint supports "
                               "the JSD is as large as it gets.")
    if math.isclose(value, -LOG4 + 2.0, rel_tol=1e-3) or math.isclose(value, -LOG4 + 1.0, rel_tol=1e-3):
        return Feedback(False, f"{name}: that measures the JSD in bits; here, as everywhere in the course, "
                               "logarithms are natural (nats).")
    # a graded hint: it points at the reasoning, never at the value
    return check_close(name, value, 0.0, atol=1e-3,
                       hint="Hint: where only real data lives, p_g = 0: what is D* there, and so what is log D*? "
                            "Ask the same where only fakes live, about log(1 - D*).")


# ---------------------------------------------------------------- exercise 3: a generator step
class _ConstantGenerator(nn.Module):
    """G(z) = c for every z, with c = 0 at first: one weight, so each step is easy to compute by hand."""

    def __init__(self):
        super().__init__()
        self.latent_dim = 2
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, z):
        return self.bias.expand(len(z), 1)  # (N, latent_dim) -> (N, 1)


class _AffineDiscriminator(nn.Module):
    """D's logit s(x) = x - 3: it rejects the zero generator's samples (D = sigmoid(-3))."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(1.0))
        self.b = nn.Parameter(torch.tensor(-3.0))

    def forward(self, x):
        return self.w * x[:, 0] + self.b


def check_generator_step(fn) -> Feedback:
    """Exercise 3: ``fn(discriminator, generator, z, optimizer)`` makes one non-saturating generator step."""
    name = "Exercise 3 (a generator step)"
    if fn is None or fn is Ellipsis or _is_stub(fn):
        return Feedback(False, f"{name}: {NO_ANSWER}")
    if not callable(fn):
        return Feedback(False, f"{name}: expected a function, got {type(fn).__name__}")
    z = torch.tensor([[1.0, 0.5], [-1.0, 2.0]])
    disc, gen = _AffineDiscriminator(), _ConstantGenerator()
    optimizer = torch.optim.SGD(gen.parameters(), lr=1.0)
    d_before = [p.detach().clone() for p in disc.parameters()]
    _, failure = call_learner(name, fn, disc, gen, z, optimizer)  # z is copied: in-place code is fine
    if failure is not None:
        return failure
    bias_after_one = gen.bias.item()
    _, failure = call_learner(name, fn, disc, gen, z, optimizer)
    if failure is not None:
        return failure
    if not (math.isfinite(bias_after_one) and math.isfinite(gen.bias.item())):
        return Feedback(False, f"{name}: after your step G's bias is not a finite number (NaN or infinity): look "
                               "for a log of 0 (use softplus(-s) for -log sigmoid(s)) or a division by 0.")
    if not all(torch.equal(a, b) for a, b in zip(d_before, disc.parameters(), strict=True)):
        return Feedback(False, f"{name}: the discriminator's weights changed. The generator step must only move G: "
                               "step the optimizer you were given (it holds G's parameters).")
    # one SGD step from c = 0: dL/dc = -(1 - sigmoid(-3)) for -log D(G(z)), -sigmoid(-3) for log(1 - D(G(z)))
    minimax = 1 / (1 + math.exp(3))  # sigmoid(-3) = D(G(z)) at the start
    nonsat = 1 - minimax
    if bias_after_one == 0.0:
        return Feedback(False, f"{name}: G did not move: did you call loss.backward() and optimizer.step()? "
                               "(And no .detach() on G(z) here: the gradient must reach G through D.)")
    if math.isclose(bias_after_one, -nonsat, rel_tol=1e-4) or math.isclose(bias_after_one, -minimax, rel_tol=1e-4):
        return Feedback(False, f"{name}: G moved *away* from looking real: a sign error. Minimise -log D(G(z)).")
    if math.isclose(bias_after_one, minimax, rel_tol=1e-4):
        return Feedback(False, f"{name}: that is the saturating minimax loss log(1 - D(G(z))): its gradient is only "
                               f"{minimax:.3f} here, where D rejects the fakes. Use -log D(G(z)).")
    if not math.isclose(bias_after_one, nonsat, rel_tol=1e-4):
        return Feedback(False, f"{name}: after one step G's bias is {bias_after_one:.4f}, not what one SGD step on "
                               "the mean of -log D(G(z)) gives. Compute the loss from the logits s that D returns "
                               "(-log sigmoid(s) = softplus(-s)) and average it over the batch.")
    # a second step from the new point; without zero_grad the old gradient would be added again
    s = nonsat - 3.0  # the fake logit after one step (w = 1)
    expected_two = nonsat + (1 - 1 / (1 + math.exp(-s)))
    if not math.isclose(gen.bias.item(), expected_two, rel_tol=1e-4):
        return Feedback(False, f"{name}: the first step is right but the second is not: call optimizer.zero_grad() "
                               "first, or gradients pile up from step to step.")
    return Feedback(True, f"{name}: correct (G's bias moved 0 -> {bias_after_one:.4f} -> {gen.bias.item():.4f}, "
                          "towards where D says 'real')")


def _ring_test_samples() -> tuple[torch.Tensor, torch.Tensor, float]:
    """Samples for exercise 4: 300 from the ring of 8 Gaussians plus 100 from N(0, I), some near, some far."""
    generator = torch.Generator().manual_seed(0)
    samples = torch.cat([sample_ring8(300, seed=0), torch.randn(100, 2, generator=generator)])  # (400, 2)
    return samples, ring8_centers(), RING8_STD


def check_high_quality_fraction(fn, samples: torch.Tensor | None = None, centers: torch.Tensor | None = None,
                                std: float | None = None) -> Feedback:
    """Exercise 4: ``fn(samples, centers, std)`` returns the fraction of samples within 3 std of their nearest centre.

    Without ``samples``, ``centers`` and ``std`` the checker uses its own: 300 samples of the ring of 8
    Gaussians and 100 of N(0, I), with the ring's centres and std, so the cell runs on its own.
    """
    name = "Exercise 4 (high-quality samples)"
    if fn is None or fn is Ellipsis or _is_stub(fn):
        return Feedback(False, f"{name}: {NO_ANSWER}")
    if not callable(fn):
        return Feedback(False, f"{name}: expected a function, got {type(fn).__name__}")
    if samples is None or centers is None or std is None:
        samples, centers, std = _ring_test_samples()
    expected = mode_coverage(samples, centers, std).high_quality
    answer, failure = call_learner(name, fn, samples, centers, std)  # on copies of the samples and centres
    if failure is not None:
        return failure
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"{name}: your function returned {answer!r}; return the fraction (one number)")
    value = as_number(answer)
    if value is None:
        return Feedback(False, f"{name}: expected one number (a fraction), got {type(answer).__name__}")
    if not math.isfinite(value):
        return not_finite(name, value)
    distances = torch.cdist(samples.float(), centers.float())
    if math.isclose(value, float((distances.min(1).values <= std).float().mean()), rel_tol=1e-6) and value != expected:
        return Feedback(False, f"{name}: {value:.4f} uses 1 std; the threshold is 3 standard deviations.")
    if math.isclose(value, float((distances <= 3 * std).float().mean()), rel_tol=1e-6) and value != expected:
        return Feedback(False, f"{name}: {value:.4f} averages over all (sample, centre) pairs; take each sample's "
                               "*nearest* centre only.")
    return check_close(name, value, expected, rtol=1e-6,
                       hint="Hint: a sample is high-quality when its distance to the *nearest* centre is at most "
                            "3 standard deviations; the answer is the share of such samples, between 0 and 1.")
