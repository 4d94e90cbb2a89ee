"""Property-based tests (Hypothesis) of the core math at the public boundary (issue 12).

The property everywhere: a clear ValueError/TypeError from gancourse, or a finite result that
matches an independent oracle (scipy, torch, a closed form). Bounded by the "gancourse" settings
profile in conftest.py (max_examples, no deadline, derandomized so CI is reproducible).
"""

import math

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.integrate import quad
from scipy.special import ndtr, rel_entr
from torch.nn import functional as F

import gancourse as gc
from gancourse.distributions import _gaussian_js

LOG2 = math.log(2)
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
positive = st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def prob_vectors(draw, k=None):
    k = draw(st.integers(1, 8)) if k is None else k
    w = np.array(draw(st.lists(st.floats(0, 1e3), min_size=k, max_size=k)))
    assume(w.sum() > 1e-6)
    return w / w.sum()


@st.composite
def prob_pairs(draw):
    k = draw(st.integers(1, 8))
    return draw(prob_vectors(k)), draw(prob_vectors(k))


def _bad_vector(draw_kind, v):
    """One way a probability vector goes wrong: unnormalised, negative, NaN/inf, empty."""
    v = v.copy()
    if draw_kind == "unnormalised":
        return v * 2.0
    if draw_kind == "negative":
        v[0] = -0.25
        return v
    if draw_kind == "nan":
        v[-1] = np.nan
        return v
    if draw_kind == "inf":
        v[0] = np.inf
        return v
    return np.array([])  # empty


# ---------------------------------------------------------------- entropy, cross-entropy, KL, JS
@given(prob_pairs())
def test_discrete_divergences_match_scipy(pq):
    p, q = pq
    assert gc.entropy(p) == pytest.approx(scipy.stats.entropy(p), abs=1e-9)
    kl = gc.kl_divergence(p, q)
    assert kl == pytest.approx(rel_entr(p, q).sum(), abs=1e-9) or (math.isinf(kl) and math.isinf(rel_entr(p, q).sum()))
    if np.isfinite(kl):
        assert gc.cross_entropy(p, q) == pytest.approx(gc.entropy(p) + kl, abs=1e-8)  # H(p,q) = H(p) + KL
    js = float(gc.js_divergence(p, q))
    m = 0.5 * (p + q)
    assert 0.0 <= js <= LOG2
    assert js == pytest.approx(0.5 * rel_entr(p, m).sum() + 0.5 * rel_entr(q, m).sum(), abs=1e-9)
    assert gc.cross_entropy(p, p) == pytest.approx(gc.entropy(p), abs=1e-9)  # H(p, p) = H(p), not 0


@given(prob_vectors(), st.sampled_from(["unnormalised", "negative", "nan", "inf", "empty"]),
       st.sampled_from(["entropy", "cross_entropy", "kl_divergence", "js_divergence"]), st.booleans())
def test_bad_probability_vectors_get_a_clear_error(p, kind, fn, as_tensor):
    bad = _bad_vector(kind, p)
    args = (bad,) if fn == "entropy" else (bad, bad if kind == "empty" else p)
    if as_tensor:
        args = tuple(torch.as_tensor(a) for a in args)
    with pytest.raises(ValueError, match=r"expected .*(sum to 1|>= 0|finite|shape)"):
        getattr(gc, fn)(*args)


@given(st.lists(st.floats(-300, 300), min_size=1, max_size=20), st.data())
def test_binary_cross_entropy_matches_torch_for_any_logits(logits, data):
    s = torch.tensor(logits, dtype=torch.float64)
    t = torch.tensor(data.draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=len(logits), max_size=len(logits))),
                     dtype=torch.float64)
    ours = gc.binary_cross_entropy(s, t)
    assert torch.isfinite(ours)
    assert float(ours) == pytest.approx(float(F.binary_cross_entropy_with_logits(s, t)), rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------- labels: any integer dtype counts, never masks
@given(hnp.arrays(st.sampled_from([np.uint8, np.int8, np.int16, np.int32, np.int64, np.uint16]),
                  st.integers(1, 30), elements=st.integers(0, 4)))
def test_label_counts_do_not_depend_on_the_integer_dtype(labels):
    expected = np.bincount(labels.astype(np.int64), minlength=5) / labels.size
    np.testing.assert_allclose(gc.empirical_distribution(labels, 5), expected)
    np.testing.assert_allclose(gc.empirical_distribution(torch.as_tensor(labels.astype(np.int64)), 5), expected)


def test_fit_categorical_mle_with_uint8_labels_fits_the_frequencies():
    q, _ = gc.fit_categorical_mle(np.array([0, 2, 2], dtype=np.uint8), 3)
    np.testing.assert_allclose(q, [1 / 3, 0, 2 / 3], atol=0.01)  # was [0.001, 0.5, 0.5]: labels used as a mask
    q64, _ = gc.fit_categorical_mle(np.array([0, 2, 2]), 3)
    np.testing.assert_allclose(q, q64)


@pytest.mark.parametrize(("labels", "kwargs", "error", "match"), [
    (np.array([True, False]), {}, TypeError, "booleans"),
    (np.array([0.0, 1.0]), {}, TypeError, "integer labels"),
    (np.array([0, 3]), {}, ValueError, "labels in 0..2"),
    (np.array([0, 1]), {"steps": 0}, ValueError, "steps"),
    (np.array([0, 1]), {"lr": -0.1}, ValueError, "learning rate"),
    (np.array([0, 1]), {"lr": float("nan")}, ValueError, "learning rate"),
])
def test_fit_categorical_mle_bad_input(labels, kwargs, error, match):
    with pytest.raises(error, match=match):
        gc.fit_categorical_mle(labels, 3, **kwargs)


# ---------------------------------------------------------------- 1-D samples and tabulated densities
@given(st.lists(finite, min_size=1, max_size=30), st.lists(finite, min_size=1, max_size=30))
def test_wasserstein_1d_matches_scipy(x, y):
    ours = gc.wasserstein_1d(np.array(x), np.array(y))
    assert ours == pytest.approx(scipy.stats.wasserstein_distance(x, y), rel=1e-9, abs=1e-9)
    assert float(gc.wasserstein_1d(torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64))) == pytest.approx(ours, abs=1e-9)


