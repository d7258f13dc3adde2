"""A linear link between continuous columns on the normal-score scale.

Trees split on one column at a time, so on a few hundred rows they keep only part of a
correlation that is spread over many columns (a wide laboratory panel, tumour measurements
that grow together). A continuous column can instead be learnt as a ridge regression on the
normal scores of the continuous columns before it, the trees then learning what is left (the
residual, which may still depend on anything before it). Values move to and from normal scores
through each column's marginal quantile grid, so the link holds no training rows.
"""

from __future__ import annotations

import numpy as np

from synthcare._random import child_seed
from synthcare.engines import quantiles

#: Normal scores are cut at this probability from either end (about 3.1 SDs).
EDGE = 1e-3
#: The link is used only where it explains at least this share of the variance (leave-one-out).
MIN_R2 = 0.1
ALPHAS = np.logspace(-3, 3, 13)
#: At most one predictor per this many rows: a link with nearly as many predictors as rows
#: would pass through the training rows themselves and lead synthetic rows back to them.
ROWS_PER_PREDICTOR = 20
#: A two-class column's score (one extra predictor for its trees, not a value drawn through it)
#: may use one predictor per this many rows.
SCORE_ROWS_PER_PREDICTOR = 10
#: Rows used to decide whether a link helps (see helps), at most.
CHECK_ROWS = 20_000


def knots(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and values of a marginal's piecewise-linear quantile function: the grid
    points at their positions, extended at either end to where its draws end (the outer ends
    of its end cells, see :func:`quantiles.cells`)."""
    grid = np.asarray(grid, dtype=float).ravel()
    left, right, _ = quantiles.cells(grid[None, :])
    probs = np.concatenate([[0.0], quantiles.positions(grid.size), [1.0]])
    return probs, np.concatenate([left[0, :1], grid, right[0, -1:]])


def quantile(p: np.ndarray, knot: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return np.interp(p, knot[0], knot[1])


def cdf(values: np.ndarray, knot: tuple[np.ndarray, np.ndarray], side: str) -> np.ndarray:
    """Inverse of :func:`quantile`: with ``side="left"`` the smallest, with ``"right"`` the
    largest probability whose quantile is ``values`` (they differ on a spike). NaN stays."""
    probs, vals = knot
    i = np.searchsorted(vals, values, side=side)
    inner = (i > 0) & (i < vals.size)
    a = np.clip(i - 1, 0, vals.size - 1)
    b = np.clip(i, 0, vals.size - 1)
    step = np.where(inner, vals[b] - vals[a], 1.0)
    frac = np.where(inner & (step > 0), (values - vals[a]) / np.where(step > 0, step, 1.0), 0.0)
    out = np.where(i <= 0, 0.0, np.where(i >= vals.size, 1.0, probs[a] + frac * (probs[b] - probs[a])))
    return np.where(np.isnan(values), np.nan, out)


def scores(values: np.ndarray, knot: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Normal scores (mid-probability on a spike, cut at EDGE); missing values score 0."""
    from scipy.special import ndtri

    p = 0.5 * (cdf(values, knot, "left") + cdf(values, knot, "right"))
    z = ndtri(np.clip(p, EDGE, 1 - EDGE))
    return np.where(np.isnan(z), 0.0, z)


def strongest(Z: np.ndarray, z: np.ndarray, cols: np.ndarray, rows_per_predictor: int = ROWS_PER_PREDICTOR
              ) -> np.ndarray:
    """The ``cols`` (columns of ``Z``) most correlated with ``z``, one per ROWS_PER_PREDICTOR
    rows at most, in their original order."""
    k = max(1, z.size // rows_per_predictor)
    if cols.size <= k:
        return cols
    Zc, zc = Z - Z.mean(axis=0), z - z.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.abs(Zc.T @ zc) / (np.sqrt((Zc**2).sum(axis=0) * (zc**2).sum()) + 1e-300)
    return np.sort(cols[np.argsort(-np.nan_to_num(corr), kind="stable")[:k]])


def fit(Z: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, float, np.ndarray] | None:
    """Ridge regression of ``z`` on the columns of ``Z``, the penalty chosen by leave-one-out
    error. Returns the coefficients, the intercept and the leave-one-out residuals (honest
    prediction errors, which the trees then learn: in-sample residuals would be too small),
    or None when the link explains less than MIN_R2 of the variance out of sample."""
    n = z.size
    if Z.shape[1] == 0 or n < 10 or np.var(z) <= 0:
        return None
    Zc, zc = Z - Z.mean(axis=0), z - z.mean()
    u, s, vt = np.linalg.svd(Zc, full_matrices=False)
    if s.size == 0 or not s.max() > 0:  # every predictor constant: nothing to link to
        return None
    uz = u.T @ zc
    best = None
    for alpha in ALPHAS * s.max(initial=0.0) ** 2 / max(n, 1):
        d = s**2 / (s**2 + alpha)
        leverage = (u**2) @ d + 1.0 / n
        loo = (zc - u @ (d * uz)) / np.maximum(1.0 - leverage, 1e-6)
        mse = float(np.mean(loo**2))
        if np.isfinite(mse) and (best is None or mse < best[0]):
            best = (mse, alpha, loo)
    if best is None:
        return None
    mse, alpha, loo = best
    if 1.0 - mse / float(np.var(z)) < MIN_R2:
        return None
    coef = vt.T @ (s / (s**2 + alpha) * uz)
    return coef, float(z.mean() - Z.mean(axis=0) @ coef), loo


def helps(X: np.ndarray, z: np.ndarray, residual: np.ndarray, leaf: int, rng: np.random.Generator,
          n_jobs: int | None = None) -> bool:
    """Whether trees on the link's residuals predict a column (normal scores ``z``) better out
    of fold than trees on the column itself: on small tables trees miss what is spread over
    many columns, on large ones they find it alone and the link only adds its own error.
    The ten trees (five folds, two targets) grow on ``n_jobs`` threads."""
    from sklearn.model_selection import KFold
    from sklearn.tree import DecisionTreeRegressor

    from synthcare.engines.threads import map_in_order

    if X.shape[1] == 0:
        return True
    if z.size > CHECK_ROWS:  # a sample answers the question as well on large tables
        rows = rng.choice(z.size, size=CHECK_ROWS, replace=False)
        X, z, residual = X[rows], z[rows], residual[rows]
    folds = list(KFold(5, shuffle=True, random_state=child_seed(rng)).split(X))

    def out_of_fold(task: tuple[np.ndarray, int]) -> np.ndarray:
        target, k = task
        train, test = folds[k]
        tree = DecisionTreeRegressor(min_samples_leaf=leaf, random_state=0).fit(X[train], target[train])
        return tree.predict(X[test])

    tasks = [(target, k) for target in (z, residual) for k in range(len(folds))]
    predicted = map_in_order(out_of_fold, tasks, n_jobs)
    errors = []
    for i, target in enumerate((z, residual)):
        guess = np.empty_like(target)
        for k, (_, test) in enumerate(folds):
            guess[test] = predicted[i * len(folds) + k]
        errors.append(np.mean((target - guess) ** 2))
    alone, linked = errors
    return bool(linked < alone)
