r"""Training the denoiser: one short loop for paired data that calls notebook 03's two steps.

Three objectives, all on the same FFDNet-style generator :math:`G(y, \sigma)`:

* ``"cnn"``: the pixel loss alone, :math:`L_G = \lVert G(y, \sigma) - x \rVert_2^2`
  (mean over pixels): supervised training, the PSNR-optimal choice.
* ``"gan"``: :math:`L_G = \lVert G(y,\sigma) - x\rVert^2 + \lambda\,(-\mathbb{E}\log D(G(y,\sigma)))`
  with a PatchGAN discriminator trained by binary cross-entropy on each patch's logit (notebook
  03's losses; the mean over patches is the expectation), as pix2pix does.
* ``"wgan"``: :math:`L_G = \lVert G(y,\sigma) - x\rVert^2 - \lambda\,\mathbb{E} f(G(y,\sigma))`
  with a PatchGAN critic trained by the WGAN-GP loss (notebook 04's losses and penalty).

``"gan"`` and ``"wgan"`` start from the ``"cnn"`` weights and fine-tune, as SRGAN does
(Ledig et al., 2017, pre-train with a pixel loss, then add the adversarial term).

A run is resumable: the checkpoint holds the config, the step, the network(s), the
optimizers, the learning-rate schedule, the patch sampler's random state and the log
(nanoGPT's ``train.py`` pattern). The same command with ``--resume`` goes on where it
stopped and gives the same numbers as an uninterrupted run on the same machine.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..gan import discriminator_loss, discriminator_step, generator_step, nonsaturating_generator_loss
from ..runtime import pick_device, progress, save_checkpoint
from ..wgan import critic_loss, generator_wasserstein_loss, penalty_hook
from .images import (
    _REPO,  # the repository root, where committed checkpoints' paths start
    BUNDLED_TRAINING_IMAGES,
    PatchSampler,
    bundled_image,
    default_training_dir,
    held_out_images,
    psnr,
    read_image_folder,
)
from .networks import FFDNetDenoiser, PatchDiscriminator

__all__ = ["DenoiserConfig", "OBJECTIVES", "pixel_loss", "train_denoiser", "validate", "load_training_images", "export_weights",
           "load_state", "build_generator", "precise_bn", "pretrain_record", "run_history", "PRECISE_BN_BATCHES"]

#: Batches that :func:`precise_bn` averages over, at each validation and at export.
PRECISE_BN_BATCHES = 100

OBJECTIVES = ("cnn", "gan", "wgan")


@dataclass
class DenoiserConfig:
    """Everything that defines a denoiser training run (saved in its checkpoint).

    Attributes
    ----------
    objective : {"cnn", "gan", "wgan"}
        Pixel loss only, or pixel + adversarial (BCE or WGAN-GP).
    features, depth, residual :
        The generator (:class:`~gancourse.denoising.networks.FFDNetDenoiser`).
    patch, batch_size : int
        Training crops of ``patch`` x ``patch`` pixels, ``batch_size`` per step.
    sigma_max : float
        Noise levels drawn per patch from U[0, sigma_max] (8-bit units).
    steps : int
        Length of the run: the cosine schedule decays from ``lr`` to ``lr_min`` over it.
    lr, lr_min : float
        Generator learning rates (Adam).
    adv_weight : float
        :math:`\\lambda`, weight of the adversarial term against the pixel MSE.
    d_lr : float
        Discriminator/critic learning rate (Adam, betas (0.5, 0.999) as in notebook 03;
        (0, 0.9) for the critic, Gulrajani et al.'s).
    gp_weight : float
        WGAN-GP's penalty weight (the paper's 10).
    d_features : int
        Width of the PatchGAN.
    d_patch_loss : bool
        ``"gan"``: binary cross-entropy on every patch's logit, averaged (pix2pix's PatchGAN
        loss), instead of on each image's mean logit.
    d_warmup : int
        ``"gan"``/``"wgan"``: discriminator (critic) steps against the frozen generator
        before the fine-tune starts, so that the adversarial term's first gradients come from
        a judge that has learned something rather than from random weights.
    seed : int
        Seeds the weights, the patch sampler and the training noise.
    eval_minutes : float
        Validation PSNR on the held-out images every this many minutes of training.
    eval_steps : int, optional
        Validate every this many steps instead (reproducible logs, e.g. in a notebook).
    """

    objective: str = "cnn"
    features: int = 64
    depth: int = 15
    residual: bool = True
    patch: int = 64
    batch_size: int = 32
    sigma_max: float = 75.0
    steps: int = 14000
    lr: float = 1e-3
    lr_min: float = 1e-5
    adv_weight: float = 1e-3
    d_lr: float = 1e-4
    gp_weight: float = 10.0
    d_features: int = 32
    d_patch_loss: bool = True
    d_warmup: int = 0
    seed: int = 0
    eval_minutes: float = 10.0
    eval_steps: int | None = None

    def __post_init__(self):
        if self.objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {self.objective!r}; expected one of {', '.join(OBJECTIVES)}")
        for name in ("patch", "batch_size", "steps", "features", "depth", "d_features"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"expected {name} to be a positive integer, got {value!r}")
        if self.patch % 8:
            raise ValueError(f"expected patch to be a multiple of 8 (the PatchGAN downsamples by 8), got {self.patch}")
        for name in ("lr", "lr_min", "d_lr", "eval_minutes", "sigma_max"):
            if not getattr(self, name) > 0:
                raise ValueError(f"expected {name} > 0, got {getattr(self, name)!r}")
        if self.eval_steps is not None and (isinstance(self.eval_steps, bool) or not isinstance(self.eval_steps, int)
                                            or self.eval_steps < 1):
            raise ValueError(f"expected eval_steps to be a positive integer or None, got {self.eval_steps!r}")
        if self.adv_weight < 0 or self.gp_weight < 0:
            raise ValueError("expected adv_weight and gp_weight >= 0")
        if isinstance(self.d_warmup, bool) or not isinstance(self.d_warmup, int) or self.d_warmup < 0:
            raise ValueError(f"expected d_warmup to be a non-negative integer, got {self.d_warmup!r}")

    @classmethod
    def from_dict(cls, data: dict) -> DenoiserConfig:
        """The config saved in a checkpoint; keys added since it was written take the values
        that the older code used (:data:`_BEFORE`), not today's defaults."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown config keys {unknown}; expected some of {sorted(names)}")
        return cls(**{**_BEFORE, **data})


