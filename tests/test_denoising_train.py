"""Tests for gancourse.denoising.train: the three objectives, resuming, exporting weights."""

import math

import numpy as np
import pytest
import torch
from tiny_denoiser import TINY, VAL

from gancourse.denoising import train as T
from gancourse.denoising.api import denoise, load_denoiser
from gancourse.denoising.networks import PatchDiscriminator


@pytest.fixture
def _train(image_folder):
    def run(tmp_path, name, **kw):
        config = T.DenoiserConfig(**{**TINY, "steps": kw.pop("steps", 6), **kw.pop("config", {})})
        return T.train_denoiser(config, tmp_path / name, data=image_folder, progress_bar=False, validation=VAL, **kw)

    return run


@pytest.fixture(scope="module")
def cnn_checkpoint(tmp_path_factory, image_folder):
    tmp = tmp_path_factory.mktemp("cnn")
    config = T.DenoiserConfig(**TINY, steps=6)
    T.train_denoiser(config, tmp / "cnn.pt", data=image_folder, progress_bar=False, validation=VAL)
    return tmp / "cnn.pt"


def test_pixel_loss_is_mean_squared_error():
    a, b = torch.tensor([0.0, 1.0, 3.0]), torch.tensor([1.0, 1.0, 1.0])
    assert T.pixel_loss(a, b).item() == pytest.approx((1 + 0 + 4) / 3)


def test_checkpoint_holds_what_made_it(cnn_checkpoint):
    state = T.load_state(cnn_checkpoint)
    assert state["step"] == 6 and state["config"]["objective"] == "cnn"
    assert {"generator", "g_optimizer", "schedule", "sampler", "torch_rng", "log", "data", "device"} <= set(state)
    assert state["log"][0]["step"] == 0 and state["log"][-1]["step"] == 6
    assert math.isfinite(state["log"][-1]["val_psnr_25"])
    assert state["schedule"]["last_epoch"] == 6


def test_resumed_run_equals_an_uninterrupted_one(tmp_path, _train):
    whole = _train(tmp_path, "a.pt")
    _train(tmp_path, "b.pt", until_step=3)
    resumed = _train(tmp_path, "b.pt", resume=tmp_path / "b.pt")
    assert resumed["step"] == 6
    for key, value in whole["generator"].items():
        assert torch.equal(value, resumed["generator"][key]), key


@pytest.mark.parametrize("objective", ["gan", "wgan"])
def test_adversarial_objectives_fine_tune_the_cnn(tmp_path, cnn_checkpoint, objective, _train):
    start = T.load_state(cnn_checkpoint)["generator"]
    out = _train(tmp_path, f"{objective}.pt", steps=2, config={"objective": objective}, init_from=cnn_checkpoint)
    assert "discriminator" in out and "d_optimizer" in T.load_state(tmp_path / f"{objective}.pt")
    moved = any(not torch.equal(start[k], out["generator"][k]) for k in start if start[k].is_floating_point())
    assert moved


def test_adversarial_objective_without_init_is_refused(tmp_path, _train):
    with pytest.raises(ValueError, match="init_from"):
        _train(tmp_path, "g.pt", config={"objective": "gan"})


def test_config_checks():
    with pytest.raises(ValueError, match="unknown objective"):
        T.DenoiserConfig(objective="vae")
    with pytest.raises(ValueError, match="unknown config keys"):
        T.DenoiserConfig.from_dict({"objective": "cnn", "learning_rate": 1})
    with pytest.raises(ValueError, match="multiple of 8"):
        T.DenoiserConfig(patch=30)


def test_a_loss_that_turns_nan_stops_with_a_message(tmp_path, monkeypatch, _train):
    monkeypatch.setattr(T, "pixel_loss", lambda x, y: (x - y).pow(2).mean() * float("nan"))
    with pytest.raises(FloatingPointError, match="step 1"):
        _train(tmp_path, "nan.pt")


