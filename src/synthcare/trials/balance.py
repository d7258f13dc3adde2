"""Covariate balance: the design matrix, standardised mean differences, propensity scores, matching.

Pure functions on arrays and frames; :mod:`synthcare.trials.control_arm` puts them together.

* Design: a numeric covariate is one term (missing values imputed with the mean of the observed
  values, plus a ``col (missing)`` term when any value is missing); a categorical covariate is one
  0/1 term per level (``col=level``, missing is its own level).
* Standardised mean difference (Austin 2009): ``(mean_treated - mean_control) / s`` with
  ``s = sqrt((var_treated + var_pool) / 2)`` computed once, **before** matching, and used for the
  before and after values, so that a change in SMD is a change in means, not in spread. A
  covariate's SMD is its term with the largest absolute value.
* Propensity: logistic regression of treated (1) vs pool (0) on the standardised terms; matching
  is greedy nearest-neighbour within a caliper on the logit of the propensity, treated patients taken from the
  highest propensity down (hardest to match first), without replacement, within a caliper of
  0.2 standard deviations of the logit (Austin 2011, Pharm Stat 10:150). By default the control
  chosen within the caliper is the nearest in Mahalanobis distance of the terms and the logit
  (Rubin & Thomas 2000, JASA 95:573), which balances each covariate far better than the propensity
  alone when the propensity carries little information (as in a randomised trial).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING = "(missing)"


def as_text(series: pd.Series) -> pd.Series:
    """Category labels as text, so that 1, 1.0 and "1" are the same level; missing stays missing."""

    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, (bool, np.bool_)):
            return str(bool(v)).lower()
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v)

    return series.astype(object).map(one)


@dataclass(frozen=True)
class Design:
    """How covariates become terms; learnt on the treated arm and the pool together."""

    numeric: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]  # categorical covariate -> its levels, in order
    means: dict[str, float]
    with_missing: tuple[str, ...]  # numeric covariates that get a missing-indicator term

    @classmethod
    def fit(cls, frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> Design:
        means, with_missing = {}, []
        for col in numeric:
            x = pd.to_numeric(frame[col], errors="coerce")
            means[col] = float(x.mean()) if x.notna().any() else 0.0
            if x.isna().any():
                with_missing.append(col)
        levels = {}
        for col in categorical:
            text = as_text(frame[col]).fillna(MISSING)
            levels[col] = tuple(sorted(text.unique(), key=str))
        return cls(tuple(numeric), levels, means, tuple(with_missing))

    def terms(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[str], list[str]]:
        """The term matrix of ``frame``, the term names and the covariate each term belongs to."""
        cols, names, owners = [], [], []
        for col in self.numeric:
            x = pd.to_numeric(frame[col], errors="coerce").to_numpy(float)
            miss = np.isnan(x)
            cols.append(np.where(miss, self.means[col], x))
            names.append(col)
            owners.append(col)
            if col in self.with_missing:
                cols.append(miss.astype(float))
                names.append(f"{col} {MISSING}")
                owners.append(col)
        for col, levels in self.levels.items():
            text = as_text(frame[col]).fillna(MISSING).to_numpy(object)
            for level in levels:
                cols.append((text == level).astype(float))
                names.append(f"{col}={level}")
                owners.append(col)
        matrix = np.column_stack(cols) if cols else np.zeros((len(frame), 0))
        return matrix, names, owners


def _weighted_mean_var(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = w / w.sum()
    mean = w @ x
    var = w @ (x - mean) ** 2
    return mean, var


def pooled_sd(treated: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """The SMD denominator of each term: sqrt of the mean of the treated and pool variances."""
    return np.sqrt((treated.var(axis=0) + pool.var(axis=0)) / 2)


def smd(treated: np.ndarray, controls: np.ndarray, sd: np.ndarray,
        control_weights: np.ndarray | None = None) -> np.ndarray:
    """Standardised mean difference of each term (0 where a term is constant in both groups)."""
    w = np.ones(len(controls)) if control_weights is None else np.asarray(control_weights, float)
    mean_c, _ = _weighted_mean_var(controls, w)
    diff = treated.mean(axis=0) - mean_c
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(sd > 0, diff / np.where(sd > 0, sd, 1.0), np.where(np.abs(diff) > 1e-12, np.inf, 0.0))
    return np.where(np.abs(out) < 1e-12, 0.0, out)  # rounding noise of equal means


def by_covariate(values: np.ndarray, owners: list[str]) -> dict[str, float]:
    """The term of each covariate with the largest absolute SMD, signed."""
    out: dict[str, float] = {}
    for value, owner in zip(values, owners):
        if owner not in out or abs(value) > abs(out[owner]):
            out[owner] = float(value)
    return out


def propensity_logit(treated: np.ndarray, pool: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Logit of P(treated | covariates) for the treated rows and the pool rows."""
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([treated, pool])
    y = np.r_[np.ones(len(treated)), np.zeros(len(pool))]
    centre, scale = x.mean(axis=0), x.std(axis=0)
    keep = scale > 0
    z = (x[:, keep] - centre[keep]) / scale[keep]
    if z.shape[1] == 0:
        logit = np.zeros(len(x))
    else:
        model = LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit(z, y)
        logit = model.decision_function(z)
    return logit[: len(treated)], logit[len(treated):]


