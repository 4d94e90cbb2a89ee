"""Tests for gancourse.denoising.images: the noise model, the protocol's metrics, the patch sampler."""

import math

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter
from skimage.metrics import structural_similarity

from gancourse.denoising.images import (
    BUNDLED_TRAINING_IMAGES,
    HELD_OUT_IMAGES,
    PatchSampler,
    add_noise,
    bundled_image,
    high_frequency_ratio,
    psnr,
    quantize,
    read_image_folder,
    ssim,
)


def test_held_out_and_training_images_are_disjoint():
    assert not set(HELD_OUT_IMAGES) & set(BUNDLED_TRAINING_IMAGES)


def test_bundled_image_is_8bit_grey_in_unit_range():
    x = bundled_image("astronaut")  # an RGB photo, turned grey
    assert x.ndim == 2 and x.min() >= 0 and x.max() <= 1
    np.testing.assert_allclose(x * 255, np.round(x * 255), atol=1e-9)  # on the 8-bit grid


def test_unknown_bundled_image_names_the_choices():
    with pytest.raises(ValueError, match="camera"):
        bundled_image("not_an_image")


@pytest.mark.parametrize("sigma", [0, 15, 50])
def test_add_noise_has_the_stated_std_and_is_not_clipped(sigma):
    x = np.full((200, 200), 0.02)
    y = add_noise(x, sigma, seed=3)
    assert abs((y - x).std() - sigma / 255) <= 0.02 * sigma / 255 + 1e-12
    assert abs((y - x).mean()) < 3 * sigma / 255 / 200 + 1e-12
    if sigma:
        assert y.min() < 0  # dark pixels go negative: no clipping
    np.testing.assert_array_equal(y, add_noise(x, sigma, seed=3))  # seeded
    assert not np.array_equal(add_noise(x, 15, seed=1), add_noise(x, 15, seed=2))


@pytest.mark.parametrize("bad", [-1, 300, float("nan"), "25", None])
def test_add_noise_rejects_bad_sigma(bad):
    with pytest.raises((ValueError, TypeError), match="sigma"):
        add_noise(np.zeros((4, 4)), bad)


def test_quantize_clips_and_rounds_to_8_bits():
    q = quantize(np.array([-0.3, 0.0, 0.5, 0.50196, 1.2]))
    np.testing.assert_allclose(q, [0, 0, 128 / 255, 128 / 255, 1])


def test_psnr_matches_a_hand_computation():
    clean = np.zeros((10, 10))
    out = np.zeros((10, 10))
    out[0, 0] = 51 / 255  # one pixel off by 51 levels: MSE = (0.2)^2 / 100
    assert psnr(clean, out) == pytest.approx(10 * math.log10(1 / (0.2**2 / 100)))


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_psnr_quantizes_the_output_first():
    clean = np.full((8, 8), 100 / 255)
    assert psnr(clean, clean + 0.4 / 255) == math.inf  # rounds back onto the clean value


def test_ssim_uses_wang_et_al_settings():
    rng = np.random.default_rng(0)
    clean = gaussian_filter(rng.random((64, 64)), 2)
    out = quantize(clean + 0.05 * rng.standard_normal((64, 64)))
    expected = structural_similarity(clean, out, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                     data_range=1.0)
    assert ssim(clean, out) == pytest.approx(expected)
    assert ssim(clean, clean) == pytest.approx(1.0, abs=1e-3)  # the clean image quantizes to itself only roughly


def test_high_frequency_ratio_orders_smooth_clean_noisy():
    x = bundled_image("brick")[:128, :128]
    assert high_frequency_ratio(x, x) == pytest.approx(1.0)
    assert high_frequency_ratio(x, gaussian_filter(x, 2)) < 0.3
    assert high_frequency_ratio(x, add_noise(x, 25)) > 1.5
    with pytest.raises(ValueError, match="constant"):
        high_frequency_ratio(np.ones((16, 16)), np.ones((16, 16)))


def test_patch_sampler_shapes_noise_and_determinism():
    images = [bundled_image("moon")[:100, :120], bundled_image("coins")[:90, :90]]
    a = PatchSampler(images, patch=32, sigma_range=(10, 30), seed=1)
    clean, noisy, sigma = a(16)
    assert clean.shape == noisy.shape == (16, 1, 32, 32) and sigma.shape == (16,)
    assert ((sigma >= 10) & (sigma <= 30)).all()
    residual_std = ((noisy - clean) * 255 / sigma.view(-1, 1, 1, 1)).std()
    assert abs(float(residual_std) - 1) < 0.05
    state = a.state_dict()
    nxt = a(4)
    b = PatchSampler(images, patch=32, sigma_range=(10, 30), seed=99)
    b.load_state_dict(state)
    for u, v in zip(nxt, b(4), strict=True):  # resumes the same stream
        assert torch.equal(u, v)
    torch.manual_seed(0)
    c1 = PatchSampler(images, patch=32, seed=5)(2)[0]
    torch.manual_seed(123)  # the global state does not matter
    assert torch.equal(c1, PatchSampler(images, patch=32, seed=5)(2)[0])


def test_patch_sampler_rejects_small_images_and_empty_sets():
    with pytest.raises(ValueError, match="at least 64x64"):
        PatchSampler([np.zeros((30, 30))], patch=64)
    with pytest.raises(ValueError, match="at least one"):
        PatchSampler([])


def test_read_image_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="not a folder"):
        read_image_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match="no images"):
        read_image_folder(tmp_path)
