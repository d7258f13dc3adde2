"""Rebalancing: ask for a different mix of one column while the rest stays faithful.

``"type=Yes:0.5"`` asks for half the rows with ``type == "Yes"``; the other half keeps the
model's mix of the remaining values. Each part is sampled conditionally, so every other column
follows the model's distribution given that value.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from synthcare._random import check_random_state
from synthcare.sampling.conditions import And, Compare, ConditionError, In, as_node


def parse_mix(text: str) -> tuple[str, dict[str, float]]:
    """``"col=value:share,value:share"`` (use backticks around a column name with '=' or ',')."""
    if not isinstance(text, str) or "=" not in text:
        raise ConditionError(f"A rebalance is written 'column=value:share[,value:share]'; got {text!r}.")
    column, _, spec = text.partition("=")
    column = column.strip().strip("`")
    shares: dict[str, float] = {}
    for part in spec.split(","):
        value, sep, share = part.rpartition(":")
        try:
            number = float(share)
        except ValueError:
            number = float("nan")
        if not sep or not value.strip() or not 0 < number < 1:
            raise ConditionError(
                f"Cannot read {part.strip()!r} in the rebalance {text!r}: write value:share with a share "
                "between 0 and 1, e.g. 'type=Yes:0.5'.")
        shares[value.strip().strip("'\"")] = number
    if sum(shares.values()) > 1 + 1e-9:
        raise ConditionError(f"The shares in {text!r} add up to more than 1.")
    return column, shares


def _typed(model, column: str, value: str) -> Any:  # noqa: ANN001
    """The value as the schema holds it (numbers for numeric columns)."""
    spec = model.schema_[column] if column in model.schema_.names else None
    if spec is None:
        raise ConditionError(f"The rebalance names column '{column}', which the model does not have.")
    if spec.kind in {"categorical", "boolean"} and not all(
            isinstance(c, (int, float)) and not isinstance(c, bool) for c in spec.categories or []):
        return value
    try:
        number = float(value)
    except ValueError:
        raise ConditionError(f"'{column}' is numeric; {value!r} is not a number.") from None
    return int(number) if number.is_integer() else number


def rebalanced_sample(model, n: int, mix: tuple[str, dict[str, float]], *, conditions=None,  # noqa: ANN001
                      random_state=None) -> pd.DataFrame:
    column, shares = mix
    rng = check_random_state(random_state)
    values = [_typed(model, column, v) for v in shares]
    counts = [int(round(n * s)) for s in shares.values()]
    rest = n - sum(counts)
    base = None if conditions is None else as_node(conditions)
    parts = []
    for value, count in zip(values, counts):
        if count > 0:
            node = Compare(column, "==", value)
            parts.append(model.sample(count, conditions=node if base is None else And((base, node)),
                                      random_state=rng))
    if rest > 0:
        node = In(column, tuple(values), negate=True)
        parts.append(model.sample(rest, conditions=node if base is None else And((base, node)), random_state=rng))
    frame = pd.concat(parts, ignore_index=True)
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
