"""Notebook 04's experiments: a critic against exact distances, clipping against the penalty,
GAN vs WGAN vs WGAN-GP over seeds, and WGAN-GP on the digits.

The Wasserstein losses, the penalty, clipping and the training entry points live in
:mod:`gancourse.wgan`; this module runs them on the notebook's problems and draws the
results. It also makes the shipped checkpoints (``make checkpoints``):
``data/wgan_toy_ring8.pt``, ``data/wgan_toy_grid25.pt`` and ``data/wgan_gp_digits.pt``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .gan import train_gan
from .models import MLPDiscriminator
from .runtime import merge_config, restores_global_rng
from .wgan import (
    critic_gradient_norms,
    estimate_w1,
    train_critic,
    train_wgan,
    train_wgan_gp,
    wasserstein_assignment,
)

__all__ = [
    "GaussianW1Sweep",
    "gaussian_w1_sweep",
    "CriticComparison",
    "compare_critics",
    "TOY_COMPARISON_CONFIG",
    "TOY_METHODS",
    "train_toy_run",
    "train_toy_comparison",
    "train_toy_comparison_ring8",
    "train_toy_comparison_grid25",
    "real_vs_real_w1",
    "toy_coverage",
    "toy_comparison_table",
    "plot_toy_samples",
    "plot_toy_tracking",
    "WGAN_GP_DIGITS_CONFIG",
    "train_wgan_gp_digits",
    "load_wgan_gp_digits",
]


# ---------------------------------------------------------------------------------------
# Notebook 04, sections 1-2: a critic against exact distances; clipping against the penalty
# ---------------------------------------------------------------------------------------


@dataclass
class GaussianW1Sweep:
    r"""Critic estimates of :math:`W_1(N(0, \sigma^2), N(\mu_2, \sigma^2))` as :math:`\mu_2` moves.

    All arrays have one entry per shift. ``exact`` is :math:`|\mu_2|`, ``sample`` the
    exact W1 of the two samples (`gancourse.wasserstein_1d`), ``dual`` and ``slope`` as in
    `W1Estimate`, ``estimate`` = dual / slope.
    """

    shifts: np.ndarray
    exact: np.ndarray
    sample: np.ndarray
    dual: np.ndarray
    slope: np.ndarray
    estimate: np.ndarray
    lam: float

    @property
    def rel_error(self) -> np.ndarray:
        """Relative error of ``estimate`` against ``exact``."""
        return self.estimate / self.exact - 1

    def __str__(self) -> str:
        rows = ["  mu2   exact  samples  raw dual  slope  1+D/(2 lam)  estimate  error vs exact"]
        for i, d in enumerate(self.shifts):
            rows.append(
                f"{d:5.2f}  {self.exact[i]:6.3f}  {self.sample[i]:7.3f}  {self.dual[i]:8.3f}  {self.slope[i]:5.3f}"
                f"  {1 + abs(d) / (2 * self.lam):11.3f}  {self.estimate[i]:8.3f}  {100 * self.rel_error[i]:+13.1f}%"
            )
        return "\n".join(rows)

    def plot(self, axes=None):
        """Left: estimates against the exact W1; right: the critic's slope against 1 + D/(2 lam)."""
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(9, 3))
        ax, ax_slope = axes
        grid = np.linspace(min(0.0, self.shifts.min()), self.shifts.max(), 100)
        ax.plot(grid, np.abs(grid), color="black", lw=1, label=r"exact $|\mu_1 - \mu_2|$")
        ax.plot(self.shifts, self.sample, "s", mfc="none", color="grey", label="W1 of the samples")
        ax.plot(self.shifts, self.dual, "x", color="C1", label="raw dual (penalty is soft)")
        ax.plot(self.shifts, self.estimate, "o", color="C0", label="dual / slope")
        ax.set_xlabel(r"$\mu_2$  ($\mu_1 = 0$)")
        ax.set_ylabel("W1")
        ax.legend(fontsize=8)
        ax_slope.plot(grid, 1 + np.abs(grid) / (2 * self.lam), color="black", lw=1,
                      label=rf"$1 + \Delta/(2\lambda)$, $\lambda$={self.lam:g}")
        ax_slope.plot(self.shifts, self.slope, "o", color="C0", label="mean |f'| on interpolates")
        ax_slope.set_xlabel(r"$\mu_2$")
        ax_slope.set_title("the critic's slope")
        ax_slope.legend(fontsize=8)
        return axes


