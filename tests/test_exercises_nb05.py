"""Notebook 05's checkers accept right answers (written several ways) and reject each plausible wrong one."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

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


RIGHT_LOSS = {
    "bce": lambda s, xf, xc, lam: F.mse_loss(xf, xc) + lam * _bce(s, 1.0),
    "logsigmoid": lambda s, xf, xc, lam: ((xf - xc) ** 2).mean() - lam * F.logsigmoid(s).mean(),
    "softplus": lambda s, xf, xc, lam: F.mse_loss(xf, xc) + lam * F.softplus(-s).mean(),
    "in place": lambda s, xf, xc, lam: xf.sub_(xc).pow_(2).mean() + lam * F.softplus(s.neg_()).mean(),
}
WRONG_LOSS = {
    "label 0": (lambda s, xf, xc, lam: F.mse_loss(xf, xc) + lam * _bce(s, 0.0), "label 1"),
    "minimax": (lambda s, xf, xc, lam: F.mse_loss(xf, xc) - lam * _bce(s, 0.0), "minimax"),
    "no lam": (lambda s, xf, xc, lam: F.mse_loss(xf, xc) + _bce(s, 1.0), "weight the adversarial"),
    "lam on pixel": (lambda s, xf, xc, lam: lam * F.mse_loss(xf, xc) + _bce(s, 1.0), "not the pixel"),
    "l1": (lambda s, xf, xc, lam: F.l1_loss(xf, xc) + lam * _bce(s, 1.0), "squared"),
    "sum": (lambda s, xf, xc, lam: ((xf - xc) ** 2).sum() + lam * _bce(s, 1.0), "do not sum"),
    "no adversarial": (lambda s, xf, xc, lam: F.mse_loss(xf, xc), "missing"),
    "no pixel": (lambda s, xf, xc, lam: lam * _bce(s, 1.0), "pixel term is missing"),
    "sign": (lambda s, xf, xc, lam: F.mse_loss(xf, xc) - lam * _bce(s, 1.0), "sign"),
    "probabilities": (lambda s, xf, xc, lam: F.mse_loss(xf, xc) - lam * torch.log(s).mean(), "logits"),
    "float": (lambda s, xf, xc, lam: float(F.mse_loss(xf, xc) + lam * _bce(s, 1.0)), "scalar tensor"),
    "per sample": (lambda s, xf, xc, lam: F.mse_loss(xf, xc) + lam * F.softplus(-s), "scalar tensor"),
    "raises": (lambda s, xf, xc, lam: s + xf, "raised"),
}


@pytest.mark.parametrize("answer", RIGHT_LOSS.values(), ids=RIGHT_LOSS)
def test_generator_loss_accepts(answer):
    assert nb05.check_generator_loss(answer)


@pytest.mark.parametrize("answer, says", WRONG_LOSS.values(), ids=WRONG_LOSS)
def test_generator_loss_rejects(answer, says):
    verdict = nb05.check_generator_loss(answer)
    assert not verdict and says in verdict.message, verdict.message


@pytest.mark.parametrize("check, wrong", [
    (nb05.check_add_noise, WRONG_NOISE["clipped"][0]),
    (nb05.check_psnr, WRONG_PSNR["mae"][0]),
    (nb05.check_generator_loss, WRONG_LOSS["l1"][0]),
])
def test_no_checker_prints_the_expected_value(check, wrong):
    import re

    message = check(wrong).message
    numbers = re.findall(r"\d+\.\d{3,}", message)
    assert not numbers, message
