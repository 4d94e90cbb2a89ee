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
def test_the_target_itself_has_full_recall_and_chi_square_precision(sampler, centers, std, k):
    cov = mode_coverage(sampler(5000, seed=0), centers, std)
    assert cov.modes_reached == cov.modes_sharp == cov.n_modes == k and cov.recall == 1.0
    # in 2-D, |noise| / std is chi with 2 degrees of freedom: P(r <= 3) = 1 - exp(-9/2)
    assert cov.high_quality == cov.precision == pytest.approx(1 - math.exp(-4.5), abs=0.005)
    assert cov.hq_counts.sum() == round(cov.high_quality * 5000) and cov.counts.sum() == 5000


@pytest.mark.parametrize("offset,spread,hq_expected", [
    (0.0, 0.0, 1.0),                                 # a point on a centre: perfect precision
    (0.0, 0.2, 1 - math.exp(-((0.15 / 0.2) ** 2) / 2)),  # a blob 4x a mode's width: chi-2 closed form, 0.245
    (0.7, 0.05, 0.0),                                # a blob between modes: no precision
])
def test_a_collapsed_blob_has_low_recall_whatever_its_precision(offset, spread, hq_expected):
    # 1000 samples in one Gaussian blob near the grid's middle mode (index 12, at the origin)
    g = torch.Generator().manual_seed(0)
    x = offset + spread * torch.randn(1000, 2, generator=g)
    cov = mode_coverage(x, grid25_centers(), GRID25_STD)
    assert cov.modes_reached == 1 and cov.counts[12] == 1000 and cov.recall == 1 / 25
    expected_hq = float((x.norm(dim=1) <= 3 * GRID25_STD).float().mean())  # by hand: distance to (0, 0)
    assert cov.high_quality == pytest.approx(expected_hq)
    assert cov.high_quality == pytest.approx(hq_expected, abs=0.03)
    assert cov.modes_sharp == int(cov.hq_counts[12] >= cov.min_count)


def test_a_uniform_cloud_over_the_grid_has_full_recall_and_low_precision():
    centers = grid25_centers()
    lo, hi = float(centers.min()) - 1.0, float(centers.max()) + 1.0  # the grid's extent, plus half a cell
    x = lo + (hi - lo) * torch.rand(10_000, 2, generator=torch.Generator().manual_seed(0))
    cov = mode_coverage(x, centers, GRID25_STD)
    assert cov.modes_reached == 25 and cov.recall == 1.0
    # closed form: 25 discs of radius 3 std in a square of side hi - lo
    expected = 25 * math.pi * (3 * GRID25_STD) ** 2 / (hi - lo) ** 2
    assert cov.high_quality == pytest.approx(expected, rel=0.15) and cov.high_quality < 0.05
    assert cov.modes_sharp == 0


