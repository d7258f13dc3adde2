"""Per-call randomness: never touch global generators."""

from __future__ import annotations

import numbers

import numpy as np

from synthcare.errors import ParameterError


def check_random_state(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from ``None`` (fresh entropy), an int or a Generator."""
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise ParameterError(
        "The 'random_state' parameter must be None, a non-negative int or a numpy.random.Generator. "
        f"Got {seed!r} instead."
    )


def child_seed(rng: np.random.Generator) -> int:
    """An int seed for a library that takes ints (scikit-learn), drawn from ``rng``."""
    return int(rng.integers(0, 2**31 - 1))
