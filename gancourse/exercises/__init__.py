"""Exercise checkers: each notebook's exercises call ``gancourse.exercises.nbNN.check_*``.

A checker never just says "wrong": it says what it expected, what it got, and a hint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Feedback", "check_close", "as_number", "format_number"]


@dataclass
class Feedback:
    """The verdict of one exercise checker; prints as a friendly message."""

    passed: bool
    message: str

    def __repr__(self) -> str:
        return ("✅ " if self.passed else "❌ ") + self.message

    def __bool__(self) -> bool:
        return self.passed


def as_number(answer) -> float | None:
    """A learner's scalar answer (number, 0-d array or tensor) as a float; None if it is not one."""
    try:
        return float(answer.detach() if hasattr(answer, "detach") else answer)
    except (TypeError, ValueError):
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
    try:
        a = np.asarray(answer.detach().cpu() if hasattr(answer, "detach") else answer, dtype=float)
    except (TypeError, ValueError):
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
