"""Sample rows that satisfy a condition, from any fitted synthcare model.

The condition is checked against the schema first (unknown columns, values never seen, ranges
outside the training data, contradictions: a clear error at once). Engines that can sample
inside a condition (``_sample_conditioned``: CART) draw weighted rows within it; the rows are
then resampled by weight, without replacement, from a pool a few times larger than asked, which
gives the model's conditional distribution without rejection loops. Other engines fall back to
rejection with a bounded budget. Every returned row is checked against the condition.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from synthcare.columns.datetime import date_only, day_number, days
from synthcare.columns.limits import limit_intervals, read_numbers, written_as_text
from synthcare.data.schema import ColumnSchema
from synthcare.engines.cart_conditions import EncodedConstraint, EncodedRelation, merge_intervals
from synthcare.sampling.conditions import (
    And,
    Clause,
    Compare,
    ConditionError,
    In,
    Missing,
    Not,
    Relation,
    as_node,
    clauses,
    columns_of,
    mask,
)

POOL_FACTOR = 3  # weighted rows drawn per row returned
MAX_ROUNDS = 20
REJECTION_BUDGET = 2_000_000  # rows an engine without conditional sampling may draw and reject


def _is_categorical(spec: ColumnSchema) -> bool:
    return spec.kind in {"categorical", "boolean"}


def _days(value: Any, column: str, fmt: str | None = None) -> float:
    try:
        return day_number(value, fmt)
    except (ValueError, TypeError):
        raise ConditionError(f"'{column}' holds dates; {value!r} is not a date (write e.g. \"2020-03-01\").") from None


def dates_as_days(node, date_columns: dict[str, str | None]):  # noqa: ANN001, ANN202
    """``node`` with the dates it names as days; ``date_columns`` maps each date column to the
    format its text is written in (None: ISO), so that "03.04.1990" means 3 April in a column
    written day first."""
    if isinstance(node, Compare):
        if node.column in date_columns:
            return replace(node, value=_days(node.value, node.column, date_columns[node.column]))
        return node
    if isinstance(node, In):
        if node.column in date_columns:
            fmt = date_columns[node.column]
            return replace(node, values=tuple(_days(v, node.column, fmt) for v in node.values))
        return node
    if isinstance(node, (Missing, Relation)):
        return node
    if isinstance(node, Not):
        return Not(dates_as_days(node.arg, date_columns))
    return type(node)(tuple(dates_as_days(a, date_columns) for a in node.args))


def checked_view(frame: pd.DataFrame, specs: dict[str, ColumnSchema]) -> pd.DataFrame:
    """The conditioned columns as the condition compares them (dates as days since 1970)."""
    out = {}
    for name, spec in specs.items():
        s = frame[name]
        if spec.kind == "datetime":
            s = days(s, spec.datetime_format)
        elif written_as_text(spec):  # numbers written as text: '<0.5' is just below 0.5
            s = pd.Series(read_numbers(s, spec, markers="beyond"), index=s.index)
        out[name] = s
    return pd.DataFrame(out)


def _integer_points(lo: float, hi: float, lo_c: bool, hi_c: bool, step: float) -> tuple[float, float] | None:
    """The grid points (multiples of ``step``) inside an interval, as (first, last)."""
    first = math.ceil(lo / step - 1e-9) if lo_c else math.floor(lo / step + 1e-9) + 1
    last = math.floor(hi / step + 1e-9) if hi_c else math.ceil(hi / step - 1e-9) - 1
    if lo == -math.inf:
        first = -math.inf
    if hi == math.inf:
        last = math.inf
    return None if first > last else (first * step if first != -math.inf else -math.inf,
                                      last * step if last != math.inf else math.inf)


def _in_interval(x: np.ndarray, iv) -> np.ndarray:  # noqa: ANN001
    lo, hi, lo_c, hi_c = iv
    return ((x >= lo) if lo_c else (x > lo)) & ((x <= hi) if hi_c else (x < hi))


def drawing_order(model) -> dict[str, int]:  # noqa: ANN001
    """Each modelled column's place in the order the engine draws columns (CART learns a flat
    table's continuous columns before its discrete ones), by name; the schema's order for an
    engine that does not say."""
    columns = getattr(model, "columns_", None)
    if columns:
        return {c["name"]: j for j, c in enumerate(columns)}
    return {spec.name: j for j, spec in enumerate(model.schema_.modelled())}


def _encode_clause(clause: Clause, model) -> tuple[dict[int, EncodedConstraint] | None, str]:  # noqa: ANN001
    """One clause in the engine's encoded units, or None and why it cannot hold."""
    schema = model.schema_
    index = drawing_order(model)
    supports = model.codec_._support_arrays
    out: dict[int, EncodedConstraint] = {}
    for name, con in clause.constraints.items():
        spec, j = schema[name], index[name]
        n_classes = model.columns_[j]["n_classes"] if hasattr(model, "columns_") else None
        cats = list(spec.categories or [])
        if _is_categorical(spec) or spec.discrete:
            codes = np.zeros(n_classes or len(cats) + 1, dtype=bool)
            if _is_categorical(spec):
                for v in con.values or []:
                    codes[cats.index(v)] = True
            else:  # a numeric column with few values: the values inside the intervals
                values = np.asarray(cats, dtype=float)
                for iv in con.intervals or []:
                    codes[: len(cats)] |= _in_interval(values, iv)
            if con.missing and len(codes) > len(cats):
                codes[len(cats)] = True
            if not codes.any():
                return None, f"no value of '{name}' seen in training satisfies it"
            out[j] = EncodedConstraint(codes=codes)
            continue
        lo_b = -math.inf if spec.minimum is None else (
            _days(spec.minimum, name) if spec.kind == "datetime" else float(spec.minimum))
        hi_b = math.inf if spec.maximum is None else (
            _days(spec.maximum, name) if spec.kind == "datetime" else float(spec.maximum))
        support = supports.get(name)
        intervals = []
        for iv in con.intervals or []:
            if support is not None:  # values snap to the nearest point of the support
                pts = support[_in_interval(support, iv)]
                if pts.size == 0:
                    continue
                mids = (support[1:] + support[:-1]) / 2
                pos = np.searchsorted(support, pts)
                for _p, k in zip(pts, pos):
                    left = mids[k - 1] if k > 0 else -math.inf
                    right = mids[k] if k < len(mids) else math.inf
                    intervals.append((left, right))
                continue
            step = 1.0 if spec.kind == "integer" or (spec.kind == "datetime" and date_only(spec)) else (
                10.0 ** -spec.precision if spec.precision is not None else 0.0)
            lo, hi, lo_c, hi_c = iv
            lo, hi = max(lo, lo_b), min(hi, hi_b)
            lo_c = lo_c or lo == lo_b
            hi_c = hi_c or hi == hi_b
            if step > 0:
                pts = _integer_points(lo, hi, lo_c, hi_c, step)
                if pts is None:
                    continue
                intervals.append((pts[0] - step / 2, pts[1] + step / 2))
            elif lo < hi or (lo == hi and lo_c and hi_c):
                intervals.append((lo, hi))
        if spec.limits:  # results beyond a detection limit that meet the condition ('<0.5' meets 'crp < 1')
            meets = tuple(con.intervals or [])
            intervals += limit_intervals(spec, lambda v, meets=meets: any(_in_interval(np.asarray(v), iv)
                                                                         for iv in meets))
        missing = con.missing and spec.missing_rate > 0
        if not intervals and not missing:
            if con.intervals == [] and con.missing:
                return None, f"'{name}' is never missing in the training data"
            shown = (f"{spec.minimum} to {spec.maximum}" if spec.minimum is not None else "its seen values")
            return None, f"'{name}' ranges over {shown} in the training data"
        out[j] = EncodedConstraint(intervals=merge_intervals(intervals), missing=missing)
    return out, ""


