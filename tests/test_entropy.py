"""Tests for gancourse.entropy: every formula against scipy/torch built-ins or a hand value."""

import math

import numpy as np
import pytest
import scipy.spatial.distance
import scipy.stats
import torch
import torch.nn.functional as F

from gancourse.entropy import (
    bce_minimax_value,
    binary_cross_entropy,
    cross_entropy,
    empirical_distribution,
    entropy,
    fit_categorical_mle,
    js_divergence,
    kl_divergence,
)

LOG2 = math.log(2)


def dirichlet(k, seed, n=None):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(k), size=n)


PAIRS = [(k, seed) for k in (2, 3, 10) for seed in (0, 1)]


# ---------------------------------------------------------------- against built-ins
@pytest.mark.parametrize("k,seed", PAIRS)
def test_entropy_matches_scipy(k, seed):
    p = dirichlet(k, seed)
    assert entropy(p) == pytest.approx(scipy.stats.entropy(p), rel=1e-12)


@pytest.mark.parametrize("k,seed", PAIRS)
def test_kl_matches_scipy_and_torch(k, seed):
    p, q = dirichlet(k, seed), dirichlet(k, seed + 100)
    assert kl_divergence(p, q) == pytest.approx(scipy.stats.entropy(p, q), rel=1e-12)
    pt, qt = torch.tensor(p), torch.tensor(q)
    expected = F.kl_div(qt.log(), pt, reduction="sum")
    torch.testing.assert_close(kl_divergence(pt, qt), expected)


