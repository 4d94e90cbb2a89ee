"""The ``gancourse`` command: ``denoise``, ``add-noise`` and ``train-denoiser``.

A thin shell over the public functions: argument parsing, input checks, atomic writes.
Every error is one line on stderr and exit code 2, with no output file left behind.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXAMPLES = """examples:
  gancourse add-noise photo.png -o noisy.png --sigma 25 --seed 0
  gancourse denoise noisy.png -o clean.png                  # CNN, noise level estimated
  gancourse denoise noisy.png -o clean.png --method gan --sigma 25
  gancourse train-denoiser --objective cnn --minutes 60 --out runs/cnn.pt
  gancourse train-denoiser --resume runs/cnn.pt --out runs/cnn.pt --minutes 60
  python -m gancourse denoise --help
"""


class CLIError(Exception):
    """A user error: printed as one line, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gancourse", description="The GAN course's image denoiser.",
                                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train-denoiser", help="train (or resume) a denoiser: cnn, gan or wgan",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("--objective", choices=("cnn", "gan", "wgan"), default="cnn")
    t.add_argument("--data", help="folder of clean training images (default: ../shared/data/Train400, "
                                  "else scikit-image samples)")
    t.add_argument("--steps", type=int, help="length of the run (the cosine schedule's); default from the config")
    t.add_argument("--minutes", type=float, help="stop after this much wall time; resume later with --resume")
    t.add_argument("--resume", help="checkpoint to continue from")
    t.add_argument("--init-from", help="cnn checkpoint or weights that a gan/wgan run fine-tunes")
    t.add_argument("--adv-weight", type=float, help="lambda, weight of the adversarial term")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default="auto", help="auto, cpu, cuda, ...")
    t.add_argument("--log", help="append validation rows (JSON lines) to this file")
    t.add_argument("--out", required=True, help="checkpoint file to write")
    t.add_argument("--force", action="store_true", help="replace --out if it exists (and is not --resume)")
    return parser


def _train(args) -> int:
    from .train import DenoiserConfig, train_denoiser

    out = Path(args.out)
    if out.exists() and not args.force and (args.resume is None or Path(args.resume).resolve() != out.resolve()):
        raise CLIError(f"{out} exists; pass --force to replace it, or --resume {out} to continue it")
    overrides = {k: v for k, v in (("objective", args.objective), ("steps", args.steps),
                                   ("adv_weight", args.adv_weight), ("seed", args.seed)) if v is not None}
    config = DenoiserConfig(**overrides)
    result = train_denoiser(config, out, data=args.data, minutes=args.minutes, resume=args.resume,
                            init_from=args.init_from, device=args.device, log=args.log)
    last = result["log"][-1]
    print(f"step {result['step']}/{result['config']['steps']}: validation PSNR {last['val_psnr_25']:.2f} dB "
          f"at sigma 25, {result['elapsed'] / 60:.1f} min of training; checkpoint {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "train-denoiser":
            return _train(args)
    except CLIError as exc:
        print(f"gancourse {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
