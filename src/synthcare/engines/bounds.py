"""Bounds one column sets on another, learnt so that every synthetic row keeps them.

Clinical tables are full of them: recurrence comes before death (``dtime >= rtime``), a stop
time after its start, and follow-up ends with the study, so a patient enrolled in a later year
has less of it. Trees blur such edges. The CART engine instead draws the gap to the bound,
which is never negative, so the bound holds in every row and ties on it stay as common as in
the source.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthcare.columns.base import Encoded

#: A sloped bound (see find_envelope) is kept when at least ENVELOPE_SHARE of the rows lie
#: within ENVELOPE_NEAR of the column's range from it, and it moves by ENVELOPE_TILT of that
#: range or more across the other column's values...
ENVELOPE_SHARE = 0.1
ENVELOPE_NEAR = 0.1
ENVELOPE_TILT = 0.3
#: ... and a tenth of the rows or more lie further than ENVELOPE_FAR of the range from it.
ENVELOPE_FAR = 0.2
#: Fewer rows than this show an edge only through a few extreme ones: no bound is learnt.
ENVELOPE_ROWS = 200
#: The bounding column takes at most this many values (a calendar year, a grade): bounds found
#: along a finely measured column are the edge of a correlated cloud, not of the data.
ENVELOPE_LEVELS = 50
#: Fewer rows with both columns known than this do not establish an ordering.
ORDER_ROWS = 20


def find_orders(X: np.ndarray, columns: list[Encoded], j: int, skip: int | None = None) -> list[list[int]]:
    """Every earlier continuous column that bounds column ``j`` on all rows where both are known,
    as ``[column, sign]`` (sign +1 for "j >= column"), except ``skip`` (the anchor, which the
    gap keeps already). Orderings that unrelated pairs keep too (ranges far apart) are left out.
    Sampling draws a value again where it would break one (a visit day after the end of
    follow-up), which keeps the column's own shape where a gap would not (see find_anchor)."""
    y = X[:, j]
    out = []
    for i in range(j):
        if i == skip or columns[i].kind != "continuous":
            continue
        both = ~np.isnan(y) & ~np.isnan(X[:, i])
        if both.sum() < ORDER_ROWS:
            continue
        out += [[i, sign] for sign in (1, -1) if _ordered(y[both], X[both, i], sign)]
    return out


def order_bound(order: list, preds: np.ndarray) -> np.ndarray:
    """Row by row, the value an ordering bounds its column by: the earlier column itself for
    ``[column, sign]``, a straight line in it for ``[column, sign, offset, slope]`` (an
    envelope, see :func:`find_envelope`). NaN where the earlier column is missing."""
    offset, slope = (float(order[2]), float(order[3])) if len(order) == 4 else (0.0, 1.0)
    return offset + slope * preds[:, int(order[0])]