def test_exported_weights_load_and_denoise(tmp_path, cnn_checkpoint):
    manifest = T.export_weights(cnn_checkpoint, tmp_path / "w.pt", command="pytest")
    assert manifest["command"] == "pytest" and manifest["steps"] == 6
    with pytest.raises(FileExistsError):
        T.export_weights(cnn_checkpoint, tmp_path / "w.pt", command="again")
    model = load_denoiser("cnn", tmp_path / "w.pt")
    assert not model.training
    out = denoise(np.full((20, 17), 0.5), "cnn", sigma=25, weights=tmp_path / "w.pt")
    assert out.shape == (20, 17) and np.isfinite(out).all()


def test_a_fine_tune_and_its_weights_keep_a_frozen_record_of_their_start(tmp_path, _train, cnn_checkpoint):
    start = T.load_state(cnn_checkpoint, with_optimizer=False)
    fine = _train(tmp_path, "gan.pt", steps=2, config={"objective": "gan"}, init_from=cnn_checkpoint)
    record = fine["pretrain"]
    assert record["checkpoint"] == str(cnn_checkpoint) and record["objective"] == "cnn"
    assert (record["step"], record["steps"]) == (6, 6)
    assert repr(record["log"]) == repr(start["log"])  # repr: the step-0 row's train_mse is nan
    T.export_weights(tmp_path / "gan.pt", tmp_path / "gan_w.pt", command="pytest")
    shipped = torch.load(tmp_path / "gan_w.pt", map_location="cpu", weights_only=True)
    assert repr(shipped["pretrain"]) == repr(record)
    # a fine-tune from shipped weights passes their record on; a run from scratch has none
    again = _train(tmp_path, "gan2.pt", steps=1, config={"objective": "gan"}, init_from=tmp_path / "gan_w.pt")
    assert repr(again["pretrain"]) == repr(record)
    assert T.load_state(cnn_checkpoint)["pretrain"] is None


class _OneNorm(torch.nn.Module):
    """A 'generator' that is one batch-norm layer on the noisy input: its statistics can be checked by hand."""

    def __init__(self):
        super().__init__()
        self.bn = torch.nn.BatchNorm2d(1)
        self.scale = torch.nn.Parameter(torch.ones(1))

    def forward(self, noisy, sigma):
        return self.bn(noisy) * self.scale


def test_precise_bn_averages_the_batch_statistics_with_equal_weight(image_folder):
    images, _ = T.load_training_images(image_folder)
    net = _OneNorm()
    net.bn.running_mean.fill_(5.0)  # stale statistics, to be replaced
    T.precise_bn(net, T.PatchSampler(images, patch=16, seed=3), batches=3, batch_size=4)
    replay = T.PatchSampler(images, patch=16, seed=3)
    batches = [replay(4)[1] for _ in range(3)]
    # hand computation: the plain mean over batches of each batch's mean and unbiased variance
    mean = torch.stack([b.mean() for b in batches]).mean()
    var = torch.stack([b.var(unbiased=True) for b in batches]).mean()
    assert torch.allclose(net.bn.running_mean, mean.reshape(1), atol=1e-6)
    assert torch.allclose(net.bn.running_var, var.reshape(1), atol=1e-6)
    assert net.bn.momentum == 0.1 and not net.training and net.scale.item() == 1.0  # weights untouched
    with pytest.raises(ValueError, match="at least one batch"):
        T.precise_bn(net, replay, batches=0)


def test_each_validation_also_scores_the_weights_with_precise_statistics(cnn_checkpoint):
    row = T.load_state(cnn_checkpoint)["log"][-1]
    assert math.isfinite(row["val_psnr_25_precise_bn"]) and row["val_psnr_25_precise_bn"] != row["val_psnr_25"]


