"""Shared fixtures: the real clinical datasets from ../shared/data (or SYNTHCARE_DATA_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

# CI (.ci/run) draws the same property-test examples on every run, so that a red CI points at a
# change, not at a new random example; local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("SYNTHCARE_DATA_DIR", ROOT.parent / "shared" / "data"))
DATASETS = sorted(p.stem for p in DATA_DIR.glob("*.csv"))

if not DATASETS:
    raise RuntimeError(
        f"No datasets found in {DATA_DIR}. The tests need the shared clinical datasets; "
        "set SYNTHCARE_DATA_DIR to their folder."
    )


def load(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / f"{name}.csv")


@pytest.fixture(scope="session")
def datasets() -> dict[str, pd.DataFrame]:
    return {name: load(name) for name in DATASETS}


#: columns that identify a patient with several rows; splits keep a patient's rows together
PATIENT_KEYS = ("id", "pid", "subject_id")


def split3(frame: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Train / holdout / fresh thirds of a real table, by patient when rows repeat a patient id."""
    import numpy as np

    rng = np.random.default_rng(seed)
    key = next((k for k in PATIENT_KEYS if k in frame.columns and frame[k].duplicated().any()), None)
    units = frame[key].unique() if key else np.arange(len(frame))
    units = units[rng.permutation(len(units))]
    parts = np.array_split(units, 3)
    out = []
    for part in parts:
        mask = frame[key].isin(part) if key else np.isin(np.arange(len(frame)), part)
        out.append(frame[mask].reset_index(drop=True))
    return out[0], out[1], out[2]
