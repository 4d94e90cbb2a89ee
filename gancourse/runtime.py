"""Run-time basics shared by every notebook: seeds, devices, threads, progress, checkpoints.

Nothing here is GAN theory. These helpers make a notebook give the same numbers on every
run, pick the hardware sensibly, and load heavy results from disk instead of retraining.
"""

from __future__ import annotations

import functools
import os
import pickle
import random
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = [
    "seed_everything",
    "pick_device",
    "set_threads",
    "THREAD_POLICY",
    "progress",
    "save_checkpoint",
    "load_checkpoint",
    "load_or_train",
    "CheckpointError",
    "DATA_DIR",
    "is_headless",
    "FigureExplorer",
]

#: The repository's ``data/`` folder, where shipped checkpoints live.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: Torch intra-op threads per workload. Small models (MLPs on 2-D points, batch <= 512)
#: spend much of each op synchronising threads. Measured on a 2-core machine for a 2-D toy
#: GAN: with other work running, 2 threads were 15x slower than 1 (2.8 vs 42 steps/s, and
#: 100 s vs 7 s for 2000 steps); on the idle machine 2 threads were about 20% faster
#: (146 vs 119 steps/s). One thread is never far from the best and never catastrophic, so
#: it is the policy for toy models. Conv nets on images have enough work per op to use
#: every core. ``make benchmarks`` (``benchmarks/bench_threads.py``) re-measures this.
THREAD_POLICY = {"small": 1, "conv": None}


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch so a notebook gives the same numbers every run.

    Parameters
    ----------
    seed : int
        Any non-negative integer.

    Returns
    -------
    torch.Generator
        A CPU generator seeded with ``seed``, for code that wants its own stream.

    Examples
    --------
    >>> g = seed_everything(0)
    >>> a = torch.rand(2); _ = seed_everything(0); bool((a == torch.rand(2)).all())
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"expected a non-negative integer seed, got {seed!r}; pass e.g. seed=0")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002  (the legacy global stream, for code that uses it)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return torch.Generator().manual_seed(seed)