def _with_rules(model, conditions):  # noqa: ANN001, ANN202
    """The user's condition joined with the schema's rules (which every row must follow)."""
    nodes = [as_node(rule) for rule in getattr(model.schema_, "rules", [])]
    if conditions is not None:
        nodes.append(as_node(conditions))
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def _encode_relations(alternatives: list[Clause], model) -> list[EncodedRelation]:  # noqa: ANN001
    shared = set(alternatives[0].relations)
    if any(set(c.relations) != shared for c in alternatives[1:]):
        raise ConditionError("Comparisons between columns (like 'dtime >= rtime') must be joined with 'and' "
                             "at the top level of a condition or rule, not inside 'or' or 'not'.")
    schema = model.schema_
    index = drawing_order(model)

    def values(name: str) -> np.ndarray | None:
        spec = schema[name]
        if spec.discrete:
            return np.asarray(spec.categories, dtype=float)
        return None

    out = []
    for r in sorted(shared, key=lambda r: (r.left, r.op, r.right)):
        jl, jr = index[r.left], index[r.right]
        if jl > jr:  # the later column in the model's order is drawn within the bound
            out.append(EncodedRelation(jl, jr, r.op in (">", ">="), values(r.left), values(r.right)))
        else:
            out.append(EncodedRelation(jr, jl, r.op in ("<", "<="), values(r.right), values(r.left)))
    return out


