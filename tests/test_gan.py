"""Tests for gancourse.gan: losses against independent formulas, the two steps with fakes, the loop."""

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from gancourse.distributions import gaussian_pdf, js_divergence_densities, sample_gaussian_1d
from gancourse.entropy import bce_minimax_value
from gancourse.gan import (
    History,
    discriminator_loss,
    discriminator_step,
    generate,
    generator_step,
    minimax_generator_loss,
    nonsaturating_generator_loss,
    optimal_discriminator,
    train_gan,
    value_function,
    value_integral,
)
from gancourse.models import AffineGenerator, MLPDiscriminator

LOG4 = math.log(4.0)


# --------------------------------------------------------------------------------------
# Fakes that need no training
# --------------------------------------------------------------------------------------
class ZeroGenerator(nn.Module):
    """G(z) = W z + c with W = 0, c = 0: outputs zeros, but has weights a gradient can reach."""

    def __init__(self, latent_dim: int = 3):
        super().__init__()
        self.latent_dim = latent_dim
        self.linear = nn.Linear(latent_dim, 1)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, z):
        return self.linear(z)  # (N, latent_dim) -> (N, 1)


class IdentityDiscriminator(nn.Module):
    """D's logit s(x) = w x + b with w = 1, b = ``bias``: the score is the input itself."""

    def __init__(self, bias: float = 0.0):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(1.0))
        self.b = nn.Parameter(torch.tensor(float(bias)))

    def forward(self, x):
        return self.w * x[:, 0] + self.b  # (N, 1) -> (N,)


def sgd(module, lr=0.1):
    return torch.optim.SGD(module.parameters(), lr=lr)


# --------------------------------------------------------------------------------------
# Losses against independent formulas
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("scale", [0.1, 3.0, 30.0])
def test_discriminator_loss_matches_torch_bce(seed, scale):
    g = torch.Generator().manual_seed(seed)
    real, fake = scale * torch.randn(7, generator=g), scale * torch.randn(5, generator=g)
    expected = F.binary_cross_entropy_with_logits(real, torch.ones(7)) + F.binary_cross_entropy_with_logits(
        fake, torch.zeros(5)
    )
    assert torch.allclose(discriminator_loss(real, fake), expected, atol=1e-6)


def test_discriminator_loss_labels_real_one_fake_zero():
    ten = torch.full((4,), 10.0, dtype=torch.float64)
    confident_right = discriminator_loss(ten, -ten)
    confident_wrong = discriminator_loss(-ten, ten)
    assert confident_right.item() == pytest.approx(2 * math.log1p(math.exp(-10)), rel=1e-4)
    assert confident_wrong.item() == pytest.approx(2 * (10 + math.log1p(math.exp(-10))), rel=1e-4)


@pytest.mark.parametrize("s", [-2.0, -0.3, 0.0, 0.7, 4.0])
def test_discriminator_loss_gradients_push_real_up_fake_down(s):
    real, fake = torch.full((3,), s, requires_grad=True), torch.full((3,), s, requires_grad=True)
    discriminator_loss(real, fake).backward()
    # d/ds BCE(s, 1) = sigma(s) - 1 < 0 and d/ds BCE(s, 0) = sigma(s) > 0, each averaged over 3.
    sig = torch.sigmoid(torch.tensor(s))
    assert torch.allclose(real.grad, torch.full((3,), (sig - 1).item() / 3))
    assert torch.allclose(fake.grad, torch.full((3,), sig.item() / 3))


@pytest.mark.parametrize("s", [-8.0, -2.0, 0.0, 1.5, 6.0])
def test_generator_losses_match_their_formulas(s):
    fake = torch.full((4,), s, dtype=torch.float64)
    d = torch.sigmoid(fake)
    assert minimax_generator_loss(fake).item() == pytest.approx(torch.log(1 - d).mean().item(), rel=1e-9, abs=1e-12)
    assert nonsaturating_generator_loss(fake).item() == pytest.approx(-torch.log(d).mean().item(), rel=1e-9)


