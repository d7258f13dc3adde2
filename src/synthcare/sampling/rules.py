"""Clinical rules: constraints every synthetic row follows, kept in the schema.

Rules are written in the condition language (``dtime >= rtime``,
``death == 0 implies chapter is missing``, ``grade in [1, 2, 3]``). At sampling time they are
joined to any condition and the ``cart`` engine draws inside them (truncated leaves, bounds from
earlier columns), so they hold by construction; every row is checked as well. Real rows that
break a rule are reported, never refused. :func:`suggest_rules` proposes rules the data obey.
"""

from __future__ import annotations

import warnings
from itertools import permutations

import numpy as np
import pandas as pd

from synthcare.columns.datetime import days
from synthcare.data.schema import Schema
from synthcare.errors import SynthcareWarning
from synthcare.sampling.conditions import columns_of, mask, parse

MIN_ROWS = 10  # a pattern needs this many rows behind it to be suggested
MAX_LEVELS = 10  # categorical columns with more values are not used in implications


def _quote(name: str) -> str:
    return name if name.isidentifier() and name not in {"and", "or", "not", "in", "is", "missing",
                                                         "implies"} else f"`{name}`"


def _literal(value) -> str:  # noqa: ANN001
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _comparable(frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Numeric and date columns as numbers (dates as days since 1970)."""
    out = {}
    for spec in schema.columns:
        if spec.action != "synthesize" or spec.kind in {"categorical", "boolean"}:
            continue
        s = frame[spec.name]
        if spec.kind == "datetime":
            s = days(s, spec.datetime_format)
        out[spec.name] = pd.to_numeric(s, errors="coerce")
    return pd.DataFrame(out)


def check_rules(frame: pd.DataFrame, schema: Schema) -> dict[str, int]:
    """How many rows of ``frame`` break each rule of ``schema``."""
    from synthcare.sampling.conditional import checked_view, dates_as_days

    out = {}
    specs = {c.name: c for c in schema.columns}
    for rule in schema.rules:
        node = parse(rule)
        cols = {c: specs[c] for c in columns_of(node)}
        node = dates_as_days(node, {c: s.datetime_format for c, s in cols.items() if s.kind == "datetime"})
        out[rule] = int((~mask(node, checked_view(frame, cols))).sum())
    return out


def warn_broken_rules(frame: pd.DataFrame, schema: Schema) -> dict[str, int]:
    broken = {rule: n for rule, n in check_rules(frame, schema).items() if n}
    for rule, n in broken.items():
        warnings.warn(
            f"The rule {rule!r} is broken by {n:,} of {len(frame):,} training rows. They are kept as they "
            "are; every synthetic row follows the rule. Fix the data or the rule if that is not intended.",
            SynthcareWarning,
            stacklevel=3,
        )
    return broken


def suggest_rules(frame: pd.DataFrame, schema: Schema) -> list[tuple[str, str]]:
    """Rules the data obey on every row, each with a note on the evidence.

    Orderings between numeric or date columns (``b >= a``) that hold on every row where both are
    present and are not a mere consequence of separate ranges; and missingness that a category
    implies (``death == 0 implies chapter is missing``).
    """
    out: list[tuple[str, str]] = []
    nums = _comparable(frame, schema)
    rng = np.random.default_rng(0)
    for a, b in permutations(nums.columns, 2):
        both = nums[a].notna() & nums[b].notna()
        if both.sum() < MIN_ROWS:
            continue
        x, y = nums.loc[both, a].to_numpy(), nums.loc[both, b].to_numpy()
        if not (y >= x).all() or (y == x).all():
            continue
        if (y == x).mean() > 0.5 and a > b:  # mostly equal: state the ordering once
            continue
        if np.mean(y >= rng.permutation(x)) > 0.95:  # separate ranges would give it anyway
            continue
        out.append((f"{_quote(b)} >= {_quote(a)}", f"holds on all {int(both.sum()):,} rows with both values"))
    for spec_y in schema.columns:
        if spec_y.action != "synthesize" or not 0 < spec_y.missing_rate < 1:
            continue
        missing = frame[spec_y.name].isna()
        for spec_x in schema.columns:
            if spec_x.name == spec_y.name or spec_x.action != "synthesize":
                continue
            if not (spec_x.categories and len(spec_x.categories) <= MAX_LEVELS):
                continue
            for value in spec_x.categories:
                rows = frame[spec_x.name].astype(str) == str(value)
                if rows.sum() >= MIN_ROWS and missing[rows].all():
                    out.append((f"{_quote(spec_x.name)} == {_literal(value)} implies {_quote(spec_y.name)} is missing",
                                f"all {int(rows.sum()):,} such rows"))
                if (~rows).sum() >= MIN_ROWS and (~missing[~rows]).all() and missing[rows].all():
                    out.append((f"{_quote(spec_x.name)} != {_literal(value)} implies {_quote(spec_y.name)} "
                                "is not missing", f"all {int((~rows).sum()):,} such rows"))
    return out
