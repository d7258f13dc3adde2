"""Infer a :class:`~synthcare.data.schema.Schema` from a table."""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from synthcare.data.personal import header_locale, identifier_name, name_locale, names_in_values, person_field
from synthcare.data.schema import ColumnSchema, Schema
from synthcare.errors import DataError, ParameterError, SynthcareWarning, collect

if TYPE_CHECKING:
    import pandas as pd

#: Numeric columns with at most this many distinct values are modelled as classes.
MAX_DISCRETE = 15
#: Default upper limit of distinct values in a categorical column.
MAX_CATEGORIES = 1000

_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$|^\d{1,2}/\d{1,2}/\d{2,4}$"
                   r"|^\d{1,2}(?P<sep>[./-])\d{1,2}(?P=sep)\d{4}( \d{1,2}:\d{2}(:\d{2})?)?$")
# Day first before month first where both read every value (a column with no day past the 12th).
# 31.12.2020 is German, Swiss, Austrian, Scandinavian, Polish...; 31-12-2020 Dutch.
_DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                 "%d/%m/%Y", "%m/%d/%Y", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M:%S",
                 "%m/%d/%Y %H:%M:%S", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d-%m-%Y",
                 "%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S"]


def _precision(values: np.ndarray) -> int | None:
    """Fewest decimals (at most 10) that every value is written with, or None for full floats.

    A value has ``d`` decimals when ``value * 10**d`` is a whole number up to float error. The
    test is on that scaled value, not relative to the value's size: ``-165.84823720575372``
    rounded to 10 decimals is off by only 1e-12 of itself, but it is not a 10-decimal number,
    and rounding it would set every synthetic value apart from the real ones.
    """
    for digits in range(0, 11):
        scaled = values * 10.0**digits
        if np.abs(scaled).max(initial=0.0) >= 2.0**50:  # no room left for decimals in a float
            return None
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6):
            return digits
    return None


