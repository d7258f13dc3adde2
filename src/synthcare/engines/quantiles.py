"""Quantile grids: a distribution stored as a few quantiles, sampled by interpolation.

A grid keeps the shape of a distribution without keeping its values row by row, and sampling
between the grid points smooths the output so it does not repeat training values.
"""

from __future__ import annotations

import numpy as np


def grouped(groups: np.ndarray, values: np.ndarray, n_groups: int, n_points: int) -> np.ndarray:
    """Quantile grid (``n_groups`` x ``n_points``) of ``values`` within each group id.

    Groups without values get a row of ``NaN``.
    """
    order = np.lexsort((values, groups))
    g, v = groups[order], values[order]
    counts = np.bincount(g, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    probs = np.linspace(0.0, 1.0, n_points)
    pos = starts[:, None] + probs[None, :] * np.maximum(counts - 1, 0)[:, None]
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, starts[:, None] + np.maximum(counts - 1, 0)[:, None])
    frac = pos - lo
    empty = counts == 0
    lo[empty] = 0
    hi[empty] = 0
    if v.size == 0:
        return np.full((n_groups, n_points), np.nan)
    out = v[lo] * (1.0 - frac) + v[hi] * frac
    out[empty] = np.nan
    return out


def draw(grids: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One value per row of ``grids``: a uniform position interpolated between grid points."""
    n, k = grids.shape
    pos = rng.random(n) * (k - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, k - 1)
    frac = pos - lo
    rows = np.arange(n)
    return grids[rows, lo] * (1.0 - frac) + grids[rows, hi] * frac


def draw_classes(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One class index per row of ``probs`` (rows sum to 1)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), probs.shape[1] - 1)
