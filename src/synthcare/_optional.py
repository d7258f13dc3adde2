"""Import optional heavy dependencies with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from synthcare.errors import MissingDependencyError

_EXTRAS = {"torch": "neural", "matplotlib": "report", "openpyxl": "excel"}


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = _EXTRAS.get(module.split(".")[0])
        hint = f"pip install 'synthcare[{extra}]'" if extra else f"pip install {module}"
        raise MissingDependencyError(
            f"{feature} needs the optional package '{module}', which is not installed. "
            f"Install it with: {hint}"
        ) from exc