def whitened(treated: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Terms transformed so that Euclidean distance is the Mahalanobis distance of the terms.

    The covariance is that of treated and pool together; its pseudo-inverse copes with redundant
    terms (the levels of a categorical sum to one).
    """
    x = np.vstack([treated, pool])
    cov = np.atleast_2d(np.cov(x, rowvar=False))
    values, vectors = np.linalg.eigh(cov)
    keep = values > 1e-10 * max(values.max(), 1e-300)
    w = vectors[:, keep] / np.sqrt(values[keep])
    z = (x - x.mean(axis=0)) @ w
    return z[: len(treated)], z[len(treated):]


def match(treated_logit: np.ndarray, pool_logit: np.ndarray, *, ratio: int, caliper: float,
          treated_terms: np.ndarray | None = None, pool_terms: np.ndarray | None = None) -> list[list[int]]:
    """Pool rows matched to each treated row: greedy nearest neighbour, without replacement.

    Candidates are the unused pool rows within ``caliper`` (an absolute distance on the logit scale) of
    the treated row's logit. Without terms the nearest logit wins (propensity matching); with
    ``treated_terms``/``pool_terms`` (for example from :func:`whitened`) the nearest in those terms wins
    (Mahalanobis matching within propensity calipers, Rubin & Thomas 2000). Round ``r`` gives each
    treated row (highest logit first) its ``r``-th control, so every treated row gets a first control
    before any gets a second; a row with no candidate left gets fewer than ``ratio``.
    """
    order = np.argsort(pool_logit, kind="stable")
    sorted_logit = pool_logit[order]
    sorted_terms = None if pool_terms is None else pool_terms[order]
    used = np.zeros(len(order), dtype=bool)
    matches: list[list[int]] = [[] for _ in treated_logit]
    sequence = np.argsort(-treated_logit, kind="stable")
    for _ in range(ratio):
        for i in sequence:
            lo = int(np.searchsorted(sorted_logit, treated_logit[i] - caliper, side="left"))
            hi = int(np.searchsorted(sorted_logit, treated_logit[i] + caliper, side="right"))
            free = lo + np.flatnonzero(~used[lo:hi])
            if free.size == 0:
                continue
            if sorted_terms is None:
                dist = np.abs(sorted_logit[free] - treated_logit[i])
            else:
                dist = ((sorted_terms[free] - treated_terms[i]) ** 2).sum(axis=1)
            best = int(free[np.argmin(dist)])
            used[best] = True
            matches[i].append(int(order[best]))
    return matches
