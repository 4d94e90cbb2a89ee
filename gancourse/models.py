"""The networks of notebook 03: a generator G(z) and a discriminator D(x), small and readable.

Two pairs:

* :class:`MLPGenerator` / :class:`MLPDiscriminator` for 1-D and 2-D toy data;
* :class:`DCGANGenerator` / :class:`DCGANDiscriminator`, a DCGAN-style conv pair
  (Radford et al., 2016) for small grey images such as scikit-learn's 8x8 digits; the
  discriminator departs from DCGAN (no batch norm, optional dropout), see its docstring.

Every discriminator returns one raw score per sample, shape ``(N,)``: a *logit* for a GAN
(D(x) = sigmoid(score)), a critic value for a WGAN (notebook 04). The losses in
:mod:`gancourse.gan` take these logits, never probabilities, because
``log(sigmoid(s))`` computed from the logit is exact where ``log(D(x))`` would round to
``log(0)``.

:class:`AffineGenerator` is the simplest generator there is, ``x = mu + sigma * z``: with
``z ~ N(0, 1)`` it generates exactly N(mu, sigma^2), so its density is known in closed form
and the optimal discriminator can be checked against theory.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

__all__ = [
    "AffineGenerator",
    "MLPGenerator",
    "MLPDiscriminator",
    "PackedDiscriminator",
    "DCGANGenerator",
    "DCGANDiscriminator",
    "count_parameters",
]


def _check_positive_int(name: str, value, fix: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected {name} to be a positive integer, got {value!r}. {fix}".strip())
    return value


def _check_2d(x: torch.Tensor, dim: int, what: str) -> None:
    """Raise a helpful error unless ``x`` has shape (N, dim)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected {what} as a torch.Tensor, got {type(x).__name__}; convert with torch.as_tensor")
    if x.ndim != 2 or x.shape[1] != dim:
        hint = " For one sample add a batch axis with x[None]." if x.ndim == 1 and x.shape[0] == dim else ""
        if x.ndim == 1 and dim == 1:
            hint = " For 1-D data add a feature axis with x[:, None]."
        raise ValueError(f"expected {what} of shape (N, {dim}), got {tuple(x.shape)}.{hint}")


def _as_input(module: nn.Module, x, what: str):
    """``x`` in the module's dtype: float64, integer or NumPy input is converted (the intent is clear).

    float64 -> float32 loses nothing that matters for these models; integers become floats. Anything
    that is not an array or tensor gets a TypeError that names the fix.
    """
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected {what} as a torch.Tensor, got {type(x).__name__}; convert with torch.as_tensor")
    param = next(module.parameters(), None)
    dtype = param.dtype if param is not None else torch.get_default_dtype()
    if x.is_complex():
        raise TypeError(f"expected real-valued {what}, got {x.dtype}")
    if x.dtype != dtype:
        x = x.to(dtype)  # (differentiable for float inputs)
    if param is not None and x.device != param.device:
        x = x.to(param.device)
    return x


def _check_batch_for_batchnorm(module: nn.Module, x: torch.Tensor, what: str) -> None:
    if module.training and x.shape[0] == 1:
        raise ValueError(
            f"got a batch of one {what} in training mode; batch norm needs at least 2 samples to estimate "
            f"its statistics. To draw a single sample call .eval() first (and .train() to go on training), "
            "or pass a batch of 2 or more"
        )


