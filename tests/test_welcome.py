import numpy as np
import pytest

from gancourse import welcome


def test_course_map_is_in_teaching_order_and_matches_the_notebooks():
    from pathlib import Path

    names = [nb for nb, _, _ in welcome.COURSE_MAP]
    assert names == sorted(names)
    notebooks = Path(__file__).resolve().parent.parent / "notebooks"
    for name in names:
        assert (notebooks / f"{name}.ipynb").is_file(), f"course map lists {name} but it is missing"
    missing = sorted({p.stem for p in notebooks.glob("[0-9][0-9]_*.ipynb")} - set(names))
    assert not missing, f"notebooks missing from welcome.COURSE_MAP: {missing}"
    assert "03_gan_loop" in welcome.course_map()


def test_environment_report_lists_versions_device_and_threads():
    report = welcome.environment_report()
    import torch

    assert report["torch"].startswith(torch.__version__.split("+")[0])
    assert report["device"] in ("cpu", "cuda", "mps")
    assert int(report["torch threads"]) == torch.get_num_threads()


@pytest.mark.parametrize("mu,sigma", [(0.0, 1.0), (2.0, 0.5), (-1.0, 3.0)])
def test_sample_state_matches_numpy_statistics(mu, sigma):
    state = welcome.sample_state(mu, sigma, n=4000, seed=1)
    assert state.sample_mean == pytest.approx(np.mean(state.samples))
    assert state.sample_std == pytest.approx(np.std(state.samples, ddof=1))
    assert abs(state.sample_mean - mu) < 5 * sigma / np.sqrt(4000)
    assert abs(state.sample_std - sigma) < 0.05 * sigma


def test_sample_state_rejects_bad_sigma():
    with pytest.raises(ValueError, match="sigma > 0"):
        welcome.sample_state(0.0, 0.0)


def test_explorer_slider_changes_the_state_it_draws():
    ex = welcome.SampleExplorer()
    before = ex.image().data
    ex.sliders["mu"].value = 2.0
    assert ex.state.mu == 2.0
    assert abs(ex.state.sample_mean - 2.0) < 0.2
    assert ex.image().data != before  # the figure was redrawn


def test_nb00_checkers_accept_right_and_explain_wrong_answers():
    from gancourse.exercises import nb00

    right = welcome.sample_state(mu=1.0, sigma=2.0, n=1000, seed=3).sample_mean
    assert nb00.check_sample_mean(right)
    assert nb00.check_sample_mean(round(right, 4))  # the 4 decimals the notebook prints are enough
    wrong = nb00.check_sample_mean(right + 0.1)
    assert not wrong and "too high" in wrong.message and f"{right:.4f}" not in wrong.message
    assert "no answer yet" in nb00.check_sample_mean(...).message
    assert "no answer yet" in repr(nb00.check_test_time_network(...))


def _no_value(message, value):
    return f"{value:.4f}" not in message and f"{value:.3f}" not in message and f"{value:.2f}" not in message


@pytest.mark.parametrize("state_args, word", [
    (dict(mu=1.0, sigma=4.0, n=1000, seed=3), "variance"),   # sigma given the variance
    (dict(mu=1.0, sigma=2.0, n=1000, seed=0), "seed"),       # the default seed
    (dict(mu=1.0, sigma=2.0, n=500, seed=3), "n=1000"),      # the default sample size
    (dict(mu=2.0, sigma=1.0, n=1000, seed=3), "order"),      # mu and sigma swapped
])
def test_nb00_exercise1_names_each_slip_without_the_answer(state_args, word):
    from gancourse.exercises import nb00

    right = welcome.sample_state(mu=1.0, sigma=2.0, n=1000, seed=3).sample_mean
    feedback = nb00.check_sample_mean(welcome.sample_state(**state_args).sample_mean)
    assert not feedback and word in feedback.message and _no_value(feedback.message, right)


def test_nb00_exercise1_hint_guides_without_the_call_and_rejects_the_state_and_mu():
    from gancourse.exercises import nb00

    right = welcome.sample_state(mu=1.0, sigma=2.0, n=1000, seed=3)
    whole = nb00.check_sample_mean(right)
    assert not whole and "SampleState" in whole.message
    true_mean = nb00.check_sample_mean(1.0)
    assert not true_mean and "true mean" in true_mean.message
    hint = nb00.check_sample_mean(right.sample_mean + 0.5).message
    assert "sample_state(" not in hint and "sigma=2.0" not in hint and ".sample_mean" not in hint
    assert nb00.check_sample_mean(right.sample_mean).message.endswith("correct")


@pytest.mark.parametrize("answer", ["generator", " Generator ", "G", "g", "the generator", "G(z)"])
def test_nb00_exercise2_accepts_the_generator_by_name_or_letter(answer):
    from gancourse.exercises import nb00

    assert nb00.check_test_time_network(answer)


@pytest.mark.parametrize("answer", ["discriminator", "D", "d", "critic", "both", "GAN", "encoder", 1])
def test_nb00_exercise2_rejects_wrong_answers_without_naming_the_answer(answer):
    from gancourse.exercises import nb00

    feedback = nb00.check_test_time_network(answer)
    assert not feedback and "generator" not in feedback.message.lower() and "'g'" not in feedback.message.lower()
