"""Normalizing flows (notebook 06): invertibility, log-determinants against autograd, a density that integrates to 1."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from gancourse import flows
from gancourse.flows import ActNorm, AffineCoupling, Flow, InvertibleLinear


def _points(n=32, dim=2, seed=0, scale=1.5):
    return scale * torch.randn(n, dim, generator=torch.Generator().manual_seed(seed)) + 0.3


def _random_coupling(dim, seed=0):
    """A coupling whose last layer is not zero (a fresh one is the identity, which would test nothing)."""
    torch.manual_seed(seed)
    layer = AffineCoupling(dim, hidden_dim=16)
    torch.nn.init.normal_(layer.net[-1].weight, std=0.7)
    torch.nn.init.normal_(layer.net[-1].bias, std=0.3)
    return layer


def _trained_actnorm(dim, seed=0):
    layer = ActNorm(dim)
    layer(_points(64, dim, seed=seed + 1, scale=3.0))  # data-dependent initialisation
    return layer


def _random_flow(dim=2, n_steps=3, seed=0):
    torch.manual_seed(seed)
    flow = Flow(dim, n_steps=n_steps, hidden_dim=16)
    for layer in flow.layers:
        if isinstance(layer, AffineCoupling):
            torch.nn.init.normal_(layer.net[-1].weight, std=0.5)
            torch.nn.init.normal_(layer.net[-1].bias, std=0.2)
    flow(_points(64, dim, seed=seed + 2))  # initialise the actnorms
    return flow


def _random_linear(dim, seed=0):
    torch.manual_seed(seed)
    layer = InvertibleLinear(dim)
    with torch.no_grad():  # move away from a rotation: a determinant that is not +-1
        layer.log_s.add_(torch.randn(dim) * 0.5)
        layer.upper.add_(torch.randn(dim, dim) * 0.5)
        layer.lower.add_(torch.randn(dim, dim) * 0.5)
    return layer


LAYERS = {
    "actnorm": _trained_actnorm,
    "linear": _random_linear,
    "coupling": _random_coupling,
    "flow": lambda dim, seed=0: _random_flow(dim, seed=seed),
}


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("dim", [2, 3, 5])
def test_every_layer_inverts_exactly(kind, dim):
    layer = LAYERS[kind](dim)
    x = _points(40, dim)
    y, log_det = layer(x)
    assert y.shape == x.shape and log_det.shape == (40,)
    assert (layer.inverse(y) - x).abs().max() < 1e-5
    # and z -> x -> z, relative to the size of z (a random flow can stretch the plane a lot)
    assert torch.allclose(layer(layer.inverse(y))[0], y, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("dim", [2, 3])
def test_log_det_equals_slogdet_of_the_autograd_jacobian(kind, dim):
    layer = LAYERS[kind](dim, seed=1)
    x = _points(12, dim, seed=3)
    _, log_det = layer(x)
    jacobians = torch.autograd.functional.jacobian(lambda a: layer(a)[0].sum(0), x).permute(1, 0, 2)  # (N, D, D)
    expected = torch.linalg.slogdet(jacobians).logabsdet
    assert torch.allclose(log_det, expected, atol=1e-4)
    assert log_det.abs().max() > 1e-2  # a non-trivial determinant: the check can fail
    check = flows.check_layer(layer, x)
    assert check.round_trip < 1e-5 and check.log_det_error < 1e-4 and check.passed(1e-4)
    assert "within 1e-5: True" in str(check)


def test_check_layer_catches_a_wrong_log_det_and_a_wrong_inverse():
    class WrongLogDet(ActNorm):
        def _forward(self, x):
            y, log_det = super()._forward(x)
            return y, 2 * log_det  # a factor 2 too many

    class WrongInverse(ActNorm):
        def _inverse(self, y):
            return y - self.bias  # forgot to divide by the scale

    x = _points(10, scale=3.0)
    assert not flows.check_layer(WrongLogDet(2), x).passed()
    bad = flows.check_layer(WrongInverse(2), x)
    assert not bad.passed() and "x -> y -> x within 1e-5: False" in str(bad)


def test_actnorm_initialises_from_the_first_batch():
    x = torch.tensor([[1.0, 10.0], [3.0, 20.0], [5.0, 30.0]])
    layer = ActNorm(2)
    y, log_det = layer(x)
    assert torch.allclose(y.mean(0), torch.zeros(2), atol=1e-6)
    assert torch.allclose(y.std(0), torch.ones(2), atol=1e-6)
    assert torch.allclose(log_det, torch.full((3,), -math.log(2.0) - math.log(10.0)), atol=1e-6)
    y2, _ = layer(x + 1.0)  # the second batch does not re-initialise
    assert torch.allclose(y2, y + torch.tensor([0.5, 0.1]), atol=1e-6)


def test_actnorm_inverse_before_initialisation_is_a_clear_error():
    with pytest.raises(RuntimeError, match="not initialised yet; run forward on a batch"):
        ActNorm(2).inverse(torch.zeros(3, 2))


def test_invertible_linear_weight_and_determinant():
    layer = _random_linear(3)
    w = layer.weight()
    x = _points(5, 3)
    assert torch.allclose(layer(x)[0], x @ w.T, atol=1e-6)
    assert math.isclose(float(layer(x)[1][0].detach()), float(torch.linalg.slogdet(w.detach()).logabsdet), abs_tol=1e-5)
    fresh = InvertibleLinear(4)  # starts as a rotation: |det W| = 1
    assert abs(float(fresh(torch.zeros(1, 4))[1].detach())) < 1e-5


def test_a_fresh_coupling_is_the_identity():
    layer = AffineCoupling(2)
    x = _points(8)
    y, log_det = layer(x)
    assert torch.equal(y, x) and torch.equal(log_det, torch.zeros(8))


def test_coupling_leaves_the_first_half_unchanged_and_clamps_the_scale():
    layer = _random_coupling(4)
    with torch.no_grad():
        layer.net[-1].bias.fill_(100.0)  # a huge raw log-scale
    x = _points(6, 4)
    y, log_det = layer(x)
    assert torch.equal(y[:, :2], x[:, :2])
    assert (log_det <= 2 * layer.max_log_scale + 1e-5).all()  # 2 transformed features, each |log s| <= c


def test_standard_normal_log_prob_matches_scipy():
    z = _points(10, 3)
    expected = stats.multivariate_normal(np.zeros(3), np.eye(3)).logpdf(z.numpy())
    assert np.allclose(flows.standard_normal_log_prob(z).numpy(), expected, atol=1e-5)


def test_change_of_variables_gives_the_lognormal_density():
    x = torch.linspace(0.05, 6.0, 50)
    p = flows.change_of_variables_1d(x, torch.log)  # X = exp(Z)
    assert np.allclose(p.numpy(), stats.lognorm(s=1.0).pdf(x.numpy()), rtol=1e-5)
    affine = flows.change_of_variables_1d(x, lambda a: (a - 1.0) / 2.0)  # X = 1 + 2 Z
    assert np.allclose(affine.numpy(), stats.norm(1.0, 2.0).pdf(x.numpy()), rtol=1e-5)


def test_change_of_variables_needs_a_1d_grid():
    with pytest.raises(ValueError, match=r"expected x of shape \(M,\).*reshape\(-1\)"):
        flows.change_of_variables_1d(torch.zeros(3, 2), torch.log)


def test_flow_log_prob_matches_a_gaussian_for_a_single_actnorm():
    """A flow that is one ActNorm fitted to data is the Gaussian N(mean, diag(std^2)) of that data."""
    flow = Flow(2, n_steps=1)
    x = torch.tensor([[0.0, 1.0], [2.0, 5.0], [4.0, 3.0]])
    flow.layers[0](x)  # initialise; the linear map is a rotation and the coupling the identity
    mean, std = x.mean(0).numpy(), x.std(0).numpy()
    probe = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    expected = stats.norm(mean, std).logpdf(probe.numpy()).sum(1)
    assert np.allclose(flow.log_prob(probe).detach().numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_density_integrates_to_one(seed):
    flow = _random_flow(2, n_steps=3, seed=seed)
    _, density, integral = flows.density_on_grid(flow, extent=12.0, n=600)
    assert density.min() >= 0
    assert abs(integral - 1) < 0.01


def test_a_trained_flow_density_integrates_to_one_and_beats_a_gaussian():
    target = flows_target = torch.distributions.MixtureSameFamily(
        torch.distributions.Categorical(torch.ones(2)),
        torch.distributions.Independent(torch.distributions.Normal(torch.tensor([[-2.0, 0.0], [2.0, 0.0]]),
                                                                   torch.full((2, 2), 0.5)), 1))
    flow, optimizer = flows.make_toy_flow(flows.FlowConfig(n_steps=4, hidden_dim=32, lr=3e-3), seed=0)
    history = flows.train_flow(flow, lambda n: flows_target.sample((n,)), steps=300, batch_size=256,
                               optimizer=optimizer, progress=False, seed=0)
    _, _, integral = flows.density_on_grid(flow, extent=6.0, n=500)
    assert abs(integral - 1) < 0.01
    x_test = target.sample((2000,))
    gaussian = torch.distributions.MultivariateNormal(x_test.mean(0), torch.cov(x_test.T))
    with torch.no_grad():
        assert flow.log_prob(x_test).mean() > gaussian.log_prob(x_test).mean() + 0.3  # it learned two modes
    assert np.mean(history.nll[-20:]) < np.mean(history.nll[:20])
    assert len(history) == 300


def test_flow_nll_is_minus_the_mean_log_prob():
    flow = _random_flow(2)
    x = _points(20)
    z, log_det = flow(x)
    assert torch.allclose(flows.flow_nll(z, log_det), -flow.log_prob(x).mean())
    with pytest.raises(ValueError, match=r"expected log_det of shape \(20,\)"):
        flows.flow_nll(z, log_det[:5])
    with pytest.raises(ValueError, match=r"expected z of shape \(N, D\)"):
        flows.flow_nll(z[0], log_det)


def test_flow_step_lowers_the_loss_on_its_batch():
    flow, optimizer = flows.make_toy_flow(flows.FlowConfig(n_steps=2, hidden_dim=16, lr=1e-2), seed=0)
    x = _points(128, scale=0.5)
    first = flows.flow_step(flow, x, optimizer)["nll"]
    for _ in range(20):
        last = flows.flow_step(flow, x, optimizer)["nll"]
    assert last < first


def test_sample_is_seeded_and_temperature_shrinks_the_spread():
    flow = _random_flow(2)
    a, b = flow.sample(500, seed=3), flow.sample(500, seed=3)
    assert torch.equal(a, b) and not torch.equal(a, flow.sample(500, seed=4))
    z_hot = flow.encode(flow.sample(500, seed=3, temperature=1.0))
    z_cold = flow.encode(flow.sample(500, seed=3, temperature=0.5))
    assert torch.allclose(z_cold, 0.5 * z_hot, atol=1e-4)  # sampling at T scales z by T


def test_train_flow_records_metrics_and_continues_a_history():
    flow, optimizer = flows.make_toy_flow(flows.FlowConfig(n_steps=2, hidden_dim=16), seed=0)
    calls = []
    history = flows.train_flow(flow, lambda n: torch.randn(n, 2), steps=10, batch_size=32, optimizer=optimizer,
                               eval_every=4, metrics=lambda f: {"n": float(len(calls.append(1) or calls))},
                               callbacks=[lambda step, h: None], progress=False)
    assert history.metric_step == [3, 7, 9] and history.metrics["n"] == [1.0, 2.0, 3.0]
    history = flows.train_flow(flow, lambda n: torch.randn(n, 2), steps=5, batch_size=32, optimizer=optimizer,
                               progress=False, history=history)
    assert history.step == list(range(15))
    again = flows.FlowHistory.from_dict(history.to_dict())
    assert again.nll == history.nll and again.metrics == history.metrics


def test_training_is_reproducible():
    runs = []
    for _ in range(2):
        flow, optimizer = flows.make_toy_flow(flows.FlowConfig(n_steps=2, hidden_dim=16), seed=5)
        flows.train_flow(flow, lambda n: torch.randn(n, 2) * 2, steps=20, batch_size=32, optimizer=optimizer,
                         progress=False, seed=5)
        runs.append(flow.sample(10, seed=0))
    assert torch.equal(*runs)


@pytest.mark.parametrize("bad, error, match", [
    (torch.zeros(2), ValueError, r"expected x of shape \(N, 2\) with N >= 1, got \(2,\); for one point add a batch axis with x\[None\]"),
    (torch.zeros(4, 3), ValueError, r"expected x of shape \(N, 2\) with N >= 1, got \(4, 3\)"),
    (torch.zeros(0, 2), ValueError, r"with N >= 1, got \(0, 2\)"),
    (torch.tensor([[0.0, float("nan")], [1.0, 2.0]]), ValueError, r"expected finite values in x, got 1 NaN or infinite"),
    (torch.tensor([[0.0, float("inf")]]), ValueError, r"drop those rows first"),
    ([[0.0, 1.0]], TypeError, r"expected x as a torch.Tensor of shape \(N, 2\), got list; convert with torch.as_tensor"),
])
def test_bad_input_gets_a_clear_error(bad, error, match):
    flow = _random_flow(2)
    with pytest.raises(error, match=match):
        flow.log_prob(bad)
    for layer in (ActNorm(2), InvertibleLinear(2), AffineCoupling(2)):
        with pytest.raises(error, match=match):
            layer(bad)


def test_inverse_checks_its_input_too():
    with pytest.raises(ValueError, match=r"expected z of shape \(N, 2\).*got \(3, 1\)"):
        _random_flow(2).inverse(torch.zeros(3, 1))
    with pytest.raises(ValueError, match=r"expected finite values in y"):
        InvertibleLinear(2).inverse(torch.tensor([[float("nan"), 0.0]]))


def test_numpy_and_integer_input_are_accepted():
    flow = _random_flow(2)
    x = np.array([[0.5, -0.5]], dtype=np.float32)
    assert torch.allclose(flow.log_prob(x), flow.log_prob(torch.from_numpy(x)))
    assert torch.allclose(flow.log_prob(x.astype(np.float64)), flow.log_prob(x))
    assert flow.log_prob(torch.tensor([[1, 0]])).dtype == torch.float32


@pytest.mark.parametrize("kwargs, match", [
    ({"dim": 0}, "expected dim to be a positive integer"),
    ({"n_steps": 0}, "expected n_steps to be a positive integer"),
])
def test_bad_flow_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Flow(**kwargs)


def test_bad_sampling_and_training_arguments():
    flow, optimizer = flows.make_toy_flow(flows.FlowConfig(n_steps=1, hidden_dim=8), seed=0)
    with pytest.raises(ValueError, match="expected n to be a positive integer"):
        flow.sample(0)
    with pytest.raises(ValueError, match="expected temperature > 0"):
        flow.sample(3, temperature=0.0)
    with pytest.raises(ValueError, match="expected steps to be a positive integer"):
        flows.train_flow(flow, lambda n: torch.randn(n, 2), steps=-1, batch_size=8, optimizer=optimizer)
    with pytest.raises(ValueError, match=r"expected sample_real\(2\) of shape \(N, 2\)"):
        flows.train_flow(flow, lambda n: torch.randn(n, 3), steps=1, batch_size=8, optimizer=optimizer)
    with pytest.raises(TypeError, match="expected a torch.optim.Optimizer"):
        flows.train_flow(flow, lambda n: torch.randn(n, 2), steps=1, batch_size=8, optimizer=None)
    with pytest.raises(ValueError, match="expected a flow on 2-D points"):
        flows.density_on_grid(Flow(3, n_steps=1))


def test_autograd_log_det_of_a_known_map():
    a = torch.tensor([[2.0, 1.0], [0.0, 3.0]])
    values = flows.autograd_log_det(lambda x: x @ a.T, torch.randn(4, 2))
    assert torch.allclose(values, torch.full((4,), math.log(6.0)))


def test_samples_per_second_measures_a_rate_and_tells_slow_from_fast():
    import time

    def slow(n):
        time.sleep(0.01)

    rates = flows.samples_per_second({"fast": lambda n: torch.zeros(n, 2), "slow": slow}, n=1000, repeats=2)
    assert set(rates) == {"fast", "slow"} and rates["fast"] > rates["slow"] > 0
    assert rates["slow"] < 1000 / 0.01  # at least 10 ms per call of 1000
    with pytest.raises(ValueError, match="expected positive integers n and repeats"):
        flows.samples_per_second({"a": lambda n: None}, n=0)
    with pytest.raises(TypeError, match="expected a non-empty dict"):
        flows.samples_per_second(lambda n: None)
