"""Tests for gancourse.distributions: push-forwards, densities and distances vs scipy/torch/closed forms."""

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.stats
import torch

from gancourse.distributions import (
    disjoint_uniform_curves,
    gaussian_kl,
    gaussian_pdf,
    gaussian_separation_curves,
    js_divergence_densities,
    mixture_cdf,
    mixture_pdf,
    push_forward,
    push_forward_density_1d,
    quantile_generator_1d,
    separation_gradients,
    wasserstein_1d,
    wasserstein_1d_densities,
)

LOG2 = math.log(2)


# ---------------------------------------------------------------- 1-D densities
def test_pdf_and_cdf_match_scipy_and_integrate_to_one():
    x = np.linspace(-6, 8, 2001)
    np.testing.assert_allclose(gaussian_pdf(x, 1.0, 2.0), scipy.stats.norm.pdf(x, 1.0, 2.0))
    pdf = mixture_pdf(x, [-1.0, 3.0], [0.5, 1.0], [0.4, 0.6])
    expected = 0.4 * scipy.stats.norm.pdf(x, -1, 0.5) + 0.6 * scipy.stats.norm.pdf(x, 3, 1.0)
    np.testing.assert_allclose(pdf, expected)
    assert np.trapezoid(pdf, x) == pytest.approx(1.0, abs=1e-6)
    cdf = mixture_cdf(x, [-1.0, 3.0], [0.5, 1.0], [0.4, 0.6])
    np.testing.assert_allclose(cdf, 0.4 * scipy.stats.norm.cdf(x, -1, 0.5) + 0.6 * scipy.stats.norm.cdf(x, 3, 1.0))
    assert isinstance(gaussian_pdf(torch.zeros(2)), torch.Tensor)


# ---------------------------------------------------------------- push-forward
def test_push_forward_with_a_distribution_and_with_a_function():
    prior = torch.distributions.Normal(torch.zeros(1), torch.ones(1))
    torch.manual_seed(0)
    z, x = push_forward(prior, lambda z: 3 + 0.5 * z, 10000, return_z=True)
    torch.testing.assert_close(x, 3 + 0.5 * z)  # p(x | z) is a point mass at G(z)
    assert x.mean().item() == pytest.approx(3.0, abs=0.02)
    net = torch.nn.Linear(2, 3)
    x = push_forward(lambda n: torch.randn(n, 2), net, 5)
    assert x.shape == (5, 3) and not x.requires_grad  # drawn without gradients
    with pytest.raises(TypeError, match="function n -> z"):
        push_forward("normal", net, 5)
    with pytest.raises(ValueError, match="5 rows"):
        push_forward(lambda n: torch.randn(2, 2), net, 5)


def test_push_forward_density_of_an_affine_map_is_gaussian():
    z = np.linspace(-4, 4, 101)
    x, density = push_forward_density_1d(lambda z: 3 + 0.5 * z, z)
    np.testing.assert_allclose(x, 3 + 0.5 * z)
    np.testing.assert_allclose(density, scipy.stats.norm.pdf(x, 3, 0.5))


def test_push_forward_density_of_a_nonlinear_map_matches_samples():
    g = lambda z: z + 2 * torch.tanh(2 * z)  # noqa: E731  monotone, stretches the middle
    z = np.linspace(-7, 7, 4001)
    x, density = push_forward_density_1d(g, z)
    assert np.trapezoid(density, x) == pytest.approx(1.0, abs=1e-4)
    # P(G(z) <= G(0.5)) = Phi(0.5): compare the integrated density with the prior's CDF
    cdf = scipy.integrate.cumulative_trapezoid(density, x, initial=0)
    k = np.searchsorted(z, 0.5)
    assert cdf[k] == pytest.approx(scipy.stats.norm.cdf(z[k]), abs=1e-4)
    with pytest.raises(ValueError, match="strictly monotone"):
        push_forward_density_1d(lambda z: z**2, z)


def test_quantile_generator_reaches_the_target_mixture():
    means, stds, weights = [-2.0, 2.0], [0.5, 0.5], [0.3, 0.7]
    g = quantile_generator_1d(means, stds, weights)
    x = g(torch.randn(20000, generator=torch.Generator().manual_seed(0)))
    ks = scipy.stats.kstest(x.numpy(), lambda t: mixture_cdf(t, means, stds, weights))
    assert ks.pvalue > 0.01
    assert isinstance(g(np.zeros(3)), np.ndarray)


# ---------------------------------------------------------------- Wasserstein-1
@pytest.mark.parametrize("n,m", [(1, 1), (5, 5), (50, 17), (200, 333)])
@pytest.mark.parametrize("seed", [0, 1])
def test_w1_matches_scipy(n, m, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=n), rng.standard_t(3, size=m) + 0.5
    expected = scipy.stats.wasserstein_distance(x, y)
    assert wasserstein_1d(x, y) == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert wasserstein_1d(torch.tensor(x), torch.tensor(y)).item() == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert wasserstein_1d(torch.tensor(x).float(), y).dtype == torch.float32
    assert wasserstein_1d(y, x) == pytest.approx(expected, rel=1e-10, abs=1e-12)  # symmetric


def test_w1_properties():
    x = torch.randn(100, 1, generator=torch.Generator().manual_seed(0))  # (N, 1) is accepted
    assert wasserstein_1d(x, x).item() == 0.0
    assert wasserstein_1d(x, x + 2.5).item() == pytest.approx(2.5, rel=1e-6)
    assert float(wasserstein_1d([0.0, 1.0], [5.0, 6.0, 5.5])) == pytest.approx(5.0)
    assert float(wasserstein_1d([0.0, 0.0, 3.0], [1.0, 2.0, 2.0])) == pytest.approx(4 / 3)  # hand computation


