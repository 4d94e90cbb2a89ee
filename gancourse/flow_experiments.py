"""Notebook 06's experiments: flows trained on the toy mixtures, set beside notebook 03-04's GANs.

The flow itself, its layers and its training loop live in :mod:`gancourse.flows`; this module
trains them on the ring of 8 and the grid of 25 Gaussians (the shipped checkpoint
``data/flow_toy.pt``, ``make checkpoints``), loads the GANs' stored samples
(``data/mode_collapse.pt``, ``data/wgan_toy_*.pt``), and measures both with the same metrics:
modes reached (recall) and high-quality samples (precision) from
:func:`gancourse.metrics.mode_coverage`, the exact W1 to a target sample
(:func:`gancourse.wgan.wasserstein_assignment`), the test log-likelihood where it is defined
(flows only), and samples per second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .distributions import GaussianMixture, grid25, ring8
from .flows import (
    Flow,
    FlowConfig,
    FlowHistory,
    density_on_grid,
    make_toy_flow,
    samples_per_second,
    train_flow,
)
from .gan import generate
from .metrics import mode_coverage
from .models import MLPGenerator, count_parameters
from .runtime import DATA_DIR, load_checkpoint, load_or_train
from .wgan import wasserstein_assignment

__all__ = [
    "FLOW_TOY_CONFIG",
    "toy_target",
    "train_flow_run",
    "train_flow_toy",
    "load_flow_toy",
    "flow_history",
    "GAN_SOURCES",
    "gan_samples",
    "ModelScore",
    "score_samples",
    "score_flows",
    "true_test_log_likelihood",
    "curve_test_sets",
    "final_curve_gaps",
    "lost_mode_latent_norms",
    "comparison_table",
    "sampling_speed",
    "table_speeds",
    "density_extent",
    "nested_grid_integrals",
    "plot_samples",
    "plot_test_log_likelihood",
    "plot_density",
    "plot_encoding",
]

#: Settings of ``data/flow_toy.pt``: the flow of :class:`~gancourse.flows.FlowConfig` (8 steps,
#: couplings of 2 hidden layers of 64), Adam with a cosine learning-rate decay from ``lr`` to 0,
#: gradients clipped to norm ``max_grad_norm``, the same batch size as the GANs (256), 3 seeds.
FLOW_TOY_CONFIG = {
    "seeds": [0, 1, 2],
    "steps": 6000,
    "batch_size": 256,
    "n_steps": 8,
    "hidden_dim": 64,
    "n_hidden": 2,
    "lr": 1e-3,
    "max_grad_norm": 1.0,
    "eval_every": 500,
    "n_eval": 1000,
}

_TARGETS = {"ring8": ring8, "grid25": grid25}


def toy_target(dataset: str) -> GaussianMixture:
    """The target mixture of ``"ring8"`` or ``"grid25"``."""
    if dataset not in _TARGETS:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {sorted(_TARGETS)}")
    return _TARGETS[dataset]()


def _flow_config(cfg: dict) -> FlowConfig:
    return FlowConfig(n_steps=cfg["n_steps"], hidden_dim=cfg["hidden_dim"], n_hidden=cfg["n_hidden"],
                      batch_size=cfg["batch_size"], lr=cfg["lr"])


def train_flow_run(dataset: str, seed: int = 0, config: dict | None = None, *, progress: bool = False) -> dict:
    """Train one flow on a toy mixture by maximum likelihood; return what the checkpoint keeps.

    Parameters
    ----------
    dataset : {"ring8", "grid25"}
    seed : int
        Seeds the weights and the batches.
    config : dict, optional
        Overrides for :data:`FLOW_TOY_CONFIG` (``steps``, ``lr``, ...).
    progress : bool

    Returns
    -------
    dict
        ``flow`` (state dict), ``history`` (:meth:`FlowHistory.to_dict`, with the metrics
        ``modes_reached``, ``high_quality`` and ``test_log_likelihood`` every ``eval_every``
        steps) and ``seconds``.
    """
    cfg = {**FLOW_TOY_CONFIG, **(config or {})}
    target = toy_target(dataset)
    std = float(target.stds[0])
    x_test = target.sample(cfg["n_eval"], seed=10_000 + seed)  # (n_eval, 2), never trained on

    def metrics(flow: Flow) -> dict[str, float]:
        cover = mode_coverage(flow.sample(cfg["n_eval"], seed=seed), target.centers, std)
        return {"modes_reached": cover.modes_reached, "high_quality": cover.high_quality,
                "test_log_likelihood": float(flow.log_prob(x_test).mean())}

    flow, optimizer = make_toy_flow(_flow_config(cfg), seed=seed)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg["steps"])
    history = train_flow(flow, target.sample, steps=cfg["steps"], batch_size=cfg["batch_size"], optimizer=optimizer,
                         eval_every=cfg["eval_every"], max_grad_norm=cfg["max_grad_norm"], metrics=metrics,
                         callbacks=[lambda step, h: schedule.step()], progress=progress, seed=seed)
    return {"flow": {k: v.detach().clone() for k, v in flow.state_dict().items()},
            "history": history.to_dict(), "seconds": history.seconds}


def train_flow_toy(config: dict | None = None, *, progress: bool = False) -> dict:
    """The checkpoint ``data/flow_toy.pt``: a flow per dataset and seed (about 2 minutes of CPU time per run).

    Returns
    -------
    dict
        ``config`` and ``runs``: ``runs[dataset][i]`` is :func:`train_flow_run`'s record for
        ``config["seeds"][i]``.
    """
    cfg = {**FLOW_TOY_CONFIG, **(config or {})}
    runs = {dataset: [train_flow_run(dataset, seed, cfg, progress=progress) for seed in cfg["seeds"]]
            for dataset in _TARGETS}
    return {"config": cfg, "runs": runs}


def load_flow_toy(*, train: bool = False, path=None) -> tuple[dict[str, list[Flow]], dict]:
    """The toy flows: loaded from ``data/flow_toy.pt``, or trained (``train=True``).

    Returns
    -------
    flows : dict of str to list of Flow
        ``flows[dataset][i]``, one per seed, in evaluation mode.
    checkpoint : dict
        As returned by :func:`train_flow_toy`.
    """
    checkpoint = load_or_train(path or DATA_DIR / "flow_toy.pt", train_flow_toy, train=train)
    cfg = checkpoint["config"]
    flows: dict[str, list[Flow]] = {}
    for dataset, runs in checkpoint["runs"].items():
        for run in runs:
            flow = Flow(2, cfg["n_steps"], cfg["hidden_dim"], cfg["n_hidden"])
            flow.load_state_dict(run["flow"])
            flows.setdefault(dataset, []).append(flow.eval())
    return flows, checkpoint


def flow_history(checkpoint: dict, dataset: str, seed_index: int = 0) -> FlowHistory:
    """The training history of one stored flow."""
    return FlowHistory.from_dict(checkpoint["runs"][dataset][seed_index]["history"])


#: The GANs compared against, by name: (file in data/, how to find its samples, what it is).
GAN_SOURCES = {
    "GAN, notebook 03": ("mode_collapse.pt", "balanced: D lr = G lr = 1e-3",
                         "notebook 03's balanced GAN (D lr = G lr = 1e-3, 2 hidden layers of 128), 5 seeds; "
                         "2,000 steps on the ring, 5,000 on the grid"),
    "GAN, notebook 04": ("wgan_toy_{dataset}.pt", "gan",
                         "notebook 04's GAN (3 hidden layers of 128, Adam 1e-3), 3 seeds, 2,000 steps"),
    "WGAN-GP, notebook 04": ("wgan_toy_{dataset}.pt", "wgan_gp",
                             "notebook 04's WGAN-GP (lambda 0.1, n_critic 5, Adam 2e-4), 3 seeds, 2,000 steps"),
}


def gan_samples(dataset: str, data_dir=None) -> dict[str, list[torch.Tensor]]:
    """The stored final samples of notebook 03-04's GANs on one dataset, per model: a list of (1000, 2) per seed.

    Nothing is retrained: the samples are those saved in ``data/mode_collapse.pt`` (notebook 03)
    and ``data/wgan_toy_<dataset>.pt`` (notebook 04); see :data:`GAN_SOURCES`.
    """
    toy_target(dataset)
    data_dir = DATA_DIR if data_dir is None else data_dir
    out = {}
    for name, (filename, key, _) in GAN_SOURCES.items():
        ckpt = load_checkpoint(data_dir / filename.format(dataset=dataset))
        if "results" in ckpt:  # the mode-collapse study: results[target][setting]["samples"], (S, N, 2)
            out[name] = list(ckpt["results"][dataset][key]["samples"])
        else:  # the toy comparison: runs[method][i]["samples"], (N, 2)
            out[name] = [run["samples"] for run in ckpt["runs"][key]]
    return out


@dataclass
class ModelScore:
    """One model's scores on one dataset, one value per seed.

    Attributes
    ----------
    name : str
    modes_reached : numpy.ndarray of int
        Recall: modes whose cell got a fair part of the samples (:func:`~gancourse.metrics.mode_coverage`).
    precision : numpy.ndarray
        Fraction of samples within 3 standard deviations of a mode centre.
    w1 : numpy.ndarray
        Exact W1 between 500 samples and 500 target points (:func:`~gancourse.wgan.wasserstein_assignment`).
    test_log_likelihood : numpy.ndarray or None
        Mean :math:`\\log p(x)` of held-out target points, in nats; None where the model has no density (a GAN).
    n_modes : int
    """

    name: str
    modes_reached: np.ndarray
    precision: np.ndarray
    w1: np.ndarray
    test_log_likelihood: np.ndarray | None
    n_modes: int


def score_samples(name: str, samples: list[torch.Tensor], dataset: str, *, log_likelihoods=None,
                  n_w1: int = 500) -> ModelScore:
    """Score one model from its samples (one (N, 2) tensor per seed), with the metrics of notebooks 03-04.

    The target sample for W1 is the same for every model and seed (seed 20,000), so that the
    numbers are comparable; ``log_likelihoods`` (one mean test log-likelihood per seed) is
    passed for a flow and left out for a GAN.
    """
    target = toy_target(dataset)
    std = float(target.stds[0])
    n_w1 = min(n_w1, *(len(s) for s in samples))  # the assignment needs two samples of one size
    x_target = target.sample(n_w1, seed=20_000)  # (n_w1, 2)
    covers = [mode_coverage(s, target.centers, std) for s in samples]
    return ModelScore(
        name=name,
        modes_reached=np.array([c.modes_reached for c in covers]),
        precision=np.array([c.high_quality for c in covers]),
        w1=np.array([wasserstein_assignment(s[:n_w1], x_target) for s in samples]),
        test_log_likelihood=None if log_likelihoods is None else np.asarray(log_likelihoods, dtype=float),
        n_modes=len(target.centers),
    )


@torch.no_grad()
def score_flows(flows: list[Flow], dataset: str, *, name: str = "flow", n: int = 1000, temperature: float = 1.0,
                n_test: int = 2000) -> ModelScore:
    """Sample ``n`` points from each flow (seed 0) and score them like the GANs, plus the test log-likelihood.

    The test points (``n_test``, seed 30,000) are drawn fresh from the target: no flow saw them.
    """
    target = toy_target(dataset)
    x_test = target.sample(n_test, seed=30_000)
    samples = [flow.sample(n, seed=0, temperature=temperature) for flow in flows]
    lls = [float(flow.log_prob(x_test).mean()) for flow in flows]
    return score_samples(name, samples, dataset, log_likelihoods=lls)


def true_test_log_likelihood(dataset: str, n_test: int = 2000, *, seed: int = 30_000) -> float:
    """Mean :math:`\\log p_\\text{data}(x)` of test points under the true mixture: the best any model can score.

    The defaults (2,000 points, seed 30,000) are the test set of :func:`score_flows`; a training
    curve's own test set is given by :func:`curve_test_sets`.
    """
    target = toy_target(dataset)
    return float(target.log_prob(target.sample(n_test, seed=seed)).mean())


def curve_test_sets(checkpoint: dict, dataset: str) -> list[tuple[int, int]]:
    """``(n_test, seed)`` of the test set each stored run's curve was scored on, one per training seed.

    :func:`train_flow_run` scores its flow during training on ``n_eval`` points drawn with seed
    ``10_000 + seed``: not the test set of :func:`score_flows` (2,000 points, seed 30,000).
    """
    cfg = checkpoint["config"]
    toy_target(dataset)
    return [(cfg["n_eval"], 10_000 + seed) for seed in cfg["seeds"]]


def final_curve_gaps(checkpoint: dict, dataset: str) -> list[dict[str, float]]:
    """For each stored run: its curve's last test log-likelihood, the true density's on the same points, the gap.

    Returns
    -------
    list of dict
        One per seed: ``seed``, ``step`` (the last evaluation), ``flow`` and ``true`` (mean
        log-likelihoods in nats on that run's own test set, :func:`curve_test_sets`) and
        ``gap = true - flow``.
    """
    out = []
    for i, (seed, (n_test, test_seed)) in enumerate(zip(checkpoint["config"]["seeds"],
                                                        curve_test_sets(checkpoint, dataset), strict=True)):
        history = flow_history(checkpoint, dataset, i)
        flow_ll = float(history.metrics["test_log_likelihood"][-1])
        true_ll = true_test_log_likelihood(dataset, n_test, seed=test_seed)
        out.append({"seed": seed, "step": int(history.metric_step[-1]) + 1, "flow": flow_ll, "true": true_ll,
                    "gap": true_ll - flow_ll})
    return out


@torch.no_grad()
def lost_mode_latent_norms(flows: list[Flow], dataset: str, *, temperature: float, n: int = 1000) -> list[dict]:
    """Where in :math:`z` the modes lost at a temperature sit: :math:`|f(c_k)|` of each lost centre :math:`c_k`.

    Each flow samples ``n`` points at ``temperature`` (seed 0, as :func:`score_flows`); a mode is
    lost when :func:`~gancourse.metrics.mode_coverage` does not count it as reached.

    Returns
    -------
    list of dict
        One per flow: ``lost`` (indices of the lost modes), ``lost_norms`` (their centres'
        latent norms), ``on_edge`` (whether each lost centre lies on the outer edge of the
        centres' square) and ``median_norm`` (the median latent norm over all centres).
    """
    target = toy_target(dataset)
    std = float(target.stds[0])
    out = []
    for flow in flows:
        cover = mode_coverage(flow.sample(n, seed=0, temperature=temperature), target.centers, std)
        lost = np.flatnonzero(cover.counts < cover.min_count)
        norms = flow.encode(target.centers.float()).norm(dim=1).numpy()  # (K,)
        on_edge = target.centers[lost].abs().amax(dim=1) == target.centers.abs().max()  # (len(lost),)
        out.append({"lost": lost, "lost_norms": norms[lost], "on_edge": on_edge.numpy(),
                    "median_norm": float(np.median(norms))})
    return out


def comparison_table(scores: list[ModelScore], *, speeds: dict[str, float] | None = None,
                     true_log_likelihood: float | None = None) -> str:
    """A text table: one row per model, means over seeds (and the per-seed modes reached).

    Columns: modes reached per seed and mean (recall), precision (mean, and the lowest and
    highest seed), W1 to target (mean +- std over seeds),
    test log-likelihood (mean; "n/a" without a density) and, if given, samples per second.
    """
    if not scores:
        raise ValueError("expected at least one ModelScore, got an empty list")
    width = max(len(s.name) for s in scores)
    header = (f"{'model':<{width}}  {'modes reached per seed':<22}  {'mean':>7}  {'precision (min-max)':>19}  "
              f"{'W1 to target':>15}  {'test log-lik':>12}")
    if speeds is not None:
        header += f"  {'samples/s':>10}"
    lines = [header]
    for s in scores:
        per_seed = " ".join(f"{m:2d}" for m in s.modes_reached)
        ll = "n/a" if s.test_log_likelihood is None else f"{s.test_log_likelihood.mean():+.2f}"
        spread = f"({100 * s.precision.min():.0f}-{100 * s.precision.max():.0f})"
        row = (f"{s.name:<{width}}  {per_seed:<22}  {s.modes_reached.mean():4.1f}/{s.n_modes:<2d}  "
               f"{100 * s.precision.mean():9.1f}% {spread:>9}  {s.w1.mean():6.3f} +- {s.w1.std():.3f}  {ll:>12}")
        if speeds is not None:
            speed = speeds.get(s.name)
            row += f"  {'' if speed is None else f'{speed:10.2e}'}"
        lines.append(row)
    if true_log_likelihood is not None:
        lines.append(f"{'the target itself':<{width}}  {'':<22}  {'':>7}  {'':>19}  {'':>15}  {true_log_likelihood:+12.2f}")
    return "\n".join(lines)


def sampling_speed(flow: Flow, *, n: int = 10_000, repeats: int = 10) -> dict[str, dict]:
    """Samples per second and parameters of a flow and of notebook 03-04's toy GAN generators.

    The GAN generators are rebuilt with their architectures (notebook 03: 2 hidden layers of
    128; notebook 04: 3 hidden layers of 128) and fresh weights, since the cost of one pass
    does not depend on the values of the weights. Measured with
    :func:`~gancourse.flows.samples_per_second` on the current thread setting.

    Returns
    -------
    dict
        ``{name: {"samples_per_second": float, "parameters": int}}``.
    """
    torch.manual_seed(0)
    models = {"flow": flow, "GAN, notebook 03": MLPGenerator(2, 2, 128, 2), "GAN, notebook 04": MLPGenerator(2, 2, 128, 3)}
    samplers = {"flow": lambda k: flow.sample(k)}
    for name, generator in list(models.items())[1:]:
        samplers[name] = lambda k, g=generator: generate(g, k)
    rates = samples_per_second(samplers, n=n, repeats=repeats)
    return {name: {"samples_per_second": rates[name], "parameters": count_parameters(model)}
            for name, model in models.items()}


def table_speeds(speed: dict[str, dict]) -> dict[str, float]:
    """Samples per second for each row of :func:`comparison_table`, from :func:`sampling_speed`'s result.

    WGAN-GP's generator is notebook 04's GAN generator (the same network; only the training
    differs), so its row gets that generator's speed.
    """
    missing = {"flow", "GAN, notebook 03", "GAN, notebook 04"} - set(speed)
    if missing:
        raise ValueError(f"expected sampling_speed()'s result with the models {sorted(missing)}, got keys {sorted(speed)}")
    rates = {name: float(speed[name]["samples_per_second"]) for name in ("flow", "GAN, notebook 03", "GAN, notebook 04")}
    rates["WGAN-GP, notebook 04"] = rates["GAN, notebook 04"]
    return rates


def plot_samples(samples: dict[str, torch.Tensor], dataset: str, axes=None, *, titles: dict[str, str] | None = None):
    """One scatter per model (columns): its samples over the target's mode centres."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, len(samples), figsize=(3 * len(samples), 3), squeeze=False)
        axes = axes[0]
    centers = toy_target(dataset).centers
    lim = float(centers.abs().max()) + 1.0
    for ax, (name, x) in zip(axes, samples.items(), strict=True):
        ax.scatter(*x.T, s=1, alpha=0.3, color="C0")
        ax.scatter(*centers.T, s=12, marker="x", color="red")
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_title((titles or {}).get(name, name), fontsize=9)
        ax.tick_params(labelsize=7)
    return axes


def plot_test_log_likelihood(checkpoint: dict, axes=None):
    """For each dataset (one panel each): the test log-likelihood of every stored flow over training.

    Each run is scored on its own test set (:func:`curve_test_sets`); the dashed line of the
    same colour is the true density's value on that same set.
    """
    import matplotlib.pyplot as plt

    datasets = list(checkpoint["runs"])
    if axes is None:
        _, axes = plt.subplots(1, len(datasets), figsize=(4.5 * len(datasets), 3))
    for ax, dataset in zip(axes, datasets, strict=True):
        test_sets = curve_test_sets(checkpoint, dataset)
        for i, (seed, (n_test, test_seed)) in enumerate(zip(checkpoint["config"]["seeds"], test_sets, strict=True)):
            history = flow_history(checkpoint, dataset, i)
            line, = ax.plot(np.array(history.metric_step) + 1, history.metrics["test_log_likelihood"], marker="o",
                            ms=3, label=f"flow, seed {seed}")
            ax.axhline(true_test_log_likelihood(dataset, n_test, seed=test_seed), color=line.get_color(), ls="--",
                       lw=1)
        ax.plot([], [], color="grey", ls="--", lw=1, label="true density, on each run's test set")
        ax.set(xlabel="step", ylabel="test log-likelihood (nats)", title=dataset)
        ax.set_ylim(bottom=-6)
        ax.legend(fontsize=7)
    return axes


def density_extent(dataset: str) -> float:
    """Half-width of the square :func:`plot_density` draws: the mode centres' extent plus 1 (ring) or 1.5 (grid)."""
    return float(toy_target(dataset).centers.abs().max()) + (1.0 if dataset == "ring8" else 1.5)


def nested_grid_integrals(flow: Flow, dataset: str, *, n: int = 2401, coarsen: tuple[int, ...] = (4, 2, 1)
                          ) -> list[tuple[int, float, float]]:
    """The integral of the flow's density over :func:`density_extent`'s square on nested grids, from one evaluation.

    The density is evaluated once on an ``n`` x ``n`` grid; every ``c``-th point of it (``c`` in
    ``coarsen``) is a grid of ``(n - 1) // c + 1`` points with ``c`` times the spacing, integrated
    with the trapezoid rule as in :func:`~gancourse.flows.density_on_grid`.

    Returns
    -------
    list of (int, float, float)
        ``(points per axis, spacing, integral)``, one per entry of ``coarsen``.
    """
    if any(isinstance(c, bool) or not isinstance(c, int) or c < 1 or (n - 1) % c for c in coarsen):
        raise ValueError(f"expected positive integers that divide n - 1 = {n - 1}, got coarsen={coarsen!r}")
    ticks, density, _ = density_on_grid(flow, extent=density_extent(dataset), n=n)
    out = []
    for c in coarsen:
        t, d = ticks[::c], density[::c, ::c]
        out.append((len(t), float(t[1] - t[0]), float(np.trapezoid(np.trapezoid(d, t, axis=1), t))))
    return out


def plot_density(flow: Flow, dataset: str, ax=None, *, n: int = 600, floor: float = -8.0) -> float:
    """Heatmap of the flow's log-density over the dataset's square; returns its integral over that grid.

    The square is the mode centres' extent plus a margin (3 for the ring, 5.5 for the grid);
    :func:`~gancourse.flows.density_on_grid` gives the density and the integral.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    extent = density_extent(dataset)
    _, density, integral = density_on_grid(flow, extent=extent, n=n)
    image = ax.imshow(np.log(density + np.exp(floor)), extent=(-extent, extent, -extent, extent), origin="lower",
                      cmap="viridis", vmin=floor)
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label=f"log p(x), floored at {floor:g}")
    ax.set_aspect("equal")
    return integral


def plot_encoding(flow: Flow, x: torch.Tensor, labels: torch.Tensor, axes=None):
    """Points in data space (left) and their latents z = f(x) (right), coloured by their mode."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8, 4))
    with torch.no_grad():
        z = flow.encode(x)
    ax_x, ax_z = axes
    ax_x.scatter(*x.T, c=labels, cmap="tab10", s=2)
    ax_x.set(title="data x, coloured by mode", xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax_z.scatter(*z.T, c=labels, cmap="tab10", s=2)
    ax_z.set(title="latent z = f(x)", xlabel="$z_1$", ylabel="$z_2$", aspect="equal", xlim=(-4, 4), ylim=(-4, 4))
    return axes
