"""Entropy, cross-entropy and the divergences between distributions (notebook 01).

Every function takes NumPy arrays (or lists) or PyTorch tensors and returns the same kind:
NumPy in, NumPy out; a tensor anywhere in, a tensor out (differentiable). Distributions lie
along the **last axis**, so a batch of distributions of shape ``(N, K)`` gives ``N`` values.
Logarithms are natural: results are in **nats** (divide by ``log 2`` for bits).

The identity the notebook builds on:

.. math:: H(p, q) = H(p) + \\mathrm{KL}(p \\,\\|\\, q),

so cross-entropy is smallest, and equal to :math:`H(p)` (not zero, unless ``p`` is one-hot),
when ``q = p``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import special

__all__ = [
    "entropy",
    "cross_entropy",
    "kl_divergence",
    "js_divergence",
    "binary_cross_entropy",
    "bce_minimax_value",
    "sigmoid_rounding_points",
    "empirical_distribution",
    "fit_categorical_mle",
]

# How far a row's sum may be from 1 before we call it "not a distribution".
_SUM_TOL = {torch.float64: 1e-6, np.dtype("float64"): 1e-6}
_SUM_TOL_DEFAULT = 1e-4  # float32 and smaller


# --------------------------------------------------------------------------------------
# Input handling shared by every function: one backend (numpy or torch) per call.
# --------------------------------------------------------------------------------------
def _to_backend(*arrays):
    """Convert the inputs to float arrays of one kind: torch if any is a tensor, else numpy."""
    tensors = [a for a in arrays if isinstance(a, torch.Tensor)]
    if tensors:
        ref = tensors[0]
        dtype = ref.dtype if ref.is_floating_point() else torch.get_default_dtype()
        out = [torch.as_tensor(a, device=ref.device) for a in arrays]
        return [a if a.is_floating_point() else a.to(dtype) for a in out], True
    for a in arrays:
        if np.asarray(a).dtype.kind in "US":
            raise TypeError(f"expected numbers, got text {a!r}; remove the quotes (write 0.5, not '0.5')")
    try:
        return [np.asarray(a, dtype=np.float64) for a in arrays], False
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"expected NumPy arrays, lists of numbers or torch tensors, got "
            f"{', '.join(type(a).__name__ for a in arrays)}; convert with np.asarray(...)"
        ) from exc


def _check_distribution(name: str, p, is_torch: bool) -> None:
    """Raise ValueError unless ``p`` holds probability vectors along its last axis."""
    values = p.detach() if is_torch else p
    if values.ndim == 0 or values.shape[-1] == 0:
        raise ValueError(
            f"expected {name} to be a probability vector of shape (K,) or a batch (..., K) with K >= 1, "
            f"got shape {tuple(values.shape)}; wrap a single number as [{name}, 1 - {name}]"
        )
    finite = bool(torch.isfinite(values).all()) if is_torch else bool(np.isfinite(values).all())
    if not finite:
        raise ValueError(f"expected finite probabilities in {name}, got NaN or inf; check how {name} was computed")
    low = float(values.min())
    if low < 0:
        raise ValueError(
            f"expected probabilities >= 0 in {name}, got a negative entry ({low:.4g}); "
            f"if {name} holds scores or logits, turn them into probabilities with softmax first"
        )
    sums = values.sum(-1)
    tol = _SUM_TOL.get(values.dtype, _SUM_TOL_DEFAULT)
    deviation = ((sums - 1).abs() if is_torch else np.abs(sums - 1)).reshape(-1)
    worst = int(deviation.argmax())  # flat index of the row furthest from summing to 1
    if float(deviation[worst]) > tol:
        bad = float(sums.reshape(-1)[worst])
        raise ValueError(
            f"expected each row of {name} (its last axis) to sum to 1, got a row summing to {bad:.6g}; "
            f"normalise it with {name} / {name}.sum(-1, keepdims=True)"
        )


def _check_same_shape(p, q, names=("p", "q")) -> None:
    if tuple(p.shape) != tuple(q.shape):
        raise ValueError(
            f"expected {names[0]} and {names[1]} of the same shape (..., K), got {names[0]} "
            f"{tuple(p.shape)} and {names[1]} {tuple(q.shape)}; give both the same categories, or "
            "broadcast one explicitly (np.broadcast_to / Tensor.expand)"
        )


def _distributions(*arrays, names=("p", "q")):
    arrays, is_torch = _to_backend(*arrays)
    for name, a in zip(names, arrays, strict=False):
        _check_distribution(name, a, is_torch)
    if len(arrays) == 2:
        _check_same_shape(*arrays, names=names)
    return arrays, is_torch


def _xlogy(x, y, is_torch: bool):
    """x * log(y), with 0 * log(0) = 0 (the convention that makes entropy continuous)."""
    return torch.special.xlogy(x, y) if is_torch else special.xlogy(x, y)


# --------------------------------------------------------------------------------------
# Discrete distributions
# --------------------------------------------------------------------------------------
def entropy(p):
    r"""Shannon entropy of a discrete distribution, in nats.

    Parameters
    ----------
    p : array_like or torch.Tensor, shape (..., K)
        Probabilities :math:`p_k \ge 0` summing to 1 along the last axis.

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (...)
        :math:`H(p)`; a NumPy scalar / 0-d tensor for a single distribution.

    Raises
    ------
    ValueError
        If an entry is negative or a row does not sum to 1.

    Notes
    -----
    .. math:: H(p) = -\sum_k p_k \log p_k, \qquad 0 \log 0 := 0.

    It lies between 0 (a one-hot ``p``) and :math:`\log K` (the uniform distribution).

    References
    ----------
    .. [1] C. E. Shannon, "A Mathematical Theory of Communication", 1948, Theorem 2.
    .. [2] T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., eq. (2.1).

    Examples
    --------
    >>> round(float(entropy([0.25, 0.25, 0.25, 0.25])), 4)  # log 4
    1.3863
    """
    (p,), is_torch = _distributions(p, names=("p",))
    return 0.0 - _xlogy(p, p, is_torch).sum(-1)  # 0.0 - x, not -x: a one-hot p gives 0.0, not -0.0


def cross_entropy(p, q):
    r"""Cross-entropy of ``q`` relative to ``p``, in nats.

    Parameters
    ----------
    p : array_like or torch.Tensor, shape (..., K)
        The true (data) distribution, :math:`p`.
    q : array_like or torch.Tensor, shape (..., K)
        The model distribution, :math:`q`.

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (...)
        :math:`H(p, q)`; ``inf`` where ``q`` gives zero probability to an outcome ``p`` can produce.

    Notes
    -----
    .. math:: H(p, q) = -\sum_k p_k \log q_k = H(p) + \mathrm{KL}(p \,\|\, q) \ge H(p).

    It is minimal at :math:`q = p`, where it equals :math:`H(p)` -- **not** zero, unless
    :math:`p` is one-hot. Averaging :math:`-\log q(x_i)` over samples :math:`x_i \sim p` is the
    cross-entropy against the empirical distribution, so maximum likelihood minimises it.

    References
    ----------
    .. [1] Cover and Thomas, *Elements of Information Theory*, 2nd ed., Section 2.3 and eq. (5.61).

    Examples
    --------
    >>> p = [0.5, 0.5]
    >>> round(float(cross_entropy(p, p)), 4)  # = H(p) = log 2, not 0
    0.6931
    """
    (p, q), is_torch = _distributions(p, q)
    return 0.0 - _xlogy(p, q, is_torch).sum(-1)


def kl_divergence(p, q):
    r"""Kullback-Leibler divergence :math:`\mathrm{KL}(p \,\|\, q)`, in nats.

    Parameters
    ----------
    p, q : array_like or torch.Tensor, shape (..., K)
        Distributions along the last axis. The order matters: KL is not symmetric.

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (...)
        A value :math:`\ge 0`, zero exactly when ``p == q``; ``inf`` where ``q_k = 0 < p_k``.

    Notes
    -----
    .. math:: \mathrm{KL}(p \,\|\, q) = \sum_k p_k \log \frac{p_k}{q_k} = H(p, q) - H(p).

    References
    ----------
    .. [1] S. Kullback and R. A. Leibler, "On Information and Sufficiency", 1951.

    Examples
    --------
    >>> round(float(kl_divergence([0.5, 0.5], [0.9, 0.1])), 4)
    0.5108
    """
    (p, q), is_torch = _distributions(p, q)
    return (_xlogy(p, p, is_torch) - _xlogy(p, q, is_torch)).sum(-1)


def js_divergence(p, q):
    r"""Jensen-Shannon divergence, in nats: symmetric, finite, at most :math:`\log 2`.

    Parameters
    ----------
    p, q : array_like or torch.Tensor, shape (..., K)
        Distributions along the last axis.

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (...)
        A value in :math:`[0, \log 2]`; :math:`\log 2` exactly when ``p`` and ``q`` share no outcome.

    Notes
    -----
    .. math::
        \mathrm{JS}(p, q) = \tfrac12 \mathrm{KL}(p \,\|\, m) + \tfrac12 \mathrm{KL}(q \,\|\, m),
        \qquad m = \tfrac12 (p + q).

    With an optimal discriminator, the original GAN's value function equals
    :math:`2\,\mathrm{JS}(p_\text{data}, p_g) - \log 4` (Goodfellow et al., 2014, Theorem 1).
    Note: ``scipy.spatial.distance.jensenshannon`` returns the *square root* of this.

    References
    ----------
    .. [1] J. Lin, "Divergence measures based on the Shannon entropy", IEEE Trans. Inf. Theory, 1991.
    .. [2] I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, eq. (6).

    Examples
    --------
    >>> round(float(js_divergence([1.0, 0.0], [0.0, 1.0])), 4)  # disjoint: log 2
    0.6931
    """
    (p, q), is_torch = _distributions(p, q)
    m = 0.5 * (p + q)
    kl_pm = (_xlogy(p, p, is_torch) - _xlogy(p, m, is_torch)).sum(-1)
    kl_qm = (_xlogy(q, q, is_torch) - _xlogy(q, m, is_torch)).sum(-1)
    js = 0.5 * kl_pm + 0.5 * kl_qm
    return js.clamp(0.0, math.log(2)) if is_torch else np.clip(js, 0.0, math.log(2))  # rounding stays in range


# --------------------------------------------------------------------------------------
# Binary cross-entropy: the discriminator's loss
# --------------------------------------------------------------------------------------
def binary_cross_entropy(logits, targets, reduction: str = "mean"):
    r"""Binary cross-entropy computed from logits, stable for any logit size.

    Parameters
    ----------
    logits : array_like or torch.Tensor, any shape
        Raw scores :math:`s` (before the sigmoid); :math:`D = \sigma(s)` is the predicted
        probability of the label 1 (for a discriminator: "real").
    targets : array_like or torch.Tensor or float
        Labels :math:`t \in [0, 1]`, same shape as ``logits`` (or one number for all of them):
        1 for real data, 0 for generated data. Soft labels in between are allowed.
    reduction : {"mean", "none"}
        ``"mean"`` (default) averages over **all** elements; ``"none"`` returns one loss per element.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        A scalar (``"mean"``) or an array of ``logits``' shape (``"none"``). A tensor when
        ``logits`` or ``targets`` is a tensor (differentiable), else a NumPy array.

    Notes
    -----
    .. math::
        \ell(s, t) = -t \log \sigma(s) - (1 - t) \log(1 - \sigma(s))
                   = (1 - t)\,s - \log \sigma(s)
                   = \max(s, 0) - t\,s + \log\!\left(1 + e^{-|s|}\right),

    using :math:`1 - \sigma(s) = e^{-s} \sigma(s)`. The last forms never exponentiate a large
    positive number and never take the log of a rounded-to-zero probability, so they are
    finite for any ``s`` (the naive
    ``log(sigmoid(s))`` returns ``-inf`` once ``sigmoid(s)`` rounds to 0, near ``s = -104``
    in float32). It matches ``torch.nn.functional.binary_cross_entropy_with_logits``.

    References
    ----------
    .. [1] I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, eq. (1).

    Examples
    --------
    >>> round(float(binary_cross_entropy([0.0], [1.0])), 4)  # log 2: a coin-flip guess
    0.6931
    >>> float(binary_cross_entropy([-1000.0], [1.0]))  # finite, where log(sigmoid) gives inf
    1000.0
    """
    if reduction not in ("mean", "none"):
        raise ValueError(f"expected reduction 'mean' or 'none', got {reduction!r}")
    (s, t), is_torch = _to_backend(logits, targets)
    if t.ndim == 0:
        t = t.expand_as(s) if is_torch else np.broadcast_to(t, s.shape)
    _check_same_shape(s, t, names=("logits", "targets"))
    t_values = t.detach() if is_torch else t
    if t_values.numel() if is_torch else t_values.size:
        low, high = float(t_values.min()), float(t_values.max())
        if low < 0 or high > 1:
            raise ValueError(
                f"expected targets in [0, 1] (1 = real, 0 = fake), got values in [{low:.4g}, {high:.4g}]; "
                "targets are labels, not logits"
            )
    # (1 - t) s - log sigmoid(s): logsigmoid / logaddexp never form exp(large) or log(0)
    if is_torch:
        loss = (1 - t) * s - torch.nn.functional.logsigmoid(s)
    else:
        loss = (1 - t) * s + np.logaddexp(0.0, -s)
    return loss.mean() if reduction == "mean" else loss


def sigmoid_rounding_points(dtype: torch.dtype = torch.float32) -> tuple[float, float]:
    r"""The logits beyond which ``torch.sigmoid`` rounds to exactly 1, and to exactly 0, in ``dtype``.

    Measured by bisection on ``torch.sigmoid`` itself, so the result is what your PyTorch
    computes, not a textbook bound.

    Parameters
    ----------
    dtype : torch.dtype
        A floating-point type, e.g. ``torch.float32`` (the default of every network here).

    Returns
    -------
    (float, float)
        ``(s_one, s_zero)``: the smallest logit with :math:`\sigma(s) = 1` exactly and the
        largest with :math:`\sigma(s) = 0` exactly (to within 1e-4).

    Notes
    -----
    In float32, :math:`1 + e^{-s}` rounds to 1 once :math:`e^{-s}` is below half the spacing of
    floats at 1, :math:`2^{-24}`: from :math:`s pprox 24 \log 2 pprox 16.6`. At the other end
    :math:`\sigma(s) = 1 / (1 + e^{-s})` becomes 0 once :math:`e^{-s}` overflows to infinity,
    :math:`-s > \log(	ext{largest float32}) pprox 88.72`; the true value there,
    :math:`pprox e^{s}`, would still be representable as a subnormal down to
    :math:`s pprox -103.3`, but the formula never gets to compute it.

    Examples
    --------
    >>> s_one, s_zero = sigmoid_rounding_points()
    >>> round(s_zero, 1)
    -88.7
    """
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"expected a floating torch.dtype such as torch.float32, got {dtype!r}")

    def sigmoid(s: float) -> float:
        return float(torch.sigmoid(torch.tensor(s, dtype=dtype)))

    def bisect(inside, lo: float, hi: float) -> float:  # inside(lo) is False, inside(hi) is True
        while abs(hi - lo) > 1e-5:
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if inside(mid) else (mid, hi)
        return hi

    s_one = bisect(lambda s: sigmoid(s) == 1.0, 0.0, 1000.0)
    s_zero = bisect(lambda s: sigmoid(s) == 0.0, 0.0, -1000.0)
    return s_one, s_zero


def bce_minimax_value(real_logits, fake_logits):
    r"""The GAN value function :math:`V(D, G)` computed stably from discriminator logits.

    Parameters
    ----------
    real_logits : array_like or torch.Tensor
        Discriminator logits on real data, :math:`s` with :math:`D(x) = \sigma(s)`.
    fake_logits : array_like or torch.Tensor
        Discriminator logits on generated data, :math:`D(G(z)) = \sigma(s')`.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The scalar :math:`V`, at most 0. The discriminator ascends it.

    Notes
    -----
    Goodfellow et al. (2014), eq. (1), estimated on a batch:

    .. math::
        V(D, G) = \mathbb{E}_{x}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))]
                = -\big[\mathrm{BCE}(s, 1) + \mathrm{BCE}(s', 0)\big].

    So maximising :math:`V` over the discriminator is minimising a binary cross-entropy with
    label 1 for real and 0 for fake: the discriminator is an ordinary binary classifier.
    The training losses themselves live in :mod:`gancourse.gan`.

    Examples
    --------
    >>> round(float(bce_minimax_value([0.0], [0.0])), 4)  # D = 1/2 everywhere: -log 4
    -1.3863
    """
    return -(binary_cross_entropy(real_logits, 1.0) + binary_cross_entropy(fake_logits, 0.0))


# --------------------------------------------------------------------------------------
# Maximum likelihood = cross-entropy minimisation
# --------------------------------------------------------------------------------------
def empirical_distribution(samples, n_classes: int) -> np.ndarray:
    """Relative frequencies of the integer labels ``0..n_classes-1`` in ``samples``.

    Parameters
    ----------
    samples : array_like of int, shape (N,)
        Observed outcomes.
    n_classes : int
        Number of categories K.

    Returns
    -------
    numpy.ndarray, shape (K,)
        :math:`\\hat p_k = \\#\\{i : x_i = k\\} / N`.
    """
    x = _labels(samples, n_classes)
    return np.bincount(x, minlength=n_classes) / x.size


def _labels(samples, n_classes) -> np.ndarray:
    """Validated integer labels as an int64 array (so uint8 or bool labels index, never mask)."""
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"expected n_classes to be a positive integer, got {n_classes!r}")
    x = np.asarray(samples.detach().cpu() if isinstance(samples, torch.Tensor) else samples)
    if x.dtype == bool:
        raise TypeError("expected integer labels, got booleans; convert with .astype(int) if True/False mean 1/0")
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"expected a non-empty 1-D array of labels, got shape {x.shape}; flatten it with .ravel()")
    if not np.issubdtype(x.dtype, np.integer):
        raise TypeError(f"expected integer labels, got dtype {x.dtype}; convert with .astype(int)")
    if x.min() < 0 or x.max() >= n_classes:
        raise ValueError(
            f"expected labels in 0..{n_classes - 1}, got values in {x.min()}..{x.max()}; "
            "raise n_classes or relabel the data"
        )
    return x.astype(np.int64)


def fit_categorical_mle(samples, n_classes: int, steps: int = 300, lr: float = 0.1):
    r"""Fit a categorical model :math:`q = \mathrm{softmax}(\theta)` by minimising the average NLL.

    Parameters
    ----------
    samples : array_like of int, shape (N,)
        Observed outcomes in ``0..n_classes-1``.
    n_classes : int
        Number of categories K.
    steps : int
        Gradient steps (Adam).
    lr : float
        Learning rate.

    Returns
    -------
    q : numpy.ndarray, shape (K,)
        The fitted model distribution; it approaches the empirical frequencies.
    history : numpy.ndarray, shape (steps,)
        The average negative log-likelihood after each step.

    Notes
    -----
    .. math::
        -\frac1N \sum_i \log q_\theta(x_i) = H(\hat p, q_\theta)
        = H(\hat p) + \mathrm{KL}(\hat p \,\|\, q_\theta),

    minimised at :math:`q_\theta = \hat p`, where it equals :math:`H(\hat p)`.
    """
    x = torch.as_tensor(_labels(samples, n_classes))  # int64: uint8 labels would index as a boolean mask
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"expected steps to be a positive integer, got {steps!r}")
    if not (isinstance(lr, (int, float, np.floating)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"expected a positive, finite learning rate lr, got {lr!r}; the default is 0.1")
    theta = torch.zeros(n_classes, dtype=torch.float64, requires_grad=True)  # logits of q, start uniform
    opt = torch.optim.Adam([theta], lr=lr)
    history = np.empty(steps)
    for i in range(steps):
        opt.zero_grad()
        nll = -torch.log_softmax(theta, -1)[x].mean()  # average -log q(x_i)
        nll.backward()
        opt.step()
        history[i] = nll.item()
    return torch.softmax(theta.detach(), -1).numpy(), history

