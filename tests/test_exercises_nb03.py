"""Exercise checkers of notebook 03: right answers pass, the usual mistakes get their hint."""

import math

import numpy as np
import pytest
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
    for wrong in (0.5, 0.7, 1 - right, 1 / math.sqrt(2 * math.pi)):  # feedback never gives the answer away
        message = nb03.check_optimal_discriminator_at_zero(wrong).message
        assert f"{right:.4f}" not in message and f"{right:.3f}" not in message


def _stub_fn(*args):
    ...  # an untouched exercise cell


def _stub_pass(samples, centers, std):
    """A docstring and pass: still no answer."""
    pass


@pytest.mark.parametrize("check, answer", [
    (nb03.check_optimal_discriminator_at_zero, ...),
    (nb03.check_value_disjoint, ...),
    (nb03.check_generator_step, _stub_fn),
    (nb03.check_high_quality_fraction, _stub_fn),
    (nb03.check_high_quality_fraction, _stub_pass),
])
def test_untouched_stubs_all_say_no_answer_yet(check, answer):
    feedback = check(answer)
    assert not feedback and "no answer yet; replace the ... with your code" in feedback.message


def test_exercise2_value_for_disjoint_supports():
    assert nb03.check_value_disjoint(0.0)
    assert nb03.check_value_disjoint(-math.log(4) + 2 * math.log(2))
    same = nb03.check_value_disjoint(-math.log(4))
    assert not same and "p_g = p_data" in same.message
    bits = nb03.check_value_disjoint(-math.log(4) + 2)
    assert not bits and "bits" in bits.message
    assert not nb03.check_value_disjoint(...)
    assert "expected a number" in nb03.check_value_disjoint("zero").message


@pytest.mark.parametrize("wrong", [-math.log(4), -math.log(4) + 2, -math.log(4) + 1, 1.0, -0.5, math.log(2), 0.1])
def test_exercise2_wrong_answers_do_not_give_the_answer_away(wrong):
    feedback = nb03.check_value_disjoint(wrong)
    assert not feedback
    message = feedback.message.lower()
    for leak in ("log 2", "log 1", "v = 0", "v(g, d*) = 0", "answer is 0", "0.000", "zero"):
        assert leak not in message, (wrong, message)
    if wrong not in (-math.log(4), -math.log(4) + 2, -math.log(4) + 1):
        assert "hint" in message and "d*" in message  # a graded hint: a question about D*, not the value


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
    assert "expected a function" in nb03.check_generator_step(3).message


@pytest.mark.parametrize("loss", [
    lambda s: F.softplus(-s).sum(),               # sum instead of mean
    lambda s: 2 * F.softplus(-s).mean(),          # a stray factor
    lambda s: F.softplus(-s).mean() ** 2,         # not the loss at all
])
def test_exercise3_wrong_steps_do_not_print_the_expected_bias(loss):
    feedback = nb03.check_generator_step(_step(loss))
    expected_bias = 1 - 1 / (1 + math.exp(3))     # one SGD step from 0 with -log D(G(z)): 0.9526
    assert not feedback and f"{expected_bias:.4f}" not in feedback.message and "expected" not in feedback.message


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
    def forgot_return(x, c, std):
        (torch.cdist(x, c).min(dim=1).values <= 3 * std).float().mean()

    assert "returned None" in nb03.check_high_quality_fraction(forgot_return, samples, centers, RING8_STD).message


def test_exercise4_runs_on_its_own_samples_and_does_not_leak_the_solution():
    """Without samples the checker uses its own, so the exercise cell runs after a kernel restart."""
    assert nb03.check_high_quality_fraction(_right_fraction)
    expected = _right_fraction(*nb03._ring_test_samples())
    assert 0.5 < expected < 0.9   # the test set has both kinds of sample, so wrong thresholds are caught
    for wrong in (lambda x, c, s: 0.5, lambda x, c, s: 1.0, _one_std):
        message = nb03.check_high_quality_fraction(wrong).message
        assert not nb03.check_high_quality_fraction(wrong)
        for leak in ("cdist", "min(dim=1)", ".values", f"{expected:.4f}", f"{expected:.3f}"):
            assert leak not in message, message


def _right_fraction(x, c, std):
    return (torch.cdist(x, c).min(dim=1).values <= 3 * std).float().mean().item()


def _one_std(x, c, std):
    return (torch.cdist(x, c).min(dim=1).values <= std).float().mean().item()
