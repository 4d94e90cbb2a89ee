"""Tests for gancourse.toydata: the ring, the grid and the 1-D mixtures against scipy and hand values."""

import math

import numpy as np
import pytest
import scipy.stats
import torch

import gancourse
from gancourse import distributions, toydata
from gancourse.toydata import (
    GRID25_STD,
    RING8_RADIUS,
    RING8_STD,
    GaussianMixture,
    grid25,
    grid25_centers,
    mixture_1d,
    ring8,
    ring8_centers,
    sample_gaussian_1d,
    sample_grid25,
    sample_mixture_1d,
    sample_ring8,
)


@pytest.mark.parametrize("name", toydata.__all__)
def test_toy_data_is_still_importable_from_distributions_and_gc(name):
    # other modules and notebooks import these from gancourse.distributions or as gc.<name>
    assert name in distributions.__all__
    assert getattr(distributions, name) is getattr(toydata, name) is getattr(gancourse, name)


# ---------------------------------------------------------------- toy data
def test_ring8_centers_lie_on_the_circle_45_degrees_apart():
    c = ring8_centers()
    assert c.shape == (8, 2)
    torch.testing.assert_close(c.norm(dim=1), torch.full((8,), RING8_RADIUS))
    angles = torch.atan2(c[:, 1], c[:, 0]).remainder(2 * math.pi)
    torch.testing.assert_close(angles, torch.arange(8) * math.pi / 4, atol=1e-6, rtol=0)
    assert ring8_centers(1.0).norm(dim=1).max() == pytest.approx(1.0)


def test_grid25_centers_are_the_5x5_grid():
    c = grid25_centers()
    assert c.shape == (25, 2)
    assert {tuple(p) for p in c.tolist()} == {(x, y) for x in (-4.0, -2, 0, 2, 4) for y in (-4.0, -2, 0, 2, 4)}


@pytest.mark.parametrize(
    "sample,centers,std",
    [(sample_ring8, ring8_centers(), RING8_STD), (sample_grid25, grid25_centers(), GRID25_STD)],
)
def test_2d_samplers_hit_every_mode_with_the_right_spread(sample, centers, std):
    x = sample(4000, seed=0)
    assert x.shape == (4000, 2) and x.dtype == torch.float32
    nearest = torch.cdist(x, centers).argmin(1)
    counts = torch.bincount(nearest, minlength=len(centers)).float()
    expected = 4000 / len(centers)
    assert (counts - expected).abs().max() < 5 * math.sqrt(expected)  # equal weights
    residual = x - centers[nearest]
    assert residual.std().item() == pytest.approx(std, rel=0.05)


@pytest.mark.parametrize("sample", [sample_ring8, sample_grid25, lambda n, **kw: sample_gaussian_1d(n, **kw)])
def test_seed_and_generator_reproduce(sample):
    a = sample(50, seed=3)
    torch.testing.assert_close(a, sample(50, seed=3))
    torch.testing.assert_close(a, sample(50, generator=torch.Generator().manual_seed(3)))
    assert not torch.equal(a, sample(50, seed=4))
    with pytest.raises(ValueError, match="generator or a seed, got both"):
        sample(5, seed=1, generator=torch.Generator())
    with pytest.raises(TypeError, match="torch.Generator"):
        sample(5, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="positive integer number of samples"):
        sample(0)


def test_1d_gaussian_and_mixture_moments():
    x = sample_gaussian_1d(20000, mean=3.0, std=0.5, seed=0)
    assert x.shape == (20000, 1)
    assert x.mean().item() == pytest.approx(3.0, abs=0.02)
    assert x.std().item() == pytest.approx(0.5, rel=0.02)
    m = sample_mixture_1d(20000, means=[-2.0, 2.0], stds=0.3, weights=[0.25, 0.75], seed=0)
    assert (m > 0).float().mean().item() == pytest.approx(0.75, abs=0.015)


@pytest.mark.parametrize("mixture", [ring8(), grid25(), mixture_1d([-1.0, 2.0], [0.5, 1.5], [0.3, 0.7])])
def test_mixture_log_prob_matches_scipy(mixture):
    x = mixture.sample(7, seed=0)
    points = x.double().numpy()
    expected = np.log(sum(
        w * scipy.stats.multivariate_normal(c, s**2).pdf(points)
        for c, s, w in zip(mixture.centers.double().numpy(), mixture.stds.tolist(), mixture.weights.tolist(),
                           strict=True)
    ))
    np.testing.assert_allclose(mixture.log_prob(x).numpy(), np.atleast_1d(expected), rtol=1e-4)


def test_mixture_validation():
    with pytest.raises(ValueError, match="summing to 1"):
        GaussianMixture(torch.zeros(2, 1), torch.ones(2), torch.tensor([0.5, 0.6]))
    with pytest.raises(ValueError, match="positive, finite standard deviations"):
        mixture_1d([0.0, 1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        ring8().log_prob(torch.zeros(3))