def gaussian_w1_sweep(shifts=(0.5, 1.0, 2.0, 3.0, 4.0), *, std: float = 1.0, n: int = 4000, steps: int = 400,
                      lam: float = 10.0, seed: int = 0) -> GaussianW1Sweep:
    r"""Estimate :math:`W_1(N(0, \sigma^2), N(\mu_2, \sigma^2)) = |\mu_2|` with a critic, for each shift.

    Parameters
    ----------
    shifts : sequence of float
        The values of :math:`\mu_2` (with :math:`\mu_1 = 0`); non-zero.
    std : float
        :math:`\sigma`, shared by both Gaussians.
    n : int
        Samples from each Gaussian.
    steps, lam, seed
        Passed to `estimate_w1`.

    Returns
    -------
    GaussianW1Sweep
    """
    from .distributions import sample_gaussian_1d, wasserstein_1d

    shifts = np.asarray(shifts, dtype=float)
    if shifts.ndim != 1 or shifts.size == 0 or np.any(shifts == 0):
        raise ValueError(f"expected a non-empty list of non-zero shifts, got {shifts.tolist()}; W1 = 0 needs no critic")
    x = sample_gaussian_1d(n, 0.0, std, seed=seed)  # (n, 1)
    rows = []
    for i, shift in enumerate(shifts):
        y = sample_gaussian_1d(n, float(shift), std, seed=seed + 1 + i)  # (n, 1)
        est = estimate_w1(x, y, steps=steps, lam=lam, seed=seed)
        rows.append((float(wasserstein_1d(x, y)), est.dual, est.slope, est.w1))
    sample, dual, slope, estimate = (np.array(col) for col in zip(*rows, strict=True))
    return GaussianW1Sweep(shifts, np.abs(shifts), sample, dual, slope, estimate, lam)