def row_limits(meta: dict[str, Any], preds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row by row, the lowest and highest value column ``meta`` may take: its range, narrowed
    by each ordering it keeps with the earlier columns ``preds`` (where those are known)."""
    n = preds.shape[0]
    lo = np.full(n, -np.inf if meta["lower"] is None else meta["lower"], dtype=float)
    hi = np.full(n, np.inf if meta["upper"] is None else meta["upper"], dtype=float)
    for order in meta.get("orders", []):
        ref = order_bound(order, preds)
        known = ~np.isnan(ref)
        if order[1] > 0:
            lo = np.where(known, np.maximum(lo, ref), lo)
        else:
            hi = np.where(known, np.minimum(hi, ref), hi)
    return lo, hi


def to_step(values: np.ndarray, step: float | None, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A whole-number column's values made whole, each kept in its row's intervals
    ``[lo, hi]`` (one row of intervals per value): the nearest whole number if it is inside
    them, else the one on the other side, else the value as drawn."""
    if not step:
        return values

    def inside(v: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return ((v[:, None] >= lo) & (v[:, None] <= hi)).any(axis=1)

    out = np.round(values / step) * step
    up, down = np.ceil(values / step) * step, np.floor(values / step) * step
    return np.where(inside(out), out, np.where(inside(up), up, np.where(inside(down), down, values)))


def _ordered(y: np.ndarray, x: np.ndarray, sign: int) -> bool:
    """Whether ``sign * (y - x) >= 0`` on every row, and not merely because the two ranges lie
    far apart (an ordering that unrelated pairs keep too teaches nothing)."""
    if (sign * (y - x)).min() < 0:
        return False
    return bool(np.mean(sign * (y - np.roll(x, x.size // 2)) >= 0) <= 0.95)


def find_anchor(X: np.ndarray, columns: list[Encoded], j: int) -> tuple[int, int, float, float] | None:
    """An earlier continuous column that bounds column ``j`` on every row, if there is one.

    Clinical tables are full of such orderings (recurrence time <= death time, start <= stop).
    Learning the gap to the bound, rather than the value, keeps the ordering in every synthetic
    row and keeps exact ties (gap 0) as frequent as in the source. Returns (column, sign, 0, 1)
    (see :func:`find_envelope`) with sign +1 for "j >= anchor" and -1 for "j <= anchor"; among
    several, the tightest.
    """
    y = X[:, j]
    present = ~np.isnan(y)
    if present.sum() < 10:
        return None
    values, counts = np.unique(y[present], return_counts=True)
    own_spike = counts.max() / present.sum() >= 0.05
    best, best_spread = None, np.inf
    for i in range(j):
        if columns[i].kind != "continuous":
            continue
        x = X[:, i]
        if np.isnan(x[present]).any():
            continue
        for sign in (1, -1):
            if not _ordered(y[present], x[present], sign):
                continue
            signed = sign * (y[present] - x[present])
            # a gap without ties would turn the column's own spike (day 0, say) into a smear
            if own_spike and np.mean(signed == 0) < 0.01:
                continue
            spread = float(np.median(signed)) / (float(np.std(y[present])) + 1e-12)
            if spread < best_spread:
                best, best_spread = (i, sign, 0.0, 1.0), spread
    return best


def base(meta: dict[str, Any], X: np.ndarray) -> np.ndarray:
    """The bound an anchored column is drawn relative to: ``offset + slope * anchor``."""
    return meta.get("offset", 0.0) + meta.get("slope", 1.0) * X[:, meta["anchor"]]


def far_end(meta: dict[str, Any]) -> float | None:
    """The end of an anchored column's range away from its bound: its lowest value for an upper
    bound, its highest for a lower one (None where the range is open there)."""
    return meta.get("lower") if meta.get("sign", 1) < 0 else meta.get("upper")


def room(meta: dict[str, Any], X: np.ndarray) -> np.ndarray:
    """Row by row, the unit an anchored column's gap is drawn in: the room between its bound and
    the far end of its range where the gap is ``"scaled"`` (see :func:`scales`), else 1."""
    if not meta.get("scaled"):
        return np.ones(X.shape[0])
    return np.maximum(meta["sign"] * (far_end(meta) - base(meta, X)), 0.0)


def scales(meta: dict[str, Any], X: np.ndarray) -> bool:
    """Whether an anchored column is better drawn as the share of its room it uses (see
    :func:`room`) than as a plain gap: where its bound is an envelope (see
    :func:`find_envelope`), the far end of its range is finite and every training row has room.
    The room an envelope leaves differs from row to row by design: a patient enrolled in 1978
    has 17 years of follow-up before the study closes, one enrolled in 1992 three. A tree's
    leaf mixes them, so plain gaps drawn from it would hand a late patient gaps only an early
    one can have (drawn again until they fit, which leaves late patients the small gaps), and an
    early one the small gaps of late patients: too few early events for both (Rotterdam:
    recurrence within two years 18% of synthetic patients against 22% of real ones). Shares of
    the room keep the shape of follow-up at every enrolment year, and ties on the bound stay
    at 0."""
    far = far_end(meta)
    if (meta.get("offset", 0.0), meta.get("slope", 1.0)) == (0.0, 1.0) or far is None:
        return False
    known = ~np.isnan(X[:, meta["anchor"]])
    return bool(np.all(meta["sign"] * (far - base(meta, X[known])) > 0))


def to_gap(meta: dict[str, Any], X: np.ndarray, values: np.ndarray) -> np.ndarray:
    """What an anchored column's model draws, for ``values`` of it in rows ``X``: the gap to its
    bound (see :func:`base`), as a share of its :func:`room` where that is scaled. ``values``
    may have one column per row's interval ends."""
    shape = (-1,) + (1,) * (np.ndim(values) - 1)
    gap = meta["sign"] * (values - base(meta, X).reshape(shape))
    unit = room(meta, X).reshape(shape)
    with np.errstate(invalid="ignore"):  # no room: the bound itself or beyond reach
        share = np.where(unit > 0, gap / np.where(unit > 0, unit, 1.0), np.where(gap > 0, np.inf, 0.0))
    return np.where(np.isnan(gap), np.nan, share)


def from_gap(meta: dict[str, Any], X: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """Values of a column from what its model drew for rows ``X``: the gap to its bound where it
    is anchored (see :func:`base`; a share of the row's :func:`room` where that is scaled), else
    the values themselves."""
    if meta.get("anchor") is None:
        return drawn
    return base(meta, X) + meta["sign"] * drawn * room(meta, X)


def find_envelope(X: np.ndarray, columns: list[Encoded], j: int) -> tuple[int, int, float, float] | None:
    """A straight-line bound on column ``j`` set by an earlier column with few values (a
    calendar year), which many rows sit near: follow-up time ends at the close of a study, so patients enrolled later
    have at most ``end - year`` of it (flchain, mgus2, Rotterdam). Sampling the gap to that
    bound keeps every synthetic row inside it, where trees alone blur the edge and put
    late-enrolled patients past the end of the study. Returns (column, sign, offset, slope):
    sign -1 for an upper bound ``j <= offset + slope * column``, +1 for a lower bound."""
    y = X[:, j]
    present = ~np.isnan(y)
    if present.sum() < ENVELOPE_ROWS:
        return None
    y = y[present]
    y_range = float(y.max() - y.min())
    if y_range <= 0:
        return None
    best, best_share = None, ENVELOPE_SHARE
    for i in range(j):  # a discrete column counts by its codes if they follow its numeric values
        if columns[i].kind == "discrete" and not columns[i].ordered:
            continue
        x = X[present, i]
        if np.isnan(x).any() or not 3 <= np.unique(x).size <= ENVELOPE_LEVELS:
            continue
        for sign in (-1, 1):
            slope = supporting_slope(x, -sign * y)
            if slope is None:
                continue
            slope = -sign * slope
            offset = float((y - slope * x).max() if sign < 0 else (y - slope * x).min())
            # a level bound is just the column's own maximum (or minimum): nothing to learn
            if abs(slope) * float(np.ptp(x)) < ENVELOPE_TILT * y_range:
                continue
            gap = sign * (y - (offset + slope * x))
            share = float(np.mean(gap <= ENVELOPE_NEAR * y_range))
            # rows all close to the line are a tight relation (the link's job), not an edge
            if share >= best_share and np.mean(gap > ENVELOPE_FAR * y_range) >= 0.1:
                best, best_share = (i, sign, offset, slope), share
    return best


def supporting_slope(x: np.ndarray, y: np.ndarray) -> float | None:
    """Slope of the line on or above every point that lies lowest on average: the edge of
    the upper convex hull of the highest point at each value of ``x``, above the mean of ``x``."""
    levels, inverse = np.unique(x, return_inverse=True)
    top = np.full(levels.size, -np.inf)
    np.maximum.at(top, inverse, y)
    keep = np.isfinite(top)
    hull: list[tuple[float, float]] = []
    for point in zip(levels[keep].tolist(), top[keep].tolist()):
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (point[1] - y1) - (y2 - y1) * (point[0] - x1) >= 0:  # hull[-1] lies under
                hull.pop()
            else:
                break
        hull.append(point)
    if len(hull) < 2:
        return None
    xs = np.array([h[0] for h in hull])
    k = int(np.clip(np.searchsorted(xs, float(np.mean(x))), 1, len(hull) - 1))
    (x1, y1), (x2, y2) = hull[k - 1], hull[k]
    return (y2 - y1) / (x2 - x1) if x2 > x1 else None