@pytest.mark.parametrize("loss_fn", [minimax_generator_loss, nonsaturating_generator_loss])
@pytest.mark.parametrize("s", [-5.0, -0.5, 0.0, 0.5, 5.0])
def test_generator_losses_decrease_as_fakes_look_more_real(loss_fn, s):
    fake = torch.full((2,), s, requires_grad=True)
    loss_fn(fake).backward()
    assert (fake.grad < 0).all(), "the generator must want a *higher* score on its samples"


def test_minimax_saturates_where_nonsaturating_does_not():
    # dL/ds = -sigma(s) for minimax, -(1 - sigma(s)) for non-saturating (one sample)
    for loss_fn, expected in [(minimax_generator_loss, -torch.sigmoid(torch.tensor(-6.0))),
                              (nonsaturating_generator_loss, -torch.sigmoid(torch.tensor(6.0)))]:
        fake = torch.tensor([-6.0], requires_grad=True)
        loss_fn(fake).backward()
        assert fake.grad.item() == pytest.approx(expected.item(), rel=1e-5)


@pytest.mark.parametrize("seed", [0, 1])
def test_value_function_is_minus_discriminator_loss_and_matches_entropy(seed):
    g = torch.Generator().manual_seed(seed)
    real, fake = torch.randn(6, generator=g), torch.randn(6, generator=g)
    direct = (F.logsigmoid(real).mean() + F.logsigmoid(-fake).mean()).item()
    assert value_function(real, fake).item() == pytest.approx(direct, rel=1e-6)
    assert value_function(real, fake).item() == pytest.approx(float(bce_minimax_value(real, fake)), rel=1e-6)
    assert value_function(torch.zeros(3), torch.zeros(3)).item() == pytest.approx(-LOG4)


@pytest.mark.parametrize("bad", [[1.0, 2.0], torch.zeros(0)])
def test_losses_reject_bad_scores(bad):
    with pytest.raises((TypeError, ValueError), match="expected"):
        discriminator_loss(bad, torch.zeros(2))
    with pytest.raises((TypeError, ValueError), match="expected"):
        nonsaturating_generator_loss(bad)


# --------------------------------------------------------------------------------------
# The optimal discriminator and Theorem 1
# --------------------------------------------------------------------------------------
def test_optimal_discriminator_values_and_types():
    p, q = np.array([1.0, 0.2, 0.0, 3.0]), np.array([1.0, 0.6, 0.0, 0.0])
    np.testing.assert_allclose(optimal_discriminator(p, q), [0.5, 0.25, 0.5, 1.0])
    out = optimal_discriminator(torch.tensor(p), torch.tensor(q))
    assert isinstance(out, torch.Tensor)
    assert torch.allclose(out, torch.tensor([0.5, 0.25, 0.5, 1.0], dtype=torch.float64))


@pytest.mark.parametrize("a,b", [(0.3, 0.7), (2.0, 0.1), (1e-3, 5.0)])
def test_optimal_discriminator_maximises_pointwise_value(a, b):
    # Proposition 1: y -> a log y + b log(1 - y) peaks at a / (a + b).
    y = np.linspace(1e-4, 1 - 1e-4, 200_001)
    best = y[np.argmax(a * np.log(y) + b * np.log1p(-y))]
    assert optimal_discriminator(np.array([a]), np.array([b]))[0] == pytest.approx(best, abs=1e-4)


def test_optimal_discriminator_rejects_bad_densities():
    with pytest.raises(ValueError, match="same shape"):
        optimal_discriminator(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="non-negative"):
        optimal_discriminator(np.array([-1.0]), np.array([1.0]))


