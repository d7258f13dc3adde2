"""Conditional sampling for the sequential CART engine.

Columns are drawn in the model's order. A column that a condition restricts is drawn from its
leaf distribution cut to the allowed values (classes, or a union of intervals, and whether a
missing value is allowed); the allowed share of the mass multiplies the row's weight. Rows keep
track of which alternatives of the condition (clauses of its disjunctive form) they still
satisfy, so "a or b" works across columns. Weighted rows are then resampled by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthcare.columns.base import Encoded
from synthcare.engines import linear, truncated
from synthcare.engines.bounds import from_gap, row_limits, to_gap, to_step

INF = np.inf


@dataclass
class EncodedConstraint:
    """What one clause allows of one encoded column."""

    codes: np.ndarray | None = None  # discrete: bool per class
    intervals: list[tuple[float, float]] | None = None  # continuous: closed intervals, encoded units
    missing: bool = False

    def holds(self, values: np.ndarray, discrete: bool) -> np.ndarray:
        if discrete:
            return self.codes[values.astype(np.int64)]
        ok = np.isnan(values) & self.missing
        for lo, hi in self.intervals or []:
            ok |= (values >= lo) & (values <= hi)
        return ok


@dataclass
class EncodedRelation:
    """Column ``column`` must be >= (``lower``) or <= the value of the earlier column ``ref``.

    ``values`` / ``ref_values`` map class codes to numbers when a side is a discrete column.
    Where either value is missing the relation does not apply.
    """

    column: int
    ref: int
    lower: bool
    values: np.ndarray | None = None
    ref_values: np.ndarray | None = None


def _bounds(relations: list[EncodedRelation], j: int, X: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    mine = [r for r in relations if r.column == j]
    if not mine:
        return None
    n = X.shape[0]
    lo, hi = np.full(n, -INF), np.full(n, INF)
    for r in mine:
        ref = X[:, r.ref]
        if r.ref_values is not None:
            codes = ref.astype(np.int64)
            ok = codes < len(r.ref_values)
            ref = np.where(ok, r.ref_values[np.minimum(codes, len(r.ref_values) - 1)], np.nan)
        ref = np.where(np.isnan(ref), -INF if r.lower else INF, ref)
        if r.lower:
            lo = np.maximum(lo, ref)
        else:
            hi = np.minimum(hi, ref)
    return lo, hi


def merge_intervals(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted, non-overlapping union of closed intervals."""
    out: list[list[float]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(a, b) for a, b in out]


