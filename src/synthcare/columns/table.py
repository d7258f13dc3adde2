"""A whole table to and from the engines' numeric form, following its schema."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from synthcare.columns import categorical, datetime, identifiers, numeric
from synthcare.columns.base import Encoded
from synthcare.data.schema import ColumnSchema, Schema
from synthcare.errors import SynthcareWarning

#: A continuous column whose distinct values are few (at most this share of its values, and at
#: most SUPPORT_LIMIT of them) keeps them as its support: output values are moved to the nearest
#: one, so heaped values (whole units, steps of 5 or 0.1) stay heaped as in the source.
SUPPORT_SHARE = 0.6
SUPPORT_LIMIT = 20_000


def _codec(spec: ColumnSchema):  # noqa: ANN202 - a module with encode/decode
    if spec.kind in {"categorical", "boolean"} or spec.discrete:
        return categorical
    if spec.kind == "datetime":
        return datetime
    return numeric


class TableCodec:
    """Encodes the modelled columns of a table and decodes engine output into a full table."""

    def __init__(
        self,
        schema: Schema,
        pools: dict[str, dict[str, list[str]]] | None = None,
        supports: dict[str, list[float]] | None = None,
        offsets: dict[str, int] | None = None,
    ) -> None:
        self.offsets = offsets or {}
        self.schema = schema
        self.pools = pools or {}
        self.supports = supports or {}
        self._support_arrays = {k: np.asarray(v, dtype=float) for k, v in self.supports.items()}

    @classmethod
    def fit(cls, frame: pd.DataFrame, schema: Schema, groups: np.ndarray | None = None) -> TableCodec:
        """``groups`` numbers each row's patient where patients have several rows: a column's
        values are then counted once per patient when judging whether they are few enough to
        keep as its support (a patient's age, repeated on each of ten visits, is not heaping)."""
        # a name seen in any identifying column is never drawn, whichever column it was in
        personal = [c.name for c in schema.columns if c.kind in {"direct_identifier", "identifier"}]
        seen = identifiers.seen_values([frame[name] for name in personal])
        pools = {
            spec.name: identifiers.name_pool(spec, seen) for spec in schema.columns if spec.action == "fake"
        }
        dropped = [c.name for c in schema.columns if c.action == "drop"]
        if dropped:
            warnings.warn(
                f"these columns are left out of the synthetic data, as the schema says: {dropped}",
                SynthcareWarning,
                stacklevel=3,
            )
        codec = cls(schema, pools)
        supports = {}
        for spec, col in zip(schema.modelled(), codec.encode(frame), strict=True):
            if col.kind != "continuous":
                continue
            present = ~np.isnan(col.values)
            seen = col.values[present]
            distinct = np.unique(seen)
            count = seen.size
            if groups is not None:  # (patient, value) pairs: each patient's value once
                count = len(pd.MultiIndex.from_arrays([groups[present], seen]).unique())
            if 0 < distinct.size <= min(SUPPORT_LIMIT, max(50, SUPPORT_SHARE * count)):
                supports[spec.name] = distinct.tolist()
        offsets = {
            spec.name: identifiers.key_offset(frame[spec.name])
            for spec in schema.columns
            if spec.action == "surrogate"
        }
        return cls(schema, pools, supports, offsets)

    def encode(self, frame: pd.DataFrame) -> list[Encoded]:
        return [_codec(spec).encode(frame[spec.name], spec) for spec in self.schema.modelled()]

    def decode(self, encoded: list[Encoded], n: int, rng: np.random.Generator,
               orders: list[tuple[str, str, int]] = ()) -> pd.DataFrame:
        """Engine output as a table. ``orders`` lists ``(column, bound, sign)``: the engine drew
        ``sign * (column - bound) >= 0`` in every row (see :func:`_keep_order`)."""
        by_name = {e.name: e for e in encoded}
        out: dict[str, pd.Series] = {}
        for spec in self.schema.columns:
            if spec.action == "synthesize":
                support = self._support_arrays.get(spec.name)
                series = _codec(spec).decode(by_name[spec.name].values, spec, support)
            elif spec.action == "surrogate":
                series = identifiers.surrogate(n, spec, self.offsets.get(spec.name, 1))
            elif spec.action == "fake":
                series = identifiers.fake(n, spec, self.pools.get(spec.name, {}), rng)
            else:
                continue
            out[spec.name] = series.reset_index(drop=True)
        for name, bound, sign in orders:
            _keep_order(out, by_name, name, bound, sign)
        for spec in self.schema.columns:
            if spec.name in out:
                out[spec.name] = _source_dtype(out[spec.name], spec)
        return pd.DataFrame(out)

    def state(self) -> dict[str, Any]:
        return {"pools": self.pools, "supports": self.supports, "offsets": self.offsets}


#: pandas' own dtypes that the codecs return as their NumPy (or object) counterparts
_NULLABLE = {f"{kind}{bits}" for kind in ("Int", "UInt") for bits in (8, 16, 32, 64)}
_NULLABLE |= {"Float32", "Float64", "boolean"}


def _source_dtype(series: pd.Series, spec: ColumnSchema) -> pd.Series:
    """A column in the source's pandas dtype where that is one of pandas' own (nullable numbers
    and booleans, ``string``, ``category`` of text), which the codecs leave for NumPy's."""
    dtype = spec.dtype
    if str(series.dtype) == dtype:
        return series
    if dtype in _NULLABLE or dtype.startswith("string"):
        return series.astype(dtype)
    if dtype == "category" and spec.categories and all(isinstance(c, str) for c in spec.categories):
        return series.astype(pd.CategoricalDtype(list(spec.categories)))
    return series


def _keep_order(out: dict[str, pd.Series], encoded: dict[str, Encoded], name: str, bound: str, sign: int) -> None:
    """Column ``name`` as the engine drew it against ``bound``: rounding and snapping each
    column to its own observed values would otherwise part a value from the bound it equals
    (no progression, so follow-up ends at the progression time: mgus2 had 3.9% of such rows
    apart by a day) or put it on the wrong side of it (1.7% died before they progressed)."""
    if name not in out or bound not in out or name not in encoded or bound not in encoded:
        return
    a, b = out[name], out[bound]
    numeric = pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b)
    dates = pd.api.types.is_datetime64_any_dtype(a) and pd.api.types.is_datetime64_any_dtype(b)
    # a whole-number column does not take a bound with decimals (it would be cut, not kept)
    if not (numeric or dates) or (pd.api.types.is_integer_dtype(a) and not pd.api.types.is_integer_dtype(b)):
        return
    with np.errstate(invalid="ignore"):
        tie = encoded[name].values == encoded[bound].values
    gap = (a - b) if numeric else (a - b).dt.total_seconds()
    broken = (sign * gap < 0).fillna(False).to_numpy(dtype=bool)
    fix = (tie | broken) & b.notna().to_numpy(dtype=bool)
    if fix.any():
        bound_values = b.where(b.notna(), a)  # rows where the bound is missing are not fixed
        out[name] = a.mask(fix, bound_values.astype(a.dtype))