@pytest.mark.parametrize("mu_g,std_g", [(0.0, 1.0), (1.0, 1.0), (3.0, 0.5), (-2.0, 2.0)])
def test_theorem_1_value_at_optimum_is_minus_log4_plus_two_jsd(mu_g, std_g):
    x = np.linspace(-15, 15, 30_001)
    p_data, p_gen = gaussian_pdf(x, 0.0, 1.0), gaussian_pdf(x, mu_g, std_g)
    v_star = value_integral(x, p_data, p_gen)  # d=None: the optimal discriminator, in log space
    jsd = float(js_divergence_densities(p_data, p_gen, x))
    assert v_star == pytest.approx(-LOG4 + 2 * jsd, abs=1e-6)
    # ... and D* beats any other discriminator, e.g. a sharper or a constant one
    d_star = np.clip(optimal_discriminator(p_data, p_gen), 1e-12, 1 - 1e-12)
    assert value_integral(x, p_data, p_gen, d_star) == pytest.approx(v_star, abs=1e-4)
    assert v_star >= value_integral(x, p_data, p_gen, d_star**2) - 1e-9
    assert v_star >= value_integral(x, p_data, p_gen, np.full_like(x, 0.5)) - 1e-9


def test_value_integral_rejects_logits():
    x = np.linspace(-1, 1, 5)
    with pytest.raises(ValueError, match="sigmoid"):
        value_integral(x, np.ones(5), np.ones(5), np.full(5, 2.0))


# --------------------------------------------------------------------------------------
# The discriminator step, with fakes
# --------------------------------------------------------------------------------------
X_REAL = torch.tensor([[1.0], [2.0]])
B = 0.5  # D's bias: fake logits are B, not exactly 0
Z = torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]])


def test_discriminator_step_loss_and_scores_by_hand():
    disc, gen = IdentityDiscriminator(bias=B), ZeroGenerator()
    out = discriminator_step(disc, gen, X_REAL, Z, sgd(disc), discriminator_loss)
    # real logits 1 + B, 2 + B (label 1: -log sigmoid); fake logits B, B (label 0: -log(1 - sigmoid))
    expected = np.mean([math.log1p(math.exp(-1 - B)), math.log1p(math.exp(-2 - B))]) + math.log1p(math.exp(B))
    assert out["loss"] == pytest.approx(expected, rel=1e-6)
    assert out["real_score"] == pytest.approx(1.5 + B)
    assert out["fake_score"] == pytest.approx(B)
    assert set(out) == {"loss", "real_score", "fake_score"}


def test_discriminator_step_moves_d_by_the_hand_computed_gradient():
    disc, gen = IdentityDiscriminator(bias=B), ZeroGenerator()
    discriminator_step(disc, gen, X_REAL, Z, sgd(disc, lr=0.1), discriminator_loss)
    sig = torch.sigmoid
    x = X_REAL[:, 0]
    grad_w = -((1 - sig(x + B)) * x).mean()  # fakes are 0, so they do not touch w
    grad_b = -(1 - sig(x + B)).mean() + sig(torch.tensor(B))
    assert disc.w.item() == pytest.approx(1 - 0.1 * grad_w.item(), rel=1e-6)
    assert disc.b.item() == pytest.approx(B - 0.1 * grad_b.item(), rel=1e-6)
    # after the step D separates real from fake better, and scores the fakes lower
    with torch.no_grad():
        assert disc(X_REAL).mean() - disc(gen(Z)).mean() > 1.5 and disc(gen(Z)).mean() < B


def test_discriminator_step_sends_no_gradient_to_the_generator():
    disc, gen = IdentityDiscriminator(bias=B), ZeroGenerator()
    discriminator_step(disc, gen, X_REAL, Z, sgd(disc), discriminator_loss)
    # Without .detach(), dL/dW = dL/dx_fake * z would land in G's .grad.
    assert all(p.grad is None for p in gen.parameters())


def test_discriminator_step_adds_the_penalty():
    disc, gen = IdentityDiscriminator(), ZeroGenerator()

    def penalty(discriminator, x_real, x_fake):
        assert not x_fake.requires_grad
        return 10 * discriminator.b**2 + 0.25

    other = IdentityDiscriminator()  # a fresh copy, stepped with its own optimizer
    plain = discriminator_step(other, ZeroGenerator(), X_REAL, Z, sgd(other), discriminator_loss)
    out = discriminator_step(disc, gen, X_REAL, Z, sgd(disc), discriminator_loss, penalty=penalty)
    assert out["penalty"] == pytest.approx(0.25)
    assert out["loss"] == pytest.approx(plain["loss"] + 0.25, rel=1e-6)