def test_w1_gradient_with_respect_to_a_shift_is_its_sign():
    x = torch.randn(50, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for shift, sign in ((3.0, 1.0), (-3.0, -1.0)):
        delta = torch.tensor(shift, dtype=torch.float64, requires_grad=True)
        (grad,) = torch.autograd.grad(wasserstein_1d(x, x + delta), delta)
        assert grad.item() == pytest.approx(sign)


@pytest.mark.parametrize(
    "x,match",
    [(np.zeros((3, 2)), r"shape \(N,\) or \(N, 1\), got shape \(3, 2\)"), (np.array([]), "non-empty"),
     (np.array([0.0, np.nan]), "finite")],
)
def test_w1_bad_input(x, match):
    with pytest.raises(ValueError, match=match):
        wasserstein_1d(x, np.zeros(3))


# ---------------------------------------------------------------- divergence curves
@pytest.mark.parametrize("mp,sp,mq,sq", [(0.0, 1.0, 0.0, 1.0), (0.0, 1.0, 2.0, 1.0), (1.0, 0.5, -1.0, 2.0)])
def test_gaussian_kl_matches_torch(mp, sp, mq, sq):
    expected = torch.distributions.kl_divergence(
        torch.distributions.Normal(mp, sp), torch.distributions.Normal(mq, sq)
    ).item()
    assert gaussian_kl(mp, sp, mq, sq) == pytest.approx(expected, rel=1e-6, abs=1e-12)
    assert gaussian_kl(torch.tensor(mp), sp, mq, sq).item() == pytest.approx(expected, rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("delta,std", [(0.0, 1.0), (0.7, 1.0), (2.0, 1.0), (0.3, 0.2)])
def test_gaussian_curves_against_quadrature(delta, std):
    c = gaussian_separation_curves([delta], std)
    p, q = scipy.stats.norm(0, std), scipy.stats.norm(delta, std)

    def integrand(x):
        m = 0.5 * (p.pdf(x) + q.pdf(x))
        return 0.5 * p.pdf(x) * np.log(p.pdf(x) / m) + 0.5 * q.pdf(x) * np.log(q.pdf(x) / m)

    js, _ = scipy.integrate.quad(integrand, -10 * std, delta + 10 * std, points=[0, delta], limit=200)
    assert c.js[0] == pytest.approx(js, abs=1e-9)
    assert c.kl[0] == pytest.approx(delta**2 / (2 * std**2))
    x = np.linspace(-10 * std, delta + 10 * std, 20001)
    assert c.w1[0] == pytest.approx(wasserstein_1d_densities(p.pdf(x), q.pdf(x), x), abs=1e-6)
    assert c.w1[0] == pytest.approx(scipy.stats.wasserstein_distance(x, x, p.pdf(x), q.pdf(x)), abs=1e-3)


def test_gaussian_js_saturates_at_log2_and_increases():
    c = gaussian_separation_curves(np.linspace(0, 12, 49), std=1.0)
    assert (np.diff(c.js) > 0).all() and (c.js <= LOG2).all()
    assert c.js[-1] == pytest.approx(LOG2, abs=1e-6)
    np.testing.assert_allclose(c.w1, c.separation)


def test_js_of_densities_matches_discrete_js_of_histograms():
    from gancourse.entropy import js_divergence

    x = np.linspace(-5, 7, 3001)
    p, q = gaussian_pdf(x, 0.0, 1.0), gaussian_pdf(x, 1.5, 0.7)
    dx = x[1] - x[0]
    assert js_divergence_densities(p, q, x) == pytest.approx(js_divergence(p * dx / (p * dx).sum(), q * dx / (q * dx).sum()), rel=1e-4)
    with pytest.raises(ValueError, match="same 1-D shape"):
        js_divergence_densities(p, q[:-1], x)
    with pytest.raises(ValueError, match="non-negative"):
        js_divergence_densities(-p, q, x)


@pytest.mark.parametrize("delta", [0.0, 0.25, 0.8, 1.0, 2.5])
def test_disjoint_uniform_closed_forms_against_numerics(delta):
    c = disjoint_uniform_curves([delta])
    x = np.linspace(-1, 5, 60001)
    p = ((x >= 0) & (x <= 1)).astype(float)
    q = ((x >= delta) & (x <= delta + 1)).astype(float)
    assert c.js[0] == pytest.approx(js_divergence_densities(p, q, x), abs=2e-3)
    assert c.js[0] == pytest.approx(min(delta, 1.0) * LOG2)
    u = np.linspace(0, 1, 1001)
    assert c.w1[0] == pytest.approx(scipy.stats.wasserstein_distance(u, u + delta), abs=1e-9)
    assert c.kl[0] == (np.inf if delta > 0 else 0.0)


def test_separation_gradients_js_vanishes_w1_does_not():
    far = separation_gradients(2.0, std=0.1)
    assert far["js"] == pytest.approx(LOG2, abs=1e-9)
    assert abs(far["djs"]) < 1e-10  # no signal for the generator
    assert far["dw1"] == pytest.approx(1.0, abs=1e-6)  # W1 still pulls
    assert far["dkl"] == pytest.approx(2.0 / 0.1**2)
    near = separation_gradients(0.5, std=1.0)
    h = 1e-4
    curve = gaussian_separation_curves([0.5 - h, 0.5 + h], 1.0)
    assert near["djs"] == pytest.approx((curve.js[1] - curve.js[0]) / (2 * h), rel=1e-4)
    assert near["w1"] == pytest.approx(0.5, abs=1e-6)
