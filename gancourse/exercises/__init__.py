"""Exercise checkers: each notebook's exercises call ``gancourse.exercises.nbNN.check_*``.

A checker never just says "wrong": it says what it expected, what it got, and a hint.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

__all__ = ["Feedback", "check_close", "as_number", "format_number", "call_learner", "not_finite", "LEARNER_TIME_LIMIT_S"]

#: Seconds a learner's function may run inside a checker before it is stopped with feedback.
#: Enforced with ``SIGALRM``, so only on POSIX systems (Linux, macOS) and in the main thread,
#: which is where a Jupyter kernel runs cells; on Windows the checker cannot stop it.
LEARNER_TIME_LIMIT_S = 30.0


@dataclass
class Feedback:
    """The verdict of one exercise checker; prints as a friendly message."""

    passed: bool
    message: str

    def __repr__(self) -> str:
        return ("✅ " if self.passed else "❌ ") + self.message

    def __bool__(self) -> bool:
        return self.passed


class _TookTooLong(Exception):
    """Raised inside a learner's function when it runs past :data:`LEARNER_TIME_LIMIT_S`."""


@contextmanager
def _time_limit(seconds: float):
    """Interrupt the body with :class:`_TookTooLong` after ``seconds`` (POSIX main thread only, else no limit)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or not seconds or seconds <= 0:
        yield
        return

    def stop(signum, frame):
        raise _TookTooLong

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _copy(arg):
    """A private copy of a tensor or array handed to learner code, so in-place edits cannot reach the checker."""
    if hasattr(arg, "detach") and hasattr(arg, "clone"):
        return arg.detach().clone()
    if isinstance(arg, np.ndarray):
        return arg.copy()
    return arg


def call_learner(name: str, fn, *args, explain=None, copy: bool = True):
    """Run a learner's ``fn(*args)`` safely; return ``(value, None)`` or ``(None, Feedback)``.

    Tensors and arrays in ``args`` are copied first (unless ``copy=False``), so an answer that
    works in place (``z.mul_(0.5)``) is judged on its result and cannot change the checker's data.
    Any exception becomes feedback (``explain(exc)`` may give a specific one), and so does a run
    longer than :data:`LEARNER_TIME_LIMIT_S` (stopped where the platform allows, see there).
    """
    if fn is None or fn is Ellipsis:
        return None, Feedback(False, f"{name}: no answer yet; replace the ... with your code")
    if not callable(fn):
        return None, Feedback(False, f"{name}: expected a function, got {type(fn).__name__}")
    args = tuple(_copy(a) for a in args) if copy else args
    try:
        with _time_limit(LEARNER_TIME_LIMIT_S):
            return fn(*args), None
    except _TookTooLong:
        return None, Feedback(False, f"{name}: your function was stopped after {LEARNER_TIME_LIMIT_S:g} s; look for a "
                                     "loop that never ends (a while loop whose condition never changes)")
    except Exception as exc:  # the learner's code may raise anything
        specific = explain(exc) if explain is not None else None
        return None, Feedback(False, specific or f"{name}: your function raised {type(exc).__name__}: {exc}")


def not_finite(name: str, value) -> Feedback | None:
    """Feedback when a learner's result holds NaN or infinity, else None."""
    try:
        a = np.asarray(value.detach().cpu() if hasattr(value, "detach") else value, dtype=float)
    except (TypeError, ValueError, RuntimeError):
        return None
    if np.isfinite(a).all():
        return None
    kind = "NaN" if np.isnan(a).any() else "infinity"
    return Feedback(False, f"{name}: your result contains {kind}. Look for a log or a division of 0, "
                           "or an overflow in exp; every value should be a finite number")


def as_number(answer) -> float | None:
    """A learner's scalar answer (number, 0-d array or tensor) as a float; None if it is not one."""
    if isinstance(answer, str):
        return None  # "0.5" is text, not a number: check_close says so
    try:
        return float(answer.detach() if hasattr(answer, "detach") else answer)
    except (TypeError, ValueError, RuntimeError):
        return None


def format_number(value) -> str:
    """A number or array for people: ``0`` not ``0.``, ``1.5`` not ``1.5000``, 4 significant digits.

    Examples
    --------
    >>> format_number(0.0), format_number(1.5), format_number(1 / 3), format_number(np.array([0.0, 2.25]))
    ('0', '1.5', '0.3333', '[0, 2.25]')
    """
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        v = float(a) + 0.0  # + 0.0: no "-0"
        return f"{v:.4g}"
    return "[" + ", ".join(format_number(v) for v in a.ravel()) + "]"


def check_close(name: str, answer, expected, *, rtol: float = 1e-3, atol: float = 1e-6, hint: str = "") -> Feedback:
    """Compare a learner's numeric ``answer`` with ``expected`` (scalars or arrays).

    Returns a :class:`Feedback` naming the exercise and, on failure, what was received,
    whether it is too high or too low (for scalars), and ``hint``. Neither the expected value
    nor, on success, the learner's value is printed: a notebook read without running it must
    not show an answer.
    """
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"{name}: no answer yet; replace the ... with your code")
    if isinstance(answer, (str, bytes)):
        return Feedback(False, f"{name}: expected a number, got the text {answer!r}; remove the quotes")
    try:
        a = np.asarray(answer.detach().cpu() if hasattr(answer, "detach") else answer, dtype=float)
    except (TypeError, ValueError, RuntimeError):
        return Feedback(False, f"{name}: expected a number or array, got {type(answer).__name__}")
    e = np.asarray(expected, dtype=float)
    if a.shape != e.shape:
        return Feedback(False, f"{name}: expected shape {e.shape}, got {a.shape}. {hint}".strip())
    if np.allclose(a, e, rtol=rtol, atol=atol):
        return Feedback(True, f"{name}: correct")
    if not np.isfinite(a).all():
        direction = "not finite"
    elif a.ndim == 0:
        direction = "too high" if a > e else "too low"
    else:
        direction = f"{int((~np.isclose(a, e, rtol=rtol, atol=atol)).sum())} of {a.size} entries are off"
    return Feedback(False, f"{name}: not yet: got {format_number(a)} ({direction}). {hint}".strip())
