"""Watch a GAN train, one step at a time or live: the training view of notebook 03.

Two layers, so that the logic runs (and is tested) without a browser:

1. :class:`LiveGAN` holds the models, optimizers and logs of a 2-D toy GAN and does the
   work: :meth:`LiveGAN.step` makes one discriminator step, one generator step, or a full
   round (``n_critic`` D steps, then one G step); :meth:`LiveGAN.frame` computes everything
   the view shows (samples, D's output on a grid, the generator's gradient on its samples,
   losses, modes reached and high-quality fraction); :func:`draw_frame` draws a frame on a matplotlib figure.
2. :class:`LiveView` wraps it in ipywidgets: play/pause, single steps (D only, G only,
   both), the two learning rates and k = ``n_critic``. While playing, a background thread
   runs training rounds and swaps in a new picture a few times per second; the kernel
   stays free, so the buttons and sliders keep working (ipywidgets' "Asynchronous widgets"
   guide: updating a widget from a thread). A lock keeps a button click from interleaving
   with a training round. Headless (:func:`no_live_front_end`: ``GANCOURSE_HEADLESS=1`` as
   in CI, or a kernel started by a batch runner such as ``jupyter nbconvert --execute``),
   the view trains for a fixed number of rounds and shows the final frame as a plain figure.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.figure import Figure

from .distributions import GaussianMixture, grid25, ring8
from .gan import (
    ToyGANConfig,
    discriminator_step,
    generator_step,
    make_toy_gan,
    minimax_generator_loss,
    nonsaturating_generator_loss,
)
from .metrics import ModeCoverage, mode_coverage

__all__ = ["LiveGAN", "LiveFrame", "draw_frame", "LiveView", "no_live_front_end", "BATCH_RUNNERS"]

#: Words in the command line of a program that runs notebooks without a live front end.
BATCH_RUNNERS = ("nbconvert", "nbclient", "papermill", "nbval", "pytest", "run_notebooks")


def _command_line(pid: int) -> list[str]:
    """The arguments of process ``pid``, ``argv[0]`` first ([] if they cannot be read)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:  # Linux: NUL-separated arguments
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        pass
    if sys.platform == "win32":
        return []
    try:  # macOS and other Unixes: one line (paths with spaces split wrongly; only the names matter)
        return subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True,
                              timeout=2).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return []


def _program_names(argv: list[str]) -> list[str]:
    """The names that say which program runs, from its arguments: the program and, for ``jupyter``, its subcommand.

    A Python interpreter in front is skipped (``python -m pytest`` is ``pytest``,
    ``python scripts/run_notebooks.py`` is ``run_notebooks.py``), and so is everything after
    the program, so a notebook in a folder called ``nbval`` does not make JupyterLab look
    like a batch runner.
    """
    words = [a for a in argv if not a.startswith("-")]
    if words and os.path.basename(words[0]).lower().startswith("python"):
        words = words[1:]  # the interpreter; with -m, the next word is the module
    names = [os.path.basename(w).lower() for w in words[:2]]
    return names if names[:1] == ["jupyter"] else names[:1]


def no_live_front_end() -> bool:
    """True when no browser will show this kernel's widgets, so the live view should draw a static frame.

    ``GANCOURSE_HEADLESS=1`` says so explicitly (``make test``, ``make notebooks``), and
    ``GANCOURSE_HEADLESS=0`` forces the live widgets. Without the variable, the process that
    started the kernel decides: Jupyter's kernel launcher records its id in
    ``JPY_PARENT_PID``, and a launcher whose program name (the first non-option arguments of
    its command line) names a batch runner (:data:`BATCH_RUNNERS`, e.g.
    ``jupyter nbconvert --execute``) has no front end to render widgets. Anything else
    (JupyterLab, Notebook, VS Code, or no kernel at all) counts as live.
    """
    flag = os.environ.get("GANCOURSE_HEADLESS")
    if flag in ("0", "1"):
        return flag == "1"
    parent = os.environ.get("JPY_PARENT_PID", "")
    if not parent.isdigit():
        return False
    names = _program_names(_command_line(int(parent)))
    return any(word in name for name in names for word in BATCH_RUNNERS)