def _scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class _Inferrer:
    def __init__(self, n_rows: int, max_categories: int) -> None:
        self.n_rows = n_rows
        self.max_categories = max_categories
        self.problems: list[str] = []
        self.notes: list[str] = []

    def column(self, name: str, series: pd.Series) -> ColumnSchema:
        import pandas as pd

        values = series.dropna()
        base: dict[str, Any] = {
            "name": name, "dtype": str(series.dtype), "missing_rate": float(series.isna().mean())
        }
        if values.empty:
            self.notes.append(f"column '{name}' has no values at all; it is kept as all-missing")
            return ColumnSchema(kind="float", action="synthesize", **base)
        if pd.api.types.is_bool_dtype(series.dtype):
            return self._categorical(base, values, kind="boolean")
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            return self._datetime(base, values, fmt=None)
        if pd.api.types.is_numeric_dtype(series.dtype):
            return self._numeric(base, values.astype(float))
        return self._textual(base, values)

    def _numeric(self, base: dict[str, Any], values: pd.Series) -> ColumnSchema:
        arr = values.to_numpy(dtype=float)
        if not np.all(np.isfinite(arr)):
            self.problems.append(
                f"column '{base['name']}' holds infinite values; replace them with numbers or leave "
                "them empty (missing)"
            )
            arr = arr[np.isfinite(arr)]
            if arr.size == 0:
                return ColumnSchema(kind="float", action="synthesize", **base)
        integral = bool(np.all(arr == np.round(arr)))
        distinct = np.unique(arr)
        if integral and identifier_name(base["name"]) and distinct.size >= max(20, 0.05 * self.n_rows):
            return ColumnSchema(kind="identifier", action="surrogate", roles=["id"], **base)
        if integral and set(distinct.tolist()) <= {0.0, 1.0}:
            return ColumnSchema(
                kind="boolean", action="synthesize", categories=[int(v) for v in distinct], **base
            )
        kind = "integer" if integral else "float"
        precision = 0 if integral else _precision(arr)
        discrete = distinct.size <= MAX_DISCRETE
        categories = None
        if discrete:
            categories = [int(v) if integral else float(v) for v in distinct]
        lo, hi = float(arr.min()), float(arr.max())
        return ColumnSchema(
            kind=kind, action="synthesize", precision=precision if kind == "float" else None,
            minimum=int(lo) if integral else lo, maximum=int(hi) if integral else hi,
            discrete=discrete, categories=categories, **base,
        )

    def _textual(self, base: dict[str, Any], values: pd.Series) -> ColumnSchema:
        import pandas as pd

        name = base["name"]
        text = values.astype(str)
        provider = person_field(name)
        date_share = float(text.str.match(_DATE).mean())
        if provider is None and date_share < 0.8:
            if text.str.match(_EMAIL).mean() >= 0.9:
                provider = "email"
            elif text.str.match(_PHONE).mean() >= 0.9 and text.str.contains(r"[\s()+-]").mean() >= 0.5:
                provider = "phone_number"
        if provider is not None:
            return ColumnSchema(
                kind="direct_identifier", action="fake", fake_provider=provider, roles=["id"], **base
            )
        distinct = text.nunique()
        if identifier_name(name) and distinct >= max(20, 0.05 * self.n_rows):
            return ColumnSchema(kind="identifier", action="surrogate", roles=["id"], **base)
        numeric = pd.to_numeric(text, errors="coerce")
        share = float(numeric.notna().mean())
        if share == 1.0:
            return self._numeric(base, numeric)
        limited = self._beyond_limits(base, text, numeric)
        if limited is not None:
            return limited
        if share >= 0.8:
            others = pd.Series(text[numeric.isna()].unique())
            bad = others[:5].tolist()
            marker = (f"; if {bad[0]!r} marks a missing value, say so: --na {bad[0]!r} on the command line "
                      f"or read_table(..., na_values=[{bad[0]!r}])" if len(others) == 1 else "")
            self.problems.append(
                f"column '{name}' mixes numbers ({min(share, 0.999):.1%} of values) with text such as {bad}; "
                f"clean those values, leave them empty, or declare the column 'categorical' in the schema{marker}"
            )
            return ColumnSchema(kind="categorical", action="drop", **base)
        if date_share >= 0.8:
            return self._parse_dates(base, text, date_share)
        provider = names_in_values(text)
        if provider is not None:
            self.notes.append(
                f"column '{name}' holds personal names (most of its values are known {provider.replace('_', ' ')}s), "
                "so it gets fake names; if they are not names of people, set its action to 'synthesize' and "
                "kind to 'categorical' in the schema"
            )
            return ColumnSchema(
                kind="direct_identifier", action="fake", fake_provider=provider, roles=["id"], **base
            )
        mean_len = float(text.str.len().mean())
        words = float(text.str.count(r"\s+").mean()) + 1.0
        if mean_len > 40 or (distinct > 0.5 * len(text) and words >= 4):
            self.notes.append(
                f"column '{name}' looks like free text; it is left out of the synthetic data "
                "until text support exists"
            )
            return ColumnSchema(kind="text", action="drop", **base)
        if distinct == len(text) and len(text) >= 20 and not text.str.contains(r"\s").any():
            return ColumnSchema(kind="identifier", action="surrogate", roles=["id"], **base)
        if distinct > self.max_categories:
            self.problems.append(
                f"column '{name}' has {distinct:,} distinct values, more than the {self.max_categories:,} "
                "a categorical column may have; in the schema mark it kind 'identifier' "
                "(fresh keys), 'text' or action 'drop', or raise max_categories (--max-categories on the "
                "command line; 'synthcare schema DATA --out schema.json' writes a schema to edit)"
            )
            return ColumnSchema(kind="categorical", action="drop", **base)
        return self._categorical(base, values, kind="categorical")

    def _beyond_limits(self, base: dict[str, Any], text: pd.Series, numeric: pd.Series) -> ColumnSchema | None:
        """A number column of laboratory results with some written beyond a detection limit
        ('<0.5', '> 1000', with decimal points or commas), however many: a float or integer
        column that keeps those markers (``limits``), or None if the column is something else.
        Where the measured values are few (a semi-quantitative test), the column is categorical,
        each value as written."""
        import pandas as pd

        from synthcare.columns.limits import parse_limit

        decimal = "."
        if text.str.fullmatch(r"\s*[-+]?\d*,\d+\s*").any():
            comma = pd.to_numeric(text.str.strip().str.replace(",", ".", regex=False), errors="coerce")
            if comma.notna().sum() > numeric.notna().sum():
                numeric, decimal = comma, ","
        stripped = text.str.strip()
        markers = stripped[numeric.isna()].unique().tolist()
        if not markers or numeric.notna().sum() < 2 or any(parse_limit(m) is None for m in markers):
            return None
        spec = self._numeric(base, numeric.dropna())
        if spec.kind not in {"integer", "float"} or spec.discrete:
            return self._categorical(base, stripped, kind="categorical")
        spec.limits = sorted(markers, key=lambda m: (parse_limit(m), m))
        spec.decimal = decimal
        share = float(numeric.isna().mean())
        self.notes.append(f"column '{base['name']}' has results beyond a detection limit ({share:.1%} of values, "
                          f"written {spec.limits[:5]}); they are modelled and written back as such")
        return spec

    def _categorical(self, base: dict[str, Any], values: pd.Series, *, kind: str) -> ColumnSchema:
        cats = sorted({_scalar(v) for v in values.unique()}, key=lambda v: (str(type(v)), v))
        return ColumnSchema(kind=kind, action="synthesize", categories=cats, **base)

    def _parse_dates(self, base: dict[str, Any], text: pd.Series, share: float) -> ColumnSchema:
        import pandas as pd

        for fmt in _DATE_FORMATS:
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
            if parsed.notna().all():
                return self._datetime(base, parsed, fmt=fmt)
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        bad = text[parsed.isna()].unique()[:5].tolist()
        if not bad:
            return self._datetime(base, parsed, fmt=None)
        self.problems.append(
            f"column '{base['name']}' looks like dates ({share:.0%} of values) but some cannot be "
            f"parsed, such as {bad}; fix or empty those values, or declare the column "
            "'categorical' in the schema"
        )
        return ColumnSchema(kind="categorical", action="drop", **base)

    def _datetime(self, base: dict[str, Any], parsed: pd.Series, fmt: str | None) -> ColumnSchema:
        lo, hi = parsed.min(), parsed.max()
        if fmt is None and (parsed.dropna() == parsed.dropna().dt.normalize()).all():
            fmt = "%Y-%m-%d"  # whole days only: output is rounded to days too
        return ColumnSchema(
            kind="datetime", action="synthesize", datetime_format=fmt,
            minimum=lo.isoformat(), maximum=hi.isoformat(), **base,
        )