#: How runs behaved before these config keys existed (mean-logit BCE, no warm-up).
_BEFORE = {"d_patch_loss": False, "d_warmup": 0}


def pixel_loss(x_fake: torch.Tensor, x_clean: torch.Tensor) -> torch.Tensor:
    r"""The pixel loss :math:`\frac{1}{NCHW}\sum (\hat x - x)^2`, mean squared error (``F.mse_loss``)."""
    return F.mse_loss(x_fake, x_clean)


def build_generator(config: DenoiserConfig) -> FFDNetDenoiser:
    return FFDNetDenoiser(features=config.features, depth=config.depth, residual=config.residual)


def load_training_images(data: str | os.PathLike | None = None) -> tuple[list[np.ndarray], str]:
    """The training images and a description: ``data`` if given, else Train400, else bundled ones.

    ``data="bundled"`` always takes scikit-image's :data:`BUNDLED_TRAINING_IMAGES` (what
    notebook 05's live run uses, so that it gives the same numbers with or without Train400).
    """
    if data == "bundled":
        return [bundled_image(n) for n in BUNDLED_TRAINING_IMAGES], "scikit-image samples " + ", ".join(BUNDLED_TRAINING_IMAGES)
    if data is not None:
        return read_image_folder(data), str(data)
    folder = default_training_dir()
    if folder is not None:
        return read_image_folder(folder), "Train400 (../shared/data/Train400)"
    return load_training_images("bundled")