_TARGETS = {"ring8": ring8, "grid25": grid25}
_G_LOSSES = {"non-saturating": nonsaturating_generator_loss, "minimax": minimax_generator_loss}


@dataclass
class LiveFrame:
    """Everything the training view shows at one moment."""

    d_steps: int  #: discriminator updates so far
    g_steps: int  #: generator updates so far
    x_real: np.ndarray  #: (M, 2) a fixed sample of real data
    x_fake: np.ndarray  #: (M, 2) G(z) for a fixed z
    push: np.ndarray  #: (M, 2) -dL_G/dx at each fake point: where the generator's loss pushes it
    grid_x: np.ndarray  #: (R,) heatmap columns
    grid_y: np.ndarray  #: (R,) heatmap rows
    d_prob: np.ndarray  #: (R, R) D(x) = sigmoid(score) on the grid, rows = y
    d_loss: np.ndarray  #: (n_d,) discriminator loss at every D step
    d_loss_at: np.ndarray  #: (n_d,) G steps done when each D step ran (the x-axis)
    g_loss: np.ndarray  #: (n_g,) generator loss at every G step
    real_prob: np.ndarray  #: (n_d,) sigmoid of the mean logit on each real batch (not the mean of D(x))
    fake_prob: np.ndarray  #: (n_d,) sigmoid of the mean logit on each fake batch
    coverage: ModeCoverage  #: recall and precision of ``x_fake`` (`mode_coverage`)

    def summary(self) -> str:
        return f"D steps {self.d_steps}, G steps {self.g_steps}: {self.coverage}"


