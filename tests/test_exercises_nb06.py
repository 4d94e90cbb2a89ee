"""Exercise checkers of notebook 06: right answers pass, the usual mistakes get their hint, no answer leaks."""

import math

import pytest
import torch
from scipy import stats

from gancourse.exercises import nb06

RIGHT_DENSITY = stats.norm(1.0, 2.0).pdf(2.0)  # independent value: X = 1 + 2Z is N(1, 4)
RIGHT_LL = 1.5 - 2 * math.log(10.0)


def _stub(y_b, log_s, t):
    ...  # an untouched exercise cell


@pytest.mark.parametrize("check, answer", [
    (nb06.check_affine_density, ...),
    (nb06.check_coupling_inverse, _stub),
    (nb06.check_coupling_inverse, ...),
    (nb06.check_rescaled_log_likelihood, ...),
])
def test_untouched_stubs_say_no_answer_yet(check, answer):
    feedback = check(answer)
    assert not feedback and "no answer yet" in feedback.message


def test_exercise1_accepts_the_density_in_any_numeric_form():
    assert nb06.check_affine_density(RIGHT_DENSITY)
    assert nb06.check_affine_density(torch.tensor(RIGHT_DENSITY))
    assert nb06.check_affine_density(math.exp(-0.125) / (2 * math.sqrt(2 * math.pi)))


@pytest.mark.parametrize("wrong, says", [
    (stats.norm.pdf(0.5), "stretch factor"),
    (2 * stats.norm.pdf(0.5), "inverse"),
    (stats.norm.pdf(2.0), "solve 2 = 1 + 2z"),
    (stats.norm.pdf(1.0), "solve 2 = 1 + 2z"),
    (stats.norm.pdf(1.0) / 2, "solve 2 = 1 + 2z"),
    (stats.norm.pdf(1.5) / 2, "solve 2 = 1 + 2z"),
    (0.5, "too high"),
    (0.01, "too low"),
])
def test_exercise1_wrong_answers_get_their_hint_and_not_the_answer(wrong, says):
    feedback = nb06.check_affine_density(wrong)
    assert not feedback and says in feedback.message
    assert f"{RIGHT_DENSITY:.4f}" not in feedback.message and f"{RIGHT_DENSITY:.3f}" not in feedback.message


def test_exercise1_rejects_text():
    assert "expected a number" in nb06.check_affine_density("a half").message


def test_exercise2_accepts_every_way_of_writing_the_inverse():
    assert nb06.check_coupling_inverse(lambda y_b, log_s, t: (y_b - t) * torch.exp(-log_s))
    assert nb06.check_coupling_inverse(lambda y_b, log_s, t: (y_b - t) / log_s.exp())
    assert nb06.check_coupling_inverse(lambda y_b, log_s, t: y_b * (-log_s).exp() - t * (-log_s).exp())


@pytest.mark.parametrize("wrong, says", [
    (lambda y_b, log_s, t: (y_b - t) * log_s.exp(), "a second time"),
    (lambda y_b, log_s, t: y_b * (-log_s).exp() - t, "removed first"),
    (lambda y_b, log_s, t: (y_b - t) / log_s, "not log_s"),
    (lambda y_b, log_s, t: y_b - t, "scale must be undone"),
    (lambda y_b, log_s, t: y_b, "does not recover x_b"),
    (lambda y_b, log_s, t: (y_b + t) * (-log_s).exp(), "does not recover x_b"),
    (lambda y_b, log_s, t: y_b[:, 0], "expected a tensor of the shape of y_b"),
    (lambda y_b, log_s, t: 1 / 0, "raised ZeroDivisionError"),
    (lambda y_b, log_s, t: None, "no answer yet"),
])
def test_exercise2_wrong_inverses_are_explained(wrong, says):
    feedback = nb06.check_coupling_inverse(wrong)
    assert not feedback and says in feedback.message


def test_exercise2_rejects_a_non_function():
    assert "expected a function" in nb06.check_coupling_inverse(3.0).message


def test_exercise3_accepts_the_answer():
    assert nb06.check_rescaled_log_likelihood(RIGHT_LL)
    assert nb06.check_rescaled_log_likelihood(1.5 + 2 * math.log(0.1))


@pytest.mark.parametrize("wrong, says", [
    (1.5, "not unit-free"),
    (1.5 + 2 * math.log(10.0), "wrong sign"),
    (1.5 - math.log(10.0), "once"),
    (1.5 - 2 * math.log10(10.0), "log10"),
    (-10.0, "too low"),
    (0.0, "too high"),
])
def test_exercise3_wrong_answers_get_their_hint_and_not_the_answer(wrong, says):
    feedback = nb06.check_rescaled_log_likelihood(wrong)
    assert not feedback and says in feedback.message
    assert f"{RIGHT_LL:.2f}" not in feedback.message and f"{-RIGHT_LL:.2f}" not in feedback.message
