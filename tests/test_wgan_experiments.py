"""Tests for gancourse.wgan_experiments: notebook 04's experiments, on tiny budgets."""

import numpy as np
import pytest
import torch

from gancourse import wgan_experiments as wx


def test_gaussian_sweep_estimates_within_ten_percent():
    sweep = wx.gaussian_w1_sweep(shifts=(-2.0,), n=2000, steps=250)
    np.testing.assert_allclose(sweep.exact, [2.0])  # W1 = |mu1 - mu2|, whichever side mu2 is on
    assert np.all(np.abs(sweep.rel_error) < 0.10)
    assert "error vs exact" in str(sweep)


def test_gaussian_sweep_rejects_zero_shift():
    with pytest.raises(ValueError, match="non-zero shifts"):
        wx.gaussian_w1_sweep(shifts=(0.0, 1.0))


def test_compare_critics_clips_one_critic_only():
    result = wx.compare_critics("ring8", steps=30, n_eval=200, hidden_dim=16)
    assert np.abs(result.weights["clip"]).max() <= 0.01 + 1e-7
    assert np.abs(result.weights["gp"]).max() > 0.01
    assert result.grad_norms["gp"].shape == (200,)
    assert 0 <= result.at_clip_bounds() <= 1
    assert result.w1_samples > 0
    # the baseline by hand: default init draws U(-1/sqrt(fan_in), 1/sqrt(fan_in)), so a fraction
    # 1 - 0.99 c sqrt(fan_in) of each layer's weights lies beyond 0.99 c, where clipping puts it at the bound
    sizes = [(2, 16), (16, 16), (16, 16), (16, 1)]  # (fan_in, fan_out) of MLPDiscriminator(2, 16, 3)
    expected = sum(i * o * (1 - 0.99 * 0.01 * i**0.5) for i, o in sizes) / sum(i * o for i, o in sizes)
    assert result.at_clip_bounds_at_init == pytest.approx(expected, abs=0.03)
    assert "at initialisation" in str(result)


def test_compare_critics_rejects_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset"):
        wx.compare_critics("swissroll")


@pytest.mark.parametrize("method", wx.TOY_METHODS)
def test_toy_run_records_aligned_metrics(method):
    config = {"steps": 4, "eval_every": 2, "n_eval": 50, "hidden_dim": 8, "n_hidden": 1, "batch_size": 16}
    run = wx.train_toy_run("grid25", method, seed=0, config=config)
    assert run["metric_step"] == [2, 4]
    for key in ("modes_reached", "high_quality", "modes_sharp", "w1", "estimate", "dual"):
        assert len(run[key]) == 2 and np.all(np.isfinite(run[key]))
    assert run["samples"].shape == (1000, 2)


def test_toy_comparison_table_lists_every_method():
    def run(w1):
        return {"w1": [2.0, w1], "estimate": [1.8, 0.2]}

    ckpt = {"runs": {m: [run(0.1), run(0.3)] for m in wx.TOY_METHODS}}
    table = wx.toy_comparison_table({"ring8": ckpt}, baseline=False)
    assert table.count("ring8") == 3
    assert "0.200 +- 0.100" in table and "+1.00 +1.00" in table


def test_toy_coverage_recomputes_recall_and_precision_from_the_samples():
    from gancourse.distributions import RING8_STD, ring8_centers, sample_ring8

    centers = ring8_centers()
    target_like = {"samples": sample_ring8(1000, seed=0)}
    blob = {"samples": centers[0] + 0.1 * torch.randn(1000, 2, generator=torch.Generator().manual_seed(0))}
    cover = wx.toy_coverage({"dataset": "ring8", "runs": {"gan": [target_like, blob]}})
    assert [c.modes_reached for c in cover["gan"]] == [8, 1]
    assert cover["gan"][0].high_quality > 0.98 and cover["gan"][1].high_quality < 0.5
    assert cover["gan"][1].high_quality == pytest.approx(
        float(((blob["samples"] - centers[0]).norm(dim=1) <= 3 * RING8_STD).float().mean()))


def test_toy_comparison_table_reports_each_seed_and_the_real_baseline():
    def run(estimate):
        return {"w1": [2.0, 1.0, 0.5], "estimate": estimate}

    ckpt = {"config": {"seeds": [0, 1], "n_eval": 200},
            "runs": {m: [run([3.0, 2.0, 1.0]), run([1.0, 2.0, 3.0])] for m in wx.TOY_METHODS}}
    table = wx.toy_comparison_table({"ring8": ckpt})
    # per-seed correlations, not their average (which would be ~0)
    assert table.count("+0.98 -0.98") == 3
    floor = wx.real_vs_real_w1("ring8", n=200, seeds=[0, 1])
    assert "real/real" in table and f"{floor.mean():6.3f} +- {floor.std():.3f}" in table


@pytest.mark.parametrize("dataset", ["ring8", "grid25"])
def test_real_vs_real_w1_is_positive_and_shrinks_with_n(dataset):
    small, large = wx.real_vs_real_w1(dataset, n=50), wx.real_vs_real_w1(dataset, n=400)
    assert small.shape == (3,) and np.all(large > 0)
    assert large.mean() < small.mean()


def test_wgan_gp_digits_checkpoint_round_trip(tmp_path):
    ckpt = wx.train_wgan_gp_digits({"steps": 2, "eval_every": 1, "width": 8}, progress=False)
    assert ckpt["snapshots"].shape == (2, 16, 1, 8, 8)
    assert set(ckpt["history"]["metrics"]) >= {"critic_w1", "frechet", "inception_score"}
    path = tmp_path / "wgan_gp_digits.pt"
    torch.save(ckpt, path)
    generator, loaded = wx.load_wgan_gp_digits(path=path)
    assert not generator.training and loaded["config"]["width"] == 8
