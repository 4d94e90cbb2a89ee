"""Tests for gancourse.wgan: every formula against a hand computation or a torch built-in."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from gancourse import wgan
from gancourse.wgan import (
    check_loss_pair,
    clip_weights,
    clipping_hook,
    critic_gradient_norms,
    critic_loss,
    estimate_w1,
    generator_wasserstein_loss,
    gradient_penalty,
    penalty_hook,
    train_critic,
    wasserstein_assignment,
)

# The penalty keeps its graph (create_graph=True), so float() on it warns harmlessly.
pytestmark = pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad:UserWarning")


def _bce_d_loss(real_logits, fake_logits):
    """A stand-in for notebook 03's BCE discriminator loss (not a Wasserstein loss)."""
    bce = nn.functional.binary_cross_entropy_with_logits
    return bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits))


def _bce_g_loss(fake_logits):
    return nn.functional.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


# --------------------------------------------------------------------------- losses


@pytest.mark.parametrize("shape", [(5,), (5, 1)])
def test_critic_loss_is_fake_mean_minus_real_mean(shape):
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(shape, generator=g), torch.randn(shape, generator=g)
    expected = fake.numpy().mean() - real.numpy().mean()
    assert float(critic_loss(real, fake)) == pytest.approx(expected, abs=1e-6)


def test_critic_loss_hand_value_and_unequal_batches():
    # E f(fake) - E f(real) = 1 - (3 + 5) / 2 = -3; minus the loss is the dual estimate 3.
    assert float(critic_loss(torch.tensor([3.0, 5.0]), torch.tensor([1.0]))) == -3.0


@pytest.mark.parametrize("shape", [(4,), (4, 1)])
def test_generator_loss_is_minus_fake_mean(shape):
    fake = torch.arange(4.0).reshape(shape)
    assert float(generator_wasserstein_loss(fake)) == pytest.approx(-1.5)


def test_critic_step_scores_real_higher():
    """One descent step on critic_loss must raise E f(x_real) - E f(x_fake)."""
    x_real, x_fake = torch.full((8, 1), 2.0), torch.full((8, 1), -1.0)
    critic = nn.Linear(1, 1)
    with torch.no_grad():
        critic.weight.fill_(0.1)
        critic.bias.zero_()
    with torch.no_grad():
        gap_before = float(critic(x_real).mean() - critic(x_fake).mean())
    opt = torch.optim.SGD(critic.parameters(), lr=0.1)
    critic_loss(critic(x_real), critic(x_fake)).backward()
    opt.step()
    with torch.no_grad():
        gap_after = float(critic(x_real).mean() - critic(x_fake).mean())
    assert gap_after > gap_before


def test_generator_step_moves_fakes_towards_higher_scores():
    """Catches the classic sign error: fakes must move where the critic scores highest.

    The critic f(x) = x scores the real data (at +3) above the fakes (at z + b, b = 0), so
    a descent step on the generator loss must increase b, by exactly lr * 1 for SGD.
    """
    shift = nn.Parameter(torch.zeros(1))
    z = torch.randn(16, 1, generator=torch.Generator().manual_seed(1))
    opt = torch.optim.SGD([shift], lr=0.5)
    generator_wasserstein_loss((z + shift)[:, 0]).backward()
    opt.step()
    assert float(shift.detach()) == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [torch.zeros(3, 2), torch.zeros(()), torch.zeros(0)])
def test_losses_reject_bad_score_shapes(bad):
    with pytest.raises(ValueError, match=r"shape \(N,\) or \(N, 1\)"):
        critic_loss(bad, torch.zeros(3))
    with pytest.raises(ValueError, match=r"shape \(N,\) or \(N, 1\)"):
        generator_wasserstein_loss(bad)


def test_losses_reject_non_tensors():
    with pytest.raises(TypeError, match="torch.Tensor"):
        generator_wasserstein_loss([1.0, 2.0])


# --------------------------------------------------------------------------- loss pairing


@pytest.mark.parametrize(
    ("d_loss", "g_loss"),
    [(_bce_d_loss, generator_wasserstein_loss), (critic_loss, _bce_g_loss)],
)
def test_mismatched_loss_pair_is_refused(d_loss, g_loss):
    with pytest.raises(ValueError, match="mismatched losses"):
        check_loss_pair(d_loss, g_loss)


