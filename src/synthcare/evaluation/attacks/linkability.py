"""Linkability risk (Article 29 Working Party, WP216), as in anonymeter.

The attacker holds two datasets about the same people with different columns (``aux_cols``:
two disjoint lists) and uses the synthetic data to join them: for a target, the
``n_neighbors`` closest synthetic rows on the first columns and on the second columns are
found; if the two sets share a row, the target's halves are linked. Main attack on train rows,
control attack on holdout rows, baseline = two random sets of synthetic rows. Risk =
(main - control) / (1 - control) (:mod:`~synthcare.evaluation.attacks._risk`).

Follows ``anonymeter.evaluators.linkability_evaluator`` (Giomi et al. 2023, PoPETs), with one
deliberate difference in the distance: anonymeter scales numeric columns by their range over
synthetic + targets and gives numeric missing-vs-missing distance 1 (missing vs value
propagates NaN); we use the mixed-type distance of
:mod:`~synthcare.evaluation.attacks.encoding` (train ranges, missing vs missing = 0, missing vs
value = 1). Ties between equally close synthetic rows go to the lowest position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthcare._random import check_random_state
from synthcare.errors import ParameterError
from synthcare.evaluation.attacks._risk import AttackRisk, attack_risk, check_confidence, success_rate
from synthcare.evaluation.attacks._tables import (
    check_columns,
    check_positive_int,
    check_tables,
    sample_rows,
)
from synthcare.evaluation.attacks.encoding import DistanceEncoder
from synthcare.evaluation.attacks.neighbours import nearest_neighbours

DEFAULT_N_ATTACKS = 2_000


@dataclass(frozen=True)
class LinkabilityResult:
    """Linkability attack outcome.

    Attributes
    ----------
    risk : AttackRisk
        Risk, its interval and the main/baseline/control success rates.
    aux_cols : tuple of two tuples
        The two column sets the attacker joins.
    n_neighbors : int
        Synthetic neighbours considered on each side.
    """

    risk: AttackRisk
    aux_cols: tuple[tuple, tuple]
    n_neighbors: int


def _links(
    encoder: DistanceEncoder,
    targets: pd.DataFrame,
    synthetic: pd.DataFrame,
    aux_cols: tuple[list, list],
    n_neighbors: int,
    max_block_mb: float,
) -> int:
    found = []
    for cols in aux_cols:
        enc_t, enc_s = encoder.transform(targets, synthetic, columns=cols)
        found.append(nearest_neighbours(enc_t, enc_s, k=n_neighbors, max_block_mb=max_block_mb)[1])
    return int(sum(bool(set(a) & set(b)) for a, b in zip(found[0], found[1], strict=True)))


def linkability_risk(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    aux_cols: tuple[list, list] | None = None,
    n_neighbors: int = 1,
    n_attacks: int = DEFAULT_N_ATTACKS,
    confidence: float = 0.95,
    max_block_mb: float = 128.0,
    random_state: int | np.random.Generator | None = None,
) -> LinkabilityResult:
    """Linkability risk of ``synthetic`` for the rows of ``train``, controlled on ``holdout``.

    Parameters
    ----------
    aux_cols : (list, list), optional
        The two column sets held by the attacker. Default: the columns in table order, split
        into a first and a second half.
    n_neighbors : int, default 1
        A link needs a common row among the ``n_neighbors`` closest synthetic rows of each half.
    n_attacks : int, default 2000
        Targets per attack (capped at the sizes of train and holdout).
    """
    columns = check_tables(
        {"train": train, "synthetic": synthetic, "holdout": holdout}, min_rows={"synthetic": 1}
    )
    if aux_cols is None:
        if len(columns) < 2:
            raise ParameterError(
                f"Linkability needs at least two columns to split; the tables have {columns}."
            )
        half = len(columns) // 2
        aux_cols = (columns[:half], columns[half:])
    if not isinstance(aux_cols, tuple | list) or len(aux_cols) != 2:
        raise ParameterError(
            f"The 'aux_cols' parameter must be a pair of column lists. Got {aux_cols!r} instead."
        )
    first = check_columns(aux_cols[0], columns, name="aux_cols[0]")
    second = check_columns(aux_cols[1], columns, name="aux_cols[1]")
    n_neighbors = check_positive_int(n_neighbors, "n_neighbors")
    if n_neighbors > len(synthetic):
        raise ParameterError(
            f"The 'n_neighbors' parameter ({n_neighbors}) must not exceed the number of synthetic "
            f"rows ({len(synthetic)})."
        )
    n_attacks = min(check_positive_int(n_attacks, "n_attacks"), len(train), len(holdout))
    confidence = check_confidence(confidence)
    rng = check_random_state(random_state)

    encoder = DistanceEncoder().fit(train[columns])
    syn = synthetic[columns]
    main_targets = train[columns].iloc[sample_rows(len(train), n_attacks, rng)]
    control_targets = holdout[columns].iloc[sample_rows(len(holdout), n_attacks, rng)]
    n_main = _links(encoder, main_targets, syn, (first, second), n_neighbors, max_block_mb)
    n_control = _links(encoder, control_targets, syn, (first, second), n_neighbors, max_block_mb)
    n_base = 0
    for _ in range(n_attacks):
        a = rng.choice(len(syn), size=n_neighbors, replace=False)
        b = rng.choice(len(syn), size=n_neighbors, replace=False)
        n_base += bool(set(a) & set(b))

    risk = attack_risk(
        success_rate(n_main, n_attacks, confidence),
        success_rate(n_base, n_attacks, confidence),
        success_rate(n_control, n_attacks, confidence),
        confidence,
    )
    return LinkabilityResult(risk=risk, aux_cols=(tuple(first), tuple(second)), n_neighbors=n_neighbors)
