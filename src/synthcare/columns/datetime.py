"""Date and time columns, modelled as days since 1970-01-01."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthcare.columns.base import Encoded, snap
from synthcare.data.schema import ColumnSchema

DAY_NS = 86_400 * 10**9


def _parse(series: pd.Series, spec: ColumnSchema) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    fmt = spec.datetime_format or "ISO8601"
    return pd.to_datetime(series, format=fmt, errors="coerce")


def date_only(spec: ColumnSchema) -> bool:
    fmt = spec.datetime_format or ""
    return bool(fmt) and not any(token in fmt for token in ("%H", "%M", "%S"))


def days(series: pd.Series) -> pd.Series:
    """Dates (datetime or text) as float days since 1970-01-01; what cannot be read is missing."""
    values = pd.to_datetime(series, errors="coerce", format="mixed")
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert(None)
    return ((values - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).astype("float64")


def day_number(value: object) -> float:
    """One date (text or timestamp) as days since 1970-01-01; raises ValueError/TypeError."""
    return pd.Timestamp(value).value / DAY_NS


def encode(series: pd.Series, spec: ColumnSchema) -> Encoded:
    parsed = _parse(series, spec)
    nanos = parsed.astype("datetime64[ns]").to_numpy().astype("int64").astype(float)
    values = np.where(parsed.isna().to_numpy(), np.nan, nanos / DAY_NS)
    lower = pd.Timestamp(spec.minimum).value / DAY_NS if spec.minimum else -np.inf
    upper = pd.Timestamp(spec.maximum).value / DAY_NS if spec.maximum else np.inf
    return Encoded(spec.name, "continuous", values, lower=lower, upper=upper)


def decode(values: np.ndarray, spec: ColumnSchema, support: np.ndarray | None = None) -> pd.Series:
    days = np.asarray(values, dtype=float)
    if support is not None:
        days = snap(days, support)
    if spec.minimum is not None:
        days = np.clip(days, pd.Timestamp(spec.minimum).value / DAY_NS, None)
    if spec.maximum is not None:
        days = np.clip(days, None, pd.Timestamp(spec.maximum).value / DAY_NS)
    missing = np.isnan(days)
    seconds = np.where(missing, 0, np.round(days) * 86_400 if date_only(spec) else np.round(days * 86_400))
    stamps = pd.Series(pd.to_datetime(seconds.astype("int64"), unit="s")).mask(missing)
    if spec.dtype.startswith("datetime"):
        return stamps.astype(spec.dtype)
    text = stamps.dt.strftime(spec.datetime_format or "%Y-%m-%dT%H:%M:%S")
    return text.astype("str" if spec.dtype == "str" else "object").mask(missing)