@pytest.mark.parametrize(
    ("d_loss", "g_loss"),
    [(critic_loss, generator_wasserstein_loss), (_bce_d_loss, _bce_g_loss)],
)
def test_matched_loss_pairs_pass(d_loss, g_loss):
    check_loss_pair(d_loss, g_loss)


def test_sigmoid_critic_is_refused():
    disc = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())
    with pytest.raises(ValueError, match="Sigmoid"):
        gradient_penalty(disc, torch.zeros(3, 2), torch.ones(3, 2))


# --------------------------------------------------------------------------- clipping


def _mlp(seed=0, scale=1.0):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(scale)
    return net


@pytest.mark.parametrize("c", [0.001, 0.01, 0.1])
def test_clip_weights_keeps_every_parameter_in_range(c):
    net = _mlp(scale=10.0)
    before = [p.detach().clone() for p in net.parameters()]
    clip_weights(net, c)
    for old, p in zip(before, net.parameters(), strict=True):
        assert bool((p.abs() <= torch.tensor(c, dtype=p.dtype)).all())  # c in the weights' dtype
        # Values already inside [-c, c] are untouched, the others land on the bound.
        np.testing.assert_array_equal(p.detach().numpy(), np.clip(old.numpy(), -c, c))


def test_clipping_hook_clips_like_clip_weights():
    a, b = _mlp(scale=10.0), _mlp(scale=10.0)
    clipping_hook(0.05)(a)
    clip_weights(b, 0.05)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


@pytest.mark.parametrize("c", [0.0, -0.01])
def test_clip_rejects_non_positive_c(c):
    with pytest.raises(ValueError, match="positive clip value"):
        clip_weights(_mlp(), c)
    with pytest.raises(ValueError, match="positive clip value"):
        clipping_hook(c)


# --------------------------------------------------------------------------- gradient penalty


@pytest.mark.parametrize("w", [[3.0, 4.0], [0.6, 0.8], [0.1, -0.2, 0.3], [0.0, 0.0]])
def test_penalty_of_linear_critic_is_exact(w):
    """f(x) = w . x has gradient w everywhere: the penalty is (||w|| - 1)^2 exactly."""
    w = torch.tensor(w)
    g = torch.Generator().manual_seed(0)
    x_real, x_fake = torch.randn(32, len(w), generator=g), torch.randn(32, len(w), generator=g)
    expected = (math.hypot(*w.tolist()) - 1) ** 2
    assert float(gradient_penalty(lambda x: x @ w, x_real, x_fake)) == pytest.approx(expected, abs=1e-5)


def test_penalty_of_linear_image_critic_uses_the_whole_image():
    """f(x) = <W, x> on (N, C, H, W): the gradient is W, the penalty (||W||_F - 1)^2."""
    weights = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(2)) * 0.3
    x_real, x_fake = torch.randn(6, 3, 4, 5), torch.randn(6, 3, 4, 5)
    got = gradient_penalty(lambda x: (x * weights).sum(dim=(1, 2, 3)), x_real, x_fake)
    assert float(got) == pytest.approx((float(weights.norm()) - 1) ** 2, rel=1e-5)


def _square_critic(x):
    """f(x) = ||x||^2 / 2, so grad f(x) = x: each sample gets a different gradient norm."""
    return 0.5 * x.pow(2).flatten(1).sum(dim=1)


@pytest.mark.parametrize("shape", [(7, 3), (7, 2, 3, 3), (5, 1, 4, 4), (4, 3, 2)])
def test_penalty_takes_per_sample_norm_over_all_non_batch_axes(shape):
    g = torch.Generator().manual_seed(3)
    x_real, x_fake = 0.5 * torch.randn(shape, generator=g), 0.5 * torch.randn(shape, generator=g)
    eps = torch.rand(shape[0], generator=g)
    got = float(gradient_penalty(_square_critic, x_real, x_fake, eps=eps))

    # Independent value with NumPy: x_hat per sample, its norm over everything but axis 0.
    e = eps.numpy().reshape(-1, *([1] * (len(shape) - 1)))
    x_hat = e * x_real.numpy() + (1 - e) * x_fake.numpy()
    norms = np.sqrt((x_hat.reshape(shape[0], -1) ** 2).sum(axis=1))
    expected = np.mean((norms - 1) ** 2)
    assert got == pytest.approx(expected, rel=1e-5)

    # The test can fail: the common bugs give a different number on these inputs. The norm
    # over the batch axis, the norm of the whole batch, and for images the norm over the
    # channel axis only (``grad.norm(2, dim=1)``, correct for (N, D) but not for images).
    wrong = {
        "batch axis": np.mean((np.sqrt((x_hat**2).sum(axis=0)) - 1) ** 2),
        "whole batch": (np.sqrt((x_hat**2).sum()) - 1) ** 2,
    }
    if len(shape) > 2:
        wrong["channel axis"] = np.mean((np.sqrt((x_hat**2).sum(axis=1)) - 1) ** 2)
    for bug, value in wrong.items():
        assert not np.isclose(value, expected, rtol=1e-3), bug