@dataclass
class CriticComparison:
    r"""Two critics trained on the same fixed pair of distributions (`compare_critics`).

    Attributes
    ----------
    x_real, x_fake : torch.Tensor, shape (N, 2)
        Evaluation samples of P (the data) and Q (data plus Gaussian noise).
    w1_samples : float
        Exact W1 between them (`wasserstein_assignment`).
    critics : dict of str to nn.Module
        ``"clip"`` and ``"gp"``.
    weights : dict of str to numpy.ndarray
        Every weight (not bias) of each critic, flattened.
    grad_norms : dict of str to numpy.ndarray
        :math:`\|\nabla f(\hat x)\|` on interpolates between ``x_real`` and ``x_fake``.
    duals, estimates : dict of str to float
        :math:`\mathbb{E}_P f - \mathbb{E}_Q f` on the samples, and the same divided by the
        mean gradient norm (the critic rescaled to unit slope).
    c : float
        The clip value.
    at_clip_bounds_at_init : float
        The baseline for `at_clip_bounds`: the fraction of the clipped critic's weights at
        :math:`\pm c` (within 1%) after clipping its PyTorch default initialisation once,
        before any training step. Default init draws a layer's weights from
        :math:`U(-1/\sqrt{\text{fan\_in}}, 1/\sqrt{\text{fan\_in}})`, mostly far outside
        :math:`[-c, c]` for c = 0.01.
    """

    x_real: torch.Tensor
    x_fake: torch.Tensor
    w1_samples: float
    critics: dict
    weights: dict
    grad_norms: dict
    duals: dict
    estimates: dict
    c: float
    at_clip_bounds_at_init: float = float("nan")

    def at_clip_bounds(self, tol: float = 0.01) -> float:
        r"""Fraction of the clipped critic's weights within ``tol * c`` of :math:`\pm c`."""
        return float(np.mean(np.abs(self.weights["clip"]) >= (1 - tol) * self.c))

    def __str__(self) -> str:
        lines = [f"W1 of the samples (exact, by assignment): {self.w1_samples:.3f}"]
        for name, label in (("clip", "weight clipping "), ("gp", "gradient penalty")):
            g = self.grad_norms[name]
            lines.append(
                f"{label}: |grad f| = {g.mean():.4f} +- {g.std():.4f}, raw dual {self.duals[name]:.4f}, "
                f"rescaled to unit slope {self.estimates[name]:.3f} ({100 * self.estimates[name] / self.w1_samples:.0f}% of W1)"
            )
        lines.append(f"clipped weights at +-c: {100 * self.at_clip_bounds():.1f}% after training, "
                     f"{100 * self.at_clip_bounds_at_init:.1f}% at initialisation (default init, clipped once)")
        return "\n".join(lines)

    def plot_surfaces(self, axes=None, extent: float = 3.0):
        """Contours of both critics' values over the plane, with the data (P) and the noisy data (Q)."""
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(9, 4))
        ticks = torch.linspace(-extent, extent, 121)
        gx, gy = torch.meshgrid(ticks, ticks, indexing="xy")
        grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)  # (121*121, 2)
        for ax, (name, title) in zip(axes, (("clip", "weight clipping"), ("gp", "gradient penalty")), strict=True):
            with torch.no_grad():
                values = self.critics[name](grid).reshape(gx.shape)
            filled = ax.contourf(gx, gy, values, levels=20, cmap="viridis")
            ax.figure.colorbar(filled, ax=ax, shrink=0.8, label="critic value f(x)")
            ax.scatter(*self.x_fake[:300].T, s=2, color="white", alpha=0.5, label="Q: data + noise")
            ax.scatter(*self.x_real[:300].T, s=4, color="red", label="P: data")
            ax.set_title(f"critic value, {title}")
            ax.set_aspect("equal")
            ax.set_xlim(-extent, extent)
            ax.set_ylim(-extent, extent)
        axes[0].legend(fontsize=7, loc="lower left")
        return axes

    def plot_histograms(self, axes=None):
        """Left: the weights of each critic; right: the gradient norms on interpolates."""
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 3, figsize=(9, 2.8))
        from matplotlib.ticker import MaxNLocator

        ax_clip, ax_gp, ax_norm = axes
        ax_clip.hist(self.weights["clip"], bins=50, color="C1")
        ax_clip.set_title(f"weights, clipping (c={self.c:g})", fontsize=9)
        ax_gp.hist(self.weights["gp"], bins=50, color="C0")
        ax_gp.set_title("weights, penalty", fontsize=9)
        for ax in (ax_clip, ax_gp):
            ax.set_xlabel("weight value", fontsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(4))  # few ticks: no overlapping labels
        ax_clip.set_ylabel("count", fontsize=8)
        bins = np.logspace(-4, 1, 60)
        ax_norm.hist(self.grad_norms["clip"], bins=bins, color="C1", alpha=0.7, label="clipping")
        ax_norm.hist(self.grad_norms["gp"], bins=bins, color="C0", alpha=0.7, label="penalty")
        ax_norm.axvline(1.0, color="black", lw=1, ls=":")
        ax_norm.set_xscale("log")
        ax_norm.set_xlabel(r"$\|\nabla f(\hat x)\|$ (log scale)", fontsize=8)
        ax_norm.set_ylabel("count", fontsize=8)
        ax_norm.set_title("gradient norms on interpolates", fontsize=9)
        ax_norm.legend(fontsize=8)
        for ax in axes:
            ax.tick_params(labelsize=7)
        return axes


