"""Exercise checkers of notebook 03: right answers pass, the usual mistakes get their hint."""

import math

import numpy as np
import torch
from torch.nn import functional as F

from gancourse.distributions import RING8_STD, ring8_centers, sample_ring8
from gancourse.exercises import nb03


def test_exercise1_optimal_discriminator_by_hand():
    right = 1 / (1 + math.exp(-0.5))
    assert nb03.check_optimal_discriminator_at_zero(right)
    flipped = nb03.check_optimal_discriminator_at_zero(1 - right)
    assert not flipped and "fake" in flipped.message
    unnormalised = nb03.check_optimal_discriminator_at_zero(1 / math.sqrt(2 * math.pi))
    assert not unnormalised and "divide" in unnormalised.message
    assert "no answer yet" in nb03.check_optimal_discriminator_at_zero(...).message


def test_exercise2_value_for_disjoint_supports():
    assert nb03.check_value_disjoint(0.0)
    assert nb03.check_value_disjoint(-math.log(4) + 2 * math.log(2))
    same = nb03.check_value_disjoint(-math.log(4))
    assert not same and "p_g = p_data" in same.message
    bits = nb03.check_value_disjoint(-math.log(4) + 2)
    assert not bits and "bits" in bits.message
    assert not nb03.check_value_disjoint(...)


def _step(loss_of_scores, *, zero_grad=True, step_d=False):
    def fn(discriminator, generator, z, optimizer):
        if zero_grad:
            optimizer.zero_grad()
        loss = loss_of_scores(discriminator(generator(z)))
        loss.backward()
        optimizer.step()
        if step_d:
            torch.optim.SGD(discriminator.parameters(), lr=0.1).step()

    return fn


def test_exercise3_generator_step():
    assert nb03.check_generator_step(_step(lambda s: F.softplus(-s).mean()))
    sign = nb03.check_generator_step(_step(lambda s: -F.softplus(-s).mean()))
    assert not sign and "sign" in sign.message
    minimax = nb03.check_generator_step(_step(lambda s: -F.softplus(s).mean()))
    assert not minimax and "saturating" in minimax.message
    no_zero = nb03.check_generator_step(_step(lambda s: F.softplus(-s).mean(), zero_grad=False))
    assert not no_zero and "zero_grad" in no_zero.message
    moved_d = nb03.check_generator_step(_step(lambda s: F.softplus(-s).mean(), step_d=True))
    assert not moved_d and "discriminator" in moved_d.message
    detached = nb03.check_generator_step(
        lambda d, g, z, opt: (opt.zero_grad(), F.softplus(-d(g(z).detach())).mean()))
    assert not detached and "did not move" in detached.message

    def broken(*args):
        raise RuntimeError("boom")

    assert "RuntimeError: boom" in nb03.check_generator_step(broken).message
    assert not nb03.check_generator_step(...)


def test_exercise4_high_quality_fraction():
    samples = torch.cat([sample_ring8(300, seed=0), torch.randn(100, 2)])
    centers = ring8_centers()

    def right(x, c, std):
        return (torch.cdist(x, c).min(dim=1).values <= 3 * std).float().mean().item()

    def one_std(x, c, std):
        return (torch.cdist(x, c).min(dim=1).values <= std).float().mean().item()

    def all_pairs(x, c, std):
        return (torch.cdist(x, c) <= 3 * std).float().mean().item()

    assert nb03.check_high_quality_fraction(right, samples, centers, RING8_STD)
    assert "3 standard deviations" in nb03.check_high_quality_fraction(one_std, samples, centers, RING8_STD).message
    assert "nearest" in nb03.check_high_quality_fraction(all_pairs, samples, centers, RING8_STD).message
    assert not nb03.check_high_quality_fraction(lambda x, c, s: np.ones(3), samples, centers, RING8_STD)
