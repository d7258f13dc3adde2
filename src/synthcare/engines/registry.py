"""The engines synthcare knows, by name: an explicit registry, never plugin discovery."""

from __future__ import annotations

from synthcare.engines.base import BaseSynthesizer
from synthcare.errors import ParameterError

#: The engine used when none is named. Chosen by measurement: see benchmarks/RESULTS.md.
DEFAULT_ENGINE = "cart"

_ENGINES: dict[str, type[BaseSynthesizer]] = {}
_BUILTINS_LOADED = [False]


def register_engine(cls: type[BaseSynthesizer], *, force: bool = False) -> type[BaseSynthesizer]:
    """Make ``cls`` available under ``cls.engine_name``."""
    _builtins()
    name = cls.engine_name
    if not name:
        raise ParameterError(f"{cls.__name__} has no 'engine_name'; set one to register it.")
    if name in _ENGINES and not force:
        raise ParameterError(
            f"An engine named '{name}' is registered already; pass force=True to replace it."
        )
    _ENGINES[name] = cls
    return cls


def _builtins() -> None:
    if _BUILTINS_LOADED[0]:
        return
    _BUILTINS_LOADED[0] = True
    from synthcare.engines.cart import CARTSynthesizer
    from synthcare.engines.gaussian_copula import GaussianCopulaSynthesizer

    for cls in (CARTSynthesizer, GaussianCopulaSynthesizer):
        _ENGINES.setdefault(cls.engine_name, cls)


def engine_names() -> list[str]:
    """Names of every registered engine."""
    _builtins()
    return sorted(_ENGINES)


def get_engine(name: str) -> type[BaseSynthesizer]:
    """The engine class registered as ``name``."""
    _builtins()
    if name not in _ENGINES:
        raise ParameterError(f"There is no engine named '{name}'. Choose one of {sorted(_ENGINES)}.")
    return _ENGINES[name]