@restores_global_rng
def compare_critics(dataset: str = "ring8", *, steps: int = 1500, batch_size: int = 128, hidden_dim: int = 64,
                    noise: float = 1.0, c: float = 0.01, n_eval: int = 1000, seed: int = 0) -> CriticComparison:
    r"""Train a clipped and a penalised critic on data against data plus noise (Gulrajani et al. 2017, Fig. 1).

    The "generator" is held fixed at the real data plus :math:`N(0, \text{noise}^2 I)`, as in
    the paper's Figure 1, so the two critics face the same, fixed problem.

    Parameters
    ----------
    dataset : {"ring8", "grid25"}
        The data P.
    steps, batch_size : int
        Critic updates for each method, and samples of P and Q per update.
    hidden_dim : int
        Width of both critics (`gancourse.MLPDiscriminator` with 3 hidden layers).
    noise : float
        Standard deviation of the noise added to make Q.
    c : float
        Clip value (the paper's 0.01); the clipped critic uses RMSProp with lr 5e-5 and the
        penalised one Adam with lr 1e-3 and :math:`\lambda = 10` (`train_critic`'s defaults).
    n_eval : int
        Evaluation samples from P and Q.
    seed : int
        Seeds the critics and the samples.

    Returns
    -------
    CriticComparison
    """
    from .distributions import sample_grid25, sample_ring8

    samplers = {"ring8": sample_ring8, "grid25": sample_grid25}
    if dataset not in samplers:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {sorted(samplers)}")
    sample_p = samplers[dataset]

    def sample_q(n: int) -> torch.Tensor:
        return sample_p(n) + noise * torch.randn(n, 2)  # the fixed "generator": data plus noise

    g = torch.Generator().manual_seed(seed + 1000)
    x_real = sample_p(n_eval, generator=g)  # (n_eval, 2)
    x_fake = sample_p(n_eval, generator=g) + noise * torch.randn(n_eval, 2, generator=g)  # (n_eval, 2)
    eps = torch.rand(n_eval, 1, generator=g)
    x_hat = eps * x_real + (1 - eps) * x_fake  # interpolates, where the penalty looks
    out = {key: {} for key in ("critics", "weights", "grad_norms", "duals", "estimates")}
    for method in ("clip", "gp"):
        torch.manual_seed(seed)
        critic = MLPDiscriminator(2, hidden_dim=hidden_dim, n_hidden=3)
        if method == "clip":  # the baseline: default init, clipped once, before any step
            w0 = torch.cat([p.detach().flatten() for name, p in critic.named_parameters() if name.endswith("weight")])
            at_init = float((w0.clamp(-c, c).abs() >= 0.99 * c).float().mean())
        critic, _ = train_critic(sample_p, sample_q, critic=critic, method=method, steps=steps,
                                 batch_size=batch_size, c=c, seed=seed)
        norms = critic_gradient_norms(critic, x_hat).detach()
        with torch.no_grad():
            dual = float(critic(x_real).mean() - critic(x_fake).mean())
        out["critics"][method] = critic
        out["weights"][method] = torch.cat(
            [p.detach().flatten() for name, p in critic.named_parameters() if name.endswith("weight")]
        ).numpy()
        out["grad_norms"][method] = norms.numpy()
        out["duals"][method] = dual
        out["estimates"][method] = dual / float(norms.mean())
    return CriticComparison(x_real, x_fake, wasserstein_assignment(x_real, x_fake), c=c,
                            at_clip_bounds_at_init=at_init, **out)


# ---------------------------------------------------------------------------------------
# WGAN-GP on the digits of notebook 03 (the shipped checkpoint data/wgan_gp_digits.pt)
# ---------------------------------------------------------------------------------------

#: Settings of ``data/wgan_gp_digits.pt``. Nets, batch and image size as notebook 03's DCGAN
#: (`gancourse.digits.DCGAN_CONFIG`); optimiser, lam and n_critic from Gulrajani et al.'s
#: code for MNIST (Adam 1e-4, betas (0.5, 0.9), lam = 10, n_critic = 5). No dropout in the
#: critic: it would make the critic, and so its gradient penalty, random.
WGAN_GP_DIGITS_CONFIG = {
    "image_size": 8,
    "latent_dim": 16,
    "width": 32,
    "steps": 3000,
    "batch_size": 64,
    "lr": 1e-4,
    "betas": (0.5, 0.9),
    "lam": 10.0,
    "n_critic": 5,
    "eval_every": 250,
    "seed": 0,
}


