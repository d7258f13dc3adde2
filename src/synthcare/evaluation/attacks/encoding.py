"""Mixed-type distance encoding: a Gower-like distance between records of mixed types.

The distance between two records is the mean over columns of per-column distances, as in the
distance to closest record (DCR) of SDMetrics' ``DCRBaselineProtection`` and
``DCROverfittingProtection`` (``sdmetrics.single_table.privacy.dcr_utils.calculate_dcr``):

* numeric column: ``min(|x - y| / range, 1)`` with ``range`` = max - min of the *train* column;
* categorical or boolean column: 0 if equal, 1 if different;
* missing values: missing vs missing = 0, missing vs a value = 1 (both kinds of column).

:class:`DistanceEncoder` turns tables into an :class:`EncodedTable`: numeric coordinates whose
L1 (manhattan) distance is exactly the numeric part of the mean, and integer codes whose
mismatch count is the categorical part:

* numeric values are scaled to ``v = (x - min) / range`` and clipped to ``[0, 1]``; a column with
  missing values takes two coordinates, ``(v / 2, (1 - v) / 2)`` for a value and
  ``(-1/4, -1/4)`` for a missing value (their L1 distance is exactly ``|v - w|``, 1 and 0);
* categorical levels (missing is a level of its own) are integer codes, consistent across the
  tables encoded together;
* everything is weighted by one over the number of columns.

It also holds a small one-hot *sketch* of the codes (rare levels share hashed slots) used only
by :mod:`~synthcare.evaluation.attacks.distance` to compute a lower bound of the distance with
matrix products; neighbours are always confirmed with the exact distance.

Deliberate differences from SDMetrics, both only for values outside the train range:

* values outside the train range are clipped to it (winsorised) *before* taking differences,
  where SDMetrics clips the difference at 1. The two agree whenever one of the two values lies
  inside the train range (always the case for neighbours searched in ``train``); otherwise ours
  is smaller or equal, which errs towards reporting *more* risk.
* a numeric column constant in train (range 0) is compared as "equal to that constant" vs "not"
  (two values both different from the constant are at distance 0, SDMetrics says 1).

SDMetrics scales with the range of whichever table is searched (train *or* holdout); we always
use the train range, so that distances to train and to holdout are measured with one ruler.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthcare.errors import DataError, NotFittedError
from synthcare.evaluation.attacks._tables import check_positive_int, is_numeric_column, numeric_view


@dataclass(frozen=True)
class EncodedTable:
    """Rows of one table in the distance geometry of a :class:`DistanceEncoder`.

    Attributes
    ----------
    numeric : ndarray of shape (n_rows, n_numeric_coordinates)
        Weighted numeric coordinates: their L1 distance is the numeric part of the distance.
    codes : ndarray of shape (n_rows, n_categorical_columns)
        Integer codes; each mismatch adds ``weight`` to the distance.
    sketch : ndarray of shape (n_rows, n_sketch)
        float32 one-hot of (hashed) codes: matching slots >= matching codes.
    weight : float
        One over the number of columns.
    """

    numeric: np.ndarray
    codes: np.ndarray
    sketch: np.ndarray
    weight: float

    def __len__(self) -> int:
        return self.numeric.shape[0]

    def take(self, rows: np.ndarray) -> EncodedTable:
        """The rows at the given positions."""
        return EncodedTable(self.numeric[rows], self.codes[rows], self.sketch[rows], self.weight)


@dataclass(frozen=True)
class _NumericColumn:
    name: object
    low: float
    span: float  # 0 for a column constant in train, NaN if train is all missing


def _categorical_view(series: pd.Series) -> pd.Series:
    """An object Series with missing values as ``None``, so bools and categories compare as values."""
    values = series.astype(object)
    return values.where(values.notna(), None)


class DistanceEncoder:
    """Encode mixed-type rows for the mean per-column (Gower-like) distance.

    Parameters
    ----------
    sketch_levels : int, default 16
        Width of the one-hot sketch of each categorical column used for lower bounds (the most
        frequent train levels get their own slot, the rarer ones share hashed slots). It changes
        speed only, never the distances.

    Attributes
    ----------
    columns_ : list
        The columns, in the order of the train table.
    numeric_ : list
        The columns compared as numbers (int, float, datetime) and not constant in train.
    categorical_ : list
        The columns compared as labels (object, string, category, bool), and numeric columns
        constant or all missing in train.
    """

    def __init__(self, *, sketch_levels: int = 16) -> None:
        self.sketch_levels = sketch_levels

    def fit(self, train: pd.DataFrame) -> DistanceEncoder:
        """Learn column kinds and numeric ranges from ``train``."""
        check_positive_int(self.sketch_levels, "sketch_levels", minimum=2)
        if not isinstance(train, pd.DataFrame) or train.shape[0] == 0 or train.shape[1] == 0:
            shape = getattr(train, "shape", None)
            raise DataError(
                f"DistanceEncoder.fit needs a non-empty DataFrame; got {type(train).__name__} "
                f"with shape {shape}."
            )
        self.columns_ = list(train.columns)
        self.numeric_: list = []
        self.categorical_: list = []
        self._numeric: dict = {}
        self._levels: dict = {}
        for col in self.columns_:
            series = train[col]
            if is_numeric_column(series):
                values = numeric_view(series)
                present = values[~np.isnan(values)]
                if present.size and present.max() > present.min():
                    self.numeric_.append(col)
                    self._numeric[col] = _NumericColumn(col, float(present.min()), float(np.ptp(present)))
                    continue
                # constant or all missing in train: compare as labels
                constant = float(present[0]) if present.size else np.nan
                self._numeric[col] = _NumericColumn(col, constant, 0.0)
                self.categorical_.append(col)
                self._levels[col] = [0, 1, None]
            else:
                self.categorical_.append(col)
                counts = _categorical_view(series).value_counts(dropna=False)
                self._levels[col] = list(counts.index)  # most frequent first
        return self

    @property
    def n_columns(self) -> int:
        """Number of columns the distance averages over."""
        self._check_fitted()
        return len(self.columns_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "columns_"):
            raise NotFittedError("This DistanceEncoder is not fitted yet; call fit(train) first.")

    def transform(self, *tables: pd.DataFrame, columns: list | None = None) -> list[EncodedTable]:
        """Encode several tables *jointly*, so that their codes and coordinates are comparable.

        Parameters
        ----------
        *tables : DataFrame
            Tables with (at least) the fitted columns.
        columns : list, optional
            Measure the distance on these columns only (the mean is over them). Default: all.
        """
        self._check_fitted()
        columns = self.columns_ if columns is None else list(columns)
        unknown = [c for c in columns if c not in self.columns_]
        if unknown or not columns:
            raise DataError(
                f"Cannot encode on columns {columns}: the encoder was fitted on {self.columns_}."
            )
        for i, table in enumerate(tables):
            missing = [c for c in columns if c not in table.columns]
            if missing:
                raise DataError(
                    f"Table #{i} passed to DistanceEncoder.transform lacks the columns {missing}; "
                    "give it the same columns as the train table."
                )
        weight = 1.0 / len(columns)
        sizes = [len(t) for t in tables]
        total = sum(sizes)
        numeric = [
            self._numeric_block(np.concatenate([numeric_view(t[c]) for t in tables]), self._numeric[c])
            for c in self.numeric_
            if c in columns
        ]
        codes, sketches = [], []
        for col in self.categorical_:
            if col not in columns:
                continue
            if col in self._numeric:
                spec = self._numeric[col]
                raw = np.concatenate([numeric_view(t[col]) for t in tables])
                code = np.where(np.isnan(raw), 2, np.where(raw == spec.low, 0, 1))
            else:
                series = pd.concat([_categorical_view(t[col]) for t in tables], ignore_index=True)
                levels = self._levels[col]
                code, _ = pd.factorize(
                    pd.concat([pd.Series(levels, dtype=object), series], ignore_index=True),
                    use_na_sentinel=False,
                )
                code = code[len(levels):]
            codes.append(code.astype(np.int64))
            sketches.append(self._sketch(code))
        num = (np.hstack(numeric) if numeric else np.zeros((total, 0))) * weight
        cod = np.column_stack(codes) if codes else np.zeros((total, 0), dtype=np.int64)
        sk = np.hstack(sketches) if sketches else np.zeros((total, 0), dtype=np.float32)
        cuts = np.cumsum(sizes)[:-1]
        return [
            EncodedTable(n, c, s, weight)
            for n, c, s in zip(np.split(num, cuts), np.split(cod, cuts), np.split(sk, cuts), strict=True)
        ]

    @staticmethod
    def _numeric_block(raw: np.ndarray, spec: _NumericColumn) -> np.ndarray:
        missing = np.isnan(raw)
        scaled = np.clip((raw - spec.low) / spec.span, 0.0, 1.0)
        if not missing.any():
            return scaled[:, None]
        out = np.empty((raw.size, 2))
        out[:, 0] = scaled / 2
        out[:, 1] = (1 - scaled) / 2
        out[missing] = -0.25
        return out

    def _sketch(self, code: np.ndarray) -> np.ndarray:
        n_levels = int(code.max(initial=0)) + 1
        if n_levels <= self.sketch_levels:
            width, slot = n_levels, code
        else:
            width, half = self.sketch_levels, self.sketch_levels // 2
            slot = np.where(code < half, code, half + (code - half) % (width - half))
        out = np.zeros((code.size, width), dtype=np.float32)
        out[np.arange(code.size), slot] = 1.0
        return out
