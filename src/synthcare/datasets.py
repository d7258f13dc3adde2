"""Real clinical demo data shipped inside the package (no network, no external folder)."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from synthcare.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

_DATASETS = {"breast_rotterdam": "breast_rotterdam.csv.gz"}


def demo_names() -> list[str]:
    return sorted(_DATASETS)


def load_demo(name: str = "breast_rotterdam") -> pd.DataFrame:
    """A bundled real dataset as a DataFrame (see ``synthcare/demo_data/README.md``)."""
    import pandas as pd

    if name not in _DATASETS:
        raise ParameterError(f"There is no demo dataset named '{name}'. Choose one of {demo_names()}.")
    with resources.files("synthcare.demo_data").joinpath(_DATASETS[name]).open("rb") as fh:
        return pd.read_csv(fh, compression="gzip")