@restores_global_rng
def train_wgan_gp_digits(config: dict | None = None, *, progress: bool = True) -> dict:
    """Train a WGAN-GP on the 8x8 digits; return a checkpoint dict (``make checkpoints``).

    Parameters
    ----------
    config : dict, optional
        Overrides for `WGAN_GP_DIGITS_CONFIG`.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict
        ``generator`` (state dict), ``config``, ``history`` (`History.to_dict`, with the
        metrics ``critic_w1`` (the critic's dual on a fixed batch), ``frechet`` and
        ``inception_score`` every ``eval_every`` steps) and ``snapshots`` (samples of 16
        fixed z at those steps).
    """
    from .digits import digits_score, load_digits, train_classifier
    from .models import DCGANDiscriminator, DCGANGenerator

    cfg = {**WGAN_GP_DIGITS_CONFIG, **(config or {})}
    unknown = set(cfg) - set(WGAN_GP_DIGITS_CONFIG)
    if unknown:
        raise ValueError(f"unknown config keys {sorted(unknown)}; expected keys of WGAN_GP_DIGITS_CONFIG")
    torch.manual_seed(cfg["seed"])
    images, _ = load_digits(cfg["image_size"])
    generator = DCGANGenerator(cfg["latent_dim"], 1, cfg["image_size"], cfg["width"])
    critic = DCGANDiscriminator(1, cfg["image_size"], cfg["width"], dropout=0.0)
    classifier = train_classifier(seed=0)
    fixed = torch.Generator().manual_seed(cfg["seed"] + 1)
    x_eval = images[torch.randperm(len(images), generator=fixed)[:500]]  # a fixed real batch
    z_eval = torch.randn(500, cfg["latent_dim"], generator=fixed)  # and fixed noise
    snapshots = []

    def metrics(gen: nn.Module) -> dict[str, float]:
        gen.eval()  # samples from running batch-norm statistics, as at test time
        x_fake = gen(z_eval)
        gen.train()
        snapshots.append(x_fake[:16].clone())
        score = digits_score(x_fake, classifier)
        critic_w1 = float(critic(x_eval).mean() - critic(x_fake).mean())
        return {"critic_w1": critic_w1, "frechet": score["frechet"], "inception_score": score["inception_score"],
                "confidence": score["confidence"], "classes_covered": score["classes_covered"]}

    history = train_wgan_gp(
        generator, critic, lambda n: images[torch.randint(len(images), (n,))],
        steps=cfg["steps"], batch_size=cfg["batch_size"], latent_dim=cfg["latent_dim"],
        lr=cfg["lr"], betas=tuple(cfg["betas"]), lam=cfg["lam"], n_critic=cfg["n_critic"],
        metrics=metrics, eval_every=cfg["eval_every"], progress=progress, seed=cfg["seed"],
    )
    return {
        "generator": {k: v.detach().clone() for k, v in generator.state_dict().items()},
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.items()},
        "history": history.to_dict(),
        "snapshots": torch.stack(snapshots),
    }


# ---------------------------------------------------------------------------------------
# Notebook 04, section 3: GAN vs WGAN vs WGAN-GP on toy data, over seeds
# (the shipped checkpoints data/wgan_toy_ring8.pt and data/wgan_toy_grid25.pt)
# ---------------------------------------------------------------------------------------

#: Settings of the toy comparison. Same nets, batch and generator steps for the three methods;
#: the nets are notebook 03's MLPs (width 128) one layer deeper: 3 hidden layers, not 2. Where
#: they depart from the papers, to learn within a few thousand steps instead of 100,000: the
#: GAN uses notebook 03's Adam settings; the WGAN keeps RMSProp, c = 0.01 and n_critic = 5 but
#: doubles the paper's lr 5e-5; the WGAN-GP keeps Adam betas (0.5, 0.9) and n_critic = 5 of
#: Gulrajani et al.'s toy code, with lr 2e-4 and their toy lam = 0.1 (their code notes that a
#: small lam is faster on toy data).
TOY_COMPARISON_CONFIG = {
    "seeds": [0, 1, 2],
    "steps": 2000,
    "batch_size": 256,
    "hidden_dim": 128,
    "n_hidden": 3,
    "eval_every": 100,
    "n_eval": 500,
    "gan": {"lr": 1e-3, "betas": [0.5, 0.999]},
    "wgan": {"lr": 1e-4, "c": 0.01, "n_critic": 5},
    "wgan_gp": {"lr": 2e-4, "betas": [0.5, 0.9], "lam": 0.1, "n_critic": 5},
}

TOY_METHODS = ("gan", "wgan", "wgan_gp")


def _toy_target(dataset: str):
    from .distributions import grid25, ring8

    targets = {"ring8": ring8, "grid25": grid25}
    if dataset not in targets:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {sorted(targets)}")
    return targets[dataset]()


