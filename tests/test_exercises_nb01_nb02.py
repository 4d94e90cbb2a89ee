"""Exercise checkers of notebooks 01 and 02: right answers pass, the usual mistakes get their hint."""

import math

import pytest
import torch

from gancourse.entropy import binary_cross_entropy, entropy
from gancourse.exercises import nb01, nb02

LOG2 = math.log(2)


# ---------------------------------------------------------------- notebook 01
def test_nb01_exercise1_cross_entropy_of_p_with_itself():
    right = nb01.check_cross_entropy_of_p_with_itself(entropy(nb01.EXERCISE1_P))
    assert right and right.passed
    assert float(entropy(nb01.EXERCISE1_P)) == pytest.approx(1.75 * LOG2)  # 1.75 bits, by hand
    zero = nb01.check_cross_entropy_of_p_with_itself(0.0)
    assert not zero and "H(p) + KL(p||p)" in zero.message
    bits = nb01.check_cross_entropy_of_p_with_itself(1.75)
    assert not bits and "bits" in bits.message
    assert "no answer yet" in nb01.check_cross_entropy_of_p_with_itself(...).message


def test_nb01_exercise2_stable_bce():
    def naive(s, t):
        return -(t * torch.log(torch.sigmoid(s)) + (1 - t) * torch.log(1 - torch.sigmoid(s))).mean()

    def stable(s, t):
        return (s.clamp(min=0) - t * s + torch.log1p(torch.exp(-s.abs()))).mean()

    assert nb01.check_stable_bce(stable)
    assert nb01.check_stable_bce(binary_cross_entropy)
    failed = nb01.check_stable_bce(naive)
    assert not failed and "log1p" in failed.message
    per_element = nb01.check_stable_bce(lambda s, t: binary_cross_entropy(s, t, reduction="none"))
    assert not per_element and "mean" in per_element.message
    swapped = nb01.check_stable_bce(lambda s, t: binary_cross_entropy(s, 1 - t))
    assert not swapped and "swapped" in swapped.message

    def broken(s, t):
        raise RuntimeError("boom")

    assert "RuntimeError: boom" in nb01.check_stable_bce(broken).message
    assert not nb01.check_stable_bce(...)
    unfinished = nb01.check_stable_bce(lambda s, t: ...)
    assert not unfinished and "returned Ellipsis" in unfinished.message


def test_nb01_exercise3_discriminator_loss():
    real, fake = nb01.discriminator_exercise_logits()
    assert nb01.check_discriminator_loss(binary_cross_entropy(real, 1.0) + binary_cross_entropy(fake, 0.0))
    sign = nb01.check_discriminator_loss(-(binary_cross_entropy(real, 1.0) + binary_cross_entropy(fake, 0.0)))
    assert not sign and "sign" in sign.message
    swapped = nb01.check_discriminator_loss(binary_cross_entropy(real, 0.0) + binary_cross_entropy(fake, 1.0))
    assert not swapped and "labels swapped" in swapped.message
    pooled = binary_cross_entropy(torch.cat([real, fake]), torch.cat([torch.ones(4), torch.zeros(6)]))
    assert "pooled" in nb01.check_discriminator_loss(pooled).message
    assert not nb01.check_discriminator_loss(1.0)


# ---------------------------------------------------------------- notebook 02
def test_nb02_exercise1_w1_by_hand():
    assert nb02.check_w1_by_hand(4 / 3)
    means = nb02.check_w1_by_hand(2 / 3)
    assert not means and "lower bound" in means.message
    in_order = nb02.check_w1_by_hand(2.0)
    assert not in_order and "sorted" in in_order.message
    assert not nb02.check_w1_by_hand(1.0)


def test_nb02_exercise2_generator():
    right = nb02.check_generator(lambda z: 3 + 0.5 * z)
    assert right and "N(3, 0.5²)" in right.message  # the prompt's notation: std 0.5, variance 0.25
    assert nb02.check_generator(lambda z: (z * 0.5 + 3).clone())
    assert nb02.check_generator(lambda z: 3 - 0.5 * z)  # also N(3, 0.25): G need not be increasing
    variance = nb02.check_generator(lambda z: 3 + 0.25 * z)
    assert not variance and "variance" in variance.message and "N(3, 0.5²)" in variance.message
    shift = nb02.check_generator(lambda z: 0.5 * z)
    assert not shift and "shift" in shift.message and "std" not in shift.message
    shape = nb02.check_generator(lambda z: z[:, 0])
    assert not shape and "shape (2000, 1)" in shape.message
    assert not nb02.check_generator(...)
    assert "returned None" in nb02.check_generator(lambda z: None).message


@pytest.mark.parametrize("wrong, word", [
    (lambda z: 3 + 0.5 * torch.randn_like(z), "deterministic"),       # the right law, but z ignored
    (lambda z: 3 + 0.5 * torch.randn(len(z), 1), "deterministic"),
    (lambda z: 3 + 0.5 * z.sort(dim=0).values, "own z"),                # deterministic, but not per sample
    (lambda z: 3 + 0.5 * (z + 0.1 * torch.randn_like(z)), "deterministic"),
])
def test_nb02_exercise2_rejects_generators_that_ignore_z(wrong, word):
    feedback = nb02.check_generator(wrong)
    assert not feedback and word in feedback.message


def test_nb02_exercise3_disjoint_distances():
    assert nb02.check_disjoint_distances(LOG2, 3.0)
    assert "bits" in nb02.check_disjoint_distances(1.0, 3.0).message
    assert "KL" in nb02.check_disjoint_distances(float("inf"), 3.0).message
    gap = nb02.check_disjoint_distances(LOG2, 2.0).message
    assert "gap" in gap and "by 3" not in gap and "= 3" not in gap  # guides, does not state W1 = 3
    assert not nb02.check_disjoint_distances(0.0, 3.0)
    assert "replace the ..." in nb02.check_disjoint_distances(..., 3.0).message
