"""Choose the adversarial weight and write notebook 05's shipped weights, from finished runs.

    python scripts/ship_denoisers.py              # measure, choose, write data/weights/{cnn,gan,wgan}.pt
    python scripts/ship_denoisers.py --dry-run    # measure and choose only; write nothing in data/weights

Run it after ``scripts/finish_denoiser.sh`` has finished. It reads data/training/:
``ft_cnn.pt`` (the control: the fine-tune without the adversarial term) and every finished
``ft_gan_<lambda>.pt`` / ``ft_wgan_<lambda>.pt``. Each is exported with batch-norm
statistics re-estimated for its final weights (``export_weights``) to runs/candidates/,
measured on the selection images (never the benchmark's, see
``gancourse.denoising.selection``) at sigma 25, and one lambda per objective is chosen by the
rule fixed there. The control becomes data/weights/cnn.pt, so that cnn, gan and wgan have
seen the same steps. Then run ``python benchmarks/denoise.py --methods cnn gan wgan --merge``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gancourse.denoising import selection  # noqa: E402
from gancourse.denoising.api import WEIGHTS_DIR  # noqa: E402
from gancourse.denoising.images import default_training_dir  # noqa: E402
from gancourse.denoising.train import _save, export_weights, find_checkpoint, load_state  # noqa: E402
from gancourse.runtime import progress, set_threads  # noqa: E402

#: How the long run was started (data/weights/cnn.pt's manifest since step 0) and finished.
LONG_RUN = ("GANCOURSE_THREADS=1 python -m gancourse train-denoiser --objective cnn --steps 14000 --minutes 150 "
            "--out data/training/cnn.pt --log logs/cnn.jsonl, resumed with --resume data/training/cnn.pt across "
            "sessions to step 14000 (last by GANCOURSE_THREADS=2 scripts/finish_denoiser.sh)")
CANDIDATE = re.compile(r"ft_(gan|wgan)_([0-9.eE+-]+)\.pt")  # not the .optim.pt / .d_optim.pt siblings


def finished(path: Path) -> bool:
    state = torch.load(path, map_location="cpu", weights_only=True)
    return state["step"] >= state["config"]["steps"]


def _shown(path) -> str:
    """``path`` relative to the repository when it is inside it (as the commands are typed)."""
    path = Path(path)
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def fine_tune_command(path: Path) -> str:
    """The train-denoiser line that made the checkpoint ``path`` from another (from its saved config)."""
    state = load_state(path, with_optimizer=False)
    config = state["config"]
    adv = "" if config["objective"] == "cnn" else f" --adv-weight {config['adv_weight']:g}"
    warm = f" --d-warmup {config['d_warmup']}" if config.get("d_warmup") else ""
    seed = f" --seed {config['seed']}" if config["seed"] else ""
    return (f"python -m gancourse train-denoiser --objective {config['objective']} --init-from {state['init_from']} "
            f"--steps {config['steps']} --lr {config['lr']:g}{adv}{warm}{seed} --out {_shown(path)}")


def long_run_command(long_run: Path) -> str:
    """How the long run ``long_run`` was made: the first cycle, then each warm restart, oldest first.

    A warm restart names the run it started from (``init_from``, as typed: relative to the
    working directory or to the repository), whose own command comes before it.
    """
    init_from = load_state(long_run, with_optimizer=False)["init_from"]
    if init_from is None:
        return LONG_RUN
    earlier = find_checkpoint(init_from) or Path(init_from)  # a missing one: load_state says so
    return f"{long_run_command(earlier)}; then a warm restart: {fine_tune_command(long_run)}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--training", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--candidates", type=Path, default=ROOT / "runs" / "candidates")
    parser.add_argument("--weights", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--data", help="training images for the batch-norm statistics (default: Train400)")
    parser.add_argument("--sigma", type=float, default=25.0)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    set_threads("conv")

    long_run = args.training / "cnn.pt"
    control = args.training / "ft_cnn.pt"
    for path in (long_run, control):
        if not path.is_file() or not finished(path):
            raise SystemExit(f"expected a finished run at {path}; run scripts/finish_denoiser.sh to finish it")
    runs = {"cnn": {None: control}}
    for path in sorted(args.training.glob("ft_*.pt")):
        m = CANDIDATE.fullmatch(path.name)
        if m is None:
            continue
        if not finished(path):
            print(f"skipping {path}: not finished (run scripts/finish_denoiser.sh again)")
            continue
        runs.setdefault(m.group(1), {})[float(m.group(2))] = path
    missing = [obj for obj in ("gan", "wgan") if obj not in runs]
    if missing:
        raise SystemExit(f"expected at least one finished fine-tune for {' and '.join(missing)} in {args.training} "
                         "(ft_<objective>_<lambda>.pt); run scripts/finish_denoiser.sh")

    if args.data is None and default_training_dir() is None:
        raise SystemExit("expected ../shared/data/Train400 (or --data DIR) for the batch-norm statistics; without "
                         "it they would come from the bundled pictures, which are the selection images")
    args.candidates.mkdir(parents=True, exist_ok=True)
    images = selection.selection_images()
    measured, files, commands = {}, {}, {}
    jobs = [(obj, lam, path) for obj, by_lam in runs.items() for lam, path in by_lam.items()]
    for obj, _lam, path in progress(jobs, desc="export and measure"):
        commands[path] = f"{long_run_command(long_run)}; then {fine_tune_command(path)}"
        files[path] = args.candidates / path.name
        export_weights(path, files[path], command=commands[path], overwrite=True, data=args.data)
        noisy, outputs = selection.denoise_all(files[path], obj, images, args.sigma)
        measured[path] = selection.scores(images, outputs)
        if obj == "cnn":
            control_noisy, control_outputs = noisy, outputs
    for path, row in measured.items():
        if path != control:
            base = selection.noise_baseline(images, control_noisy, control_outputs, row["texture_distance"])
            row["baseline_psnr"] = None if base is None else base["psnr"]
            row["baseline_alpha"] = None if base is None else base["alpha"]

    print(f"\nselection images ({', '.join(selection.SELECTION_IMAGES)}), sigma {args.sigma:g}:")
    print(f"{'run':<18} {'PSNR dB':>8} {'texture':>8} {'distance':>9} {'noise put back':>16}")
    for path, row in measured.items():
        base = "" if path == control else ("never as close" if row["baseline_psnr"] is None
                                           else f"{row['baseline_psnr']:.2f} (a={row['baseline_alpha']:.2f})")
        print(f"{path.name:<18} {row['psnr']:>8.2f} {row['hf_ratio']:>8.3f} {row['texture_distance']:>9.3f} {base:>16}")

    chosen = {"cnn": (control, {"rule": "the control: the fine-tune without the adversarial term"})}
    for obj in ("gan", "wgan"):
        lam, qualified, why = selection.choose_adversarial_weight(
            measured[control], {lam: measured[path] for lam, path in runs[obj].items()})
        print(f"{obj}: {why}" + ("" if qualified else "  [fallback: the rule chose none]"))
        chosen[obj] = (runs[obj][lam], {
            "rule": selection.RULE, "qualified": qualified, "reason": why,
            "lambda": lam, "sigma": args.sigma, "images": list(selection.SELECTION_IMAGES),
            "measured": {f"{p.name}": measured[p] for p in runs[obj].values()},
            "control": {control.name: measured[control]},
        })
    if args.dry_run:
        print("\n--dry-run: nothing written to", args.weights)
        return 0
    for obj, (path, record) in chosen.items():
        shipped = torch.load(files[path], map_location="cpu", weights_only=True)
        shipped["manifest"]["selection"] = record
        out = args.weights / f"{obj}.pt"
        _save(out, shipped)
        print(f"wrote {out} from {path.name} (val PSNR at sigma 25 on the held-out photos: "
              f"{shipped['manifest']['val_psnr_sigma25']:.2f} dB)")
    print("\nnext, on an idle machine: python benchmarks/denoise.py (every method, one run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
