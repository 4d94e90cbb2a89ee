r"""Measuring a generator: are all the modes there, are the samples good, how far is the target?

A loss curve does not say whether a GAN works: the discriminator's loss can look healthy
while the generator covers two of eight modes. These metrics look at the *samples*.

* Toy data with known modes (the 8-Gaussian ring, the 25-Gaussian grid):
  :func:`mode_coverage` measures two things apart. **Recall**: the *modes reached*, those
  whose nearest-centre cell receives a fair part of the samples. **Precision**: the
  fraction of *high-quality* samples, those within 3 standard deviations of a mode centre
  (Srivastava et al., 2017, VEEGAN, Sec. 5.1; Lin et al., 2018, PacGAN). A collapsed
  generator has low recall; a diffuse cloud over the whole grid has high recall and low
  precision; only the target itself has both.
* A distance to the target from samples: :func:`w1_per_axis` (the exact 1-D
  Wasserstein-1 distance of each coordinate) and :func:`mmd_rbf` (the maximum mean
  discrepancy with a Gaussian kernel, which also sees the joint structure).
* Images: :func:`classifier_score` uses a classifier trained on *real* data, the idea
  behind the Inception Score (Salimans et al., 2016) and the FID (Heusel et al., 2017):
  confident predictions mean recognisable samples, predictions spread over all classes
  mean diversity, and statistics of the classifier's features compared with the real
  data's give a Fréchet distance.

Note for notebook 04 (WGAN): :func:`toy_metrics` builds the ``metrics`` callable that
:func:`gancourse.gan.train_gan` records, e.g. ``metrics=toy_metrics(ring8())``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .distributions import GaussianMixture, grid25, ring8, wasserstein_1d
from .gan import (
    ToyGANConfig,
    generate,
    make_toy_gan,
    minimax_generator_loss,
    nonsaturating_generator_loss,
    train_gan,
)
from .runtime import progress as progress_bar
from .runtime import restores_global_rng
from .toydata import _real

__all__ = [
    "ModeCoverage",
    "mode_coverage",
    "w1_per_axis",
    "mmd_rbf",
    "toy_metrics",
    "coverage_table",
    "STUDY_SETTINGS",
    "STUDY_STEPS",
    "mode_collapse_study",
    "study_coverage",
    "frechet_distance",
    "classifier_score",
]


def _as_points(name: str, x, dim: int | None = None) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected {name} as a torch.Tensor or numpy array of shape (N, D), got {type(x).__name__}")
    x = x.detach().cpu().float()
    if x.ndim != 2 or x.shape[0] == 0 or (dim is not None and x.shape[1] != dim):
        want = f"(N, {dim})" if dim is not None else "(N, D)"
        raise ValueError(f"expected {name} of shape {want} with N >= 1, got {tuple(x.shape)}")
    return x


@dataclass
class ModeCoverage:
    """The result of :func:`mode_coverage`: recall (modes reached) and precision (high quality), apart.

    Attributes
    ----------
    modes_reached : int
        **Recall.** Modes whose cell (the points nearer to this centre than to any other)
        receives at least ``min_count`` samples, however far from the centre they lie.
    n_modes : int
        Number of modes of the target.
    high_quality : float
        **Precision.** Fraction of all samples within ``threshold`` standard deviations of
        their nearest centre.
    modes_sharp : int
        Modes reached *and* sharp: at least ``min_count`` of their samples are high-quality.
        Never more than ``modes_reached``.
    counts : numpy.ndarray of int, shape (n_modes,)
        Samples per cell (nearest centre), at any distance.
    hq_counts : numpy.ndarray of int, shape (n_modes,)
        High-quality samples per mode.
    min_count : int
        Samples a mode needs to count as reached (or, high-quality ones, as sharp).
    threshold : float
        The high-quality radius, in standard deviations.
    """

    modes_reached: int
    n_modes: int
    high_quality: float
    modes_sharp: int
    counts: np.ndarray
    hq_counts: np.ndarray
    min_count: int
    threshold: float = 3.0

    @property
    def recall(self) -> float:
        """Fraction of the modes reached, ``modes_reached / n_modes``."""
        return self.modes_reached / self.n_modes

    @property
    def precision(self) -> float:
        """Fraction of samples that are high-quality (the same as ``high_quality``)."""
        return self.high_quality

    def __str__(self) -> str:
        return (f"{self.modes_reached}/{self.n_modes} modes reached, {100 * self.high_quality:.1f}% high-quality "
                f"samples, {self.modes_sharp}/{self.n_modes} modes reached and sharp")

    def as_dict(self) -> dict[str, float]:
        """``{"modes_reached", "high_quality", "modes_sharp"}`` as floats, e.g. for a training history."""
        return {"modes_reached": float(self.modes_reached), "high_quality": float(self.high_quality),
                "modes_sharp": float(self.modes_sharp)}


def mode_coverage(samples, centers, std: float, *, threshold: float = 3.0, min_share: float = 0.2) -> ModeCoverage:
    r"""Recall and precision of a generator on a mixture with known modes, measured apart.

    Each sample is assigned to its nearest mode centre, which splits the plane into K cells.

    * **Recall, modes reached**: a mode is *reached* if its cell receives at least
      ``min_share`` of its fair share of samples, :math:`m = \lceil \text{min\_share}
      \cdot N / K \rceil` for N samples and K modes, wherever in the cell they land. A
      generator that collapses reaches few modes; a diffuse cloud spread over the whole
      support reaches them all.
    * **Precision, high quality**: the fraction of samples within ``threshold * std`` of
      their nearest centre (Srivastava et al., 2017, VEEGAN, Sec. 5.1). A diffuse cloud
      scores low however many modes it reaches; a blob on one centre scores high.
    * **Reached and sharp**: modes with at least :math:`m` *high-quality* samples, the count
      that the VEEGAN and PacGAN papers report as "modes" (both quantities at once).

    With the defaults and 2,500 samples on the 25-grid, :math:`m = 20`, the rule of Lin et
    al. (2018, PacGAN, Sec. 5).

    Parameters
    ----------
    samples : torch.Tensor or numpy.ndarray, shape (N, D)
        Generated points.
    centers : torch.Tensor or numpy.ndarray, shape (K, D)
        Mode centres of the target, e.g. ``gancourse.ring8_centers()``.
    std : float
        Standard deviation of each mode, e.g. ``gancourse.RING8_STD``.
    threshold : float
        Distance, in standard deviations, within which a sample is high-quality.
    min_share : float
        Fraction of the fair share N / K a mode needs to count as reached (0 < min_share <= 1).

    Returns
    -------
    ModeCoverage
        ``modes_reached`` (and ``recall``), ``high_quality`` (and ``precision``),
        ``modes_sharp``, per-mode ``counts`` and ``hq_counts``.

    Notes
    -----
    For samples of the target itself, in 2-D, the distance to the centre over ``std`` follows
    a chi distribution with 2 degrees of freedom, so the high-quality fraction is
    :math:`1 - e^{-9/2} \approx 0.989` at the default threshold, and every mode is reached.

    References
    ----------
    Srivastava et al. (2017), VEEGAN, NeurIPS, Sec. 5.1. Lin et al. (2018), PacGAN, NeurIPS, Sec. 5.

    Examples
    --------
    >>> centers = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    >>> print(mode_coverage(torch.zeros(10, 2), centers, std=0.1))
    1/2 modes reached, 100.0% high-quality samples, 1/2 modes reached and sharp
    >>> print(mode_coverage(torch.tensor([[2.0, 0.0], [8.0, 0.0]]), centers, std=0.1))
    2/2 modes reached, 0.0% high-quality samples, 0/2 modes reached and sharp
    """
    c = _as_points("centers", centers)
    x = _as_points("samples", samples, dim=c.shape[1])  # same dimension as the mode centres
    std = _real("std (the standard deviation of one mode)", std, positive=True)
    threshold = _real("threshold", threshold, positive=True)
    if not 0 < min_share <= 1:
        raise ValueError(f"expected 0 < min_share <= 1 (a fraction of the fair share N / K), got {min_share!r}")
    distance, nearest = torch.cdist(x, c).min(dim=1)  # (N, K) -> (N,), (N,)
    good = distance <= threshold * std  # (N,)
    counts = torch.bincount(nearest, minlength=c.shape[0]).numpy()  # (K,) samples per cell
    hq_counts = torch.bincount(nearest[good], minlength=c.shape[0]).numpy()  # (K,) high-quality per mode
    min_count = max(1, math.ceil(min_share * x.shape[0] / c.shape[0]))
    return ModeCoverage(
        modes_reached=int((counts >= min_count).sum()),
        n_modes=c.shape[0],
        high_quality=float(good.float().mean()),
        modes_sharp=int((hq_counts >= min_count).sum()),
        counts=counts,
        hq_counts=hq_counts,
        min_count=min_count,
        threshold=float(threshold),
    )


def w1_per_axis(x, y) -> np.ndarray:
    r"""Wasserstein-1 distance between two samples, one coordinate at a time.

    .. math:: W_1^{(j)} = W_1(\text{law of } x_j, \text{law of } y_j), \quad j = 1..D

    Exact for each 1-D marginal (:func:`gancourse.distributions.wasserstein_1d`). Cheap and
    in the data's units, but blind to the joint structure: a ring and a square with the same
    marginals are at distance 0. :func:`mmd_rbf` sees the joint distribution.

    Parameters
    ----------
    x, y : torch.Tensor or numpy.ndarray, shape (N, D) and (M, D)
        Two samples (sizes may differ).

    Returns
    -------
    numpy.ndarray, shape (D,)
    """
    x = _as_points("x", x)
    y = _as_points("y", y, dim=x.shape[1])
    return np.array([float(wasserstein_1d(x[:, j], y[:, j])) for j in range(x.shape[1])])


def mmd_rbf(x, y, bandwidth: float = 1.0) -> float:
    r"""Squared maximum mean discrepancy with a Gaussian kernel (biased V-statistic).

    .. math::
        \mathrm{MMD}^2 = \overline{k(x, x')} + \overline{k(y, y')} - 2\,\overline{k(x, y)},
        \qquad k(a, b) = \exp\!\left(-\frac{\|a - b\|^2}{2 h^2}\right)

    with means over all pairs (Gretton et al., 2012, Eq. 5). Zero when the two samples are
    equal as sets; for a characteristic kernel like this one the population value is zero
    only when the distributions are equal.

    Parameters
    ----------
    x, y : torch.Tensor or numpy.ndarray, shape (N, D) and (M, D)
        Two samples.
    bandwidth : float
        The kernel width :math:`h`, in data units; pick it near the scale of the structure
        to compare (e.g. the distance between modes).

    Returns
    -------
    float
        :math:`\mathrm{MMD}^2 \ge 0`.
    """
    x = _as_points("x", x).double()
    y = _as_points("y", y, dim=x.shape[1]).double()
    if not bandwidth > 0:
        raise ValueError(f"expected bandwidth > 0, got {bandwidth!r}")

    def kernel_mean(a, b):
        return torch.exp(-torch.cdist(a, b).pow(2) / (2 * bandwidth**2)).mean()  # (N, M) -> ()

    return float(kernel_mean(x, x) + kernel_mean(y, y) - 2 * kernel_mean(x, y))


def toy_metrics(target: GaussianMixture, *, n_samples: int = 1000, seed: int = 0) -> Callable[[torch.nn.Module], dict]:
    """A ``metrics`` callable for :func:`gancourse.gan.train_gan` on a Gaussian-mixture target.

    Parameters
    ----------
    target : GaussianMixture
        The data distribution, e.g. ``gancourse.ring8()`` or ``gancourse.grid25()`` (equal
        standard deviations).
    n_samples : int
        Samples drawn from the generator (and the target) at each evaluation.
    seed : int
        Seeds z and the target sample, the same at every evaluation, so that a change in
        the numbers is a change in the generator.

    Returns
    -------
    callable
        ``metrics(generator) -> {"modes_reached", "high_quality", "modes_sharp", "w1"}`` (see
        :func:`mode_coverage`), where ``w1`` is the mean of :func:`w1_per_axis` to a target sample.
    """
    if not isinstance(target, GaussianMixture):
        raise TypeError(f"expected a GaussianMixture such as gancourse.ring8(), got {type(target).__name__}")
    std = float(target.stds[0])
    x_target = target.sample(n_samples, seed=seed)

    def metrics(generator: torch.nn.Module) -> dict[str, float]:
        x_fake = generate(generator, n_samples, seed=seed)
        coverage = mode_coverage(x_fake, target.centers, std)
        return {**coverage.as_dict(), "w1": float(w1_per_axis(x_fake, x_target).mean())}

    return metrics


def coverage_table(results: dict[str, list[ModeCoverage]], n_modes: int | None = None) -> str:
    """A text table of recall and precision over seeds: one row per setting.

    Parameters
    ----------
    results : dict of str to list of ModeCoverage
        For each setting (e.g. ``"ring8, k=1"``), one :func:`mode_coverage` result per seed.
    n_modes : int, optional
        Shown in the header; taken from the results by default.

    Returns
    -------
    str
        Columns, each per seed and then the mean over seeds: modes reached (recall),
        high-quality % (precision), modes reached and sharp (both).
    """
    if not results:
        raise ValueError("expected at least one setting in results, got an empty dict")
    n_seeds = max(len(runs) for runs in results.values())
    width = max(len(name) for name in results)
    reached_w, hq_w, sharp_w = max(3 * n_seeds, 18), max(6 * n_seeds, 19), max(3 * n_seeds, 20)
    lines = [f"{'':<{width}}  {'RECALL':<{reached_w + 10}}{'PRECISION':<{hq_w + 10}}BOTH",
             f"{'setting':<{width}}  {'modes reached/seed':<{reached_w}}  {'mean':<8}"
             f"{'high-quality %/seed':<{hq_w}}  {'mean':<8}{'reached & sharp/seed':<{sharp_w}}  mean"]
    for name, runs in results.items():
        if not runs:
            raise ValueError(f"expected at least one result for setting {name!r}, got an empty list")
        total = n_modes or runs[0].n_modes
        reached = [r.modes_reached for r in runs]
        hq = [100 * r.high_quality for r in runs]
        sharp = [r.modes_sharp for r in runs]
        lines.append(
            f"{name:<{width}}  {' '.join(f'{m:2d}' for m in reached):<{reached_w}}  "
            f"{f'{np.mean(reached):.1f}/{total}':<8}"
            f"{' '.join(f'{h:5.1f}' for h in hq):<{hq_w}}  {f'{np.mean(hq):.1f}%':<8}"
            f"{' '.join(f'{m:2d}' for m in sharp):<{sharp_w}}  {np.mean(sharp):.1f}/{total}"
        )
    return "\n".join(lines)


#: The settings compared by the mode-collapse study shipped as ``data/mode_collapse.pt``:
#: overrides of :class:`~gancourse.gan.ToyGANConfig` fields, plus ``n_critic`` and ``g_loss``.
STUDY_SETTINGS: dict[str, dict] = {
    "balanced: D lr = G lr = 1e-3": {},
    "G outruns D: D lr 1e-4": {"d_lr": 1e-4},
    "D lr 1e-4, k = 5 D steps per G step": {"d_lr": 1e-4, "n_critic": 5},
    "D lr 1e-4, PacGAN (pack 2)": {"d_lr": 1e-4, "pack": 2},
}

#: Training steps per run in the shipped study: the 25-mode grid needs longer than the ring.
STUDY_STEPS: dict[str, int] = {"ring8": 2000, "grid25": 5000}

_STUDY_TARGETS = {"ring8": ring8, "grid25": grid25}
_RECORDED = ("modes_reached", "high_quality", "modes_sharp")  # the keys of ModeCoverage.as_dict


@restores_global_rng
def mode_collapse_study(settings: dict[str, dict] | None = None, *, targets=("ring8", "grid25"), seeds=range(5),
                        steps: int | dict[str, int] | None = None, eval_every: int = 250, n_samples: int = 1000, progress: bool = True) -> dict:
    """Train toy GANs over several settings, targets and seeds; keep what measures mode collapse.

    One run per (target, setting, seed), each from its own seed, with :func:`toy_metrics`
    recorded every ``eval_every`` steps. This makes ``data/mode_collapse.pt``
    (``make checkpoints``; with the defaults, about 35 minutes of one CPU core).

    Parameters
    ----------
    settings : dict, optional
        Name -> overrides of :class:`~gancourse.gan.ToyGANConfig` fields, plus ``n_critic``
        (int) and ``g_loss`` (``"non-saturating"`` or ``"minimax"``). Default
        :data:`STUDY_SETTINGS`.
    targets : sequence of {"ring8", "grid25"}
    seeds : iterable of int
    steps : int or dict of str to int, optional
        Generator steps per run, or one number per target. Default :data:`STUDY_STEPS`.
    eval_every : int
        How often the metrics are recorded.
    n_samples : int
        Generated points kept from the end of each run.
    progress : bool
        A progress bar over the runs.

    Returns
    -------
    dict
        ``{"config": {...}, "results": {target: {setting: {"samples": (S, n_samples, 2) tensor,
        "modes_reached", "high_quality", "modes_sharp": (S, E) tensors, "eval_steps": [E ints]}}}}``
        with S seeds and E evaluations; plain types, loadable with ``weights_only=True``.
        (The shipped ``data/mode_collapse.pt`` predates the split and records one ``"modes"``
        series, the modes reached and sharp; :func:`study_coverage` recomputes everything
        from the final samples.)
    """
    settings = STUDY_SETTINGS if settings is None else settings
    seeds = list(seeds)
    steps = dict(STUDY_STEPS) if steps is None else steps
    steps = {t: steps for t in targets} if isinstance(steps, int) else dict(steps)
    losses = {"non-saturating": nonsaturating_generator_loss, "minimax": minimax_generator_loss}
    results: dict = {}
    runs = [(t, name, seed) for t in targets for name in settings for seed in seeds]
    for target_name, name, seed in progress_bar(runs, desc="runs", disable=not progress):
        if target_name not in _STUDY_TARGETS:
            raise ValueError(f"unknown target {target_name!r}; expected one of {sorted(_STUDY_TARGETS)}")
        target = _STUDY_TARGETS[target_name]()
        options = dict(settings[name])
        n_critic = options.pop("n_critic", 1)
        g_loss = losses[options.pop("g_loss", "non-saturating")]
        config = ToyGANConfig(**options)
        generator, discriminator, d_optimizer, g_optimizer = make_toy_gan(config, seed=seed)
        history = train_gan(
            generator, discriminator, target.sample, steps=steps[target_name], batch_size=config.batch_size,
            latent_dim=config.latent_dim, d_optimizer=d_optimizer, g_optimizer=g_optimizer, g_loss=g_loss,
            n_critic=n_critic, metrics=toy_metrics(target, n_samples=n_samples), eval_every=eval_every,
            progress=False, seed=seed,
        )
        entry = results.setdefault(target_name, {}).setdefault(
            name, {"samples": [], **{key: [] for key in _RECORDED}, "eval_steps": [s + 1 for s in history.metric_step]})
        entry["samples"].append(generate(generator, n_samples, seed=seed))
        for key in _RECORDED:
            entry[key].append(torch.tensor(history.metrics[key]))
    for per_target in results.values():
        for entry in per_target.values():
            for key in ("samples", *_RECORDED):
                entry[key] = torch.stack(entry[key])
    return {
        "config": {"settings": {k: dict(v) for k, v in settings.items()}, "targets": list(targets), "seeds": seeds,
                   "steps": {t: steps[t] for t in targets}, "eval_every": eval_every, "n_samples": n_samples},
        "results": results,
    }


def study_coverage(study: dict, target: str) -> dict[str, list[ModeCoverage]]:
    """:func:`mode_coverage` of the final samples of every run in a study, per setting.

    Parameters
    ----------
    study : dict
        As returned by :func:`mode_collapse_study` (or loaded from ``data/mode_collapse.pt``).
    target : {"ring8", "grid25"}

    Returns
    -------
    dict of str to list of ModeCoverage
        One result per seed for each setting, ready for :func:`coverage_table`.
    """
    if target not in study["results"]:
        raise ValueError(f"no target {target!r} in this study; expected one of {sorted(study['results'])}")
    mixture = _STUDY_TARGETS[target]()
    std = float(mixture.stds[0])
    return {
        name: [mode_coverage(samples, mixture.centers, std) for samples in entry["samples"]]
        for name, entry in study["results"][target].items()
    }


def frechet_distance(features_a, features_b) -> float:
    r"""Fréchet distance between Gaussians fitted to two sets of features (the "F" of FID).

    .. math::
        d^2 = \|\mu_a - \mu_b\|^2 + \operatorname{Tr}\!\left(\Sigma_a + \Sigma_b - 2 (\Sigma_a \Sigma_b)^{1/2}\right)

    (Heusel et al., 2017, Eq. 6; Dowson & Landau, 1982). The FID uses features of an
    Inception network trained on ImageNet; the course uses a small classifier trained on
    the real digits.

    Parameters
    ----------
    features_a, features_b : numpy.ndarray or torch.Tensor, shape (N, F) and (M, F)
        Features of two sets of samples (N, M > 1).

    Returns
    -------
    float
        :math:`d^2 \ge 0`, in squared feature units.
    """
    a = _as_points("features_a", features_a).double().numpy()
    b = _as_points("features_b", features_b, dim=a.shape[1]).double().numpy()
    if a.shape[0] < 2 or b.shape[0] < 2:
        raise ValueError(f"expected at least 2 samples in each set to estimate covariances, got {a.shape[0]} and {b.shape[0]}")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))  # (D, D), D = 1 too
    # Tr (S_a S_b)^{1/2} = sum of sqrt(eigenvalues of S_a^{1/2} S_b S_a^{1/2}), a symmetric PSD
    # matrix: eigh is stable even when the covariances are singular (e.g. dead ReLU features).
    w, v = np.linalg.eigh(cov_a)
    sqrt_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh(sqrt_a @ cov_b @ sqrt_a), 0, None)).sum()
    return float(max(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root, 0.0))


def classifier_score(probs, *, min_share: float = 0.2) -> dict[str, float]:
    r"""Recognisability and diversity of generated samples, read off a classifier's predictions.

    Parameters
    ----------
    probs : numpy.ndarray, shape (N, C)
        Class probabilities :math:`p(y \mid x)` that a classifier trained on real data gives
        to N generated samples.
    min_share : float
        A class counts as covered if at least ``min_share`` of its fair share ``N / C`` of
        samples is predicted as that class.

    Returns
    -------
    dict of str to float
        ``confidence``: mean of :math:`\max_y p(y \mid x)` (recognisable samples give values
        near 1). ``classes_covered``: number of covered classes (diversity).
        ``inception_score``: :math:`\exp\, \mathbb{E}_x \mathrm{KL}(p(y \mid x) \,\|\, p(y))`
        (Salimans et al., 2016), between 1 and C; high when each sample is confidently
        one class *and* the classes are balanced.

    Examples
    --------
    >>> classifier_score(np.eye(4))["inception_score"]  # four confident, different classes
    4.0
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ValueError(f"expected probabilities of shape (N, C), got {p.shape}; use classifier.predict_proba(x)")
    if (p < 0).any() or not np.allclose(p.sum(1), 1.0, atol=1e-4):
        raise ValueError("expected each row of probs to be a probability vector (non-negative, summing to 1)")
    n, n_classes = p.shape
    counts = np.bincount(p.argmax(1), minlength=n_classes)
    marginal = p.mean(0)  # p(y), shape (C,)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(p > 0, p * (np.log(p) - np.log(marginal)), 0.0).sum(1)  # (N,)
    return {
        "confidence": float(p.max(1).mean()),
        "classes_covered": float((counts >= max(1, math.ceil(min_share * n / n_classes))).sum()),
        "inception_score": float(np.exp(kl.mean())),
    }