@given(st.lists(finite, min_size=1, max_size=10), st.sampled_from([np.nan, np.inf, -np.inf]))
def test_wasserstein_1d_refuses_non_finite_samples(x, bad):
    with pytest.raises(ValueError, match="finite"):
        gc.wasserstein_1d(np.array(x + [bad]), np.array(x))


@st.composite
def gaussian_pair_on_grid(draw):
    mu_p, mu_q = draw(st.floats(-3, 3)), draw(st.floats(-3, 3))
    s_p, s_q = draw(st.floats(0.3, 2)), draw(st.floats(0.3, 2))
    x = np.linspace(-15, 15, 6001)
    return x, gc.gaussian_pdf(x, mu_p, s_p), gc.gaussian_pdf(x, mu_q, s_q), (mu_p, s_p, mu_q, s_q)


def _js_quad(mu_p, s_p, mu_q, s_q):
    def half(a, b):
        def f(t):
            pa, pb = scipy.stats.norm.pdf(t, *a), scipy.stats.norm.pdf(t, *b)
            return 0.0 if pa == 0 else pa * math.log(2 * pa / (pa + pb))
        return quad(f, -15, 15, points=[a[0], b[0]], limit=200)[0]
    return 0.5 * half((mu_p, s_p), (mu_q, s_q)) + 0.5 * half((mu_q, s_q), (mu_p, s_p))


@given(gaussian_pair_on_grid())
def test_density_distances_match_quadrature_and_closed_forms(case):
    x, p, q, (mu_p, s_p, mu_q, s_q) = case
    js = gc.js_divergence_densities(p, q, x)
    assert 0.0 <= js <= LOG2
    assert js == pytest.approx(_js_quad(mu_p, s_p, mu_q, s_q), abs=1e-6)
    w1 = gc.wasserstein_1d_densities(p, q, x)  # oracle: scipy's W1 between the two distributions
    u = (np.arange(4000) + 0.5) / 4000
    oracle = scipy.stats.wasserstein_distance(scipy.stats.norm.ppf(u, mu_p, s_p), scipy.stats.norm.ppf(u, mu_q, s_q))
    assert w1 >= 0 and w1 == pytest.approx(oracle, abs=2e-3)


@given(gaussian_pair_on_grid(), st.sampled_from(["reversed", "shuffled", "negative", "nan_p", "nan_x",
                                                 "unnormalised", "short"]))
def test_density_distances_refuse_bad_grids_and_densities(case, kind):
    x, p, q, _ = case
    if kind == "reversed":
        x = x[::-1].copy()
    elif kind == "shuffled":
        x = x.copy()
        x[[10, 20]] = x[[20, 10]]
    elif kind == "negative":
        p = p - 0.01
    elif kind == "nan_p":
        p = p.copy()
        p[5] = np.nan
    elif kind == "nan_x":
        x = x.copy()
        x[5] = np.nan
    elif kind == "unnormalised":
        p = 3 * p
    else:
        x, p, q = x[:1], p[:1], q[:1]
    for fn in (gc.js_divergence_densities, gc.wasserstein_1d_densities):
        with pytest.raises(ValueError, match=r"expected (an increasing grid|non-negative|finite|.*integrate to 1|p, q)"):
            fn(p, q, x)


@pytest.mark.parametrize("separation", [0.0, 0.5, 1.0, 3.0, 10.0, 40.0, 1e3, 1e4, 1e6])
def test_gaussian_js_stays_in_range_at_any_separation(separation):
    js = float(_gaussian_js(torch.tensor(separation, dtype=torch.float64), 1.0))
    oracle = _js_quad(0.0, 1.0, separation, 1.0) if separation < 20 else LOG2  # overlap < 1e-20 beyond 20 std
    assert 0.0 <= js <= LOG2 and js == pytest.approx(oracle, abs=1e-6)  # was 0.197 at 1e4


