"""Notebook 06's experiments: the GANs' stored samples, the scores, the table, the flow checkpoint."""

import math

import numpy as np
import pytest
import torch

from gancourse import flow_experiments as fe
from gancourse.flows import Flow, density_on_grid
from gancourse.toydata import RING8_STD, grid25, ring8

TINY = {"steps": 20, "seeds": [0], "n_steps": 2, "hidden_dim": 8, "eval_every": 10, "n_eval": 200}


@pytest.mark.parametrize("dataset", ["ring8", "grid25"])
def test_gan_samples_come_from_the_stored_checkpoints(dataset):
    gans = fe.gan_samples(dataset)
    assert list(gans) == list(fe.GAN_SOURCES)
    assert [len(v) for v in gans.values()] == [5, 3, 3]  # notebook 03's study has 5 seeds, notebook 04's 3
    assert all(s.shape == (1000, 2) for v in gans.values() for s in v)


def test_scores_of_the_target_itself():
    target = ring8()
    score = fe.score_samples("target", [target.sample(1000, seed=s) for s in (1, 2)], "ring8")
    assert score.modes_reached.tolist() == [8, 8]
    # within 3 std of its centre, a 2-D Gaussian point has probability 1 - exp(-9/2)
    assert np.allclose(score.precision, 1 - math.exp(-4.5), atol=0.012)
    assert score.test_log_likelihood is None and score.n_modes == 8


def test_a_collapsed_generator_reaches_one_mode_sharply():
    centre = ring8().centers[3]
    collapsed = centre + RING8_STD * torch.randn(1000, 2, generator=torch.Generator().manual_seed(0))
    score = fe.score_samples("collapsed", [collapsed], "ring8")
    assert score.modes_reached.tolist() == [1] and score.precision[0] > 0.95
    assert score.w1[0] > 1.0  # most target points are on other modes, ~2 away


def test_w1_is_zero_on_the_reference_target_sample_itself():
    reference = grid25().sample(500, seed=20_000)  # the target points score_samples compares with
    assert fe.score_samples("copy", [reference], "grid25").w1[0] == pytest.approx(0.0, abs=1e-6)


def test_true_test_log_likelihood_is_minus_the_entropy_of_separated_gaussians():
    # 8 non-overlapping modes: H = log 8 + log(2 pi e sigma^2) in 2-D
    entropy = math.log(8) + math.log(2 * math.pi * math.e * RING8_STD**2)
    assert fe.true_test_log_likelihood("ring8") == pytest.approx(-entropy, abs=0.08)


def test_comparison_table_rows_and_na_for_a_gan():
    flow_score = fe.ModelScore("flow", np.array([8, 7]), np.array([0.5, 0.6]), np.array([0.2, 0.3]),
                               np.array([1.0, 2.0]), 8)
    gan_score = fe.ModelScore("GAN", np.array([6]), np.array([0.7]), np.array([0.4]), None, 8)
    table = fe.comparison_table([flow_score, gan_score], speeds={"flow": 1e4}, true_log_likelihood=2.9)
    lines = table.splitlines()
    assert len(lines) == 4 and "samples/s" in lines[0]
    assert " 8  7" in lines[1] and "7.5/8" in lines[1] and "55.0%   (50-60)" in lines[1] and "+1.50" in lines[1]
    assert "1.00e+04" in lines[1]
    assert "n/a" in lines[2] and "70.0%" in lines[2]
    assert lines[3].rstrip().endswith("+2.90")
    with pytest.raises(ValueError, match="expected at least one ModelScore"):
        fe.comparison_table([])


def test_unknown_dataset_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown dataset 'moons'; expected one of \['grid25', 'ring8'\]"):
        fe.gan_samples("moons")