class LiveGAN:
    """The state behind the training view: a 2-D toy GAN that steps on request.

    Parameters
    ----------
    target : {"ring8", "grid25"} or GaussianMixture
        The data distribution.
    config : ToyGANConfig, optional
        Network sizes, batch size, learning rates (the notebook's defaults otherwise).
    n_critic : int
        k, the discriminator steps in each round of :meth:`step` with ``"both"``.
    g_loss : {"non-saturating", "minimax"}
        The generator's loss.
    seed : int
        Seeds the weights, the data and the noise.
    n_show : int
        Points of each kind drawn in a frame.
    """

    def __init__(self, target="ring8", config: ToyGANConfig | None = None, *, n_critic: int = 1,
                 g_loss: str = "non-saturating", seed: int = 0, n_show: int = 500):
        if isinstance(target, str):
            if target not in _TARGETS:
                raise ValueError(f"unknown target {target!r}; expected one of {sorted(_TARGETS)} or a GaussianMixture")
            target = _TARGETS[target]()
        if not isinstance(target, GaussianMixture) or target.dim != 2:
            raise ValueError("expected a 2-D GaussianMixture target such as gancourse.ring8()")
        if g_loss not in _G_LOSSES:
            raise ValueError(f"unknown g_loss {g_loss!r}; expected one of {sorted(_G_LOSSES)}")
        self.config = ToyGANConfig() if config is None else config
        self.target, self.batch_size, self.seed = target, self.config.batch_size, seed
        self.g_loss_name, self._g_loss = g_loss, _G_LOSSES[g_loss]
        self.generator, self.discriminator, self.d_optimizer, self.g_optimizer = make_toy_gan(self.config, seed=seed)
        self.n_critic = n_critic
        self._rng = torch.Generator().manual_seed(seed)  # data and z of the training batches
        self.x_show = target.sample(n_show, seed=seed + 1)  # fixed, so frames are comparable
        self.z_show = torch.randn(n_show, self.config.latent_dim, generator=torch.Generator().manual_seed(seed + 2))
        self.d_steps = self.g_steps = 0
        self._d_log: list[tuple[float, float, float, int]] = []  # (loss, real score, fake score, g_steps)
        self._g_log: list[float] = []

    # -- knobs ---------------------------------------------------------------------------
    @property
    def n_critic(self) -> int:
        return self._n_critic

    @n_critic.setter
    def n_critic(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"expected n_critic (k) to be a positive integer, got {value!r}")
        self._n_critic = int(value)

    def set_lr(self, d_lr: float | None = None, g_lr: float | None = None) -> None:
        """Change the learning rates; Adam's running moments are kept."""
        for lr, optimizer in ((d_lr, self.d_optimizer), (g_lr, self.g_optimizer)):
            if lr is None:
                continue
            if not lr > 0:
                raise ValueError(f"expected a positive learning rate, got {lr!r}")
            for group in optimizer.param_groups:
                group["lr"] = float(lr)

    @property
    def lrs(self) -> tuple[float, float]:
        """The current (d_lr, g_lr)."""
        return self.d_optimizer.param_groups[0]["lr"], self.g_optimizer.param_groups[0]["lr"]

    # -- training ------------------------------------------------------------------------
    def _z(self) -> torch.Tensor:
        return torch.randn(self.batch_size, self.generator.latent_dim, generator=self._rng)

    def step(self, which: str = "both") -> None:
        """Train: ``"d"`` one discriminator step, ``"g"`` one generator step, ``"both"`` k D steps then one G step."""
        if which not in ("d", "g", "both"):
            raise ValueError(f"expected which = 'd', 'g' or 'both', got {which!r}")
        for _ in range(self.n_critic if which == "both" else int(which == "d")):
            x_real = self.target.sample(self.batch_size, generator=self._rng)
            out = discriminator_step(self.discriminator, self.generator, x_real, self._z(), self.d_optimizer)
            self._d_log.append((out["loss"], out["real_score"], out["fake_score"], self.g_steps))
            self.d_steps += 1
        if which in ("g", "both"):
            out = generator_step(self.discriminator, self.generator, self._z(), self.g_optimizer, self._g_loss)
            self._g_log.append(out["loss"])
            self.g_steps += 1

    def run(self, rounds: int) -> None:
        """``rounds`` calls of ``step("both")``."""
        for _ in range(rounds):
            self.step("both")

    # -- what the view shows -----------------------------------------------------------
    def frame(self, resolution: int = 60) -> LiveFrame:
        """Compute the current :class:`LiveFrame` (no training happens)."""
        lim = float(self.target.centers.abs().max()) * 1.5 + 0.5
        grid = np.linspace(-lim, lim, resolution)
        gx, gy = np.meshgrid(grid, grid)  # (R, R) each, rows = y
        points = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)  # (R*R, 2)
        with torch.no_grad():
            d_prob = torch.sigmoid(self.discriminator(points)).reshape(resolution, resolution).numpy()
        self.generator.eval()
        with torch.no_grad():
            x_fake = self.generator(self.z_show)  # (M, 2)
        self.generator.train()
        # The generator's gradient on its own samples: how G's loss would move each point.
        x = x_fake.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(self._g_loss(self.discriminator(x)) * len(x), x)
        d_log = np.array(self._d_log, dtype=float).reshape(-1, 4)
        return LiveFrame(
            d_steps=self.d_steps,
            g_steps=self.g_steps,
            x_real=self.x_show.numpy(),
            x_fake=x_fake.numpy(),
            push=-grad.numpy(),
            grid_x=grid,
            grid_y=grid,
            d_prob=d_prob,
            d_loss=d_log[:, 0],
            d_loss_at=d_log[:, 3],
            g_loss=np.array(self._g_log, dtype=float),
            real_prob=1 / (1 + np.exp(-d_log[:, 1])),
            fake_prob=1 / (1 + np.exp(-d_log[:, 2])),
            coverage=mode_coverage(x_fake, self.target.centers, float(self.target.stds[0])),
        )