@restores_global_rng
def train_toy_run(dataset: str, method: str, seed: int = 0, config: dict | None = None, *,
                  progress: bool = False) -> dict:
    r"""Train one GAN, WGAN or WGAN-GP on a toy mixture and record how it goes.

    Parameters
    ----------
    dataset : {"ring8", "grid25"}
        The target.
    method : {"gan", "wgan", "wgan_gp"}
        The objective: notebook 03's GAN (BCE, non-saturating), `train_wgan` or `train_wgan_gp`.
    seed : int
        Seeds the nets, the batches and z.
    config : dict, optional
        Overrides for `TOY_COMPARISON_CONFIG`.

    Returns
    -------
    dict
        ``metric_step`` and, aligned with it, ``modes_reached``, ``high_quality`` and
        ``modes_sharp`` (`gancourse.mode_coverage`), ``w1`` (exact W1 of ``n_eval`` samples to a target
        sample, `wasserstein_assignment`), ``estimate`` (the discriminator's own estimate on
        a fixed batch: dual / slope for a critic, the Jensen-Shannon estimate
        :math:`\log 2 - L_D / 2` for a GAN discriminator) and ``dual`` (the critic's raw dual;
        the BCE loss for a GAN); ``samples`` (1000 final samples, (1000, 2)); ``seconds``.
    """
    from .gan import discriminator_loss, generate
    from .metrics import mode_coverage
    from .models import MLPGenerator

    if method not in TOY_METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {TOY_METHODS}")
    cfg = merge_config(TOY_COMPARISON_CONFIG, config, "TOY_COMPARISON_CONFIG")
    target = _toy_target(dataset)
    std = float(target.stds[0])
    g = torch.Generator().manual_seed(10_000 + seed)
    x_eval = target.sample(cfg["n_eval"], generator=g)  # (n_eval, 2) fixed real sample
    z_eval = torch.randn(cfg["n_eval"], 2, generator=g)  # (n_eval, 2) fixed noise
    torch.manual_seed(seed)
    generator = MLPGenerator(2, 2, cfg["hidden_dim"], cfg["n_hidden"])
    critic = MLPDiscriminator(2, cfg["hidden_dim"], cfg["n_hidden"])

    def metrics(gen: nn.Module) -> dict[str, float]:
        x_fake = gen(z_eval)  # (n_eval, 2)
        cover = mode_coverage(x_fake, target.centers, std)
        real_scores, fake_scores = critic(x_eval), critic(x_fake)
        if method == "gan":
            dual = float(discriminator_loss(real_scores, fake_scores))
            estimate = math.log(2) - dual / 2  # Jensen-Shannon, if D were optimal
        else:
            dual = float(real_scores.mean() - fake_scores.mean())
            eps = torch.rand(len(x_fake), 1, generator=torch.Generator().manual_seed(0))
            with torch.enable_grad():  # train_gan calls metrics under no_grad; the slope needs a gradient
                slope = float(critic_gradient_norms(critic, eps * x_eval + (1 - eps) * x_fake).mean())
            estimate = dual / slope
        return {**cover.as_dict(), "w1": wasserstein_assignment(x_fake, x_eval), "estimate": estimate, "dual": dual}

    common = dict(steps=cfg["steps"], batch_size=cfg["batch_size"], latent_dim=2, metrics=metrics,
                  eval_every=cfg["eval_every"], progress=progress, seed=seed)
    opts = cfg[method]
    t0 = time.perf_counter()
    if method == "gan":
        history = train_gan(
            generator, critic, target.sample,
            d_optimizer=torch.optim.Adam(critic.parameters(), lr=opts["lr"], betas=tuple(opts["betas"])),
            g_optimizer=torch.optim.Adam(generator.parameters(), lr=opts["lr"], betas=tuple(opts["betas"])),
            **common,
        )
    elif method == "wgan":
        history = train_wgan(generator, critic, target.sample, lr=opts["lr"], c=opts["c"],
                             n_critic=opts["n_critic"], **common)
    else:
        history = train_wgan_gp(generator, critic, target.sample, lr=opts["lr"], betas=tuple(opts["betas"]),
                                lam=opts["lam"], n_critic=opts["n_critic"], **common)
    seconds = time.perf_counter() - t0
    return {
        "metric_step": [s + 1 for s in history.metric_step],
        **{key: list(history.metrics[key]) for key in history.metrics},
        "samples": generate(generator, 1000, seed=seed).detach().clone(),
        "seconds": seconds,
    }


