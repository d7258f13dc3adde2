"""Laboratory results beyond a detection limit: ``<0.5``, ``> 1000`` written beside the numbers.

The schema lists such markers in a number column's ``limits``. Each one is modelled as a value
of its own just outside the measured range, on its side (its stand-in: a point mass the engines
learn like any other, so that how often a result is below the limit follows the other columns),
and is written back as written; the column comes back as text, as it came in. In conditions a
result '<0.5' is a number just below 0.5; ``evaluate`` compares it at its limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from synthcare.data.schema import ColumnSchema

_LIMIT = re.compile(r"^\s*(<=|>=|<|>|≤|≥)\s*([-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+))\s*$")


def parse_limit(marker: str) -> tuple[int, float] | None:
    """``(side, limit)`` of a detection-limit marker: ``'<0.5'`` -> ``(-1, 0.5)``,
    ``'> 1000'`` -> ``(1, 1000.0)``, ``'< 0,5'`` -> ``(-1, 0.5)``; None for anything else."""
    found = _LIMIT.match(str(marker))
    if found is None:
        return None
    side = -1 if found.group(1) in {"<", "<=", "≤"} else 1
    return side, float(found.group(2).replace(",", "."))


def written_as_text(spec: ColumnSchema) -> bool:
    """Whether a number column's values are text to read with :func:`read_numbers` (limits beside
    the numbers, or decimal commas) rather than numbers as they are."""
    return bool(spec.limits) or spec.decimal == ","


def read_numbers(series: pd.Series, spec: ColumnSchema, markers: str = "missing") -> np.ndarray:
    """A column's values as floats. Text is read with the column's decimal mark; a detection-limit
    marker becomes missing (``markers='missing'``), its limit (``'limit'``: results below 0.5
    counted at 0.5, as a simple analysis substitutes them), the nearest number beyond its limit
    (``'beyond'``: '<0.5' is below 0.5, so it meets 'crp < 0.5' and not 'crp >= 0.5') or its
    stand-in (``'stand_in'``, the engines' value for it, see :func:`stand_ins`)."""
    if not written_as_text(spec) and pd.api.types.is_numeric_dtype(series.dtype):
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    stripped = series.astype("object").map(lambda v: v.strip() if isinstance(v, str) else v)
    text = stripped.map(lambda v: v.replace(",", ".") if isinstance(v, str) else v) if spec.decimal == "," else stripped
    values = pd.to_numeric(text.where(series.notna(), None), errors="coerce").to_numpy(dtype=float)
    if spec.limits and markers != "missing":
        places = stand_ins(spec) if markers == "stand_in" else {}
        for marker in spec.limits:
            side, limit = parse_limit(marker)
            at = (stripped == marker).to_numpy()
            values[at] = places.get(marker, limit if markers == "limit" else np.nextafter(limit, side * np.inf))
    return values


def _gap(spec: ColumnSchema) -> float:
    """The spacing of the stand-ins: 1% of the measured range, or 1 for whole numbers."""
    lo, hi = measured_range(spec)
    return 1.0 if spec.kind == "integer" else max((hi - lo) * 0.01, 10.0 ** -(spec.precision or 6))


def measured_range(spec: ColumnSchema) -> tuple[float, float]:
    """The range of the measured values (the schema's bounds; without them, the limits')."""
    limits = [parse_limit(m)[1] for m in spec.limits or []] or [0.0]
    lo = float(spec.minimum) if spec.minimum is not None else min(limits)
    hi = float(spec.maximum) if spec.maximum is not None else max(limits)
    return lo, hi


def stand_ins(spec: ColumnSchema) -> dict[str, float]:
    """The value standing for each marker: just outside the measured range on the marker's side,
    one spacing apart, ordered by limit."""
    lo, hi = measured_range(spec)
    gap = _gap(spec)
    out: dict[str, float] = {}
    parsed = sorted(((parse_limit(m), m) for m in spec.limits or []), key=lambda item: (item[0], item[1]))
    below = [m for (side, _), m in parsed if side < 0]
    above = [m for (side, _), m in parsed if side > 0]
    for k, marker in enumerate(below):
        out[marker] = lo - gap * (len(below) - k)
    for k, marker in enumerate(above):
        out[marker] = hi + gap * (k + 1)
    return out


def limit_intervals(spec: ColumnSchema, inside: Callable[[float], bool]) -> list[tuple[float, float]]:
    """Intervals (in the engine's units) around the stand-in of every marker whose results meet
    a condition: ``inside(value)`` says whether a number does, and a result '<0.5' is taken as
    a number just below 0.5."""
    half = _gap(spec) / 2
    out = []
    for marker, stand_in in stand_ins(spec).items():
        side, limit = parse_limit(marker)
        if inside(np.nextafter(limit, side * np.inf)):
            out.append((stand_in - half, stand_in + half))
    return out


def markers_of(values: np.ndarray, spec: ColumnSchema) -> np.ndarray:
    """Each value's marker where it stands nearer a marker's stand-in than the measured range
    (halfway between them is the cut), else None."""
    by_marker = stand_ins(spec)
    markers = np.array(list(by_marker), dtype=object)
    points = np.array(list(by_marker.values()))
    lo, hi = measured_range(spec)
    out = np.full(values.shape, None, dtype=object)
    ok = ~np.isnan(values)
    nearest = np.abs(values[ok, None] - points[None, :]).argmin(axis=1)
    point = points[nearest]
    outside = np.where(point < lo, values[ok] < (point + lo) / 2, values[ok] > (point + hi) / 2)
    picked = np.full(ok.sum(), None, dtype=object)
    picked[outside] = markers[nearest[outside]]
    out[ok] = picked
    return out


def as_text(values: np.ndarray, markers: np.ndarray, spec: ColumnSchema) -> pd.Series:
    """Numbers written as the source wrote them (its decimals and decimal mark) beside markers."""
    digits = 0 if spec.kind == "integer" else spec.precision

    def write(value: float, marker: str | None) -> str | None:
        if marker is not None:
            return marker
        if np.isnan(value):
            return None
        text = f"{value:.{digits}f}" if digits is not None else repr(float(value))
        return text.replace(".", ",") if spec.decimal == "," else text

    return pd.Series([write(v, m) for v, m in zip(values, markers, strict=True)], dtype=object)
