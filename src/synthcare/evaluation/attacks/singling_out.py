"""Singling-out risk (Article 29 Working Party, Opinion 05/2014 "WP216"), as in anonymeter.

The attacker writes predicates from the synthetic data ("age >= 97 and sex == 'F'") hoping that
each matches exactly one real person. Success rate = share of the ``n_attacks`` predicates that
match exactly one train row; the control attack evaluates the same predicates on holdout; the
baseline draws random predicates. Risk = (main - control) / (1 - control)
(:mod:`~synthcare.evaluation.attacks._risk`).

Definitions follow ``anonymeter.evaluators.singling_out_evaluator`` (Giomi et al. 2023, PoPETs):

* tables are de-duplicated first;
* *univariate* predicates: for every column, ``is missing`` when exactly one synthetic value is
  missing, ``<= min`` and ``>= max`` for numeric columns, ``== v`` for every value ``v`` seen once;
  shuffled; those that single out a synthetic row are kept (up to ``n_attacks``);
* *multivariate* predicates: a random synthetic row and ``n_cols`` random columns; numeric
  conditions are ``>= value`` above the column median and ``<= value`` otherwise, others
  ``== value`` (``is missing`` for missing values); kept when they single out a synthetic row;
* baseline: random columns, a random observed value (or missing) and a random operator
  (numeric: ==, !=, <, >, <=, >=; others: ==, !=);
* comparisons with a missing value are false (as polars nulls are);
* when holdout and train differ in size (after de-duplication), the control count is rescaled
  with anonymeter's fitted model of singling-out probability vs population size
  (Cohen & Nissim 2020);
* rates are divided by ``n_attacks`` even if fewer predicates could be generated
  (``n_queries``), which under-estimates the risk exactly as anonymeter does.

Predicates are objects (:class:`Predicate`), not query strings, so any column name works.
Datetime columns are compared as numbers (anonymeter compares them as text).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from synthcare._random import check_random_state
from synthcare.errors import ParameterError
from synthcare.evaluation.attacks._risk import AttackRisk, attack_risk, check_confidence, success_rate
from synthcare.evaluation.attacks._tables import (
    check_positive_int,
    check_tables,
    is_numeric_column,
    numeric_view,
)

DEFAULT_N_ATTACKS = 2_000
_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class Condition:
    """``column <op> value``; ``op`` is one of ==, !=, <, >, <=, >=, isnull, notnull."""

    column: object
    op: str
    value: object = None

    def __str__(self) -> str:
        if self.op in ("isnull", "notnull"):
            return f"{self.column!r} {self.op}"
        return f"{self.column!r} {self.op} {self.value!r}"


@dataclass(frozen=True)
class Predicate:
    """A conjunction of conditions."""

    conditions: tuple[Condition, ...]

    def __str__(self) -> str:
        return " and ".join(str(c) for c in self.conditions)


@dataclass(frozen=True)
class SinglingOutResult:
    """Singling-out attack outcome.

    Attributes
    ----------
    mode : str
        ``"univariate"`` or ``"multivariate"``.
    risk : AttackRisk
        Risk, its interval and the main/baseline/control success rates.
    n_queries : int
        Number of singling-out predicates generated from the synthetic data (<= n_attacks).
    n_cols : int
        Columns per predicate (1 for univariate).
    queries : tuple of Predicate
        The predicates generated (for inspection).
    """

    mode: str
    risk: AttackRisk
    n_queries: int
    n_cols: int
    queries: tuple[Predicate, ...] = field(repr=False)


class _Table:
    """Column arrays of one table for fast predicate counts."""

    def __init__(self, table: pd.DataFrame, numeric: set) -> None:
        self.n = len(table)
        self.values: dict = {}
        self.missing: dict = {}
        for col in table.columns:
            if col in numeric:
                arr = numeric_view(table[col])
                self.values[col] = arr
                self.missing[col] = np.isnan(arr)
            else:
                series = table[col].astype(object)
                self.missing[col] = series.isna().to_numpy()
                self.values[col] = series.to_numpy()

    def mask(self, cond: Condition) -> np.ndarray:
        missing = self.missing[cond.column]
        if cond.op == "isnull":
            return missing
        if cond.op == "notnull":
            return ~missing
        with np.errstate(invalid="ignore"):
            hit = np.asarray(_OPS[cond.op](self.values[cond.column], cond.value), dtype=bool)
        return hit & ~missing

    def count(self, predicate: Predicate) -> int:
        mask = self.mask(predicate.conditions[0])
        for cond in predicate.conditions[1:]:
            mask = mask & self.mask(cond)
        return int(mask.sum())


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def _univariate_queries(syn: pd.DataFrame, numeric: set, rng: np.random.Generator) -> list[Predicate]:
    queries = []
    for col in syn.columns:
        series = syn[col]
        if series.isna().sum() == 1:
            queries.append(Predicate((Condition(col, "isnull"),)))
        if col in numeric:
            values = numeric_view(series)
            if (~np.isnan(values)).any():
                queries.append(Predicate((Condition(col, "<=", float(np.nanmin(values))),)))
                queries.append(Predicate((Condition(col, ">=", float(np.nanmax(values))),)))
            counts = pd.Series(values[~np.isnan(values)]).value_counts()
        else:
            counts = series.dropna().astype(object).value_counts()
        for value in counts.index[counts.to_numpy() == 1]:
            queries.append(Predicate((Condition(col, "==", value),)))
    order = rng.permutation(len(queries))
    return [queries[i] for i in order]


def _multivariate_candidates(
    syn: pd.DataFrame, numeric: set, medians: dict, n_cols: int, size: int, rng: np.random.Generator
) -> list[Predicate]:
    rows = rng.integers(0, len(syn), size=size)
    columns = list(syn.columns)
    cells = syn.iloc[np.unique(rows)].to_numpy(dtype=object)  # one conversion, not a lookup per cell
    position = {r: k for k, r in enumerate(np.unique(rows))}
    out = []
    for row in rows:
        chosen = rng.choice(len(columns), size=n_cols, replace=False)
        conds = []
        for j in sorted(chosen):
            col = columns[j]
            value = cells[position[row], j]
            if _is_missing(value):
                conds.append(Condition(col, "isnull"))
            elif col in numeric:
                value = float(value)
                conds.append(Condition(col, ">=" if value > medians[col] else "<=", value))
            else:
                conds.append(Condition(col, "==", value))
        out.append(Predicate(tuple(conds)))
    return out


def _random_queries(
    syn: pd.DataFrame, numeric: set, n_cols: int, n_queries: int, rng: np.random.Generator
) -> list[Predicate]:
    columns = list(syn.columns)
    uniques = {}
    for col in columns:
        values = pd.Series(numeric_view(syn[col])) if col in numeric else syn[col].astype(object)
        uniques[col] = list(pd.unique(values.where(values.notna(), None)))
    out = []
    for _ in range(n_queries):
        chosen = rng.choice(len(columns), size=n_cols, replace=False)
        conds = []
        for j in sorted(chosen):
            col = columns[j]
            value = uniques[col][rng.integers(len(uniques[col]))]
            is_bool = pd.api.types.is_bool_dtype(syn[col].dtype)
            ops = list(_OPS) if col in numeric else ["==", "!="]
            op = ops[rng.integers(len(ops))]
            if _is_missing(value):
                conds.append(Condition(col, "isnull" if op == "==" else "notnull"))
            elif is_bool:
                conds.append(Condition(col, "==", op == "=="))
            else:
                conds.append(Condition(col, op, value))
        out.append(Predicate(tuple(conds)))
    return out


def _singling_out_counts(table: _Table, queries: list[Predicate]) -> np.ndarray:
    return np.array([table.count(q) == 1 for q in queries], dtype=bool)


def _size_correction(
    table: _Table, queries: list[Predicate], n_target: int, rng: np.random.Generator
) -> float:
    """anonymeter's correction of control successes for a control set of another size."""
    from scipy.optimize import curve_fit

    def integral(n: np.ndarray, w: float) -> np.ndarray:
        return (1.0 - (n * w + 1.0) * (1.0 - w) ** n) / (n + 1.0)

    def model(n: np.ndarray, w: float, norm: float) -> np.ndarray:
        return norm * integral(n, w)

    sizes, successes = [], []
    n_min = min(1000, table.n)
    for n_rows in np.linspace(n_min, table.n, 10).astype(int):
        for _ in range(5):
            rows = rng.choice(table.n, size=n_rows, replace=False)
            sub = _Subset(table, rows)
            successes.append(sum(sub.count(q) == 1 for q in queries))
            sizes.append(n_rows)
    sizes_a, successes_a = np.array(sizes, dtype=float), np.array(successes, dtype=float)
    w0 = 1.0 / sizes_a.max()
    p0 = (w0, 1.0 / integral(np.array(sizes_a.max()), w0))
    params, _ = curve_fit(model, sizes_a, successes_a, p0=p0, bounds=(0, (1, np.inf)))
    return float(model(np.array(float(n_target)), *params) / model(np.array(float(table.n)), *params))


