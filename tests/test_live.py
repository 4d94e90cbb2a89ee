"""Tests for gancourse.live: the training view's state logic and widgets, headlessly."""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from gancourse.gan import ToyGANConfig
from gancourse.live import LiveGAN, LiveView, _command_line, draw_frame


def small_state(**kwargs):
    return LiveGAN("ring8", ToyGANConfig(hidden_dim=16, n_hidden=2, batch_size=32), n_show=64, **kwargs)


def params(module):
    return [p.detach().clone() for p in module.parameters()]


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("which,moves_d,moves_g", [("d", True, False), ("g", False, True), ("both", True, True)])
def test_each_kind_of_step_moves_only_its_player(which, moves_d, moves_g):
    state = small_state()
    d0, g0 = params(state.discriminator), params(state.generator)
    state.step(which)
    assert same(d0, params(state.discriminator)) != moves_d
    assert same(g0, params(state.generator)) != moves_g


def test_k_discriminator_steps_per_round_and_counters():
    state = small_state(n_critic=3)
    state.run(2)
    state.step("d")
    state.step("g")
    assert (state.d_steps, state.g_steps) == (7, 3)
    frame = state.frame(resolution=10)
    assert frame.d_loss.shape == (7,) and frame.g_loss.shape == (3,)
    # D steps are placed at the number of G steps done before them
    np.testing.assert_array_equal(frame.d_loss_at, [0, 0, 0, 1, 1, 1, 2])


def test_same_seed_same_training():
    a, b = small_state(seed=3), small_state(seed=3)
    a.run(3)
    b.run(3)
    assert same(params(a.generator), params(b.generator))


def test_set_lr_and_n_critic_are_checked():
    state = small_state()
    state.set_lr(d_lr=1e-2)
    assert state.lrs == (1e-2, 1e-3)  # ToyGANConfig's g_lr is untouched
    state.set_lr(g_lr=5e-4)
    assert state.d_optimizer.param_groups[0]["lr"] == 1e-2 and state.g_optimizer.param_groups[0]["lr"] == 5e-4
    with pytest.raises(ValueError, match="positive learning rate"):
        state.set_lr(d_lr=0.0)
    with pytest.raises(ValueError, match="n_critic"):
        state.n_critic = 0
    with pytest.raises(ValueError, match="'d', 'g' or 'both'"):
        state.step("x")
    with pytest.raises(ValueError, match="unknown target"):
        LiveGAN("spiral")


def test_frame_contents():
    state = small_state()
    frame = state.frame(resolution=12)
    assert frame.x_real.shape == frame.x_fake.shape == frame.push.shape == (64, 2)
    assert frame.d_prob.shape == (12, 12) and (frame.d_prob >= 0).all() and (frame.d_prob <= 1).all()
    # the heatmap is D on the grid: check one cell against the model directly
    with torch.no_grad():
        direct = torch.sigmoid(state.discriminator(torch.tensor([[frame.grid_x[3], frame.grid_y[7]]], dtype=torch.float32)))
    assert frame.d_prob[7, 3] == pytest.approx(direct.item(), abs=1e-6)
    # the push is minus the gradient of G's loss: moving a point along it raises D's score on it
    x = torch.tensor(frame.x_fake[:1], requires_grad=True)
    before = state.discriminator(x).item()
    after = state.discriminator(x + 1e-3 * torch.tensor(frame.push[:1])).item()
    assert after > before
    assert frame.coverage.n_modes == 8 and "modes reached" in frame.summary()
    assert isinstance(draw_frame(frame), Figure)


@pytest.fixture
def cheap_drawing(monkeypatch):
    """Skip matplotlib in the widget tests (drawing is tested in test_frame_contents)."""
    import gancourse.live as live_module

    monkeypatch.setattr(live_module, "draw_frame", lambda frame, fig=None: fig)
    monkeypatch.setattr(live_module, "_png", lambda fig: b"png")


def test_view_buttons_and_sliders_drive_the_state(cheap_drawing):
    view = LiveView(small_state(), headless=False)
    assert view.image.value  # the initial frame is drawn
    view.d_button.click()
    view.g_button.click()
    view.k.value = 2
    view.both_button.click()
    assert (view.state.d_steps, view.state.g_steps) == (3, 2)
    view.d_lr.value = 1e-2
    view.g_lr.value = 1e-4
    assert view.state.lrs == pytest.approx((1e-2, 1e-4))
    assert "D steps 3" in view.status.value


