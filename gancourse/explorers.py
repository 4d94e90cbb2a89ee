"""Interactive explorers for notebooks 01 and 02 (ipywidgets sliders + a matplotlib figure).

Each explorer has three layers, so that the logic is testable without a browser:

1. a **state function** (``cross_entropy_state``, ``divergence_state``) that computes every
   number the explorer shows from the slider values -- pure, tested;
2. a **plot function** that draws a state onto a matplotlib figure;
3. a thin **widget class** whose slider callbacks call 1 and 2. Setting ``slider.value`` in
   code runs the same callback as dragging it, so tests drive the explorer headlessly.

The plumbing (a figure shown with a display id and replaced in place when a slider moves,
so a notebook run without a browser keeps a static picture of the initial state) is
:class:`gancourse.runtime.FigureExplorer`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from .distributions import SeparationCurves, gaussian_pdf, gaussian_separation_curves
from .entropy import cross_entropy, entropy, kl_divergence
from .runtime import FigureExplorer
from .toydata import _real

__all__ = [
    "CrossEntropyState",
    "cross_entropy_state",
    "plot_cross_entropy_state",
    "CrossEntropyExplorer",
    "DivergenceState",
    "divergence_state",
    "plot_divergence_state",
    "plot_distance_curves",
    "DivergenceExplorer",
]

LOG2 = math.log(2.0)
#: Base font size of the explorers' figures (points; matplotlib's default is 10).
FONT_SIZE = 11


# --------------------------------------------------------------------------------------
# Notebook 01: cross-entropy of q against a fixed p
# --------------------------------------------------------------------------------------
@dataclass
class CrossEntropyState:
    """Everything the cross-entropy explorer shows for one setting of the sliders."""

    p: np.ndarray  #: (K,) the fixed "data" distribution
    q: np.ndarray  #: (K,) the model distribution (normalised slider weights)
    entropy: float  #: H(p), nats
    cross_entropy: float  #: H(p, q), nats
    kl: float  #: KL(p || q), nats; H(p, q) = H(p) + KL

    def summary(self) -> str:
        return (
            f"H(p, q) = {self.cross_entropy:.4f} nats = H(p) {self.entropy:.4f} + KL(p||q) {self.kl:.4f}"
        )


def cross_entropy_state(p, q_weights) -> CrossEntropyState:
    """Compute H(p), H(p, q) and KL(p || q) for ``q = q_weights / sum(q_weights)``.

    Parameters
    ----------
    p : array_like, shape (K,)
        A probability vector.
    q_weights : array_like, shape (K,)
        Non-negative slider values, not all zero; they are normalised to give ``q``.
    """
    p = np.asarray(p, dtype=np.float64)
    w = np.asarray(q_weights, dtype=np.float64)
    if w.shape != p.shape:
        raise ValueError(f"expected {p.shape[0]} q weights, one per outcome of p, got shape {w.shape}")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"expected non-negative q weights with a positive sum, got {w.tolist()}")
    q = w / w.sum()
    return CrossEntropyState(p, q, float(entropy(p)), float(cross_entropy(p, q)), float(kl_divergence(p, q)))


def plot_cross_entropy_state(state: CrossEntropyState, fig: Figure | None = None) -> Figure:
    """Draw p and q side by side, and H(p, q) as the stack H(p) + KL(p || q)."""
    fig = fig if fig is not None else Figure(figsize=(9, 3.2), dpi=100, layout="constrained")
    fig.clear()
    with rc_context({"font.size": FONT_SIZE}):
        ax_pq, ax_h = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2, 1]})
        k = np.arange(state.p.size)
        ax_pq.bar(k - 0.2, state.p, width=0.4, label="p (fixed)", color="tab:blue")
        ax_pq.bar(k + 0.2, state.q, width=0.4, label="q (sliders)", color="tab:orange")
        ax_pq.set(xticks=k, xlabel="outcome k", ylabel="probability", ylim=(0, 1))
        ax_pq.legend(loc="upper right")
        # one stacked bar on the left of the panel; the legend, with the values, on its right
        ax_h.bar([0], [state.entropy], width=0.8, color="tab:blue", label=f"H(p) = {state.entropy:.3f}")
        ax_h.bar([0], [state.kl], width=0.8, bottom=[state.entropy], color="tab:red",
                 label=f"KL(p||q) = {state.kl:.3f}")
        ax_h.plot([-0.5, 0.5], [state.cross_entropy] * 2, color="k", lw=1.5,
                  label=f"H(p, q) = {state.cross_entropy:.3f}")
        ax_h.set(xticks=[], xlim=(-0.6, 2.6), ylabel="nats", ylim=(0, max(3.1, 1.05 * state.cross_entropy)))
        handles, labels = ax_h.get_legend_handles_labels()  # order: H(p), KL, then their sum H(p, q)
        ax_h.legend(handles[1:] + handles[:1], labels[1:] + labels[:1], loc="center right",
                    fontsize=FONT_SIZE - 1)
        fig.suptitle(state.summary())
    return fig


class CrossEntropyExplorer(FigureExplorer):
    """Sliders set q's weights against a fixed p; the figure shows H(p, q) = H(p) + KL(p || q).

    Attributes
    ----------
    sliders : list of ipywidgets.FloatSlider
        One weight per outcome; ``q`` is their normalised values.
    state : CrossEntropyState
        Recomputed whenever a slider moves.

    Examples
    --------
    >>> ex = CrossEntropyExplorer(p=[0.5, 0.3, 0.2])
    >>> for slider, value in zip(ex.sliders, [0.5, 0.3, 0.2]): slider.value = value
    >>> round(ex.state.kl, 6)
    0.0
    """

    def __init__(self, p=(0.5, 0.3, 0.2), q_weights=None):
        import ipywidgets as widgets

        p = np.asarray(p, dtype=np.float64)
        q_weights = np.full(p.shape, 1.0 / p.size) if q_weights is None else np.asarray(q_weights, float)
        self.p = p
        self.sliders = [
            widgets.FloatSlider(value=float(w), min=0.01, max=1.0, step=0.01, description=f"q weight {k}",
                                continuous_update=False, style={"description_width": "initial"})
            for k, w in enumerate(q_weights)
        ]
        self.controls = widgets.HBox(self.sliders)
        self._plot = plot_cross_entropy_state
        self._start(self.sliders)

    def compute_state(self) -> CrossEntropyState:
        return cross_entropy_state(self.p, [s.value for s in self.sliders])


# --------------------------------------------------------------------------------------
# Notebook 02: KL, JS and W1 as two Gaussians move apart
# --------------------------------------------------------------------------------------
@dataclass
class DivergenceState:
    """Everything the divergence explorer shows for one separation and width."""

    separation: float  #: distance between the means of p = N(0, std^2) and q = N(separation, std^2)
    std: float  #: the common standard deviation
    x: np.ndarray  #: (M,) grid for the density plot, from -3.5 std to separation + 3.5 std
    p: np.ndarray  #: (M,) density of p on the grid
    q: np.ndarray  #: (M,) density of q on the grid
    curves: SeparationCurves = field(repr=False)  #: KL, JS, W1 over all separations on the slider
    kl: float = 0.0  #: KL(p || q) at this separation
    js: float = 0.0  #: JS(p, q) at this separation
    w1: float = 0.0  #: W1(p, q) at this separation

    def summary(self) -> str:
        return (
            f"separation {self.separation:.2f}, std {self.std:.2f}:  KL = {self.kl:.4f}, "
            f"JS = {self.js:.4f} (log 2 = {LOG2:.4f}), W1 = {self.w1:.4f}"
        )


def divergence_state(separation: float, std: float = 1.0, max_separation: float = 6.0,
                     n_curve: int = 121) -> DivergenceState:
    r"""KL, JS and W1 between N(0, std^2) and N(separation, std^2), plus their curves.

    Parameters
    ----------
    separation : float
        Current distance between the means, in ``[0, max_separation]``.
    std : float
        Common standard deviation; small values make the supports nearly disjoint.
    max_separation : float
        Right end of the curves.
    n_curve : int
        Number of separations on which the curves are computed.

    Notes
    -----
    The density grid runs from :math:`-3.5\sigma` to :math:`\Delta + 3.5\sigma`: just wide enough
    for both bumps, so the density panel follows the slider instead of showing empty space.
    """
    separation, max_separation = _real("separation", separation), _real("max_separation", max_separation)
    std = _real("std", std, positive=True)
    if not 0 <= separation <= max_separation:
        raise ValueError(f"expected a separation in [0, {max_separation}], got {separation}")
    curves = gaussian_separation_curves(np.linspace(0, max_separation, n_curve), std)
    now = gaussian_separation_curves([separation], std)
    x = np.linspace(-3.5 * std, separation + 3.5 * std, 600)  # just wide enough for both bumps
    return DivergenceState(
        float(separation), float(std), x, gaussian_pdf(x, 0.0, std), gaussian_pdf(x, separation, std),
        curves, float(now.kl[0]), float(now.js[0]), float(now.w1[0]),
    )


#: Units of each distance, for axis labels: KL and JS are in nats, W1 in the units of x.
_DISTANCE_LABELS = {
    "kl": ("KL(p||q)", "nats", "tab:blue"),
    "js": ("JS(p, q)", "nats", "tab:orange"),
    "w1": ("W1(p, q)", "distance (units of x)", "tab:green"),
}


def plot_distance_curves(axes, curves: SeparationCurves, names=("kl", "js", "w1"), *, at: float | None = None,
                         xlabel: str = "separation Δ") -> None:
    """Draw each distance of ``curves`` against the separation, one panel each, with its own units.

    KL and JS are in nats, W1 in the units of x, so they never share an axis. The JS panel
    is scaled to [0, log 2] with log 2 marked: its saturation is the point of notebook 02.

    Parameters
    ----------
    axes : sequence of matplotlib Axes
        One per entry of ``names``.
    curves : SeparationCurves
        From :func:`gancourse.gaussian_separation_curves` or :func:`gancourse.disjoint_uniform_curves`.
    names : sequence of {"kl", "js", "w1"}
        Which distances to draw, in the order of ``axes``.
    at : float, optional
        A separation to mark with a vertical line and a dot on each curve (the explorer's slider).
    xlabel : str
        Label of every x-axis.
    """
    axes = list(np.atleast_1d(axes))
    if len(axes) != len(names) or any(name not in _DISTANCE_LABELS for name in names):
        raise ValueError(
            f"expected one axes per distance name, names from {sorted(_DISTANCE_LABELS)}; "
            f"got {len(axes)} axes for names {list(names)}"
        )
    for ax, name in zip(axes, names, strict=True):
        title, unit, color = _DISTANCE_LABELS[name]
        values = getattr(curves, name)
        ax.plot(curves.separation, values, color=color)
        ax.set(title=title, xlabel=xlabel, ylabel=unit)
        if name == "js":
            ax.axhline(LOG2, color="gray", ls=":", lw=1.2)
            ax.text(curves.separation[-1], LOG2, "log 2", va="bottom", ha="right", color="gray")
            ax.set_ylim(0, 1.2 * LOG2)
        else:
            finite = values[np.isfinite(values)]
            ax.set_ylim(0, 1.05 * max(float(finite.max()) if finite.size else 1.0, 1e-9))
        if at is not None:
            ax.axvline(at, color="k", lw=0.8)
            ax.plot([at], [np.interp(at, curves.separation, values)], "ko", ms=5)


def plot_divergence_state(state: DivergenceState, fig: Figure | None = None) -> Figure:
    """Top: the two densities. Bottom: KL, JS and W1 against separation, a marker at the current one."""
    fig = fig if fig is not None else Figure(figsize=(10, 5.4), dpi=100, layout="constrained")
    fig.clear()
    with rc_context({"font.size": FONT_SIZE}):
        grid = fig.add_gridspec(2, 3)
        ax_d = fig.add_subplot(grid[0, :])
        ax_d.fill_between(state.x, state.p, alpha=0.4, color="tab:gray", label="p = N(0, std²)")
        ax_d.fill_between(state.x, state.q, alpha=0.4, color="tab:purple", label="q = N(separation, std²)")
        top = 1.3 * max(state.p.max(), state.q.max())  # headroom for the one-row legend
        ax_d.set(xlabel="x", ylabel="density", xlim=(state.x[0], state.x[-1]), ylim=(0, top))
        ax_d.legend(loc="upper center", ncol=2)
        curve_axes = [fig.add_subplot(grid[1, i]) for i in range(3)]
        plot_distance_curves(curve_axes, state.curves, at=state.separation, xlabel="separation of the means")
        fig.suptitle(state.summary())
    return fig


class DivergenceExplorer(FigureExplorer):
    """Sliders for the separation and width of two Gaussians; redraws the KL, JS and W1 curves.

    Attributes
    ----------
    separation, std : ipywidgets.FloatSlider
    state : DivergenceState
        Recomputed whenever a slider moves.
    """

    def __init__(self, separation: float = 2.0, std: float = 1.0, max_separation: float = 6.0):
        import ipywidgets as widgets

        self.max_separation = max_separation
        self.separation = widgets.FloatSlider(value=separation, min=0.0, max=max_separation, step=0.05,
                                              description="separation", continuous_update=False)
        self.std = widgets.FloatSlider(value=std, min=0.05, max=2.0, step=0.05, description="std",
                                       continuous_update=False)
        self.sliders = [self.separation, self.std]
        self.controls = widgets.HBox(self.sliders)
        self._plot = plot_divergence_state
        self._start(self.sliders)

    def compute_state(self) -> DivergenceState:
        return divergence_state(self.separation.value, self.std.value, self.max_separation)
