"""Attribute-inference risk (Article 29 Working Party, WP216), as in anonymeter.

The attacker knows some columns of a target (``aux_cols``) and guesses a ``secret`` column as
the secret of the closest synthetic row on those columns. A guess is correct when equal
(categorical secrets; missing equals missing) or, for numeric secrets, when
``|guess - secret| <= tolerance * |guess|``. Main attack on train rows, control attack on holdout
rows, baseline = the secret of a random synthetic row. Risk = (main - control) / (1 - control)
(:mod:`~synthcare.evaluation.attacks._risk`).

Follows ``anonymeter.evaluators.inference_evaluator`` (Giomi et al. 2023, PoPETs), with two
deliberate differences:

* anonymeter 1.1.0 judges numeric guesses with ``np.abs(guess - secret) / (guess + 1e-12)``
  (``evaluate_inference_guesses``, line 84 of ``inference_evaluator.py``): the denominator is
  not an absolute value, so every *negative* guess has a negative relative error and counts as
  correct. We divide by ``|guess| + 1e-12``; the two agree when guesses are non-negative.
* neighbours are found with the mixed-type distance of
  :mod:`~synthcare.evaluation.attacks.encoding` (train ranges; missing vs missing = 0), where
  anonymeter scales by ranges over synthetic + targets and counts missing vs missing as 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from synthcare._random import check_random_state
from synthcare.errors import ParameterError
from synthcare.evaluation.attacks._risk import AttackRisk, attack_risk, check_confidence, success_rate
from synthcare.evaluation.attacks._tables import (
    check_columns,
    check_fraction,
    check_positive_int,
    check_tables,
    is_numeric_column,
    numeric_view,
    sample_rows,
)
from synthcare.evaluation.attacks.encoding import DistanceEncoder
from synthcare.evaluation.attacks.neighbours import nearest_neighbours

DEFAULT_N_ATTACKS = 2_000


@dataclass(frozen=True)
class InferenceResult:
    """Inference attack outcome.

    Attributes
    ----------
    risk : AttackRisk
        Risk, its interval and the main/baseline/control success rates.
    secret : object
        The column guessed.
    aux_cols : tuple
        The columns known to the attacker.
    numeric_secret : bool
        Whether guesses were judged with the relative ``tolerance`` (else exact match).
    tolerance : float
        Relative tolerance for numeric secrets.
    """

    risk: AttackRisk
    secret: object
    aux_cols: tuple
    numeric_secret: bool
    tolerance: float


def correct_guesses(guesses: pd.Series, secrets: pd.Series, *, numeric: bool, tolerance: float) -> np.ndarray:
    """Which guesses are right: equal (or both missing), or numerically within ``tolerance``."""
    both_missing = guesses.isna().to_numpy() & secrets.isna().to_numpy()
    if numeric:
        g, s = numeric_view(guesses), numeric_view(secrets)
        with np.errstate(invalid="ignore"):
            close = np.abs(g - s) / (np.abs(g) + 1e-12) <= tolerance
        return close | both_missing
    g, s = guesses.astype(object).to_numpy(), secrets.astype(object).to_numpy()
    equal = np.array([a == b for a, b in zip(g, s, strict=True)], dtype=bool)
    return (equal & ~pd.isna(g) & ~pd.isna(s)) | both_missing


def inference_risk(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    secret: object,
    aux_cols: list | None = None,
    secret_kind: Literal["auto", "numeric", "categorical"] = "auto",
    tolerance: float = 0.05,
    n_attacks: int = DEFAULT_N_ATTACKS,
    confidence: float = 0.95,
    max_block_mb: float = 128.0,
    random_state: int | np.random.Generator | None = None,
) -> InferenceResult:
    """Risk that ``synthetic`` reveals the ``secret`` column of train rows, controlled on holdout.

    Parameters
    ----------
    secret : column name
        The column the attacker tries to guess.
    aux_cols : list, optional
        Columns known to the attacker. Default: every other column.
    secret_kind : {"auto", "numeric", "categorical"}
        How guesses are judged; "auto" = numeric for int/float/datetime columns.
    tolerance : float, default 0.05
        Relative tolerance for numeric secrets.
    n_attacks : int, default 2000
        Targets per attack (capped at the sizes of train, holdout and synthetic).
    """
    columns = check_tables({"train": train, "synthetic": synthetic, "holdout": holdout})
    if secret not in columns:
        raise ParameterError(
            f"The 'secret' parameter must name a column of the tables. Got {secret!r}; "
            f"available: {columns}."
        )
    if aux_cols is None:
        aux_cols = [c for c in columns if c != secret]
        if not aux_cols:
            raise ParameterError("Inference needs at least one auxiliary column besides the secret.")
    aux_cols = check_columns(aux_cols, columns, name="aux_cols")
    if secret in aux_cols:
        raise ParameterError(f"The secret column {secret!r} cannot also be in 'aux_cols'.")
    if secret_kind not in ("auto", "numeric", "categorical"):
        raise ParameterError(
            "The 'secret_kind' parameter must be 'auto', 'numeric' or 'categorical'. "
            f"Got {secret_kind!r} instead."
        )
    tolerance = check_fraction(tolerance, "tolerance", high=float("inf"))
    n_attacks = check_positive_int(n_attacks, "n_attacks")
    confidence = check_confidence(confidence)
    rng = check_random_state(random_state)
    numeric = (
        secret_kind == "numeric"
        or secret_kind == "auto" and all(is_numeric_column(t[secret]) for t in (train, synthetic))
    )

    encoder = DistanceEncoder().fit(train[columns])
    syn = synthetic[columns]

    def attack(targets: pd.DataFrame) -> int:
        enc_t, enc_s = encoder.transform(targets, syn, columns=aux_cols)
        nearest = nearest_neighbours(enc_t, enc_s, k=1, max_block_mb=max_block_mb)[1][:, 0]
        guesses = syn[secret].iloc[nearest].reset_index(drop=True)
        truth = targets[secret].reset_index(drop=True)
        return int(correct_guesses(guesses, truth, numeric=numeric, tolerance=tolerance).sum())

    n_main = min(n_attacks, len(train))
    n_base = min(len(synthetic), n_main)
    n_ctrl = min(n_attacks, len(holdout))
    main = attack(train[columns].iloc[sample_rows(len(train), n_main, rng)])
    control = attack(holdout[columns].iloc[sample_rows(len(holdout), n_ctrl, rng)])
    base_targets = train[secret].iloc[sample_rows(len(train), n_base, rng)].reset_index(drop=True)
    base_guesses = syn[secret].iloc[sample_rows(len(syn), n_base, rng)].reset_index(drop=True)
    base = int(correct_guesses(base_guesses, base_targets, numeric=numeric, tolerance=tolerance).sum())

    risk = attack_risk(
        success_rate(main, n_main, confidence),
        success_rate(base, n_base, confidence),
        success_rate(control, n_ctrl, confidence),
        confidence,
    )
    return InferenceResult(
        risk=risk, secret=secret, aux_cols=tuple(aux_cols), numeric_secret=numeric, tolerance=tolerance
    )
