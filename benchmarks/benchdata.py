"""The benchmark's datasets: where they live, how they are cleaned and split."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

SPLIT_SEED = 20240611

# Identifier columns, dropped so that every generator sees the same table (except a patient key,
# see PATIENT_KEYS).
ID_COLUMNS = {
    "breast_rotterdam": ["pid"],
    "mgus2": ["id"],
    "colon": ["id"],
    "pbcseq_longitudinal": ["id"],
    "cgd_recurrent": ["id"],
    "covid_testing": ["subject_id", "fake_first_name", "fake_last_name"],
}

# The column naming each row's patient where a patient has several rows (visits, events,
# tests). The main benchmark splits these tables by patient, gives the key to every generator
# (as a user's table would have it) and leaves it out of every score.
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


def chosen(option: str | None, among: list[str] | None = None) -> list[str]:
    """The datasets a script's ``--datasets a,b`` option names; all of ``among`` (by default
    every dataset) when it is not given. Raises ValueError naming any it does not know."""
    among = dataset_names() if among is None else among
    names = option.split(",") if option else list(among)
    unknown = sorted(set(names) - set(among))
    if unknown:
        raise ValueError(f"unknown datasets {unknown}; choose from {among}")
    return names


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


def split(df: pd.DataFrame, seed: int = SPLIT_SEED, key: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A fixed 50/50 split into (train, holdout), both with a fresh index. With ``key`` (a
    patient column), half of the patients go to each side with all their rows, so that the
    holdout holds only people the generator never saw."""
    if key is None:
        order = np.random.default_rng(seed).permutation(len(df))
        half = (len(df) + 1) // 2
        return df.iloc[order[:half]].reset_index(drop=True), df.iloc[order[half:]].reset_index(drop=True)
    ids = df[key].unique()
    order = np.random.default_rng(seed).permutation(len(ids))
    in_train = df[key].isin(set(ids[order[: (len(ids) + 1) // 2]])).to_numpy()
    return df[in_train].reset_index(drop=True), df[~in_train].reset_index(drop=True)


def train_holdout(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The benchmark's halves of one dataset: identifiers dropped except its patient key (if it
    has several rows per patient), split by patient where there is one, else by row."""
    key = PATIENT_KEYS.get(name)
    return split(load_dataset(name, keep=(key,) if key else ()), key=key)


def fingerprint(frame: pd.DataFrame) -> str:
    """A short hash of a table's columns and values, to tell whether a cached job saw it."""
    import hashlib

    digest = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()[:16]


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
