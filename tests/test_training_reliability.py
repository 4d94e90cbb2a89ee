"""Training that could quietly do the wrong thing (issue 12, categories 3 and 6): it refuses, stops with a
message naming the step and the likely cause, or leaves the caller's state as it was."""

import random

import numpy as np
import pytest
import torch

import gancourse as gc
from gancourse.digits import train_dcgan_digits
from gancourse.live import LiveGAN
from gancourse.wgan import critic_loss, generator_wasserstein_loss, train_critic
from gancourse.wgan_experiments import train_toy_comparison, train_toy_run, train_wgan_gp_digits


def _toy(seed=0):
    return gc.make_toy_gan(gc.ToyGANConfig(hidden_dim=8, n_hidden=1, batch_size=16), seed=seed)


def _train(generator, discriminator, d_opt, g_opt, **kwargs):
    kwargs.setdefault("steps", 3)
    return gc.train_gan(generator, discriminator, lambda n: torch.randn(n, 2), batch_size=16, latent_dim=2,
                        d_optimizer=d_opt, g_optimizer=g_opt, progress=False, **kwargs)


def test_train_gan_refuses_the_other_players_optimizer():
    generator, discriminator, d_opt, g_opt = _toy()
    with pytest.raises(ValueError, match="d_optimizer holds parameters that are not the discriminator's"):
        _train(generator, discriminator, g_opt, d_opt)


@pytest.mark.parametrize(("d_loss", "g_loss"), [
    (critic_loss, gc.nonsaturating_generator_loss),
    (gc.discriminator_loss, generator_wasserstein_loss),
])
def test_train_gan_refuses_a_mismatched_loss_pair(d_loss, g_loss):
    generator, discriminator, d_opt, g_opt = _toy()
    before = [p.detach().clone() for p in generator.parameters()]
    with pytest.raises(ValueError, match="mismatched losses"):
        _train(generator, discriminator, d_opt, g_opt, d_loss=d_loss, g_loss=g_loss)
    assert all(torch.equal(a, b) for a, b in zip(before, generator.parameters(), strict=True))  # nothing trained


def test_train_gan_stops_when_the_loss_turns_nan():
    generator, discriminator, d_opt, g_opt = _toy()
    calls = []

    def sample_real(n):
        calls.append(n)
        x = torch.randn(n, 2)
        return x if len(calls) < 3 else x * float("nan")  # the probe and step 0 are fine; step 1's data is NaN

    with pytest.raises(FloatingPointError, match=r"stopped at step 1: the discriminator step.*learning rate.*sample_real"):
        gc.train_gan(generator, discriminator, sample_real, steps=50, batch_size=16, latent_dim=2,
                     d_optimizer=d_opt, g_optimizer=g_opt, progress=False)
    assert len(calls) == 3  # it did not go on training on NaN


def test_train_gan_stops_when_a_huge_learning_rate_diverges():
    generator, discriminator, _, _ = _toy()
    d_opt = torch.optim.SGD(discriminator.parameters(), lr=1e30)
    g_opt = torch.optim.SGD(generator.parameters(), lr=1e30)
    with pytest.raises(FloatingPointError, match="stopped at step"):
        _train(generator, discriminator, d_opt, g_opt, steps=200)


def test_train_critic_with_lr_zero_does_not_move():
    x, y = torch.randn(64, 2), torch.randn(64, 2) + 1
    torch.manual_seed(0)
    critic = gc.MLPDiscriminator(2, hidden_dim=8, n_hidden=1)
    before = [p.detach().clone() for p in critic.parameters()]
    train_critic(x, y, critic=critic, steps=5, lr=0.0)  # `lr or 1e-3` used to turn 0 into 1e-3
    assert all(torch.equal(a, b) for a, b in zip(before, critic.parameters(), strict=True))
    with pytest.raises(ValueError, match="learning rate lr >= 0"):
        train_critic(x, y, steps=1, lr=-1e-3)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_train_critic_leaves_the_critic_in_the_mode_it_came_in(mode):
    critic = gc.MLPDiscriminator(2, hidden_dim=8, n_hidden=1)
    getattr(critic, mode)()
    out, _ = train_critic(torch.randn(32, 2), torch.randn(32, 2), critic=critic, steps=2)
    assert out is critic and critic.training == (mode == "train")