def test_exported_weights_carry_precise_statistics_and_their_own_validation(tmp_path, cnn_checkpoint, image_folder):
    from gancourse.denoising.images import held_out_images

    manifest = T.export_weights(cnn_checkpoint, tmp_path / "w.pt", command="pytest", data=image_folder)
    assert "precise_bn" in manifest["batch_norm_statistics"] and "100 batches" in manifest["batch_norm_statistics"]
    assert manifest["val_psnr_sigma25_logged"] == T.load_state(cnn_checkpoint)["log"][-1]["val_psnr_25"]
    model = load_denoiser("cnn", tmp_path / "w.pt")
    assert manifest["val_psnr_sigma25"] == round(T.validate(model, held_out_images(), 25.0), 3)
    kept = T.export_weights(cnn_checkpoint, tmp_path / "kept.pt", command="pytest", bn_batches=0)
    assert kept["batch_norm_statistics"] == "the training run's running averages"
    shipped = torch.load(tmp_path / "kept.pt", map_location="cpu", weights_only=True)["generator"]
    assert all(torch.equal(v, T.load_state(cnn_checkpoint)["generator"][k]) for k, v in shipped.items())


def test_extra_manifest_entries_are_kept_but_may_not_replace_measured_ones(tmp_path, cnn_checkpoint):
    with pytest.raises(ValueError, match=r"\['val_psnr_sigma25'\] would replace measured ones"):
        T.export_weights(cnn_checkpoint, tmp_path / "w.pt", command="pytest", extra={"val_psnr_sigma25": 99.0})
    assert not (tmp_path / "w.pt").exists()
    manifest = T.export_weights(cnn_checkpoint, tmp_path / "w.pt", command="pytest", bn_batches=0,
                                extra={"selection": {"lambda": 0.01}})
    assert manifest["selection"] == {"lambda": 0.01}
    assert torch.load(tmp_path / "w.pt", map_location="cpu", weights_only=True)["manifest"]["selection"] == {"lambda": 0.01}


def test_discriminator_warm_up_trains_only_the_judge_on_patches_of_its_own(tmp_path, cnn_checkpoint, _train,
                                                                          monkeypatch):
    calls = {"d": 0, "g": 0}
    d_step, g_step = T.discriminator_step, T.generator_step

    def counting_d(*a, **k):
        calls["d"] += 1
        return d_step(*a, **k)

    def counting_g(*a, **k):
        calls["g"] += 1
        return g_step(*a, **k)

    monkeypatch.setattr(T, "discriminator_step", counting_d)
    monkeypatch.setattr(T, "generator_step", counting_g)
    warm = _train(tmp_path, "warm.pt", steps=2, config={"objective": "gan", "d_warmup": 3}, init_from=cnn_checkpoint)
    assert calls == {"d": 3 + 2, "g": 2}
    assert warm["d_warmed"] == 3 and warm["log"][0]["d_warmup"] == 3
    cold = _train(tmp_path, "cold.pt", steps=2, config={"objective": "gan"}, init_from=cnn_checkpoint)
    # the fine-tune drew the same training patches as a run without warm-up (and as the control)
    assert torch.equal(warm["sampler"]["generator"], cold["sampler"]["generator"])
    assert "d_warmup" not in cold["log"][0]


def test_the_gradient_ratio_is_linear_in_lambda(tmp_path, cnn_checkpoint, _train):
    rows = [_train(tmp_path, f"r{lam}.pt", steps=1, config={"objective": objective, "d_warmup": 2, "adv_weight": lam},
                   init_from=cnn_checkpoint)["log"][0]
            for objective in ("gan", "wgan") for lam in (1e-2, 4e-2)]
    for one, four in (rows[:2], rows[2:]):
        # the same generator and the same warmed-up judge (its training does not depend on lambda)
        assert four["grad_ratio_adv_pixel_after_warmup"] == pytest.approx(
            4 * one["grad_ratio_adv_pixel_after_warmup"], rel=2e-3)
        assert one["grad_ratio_adv_pixel"] > 0 and math.isfinite(one["grad_ratio_adv_pixel"])


