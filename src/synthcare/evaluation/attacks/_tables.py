"""Checks shared by every attack: the three tables, their columns and the sizes asked for.

Columns are either *numeric* (int, float; datetimes are turned into int64 nanoseconds) or
*categorical* (object, string, category, bool). Missing values are allowed in both.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from synthcare.errors import DataError, ParameterError


def is_numeric_column(series: pd.Series) -> bool:
    """True for int/float columns (datetimes count as numeric after :func:`numeric_view`), not bools."""
    return (
        pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    ) or pd.api.types.is_datetime64_any_dtype(series.dtype)


def numeric_view(series: pd.Series) -> np.ndarray:
    """A float64 array of a numeric column; datetimes as int64 nanoseconds, missing as NaN."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        values = series.to_numpy(dtype="datetime64[ns]")
        out = values.astype("int64").astype(np.float64)
        out[np.isnat(values)] = np.nan
        return out
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def check_tables(
    tables: dict[str, pd.DataFrame | None], *, min_rows: dict[str, int] | None = None
) -> list[str]:
    """Check that the given tables are non-empty DataFrames with the same columns.

    Returns the column list (in the order of the first table). Every problem is reported at once.
    """
    min_rows = min_rows or {}
    problems: list[str] = []
    columns: list[str] | None = None
    first = None
    for name, table in tables.items():
        if table is None:
            continue
        if not isinstance(table, pd.DataFrame):
            problems.append(f"'{name}' must be a pandas DataFrame; got {type(table).__name__}.")
            continue
        if table.columns.duplicated().any():
            dup = sorted(map(str, table.columns[table.columns.duplicated()].unique()))
            problems.append(f"'{name}' has duplicated column names {dup}; rename them.")
        need = min_rows.get(name, 1)
        if len(table) < need:
            problems.append(f"'{name}' has {len(table)} rows; at least {need} are needed.")
        if table.shape[1] == 0:
            problems.append(f"'{name}' has no columns.")
        if columns is None:
            columns, first = list(table.columns), name
        elif set(table.columns) != set(columns):
            missing = sorted(map(str, set(columns) - set(table.columns)))
            extra = sorted(map(str, set(table.columns) - set(columns)))
            problems.append(
                f"'{name}' does not have the same columns as '{first}' (missing {missing}, "
                f"extra {extra}); give all tables the same columns."
            )
    if problems:
        bullet = "\n  - "
        raise DataError("The tables cannot be compared:" + bullet + bullet.join(problems))
    assert columns is not None
    return columns


def check_columns(columns: Sequence, available: Sequence, *, name: str, allow_empty: bool = False) -> list:
    """Check that ``columns`` is a list of distinct names of ``available``."""
    if isinstance(columns, str) or not isinstance(columns, Sequence | pd.Index):
        raise ParameterError(
            f"The '{name}' parameter must be a list of column names. Got {columns!r} instead."
        )
    columns = list(columns)
    unknown = [c for c in columns if c not in set(available)]
    if unknown:
        raise ParameterError(
            f"The '{name}' parameter names columns that are not in the data: {unknown}. "
            f"Available columns: {list(available)}."
        )
    if len(set(columns)) != len(columns):
        raise ParameterError(f"The '{name}' parameter repeats column names: {columns}.")
    if not columns and not allow_empty:
        raise ParameterError(f"The '{name}' parameter must name at least one column. Got [] instead.")
    return columns


def check_positive_int(value: object, name: str, *, minimum: int = 1) -> int:
    """An int >= ``minimum`` or a :class:`ParameterError` in the project's template."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ParameterError(f"The '{name}' parameter must be an int >= {minimum}. Got {value!r} instead.")
    return int(value)


def check_fraction(value: object, name: str, *, low: float = 0.0, high: float = 1.0) -> float:
    """A float in the open interval (low, high)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low < float(value) < high:
        raise ParameterError(
            f"The '{name}' parameter must be a number strictly between {low} and {high}. "
            f"Got {value!r} instead."
        )
    return float(value)


def sample_rows(n_rows: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` distinct row positions out of ``n_rows`` (all of them, shuffled, if size >= n_rows)."""
    if size >= n_rows:
        return rng.permutation(n_rows)
    return rng.choice(n_rows, size=size, replace=False)


def split_halves(n_rows: int, rng: np.random.Generator, groups: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of two random halves; with ``groups`` (one number per patient), a patient's
    rows all fall in the same half, so one half never holds a twin of a row in the other."""
    if groups is None:
        perm = rng.permutation(n_rows)
        return perm[: n_rows // 2], perm[n_rows // 2:]
    groups = np.asarray(groups)
    if len(groups) != n_rows:
        raise ParameterError(f"'holdout_groups' needs one group per holdout row ({n_rows}); got {len(groups)}.")
    units = np.unique(groups)
    chosen = units[rng.permutation(len(units))[: len(units) // 2]]
    in_a = np.isin(groups, chosen)
    return rng.permutation(np.flatnonzero(in_a)), rng.permutation(np.flatnonzero(~in_a))