@restores_global_rng
def train_toy_comparison(dataset: str = "ring8", config: dict | None = None, *, progress: bool = False) -> dict:
    """Every method of `TOY_METHODS` on one toy dataset, for every seed; a checkpoint dict.

    Returns
    -------
    dict
        ``dataset``, ``config`` and ``runs``: ``runs[method][i]`` is `train_toy_run`'s
        record for ``config["seeds"][i]``.
    """
    cfg = merge_config(TOY_COMPARISON_CONFIG, config, "TOY_COMPARISON_CONFIG")
    runs = {method: [train_toy_run(dataset, method, seed, cfg, progress=progress) for seed in cfg["seeds"]]
            for method in TOY_METHODS}
    return {"dataset": dataset, "config": cfg, "runs": runs}


def train_toy_comparison_ring8() -> dict:
    """The checkpoint ``data/wgan_toy_ring8.pt`` (``make checkpoints``)."""
    return train_toy_comparison("ring8")


def train_toy_comparison_grid25() -> dict:
    """The checkpoint ``data/wgan_toy_grid25.pt`` (``make checkpoints``)."""
    return train_toy_comparison("grid25")


def real_vs_real_w1(dataset: str, n: int = 500, seeds=(0, 1, 2)) -> np.ndarray:
    """Exact W1 between two independent ``n``-point samples of a toy target, one value per seed.

    The floor of the toy table's "W1 to target" column: even a perfect generator scores
    this much, because both sides are finite samples. Computed with the same function
    (`wasserstein_assignment`) and sample size as `train_toy_run`'s ``w1``.
    """
    target = _toy_target(dataset)
    values = []
    for seed in seeds:
        g = torch.Generator().manual_seed(20_000 + seed)
        values.append(wasserstein_assignment(target.sample(n, generator=g), target.sample(n, generator=g)))
    return np.array(values)


def toy_coverage(ckpt: dict) -> dict[str, list]:
    """`gancourse.mode_coverage` of every run's final 1000 samples, per method (for `gancourse.coverage_table`).

    Recomputed from the stored ``samples``, so checkpoints made before the metric split into
    recall and precision (whose histories record one ``"modes"`` series) read the same way
    as new ones.

    Parameters
    ----------
    ckpt : dict
        A `train_toy_comparison` result, e.g. loaded from ``data/wgan_toy_grid25.pt``.

    Returns
    -------
    dict of str to list of ModeCoverage
        Method name to one result per seed.
    """
    from .metrics import mode_coverage

    target = _toy_target(ckpt["dataset"])
    std = float(target.stds[0])
    return {method: [mode_coverage(run["samples"], target.centers, std) for run in runs]
            for method, runs in ckpt["runs"].items()}


def toy_comparison_table(results: dict, *, baseline: bool = True) -> str:
    """A text table of `train_toy_comparison` results: one row per dataset and method.

    Parameters
    ----------
    results : dict of str to dict
        Dataset name to checkpoint dict from `train_toy_comparison`.
    baseline : bool
        Add a "real vs real" row per dataset: `real_vs_real_w1`, the W1 of a perfect generator.

    Returns
    -------
    str
        Exact W1 to the target at the end (mean +- std over seeds), and, per seed, the
        Pearson correlation over training between the discriminator's own estimate and the
        exact W1. Recall and precision are in `toy_coverage`.
    """
    lines = ["dataset  method      W1 to target     corr(estimate, W1) per seed"]
    for dataset, ckpt in results.items():
        for method, runs in ckpt["runs"].items():
            w1 = np.array([r["w1"][-1] for r in runs])
            corrs = [np.corrcoef(r["estimate"], r["w1"])[0, 1] for r in runs]
            lines.append(f"{dataset:<8} {method:<11} {w1.mean():6.3f} +- {w1.std():.3f}   "
                         f"{' '.join(f'{c:+.2f}' for c in corrs)}")
        if baseline:
            seeds = ckpt.get("config", {}).get("seeds", (0, 1, 2))
            n = ckpt.get("config", {}).get("n_eval", 500)
            floor = real_vs_real_w1(dataset, n=n, seeds=seeds)
            lines.append(f"{dataset:<8} {'real/real':<11} {floor.mean():6.3f} +- {floor.std():.3f}   "
                         f"(two {n}-point target samples)")
    return "\n".join(lines)