def test_the_gan_judges_each_patch_and_old_checkpoints_keep_their_loss(tmp_path, cnn_checkpoint, _train, monkeypatch):
    built = []
    monkeypatch.setattr(T, "PatchDiscriminator", lambda **k: built.append(k["reduce"]) or PatchDiscriminator(**k))
    out = _train(tmp_path, "g.pt", steps=1, config={"objective": "gan"}, init_from=cnn_checkpoint)
    _train(tmp_path, "w.pt", steps=1, config={"objective": "wgan"}, init_from=cnn_checkpoint)
    assert built == ["patches", "mean"]  # BCE per patch (pix2pix); the critic's value is the patch mean
    assert out["config"]["d_patch_loss"] is True
    old = {k: v for k, v in out["config"].items() if k not in ("d_patch_loss", "d_warmup")}
    assert T.DenoiserConfig.from_dict(old).d_patch_loss is False  # written before the key existed: mean-logit BCE
    assert T.DenoiserConfig.from_dict(old).d_warmup == 0
    with pytest.raises(ValueError, match="d_warmup"):
        T.DenoiserConfig(d_warmup=-1)


def test_an_adversarial_run_keeps_each_players_optimizer_in_its_own_file_and_resumes(tmp_path, cnn_checkpoint, _train):
    kw = {"config": {"objective": "wgan", "d_warmup": 2}, "init_from": cnn_checkpoint}
    whole = _train(tmp_path, "a.pt", steps=4, **kw)
    g_file = torch.load(tmp_path / "a.optim.pt", map_location="cpu", weights_only=True)
    d_file = torch.load(tmp_path / "a.d_optim.pt", map_location="cpu", weights_only=True)
    assert set(g_file["optimizers"]) == {"g_optimizer"} and set(d_file["optimizers"]) == {"d_optimizer"}
    _train(tmp_path, "b.pt", steps=4, until_step=2, **kw)
    torch.manual_seed(1234)  # the global stream the gradient penalty draws from comes back from the checkpoint
    resumed = _train(tmp_path, "b.pt", steps=4, resume=tmp_path / "b.pt")
    for key in ("generator", "discriminator"):
        for name, value in whole[key].items():
            assert torch.equal(value, resumed[key][name]), (key, name)
    # a checkpoint whose optimizer files are from another step is refused
    torch.save({**d_file, "step": 99}, tmp_path / "b.d_optim.pt")
    with pytest.raises(ValueError, match="not written together"):
        T.load_state(tmp_path / "b.pt")


def test_full_size_optimizer_files_fit_the_repositorys_5_mb(tmp_path):
    config = T.DenoiserConfig(objective="gan")
    for player, net in (("g", T.build_generator(config)), ("d", PatchDiscriminator(features=config.d_features))):
        opt = torch.optim.Adam(net.parameters())
        for p in net.parameters():
            p.grad = torch.ones_like(p)
        opt.step()
        path = T._optim_path(tmp_path / "run.pt", player)
        torch.save({"step": 1, "optimizers": {f"{player}_optimizer": opt.state_dict()}}, path)
        assert path.stat().st_size < 5_000_000, (player, path.stat().st_size)


def test_a_warm_restart_keeps_the_whole_chain_of_runs(tmp_path, _train, cnn_checkpoint):
    """cycle 1 -> warm restart -> fine-tune -> weights: the weights name both cycles, oldest first."""
    cycle1 = T.load_state(cnn_checkpoint, with_optimizer=False)
    _train(tmp_path, "cycle2.pt", steps=3, init_from=cnn_checkpoint)
    cycle2 = T.load_state(tmp_path / "cycle2.pt", with_optimizer=False)
    _train(tmp_path, "ft.pt", steps=1, init_from=tmp_path / "cycle2.pt")
    T.export_weights(tmp_path / "ft.pt", tmp_path / "w.pt", command="pytest", bn_batches=0)
    shipped = torch.load(tmp_path / "w.pt", map_location="cpu", weights_only=True)
    history = T.run_history(shipped["pretrain"])
    assert [h["checkpoint"] for h in history] == [str(cnn_checkpoint), str(tmp_path / "cycle2.pt")]
    assert [h["steps"] for h in history] == [6, 3]
    assert repr(history[0]["log"]) == repr(cycle1["log"]) and repr(history[1]["log"]) == repr(cycle2["log"])
    assert T.run_history(None) == []