def _mlp(sizes: list[int], activation: type[nn.Module], **act_kwargs) -> nn.Sequential:
    """Linear layers between consecutive ``sizes``, with ``activation`` between them (not after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(activation(**act_kwargs))
    return nn.Sequential(*layers)


class AffineGenerator(nn.Module):
    r"""The generator :math:`G(z) = \mu + \sigma z`; with :math:`z \sim N(0, 1)`, :math:`p_g = N(\mu, \sigma^2)`.

    Parameters
    ----------
    mean, std : float
        :math:`\mu` and :math:`\sigma` (``std > 0``).
    trainable : bool
        Whether ``mean`` and ``log(std)`` are parameters an optimizer can move. ``False``
        gives the *fixed* generator of the optimal-discriminator experiment.

    Examples
    --------
    >>> g = AffineGenerator(2.0, 0.5, trainable=False)
    >>> g(torch.zeros(3, 1)).flatten().tolist()
    [2.0, 2.0, 2.0]
    """

    def __init__(self, mean: float = 0.0, std: float = 1.0, *, trainable: bool = True):
        super().__init__()
        if not std > 0:
            raise ValueError(f"expected std > 0, got {std!r}")
        self.latent_dim = 1
        self.mean = nn.Parameter(torch.tensor([float(mean)]), requires_grad=trainable)
        # Store log(std) so that gradient steps can never make std negative.
        self.log_std = nn.Parameter(torch.tensor([math.log(std)]), requires_grad=trainable)

    @property
    def std(self) -> torch.Tensor:
        return self.log_std.exp()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = _as_input(self, z, "z")
        _check_2d(z, 1, "z")
        return self.mean + self.std * z  # (N, 1) -> (N, 1)


class MLPGenerator(nn.Module):
    """A multilayer perceptron G: z of shape (N, latent_dim) -> x of shape (N, data_dim).

    Parameters
    ----------
    latent_dim : int
        Size of the noise vector z.
    data_dim : int
        Size of one data point (1 for 1-D data, 2 for points in the plane).
    hidden_dim : int
        Units per hidden layer.
    n_hidden : int
        Number of hidden layers (ReLU between them; the output is linear, so G can place
        points anywhere).
    """

    def __init__(self, latent_dim: int = 2, data_dim: int = 2, hidden_dim: int = 128, n_hidden: int = 3):
        super().__init__()
        self.latent_dim = _check_positive_int("latent_dim", latent_dim)
        self.data_dim = _check_positive_int("data_dim", data_dim)
        _check_positive_int("hidden_dim", hidden_dim)
        _check_positive_int("n_hidden", n_hidden)
        self.net = _mlp([latent_dim, *[hidden_dim] * n_hidden, data_dim], nn.ReLU)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = _as_input(self, z, "z")
        _check_2d(z, self.latent_dim, "z")
        return self.net(z)  # (N, latent_dim) -> (N, data_dim)


class MLPDiscriminator(nn.Module):
    """A multilayer perceptron D: x of shape (N, data_dim) -> one raw score (logit) per sample, (N,).

    Parameters
    ----------
    data_dim : int
        Size of one data point.
    hidden_dim : int
        Units per hidden layer.
    n_hidden : int
        Number of hidden layers (LeakyReLU(0.2) between them, as in DCGAN's discriminator,
        so that gradients still flow for negative pre-activations).
    """

    def __init__(self, data_dim: int = 2, hidden_dim: int = 128, n_hidden: int = 3):
        super().__init__()
        self.data_dim = _check_positive_int("data_dim", data_dim)
        _check_positive_int("hidden_dim", hidden_dim)
        _check_positive_int("n_hidden", n_hidden)
        self.net = _mlp([data_dim, *[hidden_dim] * n_hidden, 1], nn.LeakyReLU, negative_slope=0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _as_input(self, x, "x")
        _check_2d(x, self.data_dim, "x")
        return self.net(x).squeeze(-1)  # (N, data_dim) -> (N, 1) -> (N,)


class PackedDiscriminator(nn.Module):
    """PacGAN: a discriminator that judges ``pack`` samples at once (Lin et al., 2018).

    The batch is cut into groups of ``pack`` consecutive samples and each group is scored as
    one input, of size ``pack * data_dim``. A group of fakes from a collapsed generator
    contains near-copies, which real groups never do, so the discriminator can see the
    missing diversity and the generator is pushed to spread out.

    Parameters
    ----------
    data_dim : int
        Size of one sample.
    pack : int
        Samples per group (PacGAN uses 2 to 4). ``pack=1`` is an ordinary discriminator.
    hidden_dim, n_hidden : int
        As in :class:`MLPDiscriminator`.

    Notes
    -----
    Returns one score per *group*, shape (N / pack,); the batch size must be a multiple of
    ``pack``. The losses average over whatever scores they receive, so the training steps
    need no change.
    """

    def __init__(self, data_dim: int = 2, pack: int = 4, hidden_dim: int = 128, n_hidden: int = 3):
        super().__init__()
        self.data_dim = _check_positive_int("data_dim", data_dim)
        self.pack = _check_positive_int("pack", pack)
        self.inner = MLPDiscriminator(data_dim * pack, hidden_dim, n_hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _as_input(self, x, "x")
        _check_2d(x, self.data_dim, "x")
        if x.shape[0] % self.pack:
            raise ValueError(
                f"expected a batch size that is a multiple of pack={self.pack}, got {x.shape[0]}; "
                f"use batch_size={x.shape[0] // self.pack * self.pack or self.pack}"
            )
        groups = x.reshape(-1, self.pack * self.data_dim)  # (N, d) -> (N / pack, pack * d)
        return self.inner(groups)  # (N / pack,)


def _check_image_size(image_size: int) -> int:
    """DCGAN blocks double (G) or halve (D) the side, starting from 4x4: sides 4 * 2**k."""
    _check_positive_int("image_size", image_size)
    n_blocks = round(math.log2(image_size / 4)) if image_size >= 4 else -1
    if n_blocks < 1 or 4 * 2**n_blocks != image_size:
        raise ValueError(
            f"expected image_size = 8, 16, 32, ... (4 times a power of two), got {image_size}; "
            "resize the images, e.g. with torch.nn.functional.interpolate"
        )
    return n_blocks


class DCGANGenerator(nn.Module):
    """A DCGAN-style generator: z (N, latent_dim) -> images (N, channels, image_size, image_size) in [-1, 1].

    A linear layer projects z to a 4x4 feature map; each block then doubles the side with a
    transposed convolution (kernel 4, stride 2), followed by batch norm and ReLU; a final
    3x3 convolution maps to ``channels`` and ``tanh`` squashes into [-1, 1], the range the
    real images are scaled to (Radford et al., 2016, Sec. 3).

    Parameters
    ----------
    latent_dim : int
        Size of z.
    channels : int
        Image channels (1 for grey digits).
    image_size : int
        Side of the square output: 8, 16, 32, ...
    width : int
        Channels of the last block; earlier blocks have 2x, 4x, ... as many.
    """

    def __init__(self, latent_dim: int = 16, channels: int = 1, image_size: int = 8, width: int = 32):
        super().__init__()
        self.latent_dim = _check_positive_int("latent_dim", latent_dim)
        self.channels = _check_positive_int("channels", channels)
        self.image_size = image_size
        n_blocks = _check_image_size(image_size)
        _check_positive_int("width", width)
        c0 = width * 2**n_blocks
        self.project = nn.Sequential(nn.Linear(latent_dim, c0 * 4 * 4), nn.BatchNorm1d(c0 * 4 * 4), nn.ReLU())
        blocks: list[nn.Module] = []
        c = c0
        for _ in range(n_blocks):
            blocks += [nn.ConvTranspose2d(c, c // 2, 4, stride=2, padding=1), nn.BatchNorm2d(c // 2), nn.ReLU()]
            c //= 2
        self.blocks = nn.Sequential(*blocks)
        self.to_image = nn.Conv2d(c, channels, 3, padding=1)
        self._c0 = c0

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = _as_input(self, z, "z")
        _check_2d(z, self.latent_dim, "z")
        _check_batch_for_batchnorm(self, z, "z")
        h = self.project(z).view(-1, self._c0, 4, 4)  # (N, latent_dim) -> (N, c0*16) -> (N, c0, 4, 4)
        h = self.blocks(h)  # (N, c0, 4, 4) -> (N, width, S, S), S = image_size
        return torch.tanh(self.to_image(h))  # (N, width, S, S) -> (N, channels, S, S)


class DCGANDiscriminator(nn.Module):
    """A DCGAN-style discriminator: images (N, channels, S, S) -> one logit per image, (N,).

    Each block halves the side with a strided convolution (kernel 4, stride 2) and a
    LeakyReLU(0.2) (Radford et al., 2016, Sec. 3), down to 4x4; a linear layer gives the score.

    Two departures from DCGAN, said openly:

    * **No batch norm.** Radford et al. put batch norm in the discriminator too (all layers
      but its input layer). We drop it, as Gulrajani et al. (2017, Sec. 4) do for WGAN-GP
      critics: with batch norm the score of one image depends on the other images in its
      batch, which breaks a per-sample gradient penalty. So the same class serves as
      notebook 03's discriminator and notebook 04's critic.
    * **Dropout** before the final linear layer (``dropout``; the shipped digits DCGAN uses
      0.3) is the course's own choice, not DCGAN's: on 1,797 small images it slows a
      discriminator that would otherwise memorise the data set.

    Parameters
    ----------
    channels : int
        Image channels.
    image_size : int
        Side of the square input: 8, 16, 32, ...
    width : int
        Channels of the first block; later blocks have 2x, 4x, ... as many.
    dropout : float
        Dropout before the final linear layer (0 disables it; not part of DCGAN).
    """

    def __init__(self, channels: int = 1, image_size: int = 8, width: int = 32, dropout: float = 0.0):
        super().__init__()
        self.channels = _check_positive_int("channels", channels)
        self.image_size = image_size
        n_blocks = _check_image_size(image_size)
        _check_positive_int("width", width)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"expected 0 <= dropout < 1, got {dropout!r}")
        blocks: list[nn.Module] = []
        c_in, c = channels, width
        for _ in range(n_blocks):
            blocks += [nn.Conv2d(c_in, c, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
            c_in, c = c, c * 2
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(c_in * 4 * 4, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _as_input(self, x, "images")
        expected = (self.channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            hint = " Add batch and channel axes with x[None, None]." if x.ndim == 2 else ""
            if x.ndim == 3:
                hint = " Add a channel axis with x[:, None]."
            raise ValueError(f"expected images of shape (N, {', '.join(map(str, expected))}), got {tuple(x.shape)}.{hint}")
        h = self.blocks(x)  # (N, C, S, S) -> (N, c_last, 4, 4)
        return self.head(h).squeeze(-1)  # (N, c_last, 4, 4) -> (N, c_last*16) -> (N, 1) -> (N,)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters in ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