def test_train_store_and_load_a_flow_checkpoint(tmp_path):
    from gancourse.runtime import save_checkpoint

    ckpt = fe.train_flow_toy(TINY)
    assert set(ckpt["runs"]) == {"ring8", "grid25"}
    run = ckpt["runs"]["ring8"][0]
    assert run["history"]["metric_step"] == [9, 19]
    assert set(run["history"]["metrics"]) == {"modes_reached", "high_quality", "test_log_likelihood"}
    path = save_checkpoint(ckpt, tmp_path / "flow_toy.pt")
    flows, loaded = fe.load_flow_toy(path=path)
    assert isinstance(flows["grid25"][0], Flow) and not flows["grid25"][0].training
    x = torch.randn(5, 2)
    rebuilt = Flow(2, 2, 8)
    rebuilt.load_state_dict(run["flow"])
    assert torch.allclose(flows["ring8"][0].log_prob(x), rebuilt.log_prob(x))
    assert fe.flow_history(loaded, "ring8").nll == run["history"]["nll"]


def test_score_flows_adds_the_test_log_likelihood():
    torch.manual_seed(0)
    flow = Flow(2, 1)
    flow(torch.randn(64, 2))  # initialise the actnorm
    score = fe.score_flows([flow], "ring8", n=200, n_test=300)
    x_test = ring8().sample(300, seed=30_000)
    assert score.test_log_likelihood[0] == pytest.approx(float(flow.log_prob(x_test).mean().detach()), rel=1e-6)


def test_sampling_speed_counts_parameters():
    flow = Flow(2, 1, 8)
    flow(torch.randn(16, 2))  # initialise the actnorm
    speed = fe.sampling_speed(flow, n=100, repeats=1)
    # by hand: Linear(2,128) + Linear(128,128) + Linear(128,2), with biases
    assert speed["GAN, notebook 03"]["parameters"] == (2 * 128 + 128) + (128 * 128 + 128) + (128 * 2 + 2)
    assert speed["GAN, notebook 04"]["parameters"] == speed["GAN, notebook 03"]["parameters"] + 128 * 128 + 128
    assert all(v["samples_per_second"] > 0 for v in speed.values())


def test_plots_draw_and_the_density_plot_returns_its_integral():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ckpt = fe.train_flow_toy({**TINY, "steps": 10, "eval_every": 5})
    axes = fe.plot_test_log_likelihood(ckpt)
    assert [ax.get_title() for ax in axes] == ["ring8", "grid25"]
    assert len(axes[0].lines) == 3  # one seed, the true density's line on its test set, the legend's proxy
    # the dashed line is the true density on that run's own test set (200 points, seed 10,000 + 0)
    x_own = ring8().sample(200, seed=10_000)
    assert axes[0].lines[1].get_ydata()[0] == pytest.approx(float(ring8().log_prob(x_own).mean()))
    flow = Flow(2, 2, 8)
    flow.load_state_dict(ckpt["runs"]["grid25"][0]["flow"])
    # the grid's square is centres +- 1.5: [-5.5, 5.5]^2 (a 10-step flow is still broad, so not all its mass is there)
    assert fe.plot_density(flow, "grid25", n=300) == pytest.approx(density_on_grid(flow, extent=5.5, n=300)[2])
    x, labels = ring8().sample(50, seed=0, return_labels=True)
    assert len(fe.plot_encoding(flow, x, labels)) == 2
    assert len(fe.plot_samples({"a": x, "b": x}, "ring8")) == 2
    plt.close("all")


def test_final_curve_gaps_use_the_test_set_the_curve_was_scored_on():
    ckpt = fe.train_flow_toy(TINY)
    assert fe.curve_test_sets(ckpt, "ring8") == [(200, 10_000)]
    flow = Flow(2, 2, 8)
    flow.load_state_dict(ckpt["runs"]["ring8"][0]["flow"])
    flow.eval()
    x_own = ring8().sample(200, seed=10_000)  # train_flow_run's test set for seed 0, drawn again here
    (gap,) = fe.final_curve_gaps(ckpt, "ring8")
    # the last evaluation is at the last step, so the stored value is the final flow's on those points
    assert gap["step"] == 20 and gap["seed"] == 0
    assert gap["flow"] == pytest.approx(float(flow.log_prob(x_own).mean().detach()), rel=1e-5)
    assert gap["true"] == pytest.approx(float(ring8().log_prob(x_own).mean()))
    assert gap["true"] != pytest.approx(fe.true_test_log_likelihood("ring8"), abs=1e-6)  # not score_flows' set
    assert gap["gap"] == pytest.approx(gap["true"] - gap["flow"])


