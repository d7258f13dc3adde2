"""Gaussian copula: the fast statistical baseline.

Each column is mapped to a standard normal score through its own distribution (a quantile grid
for continuous columns; the cumulative class frequencies, with a uniform draw inside the class,
for discrete ones), and the scores' correlation matrix ties the columns together. Missingness of
a continuous column is an extra binary score. Captures linear dependence only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthcare.columns.base import Encoded
from synthcare.engines import quantiles
from synthcare.engines.base import BaseSynthesizer, Progress

_EPS = 1e-6


class GaussianCopulaSynthesizer(BaseSynthesizer):
    """Marginals plus a Gaussian copula.

    Parameters
    ----------
    n_quantiles : int
        Points of each continuous column's quantile grid.
    random_state : int, Generator or None
        Seeds the uniform draws used to spread discrete classes when fitting.
    """

    engine_name = "gaussian_copula"
    _constraints = {"n_quantiles": (int, 2, 10_000)}

    def __init__(self, *, n_quantiles: int = 512, random_state: Any = None) -> None:
        self.n_quantiles = n_quantiles
        self.random_state = random_state

    def _fit_encoded(self, columns: list[Encoded], rng: np.random.Generator, progress: Progress,
                     groups: np.ndarray | None = None) -> None:
        # ``groups`` is not used: one joint normal over all rows, with no small leaves that
        # could come to hold a single patient's rows
        from scipy.special import ndtri

        scores, meta, arrays = [], [], {}
        for j, col in enumerate(columns):
            progress(j, len(columns), col.name)
            entry: dict[str, Any] = {"name": col.name, "kind": col.kind, "n_classes": col.n_classes}
            if col.kind == "discrete":
                probs = np.bincount(col.values, minlength=col.n_classes) / len(col.values)
                cum = np.concatenate([[0.0], np.cumsum(probs)])
                u = cum[col.values] + rng.random(len(col.values)) * probs[col.values]
                scores.append(ndtri(np.clip(u, _EPS, 1 - _EPS)))
                arrays[f"c{j}/probs"] = probs
            else:
                y = col.values
                missing = np.isnan(y)
                entry["missing_rate"] = float(missing.mean())
                if missing.any():
                    rate = missing.mean()
                    u = np.where(missing, rng.random(len(y)) * rate, rate + rng.random(len(y)) * (1 - rate))
                    scores.append(ndtri(np.clip(u, _EPS, 1 - _EPS)))
                    entry["has_missing_score"] = True
                if not missing.all():
                    grid = quantiles.grouped(np.zeros((~missing).sum(), dtype=np.int64), y[~missing], 1,
                                             self.n_quantiles)[0]
                    arrays[f"c{j}/grid"] = grid
                    u = np.full(len(y), 0.5)
                    u[~missing] = _cdf(grid, y[~missing])
                    scores.append(ndtri(np.clip(u, _EPS, 1 - _EPS)))
            meta.append(entry)
        Z = np.column_stack(scores) if scores else np.empty((0, 0))
        corr = np.corrcoef(Z, rowvar=False) if Z.shape[1] > 1 else np.eye(Z.shape[1])
        corr = np.nan_to_num(np.atleast_2d(corr), nan=0.0)
        np.fill_diagonal(corr, 1.0)
        arrays["corr"] = corr
        self.columns_ = meta
        self.arrays_ = arrays
        progress(len(columns), len(columns), "done")

    def _sample_encoded(self, n: int, rng: np.random.Generator) -> list[Encoded]:
        from scipy.special import ndtr

        corr = self.arrays_["corr"]
        vals, vecs = np.linalg.eigh(corr)
        factor = vecs * np.sqrt(np.clip(vals, 0.0, None))
        Z = rng.standard_normal((n, corr.shape[0])) @ factor.T
        U = ndtr(Z)
        out, k = [], 0
        for j, meta in enumerate(self.columns_):
            if meta["kind"] == "discrete":
                cum = np.cumsum(self.arrays_[f"c{j}/probs"])
                codes = np.minimum(np.searchsorted(cum, U[:, k] * cum[-1]), meta["n_classes"] - 1)
                out.append(Encoded(meta["name"], "discrete", codes.astype(np.int64), meta["n_classes"]))
                k += 1
                continue
            missing = np.zeros(n, dtype=bool)
            if meta.get("has_missing_score"):
                missing = U[:, k] < meta["missing_rate"]
                k += 1
            values = np.full(n, np.nan)
            if f"c{j}/grid" in self.arrays_:
                grid = self.arrays_[f"c{j}/grid"]
                values = np.interp(U[:, k], quantiles.positions(grid.size), grid)
                values[missing] = np.nan
                k += 1
            out.append(Encoded(meta["name"], "continuous", values))
        return out

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"columns": self.columns_}, dict(self.arrays_)

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.columns_ = meta["columns"]
        self.arrays_ = dict(arrays)


def _cdf(grid: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Empirical CDF through a quantile grid, mid-rank for flat stretches (ties)."""
    probs = quantiles.positions(grid.size)
    left = np.searchsorted(grid, values, side="left")
    right = np.searchsorted(grid, values, side="right")
    lo = probs[np.clip(left - 1, 0, grid.size - 1)]
    hi = probs[np.clip(right, 0, grid.size - 1)]
    inside = np.interp(values, grid, probs)
    tied = right - left > 1
    return np.where(tied, (lo + hi) / 2, inside)