@torch.no_grad()
def validate(generator: FFDNetDenoiser, images: dict[str, np.ndarray], sigma: float = 25.0, seed: int = 0) -> float:
    """Mean PSNR (dB) of ``generator`` on ``images`` at noise level ``sigma``, with the course's protocol."""
    from .images import add_noise

    was_training = generator.training
    generator.eval()
    device = next(generator.parameters()).device
    scores = []
    try:
        for i, clean in enumerate(images.values()):
            noisy = add_noise(clean, sigma, seed=seed + i)
            y = torch.as_tensor(noisy, dtype=torch.float32, device=device)[None, None]
            out = generator(y, sigma)[0, 0].double().cpu().numpy()
            scores.append(psnr(clean, out))
    finally:
        generator.train(was_training)
    return float(np.mean(scores))


def _save(path: Path, state: dict) -> None:
    """Write ``state`` atomically and check it loads back (:func:`gancourse.runtime.save_checkpoint`)."""
    save_checkpoint(state, path, overwrite=True)


def _optim_path(path: Path, player: str = "g") -> Path:
    # Optimizer moments live in sibling files, one per player (the generator's Adam moments
    # are 3.9 MB, the discriminator's 2.5 MB), so that each file stays under the 5 MB the
    # repository allows in data/ and the weights can be read without them.
    return path.with_name(path.stem + (".optim" if player == "g" else ".d_optim") + path.suffix)