class _IdentityFlow:
    """A stand-in flow with f(x) = x: samples are N(0, T^2 I) and every centre encodes to itself."""

    def sample(self, n, *, seed=None, temperature=1.0):
        return temperature * torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))

    def encode(self, x):
        return x


def test_lost_mode_latent_norms_of_an_identity_flow():
    (out,) = fe.lost_mode_latent_norms([_IdentityFlow()], "grid25", temperature=0.5)
    centers = grid25().centers
    norms = np.linalg.norm(centers.numpy(), axis=1)
    # by hand: count each sample's nearest centre; reached needs a fifth of the fair share, ceil(0.2 * 1000 / 25) = 8
    x = 0.5 * torch.randn(1000, 2, generator=torch.Generator().manual_seed(0))
    counts = np.bincount(torch.cdist(x, centers.float()).argmin(1).numpy(), minlength=25)
    lost = np.flatnonzero(counts < 8)
    assert len(lost) > 0 and out["lost"].tolist() == lost.tolist()
    assert np.allclose(out["lost_norms"], norms[lost])
    assert out["median_norm"] == pytest.approx(float(np.median(norms)))
    assert int(np.argmin(norms)) not in lost  # the mode at the origin keeps its samples
    edge = np.abs(centers.numpy()).max(axis=1) == 4.0  # the grid's centres run from -4 to 4
    assert out["on_edge"].tolist() == edge[lost].tolist() and not edge[lost].all()


def test_density_extent_is_the_centres_extent_plus_a_margin():
    assert fe.density_extent("ring8") == pytest.approx(3.0)  # ring of radius 2, plus 1
    assert fe.density_extent("grid25") == pytest.approx(5.5)  # centres up to 4, plus 1.5


def test_nested_grid_integrals_match_separate_grids():
    torch.manual_seed(0)
    flow = Flow(2, 1, 8)
    flow(torch.randn(64, 2))  # initialise the actnorm
    out = fe.nested_grid_integrals(flow, "ring8", n=41, coarsen=(4, 2, 1))
    assert [(k, round(h, 6)) for k, h, _ in out] == [(11, 0.6), (21, 0.3), (41, 0.15)]  # 6 / 10, 6 / 20, 6 / 40
    for k, _, integral in out:  # each subgrid is the grid density_on_grid builds with k points
        assert integral == pytest.approx(density_on_grid(flow, extent=3.0, n=k)[2], rel=1e-6)
    with pytest.raises(ValueError, match=r"divide n - 1 = 40, got coarsen=\(3,\)"):
        fe.nested_grid_integrals(flow, "ring8", n=41, coarsen=(3,))


def test_table_speeds_gives_wgan_gp_notebook_04s_generator():
    speed = {"flow": {"samples_per_second": 1.0, "parameters": 3}, "GAN, notebook 03": {"samples_per_second": 2.0},
             "GAN, notebook 04": {"samples_per_second": 4.0}}
    assert fe.table_speeds(speed) == {"flow": 1.0, "GAN, notebook 03": 2.0, "GAN, notebook 04": 4.0,
                                      "WGAN-GP, notebook 04": 4.0}
    assert set(fe.table_speeds(speed)) == set(fe.GAN_SOURCES) | {"flow"}
    with pytest.raises(ValueError, match=r"expected sampling_speed\(\)'s result with the models \['flow'\]"):
        fe.table_speeds({k: v for k, v in speed.items() if k != "flow"})
