r"""The denoiser's two networks: an FFDNet-style generator and a PatchGAN discriminator.

* :class:`FFDNetDenoiser` (Zhang, Zuo & Zhang, 2018) is the *generator*: it takes the
  noisy image :math:`y` and the noise level :math:`\sigma` and returns an estimate
  :math:`\hat x = G(y, \sigma)` of the clean image. It pixel-unshuffles :math:`y` by 2
  (an :math:`H \times W` image becomes 4 channels of :math:`H/2 \times W/2`), adds a
  constant noise-level map as a fifth channel, runs its convolutions at half resolution
  and pixel-shuffles back. One network serves every :math:`\sigma \in [0, 75]`, which the
  blind mode (``sigma=None``) and real photos need. At half resolution a layer costs a
  quarter of DnCNN's (Zhang et al., 2017) at full resolution.
* :class:`PatchDiscriminator` is pix2pix's PatchGAN (Isola et al., 2017, Sec. 3.2.2): a
  small fully convolutional net that gives every overlapping 54x54 patch of an image a
  real-or-fake logit. As a GAN discriminator it is trained with binary cross-entropy on
  each patch's logit, as in pix2pix; as a WGAN critic its value is the mean over patches.
  It sees the *output alone*, as SRGAN's discriminator does (Ledig et al., 2017): the
  generator is conditioned on :math:`y`, the discriminator is not (pix2pix's "L1 + GAN"
  rather than its "L1 + cGAN"). The pixel loss already ties :math:`\hat x` to the clean
  :math:`x` behind this :math:`y`, so the adversarial term only has to ask "does this look
  like a clean natural image?". A discriminator shown :math:`(y, \hat x)` pairs could also
  judge whether the residual :math:`y - \hat x` looks like pure noise; the course keeps the
  simpler, unconditional judge.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["FFDNetDenoiser", "PatchDiscriminator", "noise_level_map", "conv_flops", "fuse_batchnorm"]

SIGMA_MAX = 75.0  # the largest noise level (8-bit units) the generator is trained for


def noise_level_map(sigma: torch.Tensor | float, like: torch.Tensor) -> torch.Tensor:
    r"""A constant map :math:`\sigma / 255`, one value per image, shaped like ``like[:, :1]``.

    Parameters
    ----------
    sigma : float or torch.Tensor of shape (N,)
        Noise standard deviation in 8-bit units (25 means 25/255 on a [0, 1] image).
    like : torch.Tensor, shape (N, C, H, W)
        The tensor whose batch size, height, width, dtype and device the map takes.
    """
    n, _, h, w = like.shape
    sigma = torch.as_tensor(sigma, dtype=like.dtype, device=like.device).reshape(-1)
    if sigma.numel() == 1:
        sigma = sigma.expand(n)
    if sigma.numel() != n:
        raise ValueError(f"expected one noise level per image ({n}), got {sigma.numel()}")
    return (sigma / 255.0).view(n, 1, 1, 1).expand(n, 1, h, w)  # (N,) -> (N, 1, H, W)


class FFDNetDenoiser(nn.Module):
    r"""A noise-level-aware conv denoiser in the style of FFDNet (Zhang, Zuo & Zhang, 2018).

    .. math::
        \hat x = G(y, \sigma) = y - \mathrm{shuffle}\big(f_\theta(\mathrm{unshuffle}(y) \oplus \sigma/255)\big)

    with :math:`\oplus` channel concatenation, :math:`f_\theta` ``depth`` 3x3 convolutions at
    half resolution (ReLU, batch norm in the middle ones), and ``residual=True`` meaning
    :math:`f_\theta` predicts the noise, as DnCNN does (Zhang et al., 2017); with
    ``residual=False`` it predicts the clean image directly (the :math:`y -` is dropped).
    DnCNN's authors found the residual form trains faster; so did a calibration run for this course on a
    2-core CPU (25.0 against 22.6 dB after 5 minutes).

    Parameters
    ----------
    channels : int
        Image channels the network is built for (1: grey; colour images are denoised one
        channel at a time by :func:`gancourse.denoise`).
    features : int
        Width of the hidden convolutions (FFDNet: 64 for grey).
    depth : int
        Number of convolutions (FFDNet: 15 for grey).
    residual : bool
        Predict the noise (True) or the clean image (False).

    Notes
    -----
    Any height and width: odd sizes are padded (edge replicated) to even and cropped back.
    FFDNet trains on :math:`\sigma \in [0, 75]`; the course does the same.

    References
    ----------
    K. Zhang, W. Zuo, L. Zhang, "FFDNet: Toward a fast and flexible solution for CNN-based
    image denoising", IEEE TIP 27(9), 2018. arXiv:1710.04026.

    Examples
    --------
    >>> g = FFDNetDenoiser(features=8, depth=3)
    >>> g(torch.rand(2, 1, 9, 7), torch.tensor([25.0, 50.0])).shape
    torch.Size([2, 1, 9, 7])
    """

    def __init__(self, channels: int = 1, features: int = 64, depth: int = 15, residual: bool = True):
        super().__init__()
        for name, value, low in (("channels", channels, 1), ("features", features, 1), ("depth", depth, 2)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"expected {name} to be an integer >= {low}, got {value!r}")
        self.channels, self.features, self.depth, self.residual = channels, features, depth, bool(residual)
        c4 = 4 * channels  # channels after pixel-unshuffle by 2
        layers: list[nn.Module] = [nn.Conv2d(c4 + 1, features, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(features, features, 3, padding=1, bias=False),
                       nn.BatchNorm2d(features), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(features, c4, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def config(self) -> dict:
        """The constructor's arguments, as saved in checkpoints."""
        return {"channels": self.channels, "features": self.features, "depth": self.depth,
                "residual": self.residual}

    def forward(self, noisy: torch.Tensor, sigma: torch.Tensor | float) -> torch.Tensor:
        """Denoise a batch: ``noisy`` (N, C, H, W) in [0, 1] units, ``sigma`` in 8-bit units."""
        if not isinstance(noisy, torch.Tensor) or noisy.ndim != 4 or noisy.shape[1] != self.channels:
            got = tuple(noisy.shape) if isinstance(noisy, torch.Tensor) else type(noisy).__name__
            raise ValueError(
                f"expected noisy images of shape (N, {self.channels}, H, W), got {got}; "
                "add batch and channel axes with x[None, None]"
            )
        h, w = noisy.shape[-2:]
        # pad odd sizes (replicating the edge) so that pixel-unshuffle by 2 applies
        pad_h, pad_w = h % 2, w % 2
        y = F.pad(noisy, (0, pad_w, 0, pad_h), mode="replicate") if (pad_h or pad_w) else noisy
        small = F.pixel_unshuffle(y, 2)  # (N, C, H, W) -> (N, 4C, H/2, W/2)
        small = torch.cat([small, noise_level_map(sigma, small)], dim=1)  # (N, 4C + 1, H/2, W/2)
        out = F.pixel_shuffle(self.body(small), 2)  # (N, 4C, H/2, W/2) -> (N, C, H, W)
        out = y - out if self.residual else out
        return out[..., :h, :w]


