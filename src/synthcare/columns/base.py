"""The numeric form of one modelled column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np


@dataclass
class Encoded:
    """One column as the engines see it.

    ``discrete``: ``values`` are int64 codes in ``[0, n_classes)``; the last code stands for a
    missing value when the column has any. ``continuous``: float64 values with ``NaN`` for missing.
    ``ordered``: discrete codes that follow the order of numeric values (no missing code).
    ``numeric``: discrete codes that stand for numbers (a count, a grade, a 0/1 sign), not text.
    """

    name: str
    kind: Literal["discrete", "continuous"]
    values: np.ndarray
    n_classes: int = 0
    lower: float = -np.inf
    upper: float = np.inf
    ordered: bool = False
    numeric: bool = False
    #: the spacing of a continuous column's output values (1 for whole numbers), if it has one
    step: float | None = None


def snap(values: np.ndarray, support: np.ndarray) -> np.ndarray:
    """Each value moved to the nearest point of the sorted ``support`` (``NaN`` stays)."""
    out = np.asarray(values, dtype=float).copy()
    ok = ~np.isnan(out)
    if not ok.any() or support.size == 0:
        return out
    x = out[ok]
    if support.size == 1:
        out[ok] = support[0]
        return out
    right = np.clip(np.searchsorted(support, x), 1, support.size - 1)
    left = right - 1
    pick_right = np.abs(support[right] - x) < np.abs(x - support[left])
    out[ok] = np.where(pick_right, support[right], support[left])
    return out
