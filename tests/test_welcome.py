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
    assert nb00.check_test_time_network(" Generator ")
    assert not nb00.check_test_time_network("discriminator")
    assert "no answer yet" in repr(nb00.check_test_time_network(...))
