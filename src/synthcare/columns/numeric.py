"""Integer and float columns: bounds, precision and integral values are kept on output.

Results beyond a detection limit (``<0.5``) in such a column: see :mod:`synthcare.columns.limits`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthcare.columns import limits
from synthcare.columns.base import Encoded, snap
from synthcare.data.schema import ColumnSchema


def encode(series: pd.Series, spec: ColumnSchema) -> Encoded:
    values = limits.read_numbers(series, spec, markers="stand_in")
    lower = -np.inf if spec.minimum is None else float(spec.minimum)
    upper = np.inf if spec.maximum is None else float(spec.maximum)
    for stand_in in limits.stand_ins(spec).values():  # the markers' values lie just outside the bounds
        lower, upper = min(lower, stand_in), max(upper, stand_in)
    step = 1.0 if spec.kind == "integer" else None
    return Encoded(spec.name, "continuous", values, lower=lower, upper=upper, step=step)


def decode(values: np.ndarray, spec: ColumnSchema, support: np.ndarray | None = None) -> pd.Series:
    out = np.asarray(values, dtype=float).copy()
    if support is not None:
        out = snap(out, support)
    beyond = limits.markers_of(out, spec) if spec.limits else None
    if spec.minimum is not None or spec.maximum is not None:
        lo = -np.inf if spec.minimum is None else float(spec.minimum)
        hi = np.inf if spec.maximum is None else float(spec.maximum)
        out = np.clip(out, lo, hi)
    if spec.kind == "integer":
        out = np.round(out)
    elif spec.precision is not None:
        out = np.round(out, spec.precision)
    if beyond is not None:
        return limits.as_text(out, beyond, spec)
    return _cast(out, spec)


def _cast(out: np.ndarray, spec: ColumnSchema) -> pd.Series:
    missing = np.isnan(out)
    dtype = spec.dtype
    if dtype.lower().startswith(("int", "uint")):
        if missing.any():
            # an integer source column cannot hold missing values: use pandas' nullable integer
            return pd.Series(pd.array(np.where(missing, 0, out).astype("int64"), dtype="Int64")).mask(
                missing
            )
        return pd.Series(out.astype(dtype if dtype[0] in "iu" else dtype.lower()))
    return pd.Series(out, dtype="float64")