def plot_toy_samples(results: dict, seed_index: int = 0, axes=None):
    """Final samples of every method (columns) on every dataset (rows), over the target's modes.

    Each title gives the modes reached (recall) and the high-quality fraction (precision) of
    the samples shown (`gancourse.mode_coverage`).
    """
    import matplotlib.pyplot as plt

    from .metrics import mode_coverage

    datasets = list(results)
    if axes is None:
        _, axes = plt.subplots(len(datasets), len(TOY_METHODS), figsize=(9, 3 * len(datasets)), squeeze=False)
    for row, dataset in zip(axes, datasets, strict=True):
        target = _toy_target(dataset)
        centers = target.centers
        lim = float(centers.abs().max()) + 1.0
        for ax, method in zip(row, TOY_METHODS, strict=True):
            run = results[dataset]["runs"][method][seed_index]
            ax.scatter(*run["samples"].T, s=1, alpha=0.3, color="C0")
            ax.scatter(*centers.T, s=12, marker="x", color="red")
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            ax.set_aspect("equal")
            cover = mode_coverage(run["samples"], centers, float(target.stds[0]))
            ax.set_title(f"{dataset}, {method}: {cover.modes_reached}/{len(centers)} reached,\n"
                         f"{100 * cover.high_quality:.0f}% high-quality", fontsize=9)
            ax.tick_params(labelsize=7)
    return axes


def plot_toy_tracking(ckpt: dict, seed_index: int = 0, axes=None):
    """For each method: the discriminator's own estimate (left axis) and the exact W1 (right axis) over training.

    One seed (``ckpt["config"]["seeds"][seed_index]``); the title gives the seed and the
    correlation of the two curves for that run.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, len(TOY_METHODS), figsize=(10, 3.2))
    seed = ckpt.get("config", {}).get("seeds", list(range(seed_index + 1)))[seed_index]
    labels = {"gan": "JS estimate (GAN)", "wgan": "W1 estimate (clipped)", "wgan_gp": "W1 estimate (GP)"}
    for ax, method in zip(axes, TOY_METHODS, strict=True):
        run = ckpt["runs"][method][seed_index]
        steps = run["metric_step"]
        ax.plot(steps, run["estimate"], color="C0", label=labels[method])
        ax.set_ylabel(labels[method], color="C0", fontsize=10)
        twin = ax.twinx()
        twin.plot(steps, run["w1"], color="black", ls="--", label="exact W1 of samples")
        twin.set_ylabel("exact W1 (dashed)", fontsize=10)
        r = np.corrcoef(run["estimate"], run["w1"])[0, 1]
        ax.set_title(f"{ckpt.get('dataset', '')} {method}, seed {seed}: corr {r:+.2f}".strip(), fontsize=11)
        ax.set_xlabel("generator step", fontsize=10)
        ax.tick_params(labelsize=9)
        twin.tick_params(labelsize=9)
    return axes


def load_wgan_gp_digits(*, train: bool = False, path=None) -> tuple[nn.Module, dict]:
    """The WGAN-GP digits generator: loaded from ``data/wgan_gp_digits.pt``, or trained (``train=True``).

    Returns
    -------
    generator : DCGANGenerator
        In evaluation mode (the critic is not kept: sampling needs only the generator).
    checkpoint : dict
        As returned by `train_wgan_gp_digits`.
    """
    from .models import DCGANGenerator
    from .runtime import DATA_DIR, load_or_train

    checkpoint = load_or_train(path or DATA_DIR / "wgan_gp_digits.pt", train_wgan_gp_digits, train=train)
    cfg = checkpoint["config"]
    generator = DCGANGenerator(cfg["latent_dim"], 1, cfg["image_size"], cfg["width"])
    generator.load_state_dict(checkpoint["generator"])
    return generator.eval(), checkpoint