def test_view_play_trains_in_the_background_until_paused(cheap_drawing):
    view = LiveView(small_state(), headless=False, rounds_per_frame=2)
    view.play.value = True
    deadline = time.time() + 20
    while view.state.g_steps < 2 and time.time() < deadline:
        time.sleep(0.05)
    view.stop()
    assert view.state.g_steps >= 2 and not view._thread.is_alive()
    steps = view.state.g_steps
    view.g_button.click()  # paused: buttons work again
    assert view.state.g_steps == steps + 1


def test_headless_show_trains_and_draws_the_final_frame(capsys):
    import matplotlib.pyplot as plt

    view = LiveView(small_state(), headless=True, headless_rounds=3)
    assert view.show() is None
    assert view.state.g_steps == 3
    assert "static final frame" in capsys.readouterr().out
    plt.close("all")


@pytest.mark.parametrize("flag, expected", [("1", True), ("0", False)])
def test_the_environment_variable_decides_when_set(monkeypatch, flag, expected):
    from gancourse.live import no_live_front_end

    monkeypatch.setenv("GANCOURSE_HEADLESS", flag)
    monkeypatch.setenv("JPY_PARENT_PID", str(os.getpid()))  # pytest: a batch runner, overruled by the flag
    assert no_live_front_end() is expected


@pytest.mark.parametrize("launcher, expected", [("jupyter-nbconvert", True), ("papermill", True), ("jupyter-lab", False)])
def test_without_the_variable_the_kernel_launcher_decides(monkeypatch, tmp_path, launcher, expected):
    from gancourse.live import no_live_front_end

    monkeypatch.delenv("GANCOURSE_HEADLESS", raising=False)
    script = tmp_path / launcher  # a stand-in launcher with the real program's name
    script.write_text("import time\ntime.sleep(30)\n")
    parent = subprocess.Popen([sys.executable, str(script), "--some-option", str(tmp_path / "nbval")])
    try:
        deadline = time.monotonic() + 10
        while launcher not in " ".join(_command_line(parent.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)  # until the child has exec'd and its command line is readable
        monkeypatch.setenv("JPY_PARENT_PID", str(parent.pid))
        assert no_live_front_end() is expected
    finally:
        parent.kill()
        parent.wait()
    monkeypatch.delenv("JPY_PARENT_PID")
    assert no_live_front_end() is False  # no kernel launcher at all: a plain Python session


@pytest.mark.parametrize("argv, batch", [
    (["/venv/bin/python", "/venv/bin/jupyter-nbconvert", "--to", "notebook", "--execute", "a.ipynb"], True),
    (["/venv/bin/python", "-m", "jupyter", "nbconvert", "--execute", "a.ipynb"], True),
    (["/venv/bin/python", "-m", "pytest", "--nbval", "notebooks"], True),
    (["/venv/bin/python", "/venv/bin/papermill", "in.ipynb", "out.ipynb"], True),
    (["/venv/bin/python", "scripts/run_notebooks.py", "notebooks/03_gan_loop.ipynb"], True),
    (["/venv/bin/python", "/venv/bin/jupyter-lab", "--notebook-dir=/home/me/pytest-notes"], False),
    (["/venv/bin/python", "-m", "jupyter", "lab", "--ServerApp.root_dir=/tmp/pytest-of-me/nbconvert"], False),
    (["/venv/bin/python", "/venv/bin/jupyter-lab", "/home/me/nbval", "/home/me/papermill"], False),
    (["/usr/bin/jupyter", "lab", "/home/me/nbconvert-notes"], False),
    (["/usr/bin/jupyter", "nbconvert", "--execute", "a.ipynb"], True),
])
def test_only_the_program_name_counts_not_its_files(argv, batch):
    from gancourse.live import BATCH_RUNNERS, _program_names

    names = _program_names(argv)
    assert any(word in name for name in names for word in BATCH_RUNNERS) is batch


def test_jupyter_nbconvert_execute_is_detected_as_headless(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from gancourse.live import no_live_front_end\nprint(no_live_front_end())")])
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    env = {k: v for k, v in os.environ.items() if k not in ("GANCOURSE_HEADLESS", "JPY_PARENT_PID")}
    jupyter = Path(sys.executable).with_name("jupyter")
    subprocess.run([str(jupyter), "nbconvert", "--to", "notebook", "--execute", "--inplace", str(path)],
                   env=env, check=True, capture_output=True, timeout=120)
    out = nbformat.read(path, as_version=4).cells[0].outputs[0]["text"]
    assert out.strip() == "True"