def restores_global_rng(fn: Callable) -> Callable:
    """Decorate a function that seeds for its own reproducibility so the caller's random state survives it.

    Python's, NumPy's legacy and torch's CPU global generators are saved before ``fn`` runs
    and restored after (also when it raises): what the function draws after seeding is the
    same as before, and what the caller draws next is as if it had not been called.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
        with torch.random.fork_rng(devices=[]):
            try:
                return fn(*args, **kwargs)
            finally:
                random.setstate(py_state)
                np.random.set_state(np_state)  # noqa: NPY002

    return wrapper


def merge_config(defaults: dict, config: dict | None, name: str) -> dict:
    """``defaults`` updated with ``config``; an unknown key is an error (with the closest known key)."""
    if config is None:
        return dict(defaults)
    if not isinstance(config, dict):
        raise TypeError(f"expected config as a dict of settings (keys of {name}), got {type(config).__name__}")
    unknown = sorted(set(config) - set(defaults))
    if unknown:
        import difflib

        close = {k: difflib.get_close_matches(str(k), list(defaults), n=1) for k in unknown}
        hints = "; ".join(f"{k!r}: did you mean {m[0]!r}?" for k, m in close.items() if m)
        raise ValueError(f"unknown config keys {unknown} (nothing was trained); expected keys of {name}: "
                         f"{sorted(defaults)}" + (f". {hints}" if hints else ""))
    return {**defaults, **config}


_DEVICE_NAMES = ("auto", "cpu", "cuda", "mps")


def pick_device(name: str | None = "auto") -> torch.device:
    """Choose where tensors live: CUDA if present, else Apple MPS, else CPU.

    Parameters
    ----------
    name : {"auto", "cpu", "cuda", "mps"} or str, optional
        ``"auto"`` (or None) picks the best available device. An explicit name, optionally
        with an index such as ``"cuda:1"``, is checked for availability.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        For an unknown name, or a device that this machine does not have.
    """
    if name is None or name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if not isinstance(name, str):
        raise TypeError(f"expected a device name such as 'cpu' or 'cuda', got {type(name).__name__}")
    kind = name.split(":")[0]
    if kind not in _DEVICE_NAMES:
        raise ValueError(
            f"unknown device {name!r}; expected one of {', '.join(_DEVICE_NAMES)} "
            "(optionally with an index, e.g. 'cuda:0'); use 'auto' to let the course choose"
        )
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but no CUDA GPU is visible; use 'auto' or 'cpu'")
    if kind == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError("device 'mps' was asked for but Apple MPS is not available; use 'auto' or 'cpu'")
    return torch.device(name)


def set_threads(workload: str = "small", n: int | None = None) -> int:
    """Set PyTorch's intra-op thread count for a kind of work, and return it.

    Parameters
    ----------
    workload : {"small", "conv"}
        ``"small"``: MLPs on low-dimensional toy data (one thread, see `THREAD_POLICY`).
        ``"conv"``: convolutional nets on images (all available cores).
    n : int, optional
        An explicit thread count; overrides the policy. The environment variable
        ``GANCOURSE_THREADS`` overrides both.

    Returns
    -------
    int
        The number of threads now in use.
    """
    if workload not in THREAD_POLICY:
        raise ValueError(
            f"unknown workload {workload!r}; expected one of {sorted(THREAD_POLICY)} "
            "('small' for MLPs on toy data, 'conv' for conv nets on images)"
        )
    env = os.environ.get("GANCOURSE_THREADS", "").strip()
    if env:
        try:
            n = int(env)
        except ValueError:
            raise ValueError(
                f"the environment variable GANCOURSE_THREADS must be a whole number of threads, got {env!r}; "
                "set it to e.g. 1, or unset it to use the course's policy"
            ) from None
    if n is None:
        n = THREAD_POLICY[workload]
    if n is None:
        n = available_cores()
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"expected a whole number of threads n, got {n!r} ({type(n).__name__}); pass e.g. n=1")
    if int(n) < 1:
        raise ValueError(f"expected at least 1 thread, got {n}; pass n=1 or more")
    torch.set_num_threads(int(n))
    return torch.get_num_threads()


def available_cores() -> int:
    """Number of CPU cores this process may run on (respects affinity masks)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def progress(iterable: Iterable | None = None, **kwargs: Any):
    """A progress bar (``tqdm.auto``): a widget in JupyterLab, text in a terminal.

    Set the environment variable ``GANCOURSE_PROGRESS=0`` to silence every bar.
    """
    from tqdm.auto import tqdm

    kwargs.setdefault("disable", os.environ.get("GANCOURSE_PROGRESS", "1") == "0")
    kwargs.setdefault("mininterval", 0.5)
    return tqdm(iterable, **kwargs)


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, unreadable, or not what was expected."""


#: Leaf types that ``torch.load(weights_only=True)`` reads back, so :func:`save_checkpoint` accepts them.
_CHECKPOINT_LEAVES = (torch.Tensor, bool, int, float, complex, str, bytes, type(None), torch.dtype, torch.device,
                      torch.Size)


def _unsaveable(obj: Any, where: str = "obj") -> str | None:
    """The first part of ``obj`` that a weights-only load cannot read back, as a message; None if all can."""
    if isinstance(obj, torch.nn.Module):
        return f"{where} is a {type(obj).__name__} (a network); save its weights instead: {where}.state_dict()"
    if isinstance(obj, np.ndarray) or isinstance(obj, np.generic):
        return f"{where} is a NumPy {type(obj).__name__}; convert it with torch.as_tensor({where}) (or .item() for a number)"
    if isinstance(obj, torch.Tensor):
        return None
    if isinstance(obj, _CHECKPOINT_LEAVES):
        return None
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, (str, int, float, bool, type(None))):
                return f"{where} has a key of type {type(key).__name__}; use str or int keys"
            found = _unsaveable(value, f"{where}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(obj, (list, tuple)):
        if type(obj) not in (list, tuple):  # a namedtuple or another subclass does not load back
            return f"{where} is a {type(obj).__name__}; convert it to a plain tuple or dict first"
        for i, value in enumerate(obj):
            found = _unsaveable(value, f"{where}[{i}]")
            if found:
                return found
        return None
    if callable(getattr(obj, "to_dict", None)):
        return f"{where} is a {type(obj).__name__}; save {where}.to_dict() instead (and rebuild it with from_dict)"
    if hasattr(obj, "__dataclass_fields__"):
        return (f"{where} is a {type(obj).__name__} (a dataclass); save a plain dict of its fields instead, "
                f"e.g. dataclasses.asdict({where})")
    return f"{where} is a {type(obj).__name__}; a checkpoint holds tensors, numbers, strings, and dicts/lists of them"


def save_checkpoint(obj: Any, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Save ``obj`` (tensors, dicts of tensors, numbers, strings) with :func:`torch.save`.

    Refuses to replace an existing file unless ``overwrite=True``: a shipped checkpoint is
    never clobbered by accident. Writes to a temporary file first, so a crash mid-write
    cannot leave a half-written checkpoint behind, and reads that file back as
    :func:`load_checkpoint` will before putting it in place: what is saved can be loaded.

    Raises
    ------
    TypeError
        If ``obj`` holds something a weights-only load cannot read back (a network, a
        dataclass such as ``History``, a NumPy array); the message names the part and the fix.
    ValueError
        If ``path`` is a directory.
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory; expected a file path such as {path / 'checkpoint.pt'}")
    problem = _unsaveable(obj)
    if problem:
        raise TypeError(f"cannot save this checkpoint: {problem}")
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} already exists; pass overwrite=True to replace it, or choose another path"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        torch.save(obj, tmp)
        torch.load(tmp, map_location="cpu", weights_only=True)  # what load_checkpoint will do
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, Exception) and not isinstance(exc, OSError):
            raise TypeError(f"cannot save this checkpoint: it does not load back with weights_only=True ({exc})") from exc
        raise
    return path


def _check_map_location(map_location: Any) -> None:
    if map_location is None or callable(map_location) or isinstance(map_location, (dict, torch.device)):
        return
    try:
        torch.device(map_location)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"map_location must name a device such as 'cpu' or 'cuda', got {map_location!r}; "
            "pass map_location='cpu' (the default)"
        ) from exc


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> Any:
    """Load a checkpoint saved by :func:`save_checkpoint`, safely (``weights_only=True``).

    Raises
    ------
    CheckpointError
        If the file is missing (with the command that makes it, where known), corrupt, or
        holds objects that a weights-only load refuses (then the file is not called corrupt).
    ValueError
        If ``map_location`` names no device.
    """
    path = Path(path)
    _check_map_location(map_location)
    if path.is_dir():
        raise CheckpointError(f"{path} is a directory; expected a checkpoint file such as {path / 'checkpoint.pt'}")
    if not path.is_file():
        raise CheckpointError(
            f"checkpoint {path} not found; expected a file saved with gancourse.save_checkpoint. "
            "Re-create it with `make checkpoints`, or train from scratch (train=True)"
        )
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights_only" in str(exc) or "Weights only" in str(exc):
            raise CheckpointError(
                f"checkpoint {path} could not be read safely: it holds objects other than tensors, numbers and "
                "strings, which weights-only loading refuses (the file itself may be fine). If you made it and "
                "trust it, load it with torch.load(path, weights_only=False); else re-create it with "
                "`make checkpoints`"
            ) from exc
        raise CheckpointError(_corrupt(path, exc)) from exc
    except Exception as exc:  # torch raises several types for a bad file
        raise CheckpointError(_corrupt(path, exc)) from exc


def _corrupt(path: Path, exc: Exception) -> str:
    return (f"checkpoint {path} could not be read ({type(exc).__name__}: {exc}); the file is corrupt "
            "or not a gancourse checkpoint. Re-create it with `make checkpoints` (after moving the file aside)")


def load_or_train(
    path: str | os.PathLike,
    train_fn: Callable[[], Any],
    *,
    train: bool = False,
    save: bool = True,
    verbose: bool = True,
) -> Any:
    """Load a result from ``path`` if present, else compute it with ``train_fn()``.

    Parameters
    ----------
    path : path-like
        Where the checkpoint lives (usually under `DATA_DIR`).
    train_fn : callable
        Called with no arguments when training is needed; returns what gets saved.
    train : bool
        Force training even when the checkpoint exists (the notebooks' one flag).
    save : bool
        Save a freshly trained result to ``path`` (only if no file is there yet).

    Returns
    -------
    object
        The loaded or freshly trained checkpoint contents. It says which it did.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory; expected a checkpoint file path such as {path / 'result.pt'}")
    if path.is_file() and not train:
        obj = load_checkpoint(path)
        if verbose:
            print(f"Found checkpoint {path.name}, loading it (pass train=True to train from scratch).")
        return obj
    if verbose:
        why = "training from scratch as asked" if train else f"no checkpoint at {path}, training"
        print(f"{why.capitalize()}...")
    t0 = time.perf_counter()
    obj = train_fn()
    if verbose:
        print(f"Trained in {time.perf_counter() - t0:.1f} s.")
    if save and not path.exists():
        try:
            save_checkpoint(obj, path)
        except (OSError, TypeError, ValueError) as exc:  # keep the finished training; say why it was not saved
            warnings.warn(f"trained, but could not save to {path}: {exc}. The result is returned unsaved.",
                          RuntimeWarning, stacklevel=2)
        else:
            if verbose:
                print(f"Saved to {path}.")
    return obj


def is_headless() -> bool:
    """True when notebooks run without a live widget front end (CI, ``make notebooks``).

    ``make test`` and ``scripts/run_notebooks.py`` (``make notebooks``) set
    ``GANCOURSE_HEADLESS=1``; JupyterLab does not. The live training view of notebook 03
    uses it to train straight to its final frame instead of waiting for Play.
    """
    return os.environ.get("GANCOURSE_HEADLESS", "0") == "1"


class FigureExplorer:
    """Sliders above a matplotlib figure that is redrawn in place when a slider moves.

    The course's explorers have three layers so their logic is testable without a browser:
    a pure *state function* (the numbers shown, unit-tested), a *plot function*
    ``plot(state, fig=None) -> Figure``, and a subclass of this class that wires sliders to
    them. Setting ``slider.value`` in code runs the same callback as dragging it.

    The figure is displayed as a PNG with a display id and replaced in place, so a notebook
    run without a browser (CI, GitHub's viewer) keeps a static picture of the initial state.

    Subclasses set ``self.controls`` (an ipywidgets container), implement
    :meth:`compute_state`, set ``self._plot``, then call :meth:`_start`.
    """

    controls: Any
    _plot: Callable[..., Any]

    def compute_state(self) -> Any:  # pragma: no cover - abstract
        """Recompute the explorer's state from the current control values."""
        raise NotImplementedError

    def _start(self, sliders: Iterable[Any], figure: Any = None) -> None:
        """Compute the first state, draw it (on ``figure`` if given) and watch ``sliders``."""
        self._handle = None  # IPython DisplayHandle once shown
        self.state = self.compute_state()
        self.figure = self._plot(self.state) if figure is None else self._plot(self.state, figure)
        for slider in sliders:
            slider.observe(self._on_change, names="value")

    def image(self):
        """The current figure as an IPython PNG image (independent of the matplotlib backend)."""
        import io

        from IPython.display import Image

        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        return Image(data=buffer.getvalue(), format="png")

    def _on_change(self, change: Any = None) -> None:
        self.state = self.compute_state()
        self.figure = self._plot(self.state, self.figure)
        if self._handle is not None:
            self._handle.update(self.image())  # replaces the picture shown below the sliders

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.controls)
        self._handle = display(self.image(), display_id=True)