def compile_condition(model, conditions) -> tuple[Any, dict[str, ColumnSchema], list, list]:  # noqa: ANN001
    """Parse and check a condition (joined with the schema's rules) against a fitted model.

    Returns the condition in model units, the specs of its columns, the encoded clauses and the
    relations between columns.
    """
    node = _with_rules(model, conditions)
    schema = model.schema_
    names = schema.names
    specs: dict[str, ColumnSchema] = {}
    for col in columns_of(node):
        if col not in names:
            raise ConditionError(f"The condition names column '{col}', which the model does not have. "
                                 f"Columns: {names}.")
        spec = schema[col]
        if spec.action != "synthesize":
            raise ConditionError(f"Column '{col}' is {spec.kind} ({spec.action}): it cannot be conditioned on.")
        specs[col] = spec
    domains = {c: (list(s.categories or []) if _is_categorical(s) else None) for c, s in specs.items()}
    node = dates_as_days(node, {c: s.datetime_format for c, s in specs.items() if s.kind == "datetime"})
    alternatives = clauses(node, domains)
    if not alternatives:
        raise ConditionError("The condition contradicts itself: no row can satisfy it.")
    relations = _encode_relations(alternatives, model)
    encoded, reasons = [], []
    for clause in alternatives:
        enc, why = _encode_clause(clause, model)
        if enc is None:
            reasons.append(why)
        else:
            encoded.append(enc)
    if not encoded:
        raise ConditionError("The model cannot honour the condition: " + "; ".join(dict.fromkeys(reasons)) + ".")
    return node, specs, encoded, relations


def _choose(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rows drawn without replacement with probability in proportion to weight."""
    ok = np.flatnonzero(weights > 0)
    if ok.size <= n:
        return ok
    keys = np.log(rng.random(ok.size)) / weights[ok]  # Efraimidis-Spirakis
    return ok[np.argsort(-keys)[:n]]


def sample_conditioned(model, n: int, conditions, rng: np.random.Generator) -> pd.DataFrame:  # noqa: ANN001
    """``n`` rows of ``model`` that all satisfy ``conditions``."""
    node, specs, encoded, relations = compile_condition(model, conditions)
    parts: list[pd.DataFrame] = []
    have = 0
    conditioned = hasattr(model, "_sample_conditioned")
    drawn_total = 0
    for _ in range(MAX_ROUNDS):
        need = n - have
        if conditioned:
            pool = max(POOL_FACTOR * need, 64)
            enc, weights = model._sample_conditioned(pool, encoded, rng, relations)
            drawn_total += pool
            if not (weights > 0).any():
                raise ConditionError(
                    "The model gives this condition no probability: no combination of values it learnt "
                    "satisfies it (for example a pairing never seen in training). Relax the condition."
                )
            keep = _choose(weights, need, rng)
            enc = [type(e)(e.name, e.kind, e.values[keep], e.n_classes, e.lower, e.upper) for e in enc]
            frame = model.codec_.decode(enc, len(keep), rng, model._orderings())
        else:
            batch = min(max(10 * need, 1000), REJECTION_BUDGET - drawn_total)
            if batch <= 0:
                break
            frame = model.sample(batch, random_state=rng)
            drawn_total += batch
        ok = mask(node, checked_view(frame, specs))
        frame = frame[ok].reset_index(drop=True)
        parts.append(frame.iloc[:need])
        have += min(len(frame), need)
        if have >= n:
            break
    if have < n:
        raise ConditionError(
            f"Only {have:,} of {n:,} rows satisfying the condition were found in {drawn_total:,} draws: "
            "the model gives it too little probability. Relax the condition"
            + ("" if conditioned else ", or use the 'cart' engine, which samples inside conditions") + "."
        )
    return pd.concat(parts, ignore_index=True)
