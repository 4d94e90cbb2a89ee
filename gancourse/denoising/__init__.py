"""Notebook 05: GAN image denoising, in one place (the way ``skimage.restoration`` keeps its denoisers).

========================  ==========================================================
module                    what it holds
========================  ==========================================================
``images``                loading, the noise model, the measuring protocol, patches
``classical``             Gaussian, median, TV, wavelet, NL-means and BM3D baselines
``networks``              the FFDNet-style generator and the PatchGAN discriminator
``train``                 ``train_denoiser``: the cnn / gan / wgan objectives
``selection``             choosing the adversarial weight, on images the benchmark never sees
``api``                   :func:`denoise`, the one public entry point
``cli``                   the ``gancourse`` command (denoise, add-noise, train-denoiser)
``benchmark``             the side-by-side table of every method
========================  ==========================================================
"""

from . import benchmark, lesson, selection, train
from .api import LEARNED_METHODS, METHODS, WEIGHTS_DIR, denoise, estimate_noise_sigma, load_denoiser
from .classical import bm3d_available
from .images import (
    BUNDLED_TRAINING_IMAGES,
    HELD_OUT_IMAGES,
    add_noise,
    bundled_image,
    held_out_images,
    high_frequency_ratio,
    psnr,
    quantize,
    ssim,
)
from .networks import FFDNetDenoiser, PatchDiscriminator

__all__ = [
    "benchmark", "lesson", "selection", "train", "denoise", "METHODS", "LEARNED_METHODS", "WEIGHTS_DIR", "estimate_noise_sigma", "load_denoiser",
    "bm3d_available", "HELD_OUT_IMAGES", "BUNDLED_TRAINING_IMAGES", "add_noise", "bundled_image",
    "held_out_images", "high_frequency_ratio", "psnr", "quantize", "ssim", "FFDNetDenoiser",
    "PatchDiscriminator",
]
