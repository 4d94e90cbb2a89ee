"""The ``gancourse`` command: ``denoise``, ``add-noise`` and ``train-denoiser``.

A thin shell over the public functions: argument parsing, input checks, atomic writes.
Every error is one line on stderr and exit code 2, with no output file left behind.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

#: The largest image the CLI reads, in pixels (64 megapixels; a 8000x8000 photo). Beyond it a
#: file is refused as a possible decompression bomb. The network itself runs in 768x768 tiles
#: (under about 200 MB of activations whatever the size); the image is held in memory as float64,
#: a few copies of 8 bytes per pixel per channel (about 2 GB at the limit for RGB).
MAX_PIXELS = 64_000_000
WRITE_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg")

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

    d = sub.add_parser("denoise", help="denoise an image file", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("input", help="PNG, JPEG or TIFF; grey or RGB (alpha is kept), 8 or 16 bits")
    d.add_argument("-o", "--output", required=True, help="where to write the result (.png, .tif, .jpg)")
    d.add_argument("--method", default="cnn", help="cnn (default), gan, wgan, bm3d, nlm, wavelet, tv, median, gaussian")
    d.add_argument("--sigma", default="auto", help="noise level in 8-bit units, e.g. 25, or 'auto' to estimate it")
    d.add_argument("--force", action="store_true", help="replace the output file if it exists")

    a = sub.add_parser("add-noise", help="add Gaussian noise to an image file (to try the denoisers)",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("input")
    a.add_argument("-o", "--output", required=True)
    a.add_argument("--sigma", type=float, required=True, help="noise level in 8-bit units, e.g. 25")
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--force", action="store_true", help="replace the output file if it exists")

    t = sub.add_parser("train-denoiser", help="train (or resume) a denoiser: cnn, gan or wgan",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("--objective", choices=("cnn", "gan", "wgan"), help="cnn (default), gan or wgan")
    t.add_argument("--data", help="folder of clean training images (default: ../shared/data/Train400, "
                                  "else scikit-image samples)")
    t.add_argument("--steps", type=int, help="length of the run (the cosine schedule's); default from the config")
    t.add_argument("--minutes", type=float, help="stop after this much wall time; resume later with --resume")
    t.add_argument("--resume", help="checkpoint to continue from")
    t.add_argument("--init-from", help="cnn checkpoint or weights that a gan/wgan run fine-tunes")
    t.add_argument("--adv-weight", type=float, help="lambda, weight of the adversarial term")
    t.add_argument("--d-warmup", type=int, help="gan/wgan: discriminator steps against the frozen generator "
                                                "before the fine-tune (default 0)")
    t.add_argument("--lr", type=float, help="the generator's peak learning rate (cosine decay to lr/100)")
    t.add_argument("--seed", type=int)
    t.add_argument("--device", default="auto", help="auto, cpu, cuda, ...")
    t.add_argument("--log", help="append validation rows (JSON lines) to this file")
    t.add_argument("--out", required=True, help="checkpoint file to write")
    t.add_argument("--force", action="store_true", help="replace --out if it exists (and is not --resume)")
    return parser


def _train(args) -> int:
    from ..runtime import set_threads
    from .train import DenoiserConfig, train_denoiser

    set_threads("conv")  # every core for a conv net (gancourse.runtime.THREAD_POLICY; GANCOURSE_THREADS overrides)

    out = Path(args.out)
    if out.exists() and not args.force and (args.resume is None or Path(args.resume).resolve() != out.resolve()):
        raise CLIError(f"{out} exists; pass --force to replace it, or --resume {out} to continue it")
    if args.resume is not None:
        given = [f"--{k}" for k in ("objective", "steps", "adv_weight", "d_warmup", "lr", "seed", "init_from")
                 if getattr(args, k) is not None]
        if given:
            raise CLIError(f"{' '.join(given).replace('_', '-')} cannot change on --resume: the run's settings "
                           "come from its checkpoint (start a new run with another --out to change them)")
    overrides = {k: v for k, v in (("objective", args.objective), ("steps", args.steps),
                                   ("adv_weight", args.adv_weight), ("d_warmup", args.d_warmup),
                                   ("seed", args.seed)) if v is not None}
    if args.lr is not None:
        overrides.update(lr=args.lr, lr_min=args.lr / 100)
    config = DenoiserConfig(**overrides)
    result = train_denoiser(config, out, data=args.data, minutes=args.minutes, resume=args.resume,
                            init_from=args.init_from, device=args.device, log=args.log)
    last = result["log"][-1]
    print(f"step {result['step']}/{result['config']['steps']}: validation PSNR {last['val_psnr_25']:.2f} dB "
          f"at sigma 25, {result['elapsed'] / 60:.1f} min of training (wall clock; "
          f"{result['cpu_elapsed'] / 60:.1f} CPU min, all threads, since step {result['cpu_from']}); checkpoint {out}")
    return 0


def read_image(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Read an image file: (colour or grey values in [0, 1] as float64, alpha or None, bit depth)."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise CLIError(f"no such file: {path}")
    try:
        with Image.open(path) as probe:  # reads the header only
            w, h = probe.size
    except UnidentifiedImageError:
        raise CLIError(f"{path} is not an image PIL can read; expected PNG, JPEG or TIFF") from None
    except (OSError, Image.DecompressionBombError) as exc:
        raise CLIError(f"{path} could not be read ({exc})") from None
    if w * h > MAX_PIXELS:
        raise CLIError(f"{path} is {w}x{h} = {w * h / 1e6:.0f} megapixels, more than the {MAX_PIXELS / 1e6:.0f} "
                       "allowed (a decompression bomb, or crop/resize it first)")
    import imageio.v3 as iio

    try:
        data = np.asarray(iio.imread(path))
    except Exception as exc:  # truncated or corrupt files raise many types
        raise CLIError(f"{path} could not be decoded ({type(exc).__name__}: {exc}); is the file complete?") from None
    if data.dtype == np.uint8:
        bits, scale = 8, 255.0
    elif data.dtype == np.uint16:
        bits, scale = 16, 65535.0
    elif data.dtype == bool:
        bits, scale, data = 8, 1.0, data.astype(np.uint8)
    else:
        raise CLIError(f"{path} has pixel type {data.dtype}; expected 8- or 16-bit integer pixels")
    if data.ndim == 3 and data.shape[-1] == 1:
        data = data[..., 0]
    alpha = None
    if data.ndim == 3 and data.shape[-1] in (2, 4):  # grey + alpha, RGB + alpha
        data, alpha = data[..., :-1], data[..., -1]
        if data.shape[-1] == 1:
            data = data[..., 0]
    if data.ndim not in (2, 3) or (data.ndim == 3 and data.shape[-1] != 3):
        raise CLIError(f"{path} has shape {data.shape}; expected a grey or RGB image (optionally with alpha)")
    return data.astype(np.float64) / scale, alpha, bits


def check_output(path: str | os.PathLike, *, force: bool) -> Path:
    """Refuse, before any work, an output that cannot be written or would be overwritten."""
    path = Path(path)
    if path.suffix.lower() not in WRITE_SUFFIXES:
        raise CLIError(f"cannot write {path.name}: expected an output ending in {', '.join(WRITE_SUFFIXES)}")
    if path.is_dir():
        raise CLIError(f"{path} is a folder; expected an output file name such as {path / 'out.png'}")
    if path.exists() and not force:
        raise CLIError(f"{path} exists; pass --force to replace it")
    if not path.parent.is_dir():
        raise CLIError(f"no such folder: {path.parent}")
    return path


def write_image(path: str | os.PathLike, image: np.ndarray, alpha: np.ndarray | None, bits: int, *,
                force: bool) -> Path:
    """Clip, round to ``bits`` and write atomically (temporary file, then rename); never overwrites unless ``force``."""
    import imageio.v3 as iio

    path = check_output(path, force=force)
    suffix = path.suffix.lower()
    if suffix in (".jpg", ".jpeg"):
        bits = 8  # JPEG stores 8 bits
    dtype, scale = (np.uint8, 255.0) if bits == 8 else (np.uint16, 65535.0)
    out = np.round(np.clip(image, 0.0, 1.0) * scale).astype(dtype)
    if alpha is not None and suffix not in (".jpg", ".jpeg"):
        a = alpha.astype(np.float64) / (255.0 if alpha.dtype == np.uint8 else 65535.0)
        a = np.round(a * scale).astype(dtype)
        out = np.concatenate([out if out.ndim == 3 else out[..., None], a[..., None]], axis=-1)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        iio.imwrite(tmp, out)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _parse_sigma(text: str) -> float | None:
    if text == "auto":
        return None
    try:
        return float(text)
    except ValueError:
        raise CLIError(f"--sigma must be a number in 8-bit units (e.g. 25) or 'auto', got {text!r}") from None


def _denoise(args) -> int:
    from .api import METHODS, denoise, estimate_noise_sigma

    if args.method not in METHODS:
        raise CLIError(f"unknown method {args.method!r}; expected one of {', '.join(METHODS)}")
    sigma = _parse_sigma(args.sigma)
    out_path = check_output(args.output, force=args.force)  # before the (slow) work
    image, alpha, bits = read_image(args.input)
    used = estimate_noise_sigma(image) if sigma is None else sigma
    try:
        result = denoise(image, args.method, sigma=used)
    except (ValueError, TypeError, FileNotFoundError, ImportError) as exc:
        raise CLIError(str(exc)) from None
    write_image(out_path, result, alpha, bits, force=args.force)
    how = "estimated" if sigma is None else "given"
    print(f"{args.input} -> {out_path}: method {args.method}, sigma {used:.1f} ({how})")
    return 0


def _add_noise(args) -> int:
    from .images import add_noise

    if not (0 <= args.sigma <= 255):
        raise CLIError(f"--sigma must be in [0, 255] (8-bit units), got {args.sigma}")
    out_path = check_output(args.output, force=args.force)
    image, alpha, bits = read_image(args.input)
    write_image(out_path, add_noise(image, args.sigma, seed=args.seed), alpha, bits, force=args.force)
    print(f"{args.input} -> {out_path}: Gaussian noise, sigma {args.sigma:g} (8-bit units), seed {args.seed}; "
          "values clipped to the file's range")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "denoise":
            return _denoise(args)
        if args.command == "add-noise":
            return _add_noise(args)
        if args.command == "train-denoiser":
            return _train(args)
    except CLIError as exc:
        print(f"gancourse {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
