"""Exact, memory-bounded k-nearest-neighbour search in the mixed-type distance.

The search never builds the full ``n_query x n_reference`` distance matrix. Query rows are
processed in blocks sized so that the per-block work arrays stay under ``max_block_mb``. For each
block, a *lower bound* of every distance is computed with two matrix products (fast BLAS):

* numeric part: the Euclidean distance of the numeric coordinates, which never exceeds their L1
  distance (``||d||_2 <= ||d||_1``), computed as ``|q|^2 + |r|^2 - 2 q.r`` in float32 with a
  safety margin for rounding;
* categorical part: the number of mismatching sketch slots, which never exceeds the number of
  mismatching codes (rare levels share slots).

The ``k`` references with the smallest bounds give an upper bound ``U`` of each query's k-th
neighbour distance; every reference whose lower bound is ``<= U`` is then measured exactly. On real
tables only a handful of references per query survive, so the cost is dominated by the two
matrix products. The result is exact: the same neighbours (ties broken by the lowest reference
index) and distances as a brute-force search.
"""

from __future__ import annotations

import numpy as np

from synthcare.evaluation.attacks._tables import check_positive_int
from synthcare.evaluation.attacks.encoding import EncodedTable

_MARGIN = 1e-6  # absolute slack on bounds (distances are in [0, 1])


def pair_distances(
    query: EncodedTable, reference: EncodedTable, qi: np.ndarray, ri: np.ndarray
) -> np.ndarray:
    """Exact distances between ``query[qi[j]]`` and ``reference[ri[j]]`` for every j."""
    numeric = np.abs(query.numeric[qi] - reference.numeric[ri]).sum(axis=1)
    mismatches = (query.codes[qi] != reference.codes[ri]).sum(axis=1)
    return numeric + mismatches * query.weight


def nearest_neighbours(
    query: EncodedTable,
    reference: EncodedTable,
    *,
    k: int = 1,
    max_block_mb: float = 128.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest reference rows of every query row (exact).

    Parameters
    ----------
    query, reference : EncodedTable
        Rows encoded together by one :class:`~synthcare.evaluation.attacks.encoding.DistanceEncoder`.
    k : int, default 1
        Number of neighbours (capped at the number of reference rows).
    max_block_mb : float, default 128
        Memory budget of the per-block work arrays.

    Returns
    -------
    distances : ndarray of shape (n_query, k)
        Sorted increasingly.
    indices : ndarray of shape (n_query, k)
        Positions in ``reference``; equal distances are ordered by position.
    """
    k = check_positive_int(k, "k")
    n_query, n_ref = len(query), len(reference)
    k = min(k, n_ref)
    distances = np.empty((n_query, k))
    indices = np.empty((n_query, k), dtype=np.int64)
    if n_query == 0 or n_ref == 0:
        return distances[:, :0] if n_ref == 0 else distances, indices[:, :0] if n_ref == 0 else indices

    # Both bounds come straight out of one matrix product each, thanks to augmented columns:
    # [q, 1, |q|^2] . [-2 r, |r|^2 - slack, 1] = |q - r|^2 - slack and
    # [s_q, 1] . [-w s_r, w n_cat - margin] = w (n_cat - matching slots) - margin.
    q_sq = (query.numeric**2).sum(axis=1)
    r_sq = (reference.numeric**2).sum(axis=1)
    slack = 1e-5 * 2 * max(float(r_sq.max(initial=0.0)), float(q_sq.max(initial=0.0)))
    ref_num = np.ascontiguousarray(
        np.column_stack([-2 * reference.numeric, r_sq - slack, np.ones(n_ref)]).astype(np.float32).T
    )
    n_cat = query.codes.shape[1]
    ref_cat = np.ascontiguousarray(
        np.column_stack(
            [-query.weight * reference.sketch, np.full(n_ref, query.weight * n_cat - _MARGIN)]
        ).astype(np.float32).T
    )
    # float32 bound and product scratch, a boolean mask
    bytes_per_pair = 4 * 2 + 1
    block = int(max(1, min(n_query, max_block_mb * 2**20 // (bytes_per_pair * n_ref))))

    for start in range(0, n_query, block):
        stop = min(start + block, n_query)
        rows = np.arange(start, stop)
        local = np.arange(stop - start)
        q_num = np.column_stack([query.numeric[rows], np.ones(len(rows)), q_sq[rows]]).astype(np.float32)
        bound = q_num @ ref_num
        np.maximum(bound, 0.0, out=bound)
        np.sqrt(bound, out=bound)
        q_cat = np.column_stack([query.sketch[rows], np.ones(len(rows))]).astype(np.float32)
        bound += q_cat @ ref_cat

        # Upper bound of the k-th distance from the k most promising references (successive
        # argmins: much cheaper than a partition of every row).
        seeds = np.empty((len(rows), k), dtype=np.int64)
        saved = np.empty((len(rows), k), dtype=np.float32)
        for j in range(k):
            seeds[:, j] = bound.argmin(axis=1)
            saved[:, j] = bound[local, seeds[:, j]]
            bound[local, seeds[:, j]] = np.inf
        for j in range(k):
            bound[local, seeds[:, j]] = saved[:, j]
        seed_d = pair_distances(query, reference, np.repeat(rows, k), seeds.ravel()).reshape(seeds.shape)
        upper = seed_d.max(axis=1)

        cand_r, cand_c = np.nonzero(bound <= upper[:, None] + _MARGIN)
        del bound
        cand_q = rows[cand_r]
        cand_d = pair_distances(query, reference, cand_q, cand_c)
        order = np.lexsort((cand_c, cand_d, cand_q))
        cand_q, cand_c, cand_d = cand_q[order], cand_c[order], cand_d[order]
        first = np.searchsorted(cand_q, rows)
        take = first[:, None] + np.arange(k)[None, :]
        distances[rows] = cand_d[take]
        indices[rows] = cand_c[take]
    return distances, indices