@given(st.floats(0.0, 60.0), st.floats(0.05, 5.0))
def test_gaussian_separation_curves_js_is_in_range(sep, std):
    curves = gc.gaussian_separation_curves([sep], std=std)
    assert 0.0 <= curves.js[0] <= LOG2
    assert curves.kl[0] == pytest.approx(sep**2 / (2 * std**2))


# ---------------------------------------------------------------- D*, the gradient penalty, the quantile generator
@given(hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(0, 1e6)), st.data())
def test_optimal_discriminator_is_the_density_ratio(a, data):
    b = data.draw(hnp.arrays(np.float64, a.shape, elements=st.floats(0, 1e6)))
    d = gc.optimal_discriminator(a, b)
    assert ((d >= 0) & (d <= 1)).all()
    both = (a + b) > 0
    np.testing.assert_allclose(d[both], a[both] / (a + b)[both])
    np.testing.assert_allclose(gc.optimal_discriminator(torch.as_tensor(a), torch.as_tensor(b)).numpy(), d)


@pytest.mark.parametrize(("p", "q"), [(np.nan, 1.0), (1.0, np.nan), (np.inf, 1.0), (-1.0, 1.0)])
def test_optimal_discriminator_refuses_nan_inf_and_negative(p, q):
    with pytest.raises(ValueError, match="finite|non-negative"):
        gc.optimal_discriminator(p, q)  # nan used to give 0.5
    with pytest.raises(ValueError, match="finite|non-negative"):
        gc.optimal_discriminator(torch.tensor([p]), torch.tensor([q]))


@given(hnp.arrays(np.float64, st.integers(1, 4), elements=st.floats(-3, 3)), st.integers(1, 6))
def test_gradient_penalty_of_a_linear_critic_is_the_closed_form(w, n):
    w = torch.as_tensor(w)
    x_real, x_fake = torch.randn(n, len(w), dtype=torch.float64), torch.randn(n, len(w), dtype=torch.float64)
    gp = gc.gradient_penalty(lambda x: x @ w, x_real, x_fake)
    assert float(gp) == pytest.approx((float(w.norm()) - 1) ** 2, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("where", ["x_real", "x_fake", "eps"])
def test_gradient_penalty_refuses_nan(where):
    x_real, x_fake, eps = torch.randn(4, 2), torch.randn(4, 2), torch.rand(4)
    {"x_real": x_real, "x_fake": x_fake, "eps": eps}[where][0] = float("nan")
    with pytest.raises(ValueError, match="finite|eps in"):
        gc.gradient_penalty(lambda x: x.sum(1), x_real, x_fake, eps=eps)  # used to return a finite value


@given(st.lists(st.floats(-3, 3), min_size=1, max_size=3), st.data())
def test_quantile_generator_pushes_the_prior_onto_the_mixture(means, data):
    stds = data.draw(st.lists(st.floats(0.2, 2), min_size=len(means), max_size=len(means)))
    g = gc.quantile_generator_1d(means, stds)
    z = torch.linspace(-3, 3, 61, dtype=torch.float64)
    x = g(z)
    assert x.dtype == torch.float64 and bool((x[1:] >= x[:-1]).all())  # monotone
    np.testing.assert_allclose(gc.mixture_cdf(x.numpy(), means, stds), ndtr(z.numpy()), atol=1e-3)  # F(G(z)) = Phi(z)


def test_quantile_generator_returns_floats_for_integer_z_and_refuses_a_negative_std():
    g = gc.quantile_generator_1d([0.0, 3.0], [1.0, 0.5])
    out = g(torch.arange(-2, 3))
    assert out.is_floating_point() and not torch.equal(out, out.round())  # was integers
    assert np.asarray(g(np.arange(-2, 3))).dtype == np.float64
    for stds in ([1.0, -0.5], [1.0, 0.0], [1.0, float("nan")]):
        with pytest.raises(ValueError, match="positive, finite standard deviations"):
            gc.quantile_generator_1d([0.0, 3.0], stds)
    with pytest.raises(ValueError, match="positive, finite std"):
        gc.gaussian_pdf(0.0, 0.0, float("nan"))


# ---------------------------------------------------------------- Frechet distance
@given(st.floats(-3, 3), st.floats(0.5, 2), st.integers(1, 3))
def test_frechet_distance_of_gaussians_matches_the_closed_form(shift, scale, dim):
    g = torch.Generator().manual_seed(0)
    a = torch.randn(4000, dim, generator=g, dtype=torch.float64)
    b = shift + scale * torch.randn(4000, dim, generator=g, dtype=torch.float64)
    oracle = dim * (shift**2 + (1 - scale) ** 2)  # ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2)
    assert gc.frechet_distance(a, b) == pytest.approx(oracle, abs=0.15 * dim + 0.15 * oracle)


def test_frechet_distance_with_one_feature_is_the_1d_closed_form():
    a, b = np.array([[0.0], [2.0]]), np.array([[1.0], [5.0]])  # means 1, 3; stds sqrt(2), sqrt(8)
    assert gc.frechet_distance(a, b) == pytest.approx((1 - 3) ** 2 + (math.sqrt(2) - math.sqrt(8)) ** 2)