@pytest.mark.parametrize("shape", [(6, 2), (4, 1, 5, 5)])
def test_critic_gradient_norms_match_vmap_per_sample_gradients(shape):
    torch.manual_seed(4)
    d = int(np.prod(shape[1:]))
    critic = nn.Sequential(nn.Flatten(), nn.Linear(d, 8), nn.Tanh(), nn.Linear(8, 1))
    x = torch.randn(shape)
    per_sample = torch.func.vmap(torch.func.grad(lambda xi: critic(xi[None]).squeeze()))(x)
    expected = per_sample.flatten(1).norm(dim=1)
    torch.testing.assert_close(critic_gradient_norms(critic, x), expected)


@pytest.mark.parametrize("eps_value", [0.0, 1.0])
def test_penalty_interpolates_between_real_and_fake(eps_value):
    """eps = 1 evaluates the gradient at x_real, eps = 0 at x_fake."""
    x_real, x_fake = torch.full((3, 2), 2.0), torch.full((3, 2), 0.1)
    got = gradient_penalty(_square_critic, x_real, x_fake, eps=torch.full((3,), eps_value))
    end = x_real if eps_value == 1.0 else x_fake
    assert float(got) == pytest.approx((float(end[0].norm()) - 1) ** 2, rel=1e-6)


def test_penalty_trains_the_critic_not_the_generator():
    """Its gradient reaches the critic's weights (create_graph) and not the fakes' source."""
    w = nn.Parameter(torch.tensor([3.0, 4.0]))
    source = nn.Parameter(torch.ones(5, 2))  # stands in for the generator's weights
    gp = gradient_penalty(lambda x: x @ w, torch.randn(5, 2), source * 2.0)
    gp.backward()
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w|| = 2 * 4 * (0.6, 0.8)
    torch.testing.assert_close(w.grad, torch.tensor([4.8, 6.4]))
    assert source.grad is None


def test_penalty_hook_multiplies_by_lambda():
    w = torch.tensor([3.0, 4.0])
    x = torch.randn(4, 2)
    assert float(penalty_hook(10.0)(lambda v: v @ w, x, x)) == pytest.approx(160.0)
    with pytest.raises(ValueError, match="positive penalty weight"):
        penalty_hook(0.0)


def test_penalty_rejects_batchnorm_critic():
    critic = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    with pytest.raises(ValueError, match="BatchNorm1d"):
        gradient_penalty(critic, torch.zeros(3, 2), torch.ones(3, 2))


@pytest.mark.parametrize(
    ("x_real", "x_fake", "match"),
    [
        (torch.zeros(4), torch.zeros(4), r"x\[:, None\]"),
        (torch.zeros(4, 2), torch.zeros(5, 2), "same shape"),
        (torch.zeros(4, 1, 2, 2), torch.zeros(4, 4), "same shape"),
    ],
)
def test_penalty_rejects_bad_batches(x_real, x_fake, match):
    with pytest.raises(ValueError, match=match):
        gradient_penalty(lambda x: x.flatten(1).sum(1), x_real, x_fake)


def test_penalty_rejects_bad_eps():
    with pytest.raises(ValueError, match=r"eps of shape \(4,\)"):
        gradient_penalty(_square_critic, torch.zeros(4, 2), torch.ones(4, 2), eps=torch.rand(4, 1))


def test_public_names_are_exported():
    import gancourse

    for name in wgan.__all__:
        assert getattr(gancourse, name) is getattr(wgan, name)