class PatchDiscriminator(nn.Module):
    r"""PatchGAN (Isola et al., 2017): one logit per overlapping patch.

    Three stride-2 4x4 convolutions and two stride-1 ones, LeakyReLU(0.2), no batch norm
    (so that it also serves as a WGAN-GP critic, whose per-sample gradient penalty batch
    norm would break; Gulrajani et al., 2017, Sec. 4). Each output logit sees a 54x54
    receptive field: a judge of texture and local structure, not of the whole image.

    Parameters
    ----------
    channels : int
        Image channels.
    features : int
        Width of the first layer (doubling after each stride-2 layer).

    reduce : {"mean", "patches"}
        What ``forward`` returns: ``"mean"``, one score per image, the mean over its patches
        (a WGAN critic's value, whose gradient penalty needs one score per sample);
        ``"patches"``, every patch's logit, shape (N, P), so that binary cross-entropy is
        taken per patch and averaged, as pix2pix's PatchGAN does (a GAN discriminator).

    Returns
    -------
    A module mapping (N, C, H, W) to scores of shape (N,) (``reduce="mean"``) or (N, P)
    with P = (H/8)(W/8) (``reduce="patches"``).
    """

    def __init__(self, channels: int = 1, features: int = 32, reduce: str = "mean"):
        super().__init__()
        if reduce not in ("mean", "patches"):
            raise ValueError(f"expected reduce='mean' (one score per image) or 'patches' (one per patch), got {reduce!r}")
        self.reduce = reduce
        f = features
        self.body = nn.Sequential(
            nn.Conv2d(channels, f, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(f, 2 * f, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(2 * f, 4 * f, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(4 * f, 4 * f, 3, stride=1, padding=1), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(4 * f, 1, 3, stride=1, padding=1),
        )

    def patch_scores(self, x: torch.Tensor) -> torch.Tensor:
        """One score per patch: (N, C, H, W) -> (N, 1, H/8, W/8)."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scores = self.patch_scores(x)  # (N, 1, H/8, W/8)
        if self.reduce == "patches":
            return scores.flatten(1)  # (N, P)
        return scores.mean(dim=(1, 2, 3))  # (N,)


def fuse_batchnorm(model: FFDNetDenoiser) -> FFDNetDenoiser:
    r"""An inference-only copy of ``model`` with each batch norm folded into the convolution before it.

    In eval mode a batch norm is a fixed per-channel affine map,
    :math:`\gamma (u - \mu)/\sqrt{v + \epsilon} + \beta`, so it folds into the preceding
    convolution's weights and bias (``torch.nn.utils.fusion.fuse_conv_bn_eval``): the same
    function, one pass over the activations fewer per layer (measured up to 10 % faster on a
    2-core CPU, and 6-22 % with channels-last memory too, on three held-out photos). The copy is in eval mode and cannot be trained as the original was (its
    batch-norm statistics are gone); ``model`` itself is not changed.
    """
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    if not isinstance(model, FFDNetDenoiser):
        raise TypeError(f"expected an FFDNetDenoiser, got {type(model).__name__}")
    fused = copy.deepcopy(model).eval()
    layers, out = list(fused.body), []
    i = 0
    while i < len(layers):
        if isinstance(layers[i], nn.Conv2d) and i + 1 < len(layers) and isinstance(layers[i + 1], nn.BatchNorm2d):
            out.append(fuse_conv_bn_eval(layers[i], layers[i + 1]))
            i += 2
        else:
            out.append(layers[i])
            i += 1
    fused.body = nn.Sequential(*out)
    return fused


def conv_flops(model: nn.Module, shape: tuple[int, int, int, int]) -> int:
    """Multiply-accumulates of every Conv2d in ``model`` for one input of ``shape`` (counted with hooks)."""
    total = 0

    def hook(module, _inp, out):
        nonlocal total
        k = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
        total += out.numel() * k

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    try:
        with torch.no_grad():
            x = torch.zeros(shape)
            model(x, 25.0) if isinstance(model, FFDNetDenoiser) else model(x)
    finally:
        for h in handles:
            h.remove()
    return int(total)
