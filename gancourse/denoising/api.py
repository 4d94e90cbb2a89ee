r"""``gancourse.denoise``: one function for every denoiser of notebook 05.

.. code-block:: python

    clean = gancourse.denoise(noisy)                        # the trained CNN, sigma estimated
    clean = gancourse.denoise(noisy, "bm3d", sigma=25)      # a classical method, sigma given

The learned methods ("cnn", "gan", "wgan") load the weights shipped in ``data/weights/``
(``weights_only=True``) and run in overlapping tiles, so memory stays bounded on any image
size and the result equals a one-piece run (the tiles overlap by more than the network's
receptive field).
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path

import numpy as np
import torch

from ..runtime import DATA_DIR
from .classical import CLASSICAL_METHODS
from .networks import SIGMA_MAX, FFDNetDenoiser, fuse_batchnorm

__all__ = ["denoise", "METHODS", "LEARNED_METHODS", "WEIGHTS_DIR", "load_denoiser", "estimate_noise_sigma",
           "denoise_tensor"]

LEARNED_METHODS = ("cnn", "gan", "wgan")
METHODS = (*CLASSICAL_METHODS, *LEARNED_METHODS)
#: Where the shipped weights live: ``data/weights/{cnn,gan,wgan}.pt``.
WEIGHTS_DIR = DATA_DIR / "weights"
TILE = 768  # tile side in pixels (even): a piece is at most 832x832, activations at most 44 MB per layer
MARGIN = 32  # overlap on each side, > the generator's receptive-field radius (31 px for depth 15)
PAD = 16  # mirrored border added around the whole image (even, so the 2x2 pixel groups stay aligned)


def _as_unit_float(image) -> np.ndarray:
    """``image`` as float64 in [0, 1] units, with checks on type, dtype, shape and values."""
    if isinstance(image, torch.Tensor):
        image = image.detach().cpu().numpy()
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected the image as a numpy array (H, W) or (H, W, 3), got {type(image).__name__}; "
                        "read a file with skimage.io.imread")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] != 3):
        hint = "; drop the alpha channel with image[..., :3]" if image.ndim == 3 and image.shape[-1] == 4 else ""
        raise ValueError(f"expected an image of shape (H, W) or (H, W, 3), got {image.shape}{hint}")
    if min(image.shape[:2]) < 2:
        raise ValueError(f"expected an image at least 2 pixels on each side, got {image.shape}")
    if image.dtype == np.uint8:
        return image.astype(np.float64) / 255.0
    if image.dtype == np.uint16:
        return image.astype(np.float64) / 65535.0
    if not np.issubdtype(image.dtype, np.floating):
        raise TypeError(f"expected a float image in [0, 1] units or uint8/uint16, got dtype {image.dtype}; "
                        "convert with skimage.util.img_as_float")
    out = image.astype(np.float64)
    if not np.isfinite(out).all():
        raise ValueError("the image holds NaN or infinite values; expected finite pixel values")
    return out


def estimate_noise_sigma(image) -> float:
    """The noise level in 8-bit units, by ``skimage.restoration.estimate_sigma`` (wavelet MAD, Donoho 1995)."""
    from skimage.restoration import estimate_sigma

    x = _as_unit_float(image)
    return float(estimate_sigma(x, average_sigmas=True, channel_axis=-1 if x.ndim == 3 else None)) * 255.0


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> FFDNetDenoiser:
    obj = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(obj, dict) or "generator" not in obj or "config" not in obj:
        raise ValueError(f"{path} holds no denoiser weights (expected a file written by export_weights)")
    cfg = obj["config"]
    model = FFDNetDenoiser(features=cfg["features"], depth=cfg["depth"], residual=cfg["residual"])
    model.load_state_dict(obj["generator"])
    return model.eval()


@functools.lru_cache(maxsize=8)
def _fast_cached(path: str, mtime: float) -> FFDNetDenoiser:
    # batch norm folded into the convolutions and channels-last memory: measured 6-22 % faster
    # than the plain module on three held-out photos (2-core CPU), the same output to float32 rounding
    return fuse_batchnorm(_load_cached(path, mtime)).to(memory_format=torch.channels_last)


def _weights_file(method: str, weights: str | os.PathLike | None) -> tuple[str, float]:
    path = Path(weights) if weights is not None else WEIGHTS_DIR / f"{method}.pt"
    if not path.is_file():
        raise FileNotFoundError(
            f"no weights for method {method!r} at {path}; train them with "
            f"`python -m gancourse train-denoiser --objective {method} ...` and export them "
            "(see notebook 05), or use a classical method such as 'bm3d' or 'nlm'")
    return str(path.resolve()), path.stat().st_mtime


def load_denoiser(method: str = "cnn", weights: str | os.PathLike | None = None) -> FFDNetDenoiser:
    """The trained generator for ``method`` (from ``data/weights/METHOD.pt``, or ``weights``), in eval mode.

    This is the module as trained (with its batch norms), to inspect or fine-tune;
    :func:`denoise` runs an inference copy with them folded in (:func:`fuse_batchnorm`).
    Each call returns a fresh copy, so that training it cannot change what :func:`denoise`
    returns afterwards.
    """
    return copy.deepcopy(_load_cached(*_weights_file(method, weights)))


@torch.inference_mode()
def denoise_tensor(model: FFDNetDenoiser, noisy: np.ndarray, sigma: float, *, tile: int = TILE,
                   margin: int = MARGIN) -> np.ndarray:
    """Run ``model`` on a grey float image (H, W) in overlapping tiles of ``tile`` pixels."""
    if tile % 2 or margin % 2:
        raise ValueError(f"expected even tile and margin (pixel-unshuffle by 2), got {tile} and {margin}")
    # mirror the image by PAD pixels on every side first: the network then sees image-like
    # content at the borders instead of its convolutions' zero padding (fewer border artefacts)
    h0, w0 = noisy.shape
    noisy = np.pad(noisy, PAD, mode="reflect")
    h, w = noisy.shape
    x = torch.as_tensor(noisy, dtype=torch.float32)
    out = np.empty((h, w), dtype=np.float64)
    # a side that fits in one tile with its margins runs in one piece: no overlap to recompute
    step_h = h if h <= tile + 2 * margin else tile
    step_w = w if w <= tile + 2 * margin else tile
    for top in range(0, h, step_h):
        for left in range(0, w, step_w):
            # the tile plus a margin on every side; starts stay even so the 2x2 pixel groups
            # of pixel-unshuffle are the same as in a one-piece run
            t0, l0 = max(top - margin, 0), max(left - margin, 0)
            t1, l1 = min(top + step_h + margin, h), min(left + step_w + margin, w)
            piece = model(x[t0:t1, l0:l1][None, None], sigma)[0, 0].double().numpy()  # (h', w')
            bottom, right = min(top + step_h, h), min(left + step_w, w)
            out[top:bottom, left:right] = piece[top - t0:bottom - t0, left - l0:right - l0]
    return out[PAD:PAD + h0, PAD:PAD + w0]


def denoise(image, method: str = "cnn", sigma: float | None = None, *, weights: str | os.PathLike | None = None,
            tile: int = TILE) -> np.ndarray:
    r"""Denoise a grey or colour image with any of the course's methods.

    Parameters
    ----------
    image : numpy.ndarray, shape (H, W) or (H, W, 3)
        Float in [0, 1] units (noisy values may leave [0, 1]), or uint8 / uint16.
    method : str
        ``"gaussian"``, ``"median"``, ``"tv"``, ``"wavelet"``, ``"nlm"``, ``"bm3d"``
        (classical, see :mod:`gancourse.denoising.classical`) or ``"cnn"``, ``"gan"``,
        ``"wgan"`` (the trained generators of notebook 05). Default ``"cnn"``.
    sigma : float, optional
        The noise standard deviation in 8-bit units (25 means 25/255 on a [0, 1] image).
        ``None`` **estimates it** from the image with
        ``skimage.restoration.estimate_sigma`` (a robust wavelet estimate, Donoho &
        Johnstone 1994), which is what to use on a real photo. The learned methods were
        trained for :math:`\sigma \in [0, 75]`.
    weights : path-like, optional
        Weights file for a learned method instead of ``data/weights/METHOD.pt``.
    tile : int
        Tile side for the learned methods (even); peak memory grows with its square.

    Returns
    -------
    numpy.ndarray
        float64, the same shape as ``image``, in [0, 1] units, *not* clipped (the
        course's measurements clip and round to 8 bits, see
        :func:`gancourse.denoising.images.quantize`). Colour images are denoised one
        channel at a time.

    Raises
    ------
    ValueError, TypeError
        For a wrong shape or dtype, NaN values, an unknown method, or a bad ``sigma``.

    Examples
    --------
    >>> from gancourse.denoising.images import bundled_image, add_noise, psnr
    >>> clean = bundled_image("camera")[:64, :64]
    >>> noisy = add_noise(clean, 25, seed=0)
    >>> psnr(clean, denoise(noisy, "gaussian", sigma=25)) > psnr(clean, noisy)
    True
    """
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    x = _as_unit_float(image)
    if sigma is None:
        sigma = estimate_noise_sigma(x)
    elif isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.integer, np.floating)):
        raise TypeError(f"expected sigma as a number in 8-bit units (e.g. 25) or None to estimate it, "
                        f"got {type(sigma).__name__}")
    sigma = float(sigma)
    limit = SIGMA_MAX if method in LEARNED_METHODS else 255.0
    if not np.isfinite(sigma) or sigma < 0 or sigma > limit:
        why = " (the range the networks were trained for)" if method in LEARNED_METHODS else ""
        raise ValueError(f"expected sigma in [0, {limit:g}] in 8-bit units{why}, got {sigma}; "
                         "pass sigma=None to estimate it")
    channels = [x] if x.ndim == 2 else [x[..., c] for c in range(3)]
    if method in LEARNED_METHODS:
        model = _fast_cached(*_weights_file(method, weights))
        outs = [denoise_tensor(model, ch, sigma, tile=tile) for ch in channels]
    else:
        outs = [np.asarray(CLASSICAL_METHODS[method](np.ascontiguousarray(ch), sigma), dtype=np.float64)
                for ch in channels]
    return outs[0] if x.ndim == 2 else np.stack(outs, axis=-1)
