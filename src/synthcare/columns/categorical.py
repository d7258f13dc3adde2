"""Categorical and boolean columns, and numeric columns with few values (``discrete``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthcare.columns.base import Encoded
from synthcare.data.schema import ColumnSchema
from synthcare.errors import SchemaError


def _numeric(spec: ColumnSchema) -> bool:
    return all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in spec.categories or [])


def _keys(values: pd.Series, numeric: bool) -> pd.Series:
    """Values as comparable keys: numbers as floats, everything else as text."""
    if numeric:
        return pd.to_numeric(values, errors="coerce").astype(float)
    return values.astype(str)


def encode(series: pd.Series, spec: ColumnSchema) -> Encoded:
    categories = list(spec.categories or [])
    numeric = _numeric(spec)
    cat_keys = _keys(pd.Series(categories, dtype=object), numeric)
    lookup = {key: code for code, key in enumerate(cat_keys.tolist())}
    missing = series.isna().to_numpy()
    keys = _keys(series[~missing], numeric)
    codes = keys.map(lookup)
    if codes.isna().any():
        unknown = keys[codes.isna()].unique()[:5].tolist()
        raise SchemaError(
            f"column '{spec.name}' has values that are not in its schema categories: {unknown}. "
            "Add them to 'categories' in the schema, or re-infer the schema from this data."
        )
    has_missing = spec.missing_rate > 0 or bool(missing.any())
    n_classes = len(categories) + (1 if has_missing else 0)
    out = np.full(len(series), len(categories), dtype=np.int64)
    out[~missing] = codes.to_numpy(dtype=np.int64)
    ordered = numeric and not has_missing and categories == sorted(categories)
    return Encoded(spec.name, "discrete", out, n_classes=n_classes, ordered=ordered, numeric=numeric)


def decode(codes: np.ndarray, spec: ColumnSchema, support: np.ndarray | None = None) -> pd.Series:
    categories = list(spec.categories or [])
    codes = np.asarray(codes, dtype=np.int64)
    missing = codes >= len(categories)
    dtype = spec.dtype
    if dtype.lower().startswith(("int", "uint", "float")) or dtype in {"bool", "boolean"}:
        table = np.array(categories, dtype=float)
        out = table[np.where(missing, 0, codes)]
        if dtype == "bool" and not missing.any():
            return pd.Series(out.astype(bool))
        if dtype.lower().startswith(("int", "uint")) and not missing.any():
            # NumPy's own name for pandas' nullable Int64 / UInt8...; the table puts that dtype back
            return pd.Series(out.astype(dtype.lower() if dtype[0] in "IU" else dtype))
        if dtype.lower().startswith(("int", "uint")):
            return pd.Series(pd.array(out.astype("int64"), dtype="Int64")).mask(missing)
        if dtype in {"bool", "boolean"}:
            return pd.Series(pd.array(out.astype(bool), dtype="boolean")).mask(missing)
        out[missing] = np.nan
        return pd.Series(out, dtype="float64")
    table = np.array([str(c) for c in categories] + [""], dtype=object)
    out = table[np.where(missing, len(categories), codes)]
    result = pd.Series(out, dtype="str" if dtype == "str" else "object")
    return result.mask(missing)