@pytest.mark.parametrize("k,seed", PAIRS)
def test_cross_entropy_matches_torch_soft_target_cross_entropy(k, seed):
    logits = torch.randn(k, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    p = torch.tensor(dirichlet(k, seed))
    expected = F.cross_entropy(logits[None], p[None])  # -sum p log softmax(logits)
    torch.testing.assert_close(cross_entropy(p, torch.softmax(logits, -1)), expected)


@pytest.mark.parametrize("k,seed", PAIRS)
def test_js_matches_scipy_squared_jensenshannon(k, seed):
    p, q = dirichlet(k, seed), dirichlet(k, seed + 7)
    expected = scipy.spatial.distance.jensenshannon(p, q) ** 2  # scipy returns the square root
    assert js_divergence(p, q) == pytest.approx(expected, rel=1e-9)


def test_hand_values():
    assert entropy([0.25] * 4) == pytest.approx(math.log(4))
    assert entropy([0.5, 0.25, 0.25]) == pytest.approx(1.5 * LOG2)  # 1.5 bits
    assert kl_divergence([0.5, 0.5], [0.9, 0.1]) == pytest.approx(0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(5))
    assert cross_entropy([1.0, 0.0], [0.25, 0.75]) == pytest.approx(math.log(4))


# ---------------------------------------------------------------- properties
@pytest.mark.parametrize("k,seed", PAIRS)
def test_cross_entropy_is_entropy_plus_kl(k, seed):
    p, q = dirichlet(k, seed, n=5), dirichlet(k, seed + 1, n=5)
    np.testing.assert_allclose(cross_entropy(p, q), entropy(p) + kl_divergence(p, q), rtol=1e-12)


@pytest.mark.parametrize("k,seed", PAIRS)
def test_cross_entropy_of_p_with_itself_is_entropy_not_zero(k, seed):
    p = dirichlet(k, seed)
    assert kl_divergence(p, p) == 0.0
    assert cross_entropy(p, p) == pytest.approx(entropy(p))
    assert cross_entropy(p, p) > 0.01  # the source text's "H(p, p) = 0" is wrong ...
    assert cross_entropy([0.0, 1.0, 0.0], [0.0, 1.0, 0.0]) == 0.0  # ... except for one-hot p


@pytest.mark.parametrize("k,seed", PAIRS)
def test_divergence_bounds_and_symmetry(k, seed):
    p, q = dirichlet(k, seed, n=20), dirichlet(k, seed + 3, n=20)
    kl, js = kl_divergence(p, q), js_divergence(p, q)
    assert (kl >= 0).all() and (js >= 0).all() and (js <= LOG2 + 1e-12).all()
    np.testing.assert_allclose(js, js_divergence(q, p), rtol=1e-12)
    assert not np.allclose(kl, kl_divergence(q, p))  # KL is not symmetric
    assert (entropy(p) <= math.log(k) + 1e-12).all()


@pytest.mark.parametrize("k,seed", PAIRS)
def test_cross_entropy_minimised_at_q_equal_p(k, seed):
    p = dirichlet(k, seed)
    others = dirichlet(k, seed + 50, n=200)
    assert (cross_entropy(np.broadcast_to(p, others.shape), others) >= cross_entropy(p, p)).all()


def test_zero_probabilities():
    assert entropy([1.0, 0.0]) == 0.0  # 0 log 0 = 0
    assert str(entropy([1.0, 0.0])) == "0.0"  # not "-0.0", which would print as -0.0000
    assert str(float(cross_entropy([0.0, 1.0], [0.0, 1.0]))) == "0.0"
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(LOG2)
    assert js_divergence([1.0, 0.0], [0.0, 1.0]) == pytest.approx(LOG2)  # disjoint: log 2


def test_batches_reduce_the_last_axis():
    p, q = dirichlet(4, 0, n=(2, 3)), dirichlet(4, 1, n=(2, 3))
    for fn in (cross_entropy, kl_divergence, js_divergence):
        out = fn(p, q)
        assert out.shape == (2, 3)
        assert out[1, 2] == pytest.approx(fn(p[1, 2], q[1, 2]))
    assert entropy(p).shape == (2, 3)


# ---------------------------------------------------------------- numpy in/out, torch in/out
@pytest.mark.parametrize("fn", [cross_entropy, kl_divergence, js_divergence])
def test_types_follow_the_input(fn):
    p, q = dirichlet(3, 0), dirichlet(3, 1)
    assert isinstance(fn(p, q), (np.ndarray, np.floating))
    assert isinstance(fn(list(p), list(q)), (np.ndarray, np.floating))
    assert isinstance(fn(p[None], q[None]), np.ndarray)
    out = fn(torch.tensor(p, dtype=torch.float32), torch.tensor(q, dtype=torch.float32))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    assert float(out) == pytest.approx(float(fn(p, q)), rel=1e-5)
    assert isinstance(entropy(torch.tensor(p)), torch.Tensor)


def test_kl_gradient_matches_torch():
    theta = torch.randn(5, dtype=torch.float64, requires_grad=True)
    p = torch.tensor(dirichlet(5, 3))
    (g_ours,) = torch.autograd.grad(kl_divergence(p, torch.softmax(theta, -1)), theta)
    (g_ref,) = torch.autograd.grad(F.kl_div(torch.log_softmax(theta, -1), p, reduction="sum"), theta)
    torch.testing.assert_close(g_ours, g_ref)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("fn", [entropy, lambda p: kl_divergence(p, [0.5, 0.5])])
@pytest.mark.parametrize(
    "bad,match",
    [
        ([0.5, -0.5, 1.0], "expected probabilities >= 0.*negative"),
        ([0.5, 0.6], "sum to 1.*got a row summing to 1.1"),
        ([0.5, float("nan")], "finite"),
        (0.5, "shape"),
    ],
)
def test_bad_distributions_raise(fn, bad, match):
    if fn is not entropy and len(np.atleast_1d(bad)) != 2:
        bad = bad + [0.0] if isinstance(bad, list) else bad
    with pytest.raises(ValueError, match=match):
        fn(bad)


def test_mismatched_shapes_raise():
    with pytest.raises(ValueError, match=r"same shape.*got p \(3,\) and q \(2,\).*broadcast"):
        cross_entropy([0.2, 0.3, 0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="same shape"):
        js_divergence(torch.ones(2, 2) / 2, torch.ones(2) / 2)


def test_float32_rounding_is_tolerated():
    p = torch.softmax(torch.randn(1000, 7), -1)  # rows sum to 1 only within float32 precision
    assert torch.isfinite(entropy(p)).all()


# ---------------------------------------------------------------- binary cross-entropy
@pytest.mark.parametrize("scale", [1.0, 30.0, 1000.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_bce_matches_torch(scale, seed):
    g = torch.Generator().manual_seed(seed)
    logits, targets = scale * torch.randn(4, 5, generator=g), torch.rand(4, 5, generator=g)
    torch.testing.assert_close(binary_cross_entropy(logits, targets), F.binary_cross_entropy_with_logits(logits, targets))
    torch.testing.assert_close(
        binary_cross_entropy(logits, targets, reduction="none"),
        F.binary_cross_entropy_with_logits(logits, targets, reduction="none"),
        rtol=1e-5, atol=1e-5,  # float32 losses of size ~1e3: the two orders of operations round differently
    )


def test_bce_gradient_matches_torch():
    logits = (10 * torch.randn(8, generator=torch.Generator().manual_seed(2)))
    logits = torch.cat([logits, torch.tensor([0.0, 0.0, 50.0, -50.0])]).requires_grad_(True)  # kinks of |s| included
    targets = (torch.arange(12) % 2).float()
    (g_ours,) = torch.autograd.grad(binary_cross_entropy(logits, targets), logits)
    (g_ref,) = torch.autograd.grad(F.binary_cross_entropy_with_logits(logits, targets), logits)
    torch.testing.assert_close(g_ours, g_ref)


def test_bce_is_stable_where_naive_log_sigmoid_fails():
    x = torch.tensor([-200.0, 200.0])
    naive = -torch.log(torch.sigmoid(x))  # -log(sigmoid(-200)) = -log(0) = inf in float32
    assert torch.isinf(naive[0])
    stable = binary_cross_entropy(x, 1.0, reduction="none")
    torch.testing.assert_close(stable, torch.tensor([200.0, 0.0]))


def test_bce_hand_values_numpy_and_scalar_targets():
    assert binary_cross_entropy([0.0], [1.0]) == pytest.approx(LOG2)
    assert isinstance(binary_cross_entropy(np.zeros(3), 0.0), np.floating)
    assert isinstance(binary_cross_entropy(np.zeros(3), 0.0, reduction="none"), np.ndarray)
    assert binary_cross_entropy(np.array([-1000.0, 1000.0]), np.array([1.0, 0.0])) == pytest.approx(1000.0)
    assert binary_cross_entropy([2.0], [0.25]) == pytest.approx(
        -(0.25 * math.log(1 / (1 + math.exp(-2))) + 0.75 * math.log(1 - 1 / (1 + math.exp(-2))))
    )


def test_bce_bad_input():
    with pytest.raises(ValueError, match=r"targets in \[0, 1\].*not logits"):
        binary_cross_entropy(torch.zeros(3), torch.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="same shape"):
        binary_cross_entropy(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError, match="reduction"):
        binary_cross_entropy(torch.zeros(3), 0.0, reduction="sum")


@pytest.mark.parametrize("seed", [0, 1])
def test_minimax_value_is_minus_bce_with_labels_real_1_fake_0(seed):
    g = torch.Generator().manual_seed(seed)
    real, fake = torch.randn(6, generator=g, dtype=torch.float64), torch.randn(9, generator=g, dtype=torch.float64)
    # eq. (1) of Goodfellow et al. written naively (fine for moderate logits)
    expected = torch.log(torch.sigmoid(real)).mean() + torch.log(1 - torch.sigmoid(fake)).mean()
    torch.testing.assert_close(bce_minimax_value(real, fake), expected)
    assert bce_minimax_value([0.0], [0.0]) == pytest.approx(-math.log(4))


# ---------------------------------------------------------------- maximum likelihood
def test_empirical_distribution_and_errors():
    np.testing.assert_allclose(empirical_distribution([0, 2, 2, 1, 2], 4), [0.2, 0.2, 0.6, 0.0])
    with pytest.raises(ValueError, match=r"labels in 0..2"):
        empirical_distribution([0, 3], 3)
    with pytest.raises(TypeError, match="integer labels"):
        empirical_distribution([0.5, 1.0], 3)


def test_mle_fit_reaches_the_empirical_distribution_and_its_entropy():
    samples = np.random.default_rng(0).choice(3, size=200, p=[0.6, 0.3, 0.1])
    p_hat = empirical_distribution(samples, 3)
    q, history = fit_categorical_mle(samples, 3, steps=300)
    np.testing.assert_allclose(q, p_hat, atol=1e-3)
    assert history[-1] == pytest.approx(entropy(p_hat), abs=1e-5)  # min of H(p_hat, q) is H(p_hat)
    assert history[0] > history[-1]


def test_sigmoid_rounding_points_match_float_limits():
    from gancourse.entropy import sigmoid_rounding_points

    s_one, s_zero = sigmoid_rounding_points()
    # closed forms: 1 + e^{-s} rounds to 1 below half an ulp of 1 (2^-24); e^{-s} overflows past log(max float32)
    assert s_one == pytest.approx(24 * math.log(2), abs=0.7)
    assert s_zero == pytest.approx(-math.log(torch.finfo(torch.float32).max), abs=0.01)
    assert float(torch.sigmoid(torch.tensor(s_zero))) == 0.0 and float(torch.sigmoid(torch.tensor(s_zero + 0.01))) > 0
    assert float(torch.sigmoid(torch.tensor(s_one))) == 1.0 and float(torch.sigmoid(torch.tensor(s_one - 0.01))) < 1
    s_one64, s_zero64 = sigmoid_rounding_points(torch.float64)
    assert s_one64 > 30 and s_zero64 < -700  # float64 goes much further
    with pytest.raises(TypeError, match="floating"):
        sigmoid_rounding_points(torch.int32)
