"""Headless tests of the notebook explorers: set a slider, assert the state it computes."""

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from gancourse import explorers
from gancourse.entropy import cross_entropy, entropy, kl_divergence

LOG2 = math.log(2)


class FakeHandle:
    """Stands in for IPython's DisplayHandle: records the figures it is asked to show."""

    def __init__(self):
        self.shown = []

    def update(self, obj):
        self.shown.append(obj)


# ---------------------------------------------------------------- notebook 01
def test_cross_entropy_state_normalises_q_and_satisfies_the_identity():
    s = explorers.cross_entropy_state([0.5, 0.3, 0.2], [2.0, 1.0, 1.0])
    np.testing.assert_allclose(s.q, [0.5, 0.25, 0.25])
    assert s.entropy == pytest.approx(entropy([0.5, 0.3, 0.2]))
    assert s.kl == pytest.approx(kl_divergence([0.5, 0.3, 0.2], [0.5, 0.25, 0.25]))
    assert s.cross_entropy == pytest.approx(s.entropy + s.kl)
    assert "H(p, q) = 1.0" in s.summary()


def test_cross_entropy_state_bad_input():
    with pytest.raises(ValueError, match="expected 3 q weights"):
        explorers.cross_entropy_state([0.5, 0.3, 0.2], [1.0, 1.0])
    with pytest.raises(ValueError, match="positive sum"):
        explorers.cross_entropy_state([0.5, 0.5], [0.0, 0.0])


def test_cross_entropy_explorer_sliders_drive_the_state_and_the_figure():
    ex = explorers.CrossEntropyExplorer(p=[0.5, 0.3, 0.2])
    np.testing.assert_allclose(ex.state.q, [1 / 3] * 3)  # starts uniform
    ex._handle = FakeHandle()
    for slider, value in zip(ex.sliders, [0.5, 0.3, 0.2], strict=True):
        slider.value = value  # the same callback as dragging it
    np.testing.assert_allclose(ex.state.q, [0.5, 0.3, 0.2])
    assert ex.state.kl == pytest.approx(0.0, abs=1e-12)
    assert ex.state.cross_entropy == pytest.approx(ex.state.entropy)  # H(p, p) = H(p), not 0
    assert len(ex._handle.shown) == 3 and ex._handle.shown[-1].data.startswith(b"\x89PNG")
    assert f"{ex.state.entropy:.4f}" in ex.figure._suptitle.get_text()
    ex.sliders[0].value = 0.01
    assert ex.state.cross_entropy == pytest.approx(float(cross_entropy(ex.p, ex.state.q)))
    assert ex.state.kl > 1.0


def test_plot_cross_entropy_state_draws_two_panels_and_labels_the_stack():
    state = explorers.cross_entropy_state([0.5, 0.3, 0.2], [0.1, 0.3, 0.6])  # the notebook's start
    fig = explorers.plot_cross_entropy_state(state)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax_h = fig.axes[1]
    assert ax_h.get_title() == ""  # the suptitle already says it
    labels = [t.get_text() for t in ax_h.get_legend().get_texts()]
    assert labels == [f"H(p) = {state.entropy:.3f}", f"KL(p||q) = {state.kl:.3f}",
                      f"H(p, q) = {state.cross_entropy:.3f}"]
    assert state.kl / ax_h.get_ylim()[1] > 0.15  # the KL part is clearly visible at the start


# ---------------------------------------------------------------- notebook 02
@pytest.mark.parametrize("separation,std", [(0.0, 1.0), (2.0, 1.0), (2.0, 0.1), (5.5, 0.5)])
def test_divergence_state_values(separation, std):
    s = explorers.divergence_state(separation, std)
    assert s.kl == pytest.approx(separation**2 / (2 * std**2))
    assert s.w1 == pytest.approx(separation)
    assert 0 <= s.js <= LOG2 + 1e-12
    assert np.trapezoid(s.p, s.x) == pytest.approx(1.0, abs=1e-3)
    assert s.x[np.argmax(s.q)] == pytest.approx(separation, abs=0.05)
    assert s.curves.separation[-1] == 6.0 and len(s.curves.js) == 121


@pytest.mark.parametrize("separation,std", [(0.0, 1.0), (2.0, 1.0), (1.0, 0.1)])
def test_divergence_state_density_grid_just_covers_both_bumps(separation, std):
    s = explorers.divergence_state(separation, std)
    assert s.x[0] == pytest.approx(-3.5 * std) and s.x[-1] == pytest.approx(separation + 3.5 * std)


def test_plot_divergence_state_gives_each_distance_its_units():
    fig = explorers.plot_divergence_state(explorers.divergence_state(2.0, 1.0))
    density, kl, js, w1 = fig.axes
    assert density.get_xlim() == pytest.approx((-3.5, 5.5))
    assert [ax.get_ylabel() for ax in (kl, js, w1)] == ["nats", "nats", "distance (units of x)"]
    assert js.get_ylim()[1] == pytest.approx(1.2 * LOG2)  # JS has its own scale, log 2 in view
    assert any(line.get_ydata()[0] == pytest.approx(LOG2) for line in js.get_lines())


def test_plot_distance_curves_draws_the_chosen_panels_and_checks_them():
    from gancourse.distributions import disjoint_uniform_curves

    curves = disjoint_uniform_curves(np.linspace(0, 4, 9))  # KL is infinite: leave it out
    axes = Figure().subplots(1, 2)
    explorers.plot_distance_curves(axes, curves, names=["js", "w1"], at=2.0)
    assert [ax.get_title() for ax in axes] == ["JS(p, q)", "W1(p, q)"]
    assert axes[1].get_ylim()[1] == pytest.approx(4.2)
    with pytest.raises(ValueError, match="one axes per distance name"):
        explorers.plot_distance_curves(axes, curves)  # three names, two axes
    with pytest.raises(ValueError, match="one axes per distance name"):
        explorers.plot_distance_curves(axes, curves, names=["js", "tv"])


def test_divergence_explorer_sliders_drive_the_state():
    ex = explorers.DivergenceExplorer(separation=1.0, std=1.0)
    ex._handle = FakeHandle()
    js_wide = ex.state.js
    ex.std.value = 0.1  # narrow bumps: nearly disjoint supports
    assert ex.state.std == 0.1
    assert ex.state.js == pytest.approx(LOG2, abs=1e-4) and js_wide < 0.2
    assert ex.state.w1 == pytest.approx(1.0)  # W1 does not care about the width
    ex.separation.value = 4.0
    assert ex.state.js == pytest.approx(LOG2, abs=1e-9)  # saturated: no gradient
    assert ex.state.w1 == pytest.approx(4.0)  # still growing
    assert len(ex._handle.shown) == 2
    assert "W1 = 4.0000" in ex.figure._suptitle.get_text()


def test_divergence_state_bad_input():
    with pytest.raises(ValueError, match=r"separation in \[0, 6.0\]"):
        explorers.divergence_state(7.0)
    with pytest.raises(ValueError, match="std to be a positive"):
        explorers.divergence_state(1.0, std=0.0)


def test_explorers_display_controls_then_a_static_figure(monkeypatch):
    import IPython.display

    shown = []

    def fake_display(obj, display_id=None):
        shown.append(obj)
        return FakeHandle() if display_id else None

    monkeypatch.setattr(IPython.display, "display", fake_display)
    ex = explorers.DivergenceExplorer()
    ex._ipython_display_()
    assert shown[0] is ex.controls
    assert isinstance(shown[1], IPython.display.Image)  # a plain PNG output: it survives a headless run
    assert isinstance(ex._handle, FakeHandle)