def load_state(path: str | os.PathLike, *, with_optimizer: bool = True) -> dict:
    """Read a training checkpoint written by :func:`train_denoiser` (``weights_only=True``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no training checkpoint at {path}; expected a file written by train-denoiser --out")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or "config" not in state or "generator" not in state:
        raise ValueError(f"{path} is not a denoiser training checkpoint (no config/generator inside)")
    for player in ("g", "d"):
        sibling = _optim_path(path, player)
        if with_optimizer and sibling.is_file():
            optim = torch.load(sibling, map_location="cpu", weights_only=True)
            if optim.get("step") != state["step"]:
                raise ValueError(f"{sibling} is from step {optim.get('step')}, {path} from step "
                                 f"{state['step']}; the files were not written together")
            state.update(optim["optimizers"])
    return state


def train_denoiser(
    config: DenoiserConfig,
    out: str | os.PathLike,
    *,
    data: str | os.PathLike | None = None,
    minutes: float | None = None,
    until_step: int | None = None,
    resume: str | os.PathLike | None = None,
    init_from: str | os.PathLike | None = None,
    device: str = "auto",
    log: str | os.PathLike | None = None,
    progress_bar: bool = True,
    validation: dict[str, np.ndarray] | None = None,
) -> dict:
    """Train (or resume training) a denoiser; checkpoints to ``out`` as it goes.

    Parameters
    ----------
    config : DenoiserConfig
        The run. Ignored when resuming (the checkpoint's config is used).
    out : path-like
        The checkpoint, rewritten every ``config.eval_minutes`` and at the end.
    data : path-like, optional
        A folder of training images; default Train400, else scikit-image samples.
    minutes : float, optional
        Stop after this much wall time (checkpointing first); resume later with ``resume``.
    until_step : int, optional
        Stop at this step (checkpointing first), e.g. to split a run in two.
    resume : path-like, optional
        A checkpoint to continue from (usually ``out`` itself).
    init_from : path-like, optional
        A checkpoint or weights file whose generator starts the run: required for ``"gan"`` and
        ``"wgan"`` (they fine-tune a trained ``"cnn"``), optional for ``"cnn"``.
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"``...
    log : path-like, optional
        Append one JSON line per validation to this file.
    validation : dict, optional
        Images to validate on (default: the held-out photographs). The log reports them;
        nothing is selected on them: the run's last weights are what it returns.

    Returns
    -------
    dict
        The final checkpoint's contents.

    Notes
    -----
    Two clocks are logged. ``minutes`` (checkpoint ``elapsed``) is wall time spent in training
    steps, so it also counts any time the process was stopped (``kill -STOP``) or starved by
    other work. ``cpu_minutes`` (``cpu_elapsed``) is the CPU time of the process over the
    same steps, every thread summed (``time.process_time``): a stopped process adds none, so
    it measures the work done; with ``t`` busy threads it runs about ``t`` times faster than
    the wall clock. A run resumed from a checkpoint written before this clock existed counts
    it from the resumed step on (``cpu_from_step``).
    """
    out = Path(out)
    dev = pick_device(device)
    # -- 1. the run's state: fresh, or read back from a checkpoint -----------------------
    state = load_state(resume) if resume is not None else None
    if state is not None:
        config = DenoiserConfig.from_dict(state["config"])
    torch.manual_seed(config.seed)
    generator = build_generator(config)
    adversarial = config.objective != "cnn"
    reduce = "patches" if config.objective == "gan" and config.d_patch_loss else "mean"
    discriminator = PatchDiscriminator(features=config.d_features, reduce=reduce) if adversarial else None
    if state is None and adversarial and init_from is None:
        raise ValueError(f"objective {config.objective!r} fine-tunes a trained 'cnn': pass init_from= "
                         "(--init-from FILE), e.g. data/weights/cnn.pt")
    if state is None and init_from is not None:  # fine-tune (gan, wgan) or continue (cnn) trained weights
        generator.load_state_dict(_generator_weights(init_from))
    images, data_desc = load_training_images(data)
    sampler = PatchSampler(images, patch=config.patch, sigma_range=(0.0, config.sigma_max), seed=config.seed)
    generator.to(dev, memory_format=torch.channels_last)
    g_opt = torch.optim.Adam(generator.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(g_opt, T_max=config.steps, eta_min=config.lr_min)
    d_opt = None
    if adversarial:
        discriminator.to(dev, memory_format=torch.channels_last)
        betas = (0.5, 0.999) if config.objective == "gan" else (0.0, 0.9)
        d_opt = torch.optim.Adam(discriminator.parameters(), lr=config.d_lr, betas=betas)
    step, elapsed, log_rows, d_warmed = 0, 0.0, [], 0
    cpu_elapsed, cpu_from = 0.0, 0  # process CPU time over the training steps, and the step it counts from
    if state is not None:
        generator.load_state_dict(state["generator"])
        g_opt.load_state_dict(state["g_optimizer"])
        schedule.load_state_dict(state["schedule"])
        sampler.load_state_dict(state["sampler"])
        torch.set_rng_state(state["torch_rng"])
        if adversarial:
            discriminator.load_state_dict(state["discriminator"])
            d_opt.load_state_dict(state["d_optimizer"])
        step, elapsed, log_rows = state["step"], state["elapsed"], list(state["log"])
        d_warmed = state.get("d_warmed", 0)
        if "cpu_elapsed" in state:
            cpu_elapsed, cpu_from = state["cpu_elapsed"], state["cpu_from"]
        else:  # a checkpoint from before the CPU clock: count from here
            cpu_from = step
    validation = held_out_images() if validation is None else validation
    init_desc = state.get("init_from") if state is not None else (None if init_from is None else str(init_from))
    pretrain = state.get("pretrain") if state is not None else (None if init_from is None else pretrain_record(init_from))

    # -- 2. the two losses of this objective, as notebook 03-04's steps expect them ---------
    if config.objective == "gan":
        d_loss, penalty = discriminator_loss, None
        def g_adv(s):
            return config.adv_weight * nonsaturating_generator_loss(s)
    elif config.objective == "wgan":
        d_loss, penalty = critic_loss, penalty_hook(config.gp_weight)
        def g_adv(s):
            return config.adv_weight * generator_wasserstein_loss(s)

    def checkpoint() -> dict:
        full = {
            "config": dataclasses.asdict(config), "step": step, "elapsed": elapsed, "log": log_rows,
            "generator": {k: v.detach().cpu() for k, v in generator.state_dict().items()},
            "schedule": schedule.state_dict(), "sampler": sampler.state_dict(),
            "torch_rng": torch.get_rng_state(), "data": data_desc, "device": str(dev), "init_from": init_desc,
            "pretrain": pretrain, "torch": str(torch.__version__), "threads": torch.get_num_threads(),
            "d_warmed": d_warmed, "cpu_elapsed": cpu_elapsed, "cpu_from": cpu_from,
        }
        _save(_optim_path(out), {"step": step, "optimizers": {"g_optimizer": g_opt.state_dict()}})
        if adversarial:
            full["discriminator"] = {k: v.detach().cpu() for k, v in discriminator.state_dict().items()}
            _save(_optim_path(out, "d"), {"step": step, "optimizers": {"d_optimizer": d_opt.state_dict()}})
        _save(out, full)
        return full

    def adversarial_gradients() -> dict:
        """How hard each term pulls on the output: the norm of the gradient of the weighted adversarial
        term with respect to the generator's output, over that of the pixel loss, on one fixed batch."""
        if not adversarial:
            return {}
        probe = copy.deepcopy(generator)  # a train-mode forward would move the run's batch-norm statistics
        clean, noisy, sigma = _bn_sampler(images, config)(config.batch_size)
        x_fake = probe(noisy.to(dev, memory_format=torch.channels_last), sigma.to(dev))
        pixel_grad = torch.autograd.grad(pixel_loss(x_fake, clean.to(dev)), x_fake, retain_graph=True)[0]
        adv_grad = torch.autograd.grad(g_adv(discriminator(x_fake)), x_fake)[0]
        return {"grad_ratio_adv_pixel": float(f"{float(adv_grad.norm() / pixel_grad.norm()):.4g}")}

    def evaluate() -> None:
        row = {"step": step, "minutes": round(elapsed / 60, 2), "cpu_minutes": round(cpu_elapsed / 60, 2),
               **({"cpu_from_step": cpu_from} if cpu_from else {}), "lr": schedule.get_last_lr()[0],
               "val_psnr_25": round(validate(generator, validation, 25.0), 3),
               # the same weights with batch-norm statistics re-estimated for them (precise_bn), on a copy
               # and from a private sampler, so that the run itself is unchanged
               "val_psnr_25_precise_bn": round(validate(precise_bn(
                   copy.deepcopy(generator), _bn_sampler(images, config), batch_size=config.batch_size),
                   validation, 25.0), 3),
               "train_mse": float(np.mean(recent)) if recent else math.nan,
               "patches_per_s": round(patches_seen / max(time.perf_counter() - t_start, 1e-9), 1),
               **adversarial_gradients()}
        log_rows.append(row)
        if log is not None:
            with open(log, "a") as fh:
                fh.write(json.dumps(row) + "\n")
        bar.set_postfix(val_psnr=row["val_psnr_25"], precise_bn=row["val_psnr_25_precise_bn"], lr=f"{row['lr']:.2e}")

    def batch(source=sampler):
        clean, noisy, sigma = source(config.batch_size)
        clean = clean.to(dev, memory_format=torch.channels_last)
        noisy = noisy.to(dev, memory_format=torch.channels_last)
        return clean, (noisy, sigma.to(dev))  # z: what the generator takes, the noisy patch and its noise level

    # -- 3. the loop: discriminator step (adversarial objectives), generator step ---------
    t_start, patches_seen, recent = time.perf_counter(), 0, []
    deadline = None if minutes is None else time.perf_counter() + 60.0 * minutes
    bar = progress(total=config.steps, initial=step, desc=f"train {config.objective}", disable=not progress_bar)
    if not log_rows:
        evaluate()
    if adversarial and step == 0 and d_warmed < config.d_warmup:
        # the judge learns first, against the generator as it starts (which does not move), on
        # patches of its own, so that the fine-tune itself sees the same patches as the control
        t0, c0 = time.perf_counter(), time.process_time()
        warm_patches = PatchSampler(images, patch=config.patch, sigma_range=(0.0, config.sigma_max),
                                    seed=config.seed + 2)
        for _ in progress(range(config.d_warmup), desc=f"{config.objective}: discriminator warm-up",
                          disable=not progress_bar):
            clean, z = batch(warm_patches)
            discriminator_step(discriminator, generator, clean, z, d_opt, d_loss, penalty=penalty)
        d_warmed = config.d_warmup
        elapsed += time.perf_counter() - t0
        cpu_elapsed += time.process_time() - c0
        after = {"d_warmup": d_warmed,
                 "grad_ratio_adv_pixel_after_warmup": adversarial_gradients()["grad_ratio_adv_pixel"]}
        log_rows[-1] = {**log_rows[-1], **after}
        if log is not None:
            with open(log, "a") as fh:
                fh.write(json.dumps({"step": step, **after}) + "\n")
        checkpoint()
    last_eval = elapsed
    while step < config.steps:
        t0, c0 = time.perf_counter(), time.process_time()
        clean, z = batch()

        if adversarial:
            discriminator_step(discriminator, generator, clean, z, d_opt, d_loss, penalty=penalty)

        def pixel(x_fake, clean=clean):
            return pixel_loss(x_fake, clean)

        g_out = generator_step(discriminator, generator, z, g_opt, g_adv if adversarial else None, extra=pixel)
        schedule.step()
        step += 1
        patches_seen += config.batch_size
        recent = (recent + [g_out["extra"]])[-200:]
        elapsed += time.perf_counter() - t0
        cpu_elapsed += time.process_time() - c0
        bar.update(1)
        if not math.isfinite(g_out["loss"]):
            checkpoint()
            raise FloatingPointError(f"the generator's loss became {g_out['loss']} at step {step}; lower lr "
                                     f"(now {schedule.get_last_lr()[0]:.2e}) or adv_weight and resume from {out}")
        due = (step % config.eval_steps == 0) if config.eval_steps else (elapsed - last_eval >= 60.0 * config.eval_minutes)
        if due or step == config.steps:
            evaluate()
            checkpoint()
            last_eval = elapsed
        if (deadline is not None and time.perf_counter() > deadline) or step == until_step:
            break
    bar.close()
    if not log_rows or log_rows[-1]["step"] != step:
        evaluate()
    return checkpoint()


def _bn_sampler(images, config: DenoiserConfig) -> PatchSampler:
    """The training patches that :func:`precise_bn` reads: the run's own kind, from a private seed."""
    return PatchSampler(images, patch=config.patch, sigma_range=(0.0, config.sigma_max), seed=config.seed + 1)


def precise_bn(generator: torch.nn.Module, sampler: PatchSampler, *, batches: int = PRECISE_BN_BATCHES,
               batch_size: int = 32) -> torch.nn.Module:
    r"""Re-estimate every batch-norm layer's statistics for the weights as they are (PreciseBN).

    In training, each BatchNorm layer keeps running averages of its batch statistics with
    momentum 0.1, so they mostly reflect the last few dozen batches, taken while the weights
    were still moving. Under a high learning rate they lag the weights, and the network in
    eval mode scores far below what its weights can do: the long cnn run's checkpoint at
    step 7,068 scored 24.99 dB at σ = 25 with its own statistics and 29.99 dB after this
    (100 batches). The weights are not touched: each layer's statistics are reset, then
    averaged over ``batches`` fresh batches from ``sampler`` with equal weight (torch's
    cumulative average, ``momentum=None``), in train mode, without gradients (Wu & Johnson,
    2021, "Rethinking 'Batch' in BatchNorm", arXiv:2105.07576; SWA's ``update_bn``).

    Returns the generator, in eval mode. ``sampler`` should be a private one (its own seed),
    so that a training run's random stream is not consumed.
    """
    norms = [m for m in generator.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return generator.eval()
    if batches < 1:
        raise ValueError(f"expected at least one batch to estimate the statistics from, got batches={batches}")
    device = next(generator.parameters()).device
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average: every batch counts the same
    generator.train()
    try:
        with torch.no_grad():
            for _ in range(batches):
                _, noisy, sigma = sampler(batch_size)
                generator(noisy.to(device, memory_format=torch.channels_last), sigma.to(device))
    finally:
        for m, momentum in zip(norms, momenta, strict=True):
            m.momentum = momentum
    return generator.eval()


def pretrain_record(init_from: str | os.PathLike) -> dict | None:
    """What a fine-tune starts from, frozen: the starting run's step, schedule length and log.

    ``init_from`` is a training checkpoint (its own step and validation log are taken) or a
    shipped weights file (its ``pretrain`` record is passed on, if it has one). Stored in the
    fine-tune's checkpoints and in its exported weights, so that the weights describe their
    start even after that run's checkpoint has moved on.

    A warm restart (a run started with ``init_from`` another finished run) has a record of its
    own start; it is kept under ``"earlier"``, so that the chain of records reaches back to the
    run that started from random weights (``"earlier": None``). :func:`run_history` reads it.
    """
    obj = torch.load(init_from, map_location="cpu", weights_only=True)
    if isinstance(obj, dict) and "step" in obj and "log" in obj:  # a train-denoiser checkpoint
        return {"checkpoint": str(init_from), "objective": obj["config"]["objective"], "step": obj["step"],
                "steps": obj["config"]["steps"], "log": list(obj["log"]), "earlier": obj.get("pretrain")}
    return obj.get("pretrain") if isinstance(obj, dict) else None


def _with_earlier(record: dict | None) -> dict | None:
    """``record`` with its ``"earlier"`` chain filled in where it was frozen without one.

    Records made before ``"earlier"`` existed lack it; the checkpoint they name still holds
    its own start record (a checkpoint's ``pretrain`` never changes as it trains on), so it
    is read from there: relative to the working directory, else to the repository. Left
    ``None`` when that checkpoint is gone.
    """
    if record is None:
        return None
    if "earlier" in record:
        return {**record, "earlier": _with_earlier(record["earlier"])}
    earlier = None
    path = find_checkpoint(record["checkpoint"])
    if path is not None:
        obj = torch.load(path, map_location="cpu", weights_only=True)
        earlier = obj.get("pretrain") if isinstance(obj, dict) else None
    return {**record, "earlier": _with_earlier(earlier)}


def find_checkpoint(name: str | os.PathLike) -> Path | None:
    """The file a recorded checkpoint path names: as typed (relative to the working directory),
    else relative to the repository, where committed checkpoints' paths start; ``None`` if neither exists."""
    for path in (Path(name), _REPO / name):
        if path.is_file():
            return path
    return None


def run_history(record: dict | None) -> list[dict]:
    """The runs behind a :func:`pretrain_record`, oldest first: one record per training cycle.

    For shipped weights made from a warm restart this is ``[first cycle, second cycle, ...]``;
    each entry is the record itself (``checkpoint``, ``step``, ``steps``, ``log``), without
    its ``"earlier"`` link.
    """
    chain = []
    while record is not None:
        chain.append({k: v for k, v in record.items() if k != "earlier"})
        record = record.get("earlier")
    return chain[::-1]


def _generator_weights(path: str | os.PathLike) -> dict:
    """The generator's state dict from a training checkpoint or a shipped weights file."""
    obj = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(obj, dict) and "generator" in obj:
        return obj["generator"]
    raise ValueError(f"{path} holds no generator weights (expected a train-denoiser checkpoint or data/weights file)")


#: What :func:`export_weights` measures and records in every manifest.
_MANIFEST_KEYS = ("objective", "command", "data", "steps", "schedule_steps", "wall_minutes", "cpu_minutes", "device",
                  "threads", "torch", "init_from", "val_psnr_sigma25", "val_psnr_sigma25_logged", "batch_norm_statistics",
                  "patches_per_s", "val_images")


def export_weights(checkpoint: str | os.PathLike, out: str | os.PathLike, *, command: str,
                   overwrite: bool = False, data: str | os.PathLike | None = None,
                   bn_batches: int = PRECISE_BN_BATCHES, extra: dict | None = None) -> dict:
    """Write the shipped weights file for a finished run: the generator and its manifest.

    The manifest records what made the weights: the command, the data, the steps and wall
    and CPU time, the device and threads, and the validation PSNR (held-out photographs, σ = 25)
    logged at the end. The generator is stored in float32 (about 2 MB), with the run's
    validation log and, for a fine-tune, :func:`pretrain_record` of the run it started from.

    Parameters
    ----------
    checkpoint : path-like
        A training checkpoint written by :func:`train_denoiser`.
    out : path-like
        Usually ``data/weights/{cnn,gan,wgan}.pt``.
    command : str
        The command line(s) that produced the checkpoint, for the manifest.
    overwrite : bool
        Replace an existing file.
    data, bn_batches
        Before writing, the batch-norm statistics are re-estimated for the final weights
        (:func:`precise_bn`) over ``bn_batches`` batches of training patches from ``data``
        (as in :func:`load_training_images`; 0 keeps the checkpoint's statistics), and the
        validation PSNR in the manifest is measured on the weights as written.
    extra : dict, optional
        More manifest entries (e.g. how the adversarial weight was chosen); they may not
        replace the measured ones.
    """
    clash = set(extra or {}) & set(_MANIFEST_KEYS)
    if clash:
        raise ValueError(f"extra manifest entries {sorted(clash)} would replace measured ones; give them other names")
    state = load_state(checkpoint, with_optimizer=False)
    out = Path(out)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass overwrite=True to replace it")
    last = state["log"][-1]
    config = DenoiserConfig.from_dict(state["config"])
    generator = build_generator(config)
    generator.load_state_dict(state["generator"])
    bn_note = "the training run's running averages"
    if bn_batches:
        images, data_desc = load_training_images(data)
        precise_bn(generator, _bn_sampler(images, config), batches=bn_batches, batch_size=config.batch_size)
        bn_note = (f"re-estimated for the final weights (precise_bn): {bn_batches} batches of {config.batch_size} "
                   f"{config.patch}x{config.patch} patches from {data_desc}")
    generator.eval()
    weights = {k: v.detach().cpu() for k, v in generator.state_dict().items()}
    manifest = {
        "objective": state["config"]["objective"], "command": command, "data": state["data"],
        "steps": state["step"], "schedule_steps": state["config"]["steps"],
        "wall_minutes": round(state["elapsed"] / 60.0, 1), "device": state["device"],
        # CPU time over the steps, all threads summed (None for runs from before that clock);
        # "cpu_from_step" in the log says where a resumed old run started counting it
        "cpu_minutes": round(state["cpu_elapsed"] / 60.0, 1) if "cpu_elapsed" in state else None,
        "threads": state.get("threads"), "torch": state["torch"], "init_from": state.get("init_from"),
        "val_psnr_sigma25": round(validate(generator, held_out_images(), 25.0), 3),
        "val_psnr_sigma25_logged": last["val_psnr_25"], "batch_norm_statistics": bn_note,
        "patches_per_s": last.get("patches_per_s"), "val_images": "held-out photographs (logged, not selected on)",
    }
    assert set(manifest) == set(_MANIFEST_KEYS)
    manifest.update(extra or {})
    _save(out, {"config": state["config"], "generator": weights, "manifest": manifest,
                "log": state["log"], "pretrain": _with_earlier(state.get("pretrain"))})
    return manifest