# --------------------------------------------------------------------------------------
# The generator step, with fakes
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "loss_fn,dlds",
    [(nonsaturating_generator_loss, lambda s: -(1 - torch.sigmoid(s))),
     (minimax_generator_loss, lambda s: -torch.sigmoid(s))],
)
def test_generator_step_by_hand(loss_fn, dlds):
    disc, gen = IdentityDiscriminator(bias=-3.0), ZeroGenerator()  # D rejects the fakes
    d_before = [p.detach().clone() for p in disc.parameters()]
    out = generator_step(disc, gen, Z, sgd(gen, lr=0.1), loss_fn)
    g = dlds(torch.tensor(-3.0)).item()  # dL/ds at s = -3, the same for both samples
    # s = w (W z + c) + b with w = 1: dL/dc = g, dL/dW = g * mean(z)
    grad_c, grad_w = g, g * Z.mean(0)
    assert out["grad_norm"] == pytest.approx(math.sqrt(grad_c**2 + float((grad_w**2).sum())), rel=1e-5)
    assert gen.linear.bias.item() == pytest.approx(-0.1 * grad_c, rel=1e-5)
    assert out["loss"] == pytest.approx(loss_fn(torch.tensor([-3.0])).item(), rel=1e-6)
    assert out["fake_score"] == pytest.approx(-3.0)
    # the fakes now look more real to this D, and D itself did not move
    with torch.no_grad():
        assert disc(gen(Z)).mean() > -3.0
    assert all(torch.equal(a, b) for a, b in zip(d_before, disc.parameters(), strict=True))


# --------------------------------------------------------------------------------------
# The loop and its history
# --------------------------------------------------------------------------------------
def _tiny_setup(seed=0, lr=1e-2):
    torch.manual_seed(seed)
    gen, disc = AffineGenerator(0.0, 1.0), MLPDiscriminator(1, 16, 2)
    return gen, disc, torch.optim.Adam(disc.parameters(), lr), torch.optim.Adam(gen.parameters(), lr)


def _sample_real(n):
    return sample_gaussian_1d(n, 2.0, 0.5)


def test_train_gan_records_every_step_metrics_and_callbacks():
    gen, disc, d_opt, g_opt = _tiny_setup()
    d_steps, seen = [], []
    history = train_gan(
        gen, disc, _sample_real, steps=7, batch_size=8, latent_dim=1, d_optimizer=d_opt, g_optimizer=g_opt,
        n_critic=3, after_d_step=lambda d: d_steps.append(1), eval_every=3,
        metrics=lambda g: {"mean": g.mean.item()}, callbacks=[lambda step, h: seen.append((step, len(h)))],
        progress=False,
    )
    assert len(history) == 7 and history.step == list(range(7))
    assert len(d_steps) == 21  # n_critic discriminator steps per generator step
    assert history.metric_step == [2, 5, 6]  # every 3 steps, and after the last
    assert len(history.metrics["mean"]) == 3
    assert seen == [(i, i + 1) for i in range(7)]
    assert len(history.extra["g_grad_norm"]) == 7
    for key in ("d_loss", "g_loss", "real_score", "fake_score"):
        assert history[key].shape == (7,) and np.isfinite(history[key]).all()


def test_train_gan_is_reproducible_and_continues_a_history():
    runs = []
    for _ in range(2):
        gen, disc, d_opt, g_opt = _tiny_setup()
        runs.append(train_gan(gen, disc, _sample_real, steps=5, batch_size=8, latent_dim=1,
                              d_optimizer=d_opt, g_optimizer=g_opt, progress=False, seed=3))
    assert runs[0].d_loss == runs[1].d_loss
    gen, disc, d_opt, g_opt = _tiny_setup()
    history = train_gan(gen, disc, _sample_real, steps=4, batch_size=8, latent_dim=1,
                        d_optimizer=d_opt, g_optimizer=g_opt, progress=False, history=runs[0])
    assert history is runs[0] and history.step == list(range(9))


