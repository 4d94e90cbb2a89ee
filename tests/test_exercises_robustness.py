"""Every checker (notebooks 00-04, 06): a right answer written in place passes and leaves the exercise
data unchanged; NaN, None, a raising function, a wrong type and an endless loop each get feedback.

The lists below name each case; a checker that raises or hangs instead of giving feedback fails here.
"""

import math
import platform

import numpy as np
import pytest
import torch
from torch.nn import functional as F

import gancourse.exercises as ex
from gancourse.entropy import entropy
from gancourse.exercises import nb00, nb01, nb02, nb03, nb04, nb06
from gancourse.wgan import gradient_penalty


# ---------------------------------------------------------------- right answers written in place
def _bce_in_place(s, t):
    out = s.clamp(min=0)
    out.sub_(t * s)
    out.add_(s.abs_().neg_().exp_().log1p_())  # mutates the logits it was given
    return out.mean()


def _step_in_place(discriminator, generator, z, optimizer):
    optimizer.zero_grad()
    loss = F.softplus(-discriminator(generator(z))).mean()
    loss.backward()
    optimizer.step()
    z.zero_()  # scribbles on its input


def _high_quality_in_place(samples, centers, std):
    nearest = torch.cdist(samples, centers).min(1).values
    samples.zero_()
    centers.zero_()
    return (nearest <= 3 * std).float().mean()


def _critic_loss_in_place(real_scores, fake_scores):
    return -real_scores.sub_(fake_scores.mean()).mean()  # E[f(x_fake)] - E[f(x_real)], computed in place