@pytest.mark.parametrize("kept", [1, 3, 8])
def test_samples_on_a_few_centres_reach_only_those_modes(kept):
    centers = ring8_centers()
    x = centers[torch.arange(800) % kept]  # every sample exactly on one of the first `kept` modes
    cov = mode_coverage(x, centers, RING8_STD)
    assert cov.modes_reached == cov.modes_sharp == kept and cov.high_quality == 1.0
    assert list(cov.counts[:kept]) == [800 // kept + (i < 800 % kept) for i in range(kept)]


def test_a_mode_needs_its_share_and_far_samples_are_reached_but_not_sharp():
    centers = ring8_centers()
    # 1000 samples: 990 on mode 0, 10 on mode 1; fair share 125, min count ceil(0.2 * 125) = 25
    x = torch.cat([centers[[0]].repeat(990, 1), centers[[1]].repeat(10, 1)])
    cov = mode_coverage(x, centers, RING8_STD)
    assert cov.min_count == 25 and cov.modes_reached == 1
    assert mode_coverage(x, centers, RING8_STD, min_share=0.05).modes_reached == 2
    off = centers + torch.tensor([[4 * RING8_STD, 0.0]])  # every mode, 4 std off its centre
    far = mode_coverage(off, centers, RING8_STD)
    assert far.modes_reached == 8 and far.high_quality == 0.0 and far.modes_sharp == 0
    assert mode_coverage(off, centers, RING8_STD, threshold=5.0).modes_sharp == 8
    assert str(cov) == "1/8 modes reached, 100.0% high-quality samples, 1/8 modes reached and sharp"
    assert isinstance(cov, ModeCoverage)
    assert cov.as_dict() == {"modes_reached": 1.0, "high_quality": 1.0, "modes_sharp": 1.0}


def test_mode_coverage_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        mode_coverage(torch.zeros(5, 3), ring8_centers(), RING8_STD)
    with pytest.raises(ValueError, match=r"std .* positive"):
        mode_coverage(torch.zeros(5, 2), ring8_centers(), 0.0)
    with pytest.raises(ValueError, match=r"threshold .*positive"):
        mode_coverage(torch.zeros(5, 2), ring8_centers(), RING8_STD, threshold=-1.0)
    with pytest.raises(ValueError, match="min_share"):
        mode_coverage(torch.zeros(5, 2), ring8_centers(), RING8_STD, min_share=0.0)
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
    assert a == b and set(a) == {"modes_reached", "high_quality", "modes_sharp", "w1"}
    with torch.no_grad():  # a generator that outputs one mode centre
        for p in gen.parameters():
            p.zero_()
        gen.net[-1].bias.copy_(target.centers[0])
    stuck = metrics(gen)
    assert stuck["modes_reached"] == stuck["modes_sharp"] == 1.0 and stuck["high_quality"] == 1.0
    assert stuck["w1"] > 0.5


def test_coverage_table_lists_recall_and_precision_per_seed():
    centers = ring8_centers()
    runs = {"target": [mode_coverage(sample_ring8(400, seed=s), centers, RING8_STD) for s in range(3)],
            "blob": [mode_coverage(torch.zeros(400, 2) + centers[0] + 0.5, centers, RING8_STD)] * 3}
    table = coverage_table(runs)
    lines = table.splitlines()
    assert "RECALL" in lines[0] and "PRECISION" in lines[0]
    target_row, blob_row = lines[2], lines[3]
    assert target_row.startswith("target") and " 8  8  8 " in target_row and "8.0/8" in target_row
    hq = [f"{100 * r.high_quality:5.1f}" for r in runs["target"]]
    assert " ".join(hq) in target_row
    assert " 1  1  1 " in blob_row and "1.0/8" in blob_row and "  0.0   0.0   0.0" in blob_row
    assert blob_row.split()[-4:] == ["0", "0", "0", "0.0/8"]  # reached but not sharp, in every seed
    sharp = [str(r.modes_sharp) for r in runs["target"]]
    assert target_row.split()[-4:] == [*sharp, f"{np.mean([r.modes_sharp for r in runs['target']]):.1f}/8"]
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
    assert entry["samples"].shape == (2, 40, 2) and entry["modes_reached"].shape == (2, 2)
    assert entry["modes_sharp"].shape == entry["high_quality"].shape == (2, 2)
    assert entry["eval_steps"] == [2, 3]
    coverage = study_coverage(study, "grid25")
    assert list(coverage) == ["plain", "k=2, pack 2"] and coverage["plain"][0].n_modes == 25
    # the coverage recomputed from the saved samples is the one recorded at the last step
    recomputed = study_coverage(study, "ring8")["plain"]
    recorded = study["results"]["ring8"]["plain"]
    assert [c.modes_reached for c in recomputed] == recorded["modes_reached"][:, -1].int().tolist()
    assert [c.modes_sharp for c in recomputed] == recorded["modes_sharp"][:, -1].int().tolist()
    with pytest.raises(ValueError, match="no target"):
        study_coverage(study, "spiral")
    with pytest.raises(ValueError, match="unknown target"):
        mode_collapse_study(settings, targets=("spiral",), seeds=[0], steps=1, progress=False)