def draw_frame(frame: LiveFrame, fig: Figure | None = None) -> Figure:
    """Draw a frame: D's output with real and fake samples and G's pushes; the losses; the mean outputs.

    Uses the object-oriented matplotlib API (no pyplot), so a background thread may call it.
    """
    if fig is None:
        fig = Figure(figsize=(11, 3.4), dpi=80)
    fig.clear()
    ax_map, ax_loss, ax_prob = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.1, 1, 1]})

    # 1. D's output as a heatmap, real and fake samples, and where G's loss pushes its samples
    lim = (frame.grid_x[0], frame.grid_x[-1])
    image = ax_map.imshow(frame.d_prob, origin="lower", extent=(*lim, *lim), cmap="RdBu", vmin=0, vmax=1, alpha=0.8)
    fig.colorbar(image, ax=ax_map, fraction=0.046, pad=0.02).set_label("D(x): probability 'real'", fontsize=8)
    ax_map.scatter(*frame.x_fake.T, s=3, c="darkorange", alpha=0.7, label="G(z)")
    every = max(1, len(frame.x_fake) // 80)
    push = frame.push[::every]
    norm = np.linalg.norm(push, axis=1, keepdims=True)
    unit = np.divide(push, norm, out=np.zeros_like(push), where=norm > 0)
    ax_map.quiver(*frame.x_fake[::every].T, *unit.T, color="saddlebrown", width=0.005, scale=14, zorder=3)
    ax_map.scatter(*frame.x_real.T, s=6, c="black", zorder=4, label="real")
    ax_map.set(xlim=lim, ylim=lim, aspect="equal", title="D(x), samples, and G's pushes")
    ax_map.legend(loc="upper right", fontsize=7, markerscale=3)

    # 2. losses against generator steps
    if frame.d_loss.size:
        ax_loss.plot(frame.d_loss_at, frame.d_loss, lw=0.8, label="D loss")
    if frame.g_loss.size:
        ax_loss.plot(np.arange(1, frame.g_loss.size + 1), frame.g_loss, lw=0.8, label="G loss")
    ax_loss.axhline(np.log(4), color="grey", ls=":", lw=0.8)
    ax_loss.set(xlabel="generator steps", ylabel="loss (nats)", title="losses (dotted: log 4)")
    if frame.d_loss.size or frame.g_loss.size:
        ax_loss.legend(fontsize=7)

    # 3. sigmoid of the mean logit on the real and fake training batches
    if frame.real_prob.size:
        ax_prob.plot(frame.d_loss_at, frame.real_prob, lw=0.8, label="real")
        ax_prob.plot(frame.d_loss_at, frame.fake_prob, lw=0.8, label="fake")
        ax_prob.legend(fontsize=7)
    ax_prob.axhline(0.5, color="grey", ls=":", lw=0.8)
    ax_prob.set(ylim=(0, 1), xlabel="generator steps", ylabel="σ(mean logit)",
                title="discriminator outputs (sigmoid of mean logit)")
    fig.suptitle(frame.summary(), fontsize=9)
    fig.tight_layout()
    return fig


def _png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


class LiveView:
    """The ipywidgets training view around a :class:`LiveGAN`.

    Parameters
    ----------
    state : LiveGAN, optional
        The GAN to show; a new ``LiveGAN(**kwargs)`` by default.
    rounds_per_frame : int
        Training rounds between two pictures while playing.
    headless_rounds : int
        Rounds trained before the static frame in a headless run.
    headless : bool, optional
        Force either mode; by default :func:`no_live_front_end` decides (set
        ``GANCOURSE_HEADLESS=1`` to force the static frame, ``0`` to force the widgets).
    **kwargs
        Passed to :class:`LiveGAN`.

    Examples
    --------
    In a notebook: ``LiveView(target="ring8").show()``; press play.
    """

    def __init__(self, state: LiveGAN | None = None, *, rounds_per_frame: int = 10, headless_rounds: int = 1000,
                 headless: bool | None = None, **kwargs):
        import ipywidgets as widgets

        self.state = state if state is not None else LiveGAN(**kwargs)
        self.rounds_per_frame = rounds_per_frame
        self.headless_rounds = headless_rounds
        self.headless = no_live_front_end() if headless is None else headless
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._figure = Figure(figsize=(11, 3.4), dpi=80)

        d_lr, g_lr = self.state.lrs
        self.play = widgets.ToggleButton(value=False, description="play", icon="play", tooltip="train continuously")
        self.d_button = widgets.Button(description="D step", tooltip="one discriminator step")
        self.g_button = widgets.Button(description="G step", tooltip="one generator step")
        self.both_button = widgets.Button(description="k D + 1 G", tooltip="one round: k discriminator steps, one generator step")
        self.d_lr = widgets.FloatLogSlider(value=d_lr, base=10, min=-5, max=-1, description="D lr", readout_format=".0e")
        self.g_lr = widgets.FloatLogSlider(value=g_lr, base=10, min=-5, max=-1, description="G lr", readout_format=".0e")
        self.k = widgets.IntSlider(value=self.state.n_critic, min=1, max=10, description="k (D steps)")
        self.image = widgets.Image(format="png")
        self.status = widgets.Label()

        self.play.observe(self._on_play, names="value")
        self.d_button.on_click(lambda _: self.manual_step("d"))
        self.g_button.on_click(lambda _: self.manual_step("g"))
        self.both_button.on_click(lambda _: self.manual_step("both"))
        self.d_lr.observe(lambda change: self.state.set_lr(d_lr=change["new"]), names="value")
        self.g_lr.observe(lambda change: self.state.set_lr(g_lr=change["new"]), names="value")
        self.k.observe(self._on_k, names="value")
        self.widget = widgets.VBox([
            widgets.HBox([self.play, self.d_button, self.g_button, self.both_button]),
            widgets.HBox([self.d_lr, self.g_lr, self.k]),
            self.image,
            self.status,
        ])
        if not self.headless:
            self.refresh()

    # -- callbacks (also called directly by tests) ----------------------------------------
    def _on_k(self, change) -> None:
        with self.lock:
            self.state.n_critic = change["new"]

    def manual_step(self, which: str) -> None:
        """One step from a button; ignored while playing (pause first)."""
        if self.play.value:
            return
        with self.lock:
            self.state.step(which)
        self.refresh()

    def refresh(self) -> LiveFrame:
        """Recompute the frame and show it in the image widget; returns the frame."""
        with self.lock:
            frame = self.state.frame()
        draw_frame(frame, self._figure)
        self.image.value = _png(self._figure)
        self.status.value = frame.summary()
        return frame

    def _on_play(self, change) -> None:
        self.play.icon = "pause" if change["new"] else "play"
        self.play.description = "pause" if change["new"] else "play"
        if change["new"] and (self._thread is None or not self._thread.is_alive()):
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        """The background thread: train a few rounds, show a frame, repeat until paused."""
        while self.play.value:
            with self.lock:
                self.state.run(self.rounds_per_frame)
            self.refresh()
            time.sleep(0.01)  # let the kernel handle clicks between frames

    def stop(self, timeout: float = 10.0) -> None:
        """Pause and wait for the background thread to finish its frame."""
        self.play.value = False
        if self._thread is not None:
            self._thread.join(timeout)

    # -- display --------------------------------------------------------------------------
    def show(self):
        """Display the live view; headless, train ``headless_rounds`` rounds and draw the final frame."""
        from IPython.display import display

        if self.headless:
            import matplotlib.pyplot as plt

            self.state.run(self.headless_rounds)
            fig = plt.figure(figsize=(11, 3.4))
            draw_frame(self.state.frame(), fig)
            plt.show()
            print(f"(static final frame after {self.headless_rounds} rounds: no live front end here. Open this "
                  "notebook in JupyterLab to press play and step through training; GANCOURSE_HEADLESS=0 "
                  "forces the widgets)")
            return None
        display(self.widget)
        return None