class _Subset(_Table):
    def __init__(self, parent: _Table, rows: np.ndarray) -> None:
        self.n = len(rows)
        self.values = {c: v[rows] for c, v in parent.values.items()}
        self.missing = {c: v[rows] for c, v in parent.missing.items()}


def singling_out_risk(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    mode: Literal["univariate", "multivariate"] = "multivariate",
    n_attacks: int = DEFAULT_N_ATTACKS,
    n_cols: int = 3,
    max_attempts: int | None = None,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> SinglingOutResult:
    """Singling-out risk of ``synthetic`` for the rows of ``train``, controlled on ``holdout``.

    Parameters
    ----------
    mode : {"univariate", "multivariate"}
        Predicates on one column (rare values, extremes) or on ``n_cols`` columns.
    n_attacks : int, default 2000
        Number of predicates to generate (capped at the number of de-duplicated synthetic rows).
    n_cols : int, default 3
        Columns per multivariate predicate (capped at the number of columns).
    max_attempts : int, optional
        Maximum candidate predicates tried in multivariate mode. Each candidate scans the
        de-duplicated synthetic table once, so the default bounds the work: ``2e9 / n_synthetic``
        attempts, kept between ``10 * n_attacks`` and ``1000 * n_attacks`` (anonymeter: 10
        million). Fewer predicates than ``n_attacks`` lower the rates, as in anonymeter.
    confidence : float, default 0.95
    random_state : int, Generator or None
    """
    columns = check_tables({"train": train, "synthetic": synthetic, "holdout": holdout})
    if mode not in ("univariate", "multivariate"):
        raise ParameterError(
            f"The 'mode' parameter must be 'univariate' or 'multivariate'. Got {mode!r} instead."
        )
    n_attacks = check_positive_int(n_attacks, "n_attacks")
    n_cols = min(check_positive_int(n_cols, "n_cols"), len(columns))
    if max_attempts is not None:
        max_attempts = check_positive_int(max_attempts, "max_attempts")
    confidence = check_confidence(confidence)
    rng = check_random_state(random_state)

    numeric = {c for c in columns if all(is_numeric_column(t[c]) for t in (train, synthetic, holdout))}

    def canonical(table: pd.DataFrame) -> pd.DataFrame:
        # numbers (and datetimes) as float64 so that predicates compare numbers
        out = table[columns].copy()
        for col in numeric:
            out[col] = numeric_view(out[col])
        return out.drop_duplicates(ignore_index=True)

    syn, ori, control = canonical(synthetic), canonical(train), canonical(holdout)
    n_attacks = min(n_attacks, len(syn))
    if max_attempts is None:
        max_attempts = int(min(1000 * n_attacks, max(10 * n_attacks, 2e9 / len(syn))))
    syn_t, ori_t, control_t = _Table(syn, numeric), _Table(ori, numeric), _Table(control, numeric)

    queries: list[Predicate] = []
    seen: set[Predicate] = set()

    def keep(candidates: list[Predicate]) -> None:
        for q in candidates:
            if len(queries) >= n_attacks:
                return
            if q not in seen and syn_t.count(q) == 1:
                seen.add(q)
                queries.append(q)

    if mode == "univariate":
        keep(_univariate_queries(syn, numeric, rng))
        baseline_cols = 1
    else:
        medians = {c: float(np.nanmedian(syn_t.values[c])) if (~syn_t.missing[c]).any() else np.nan
                   for c in numeric}
        attempts = 0
        while len(queries) < n_attacks and attempts < max_attempts:
            size = min(1000, max_attempts - attempts)
            keep(_multivariate_candidates(syn, numeric, medians, n_cols, size, rng))
            attempts += size
        baseline_cols = n_cols

    n_success = int(_singling_out_counts(ori_t, queries).sum())
    n_control = float(_singling_out_counts(control_t, queries).sum())
    if queries and control_t.n != ori_t.n and n_control > 0:
        n_control *= _size_correction(control_t, queries, ori_t.n, rng)
    baseline = _random_queries(syn, numeric, baseline_cols, n_attacks, rng)
    n_baseline = int(_singling_out_counts(ori_t, baseline).sum())

    risk = attack_risk(
        success_rate(n_success, n_attacks, confidence),
        success_rate(n_baseline, n_attacks, confidence),
        success_rate(min(n_control, n_attacks), n_attacks, confidence),
        confidence,
    )
    return SinglingOutResult(
        mode=mode,
        risk=risk,
        n_queries=len(queries),
        n_cols=1 if mode == "univariate" else n_cols,
        queries=tuple(queries),
    )