def _penalty_in_place(critic, x_real, x_fake, eps):
    e = eps.view(-1, 1, 1, 1)
    x_hat = x_real.mul_(e).add_((1 - e) * x_fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def _inverse_in_place(y_b, log_s, t):
    return y_b.sub_(t).mul_(log_s.neg_().exp_())


RIGHT_IN_PLACE = {
    "nb01.check_stable_bce": (nb01.check_stable_bce, (_bce_in_place,)),
    "nb02.check_generator": (nb02.check_generator, (lambda z: z.mul_(0.5).add_(3),)),
    "nb03.check_generator_step": (nb03.check_generator_step, (_step_in_place,)),
    "nb03.check_high_quality_fraction": (nb03.check_high_quality_fraction, (_high_quality_in_place,)),
    "nb04.check_losses": (nb04.check_losses, (_critic_loss_in_place, lambda f: -f.mean())),
    "nb04.check_image_penalty": (nb04.check_image_penalty, (_penalty_in_place,)),
    "nb06.check_coupling_inverse": (nb06.check_coupling_inverse, (_inverse_in_place,)),
}


@pytest.mark.parametrize("case", sorted(RIGHT_IN_PLACE))
def test_a_right_answer_written_in_place_is_accepted_twice(case):
    check, answers = RIGHT_IN_PLACE[case]
    first, second = check(*answers), check(*answers)  # the second run sees the same test data
    assert first, first.message
    assert second, second.message


def test_exercise_data_handed_out_are_copies_the_checker_never_sees_changed():
    x, y = nb02.EXERCISE1_X, nb02.EXERCISE1_Y
    x.sort()  # the hint says "sort both samples"; in place is fine
    y.sort()
    assert nb02.check_w1_by_hand(float(np.abs(x - y).mean()))  # 1.0, the right W1
    assert np.array_equal(nb02.EXERCISE1_X, [0.0, 3.0, 0.0]) and np.array_equal(nb02.EXERCISE1_Y, [2.0, 1.0, 2.0])
    wrong = nb02.check_w1_by_hand(float(np.abs(nb02.EXERCISE1_X - nb02.EXERCISE1_Y).mean()))
    assert not wrong and "order given" in wrong.message  # the unsorted pairing is still caught
    p = nb01.EXERCISE1_P
    p[:] = 0.25
    assert nb01.check_cross_entropy_of_p_with_itself(float(entropy(nb01.EXERCISE1_P)))
    assert np.array_equal(nb01.EXERCISE1_P, [0.5, 0.25, 0.125, 0.125])
    with pytest.raises(AttributeError, match="EXERCISE9"):
        nb02.EXERCISE9  # noqa: B018


def test_the_checkers_private_data_is_read_only():
    for a in (nb01._P, nb02._X, nb02._Y):
        with pytest.raises(ValueError, match="read-only"):
            a.sort()


# ---------------------------------------------------------------- bad answers get feedback, never an exception
def _nan(*args):
    return torch.tensor(float("nan"))


def _nan_like_first(x, *args):
    return torch.full_like(x, float("nan"))


def _none(*args):
    return None


def _raises(*args):
    raise ZeroDivisionError("boom")


def _text(*args):
    return "0.5"


def _nan_step(discriminator, generator, z, optimizer):
    optimizer.zero_grad()
    loss = torch.log(torch.zeros(())) * generator(z).sum()  # -inf * ... -> NaN gradient
    loss.backward()
    optimizer.step()


FUNCTION_CHECKERS = {
    "nb01.check_stable_bce": lambda fn: nb01.check_stable_bce(fn),
    "nb02.check_generator": lambda fn: nb02.check_generator(fn),
    "nb03.check_generator_step": lambda fn: nb03.check_generator_step(fn),
    "nb03.check_high_quality_fraction": lambda fn: nb03.check_high_quality_fraction(fn),
    "nb04.check_losses (critic)": lambda fn: nb04.check_losses(fn, lambda f: -f.mean()),
    "nb04.check_losses (generator)": lambda fn: nb04.check_losses(lambda r, f: f.mean() - r.mean(), fn),
    "nb04.check_image_penalty": lambda fn: nb04.check_image_penalty(fn),
    "nb06.check_coupling_inverse": lambda fn: nb06.check_coupling_inverse(fn),
}
BAD_FUNCTIONS = {"NaN": _nan, "NaN like the input": _nan_like_first, "returns None": _none,
                 "raises": _raises, "returns text": _text, "not a function": 0.5, "None": None}


@pytest.mark.parametrize("checker", sorted(FUNCTION_CHECKERS))
@pytest.mark.parametrize("bad", sorted(BAD_FUNCTIONS))
def test_a_bad_function_gets_feedback(checker, bad):
    verdict = FUNCTION_CHECKERS[checker](BAD_FUNCTIONS[bad])
    assert isinstance(verdict, ex.Feedback) and not verdict
    assert verdict.message.split(":")[0] in repr(verdict)


def test_a_generator_step_that_makes_nan_gets_feedback():
    verdict = nb03.check_generator_step(_nan_step)
    assert not verdict and "not a finite number" in verdict.message


def test_nan_from_a_learner_is_named_as_nan():
    verdict = nb02.check_generator(_nan_like_first)
    assert not verdict and "NaN" in verdict.message
    verdict = nb04.check_losses(_nan, lambda f: -f.mean())
    assert not verdict and "NaN" in verdict.message


def _endless(*args):
    while True:
        pass


@pytest.mark.skipif(platform.system() == "Windows", reason="SIGALRM: no time limit on Windows (documented)")
@pytest.mark.parametrize("checker", sorted(FUNCTION_CHECKERS))
def test_an_endless_loop_is_stopped_with_feedback(checker, monkeypatch):
    monkeypatch.setattr(ex, "LEARNER_TIME_LIMIT_S", 0.2)
    verdict = FUNCTION_CHECKERS[checker](_endless)
    assert not verdict and "stopped after 0.2 s" in verdict.message


def test_the_time_limit_restores_the_previous_alarm_handler(monkeypatch):
    import signal

    before = signal.getsignal(signal.SIGALRM)
    monkeypatch.setattr(ex, "LEARNER_TIME_LIMIT_S", 0.2)
    nb02.check_generator(_endless)
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


VALUE_CHECKERS = {
    "nb00.check_sample_mean": nb00.check_sample_mean,
    "nb00.check_test_time_network": nb00.check_test_time_network,
    "nb01.check_cross_entropy_of_p_with_itself": nb01.check_cross_entropy_of_p_with_itself,
    "nb01.check_discriminator_loss": nb01.check_discriminator_loss,
    "nb02.check_w1_by_hand": nb02.check_w1_by_hand,
    "nb02.check_disjoint_distances (js)": lambda a: nb02.check_disjoint_distances(a, 3.0),
    "nb02.check_disjoint_distances (w1)": lambda a: nb02.check_disjoint_distances(math.log(2), a),
    "nb03.check_optimal_discriminator_at_zero": nb03.check_optimal_discriminator_at_zero,
    "nb03.check_value_disjoint": nb03.check_value_disjoint,
    "nb04.check_soft_penalty_dual": nb04.check_soft_penalty_dual,
    "nb04.check_clipped_lipschitz": nb04.check_clipped_lipschitz,
    "nb06.check_affine_density": nb06.check_affine_density,
    "nb06.check_rescaled_log_likelihood": nb06.check_rescaled_log_likelihood,
}
BAD_VALUES = {"NaN": float("nan"), "inf": float("inf"), "NaN tensor": torch.tensor(float("nan")), "None": None,
              "...": ..., "text": "0.5", "list": [1.0, 2.0], "dict": {"a": 1}, "function": print,
              "tensor with grad": torch.tensor(0.123, requires_grad=True)}


@pytest.mark.parametrize("checker", sorted(VALUE_CHECKERS))
@pytest.mark.parametrize("bad", sorted(BAD_VALUES))
def test_a_bad_value_gets_feedback(checker, bad):
    verdict = VALUE_CHECKERS[checker](BAD_VALUES[bad])
    assert isinstance(verdict, ex.Feedback) and not verdict


def test_a_number_given_as_text_is_told_to_drop_the_quotes():
    verdict = nb03.check_optimal_discriminator_at_zero(str(1 / (1 + math.exp(-0.5))))
    assert not verdict and "remove the quotes" in verdict.message


def test_right_answers_still_pass_with_the_copies():
    assert nb04.check_image_penalty(
        lambda critic, xr, xf, eps: gradient_penalty(critic, xr, xf, eps=eps))