def test_train_gan_learns_a_gaussian():
    gen, disc, d_opt, g_opt = _tiny_setup(lr=2e-2)
    train_gan(gen, disc, _sample_real, steps=200, batch_size=64, latent_dim=1,
              d_optimizer=d_opt, g_optimizer=g_opt, progress=False)
    assert gen.mean.item() == pytest.approx(2.0, abs=0.3)
    assert gen.std.item() == pytest.approx(0.5, abs=0.25)


def test_train_gan_rejects_bad_setups():
    gen, disc, d_opt, g_opt = _tiny_setup()
    kwargs = dict(steps=1, batch_size=4, latent_dim=1, progress=False)
    with pytest.raises(ValueError, match="generator's"):
        train_gan(gen, disc, _sample_real, d_optimizer=d_opt, g_optimizer=d_opt, **kwargs)
    with pytest.raises(TypeError, match="Optimizer"):
        train_gan(gen, disc, _sample_real, d_optimizer=d_opt, g_optimizer="adam", **kwargs)
    with pytest.raises(ValueError, match="sample_real"):
        train_gan(gen, disc, lambda n: np.zeros((n, 1)), d_optimizer=d_opt, g_optimizer=g_opt, **kwargs)
    with pytest.raises(ValueError, match="n_critic"):
        train_gan(gen, disc, _sample_real, d_optimizer=d_opt, g_optimizer=g_opt, n_critic=0, **kwargs)


def test_history_round_trips_through_a_weights_only_checkpoint(tmp_path):
    h = History()
    h.record(0, {"loss": 1.0, "real_score": 0.5, "fake_score": -0.5}, {"loss": 0.7, "fake_score": -0.5, "grad_norm": 2.0})
    h.record(1, {"loss": 0.9, "real_score": 0.6, "fake_score": -0.4, "penalty": 0.1},
             {"loss": 0.6, "fake_score": -0.4, "grad_norm": 1.0})
    h.record_metrics(1, {"modes": 8.0})
    torch.save(h.to_dict(), tmp_path / "h.pt")
    back = History.from_dict(torch.load(tmp_path / "h.pt", weights_only=True))
    assert back.to_dict().keys() == h.to_dict().keys() and back.step == h.step and back.metrics == h.metrics
    np.testing.assert_array_equal(back["penalty"], [np.nan, 0.1])  # aligned with `step`
    assert back.last("modes") == 8.0
    with pytest.raises(KeyError, match="expected one of"):
        back["no_such_series"]


def test_history_plot_returns_two_axes():
    import matplotlib.pyplot as plt

    h = History()
    for i in range(6):
        h.record(i, {"loss": float(i), "real_score": 0.1 * i, "fake_score": -0.1 * i}, {"loss": 0.5, "fake_score": 0.0})
    ax_loss, ax_score = h.plot(smooth=3)
    x, y = ax_loss.lines[0].get_data()  # D loss 0, 1, ..., 5 averaged over the last 3 steps
    np.testing.assert_allclose(x, [2, 3, 4, 5])
    np.testing.assert_allclose(y, [1, 2, 3, 4])
    _, d_real = ax_score.lines[0].get_data()
    np.testing.assert_allclose(d_real, 1 / (1 + np.exp(-np.array([0.1, 0.2, 0.3, 0.4]))))  # sigmoid of mean logit
    plt.close("all")


def test_generate_is_seeded_and_keeps_the_mode():
    gen = AffineGenerator(1.0, 2.0)
    gen.train()
    a, b = generate(gen, 5, seed=1), generate(gen, 5, seed=1)
    assert a.shape == (5, 1) and torch.equal(a, b) and gen.training
    with pytest.raises(ValueError, match="latent_dim"):
        generate(nn.Linear(2, 2), 3)
