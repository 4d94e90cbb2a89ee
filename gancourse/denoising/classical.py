r"""Classical denoisers, each with a default tied to the noise level :math:`\sigma`.

Every function here has the same shape, ``f(noisy, sigma) -> estimate``, for a grey float
image (H, W) and :math:`\sigma` in 8-bit units; :func:`gancourse.denoise` handles colour,
dtypes and checks. What each one assumes about a clean image:

=========  ==========================================================  ==============================
method     assumes                                                      from
=========  ==========================================================  ==============================
gaussian   smooth everywhere (noise is high frequency, images are not)   ``skimage.filters.gaussian``
median     piecewise constant, with outliers                            ``scipy.ndimage.median_filter``
tv         piecewise constant, edges sparse (small total variation)     ``denoise_tv_chambolle``
wavelet    sparse in a wavelet basis (few large coefficients)           ``denoise_wavelet`` (BayesShrink)
nlm        every patch has similar patches elsewhere                    ``denoise_nl_means``
bm3d       similar patches, grouped, are sparse in a 3-D transform      ``bm3d`` (Dabov et al., 2007)
=========  ==========================================================  ==============================

The σ-aware settings were chosen on the bundled *training* images
(:data:`~gancourse.denoising.images.BUNDLED_TRAINING_IMAGES`), never on the held-out ones.

BM3D comes from the ``bm3d`` package of Tampere University, whose licence allows
**non-commercial use only**; it is the optional extra ``gancourse[bm3d]``, which the course
environment installs. Everything else is BSD (scikit-image, SciPy, PyWavelets).
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["CLASSICAL_METHODS", "gaussian", "median", "tv", "wavelet", "nlm", "bm3d", "bm3d_available", "bm3d_threads"]


def gaussian(noisy: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of standard deviation ``0.4 + 0.04 * sigma`` pixels (σ = 25: 1.4 px)."""
    from skimage.filters import gaussian as blur

    return blur(noisy, sigma=0.4 + 0.04 * sigma, mode="reflect", preserve_range=True)


def median(noisy: np.ndarray, sigma: float) -> np.ndarray:
    """Median over a square window: 3x3 below σ = 8, 5x5 up to σ = 30, else 7x7."""
    from scipy.ndimage import median_filter

    size = 3 if sigma < 8 else 5 if sigma <= 30 else 7
    return median_filter(noisy, size=size, mode="reflect")


def tv(noisy: np.ndarray, sigma: float) -> np.ndarray:
    """Chambolle's total-variation denoising, weight ``(0.6 + 0.016 sigma) sigma / 255`` (stronger as σ grows)."""
    from skimage.restoration import denoise_tv_chambolle

    return denoise_tv_chambolle(noisy, weight=max((0.6 + 0.016 * sigma) * sigma / 255.0, 1e-6))


def wavelet(noisy: np.ndarray, sigma: float) -> np.ndarray:
    """BayesShrink soft thresholding of a db1 wavelet decomposition, told the true σ."""
    from skimage.restoration import denoise_wavelet

    if sigma == 0:  # no noise: BayesShrink's threshold would be 0/0 (NaN)
        return np.array(noisy, dtype=np.float64)
    return denoise_wavelet(noisy, sigma=sigma / 255.0, method="BayesShrink", mode="soft",
                           rescale_sigma=False)


def nlm(noisy: np.ndarray, sigma: float) -> np.ndarray:
    """Non-local means, 7x7 patches searched within 11 pixels, ``h = 0.8 * sigma / 255`` (fast mode)."""
    from skimage.restoration import denoise_nl_means

    s = sigma / 255.0
    return denoise_nl_means(noisy, h=max(0.8 * s, 1e-6), sigma=s, patch_size=7, patch_distance=5,
                            fast_mode=True)


def bm3d_available() -> bool:
    """Whether the optional ``bm3d`` package (``pip install 'gancourse[bm3d]'``) is installed."""
    try:
        import bm3d  # noqa: F401
    except ImportError:
        return False
    return True


def bm3d_threads() -> str:
    """How many threads BM3D uses, from the ``bm3d`` package's default profile ("auto" = every core)."""
    if not bm3d_available():
        return "not installed"
    import bm3d as _bm3d

    n = _bm3d.BM3DProfile().num_threads
    return f"{n}" if n else f"auto (every core: {os.cpu_count()})"


def bm3d(noisy: np.ndarray, sigma: float) -> np.ndarray:
    """BM3D (Dabov et al., 2007) with the ``bm3d`` package's default ('np') profile, told the true σ."""
    try:
        import bm3d as _bm3d
    except ImportError as exc:
        raise ImportError(
            "method 'bm3d' needs the optional package bm3d (non-commercial licence): "
            "pip install 'gancourse[bm3d]' (make lab / make test install it), or use method='cnn' or 'nlm'"
        ) from exc
    return np.asarray(_bm3d.bm3d(noisy, sigma_psd=max(sigma, 1e-3) / 255.0), dtype=np.float64)


CLASSICAL_METHODS = {"gaussian": gaussian, "median": median, "tv": tv, "wavelet": wavelet, "nlm": nlm, "bm3d": bm3d}
