"""Privacy: attack simulations against the synthetic table.

Identifier columns are checked for copied values (a real name or record number in the synthetic
table is a leak whatever else holds). Distance-based checks, membership inference and the three
WP216 attacks (singling out, linkability, attribute inference) come from
:mod:`synthcare.evaluation.attacks`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthcare.evaluation.policy import Policy
from synthcare.evaluation.results import Pillar, Table
from synthcare.evaluation.tables import EvaluationData


def _as_text(series: pd.Series) -> set[str]:
    return {str(v).strip().lower() for v in series.dropna().tolist()}


def _share_in(values: pd.Series, pool: set[str]) -> float:
    text = values.dropna().map(lambda v: str(v).strip().lower())
    return float(text.isin(pool).mean()) if len(text) else 0.0


def identifier_checks(data: EvaluationData, policy: Policy, pillar: Pillar) -> None:
    """Share of synthetic identifier values (names, record numbers) that are real ones.

    Judged against the holdout's share: common first names recur among fresh patients, and a
    holdout that shares patients with the training table is reported.
    """
    rows, worst, worst_ref = [], None, None
    for name, (real, syn, hold) in data.raw_identifiers.items():
        pool = _as_text(real)
        share = _share_in(syn, pool)
        ref = None if hold is None else _share_in(hold, pool)
        if worst is None or share - (ref or 0.0) > worst - (worst_ref or 0.0):
            worst, worst_ref = share, ref
        rows.append([name, data.schema[name].kind, len(pool), share, ref])
        if ref and data.schema[name].kind == "identifier":
            pillar.notes.append(
                f"{ref:.1%} of the holdout's '{name}' values are also in the training table: if these are "
                "patient ids, the holdout shares patients with the training data and is not fresh; split "
                "by patient for a fair reference.")
    if not rows:
        pillar.checks.append(policy.judge(
            "privacy", "identifier_overlap", "Identifier values copied from the real table", None,
            note="no identifier column in both tables"))
        return
    pillar.checks.append(policy.judge(
        "privacy", "identifier_overlap",
        "Share of synthetic identifier values (names, record numbers) that are real ones (column with the "
        "largest excess over the holdout's share)", worst, reference=worst_ref,
        details={"columns": {r[0]: {"synthetic": r[3], "holdout": r[4]} for r in rows}},
    ))
    pillar.tables.append(Table("Identifier columns: share of values that occur in the training table",
                               ["column", "kind", "real distinct values", "synthetic", "holdout"], rows))


def evaluate_privacy(data: EvaluationData, policy: Policy, rng: np.random.Generator) -> Pillar:
    pillar = Pillar("privacy")
    identifier_checks(data, policy, pillar)
    return pillar
