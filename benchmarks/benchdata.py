"""The benchmark's datasets: where they live, how they are cleaned and split."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

SPLIT_SEED = 20240611

# Identifier columns, dropped so that every generator sees the same table.
ID_COLUMNS = {
    "breast_rotterdam": ["pid"],
    "mgus2": ["id"],
    "colon": ["id"],
    "pbcseq_longitudinal": ["id"],
    "cgd_recurrent": ["id"],
    "covid_testing": ["subject_id", "fake_first_name", "fake_last_name"],
}

# The column naming each row's patient where a patient has several rows (visits, events,
# tests); used by patients.py, never given to generators in the main benchmark.
PATIENT_KEYS = {
    "colon": "id",
    "pbcseq_longitudinal": "id",
    "cgd_recurrent": "id",
    "covid_testing": "subject_id",
}

# Outcome column used for train-synthetic-test-real (TSTR).
TARGETS = {
    "breast_rotterdam": "death",
    "flchain": "death",
    "mgus2": "death",
    "colon": "status",
    "lung_ncctg": "status",
    "pbcseq_longitudinal": "status",
    "cgd_recurrent": "status",
    "covid_testing": "result",
    "diabetes_pima": "type",
    "alzheimers_ad_data": "Class",
    "breast_wdbc": "target",
}


def data_dir() -> Path:
    """The folder of real CSVs: $SYNTHCARE_DATA_DIR, else shared/data beside the repo."""
    override = os.environ.get("SYNTHCARE_DATA_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def dataset_names() -> list[str]:
    return sorted(p.stem for p in data_dir().glob("*.csv"))


def _parse_dates(df: pd.DataFrame) -> pd.DataFrame:
    """Turn text columns holding ISO dates (YYYY-MM-DD...) into datetimes."""
    for col in df.select_dtypes(include="object").columns:
        values = df[col].dropna().astype(str)
        if len(values) and values.str.fullmatch(r"\d{4}-\d{2}-\d{2}([ T][\d:.]+)?").all():
            df[col] = pd.to_datetime(df[col], errors="coerce")
    return df


def load_dataset(name: str, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """The dataset minus its identifier columns, except those in ``keep``."""
    df = pd.read_csv(data_dir() / f"{name}.csv")
    df = df.drop(columns=[c for c in ID_COLUMNS.get(name, []) if c not in keep])
    return _parse_dates(df)


def split(df: pd.DataFrame, seed: int = SPLIT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A fixed 50/50 split into (train, holdout), both with a fresh index."""
    order = np.random.default_rng(seed).permutation(len(df))
    half = (len(df) + 1) // 2
    train = df.iloc[order[:half]].reset_index(drop=True)
    holdout = df.iloc[order[half:]].reset_index(drop=True)
    return train, holdout


def align_to(synthetic: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """Give a synthetic table the columns and dtypes of the real one.

    A column the generator did not return becomes all-missing (and so scores badly);
    values that cannot be read as the real column's type become missing.
    """
    out = {}
    for col in like.columns:
        values = synthetic[col] if col in synthetic else pd.Series(np.nan, index=synthetic.index)
        kind = like[col].dtype
        if pd.api.types.is_datetime64_any_dtype(kind):
            out[col] = pd.to_datetime(values, errors="coerce")
        elif pd.api.types.is_bool_dtype(kind) or pd.api.types.is_numeric_dtype(kind):
            out[col] = pd.to_numeric(values, errors="coerce").astype(float)
        else:
            out[col] = values.map(lambda v: v if pd.isna(v) else str(v)).astype(object)
    return pd.DataFrame(out, index=synthetic.index).reset_index(drop=True)
