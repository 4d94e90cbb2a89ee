"""Notebook 05's checkers accept right answers (written several ways) and reject each plausible wrong one."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import gancourse as gc
from gancourse.exercises import nb05


def _mse(a, b):
    return float(np.mean((np.asarray(a) - np.asarray(b)) ** 2))


# ---------------------------------------------------------------- Exercise 1
RIGHT_NOISE = {
    "standard_normal": lambda x, s, rng: x + (s / 255) * rng.standard_normal(x.shape),
    "normal": lambda x, s, rng: x + rng.normal(0.0, s / 255, size=x.shape),
    "in place": lambda x, s, rng: np.add(x, (s / 255) * rng.standard_normal(x.shape), out=x),
}
WRONG_NOISE = {
    "clipped": (lambda x, s, rng: np.clip(x + (s / 255) * rng.standard_normal(x.shape), 0, 1), "not clipped"),
    "no /255": (lambda x, s, rng: x + s * rng.standard_normal(x.shape), "sigma / 255"),
    "variance": (lambda x, s, rng: x + (s / 255) ** 2 * rng.standard_normal(x.shape), "standard deviation"),
    "other rng": (lambda x, s, rng: x + (s / 255) * np.random.default_rng(0).standard_normal(x.shape), "rng"),
    "multiplicative": (lambda x, s, rng: x * (1 + (s / 255) * rng.standard_normal(x.shape)), "not yet"),
    "noise only": (lambda x, s, rng: (s / 255) * rng.standard_normal(x.shape), "noise alone"),
    "nan": (lambda x, s, rng: x * np.nan, "NaN"),
    "raises": (lambda x, s, rng: 1 / 0, "ZeroDivisionError"),
    "returns None": (lambda x, s, rng: None, "returns None"),
    "wrong shape": (lambda x, s, rng: x.ravel(), "shape"),
}


@pytest.mark.parametrize("answer", RIGHT_NOISE.values(), ids=RIGHT_NOISE)
def test_add_noise_accepts(answer):
    assert nb05.check_add_noise(answer)


@pytest.mark.parametrize("answer, says", WRONG_NOISE.values(), ids=WRONG_NOISE)
def test_add_noise_rejects(answer, says):
    verdict = nb05.check_add_noise(answer)
    assert not verdict and says in verdict.message


def test_add_noise_checker_rejects_a_missing_answer():
    assert "replace the ..." in nb05.check_add_noise(...).message


# ---------------------------------------------------------------- Exercise 2
RIGHT_PSNR = {
    "numpy": lambda c, o: 10 * np.log10(1 / np.mean((c - o) ** 2)),
    "minus log": lambda c, o: -10 * math.log10(_mse(c, o)),
    "torch": lambda c, o: 10 * torch.log10(1 / torch.mean((torch.as_tensor(c) - torch.as_tensor(o)) ** 2)),
    "in place": lambda c, o: 10 * np.log10(1 / np.mean(np.subtract(c, o, out=c) ** 2)),
}
WRONG_PSNR = {
    "20 log": (lambda c, o: 20 * np.log10(1 / _mse(c, o)), "powers"),
    "peak 255": (lambda c, o: 10 * np.log10(255**2 / _mse(c, o)), "255"),
    "natural log": (lambda c, o: 10 * np.log(1 / _mse(c, o)), "base 10"),
    "rmse": (lambda c, o: 10 * np.log10(1 / math.sqrt(_mse(c, o))), "squared"),
    "sign": (lambda c, o: 10 * np.log10(_mse(c, o)), "sign"),
    "mae": (lambda c, o: 10 * np.log10(1 / np.mean(np.abs(c - o))), "too"),
    "inf": (lambda c, o: math.inf, "finite"),
    "raises": (lambda c, o: c @ np.ones(3), "raised"),
    "string": (lambda c, o: "30 dB", "one number"),
}


@pytest.mark.parametrize("answer", RIGHT_PSNR.values(), ids=RIGHT_PSNR)
def test_psnr_accepts(answer):
    assert nb05.check_psnr(answer)


@pytest.mark.parametrize("answer, says", WRONG_PSNR.values(), ids=WRONG_PSNR)
def test_psnr_rejects(answer, says):
    verdict = nb05.check_psnr(answer)
    assert not verdict and says in verdict.message


# ---------------------------------------------------------------- Exercise 3
def _bce(s, label):
    return F.binary_cross_entropy_with_logits(s, torch.full_like(s, label))


def _d_loss(real, fake, real_label=1.0, fake_label=0.0):
    return _bce(real, real_label) + _bce(fake, fake_label)


RIGHT_D_LOSS = {
    "bce with logits": lambda r, f: _d_loss(r, f),
    "softplus": lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean(),
    "logsigmoid": lambda r, f: -F.logsigmoid(r).mean() - F.logsigmoid(-f).mean(),
    "flattened": lambda r, f: F.binary_cross_entropy_with_logits(
        torch.cat([r.flatten(), f.flatten()]), torch.cat([torch.ones(r.numel()), torch.zeros(f.numel())])) * 2,
    "mean of per-image means": lambda r, f: F.softplus(-r).mean(dim=1).mean() + F.softplus(f).mean(dim=1).mean(),
    "the course's": lambda r, f: gc.discriminator_loss(r, f),
    "in place": lambda r, f: F.softplus(r.neg_()).mean() + F.softplus(f).mean(),
    "float64": lambda r, f: _d_loss(r.double(), f.double()),
    "module": lambda r, f: torch.nn.BCEWithLogitsLoss()(r, torch.ones_like(r)) + torch.nn.BCEWithLogitsLoss()(
        f, torch.zeros_like(f)),
    "logaddexp": lambda r, f: torch.logaddexp(torch.zeros_like(r), -r).mean() + torch.logaddexp(torch.zeros_like(f), f).mean(),
}
WRONG_D_LOSS = {
    "labels swapped": (lambda r, f: _d_loss(r, f, 0.0, 1.0), "swapped"),
    "averaged": (lambda r, f: _d_loss(r, f) / 2, "do not average them"),
    "sign": (lambda r, f: -_d_loss(r, f), "sign"),
    "no fake term": (lambda r, f: _bce(r, 1.0), "fake term"),
    "no real term": (lambda r, f: _bce(f, 0.0), "real term"),
    "sum over patches": (lambda r, f: F.softplus(-r).sum(dim=1).mean() + F.softplus(f).sum(dim=1).mean(), "patches too"),
    "sum": (lambda r, f: F.softplus(-r).sum() + F.softplus(f).sum(), "do not sum"),
    "logits averaged first": (lambda r, f: _bce(r.mean(dim=1), 1.0) + _bce(f.mean(dim=1), 0.0), "logits first"),
    "log of sigmoid": (lambda r, f: -torch.log(torch.sigmoid(r)).mean() - torch.log(1 - torch.sigmoid(f)).mean(),
                       "from the logits"),
    "bce on probabilities": (lambda r, f: F.binary_cross_entropy(torch.sigmoid(r), torch.ones_like(r))
                             + F.binary_cross_entropy(torch.sigmoid(f), torch.zeros_like(f)), "from the logits"),
    "generator's term": (lambda r, f: _bce(r, 1.0) - _bce(f, 1.0), "generator's loss"),
    "least squares": (lambda r, f: ((torch.sigmoid(r) - 1) ** 2).mean() + (torch.sigmoid(f) ** 2).mean(), "not yet"),
    "wasserstein": (lambda r, f: f.mean() - r.mean(), "not yet"),
    "float": (lambda r, f: float(_d_loss(r, f).detach()), "scalar tensor"),
    "per patch": (lambda r, f: F.softplus(-r) + F.softplus(f), "scalar tensor"),
    "raises": (lambda r, f: r @ f, "raised"),
    "log of sigmoid(-s)": (lambda r, f: -torch.log(torch.sigmoid(r)).mean() - torch.log(torch.sigmoid(-f)).mean(),
                           "from the logits"),
    "log1p of -sigmoid": (lambda r, f: -F.logsigmoid(r).mean() - torch.log1p(-torch.sigmoid(f)).mean(),
                          "log(1 - sigmoid(s))"),
    "bce on sigmoid(-s)": (lambda r, f: F.binary_cross_entropy(torch.sigmoid(r), torch.ones_like(r))
                           + F.binary_cross_entropy(torch.sigmoid(-f), torch.ones_like(f)), "from the logits"),
    "fake label 1": (lambda r, f: _bce(r, 1.0) + _bce(f, 1.0), "fake patches take label 0"),
    "real sign slip": (lambda r, f: F.softplus(r).mean() + F.softplus(f).mean(), "real patches take label 1"),
    "sum over images": (lambda r, f: F.softplus(-r).mean(dim=1).sum() + F.softplus(f).mean(dim=1).sum(),
                        "over the images too"),
    "item": (lambda r, f: torch.tensor(_d_loss(r, f).item()), "cut from the graph"),
    "numpy": (lambda r, f: torch.tensor(np.logaddexp(0, -r.detach().numpy()).mean()
                                        + np.logaddexp(0, f.detach().numpy()).mean()), "cut from the graph"),
    "half detached": (lambda r, f: _bce(r, 1.0) + _bce(f.detach(), 0.0), "gradient is not"),
    "missing": (..., "replace the ..."),
    "nan": (lambda r, f: r.sum() * float("nan"), "moderate logits"),
    "none": (lambda r, f: None, "return your result"),
}


@pytest.mark.parametrize("answer", RIGHT_D_LOSS.values(), ids=RIGHT_D_LOSS)
def test_discriminator_loss_accepts(answer):
    verdict = nb05.check_discriminator_loss(answer)
    assert verdict, verdict.message


@pytest.mark.parametrize("answer, says", WRONG_D_LOSS.values(), ids=WRONG_D_LOSS)
def test_discriminator_loss_rejects(answer, says):
    verdict = nb05.check_discriminator_loss(answer)
    assert not verdict and says in verdict.message, verdict.message


def test_discriminator_loss_checker_uses_confident_logits():
    """The naive forms must fail: some case has logits whose sigmoid is 1 or 0 in float32, beyond BCE's clamp at 100."""
    cases = nb05._patch_cases()
    assert any(float(torch.sigmoid(fake).max()) == 1.0 for _, fake in cases)
    assert any(float(torch.sigmoid(real).min()) == 0.0 and float(real.min()) < -100 for real, _ in cases)
    assert any(float(fake.max()) > 100 for _, fake in cases)


@pytest.mark.parametrize("check, wrong", [
    (nb05.check_add_noise, WRONG_NOISE["clipped"][0]),
    (nb05.check_psnr, WRONG_PSNR["mae"][0]),
    (nb05.check_discriminator_loss, WRONG_D_LOSS["least squares"][0]),
])
def test_no_checker_prints_the_expected_value(check, wrong):
    import re

    message = check(wrong).message
    numbers = re.findall(r"\d+\.\d{3,}", message)
    assert not numbers, message
