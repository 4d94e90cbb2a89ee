"""Tests for gancourse.metrics: coverage on hand-made samples, distances against scipy, scores by hand."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import wasserstein_distance

from gancourse.distributions import (
    GRID25_STD,
    RING8_STD,
    grid25,
    grid25_centers,
    ring8,
    ring8_centers,
    sample_grid25,
    sample_ring8,
)
from gancourse.metrics import (
    ModeCoverage,
    classifier_score,
    coverage_table,
    frechet_distance,
    mmd_rbf,
    mode_collapse_study,
    mode_coverage,
    study_coverage,
    toy_metrics,
    w1_per_axis,
)
from gancourse.models import MLPGenerator


@pytest.mark.parametrize("sampler,centers,std,k", [(sample_ring8, ring8_centers(), RING8_STD, 8),
                                                     (sample_grid25, grid25_centers(), GRID25_STD, 25)])
def test_real_data_covers_every_mode_with_chi_square_quality(sampler, centers, std, k):
    cov = mode_coverage(sampler(5000, seed=0), centers, std)
    assert cov.modes_covered == cov.n_modes == k
    # in 2-D, |noise| / std is chi with 2 degrees of freedom: P(r <= 3) = 1 - exp(-9/2)
    assert cov.high_quality == pytest.approx(1 - math.exp(-4.5), abs=0.005)
    assert cov.counts.sum() == round(cov.high_quality * 5000)


@pytest.mark.parametrize("kept", [1, 3, 8])
def test_collapsed_samples_cover_only_their_modes(kept):
    centers = ring8_centers()
    x = centers[torch.arange(800) % kept]  # every sample exactly on one of the first `kept` modes
    cov = mode_coverage(x, centers, RING8_STD)
    assert cov.modes_covered == kept and cov.high_quality == 1.0
    assert list(cov.counts[:kept]) == [800 // kept + (i < 800 % kept) for i in range(kept)]


def test_a_mode_needs_its_share_and_far_samples_are_low_quality():
    centers = ring8_centers()
    # 1000 samples: 990 on mode 0, 10 on mode 1; fair share 125, min count ceil(0.2 * 125) = 25
    x = torch.cat([centers[[0]].repeat(990, 1), centers[[1]].repeat(10, 1)])
    cov = mode_coverage(x, centers, RING8_STD)
    assert cov.min_count == 25 and cov.modes_covered == 1
    assert mode_coverage(x, centers, RING8_STD, min_share=0.05).modes_covered == 2
    off = centers[[0]] + torch.tensor([[4 * RING8_STD, 0.0]])  # 4 std from its nearest mode
    assert mode_coverage(off, centers, RING8_STD).high_quality == 0.0
    assert "1/8 modes covered" in str(cov) and isinstance(cov, ModeCoverage)


def test_mode_coverage_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        mode_coverage(torch.zeros(5, 3), ring8_centers(), RING8_STD)
    with pytest.raises(ValueError, match="std > 0"):
        mode_coverage(torch.zeros(5, 2), ring8_centers(), 0.0)
    with pytest.raises(TypeError, match="shape"):
        mode_coverage([[0.0, 0.0]], ring8_centers(), RING8_STD)


@pytest.mark.parametrize("seed", [0, 1])
def test_w1_per_axis_matches_scipy(seed):
    g = np.random.default_rng(seed)
    x, y = g.normal(size=(300, 2)), g.normal(1.0, 2.0, size=(200, 2))
    expected = [wasserstein_distance(x[:, j], y[:, j]) for j in range(2)]
    np.testing.assert_allclose(w1_per_axis(x, y), expected, rtol=1e-5)


def test_w1_per_axis_is_blind_to_joint_structure_mmd_is_not():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 2, generator=g)
    y = torch.stack([x[:, 0], x[torch.randperm(400, generator=g), 1]], 1)  # same marginals, axes decoupled
    x_corr = torch.stack([x[:, 0], x[:, 0]], 1)  # perfectly correlated
    y_ind = torch.stack([x[:, 0], x[torch.randperm(400, generator=g), 0]], 1)
    assert np.allclose(w1_per_axis(x_corr, y_ind), 0.0, atol=1e-6)
    assert mmd_rbf(x_corr, y_ind) > 10 * mmd_rbf(x, y)


def test_mmd_by_hand_and_properties():
    x, y = torch.tensor([[0.0], [1.0]]), torch.tensor([[3.0]])
    k = lambda d: math.exp(-(d**2) / 2)  # noqa: E731
    expected = (2 * k(0) + 2 * k(1)) / 4 + k(0) - 2 * (k(3) + k(2)) / 2
    assert mmd_rbf(x, y) == pytest.approx(expected, rel=1e-9)
    assert mmd_rbf(x, x) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="bandwidth"):
        mmd_rbf(x, y, bandwidth=0.0)


@pytest.mark.parametrize("target", [ring8(), grid25()])
def test_toy_metrics_is_deterministic_and_zero_for_a_stuck_generator(target):
    metrics = toy_metrics(target, n_samples=500)
    torch.manual_seed(0)
    gen = MLPGenerator(2, 2, 8, 1)
    a, b = metrics(gen), metrics(gen)
    assert a == b and set(a) == {"modes", "high_quality", "w1"}
    with torch.no_grad():  # a generator that outputs one mode centre
        for p in gen.parameters():
            p.zero_()
        gen.net[-1].bias.copy_(target.centers[0])
    stuck = metrics(gen)
    assert stuck["modes"] == 1.0 and stuck["high_quality"] == 1.0 and stuck["w1"] > 0.5


def test_coverage_table_lists_every_setting():
    runs = {"k=1": [mode_coverage(sample_ring8(400, seed=s), ring8_centers(), RING8_STD) for s in range(3)]}
    table = coverage_table(runs)
    assert "k=1" in table and " 8  8  8" in table and "3/3 seeds" in table
    with pytest.raises(ValueError, match="at least one"):
        coverage_table({})


@pytest.mark.parametrize("seed", [0, 1])
def test_frechet_distance_matches_the_closed_form_for_gaussians(seed):
    g = np.random.default_rng(seed)
    a = g.normal(size=(200_000, 2)) @ np.array([[1.0, 0.0], [0.5, 1.0]])
    b = 2.0 + 3.0 * g.normal(size=(200_000, 2))
    cov_a = np.array([[1.25, 0.5], [0.5, 1.0]])  # A^T A for the matrix above
    # closed form: |mu_a - mu_b|^2 + Tr(S_a) + Tr(S_b) - 2 Tr((S_a S_b)^(1/2)), S_b = 9 I
    expected = 8.0 + np.trace(cov_a) + 18.0 - 2 * 3 * np.sqrt(np.linalg.eigvalsh(cov_a)).sum()
    assert frechet_distance(a, b) == pytest.approx(expected, rel=0.02)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_classifier_score_by_hand():
    perfect = classifier_score(np.eye(10))
    assert perfect == {"confidence": 1.0, "classes_covered": 10.0, "inception_score": pytest.approx(10.0)}
    collapsed = classifier_score(np.tile(np.eye(10)[3], (50, 1)))  # every sample a confident "3"
    assert collapsed["classes_covered"] == 1.0 and collapsed["inception_score"] == pytest.approx(1.0)
    unsure = classifier_score(np.full((20, 10), 0.1))  # the classifier cannot tell
    assert unsure["confidence"] == pytest.approx(0.1) and unsure["inception_score"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="probability vector"):
        classifier_score(np.ones((3, 10)))


def test_mode_collapse_study_structure_and_coverage():
    settings = {"plain": {}, "k=2, pack 2": {"n_critic": 2, "pack": 2, "hidden_dim": 8, "g_loss": "minimax"}}
    study = mode_collapse_study(settings, targets=("ring8", "grid25"), seeds=[0, 1],
                                steps={"ring8": 3, "grid25": 2}, eval_every=2, n_samples=40, progress=False)
    assert study["config"]["steps"] == {"ring8": 3, "grid25": 2}
    entry = study["results"]["ring8"]["k=2, pack 2"]
    assert entry["samples"].shape == (2, 40, 2) and entry["modes"].shape == (2, 2)
    assert entry["eval_steps"] == [2, 3]
    coverage = study_coverage(study, "grid25")
    assert list(coverage) == ["plain", "k=2, pack 2"] and coverage["plain"][0].n_modes == 25
    # the coverage recomputed from the saved samples is the one recorded at the last step
    assert [c.modes_covered for c in study_coverage(study, "ring8")["plain"]] == \
        study["results"]["ring8"]["plain"]["modes"][:, -1].int().tolist()
    with pytest.raises(ValueError, match="no target"):
        study_coverage(study, "spiral")
    with pytest.raises(ValueError, match="unknown target"):
        mode_collapse_study(settings, targets=("spiral",), seeds=[0], steps=1, progress=False)