def _patterns(alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of the alive matrix and, per row, the index of its pattern."""
    packed = np.packbits(alive, axis=1)
    uniq, inverse = np.unique(packed, axis=0, return_inverse=True)
    return np.unpackbits(uniq, axis=1, count=alive.shape[1]).astype(bool), inverse.ravel()


def sample_conditioned(model, n: int, clauses: list[dict[int, EncodedConstraint]],  # noqa: ANN001
                       rng: np.random.Generator, relations: list[EncodedRelation] | None = None,
                       ) -> tuple[list[Encoded], np.ndarray]:
    """``n`` weighted rows of a fitted CART model inside the condition's clauses, with every
    relation between columns (``dtime >= rtime``) holding by construction."""
    relations = relations or []
    J = len(model.columns_)
    X = np.empty((n, J))
    alive = np.ones((n, len(clauses)), dtype=bool)
    log_w = np.zeros(n)
    out: list[Encoded] = []
    for j, meta in enumerate(model.columns_):
        preds = X[:, :j]
        cons = [cl.get(j) for cl in clauses]
        discrete = meta["kind"] == "discrete"
        bounds = _bounds(relations, j, X)
        if bounds is not None and all(c is None for c in cons):
            free = EncodedConstraint(codes=np.ones(meta["n_classes"] or 1, dtype=bool)) if discrete else \
                EncodedConstraint(intervals=[(-INF, INF)], missing=True)
            cons = [free] * len(clauses)
        if all(c is None for c in cons):
            mass = None
            values = model._draw_column(j, preds, rng)
        else:
            pats, which = _patterns(alive)
            if discrete:
                probs = _probs(model, f"c{j}", preds, rng)
                allowed = np.zeros((len(pats), probs.shape[1]), dtype=bool)
                for p, pat in enumerate(pats):
                    for c in np.flatnonzero(pat):
                        allowed[p] |= True if cons[c] is None else cons[c].codes
                allowed = allowed[which]
                if bounds is not None:
                    rel = next(r for r in relations if r.column == j)
                    vals = rel.values
                    inside = (vals[None, :] >= bounds[0][:, None]) & (vals[None, :] <= bounds[1][:, None])
                    allowed[:, : len(vals)] &= inside
                values, mass = truncated.classes(probs, allowed, rng)
            else:
                region = []
                for pat in pats:
                    live = [cons[c] for c in np.flatnonzero(pat)]
                    if any(c is None for c in live):
                        region.append(([(-INF, INF)], True))
                    else:
                        ivs = merge_intervals([iv for c in live for iv in (c.intervals or [])])
                        region.append((ivs, any(c.missing for c in live)))
                values, mass = _continuous(model, j, meta, preds, (region, which, bounds), rng)
            for c, con in enumerate(cons):
                if con is not None:
                    alive[:, c] &= con.holds(values, discrete)
        if mass is not None:
            with np.errstate(divide="ignore"):
                log_w += np.log(mass)
        X[:, j] = values
        if discrete:
            out.append(Encoded(meta["name"], "discrete", values.astype(np.int64), meta["n_classes"]))
        else:
            out.append(Encoded(meta["name"], "continuous", values))
    weights = np.exp(log_w - log_w[np.isfinite(log_w)].max()) if np.isfinite(log_w).any() else np.zeros(n)
    weights[~alive.any(axis=1)] = 0.0
    return out, weights


def _probs(model, key: str, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:  # noqa: ANN001
    """Per row of ``X``: the class probabilities of its leaf in a tree drawn at random."""
    groups = model._leaf_rows(key, "probs", X, rng)
    out = np.empty((X.shape[0], groups[0][1].shape[1]))
    for rows, table, leaf in groups:
        out[rows] = table[leaf]
    return out


def _continuous(model, j: int, meta: dict, preds: np.ndarray, region, rng: np.random.Generator):  # noqa: ANN001
    """Values of continuous column ``j`` (NaN = missing) inside ``region`` and the allowed mass
    per row."""
    from synthcare.engines.cart import _clip

    n = preds.shape[0]
    p_miss = np.zeros(n)
    if model._has(f"c{j}m"):
        p_miss = _probs(model, f"c{j}m", preds, rng)[:, 1]
    has_values = model._has(f"c{j}")
    regions, which, bounds = region
    width = max(len(r[0]) for r in regions)
    lo = np.full((len(regions), width), np.nan)
    hi = np.full((len(regions), width), np.nan)
    allow_missing = np.array([r[1] for r in regions])[which]
    for p, (ivs, _) in enumerate(regions):
        for m, (a, b) in enumerate(ivs):
            lo[p, m], hi[p, m] = a, b
    lo, hi = lo[which], hi[which]
    if bounds is not None:  # relations to earlier columns, row by row
        lo, hi = np.maximum(lo, bounds[0][:, None]), np.minimum(hi, bounds[1][:, None])
    # keep the value inside the column's range and the orderings the training rows all keep
    low, high = row_limits(meta, preds)
    lo, hi = np.maximum(lo, low[:, None]), np.minimum(hi, high[:, None])
    spike_mass = np.zeros(n)
    spike = np.full(n, np.nan)  # the spike's value per row
    if model._has(f"c{j}z"):  # a point mass at the end of the range, with its own tree
        spike = from_gap(meta, preds, np.full(n, meta["spike"], dtype=float))
        with np.errstate(invalid="ignore"):
            inside = ((spike[:, None] >= lo) & (spike[:, None] <= hi)).any(axis=1)
        p_spike = _probs(model, f"c{j}z", preds, rng)[:, 1]
        spike_mass = p_spike * inside
    else:
        p_spike = np.zeros(n)
    value_mass = np.zeros(n)
    drawn = np.full(n, np.nan)
    if has_values:
        wanted = lo, hi
        if meta.get("anchor") is not None:  # the model draws the gap to an earlier column
            lo, hi = to_gap(meta, preds, lo), to_gap(meta, preds, hi)
            lo, hi = (lo, hi) if meta["sign"] > 0 else (hi, lo)
        if meta.get("linear"):  # the model draws the residual of its linear part, in normal scores
            from scipy.special import ndtri

            knot, mean = model._knot(j), model._link_mean(j, preds)
            lo = ndtri(linear.cdf(lo, knot, "left")) - mean[:, None]
            hi = ndtri(linear.cdf(hi, knot, "right")) - mean[:, None]
        lo, hi = np.where(np.isnan(lo), INF, lo), np.where(np.isnan(hi), -INF, hi)  # switched off
        gaps = np.full(n, np.nan)
        for rows, grids, leaf in model._leaf_rows(f"c{j}", "grid", preds, rng):  # grids differ by tree
            if rows.size:
                gaps[rows], value_mass[rows] = truncated.grid_values(grids[leaf], lo[rows], hi[rows], rng)
        gaps = from_gap(meta, preds, gaps)
        if meta.get("linear"):
            gaps = _into(model._unlink(j, mean, gaps), *wanted)
        drawn = to_step(_clip(gaps, meta), meta.get("step"), *wanted)
    miss_mass = p_miss * allow_missing
    spike_mass = (1 - p_miss) * spike_mass
    mass = miss_mass + spike_mass + (1 - p_miss) * (1 - p_spike) * value_mass
    u = rng.random(n) * np.where(mass > 0, mass, 1)
    values = np.where(u < miss_mass, np.nan, np.where(u < miss_mass + spike_mass, spike, drawn))
    return values, mass


def _into(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Each value moved onto the nearest of its row's intervals ``[lo, hi]`` (NaN = off) if it
    fell just outside them, as mapping back from normal scores can by rounding."""
    with np.errstate(invalid="ignore"):
        off = np.isnan(lo) | np.isnan(hi) | (lo > hi)
        below, above = lo - values[:, None], values[:, None] - hi
        distance = np.where(off, INF, np.maximum(np.maximum(below, above), 0.0))
    best = np.argmin(np.where(np.isnan(distance), INF, distance), axis=1)
    rows = np.arange(values.size)
    inside = np.isfinite(distance[rows, best])
    moved = np.clip(values, lo[rows, best], hi[rows, best])
    return np.where(inside & ~np.isnan(values), moved, values)
