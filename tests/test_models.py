"""Tests for gancourse.models: shapes, per-sample independence, closed forms, input errors."""

import pytest
import torch

from gancourse.models import (
    AffineGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
    PackedDiscriminator,
    count_parameters,
)


@pytest.mark.parametrize("latent_dim,data_dim", [(1, 1), (2, 2), (8, 2)])
def test_mlp_shapes(latent_dim, data_dim):
    gen, disc = MLPGenerator(latent_dim, data_dim, 16, 2), MLPDiscriminator(data_dim, 16, 2)
    x = gen(torch.randn(5, latent_dim))
    assert x.shape == (5, data_dim)
    assert disc(x).shape == (5,)


@pytest.mark.parametrize("image_size", [8, 16])
def test_dcgan_shapes_and_range(image_size):
    gen, disc = DCGANGenerator(4, 1, image_size, 8), DCGANDiscriminator(1, image_size, 8)
    x = gen(torch.randn(3, 4))
    assert x.shape == (3, 1, image_size, image_size)
    assert x.abs().max() <= 1  # tanh output, like the real images scaled to [-1, 1]
    assert disc(x).shape == (3,)


@pytest.mark.parametrize("disc,x", [(MLPDiscriminator(2, 16, 2), torch.randn(6, 2)),
                                    (DCGANDiscriminator(1, 8, 4, dropout=0.3), torch.randn(6, 1, 8, 8))])
def test_discriminator_scores_each_sample_on_its_own(disc, x):
    # no batch norm in D: the score of a sample does not depend on its batch-mates
    disc.eval()
    assert torch.allclose(disc(x)[:2], disc(x[:2]), atol=1e-6)


def test_affine_generator_is_a_gaussian():
    gen = AffineGenerator(2.0, 0.5)
    x = gen(torch.randn(200_000, 1, generator=torch.Generator().manual_seed(0)))
    assert x.mean().item() == pytest.approx(2.0, abs=0.01)
    assert x.std().item() == pytest.approx(0.5, abs=0.01)
    assert count_parameters(gen) == 2
    assert count_parameters(AffineGenerator(0.0, 1.0, trainable=False)) == 0


def test_parameter_counts_by_hand():
    # 2->4->1: (2*4 + 4) + (4*1 + 1)
    assert count_parameters(MLPDiscriminator(2, 4, 1)) == 17
    assert count_parameters(MLPGenerator(3, 2, 4, 1)) == 3 * 4 + 4 + 4 * 2 + 2


def test_models_reject_bad_inputs():
    with pytest.raises(ValueError, match=r"x\[:, None\]"):
        MLPDiscriminator(1)(torch.zeros(5))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        MLPGenerator(2, 2)(torch.zeros(5, 3))
    with pytest.raises(TypeError, match="torch.Tensor"):
        MLPDiscriminator(2)([[0.0, 1.0]])
    with pytest.raises(ValueError, match=r"x\[None, None\]"):
        DCGANDiscriminator(1, 8)(torch.zeros(8, 8))
    with pytest.raises(ValueError, match="4 times a power of two"):
        DCGANGenerator(4, 1, image_size=12)
    with pytest.raises(ValueError, match="positive integer"):
        MLPGenerator(0, 2)
    with pytest.raises(ValueError, match="std > 0"):
        AffineGenerator(0.0, -1.0)


@pytest.mark.parametrize("pack", [1, 2, 4])
def test_packed_discriminator_scores_groups_of_consecutive_samples(pack):
    disc = PackedDiscriminator(2, pack, 8, 1)
    x = torch.randn(8, 2)
    scores = disc(x)
    assert scores.shape == (8 // pack,)
    # group g is samples g*pack .. g*pack + pack - 1, concatenated
    group = torch.cat(list(x[pack: 2 * pack]))[None]  # (1, pack * 2)
    assert torch.allclose(scores[1], disc.inner(group)[0])
    if pack > 1:
        with pytest.raises(ValueError, match="multiple of pack"):
            disc(torch.randn(7, 2))
