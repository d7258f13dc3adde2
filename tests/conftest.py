"""Shared fixtures: the real clinical datasets from ../shared/data (or SYNTHCARE_DATA_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

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
