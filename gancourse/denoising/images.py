r"""Images for the denoiser: loading, the noise model, the measuring protocol, training patches.

The protocol (used by the benchmark, notebook 05 and the tests alike):

1. a clean 8-bit image scaled to [0, 1];
2. the noisy image :math:`y = x + (\sigma/255)\,n`, :math:`n \sim N(0, I)`, seeded and *not*
   clipped (clipping would change the noise model the networks are trained for);
3. the denoiser's output clipped to [0, 1] and rounded to 8 bits (:func:`quantize`), as a
   saved PNG would be;
4. PSNR and SSIM from scikit-image, SSIM with Wang et al.'s settings (Gaussian window,
   :math:`\sigma_w = 1.5`, population covariance).

The held-out photographs :data:`HELD_OUT_IMAGES` come with scikit-image and are never
trained on. Training uses Train400 (``../shared/data/Train400``, the TNRD/DnCNN set) when
it is there, any folder of images you name, or else :data:`BUNDLED_TRAINING_IMAGES`,
other images bundled with scikit-image, so that everything runs in a bare clone.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch

__all__ = [
    "HELD_OUT_IMAGES",
    "BUNDLED_TRAINING_IMAGES",
    "IMAGE_SUFFIXES",
    "bundled_image",
    "held_out_images",
    "default_training_dir",
    "read_image_folder",
    "add_noise",
    "quantize",
    "psnr",
    "ssim",
    "high_frequency_ratio",
    "PatchSampler",
]

#: Natural photographs from ``skimage.data`` used only for testing, never for training.
HELD_OUT_IMAGES = ("camera", "astronaut", "coffee", "chelsea", "rocket")
#: Other ``skimage.data`` images: the training set of the notebook's short live run and the
#: fallback when neither Train400 nor a folder is available.
BUNDLED_TRAINING_IMAGES = ("brick", "grass", "gravel", "moon", "coins", "page", "clock", "text")
#: File endings read as images.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")

_REPO = Path(__file__).resolve().parents[2]


def _to_unit_gray(image: np.ndarray) -> np.ndarray:
    """An 8-bit grey version of ``image`` as float64 in [0, 1] (colour via ``rgb2gray``)."""
    from skimage.color import rgb2gray
    from skimage.util import img_as_ubyte

    if image.ndim == 3:
        image = rgb2gray(image[..., :3])
    return img_as_ubyte(image).astype(np.float64) / 255.0


def bundled_image(name: str) -> np.ndarray:
    """A scikit-image sample image in grey, 8-bit values scaled to [0, 1] (float64, (H, W)).

    Examples
    --------
    >>> bundled_image("camera").shape
    (512, 512)
    """
    import skimage.data

    loader = getattr(skimage.data, name, None)
    if not callable(loader):
        raise ValueError(f"unknown scikit-image sample image {name!r}; expected a function of skimage.data, "
                         f"e.g. one of {HELD_OUT_IMAGES + BUNDLED_TRAINING_IMAGES}")
    return _to_unit_gray(np.asarray(loader()))


def held_out_images() -> dict[str, np.ndarray]:
    """The test photographs :data:`HELD_OUT_IMAGES`, name -> grey image in [0, 1]."""
    return {name: bundled_image(name) for name in HELD_OUT_IMAGES}


def default_training_dir() -> Path | None:
    """``../shared/data/Train400`` beside the repository if it is there, else None."""
    candidate = _REPO.parent / "shared" / "data" / "Train400"
    return candidate if candidate.is_dir() else None


def read_image_folder(folder: str | os.PathLike, *, limit: int | None = None) -> list[np.ndarray]:
    """Every image file in ``folder`` (sorted by name), as grey 8-bit images in [0, 1].

    Raises
    ------
    ValueError
        If the folder does not exist or holds no image (with the endings looked for).
    """
    from skimage.io import imread

    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"expected a folder of training images, got {str(folder)!r}, which is not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)[:limit]
    if not files:
        raise ValueError(f"no images in {folder}; expected files ending in {', '.join(IMAGE_SUFFIXES)}")
    return [_to_unit_gray(np.asarray(imread(p))) for p in files]


def add_noise(image, sigma: float, seed: int = 0) -> np.ndarray:
    r"""The noisy observation :math:`y = x + (\sigma/255)\,n`, :math:`n \sim N(0, I)`, not clipped.

    Parameters
    ----------
    image : array_like
        Clean image with values in [0, 1].
    sigma : float
        Noise standard deviation in 8-bit units (25 means 25/255).
    seed : int
        Seed of the noise (NumPy's ``default_rng``): the same seed gives the same noise.

    Returns
    -------
    numpy.ndarray
        float64, same shape; values may leave [0, 1].
    """
    sigma = _check_sigma(sigma)
    x = np.asarray(image, dtype=np.float64)
    rng = np.random.default_rng(seed)
    return x + (sigma / 255.0) * rng.standard_normal(x.shape)


def _check_sigma(sigma) -> float:
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.integer, np.floating)):
        raise TypeError(f"expected sigma as a number in 8-bit units (e.g. 25), got {type(sigma).__name__}")
    sigma = float(sigma)
    if not math.isfinite(sigma) or sigma < 0 or sigma > 255:
        raise ValueError(f"expected sigma in [0, 255] (8-bit units, e.g. 25), got {sigma}")
    return sigma


def quantize(image) -> np.ndarray:
    """Clip to [0, 1] and round to 8 bits, as saving a PNG would (float64 result)."""
    return np.round(np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0) * 255.0) / 255.0


def psnr(clean, denoised) -> float:
    """PSNR in dB of ``denoised`` (quantized first) against ``clean``: scikit-image's, data range 1."""
    from skimage.metrics import peak_signal_noise_ratio

    return float(peak_signal_noise_ratio(np.asarray(clean, dtype=np.float64), quantize(denoised), data_range=1.0))


def ssim(clean, denoised) -> float:
    """SSIM of ``denoised`` (quantized first), with Wang et al.'s (2004) settings, via scikit-image."""
    from skimage.metrics import structural_similarity

    clean = np.asarray(clean, dtype=np.float64)
    return float(structural_similarity(clean, quantize(denoised), gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False, data_range=1.0,
                                       channel_axis=-1 if clean.ndim == 3 else None))


def high_frequency_ratio(clean, denoised, *, blur: float = 1.0) -> float:
    r"""Texture kept: high-frequency energy of the output over that of the clean image.

    .. math::
        \rho = \frac{\lVert \hat x - g_s * \hat x \rVert^2}{\lVert x - g_s * x \rVert^2}

    with :math:`g_s` a Gaussian blur of standard deviation ``blur`` pixels
    (``scipy.ndimage.gaussian_filter``). :math:`\rho = 1`: as much fine detail as the clean
    image; :math:`\rho < 1`: over-smoothed; :math:`\rho > 1`: noise or invented texture
    left in. A PSNR-optimal denoiser averages over what it cannot tell apart, so it tends
    to :math:`\rho < 1` (Blau & Michaeli, 2018): the adversarial term is meant to push it
    back toward 1.
    """
    from scipy.ndimage import gaussian_filter

    clean = np.asarray(clean, dtype=np.float64)
    out = quantize(denoised)

    def energy(img: np.ndarray) -> float:
        return float(np.sum((img - gaussian_filter(img, blur)) ** 2))

    reference = energy(clean)
    if reference == 0:
        raise ValueError("the clean image has no high-frequency content (a constant image); the ratio is undefined")
    return energy(out) / reference


class PatchSampler:
    r"""Random training patches with their noisy versions, seeded and resumable.

    Each call draws ``batch_size`` crops of ``patch`` x ``patch`` pixels from random images,
    applies one of the 8 flips/rotations, draws one :math:`\sigma \sim U[\sigma_\min,
    \sigma_\max]` per patch and adds that much Gaussian noise (not clipped).

    Parameters
    ----------
    images : list of numpy.ndarray
        Grey images in [0, 1], each at least ``patch`` pixels on both sides.
    patch : int
        Side of the square crops.
    sigma_range : (float, float)
        Noise levels in 8-bit units.
    seed : int
        Seed of the private ``torch.Generator`` (the global random state is untouched).

    Attributes
    ----------
    generator : torch.Generator
        Its state is saved in checkpoints (``state_dict``) so a resumed run draws on.
    """

    def __init__(self, images, *, patch: int = 64, sigma_range=(0.0, 75.0), seed: int = 0):
        if not images:
            raise ValueError("expected at least one training image, got none")
        small = [im.shape for im in images if min(im.shape[:2]) < patch]
        if small:
            raise ValueError(f"expected images at least {patch}x{patch} pixels, got {small[:3]}; lower patch=")
        self.images = [torch.as_tensor(np.asarray(im, dtype=np.float32)) for im in images]
        self.patch = int(patch)
        self.sigma_range = (float(sigma_range[0]), float(sigma_range[1]))
        self.generator = torch.Generator().manual_seed(int(seed))

    def __call__(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns ``clean`` and ``noisy`` of shape (N, 1, patch, patch) and ``sigma`` of shape (N,)."""
        g, p = self.generator, self.patch
        picks = torch.randint(len(self.images), (batch_size,), generator=g).tolist()
        crops = []
        for i in picks:
            img = self.images[i]
            top = int(torch.randint(img.shape[0] - p + 1, (1,), generator=g))
            left = int(torch.randint(img.shape[1] - p + 1, (1,), generator=g))
            crop = img[top:top + p, left:left + p]
            k, flip = int(torch.randint(4, (1,), generator=g)), bool(torch.randint(2, (1,), generator=g))
            crop = torch.rot90(crop, k)
            crops.append(crop.flip(-1) if flip else crop)
        clean = torch.stack(crops)[:, None].contiguous()  # (N, P, P) -> (N, 1, P, P)
        low, high = self.sigma_range
        sigma = low + (high - low) * torch.rand(batch_size, generator=g)
        noise = torch.randn(clean.shape, generator=g)
        return clean, clean + (sigma / 255.0).view(-1, 1, 1, 1) * noise, sigma

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
