"""The generalised steps of gancourse.gan: conditional inputs (a tuple z) and the generator's extra term.

Notebook 05's denoiser trains with the same ``discriminator_step`` / ``generator_step`` as the toy
GANs; these tests check the generalisation against hand computations.
"""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gancourse.gan import discriminator_step, generator_step, nonsaturating_generator_loss


class Scale(nn.Module):
    """G(y, s) = a * y + s: a conditional generator with one weight and two inputs."""

    def __init__(self, a=0.5):
        super().__init__()
        self.a = nn.Parameter(torch.tensor(float(a)))

    def forward(self, y, s):
        return self.a * y + s.view(-1, 1)


class Linear(nn.Module):
    """D(x) = w * mean(x): one logit per sample."""

    def __init__(self, w=2.0):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(float(w)))

    def forward(self, x):
        return self.w * x.mean(dim=1)


def test_tuple_z_is_unpacked_into_the_generator():
    g, d = Scale(), Linear()
    y, s = torch.ones(4, 3), torch.zeros(4)
    out = discriminator_step(d, g, torch.ones(4, 3), (y, s), torch.optim.SGD(d.parameters(), lr=0.0))
    assert out["fake_score"] == pytest.approx(2.0 * 0.5)  # D(G(y, s)) = w * a * 1


def test_generator_step_adds_the_extra_term_to_the_adversarial_loss():
    g, d = Scale(0.5), Linear(2.0)
    y, s, clean = torch.ones(2, 3), torch.zeros(2), torch.full((2, 3), 0.8)
    lam = 0.1
    opt = torch.optim.SGD(g.parameters(), lr=0.0)
    out = generator_step(d, g, (y, s), opt, lambda sc: lam * nonsaturating_generator_loss(sc),
                         extra=lambda x: F.mse_loss(x, clean))
    # by hand: G = 0.5 everywhere, D logit = 2 * 0.5 = 1, -log sigmoid(1) = log(1 + e^-1)
    adv = lam * math.log1p(math.exp(-1.0))
    pixel = (0.5 - 0.8) ** 2
    assert out["extra"] == pytest.approx(pixel)
    assert out["loss"] == pytest.approx(adv + pixel)
    # gradient with respect to a, by hand: d/da [lam * log(1 + e^{-w a}) + (a - 0.8)^2]
    grad = lam * (-2.0) / (1 + math.exp(1.0)) + 2 * (0.5 - 0.8)
    assert g.a.grad.item() == pytest.approx(grad, rel=1e-5)
    assert out["grad_norm"] == pytest.approx(abs(grad), rel=1e-5)


def test_generator_step_without_discriminator_is_supervised_training():
    g = Scale(0.5)
    y, s, clean = torch.ones(2, 3), torch.zeros(2), torch.full((2, 3), 0.8)
    opt = torch.optim.SGD(g.parameters(), lr=0.1)
    out = generator_step(None, g, (y, s), opt, None, extra=lambda x: F.mse_loss(x, clean))
    assert out["loss"] == pytest.approx(0.09) and "fake_score" not in out
    assert g.a.item() == pytest.approx(0.5 - 0.1 * 2 * (0.5 - 0.8))  # one SGD step on (a - 0.8)^2


def test_generator_step_needs_something_to_minimise():
    with pytest.raises(ValueError, match="neither"):
        generator_step(None, Scale(), (torch.ones(1, 1), torch.zeros(1)), torch.optim.SGD(Scale().parameters(), lr=0.1))


def test_unconditional_callers_are_unchanged():
    g, d = nn.Linear(2, 3), Linear()
    out = generator_step(d, g, torch.randn(5, 2), torch.optim.SGD(g.parameters(), lr=0.0))
    assert set(out) == {"loss", "fake_score", "grad_norm"}


def test_a_step_refuses_the_other_players_optimizer():
    g, d = Scale(), Linear()
    z = (torch.ones(2, 3), torch.zeros(2))
    with pytest.raises(ValueError, match="discriminator's parameters"):
        discriminator_step(d, g, torch.ones(2, 3), z, torch.optim.SGD(g.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="generator's parameters"):
        generator_step(d, g, z, torch.optim.SGD(d.parameters(), lr=0.1))
    with pytest.raises(TypeError, match="Optimizer"):
        generator_step(d, g, z, "adam")
