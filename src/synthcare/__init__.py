"""synthcare: privacy-preserving synthetic health data.

The public surface is small; heavy libraries (scikit-learn, faker, plotting) load only when a
function that needs them runs, so ``import synthcare`` stays light.
"""

from __future__ import annotations

from typing import Any

from synthcare._version import __version__
from synthcare.errors import (
    DataError,
    ModelFileError,
    NotFittedError,
    ParameterError,
    SchemaError,
    SynthcareError,
    SynthcareWarning,
)

_LAZY = {
    "infer_schema": "synthcare.data.inference",
    "read_table": "synthcare.data.io",
    "write_table": "synthcare.data.io",
    "Schema": "synthcare.data.schema",
    "load_demo": "synthcare.datasets",
    "CARTSynthesizer": "synthcare.engines.cart",
    "GaussianCopulaSynthesizer": "synthcare.engines.gaussian_copula",
    "DEFAULT_ENGINE": "synthcare.engines.registry",
    "engine_names": "synthcare.engines.registry",
    "get_engine": "synthcare.engines.registry",
    "register_engine": "synthcare.engines.registry",
    "load_model": "synthcare.persistence",
    "save_model": "synthcare.persistence",
    "build_control_arm": "synthcare.trials.control_arm",
}

__all__ = [
    "__version__", "DataError", "ModelFileError", "NotFittedError", "ParameterError", "SchemaError",
    "SynthcareError", "SynthcareWarning", *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'synthcare' has no attribute '{name}'")
