"""The generators under test, each as `fit_sample(train, n_rows, quick) -> DataFrame`.

Imports happen inside each function so that a job process loads only its own library.
`quick` (development only) cuts the peers' training epochs; full runs use their defaults.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

HOLDOUT = "holdout"
PEERS = ["sdv_gaussian_copula", "sdv_ctgan", "sdv_tvae", "tabular_argn"]
SYNTHCARE_PREFIX = "synthcare:"
SEED = 0


def _sdv_metadata(train: pd.DataFrame):
    """SDV's own metadata detection, minus key/id inference (identifiers are already dropped:
    a column SDV would call an id, such as covid_testing's two-valued `test_id`, is data)."""
    from sdv.metadata import Metadata

    metadata = Metadata.detect_from_dataframes({"table": train}, infer_keys=None)
    for col, spec in metadata.to_dict()["tables"]["table"]["columns"].items():
        if spec["sdtype"] not in {"numerical", "categorical", "ordinal", "boolean", "datetime"}:
            numeric = pd.api.types.is_numeric_dtype(train[col])
            metadata.update_column(col, table_name="table", sdtype="numerical" if numeric else "categorical")
    return metadata


def _sdv(name: str, train: pd.DataFrame, n_rows: int, quick: bool) -> pd.DataFrame:
    from sdv import single_table

    cls = getattr(single_table, name)
    kwargs = {"epochs": 10} if quick and name != "GaussianCopulaSynthesizer" else {}
    synthesizer = cls(_sdv_metadata(train), **kwargs)
    synthesizer.fit({"table": train})  # SDV 2 takes {table name: DataFrame}, even for one table
    synthetic = synthesizer.sample(num_rows=n_rows)
    return synthetic["table"] if isinstance(synthetic, dict) else synthetic


def _tabular_argn(train: pd.DataFrame, n_rows: int, quick: bool) -> pd.DataFrame:
    from mostlyai.engine import TabularARGN

    kwargs = {"max_epochs": 3} if quick else {}
    model = TabularARGN(device="cpu", random_state=SEED, **kwargs)
    model.fit(train)
    return model.sample(n_samples=n_rows)


def _synthcare(engine: str, train: pd.DataFrame, n_rows: int, quick: bool) -> pd.DataFrame:
    import synthcare

    model = synthcare.get_engine(engine)(random_state=SEED).fit(train)
    return model.sample(n_rows, random_state=SEED)


def fit_sample_function(generator: str) -> Callable[[pd.DataFrame, int, bool], pd.DataFrame]:
    if generator.startswith(SYNTHCARE_PREFIX):
        engine = generator.removeprefix(SYNTHCARE_PREFIX)
        return lambda train, n, quick: _synthcare(engine, train, n, quick)
    sdv_classes = {
        "sdv_gaussian_copula": "GaussianCopulaSynthesizer",
        "sdv_ctgan": "CTGANSynthesizer",
        "sdv_tvae": "TVAESynthesizer",
    }
    if generator in sdv_classes:
        return lambda train, n, quick: _sdv(sdv_classes[generator], train, n, quick)
    if generator == "tabular_argn":
        return _tabular_argn
    raise ValueError(f"unknown generator {generator!r}")


def synthcare_generators() -> tuple[list[str], str | None]:
    """Our registered engines as generator names, and the default one (empty if not importable)."""
    try:
        import synthcare

        names = [SYNTHCARE_PREFIX + name for name in synthcare.engine_names()]
        default = SYNTHCARE_PREFIX + synthcare.DEFAULT_ENGINE
    except (ImportError, AttributeError):
        return [], None
    return names, default


def all_generators() -> list[str]:
    return synthcare_generators()[0] + PEERS + [HOLDOUT]
