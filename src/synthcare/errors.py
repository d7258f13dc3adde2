"""The one error hierarchy of synthcare.

Every error the library raises on purpose derives from :class:`SynthcareError`, and also from
the builtin a caller would naturally catch (``ValueError``, ``FileNotFoundError``...), so that
``except ValueError`` keeps working. The CLI turns these into a one-line message without a
traceback; anything else is a bug.
"""

from __future__ import annotations


class SynthcareError(Exception):
    """Base class of every error raised on purpose by synthcare."""


class DataError(SynthcareError, ValueError):
    """The input table cannot be used as it is (empty, malformed, mixed types, ...)."""


class DataFileNotFoundError(DataError, FileNotFoundError):
    """An input file does not exist."""


class SchemaError(SynthcareError, ValueError):
    """A schema is invalid or does not fit the data it is used with."""


class NotFittedError(SynthcareError, ValueError, AttributeError):
    """A generator was used before ``fit``."""


class ParameterError(SynthcareError, ValueError):
    """A parameter has a value outside its documented domain."""


class ModelFileError(SynthcareError, ValueError):
    """A saved model is missing, truncated, tampered with, or from an unsupported version."""


class MissingDependencyError(SynthcareError, ImportError):
    """An optional dependency needed by a feature is not installed."""


def collect(problems: list[str], error: type[SynthcareError], header: str) -> None:
    """Raise ``error`` listing every problem found, if there is any."""
    if problems:
        bullet = "\n  - "
        raise error(header + bullet + bullet.join(problems))


def validation_problems(exc, root: str) -> str:  # noqa: ANN001 - a pydantic ValidationError
    """A pydantic validation error as one line: ``where: what; where: what``."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or root}: {e['msg']}" for e in exc.errors())


class SynthcareWarning(UserWarning):
    """Something was done that the user should know about (a column left out, kept all-missing...)."""