def _pts(n, d):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(n + d))  # not from the global stream


def _global_state():
    return torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()  # noqa: NPY002


def _same(a, b):
    return torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]


@pytest.mark.parametrize("call", [
    pytest.param(lambda: gc.estimate_w1(_pts(64, 1), _pts(64, 1) + 1, steps=3), id="estimate_w1"),
    pytest.param(lambda: train_critic(_pts(32, 2), _pts(32, 2), steps=2), id="train_critic"),
    pytest.param(lambda: gc.make_toy_gan(seed=3), id="make_toy_gan"),
    pytest.param(lambda: LiveGAN(), id="LiveGAN"),
    pytest.param(lambda: gc.mode_collapse_study({"a": {"hidden_dim": 8, "n_hidden": 1}}, targets=("ring8",),
                                                seeds=[0], steps=2, eval_every=2, n_samples=50, progress=False),
                 id="mode_collapse_study"),
    pytest.param(lambda: train_toy_run("ring8", "wgan_gp", config={"steps": 2, "hidden_dim": 8, "n_hidden": 1,
                                                                 "eval_every": 2, "n_eval": 50}),
                 id="train_toy_run"),
])
def test_functions_that_seed_themselves_leave_the_global_random_state_alone(call):
    torch.manual_seed(123)
    np.random.seed(7)  # noqa: NPY002
    random.seed(5)
    before = _global_state()
    call()
    assert _same(before, _global_state())


def test_restoring_the_random_state_keeps_results_reproducible():
    a = gc.estimate_w1(torch.randn(64, 1), torch.randn(64, 1) + 1, steps=20, seed=1).w1
    torch.manual_seed(999)  # a different caller state must not matter
    b = gc.estimate_w1(torch.randn(64, 1), torch.randn(64, 1) + 1, steps=20, seed=1).w1
    assert isinstance(a, float) and isinstance(b, float)
    x, y = torch.randn(64, 1), torch.randn(64, 1) + 1
    assert gc.estimate_w1(x, y, steps=20, seed=1).w1 == gc.estimate_w1(x, y, steps=20, seed=1).w1


@pytest.mark.parametrize(("call", "match"), [
    (lambda: train_toy_run("ring8", "wgan_gp", config={"step": 10}), r"unknown config keys \['step'\].*did you mean 'steps'"),
    (lambda: train_toy_comparison("ring8", config={"lrr": 1e-3}), r"unknown config keys \['lrr'\]"),
    (lambda: train_dcgan_digits({"stpes": 10}), "unknown config keys"),
    (lambda: train_wgan_gp_digits({"stpes": 10}), "unknown config keys"),
])
def test_unknown_config_keys_stop_before_training(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------- the flow of notebook 06: the same standard
def test_train_flow_refuses_another_networks_optimizer_and_stops_at_nan():
    from gancourse.flows import Flow, make_toy_flow, train_flow

    flow, optimizer = make_toy_flow(seed=0)
    other = torch.optim.Adam(Flow(2, n_steps=1).parameters(), lr=1e-3)
    with pytest.raises(ValueError, match="not this flow's"):
        train_flow(flow, lambda n: torch.randn(n, 2), steps=1, batch_size=8, optimizer=other, progress=False)
    calls = []

    def sample_real(n):
        calls.append(n)
        return torch.randn(n, 2) if len(calls) < 3 else torch.full((n, 2), 1e30)  # probe, step 0 fine

    with pytest.raises(FloatingPointError, match="stopped at step 1"):
        train_flow(flow, sample_real, steps=50, batch_size=8, optimizer=optimizer, progress=False)


def test_make_toy_flow_leaves_the_global_random_state_alone():
    from gancourse.flows import make_toy_flow

    torch.manual_seed(11)
    before = torch.get_rng_state()
    make_toy_flow(seed=3)
    assert torch.equal(before, torch.get_rng_state())