def test_export_fills_in_the_chain_of_a_record_frozen_without_one(tmp_path, _train, cnn_checkpoint):
    """Fine-tunes frozen before records had "earlier" get it from the checkpoint they name."""
    _train(tmp_path, "cycle2.pt", steps=3, init_from=cnn_checkpoint)
    _train(tmp_path, "ft.pt", steps=1, init_from=tmp_path / "cycle2.pt")
    state = torch.load(tmp_path / "ft.pt", map_location="cpu", weights_only=True)
    del state["pretrain"]["earlier"]  # as a record written before this field existed
    torch.save(state, tmp_path / "ft.pt")
    T.export_weights(tmp_path / "ft.pt", tmp_path / "w.pt", command="pytest", bn_batches=0)
    shipped = torch.load(tmp_path / "w.pt", map_location="cpu", weights_only=True)
    assert [h["steps"] for h in T.run_history(shipped["pretrain"])] == [6, 3]
    # with the named checkpoint gone, the chain stops there instead of failing
    (tmp_path / "cycle2.pt").rename(tmp_path / "moved.pt")
    T.export_weights(tmp_path / "ft.pt", tmp_path / "w2.pt", command="pytest", bn_batches=0)
    shipped = torch.load(tmp_path / "w2.pt", map_location="cpu", weights_only=True)
    assert [h["steps"] for h in T.run_history(shipped["pretrain"])] == [3]


def test_the_cpu_clock_ignores_a_pause_that_the_wall_clock_counts(tmp_path, _train, monkeypatch):
    """A process stopped for 5 minutes in each step: ``minutes`` counts them, ``cpu_minutes`` does not."""
    import time

    real, calls = time.perf_counter, {"n": 0}

    def paused_clock():  # every reading is 5 minutes after the one before: a stop between any two
        calls["n"] += 1
        return real() + 300.0 * calls["n"]

    monkeypatch.setattr(T.time, "perf_counter", paused_clock)
    state = _train(tmp_path, "p.pt", steps=4)
    last = state["log"][-1]
    assert last["minutes"] >= 20.0  # the wall clock took the pause
    assert 0.0 < state["cpu_elapsed"] < 60.0 and last["cpu_minutes"] < 1.0  # the CPU clock: only the work
    assert state["cpu_from"] == 0 and "cpu_from_step" not in last
    manifest = T.export_weights(tmp_path / "p.pt", tmp_path / "w.pt", command="pytest", bn_batches=0)
    assert manifest["cpu_minutes"] == round(state["cpu_elapsed"] / 60.0, 1)


def test_a_run_resumed_from_a_checkpoint_without_the_cpu_clock_counts_from_there(tmp_path, _train):
    _train(tmp_path, "old.pt", until_step=3)
    state = torch.load(tmp_path / "old.pt", map_location="cpu", weights_only=True)
    del state["cpu_elapsed"], state["cpu_from"]  # as checkpoints written before this clock
    torch.save(state, tmp_path / "old.pt")
    assert T.export_weights(tmp_path / "old.pt", tmp_path / "w.pt", command="pytest",
                            bn_batches=0)["cpu_minutes"] is None
    resumed = _train(tmp_path, "old.pt", resume=tmp_path / "old.pt")
    assert resumed["step"] == 6 and resumed["cpu_from"] == 3 and resumed["cpu_elapsed"] > 0
    assert resumed["log"][-1]["cpu_from_step"] == 3