@pytest.mark.parametrize(("w", "expected"), [([0.3, 0.4], 0.0), ([3.0, 4.0], 16.0), ([0.0, 1.0], 0.0)])
def test_one_sided_penalty_only_punishes_norms_above_one(w, expected):
    w = torch.tensor(w)
    x = torch.randn(8, 2)
    got = gradient_penalty(lambda v: v @ w, x, x.flip(0), one_sided=True)
    assert float(got) == pytest.approx(expected, abs=1e-6)


# --------------------------------------------------------------------------- exact W1 by assignment


def test_assignment_w1_matches_scipy_in_1d():
    from scipy.stats import wasserstein_distance

    g = np.random.default_rng(0)
    x, y = g.normal(size=(50, 1)), g.normal(1.0, 2.0, size=(50, 1))
    assert wasserstein_assignment(x, y) == pytest.approx(wasserstein_distance(x[:, 0], y[:, 0]), rel=1e-9)


def test_assignment_w1_matches_brute_force_over_permutations():
    from itertools import permutations

    g = np.random.default_rng(1)
    x, y = g.normal(size=(6, 2)), g.normal(size=(6, 2))
    cost = np.linalg.norm(x[:, None] - y[None], axis=2)
    brute = min(cost[np.arange(6), list(p)].mean() for p in permutations(range(6)))
    assert wasserstein_assignment(torch.tensor(x), torch.tensor(y)) == pytest.approx(brute)


@pytest.mark.parametrize("shift", [[0.0, 0.0], [3.0, 4.0]])
def test_assignment_w1_of_a_shifted_copy_is_the_shift_length(shift):
    x = torch.randn(40, 2)
    assert wasserstein_assignment(x, x + torch.tensor(shift)) == pytest.approx(math.hypot(*shift), abs=1e-5)


def test_assignment_w1_rejects_unequal_sizes():
    with pytest.raises(ValueError, match="same shape"):
        wasserstein_assignment(np.zeros((4, 2)), np.zeros((5, 2)))


# --------------------------------------------------------------------------- a critic alone


