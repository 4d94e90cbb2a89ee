"""Tests for gancourse.denoising.networks: shapes, the noise map, cost against DnCNN, the PatchGAN."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gancourse.denoising.networks import (
    FFDNetDenoiser,
    PatchDiscriminator,
    conv_flops,
    fuse_batchnorm,
    noise_level_map,
)


@pytest.mark.parametrize("hw", [(8, 8), (9, 7), (33, 64), (2, 3)])
def test_generator_keeps_any_size(hw):
    g = FFDNetDenoiser(features=8, depth=3).eval()
    assert g(torch.rand(2, 1, *hw), 25.0).shape == (2, 1, *hw)


def test_residual_generator_predicts_the_noise():
    g = FFDNetDenoiser(features=8, depth=3, residual=True)
    torch.nn.init.zeros_(g.body[-1].weight)
    torch.nn.init.zeros_(g.body[-1].bias)  # f = 0: the estimate is the input itself
    y = torch.rand(1, 1, 10, 10)
    assert torch.equal(g(y, 25.0), y)
    direct = FFDNetDenoiser(features=8, depth=3, residual=False)
    torch.nn.init.zeros_(direct.body[-1].weight)
    torch.nn.init.zeros_(direct.body[-1].bias)
    assert torch.equal(direct(y, 25.0), torch.zeros_like(y))


def test_generator_input_is_unshuffled_image_plus_noise_map():
    g = FFDNetDenoiser(features=8, depth=3)
    seen = {}

    def hook(module, inp, out):
        seen["x"] = inp[0]  # returns None: the output is left alone

    g.body[0].register_forward_hook(hook)
    y = torch.rand(2, 1, 6, 8)
    g(y, torch.tensor([10.0, 50.0]))
    x = seen["x"]
    assert x.shape == (2, 5, 3, 4)
    assert torch.equal(x[:, :4], F.pixel_unshuffle(y, 2))
    assert torch.allclose(x[:, 4], torch.tensor([10 / 255, 50 / 255]).view(2, 1, 1).expand(2, 3, 4))


def test_noise_level_map_checks_the_count():
    with pytest.raises(ValueError, match="one noise level per image"):
        noise_level_map(torch.tensor([1.0, 2.0, 3.0]), torch.zeros(2, 4, 3, 3))


@pytest.mark.parametrize("bad", [torch.rand(8, 8), torch.rand(1, 3, 8, 8), "image"])
def test_generator_rejects_bad_shapes(bad):
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        FFDNetDenoiser(features=4, depth=2)(bad, 25.0)


def test_cost_is_about_a_quarter_of_dncnn():
    h = w = 64
    ffdnet = conv_flops(FFDNetDenoiser(), (1, 1, h, w))
    # DnCNN (Zhang et al., 2017): 17 3x3 convolutions at full resolution, 1 -> 64 -> ... -> 64 -> 1
    dncnn = h * w * 9 * (1 * 64 + 15 * 64 * 64 + 64 * 1)
    assert 0.2 < ffdnet / dncnn < 0.3


def test_default_generator_has_ffdnet_size():
    n = sum(p.numel() for p in FFDNetDenoiser().parameters())
    assert 480_000 < n < 495_000  # 15 layers x 64 channels, as in FFDNet's grey model


def test_patch_discriminator_scores_patches_and_averages():
    d = PatchDiscriminator(features=8)
    x = torch.rand(3, 1, 64, 48)
    patches = d.patch_scores(x)
    assert patches.shape == (3, 1, 8, 6)
    assert torch.allclose(d(x), patches.mean(dim=(1, 2, 3)))
    per_patch = PatchDiscriminator(features=8, reduce="patches")
    per_patch.load_state_dict(d.state_dict())
    assert torch.equal(per_patch(x), patches.flatten(1)) and per_patch(x).shape == (3, 48)


def test_patch_bce_is_the_mean_of_each_patchs_cross_entropy():
    from gancourse.gan import discriminator_loss

    d = PatchDiscriminator(features=8, reduce="patches")
    with torch.no_grad():
        d.body[-1].weight.mul_(50)  # logits of a few units, so that the two losses differ clearly
    real, fake = torch.rand(2, 1, 32, 40), torch.rand(2, 1, 32, 40)
    pr, pf = d.patch_scores(real).flatten(), d.patch_scores(fake).flatten()
    by_hand = -torch.log(torch.sigmoid(pr)).mean() - torch.log(1 - torch.sigmoid(pf)).mean()
    assert torch.allclose(discriminator_loss(d(real), d(fake)), by_hand, atol=1e-6)
    # not the cross-entropy of the averaged logit, which is what reduce="mean" would give
    mean_d = PatchDiscriminator(features=8)
    mean_d.load_state_dict(d.state_dict())
    assert not torch.allclose(discriminator_loss(mean_d(real), mean_d(fake)), by_hand, atol=1e-2)


def test_patch_discriminator_refuses_an_unknown_reduction():
    with pytest.raises(ValueError, match="reduce='mean'"):
        PatchDiscriminator(reduce="sum")


def test_patch_discriminator_treats_samples_independently():
    d = PatchDiscriminator(features=8)  # no batch norm: safe for the gradient penalty
    x = torch.rand(4, 1, 32, 32)
    assert torch.allclose(d(x)[1:2], d(x[1:2]), atol=1e-6)


def test_patch_discriminator_receptive_field_is_54_pixels():
    d = PatchDiscriminator(features=4)
    x = torch.rand(1, 1, 128, 128, requires_grad=True)
    d.patch_scores(x)[0, 0, 8, 8].backward()  # one patch score, away from the borders
    rows = (x.grad[0, 0].abs().sum(dim=1) > 0).nonzero()
    assert int(rows.max() - rows.min() + 1) == 54


def test_fused_batchnorm_is_the_same_function_with_no_batch_norm_left():
    torch.manual_seed(0)
    model = FFDNetDenoiser(features=8, depth=5)
    # non-trivial statistics and affine parameters, as a trained network has
    with torch.no_grad():
        for bn in (m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    model.eval()
    fused = fuse_batchnorm(model)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()) == 3  # the original is untouched
    x, sigma = torch.rand(2, 1, 20, 18), torch.tensor([10.0, 40.0])
    with torch.no_grad():
        assert torch.allclose(fused(x, sigma), model(x, sigma), atol=1e-5)
    with pytest.raises(TypeError, match="FFDNetDenoiser"):
        fuse_batchnorm(torch.nn.Conv2d(1, 1, 3))


def test_denoise_runs_the_fused_copy_of_the_shipped_weights():
    from gancourse.denoising.api import denoise, denoise_tensor, load_denoiser
    from gancourse.denoising.images import add_noise, bundled_image

    noisy = add_noise(bundled_image("camera")[100:180, 200:290], 25, seed=0)
    plain = denoise_tensor(load_denoiser("cnn"), noisy, 25.0)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in load_denoiser("cnn").modules())
    assert np.abs(denoise(noisy, "cnn", sigma=25) - plain).max() < 1e-5


def test_changing_the_loaded_module_does_not_change_what_denoise_returns():
    from gancourse.denoising.api import denoise, load_denoiser
    from gancourse.denoising.images import add_noise, bundled_image

    noisy = add_noise(bundled_image("camera")[100:164, 200:264], 25, seed=0)
    before = denoise(noisy, "cnn", sigma=25)
    model = load_denoiser("cnn")
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()  # what a careless fine-tune in a notebook could do
    assert load_denoiser("cnn") is not model
    assert np.array_equal(denoise(noisy, "cnn", sigma=25), before)
