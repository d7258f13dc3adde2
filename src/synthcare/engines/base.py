"""The generator protocol and the shared fit/sample plumbing.

Every engine follows the scikit-learn contract: ``__init__`` takes keyword-only parameters and
only stores them; ``fit`` validates, learns state ending in ``_`` and returns ``self``;
``sample(n, *, random_state=None)`` checks the model is fitted first. An engine only learns and
samples the numeric form of the table (:class:`~synthcare.columns.Encoded`); reading data, the
schema, identifiers and restoring dtypes happen here, the same for all engines.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from synthcare._random import check_random_state
from synthcare.columns.base import Encoded
from synthcare.errors import DataError, NotFittedError, ParameterError

#: Fewer rows than this cannot be synthesised meaningfully (and would be near-copied).
MIN_ROWS = 10

Progress = Callable[[int, int, str], None]


@runtime_checkable
class Synthesizer(Protocol):
    """What every generator offers."""

    def fit(self, X: Any, *, schema: Any = None) -> Synthesizer: ...

    def sample(self, n: int, *, conditions: Any = None, random_state: Any = None) -> Any: ...


def _check_rows(n: Any, owner: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
        raise ParameterError(
            f"The 'n' parameter of {owner}.sample must be a positive int. Got {n!r} instead."
        )
    return int(n)


def fingerprint(frame: Any) -> dict[str, Any]:
    """A digest that identifies a source table without containing any of its rows."""
    import hashlib

    import pandas as pd

    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return {
        "sha256": digest.hexdigest(),
        "n_rows": int(frame.shape[0]),
        "n_columns": int(frame.shape[1]),
        "columns": [str(c) for c in frame.columns],
    }


def entity_groups(frame: Any, schema: Any) -> np.ndarray | None:
    """Each row's patient as a code ``0..k-1``, where an identifier column of the schema repeats
    (a patient's visits, events or tests), else None.

    Engines that learn from single rows would otherwise take one patient's ten visits for ten
    patients: a decision-tree leaf of "at least five rows" could hold that one patient, and every
    synthetic row drawn from it would carry the patient's exact age, follow-up time and outcome.
    Of several repeating identifiers, the one naming the fewest rows per value is taken (a
    patient rather than a hospital).
    """
    import pandas as pd

    best = None
    for spec in schema.columns:
        if spec.kind != "identifier" or spec.name not in frame:
            continue
        values = frame[spec.name]
        if values.isna().any():
            continue
        codes, uniques = pd.factorize(values, sort=False)
        if len(uniques) == len(values) or len(uniques) < 2:
            continue
        if best is None or len(uniques) > best[1]:
            best = (codes.astype(np.int64), len(uniques))
    return None if best is None else best[0]


class BaseSynthesizer:
    """Shared plumbing; engines implement ``_fit_encoded``, ``_sample_encoded`` and state I/O."""

    engine_name: ClassVar[str] = ""
    #: name -> (type, lower, upper) or (tuple of allowed values,)
    _constraints: ClassVar[dict[str, tuple]] = {}

    # ---------------------------------------------------------------- parameters
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.kind == p.KEYWORD_ONLY]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseSynthesizer:
        for key, value in params.items():
            if key not in self._param_names():
                raise ParameterError(
                    f"{type(self).__name__} has no parameter '{key}'. "
                    f"Its parameters are {self._param_names()}."
                )
            setattr(self, key, value)
        return self

    def _validate_params(self) -> None:
        owner = type(self).__name__
        for name, rule in self._constraints.items():
            value = getattr(self, name)
            if len(rule) == 1:
                if value not in rule[0]:
                    raise ParameterError(
                        f"The '{name}' parameter of {owner} must be one of {list(rule[0])}. "
                        f"Got {value!r} instead."
                    )
                continue
            kind, lo, hi = rule
            ok = isinstance(value, kind) and not isinstance(value, bool)
            ok = ok and (lo is None or value >= lo) and (hi is None or value <= hi)
            if not ok:
                span = f"in [{lo}, {'inf' if hi is None else hi}]"
                raise ParameterError(
                    f"The '{name}' parameter of {owner} must be a {kind.__name__} {span}. "
                    f"Got {value!r} instead."
                )
        check_random_state(self.random_state)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ---------------------------------------------------------------- fit / sample
    def fit(self, X: Any, *, schema: Any = None, progress: Progress | None = None) -> BaseSynthesizer:
        """Learn the table ``X`` (DataFrame, CSV or Parquet path), following ``schema`` if given.

        ``schema`` may be a :class:`~synthcare.data.schema.Schema`, a dict or a JSON file path;
        by default it is inferred. ``progress(done, total, label)`` is called as work advances.
        """
        from synthcare.columns.table import TableCodec
        from synthcare.data.inference import infer_schema
        from synthcare.data.io import read_table
        from synthcare.data.schema import Schema

        self._validate_params()
        frame = read_table(X)
        if len(frame) < MIN_ROWS:
            raise DataError(
                f"The data has {len(frame)} row(s); synthcare needs at least {MIN_ROWS} real rows to "
                "learn from (with fewer, any output would be a near-copy of the input)."
            )
        if schema is None:
            schema = infer_schema(frame)
        elif isinstance(schema, dict):
            schema = Schema.from_dict(schema)
        elif not isinstance(schema, Schema):
            schema = Schema.load(schema)
        schema.check_frame(list(frame.columns))
        if all(c.action == "drop" for c in schema.columns):
            left_out = ", ".join(f"'{c.name}' ({c.kind})" for c in schema.columns[:5])
            raise DataError(
                f"Every column is left out ({left_out}{', ...' if len(schema.columns) > 5 else ''}), so "
                "there is nothing to synthesize. Free-text columns are left out until text support exists; "
                "set a column's action to 'synthesize' in the schema to keep it."
            )
        if schema.rules:
            from synthcare.sampling.rules import warn_broken_rules

            self.broken_rules_ = warn_broken_rules(frame, schema)
        rng = check_random_state(self.random_state)
        groups = entity_groups(frame, schema)
        codec = TableCodec.fit(frame, schema, groups)
        encoded = codec.encode(frame)
        self._fit_encoded(encoded, rng, progress or (lambda done, total, label: None), groups)
        self.schema_ = schema
        self.codec_ = codec
        self.n_rows_ = len(frame)
        self.fingerprint_ = fingerprint(frame)
        return self

    def sample(self, n: int, *, conditions: Any = None, random_state: Any = None) -> Any:
        """``n`` synthetic rows as a DataFrame with the source's columns and dtypes.

        ``conditions``: a string such as ``'age >= 65 and diabetes == "yes"'`` or a mapping such
        as ``{"age": (65, None), "diabetes": "yes"}``; every row returned satisfies it (see
        :mod:`synthcare.sampling.conditions`).
        """
        if not hasattr(self, "schema_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet. Call 'fit' with your data first, "
                "or load a saved model with synthcare.load_model."
            )
        n = _check_rows(n, type(self).__name__)
        rng = check_random_state(random_state)
        if conditions is not None or self.schema_.rules:
            from synthcare.sampling.conditional import sample_conditioned

            return sample_conditioned(self, n, conditions, rng)
        encoded = self._sample_encoded(n, rng)
        return self.codec_.decode(encoded, n, rng, self._orderings())

    # ---------------------------------------------------------------- engine hooks
    def _fit_encoded(self, columns: list[Encoded], rng: np.random.Generator, progress: Progress,
                     groups: np.ndarray | None = None) -> None:
        """Learn ``columns``. ``groups`` numbers each row's patient where patients have several
        rows (see :func:`entity_groups`), else None."""
        raise NotImplementedError

    def _sample_encoded(self, n: int, rng: np.random.Generator) -> list[Encoded]:
        raise NotImplementedError

    def _orderings(self) -> list[tuple[str, str, int]]:
        """``(column, bound, sign)`` for every ordering ``sign * (column - bound) >= 0`` the
        engine keeps in each row it draws, for decoding to keep too (see TableCodec.decode)."""
        return []

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able metadata and named arrays that fully describe the fitted engine."""
        raise NotImplementedError

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        raise NotImplementedError