@pytest.mark.parametrize("shift", [-1.5, 2.0])
def test_estimate_w1_of_shifted_gaussians(shift):
    """Equal-sigma Gaussians: W1 = |mu1 - mu2|; the estimate is within 10 %."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(2000, 1, generator=g), torch.randn(2000, 1, generator=g) + shift
    est = estimate_w1(x, y, steps=250)
    assert est.w1 == pytest.approx(abs(shift), rel=0.1)
    assert est.dual > 0  # a critic scores P above Q: the dual is never negative at the optimum


def test_two_sided_penalty_trap_in_1d_and_one_sided_escape():
    """Seed 0 starts with the wrong slope sign: the two-sided penalty keeps it there.

    The trapped critic has slope a = -(1 - Delta / (2 lambda)) = -0.9 for Delta = 2,
    lambda = 10, so its dual is about -1.8; the one-sided penalty reaches +2.2 (a = 1.1).
    """
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(2000, 1, generator=g), torch.randn(2000, 1, generator=g) + 2.0
    trapped = estimate_w1(x, y, steps=250, one_sided=False, seed=0)
    free = estimate_w1(x, y, steps=250, one_sided=True, seed=0)
    assert trapped.dual < 0 < free.dual
    assert trapped.slope == pytest.approx(0.9, abs=0.05)
    assert free.slope == pytest.approx(1.1, abs=0.05)


def test_train_critic_with_clipping_keeps_weights_in_range():
    critic, duals = train_critic(torch.randn(200, 2), torch.randn(200, 2) + 1, method="clip", c=0.02, steps=20)
    assert all(bool((p.abs() <= torch.tensor(0.02)).all()) for p in critic.parameters())
    assert len(duals) == 20


def test_train_critic_rejects_unknown_method_and_1d_tensors():
    with pytest.raises(ValueError, match="unknown method"):
        train_critic(torch.zeros(4, 1), torch.zeros(4, 1), method="hinge")
    with pytest.raises(ValueError, match=r"x\[:, None\]"):
        estimate_w1(torch.zeros(4), torch.zeros(4, 1))


# --------------------------------------------------------------------------- training entry points


def _spy_train_gan(monkeypatch):
    calls = {}

    def fake_train_gan(generator, discriminator, sample_real, **kwargs):
        calls.update(kwargs, generator=generator, discriminator=discriminator)
        return "history"

    monkeypatch.setattr(wgan, "train_gan", fake_train_gan)
    return calls


def test_train_wgan_calls_the_shared_loop_with_paper_settings(monkeypatch):
    calls = _spy_train_gan(monkeypatch)
    G, D = nn.Linear(2, 2), _mlp(scale=10.0)
    assert wgan.train_wgan(G, D, torch.randn, steps=3, latent_dim=2) == "history"
    assert calls["d_loss"] is critic_loss and calls["g_loss"] is generator_wasserstein_loss
    assert calls["n_critic"] == 5 and calls["batch_size"] == 64 and calls.get("penalty") is None
    assert isinstance(calls["d_optimizer"], torch.optim.RMSprop)
    assert calls["d_optimizer"].defaults["lr"] == 5e-5 and calls["after_d_step"].c == 0.01
    assert all(bool((p.abs() <= torch.tensor(0.01)).all()) for p in D.parameters())  # clipped from the start


def test_train_wgan_gp_calls_the_shared_loop_with_paper_settings(monkeypatch):
    calls = _spy_train_gan(monkeypatch)
    wgan.train_wgan_gp(nn.Linear(2, 2), _mlp(), torch.randn, steps=3, latent_dim=2)
    assert calls["d_loss"] is critic_loss and calls["g_loss"] is generator_wasserstein_loss
    assert calls["n_critic"] == 5 and calls["penalty"].lam == 10.0 and calls.get("after_d_step") is None
    opt = calls["d_optimizer"]
    assert isinstance(opt, torch.optim.Adam) and opt.defaults["lr"] == 1e-4 and opt.defaults["betas"] == (0.0, 0.9)


@pytest.mark.parametrize("entry", ["train_wgan", "train_wgan_gp"])
def test_entry_points_refuse_a_bce_discriminator_with_a_wasserstein_generator(entry):
    with pytest.raises(ValueError, match="mismatched losses"):
        getattr(wgan, entry)(nn.Linear(2, 2), _mlp(), torch.randn, steps=1, latent_dim=2, d_loss=_bce_d_loss)
    with pytest.raises(ValueError, match="critic_loss"):
        getattr(wgan, entry)(nn.Linear(2, 2), _mlp(), torch.randn, steps=1, latent_dim=2,
                             d_loss=_bce_d_loss, g_loss=_bce_g_loss)


@pytest.mark.parametrize("entry", ["train_wgan", "train_wgan_gp"])
def test_entry_points_refuse_a_sigmoid_critic(entry):
    disc = nn.Sequential(nn.Linear(2, 4), nn.Linear(4, 1), nn.Sigmoid())
    with pytest.raises(ValueError, match="Sigmoid"):
        getattr(wgan, entry)(nn.Linear(2, 2), disc, torch.randn, steps=1, latent_dim=2)


def test_train_wgan_gp_runs_and_records_the_penalty():
    from gancourse.models import MLPDiscriminator, MLPGenerator

    torch.manual_seed(0)
    G, D = MLPGenerator(2, 2, 16, 1), MLPDiscriminator(2, 16, 1)
    history = wgan.train_wgan_gp(G, D, lambda n: torch.randn(n, 2) + 3, steps=4, batch_size=16,
                                 latent_dim=2, progress=False)
    assert len(history) == 4 and np.all(history["penalty"] >= 0)


def test_train_wgan_clips_after_every_critic_step():
    from gancourse.models import MLPDiscriminator, MLPGenerator

    torch.manual_seed(0)
    G, D = MLPGenerator(2, 2, 16, 1), MLPDiscriminator(2, 16, 1)
    seen = []
    wgan.train_wgan(G, D, lambda n: torch.randn(n, 2), steps=2, batch_size=8, latent_dim=2, lr=0.5, c=0.03,
                    progress=False, callbacks=[lambda step, h: seen.append(max(float(p.abs().max()) for p in D.parameters()))])
    assert max(seen) <= 0.03 + 1e-7


# --------------------------------------------------------------------------- exercise checkers (notebook 04)


def _solution_penalty(critic, x_real, x_fake, eps):
    e = eps.view(-1, 1, 1, 1)
    x_hat = (e * x_real + (1 - e) * x_fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def _channel_norm_penalty(critic, x_real, x_fake, eps):
    e = eps.view(-1, 1, 1, 1)
    x_hat = (e * x_real + (1 - e) * x_fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.norm(2, dim=1) - 1) ** 2).mean()


def _times_lambda_penalty(critic, x_real, x_fake, eps):
    return 10.0 * _solution_penalty(critic, x_real, x_fake, eps)


def _no_create_graph_penalty(critic, x_real, x_fake, eps):
    e = eps.view(-1, 1, 1, 1)
    x_hat = (e * x_real + (1 - e) * x_fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat)  # no create_graph=True: the right value, no gradient
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def _detached_penalty(critic, x_real, x_fake, eps):
    return _solution_penalty(critic, x_real, x_fake, eps).detach()


def _unreshaped_eps_penalty(critic, x_real, x_fake, eps):
    x_hat = (eps * x_real + (1 - eps) * x_fake).requires_grad_(True)  # (N,) * (N, C, H, W): RuntimeError
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def test_a_penalty_without_create_graph_has_the_right_value_and_no_gradient():
    # the reason the checker rejects it: the same number, but nothing for the critic's optimizer
    critic = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 1), torch.nn.Flatten(0))
    x_real, x_fake, eps = torch.randn(4, 3, 2, 2), torch.randn(4, 3, 2, 2), torch.rand(4)
    right, wrong = _solution_penalty(critic, x_real, x_fake, eps), _no_create_graph_penalty(critic, x_real, x_fake, eps)
    assert float(wrong) == pytest.approx(float(right)) and right.requires_grad and not wrong.requires_grad


def test_exercise_4_feedback_does_not_give_the_answer_away():
    from gancourse.exercises import nb04

    message = nb04.check_clipped_lipschitz(0.01).message
    assert "sqrt" not in message and "0.04" not in message


def test_exercise_checkers_accept_the_solutions():
    from gancourse.exercises import nb04

    assert nb04.check_losses(lambda r, f: f.mean() - r.mean(), lambda f: -f.mean())
    assert nb04.check_image_penalty(_solution_penalty)
    assert nb04.check_soft_penalty_dual(3.9)
    assert nb04.check_clipped_lipschitz(0.04)


@pytest.mark.parametrize(
    ("check", "args", "message"),
    [
        ("check_losses", (lambda r, f: r.mean() - f.mean(), lambda f: -f.mean()), "critic loss has the wrong sign"),
        ("check_losses", (lambda r, f: f.mean() - r.mean(), lambda f: f.mean()), "generator loss has the wrong sign"),
        ("check_losses", (..., lambda f: -f.mean()), "expected a function"),
        ("check_image_penalty", (_channel_norm_penalty,), "axis 1 only"),
        ("check_image_penalty", (lambda *a: None,), "no answer yet"),
        ("check_image_penalty", (lambda *a: torch.zeros(3),), "scalar tensor"),
        ("check_soft_penalty_dual", (3.0,), "W1 itself"),
        ("check_soft_penalty_dual", (4.5,), "maximise a*Delta"),
        ("check_soft_penalty_dual", (...,), "no answer yet"),
        ("check_clipped_lipschitz", (0.01,), "not the slope"),
        ("check_image_penalty", (_times_lambda_penalty,), "10 times the penalty"),
        ("check_image_penalty", (_unreshaped_eps_penalty,), "eps.view(-1, 1, 1, 1)"),
        ("check_image_penalty", (_no_create_graph_penalty,), "create_graph=True"),
        ("check_image_penalty", (_detached_penalty,), "create_graph=True"),
    ],
)
def test_exercise_checkers_explain_common_mistakes(check, args, message):
    from gancourse.exercises import nb04

    feedback = getattr(nb04, check)(*args)
    assert not feedback
    assert message in feedback.message


def test_exercise_1_feedback_does_not_give_the_answer_away():
    from gancourse.exercises import nb04

    g = torch.Generator().manual_seed(4)
    real, fake = torch.randn(16, generator=g) + 1.0, torch.randn(16, generator=g) - 1.0
    right_d = f"{float(wgan.critic_loss(real, fake)):.4f}"
    wrong = nb04.check_losses(lambda r, f: 2 * (f.mean() - r.mean()), lambda f: -f.mean())
    assert not wrong and "too low" in wrong.message and right_d not in wrong.message