def infer_schema(frame: pd.DataFrame, *, max_categories: int = MAX_CATEGORIES, strict: bool = True) -> Schema:
    """Infer the schema of ``frame``: each column's kind, bounds, precision, categories and roles.

    Problems that need the user (mixed types, unparseable dates, too many categories) are
    collected and raised together as one :class:`~synthcare.errors.DataError`. With
    ``strict=False`` they are warnings instead, and the schema comes back with those columns'
    action set to ``drop``: a draft to edit (what ``synthcare schema`` writes).
    """
    if isinstance(max_categories, bool) or not isinstance(max_categories, int) or max_categories < 2:
        raise ParameterError(f"max_categories must be an int of at least 2. Got {max_categories!r}.")
    inferrer = _Inferrer(len(frame), max_categories)
    columns = [inferrer.column(str(name), frame[name]) for name in frame.columns]
    if strict:
        collect(inferrer.problems, DataError, "The data has problems to fix before it can be used:")
    for problem in inferrer.problems:
        warnings.warn(f"{problem}. Until then the column is set to 'drop' in this schema.", SynthcareWarning,
                      stacklevel=2)
    _set_fake_locale(frame, columns, inferrer.notes)
    for note in inferrer.notes:
        warnings.warn(note, SynthcareWarning, stacklevel=2)
    return Schema(n_rows=len(frame), columns=columns)


def _set_fake_locale(frame: pd.DataFrame, columns: list[ColumnSchema], notes: list[str]) -> None:
    """Give every faked column the locale of the table's people: the one whose name lists hold
    most of the names in its name columns, else the language of a name column's header
    ('Vorname': de_DE), else none (English). A German table gets German fake names, phone
    numbers and addresses rather than American ones."""
    faked = [c for c in columns if c.action == "fake"]
    if not faked:
        return
    names = [c.name for c in faked if c.fake_provider in {"first_name", "last_name", "name"}]
    locale = name_locale([frame[name] for name in names]) if names else None
    why = f"the names in {names}"
    if locale is None:
        found = [(c.name, header_locale(c.name)) for c in faked]
        found = [(name, loc) for name, loc in found if loc is not None]
        if found:
            locale, why = found[0][1], f"the header '{found[0][0]}'"
    if locale is None:
        return
    for c in faked:
        c.fake_locale = locale
    notes.append(f"fake values of {[c.name for c in faked]} follow the locale {locale} (from {why}); "
                 "set 'fake_locale' in the schema to change it")
