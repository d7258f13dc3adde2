"""Date and time columns, modelled as days since 1970-01-01.

A column with a time zone is modelled in its wall-clock time (what a clock there showed), so
that whole days stay whole days and the hours of a day keep their pattern across daylight
saving; its zone is put back on output.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from synthcare.columns.base import Encoded, snap
from synthcare.data.schema import ColumnSchema

DAY_NS = 86_400 * 10**9


def _parse(series: pd.Series, spec: ColumnSchema) -> pd.Series:
    """Naive timestamps: wall-clock time where the column has a time zone."""
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = pd.to_datetime(series, format=spec.datetime_format or "ISO8601", errors="coerce")
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_localize(None)
    return series


def _bound(text: str | None, default: float) -> float:
    """A schema bound as days; a bound with a zone counts in that zone's wall-clock time."""
    return day_number(text) if text else default


def date_only(spec: ColumnSchema) -> bool:
    fmt = spec.datetime_format or ""
    return bool(fmt) and not any(token in fmt for token in ("%H", "%M", "%S"))


def days(series: pd.Series, fmt: str | None = None) -> pd.Series:
    """Dates (datetime or text written as ``fmt``, else any common way) as float days since
    1970-01-01, in wall-clock time where they have a zone; what cannot be read is missing.

    Give the column's format where it is known: without it, 03.04.1990 is read month first
    (4 March) but 13.04.1990 day first."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series
    else:
        values = pd.to_datetime(series, errors="coerce", format=fmt or "mixed")
        astray = values.isna() & series.notna()
        if fmt and astray.any():  # written another way than the column (an ISO time of midnight)
            values = values.where(~astray, pd.to_datetime(series.where(astray), errors="coerce", format="mixed"))
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return ((values - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).astype("float64")


def day_number(value: object, fmt: str | None = None) -> float:
    """One date (text or timestamp) as days since 1970-01-01, in wall-clock time if it has a
    zone (as columns with one are modelled); text is read as ``fmt`` (the column's format) when
    it is written so, else as ISO or any common way. Raises ValueError/TypeError."""
    stamp = None
    if isinstance(value, str) and fmt:
        try:
            stamp = pd.Timestamp(datetime.strptime(value.strip(), fmt))
        except ValueError:
            stamp = None
    stamp = pd.Timestamp(value) if stamp is None else stamp
    return (stamp.tz_localize(None) if stamp.tz is not None else stamp).value / DAY_NS


def encode(series: pd.Series, spec: ColumnSchema) -> Encoded:
    parsed = _parse(series, spec)
    nanos = parsed.astype("datetime64[ns]").to_numpy().astype("int64").astype(float)
    values = np.where(parsed.isna().to_numpy(), np.nan, nanos / DAY_NS)
    lower, upper = _bound(spec.minimum, -np.inf), _bound(spec.maximum, np.inf)
    return Encoded(spec.name, "continuous", values, lower=lower, upper=upper)


def decode(values: np.ndarray, spec: ColumnSchema, support: np.ndarray | None = None) -> pd.Series:
    days = np.asarray(values, dtype=float)
    if support is not None:
        days = snap(days, support)
    if spec.minimum is not None:
        days = np.clip(days, _bound(spec.minimum, -np.inf), None)
    if spec.maximum is not None:
        days = np.clip(days, None, _bound(spec.maximum, np.inf))
    missing = np.isnan(days)
    seconds = np.where(missing, 0, np.round(days) * 86_400 if date_only(spec) else np.round(days * 86_400))
    stamps = pd.Series(pd.to_datetime(seconds.astype("int64"), unit="s")).mask(missing)
    if spec.dtype.startswith("datetime"):
        dtype = pd.api.types.pandas_dtype(spec.dtype)
        if isinstance(dtype, pd.DatetimeTZDtype):
            # a wall-clock time skipped when clocks go forward moves on to the first that exists;
            # one met twice when they go back is taken as standard time
            stamps = stamps.dt.tz_localize(dtype.tz, ambiguous=np.zeros(len(stamps), dtype=bool),
                                           nonexistent="shift_forward")
        return stamps.astype(spec.dtype)
    text = stamps.dt.strftime(spec.datetime_format or "%Y-%m-%dT%H:%M:%S")
    return text.astype("str" if spec.dtype == "str" else "object").mask(missing)
