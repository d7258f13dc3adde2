"""Line up the real, synthetic and holdout tables for evaluation.

Columns are judged by kind from the schema of the real table (inferred unless given): numeric
(integer, float and datetimes, the latter as days since 1970) and categorical (categorical and
boolean, compared as text with missing kept as missing). Identifier and free-text columns are not
compared as distributions; identifiers are checked for copied values by the privacy pillar.
Nothing is dropped silently: every column left out is listed with the reason.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthcare.columns.datetime import days
from synthcare.columns.limits import read_numbers, written_as_text
from synthcare.data.io import TableLike, read_table
from synthcare.data.schema import ColumnSchema, Schema
from synthcare.errors import DataError, ParameterError, SynthcareWarning

NUMERIC_KINDS = {"integer", "float", "datetime"}
CATEGORICAL_KINDS = {"categorical", "boolean"}
IDENTIFIER_KINDS = {"identifier", "direct_identifier"}
MAX_NATIVE_CATEGORIES = 250  # tree models take at most this many categories natively
MAX_CLASSES = 20  # an integer target with at most this many values is a classification task


@dataclass
class EvaluationData:
    """The aligned tables and what each column is."""

    real: pd.DataFrame
    synthetic: pd.DataFrame
    holdout: pd.DataFrame | None
    numeric: list[str]
    categorical: list[str]
    identifiers: list[str]
    schema: Schema
    excluded: dict[str, str] = field(default_factory=dict)
    missing_in_synthetic: list[str] = field(default_factory=list)
    raw_identifiers: dict[str, tuple[pd.Series, pd.Series, pd.Series | None]] = field(default_factory=dict)
    target: str | None = None
    task: str | None = None
    time: str | None = None
    event: str | None = None
    sensitive: list[str] = field(default_factory=list)
    sensitive_suggested: bool = False
    group_key: str | None = None
    groups: dict[str, np.ndarray] = field(default_factory=dict)
    seed: int = 0  # of work shared by pillars (the target models), so a pillar's result never depends on another
    cache: dict[str, Any] = field(default_factory=dict)  # work shared by pillars, done once

    @property
    def columns(self) -> list[str]:
        return [c for c in self.real.columns if c in self.numeric or c in self.categorical]

    def kinds(self) -> dict[str, str]:
        return {c: ("numeric" if c in self.numeric else "categorical") for c in self.columns}

    def describe(self) -> dict[str, Any]:
        return {
            "rows": {
                "real": len(self.real),
                "synthetic": len(self.synthetic),
                "holdout": None if self.holdout is None else len(self.holdout),
            },
            "columns": self.kinds(),
            "excluded": dict(self.excluded),
            "missing_in_synthetic": list(self.missing_in_synthetic),
            "target": self.target,
            "task": self.task,
            "time": self.time,
            "event": self.event,
            "sensitive": list(self.sensitive),
            "sensitive_suggested": self.sensitive_suggested,
        }


def _numeric(series: pd.Series, kind: str, name: str, which: str, fmt: str | None = None,
             spec: ColumnSchema | None = None) -> pd.Series:
    if kind == "datetime":
        out = days(series, fmt)
    elif spec is not None and written_as_text(spec):
        # results beyond a detection limit are compared at the limit ('<0.5' as 0.5), in both tables
        out = pd.Series(read_numbers(series, spec, markers="limit"), index=series.index)
    else:
        out = pd.to_numeric(series, errors="coerce").astype("float64")
    bad = int(out.isna().sum() - series.isna().sum())
    if bad > 0:
        warnings.warn(
            f"{bad} values of column '{name}' in the {which} table are not "
            f"{'dates' if kind == 'datetime' else 'numbers'} and are treated as missing.",
            SynthcareWarning,
            stacklevel=4,
        )
    return out


def _text(series: pd.Series) -> pd.Series:
    out = series.astype("object").where(series.notna(), None)
    return out.map(lambda v: None if v is None else (str(v).lower() if isinstance(v, bool) else str(v)))


def event_indicator(series: pd.Series, name: str) -> pd.Series:
    """0/1 events: booleans, 0/1, or 1/2 (R's survival convention: 2 = event)."""
    values = pd.to_numeric(series.map(lambda v: {"true": 1, "false": 0}.get(str(v).lower(), v)),
                           errors="coerce")
    seen = set(values.dropna().unique().tolist())
    if seen <= {0, 1}:
        return values
    if seen <= {1, 2}:
        return values - 1
    raise DataError(
        f"The event column '{name}' must hold 0/1, 1/2 (2 = event) or true/false; got values "
        f"{sorted(seen)[:10]}. Recode it, or pick another --event column."
    )


def patient_groups(frame: pd.DataFrame, key: str) -> np.ndarray:
    """Group number of each row: rows with the same identifier value are one patient's."""
    if key not in frame.columns:
        return np.arange(len(frame))
    codes = pd.factorize(frame[key].reset_index(drop=True))[0].astype(np.int64)
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(int(missing.sum()))
    return codes


def suggest_sensitive(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Columns that look like protected attributes (sex, gender, age, race, ethnicity)."""
    keys = ("sex", "gender", "male", "female", "age", "race", "ethnic")
    out = []
    for col in columns:
        tokens = [t for t in "".join(ch if ch.isalnum() else " " for ch in col.lower()).split() if t]
        if any(t in keys for t in tokens):
            out.append(col)
    return out


def prepare(
    real: TableLike,
    synthetic: TableLike,
    holdout: TableLike | None = None,
    *,
    schema: Schema | None = None,
    target: str | None = None,
    time: str | None = None,
    event: str | None = None,
    sensitive: list[str] | None = None,
) -> EvaluationData:
    """Read and align the tables; fail with a clear message on anything that cannot be compared."""
    from synthcare.data.inference import infer_schema

    real_df = read_table(real)
    syn_df = read_table(synthetic)
    hold_df = None if holdout is None else read_table(holdout)
    if schema is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SynthcareWarning)
            schema = infer_schema(real_df)
    else:
        schema.check_frame(list(real_df.columns))

    for name, value in (("target", target), ("time", time), ("event", event)):
        if value is not None and value not in real_df.columns:
            raise ParameterError(
                f"The {name} column '{value}' is not in the real table; its columns are "
                f"{list(real_df.columns)}."
            )
    if (time is None) != (event is None):
        raise ParameterError("Give both --time and --event for survival checks, or neither.")

    numeric, categorical, identifiers = [], [], []
    excluded: dict[str, str] = {}
    missing_in_syn = []
    for col in schema.columns:
        if col.kind in IDENTIFIER_KINDS:
            identifiers.append(col.name)
            excluded[col.name] = f"{col.kind.replace('_', ' ')}: checked for copied values, not compared"
            continue
        if col.kind == "text":
            excluded[col.name] = "free text: not compared (text support is separate)"
            continue
        if col.name not in syn_df.columns:
            missing_in_syn.append(col.name)
            excluded[col.name] = "missing from the synthetic table"
            continue
        (numeric if col.kind in NUMERIC_KINDS else categorical).append(col.name)
    if missing_in_syn:
        warnings.warn(
            f"The synthetic table lacks {len(missing_in_syn)} column(s) of the real table: "
            f"{missing_in_syn}. They fail the column-coverage check.",
            SynthcareWarning,
            stacklevel=2,
        )
    extra = [c for c in syn_df.columns if c not in real_df.columns]
    for col in extra:
        excluded[col] = "only in the synthetic table"
    if not numeric and not categorical:
        raise DataError(
            "No column of the real table can be compared with the synthetic table: "
            f"real columns {list(real_df.columns)}, synthetic columns {list(syn_df.columns)}."
        )
    if hold_df is not None:
        absent = [c for c in numeric + categorical if c not in hold_df.columns]
        if absent:
            raise DataError(
                f"The holdout table lacks columns of the real table: {absent}. The holdout must be "
                "real rows with the same columns, not used for training."
            )

    def align(frame: pd.DataFrame, which: str) -> pd.DataFrame:
        frame = frame.reset_index(drop=True)
        cols = {}
        for name in numeric:
            cols[name] = _numeric(frame[name], schema[name].kind, name, which, schema[name].datetime_format,
                                  schema[name])
        for name in categorical:
            cols[name] = _text(frame[name])
        return pd.DataFrame(cols, index=pd.RangeIndex(len(frame)))[
            [c for c in real_df.columns if c in cols]
        ]

    data = EvaluationData(
        real=align(real_df, "real"),
        synthetic=align(syn_df, "synthetic"),
        holdout=None if hold_df is None else align(hold_df, "holdout"),
        numeric=numeric,
        categorical=categorical,
        identifiers=identifiers,
        schema=schema,
        excluded=excluded,
        missing_in_synthetic=missing_in_syn,
    )
    data.group_key = next((c for c in identifiers if schema[c].kind == "identifier"
                           and real_df[c].duplicated().any()), None)
    if data.group_key is not None:
        for which, frame in (("real", real_df), ("synthetic", syn_df), ("holdout", hold_df)):
            if frame is not None:
                data.groups[which] = patient_groups(frame, data.group_key)
    for name in identifiers:
        if name in syn_df.columns:
            hold_ids = hold_df[name] if hold_df is not None and name in hold_df.columns else None
            data.raw_identifiers[name] = (real_df[name], syn_df[name], hold_ids)

    if target is not None:
        if target not in data.columns:
            raise ParameterError(f"The target column '{target}' cannot be evaluated: {excluded[target]}.")
        data.target = target
        values = data.real[target].dropna()
        if target in categorical or values.nunique() <= min(MAX_CLASSES, len(values) // 10 + 2):
            data.task = "classification"
        else:
            data.task = "regression"
    if time is not None:
        for name in (time, event):
            if name not in data.numeric and name not in data.categorical:
                raise ParameterError(f"The survival column '{name}' cannot be evaluated: {excluded[name]}.")
        if time not in data.numeric:
            raise ParameterError(f"The time column '{time}' must be numeric; it is categorical.")
        data.time, data.event = time, event
        for frame in (data.real, data.synthetic, data.holdout):
            if frame is not None:
                frame[event] = event_indicator(frame[event], event)
        # the event is compared as the 0/1 indicator everywhere
        if event in data.categorical:
            data.categorical.remove(event)
            data.numeric.append(event)
    if sensitive:
        absent = [s for s in sensitive if s not in data.columns]
        if absent:
            raise ParameterError(
                f"Sensitive column(s) {absent} are not comparable columns of the real table; "
                f"choose among {data.columns}."
            )
        data.sensitive = list(sensitive)
    else:
        data.sensitive = suggest_sensitive(data.real, data.columns)
        data.sensitive_suggested = True
    return data


def encode_ordinal(frames: list[pd.DataFrame], data: EvaluationData, columns: list[str] | None = None
                   ) -> tuple[list[np.ndarray], list[bool]]:
    """Numeric matrices for tree models: categories as codes (shared across frames), NaN kept."""
    columns = data.columns if columns is None else columns
    out = [np.empty((len(f), len(columns)), dtype=np.float64) for f in frames]
    is_cat = []
    for j, col in enumerate(columns):
        if col in data.categorical:
            levels = pd.Index(sorted({v for f in frames for v in f[col].dropna().unique()}))
            for m, f in zip(out, frames):
                codes = levels.get_indexer(f[col]).astype(np.float64)
                codes[codes < 0] = np.nan
                m[:, j] = codes
            is_cat.append(len(levels) <= MAX_NATIVE_CATEGORIES)  # else codes act as ordered numbers
        else:
            for m, f in zip(out, frames):
                m[:, j] = f[col].to_numpy(dtype=np.float64)
            is_cat.append(False)
    return out, is_cat
