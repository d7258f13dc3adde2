"""Drawing from the engines' leaf distributions restricted to allowed values.

Conditional sampling restricts each column to what a condition allows. Instead of drawing and
rejecting, the leaf distribution is cut to the allowed region and renormalised; the probability
mass that was allowed is returned as the row's importance weight (sequential importance
sampling), so rare conditions cost no more than common ones.
"""

from __future__ import annotations

import numpy as np

from synthcare.engines import quantiles


def classes(probs: np.ndarray, allowed: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One class per row among the ``allowed`` ones (bool, classes), with the allowed mass."""
    cut = probs * allowed
    mass = cut.sum(axis=1)
    cum = np.cumsum(cut, axis=1)
    u = rng.random(len(probs)) * mass
    drawn = np.minimum((cum < u[:, None]).sum(axis=1), probs.shape[1] - 1)
    return drawn, mass


def grid_values(grids: np.ndarray, lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
    """One value per row of ``grids`` (see :func:`quantiles.draw`) inside the union of the
    intervals ``[lo[:, m], hi[:, m]]`` (disjoint per row; an empty interval, lo > hi, is off),
    with the share of the row's mass those intervals hold."""
    n, k = grids.shape
    m_count = lo.shape[1]
    # rows in one leaf share grid and intervals: work out the cell masses once per distinct row
    rows = np.ascontiguousarray(np.concatenate([grids, lo, hi], axis=1))
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, inv = np.unique(keys, return_index=True, return_inverse=True)
    uniq, inv = rows[first], inv.ravel()
    g, ulo, uhi = uniq[:, :k], uniq[:, k:k + m_count], uniq[:, k + m_count:]
    left, right, spike = quantiles.cells(g)
    a = np.maximum(left[:, :, None], ulo[:, None, :])
    b = np.minimum(right[:, :, None], uhi[:, None, :])
    width = (right - left)[:, :, None]
    spread = np.where(width > 0, np.clip(b - a, 0, None) / np.where(width > 0, width, 1), 0.0)
    point = (g[:, :, None] >= ulo[:, None, :]) & (g[:, :, None] <= uhi[:, None, :])
    cell = np.nan_to_num(np.where(spike[:, :, None], point.astype(float), spread)) / k
    cum = np.cumsum(cell.reshape(len(uniq), -1), axis=1)
    mass = cum[:, -1][inv]
    u = rng.random(n) * mass
    pick = np.minimum((cum[inv] < u[:, None]).sum(axis=1), k * m_count - 1)
    i, m = np.divmod(pick, m_count)
    r = inv
    lo_v = np.maximum(left[r, i], ulo[r, m])
    hi_v = np.minimum(right[r, i], uhi[r, m])
    values = np.where(spike[r, i], g[r, i], lo_v + rng.random(n) * np.clip(hi_v - lo_v, 0, None))
    values[mass <= 0] = np.nan
    return values, mass
