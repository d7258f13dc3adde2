"""Distance to closest record (DCR): copies, near copies and overfitting of synthetic rows.

For a sample of synthetic rows (the *queries*; all of them when there are at most
``max_queries``) we measure the distance to the closest train row and to the closest holdout row,
searching ALL reference rows (:mod:`~synthcare.evaluation.attacks.neighbours`), in the mixed-type
distance of :mod:`~synthcare.evaluation.attacks.encoding`. From these:

* **DCR share**: share of synthetic rows whose closest train row is closer than their closest
  holdout row, ties counting half. When train and holdout differ in size, the larger one is
  subsampled to the size of the smaller one (as SDMetrics' ``DCROverfittingProtection`` does), so
  that a generator that learnt only the distribution scores 0.5; 1 means every row sits on top of
  a train row. SDMetrics reports ``closer_to_training`` with strict ``<`` (ties count as closer to
  holdout); we report the strict share too (``closer_to_train``). The same statistic for fresh
  real rows (``reference_share``: one half of holdout against the other half vs an equal-size
  train sample) shows what 0.5 looks like on these data.
* **DCR quantiles** of synthetic->train and of holdout->train (fresh real data: the reference).
* **NNDR**: nearest / second-nearest distance ratio (1 when both are 0); small values mean a row
  sits next to one train record in particular.
* **Exact copies**: share of ALL synthetic rows identical to some train row on every column
  (missing equals missing); holdout rows identical to a train row give the base rate of
  duplicates in real data.
* **Near copies**: share of synthetic rows whose DCR is at most the ``near_copy_percentile``-th
  percentile (default 1st) of holdout->train DCR; fresh real data give about that percentile.

References: SDMetrics ``DCRBaselineProtection``/``DCROverfittingProtection``; Platzer & Reutterer
(2021) "Holdout-based empirical assessment of mixed-type synthetic data", Front. Big Data 4;
Zhao et al. (2021) CTAB-GAN (NNDR).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthcare._random import check_random_state
from synthcare.evaluation.attacks._risk import Proportion, check_confidence, proportion
from synthcare.evaluation.attacks._tables import (
    check_fraction,
    check_positive_int,
    check_tables,
    is_numeric_column,
    numeric_view,
    sample_rows,
    split_halves,
)
from synthcare.evaluation.attacks.encoding import DistanceEncoder
from synthcare.evaluation.attacks.neighbours import nearest_neighbours

DEFAULT_MAX_QUERIES = 5_000
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95)
_TIE = 1e-12


@dataclass(frozen=True)
class DCRResult:
    """Distances of synthetic (and fresh real) rows to the train rows.

    Attributes
    ----------
    dcr_share : Proportion
        Share of synthetic query rows closer to train than to holdout (ties half); ideal 0.5.
    closer_to_train : float
        The same with strict inequality only (SDMetrics' ``closer_to_training``).
    ties : float
        Share of query rows exactly as close to train as to holdout.
    reference_share : Proportion or None
        The DCR share of fresh real rows (half of holdout), None if holdout has < 4 rows.
    synthetic_dcr, holdout_dcr : ndarray
        DCR to train of the synthetic query rows and of the holdout query rows.
    synthetic_dcr_quantiles, holdout_dcr_quantiles : dict
        Quantiles (keys in [0, 1]) of those two distributions.
    synthetic_nndr_quantiles, holdout_nndr_quantiles : dict
        Quantiles of the nearest/second-nearest distance ratio to train.
    exact_copies : Proportion
        Share of all synthetic rows identical to a train row.
    holdout_exact_copies : Proportion
        Share of all holdout rows identical to a train row (the real-data base rate).
    near_copies : Proportion
        Share of synthetic query rows with DCR <= ``near_copy_threshold``.
    holdout_near_copies : float
        Share of holdout query rows with DCR <= ``near_copy_threshold`` (about the percentile).
    near_copy_threshold : float
        The ``near_copy_percentile``-th percentile of holdout->train DCR.
    near_copy_percentile : float
        Percentile used for the threshold.
    n_queries : int
        Number of synthetic rows measured (sampled when there are more than ``max_queries``).
    n_train_compared, n_holdout_compared : int
        Sizes of the train and holdout tables used for the DCR share (after equalising).
    """

    dcr_share: Proportion
    closer_to_train: float
    ties: float
    reference_share: Proportion | None
    synthetic_dcr: np.ndarray
    holdout_dcr: np.ndarray
    synthetic_dcr_quantiles: dict[float, float]
    holdout_dcr_quantiles: dict[float, float]
    synthetic_nndr_quantiles: dict[float, float]
    holdout_nndr_quantiles: dict[float, float]
    exact_copies: Proportion
    holdout_exact_copies: Proportion
    near_copies: Proportion
    holdout_near_copies: float
    near_copy_threshold: float
    near_copy_percentile: float
    n_queries: int
    n_train_compared: int
    n_holdout_compared: int


def _canonical(table: pd.DataFrame, columns: list, numeric: set) -> pd.DataFrame:
    """Columns with comparable dtypes across tables: float64 numbers, objects with None."""
    data = {}
    for i, col in enumerate(columns):
        if col in numeric:
            data[i] = numeric_view(table[col])
        else:
            values = table[col].astype(object)
            data[i] = values.where(values.notna(), None).to_numpy()
    return pd.DataFrame(data)


def row_hashes(tables: list[pd.DataFrame], columns: list) -> list[np.ndarray]:
    """64-bit hashes of whole rows (missing equals missing), comparable across ``tables``."""
    numeric = {c for c in columns if all(is_numeric_column(t[c]) for t in tables)}
    return [
        pd.util.hash_pandas_object(_canonical(t, columns, numeric), index=False).to_numpy()
        for t in tables
    ]


def exact_copy_share(
    train: pd.DataFrame, synthetic: pd.DataFrame, *, confidence: float = 0.95
) -> Proportion:
    """Share of synthetic rows identical (all columns, missing equals missing) to some train row."""
    columns = check_tables({"train": train, "synthetic": synthetic})
    confidence = check_confidence(confidence)
    train_h, syn_h = row_hashes([train, synthetic], columns)
    return proportion(int(np.isin(syn_h, train_h).sum()), len(synthetic), confidence)


def nndr(distances: np.ndarray) -> np.ndarray:
    """Nearest / second-nearest distance ratio from an ``(n, 2)`` array (1 where both are 0)."""
    first, second = distances[:, 0], distances[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(second > 0, first / np.where(second > 0, second, 1.0), 1.0)


def _quantiles(values: np.ndarray) -> dict[float, float]:
    if values.size == 0:
        return {q: float("nan") for q in QUANTILES}
    return {q: float(v) for q, v in zip(QUANTILES, np.quantile(values, QUANTILES), strict=True)}


def _share(to_train: np.ndarray, to_holdout: np.ndarray) -> tuple[float, float, float]:
    """(closer-to-train count with ties half, strict count, tie count)."""
    ties = np.abs(to_train - to_holdout) <= _TIE
    strict = (to_train < to_holdout) & ~ties
    return strict.sum() + 0.5 * ties.sum(), float(strict.sum()), float(ties.sum())


def dcr_analysis(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    max_queries: int = DEFAULT_MAX_QUERIES,
    near_copy_percentile: float = 1.0,
    confidence: float = 0.95,
    max_block_mb: float = 128.0,
    random_state: int | np.random.Generator | None = None,
    holdout_groups: np.ndarray | None = None,
) -> DCRResult:
    """Distances of synthetic rows to train vs holdout rows: DCR share, NNDR, copies.

    Parameters
    ----------
    train, synthetic, holdout : DataFrame
        Rows the generator was fitted on, generated rows, real rows it never saw (same columns).
    max_queries : int, default 5000
        At most this many synthetic rows (and holdout rows for the reference distributions) are
        measured, sampled without replacement; each is compared with ALL rows of the reference
        table. Intervals reflect the sample size.
    near_copy_percentile : float, default 1.0
        Percentile (0-100) of the holdout->train DCR below which a synthetic row is a near copy.
    confidence : float, default 0.95
        Level of the Wilson intervals.
    max_block_mb : float, default 128
        Memory budget of one block of the neighbour search.
    random_state : int, Generator or None
        Source of the subsamples.
    holdout_groups : array, optional
        A patient number per holdout row: the reference halves keep a patient's rows together.

    Returns
    -------
    DCRResult
    """
    columns = check_tables({"train": train, "synthetic": synthetic, "holdout": holdout})
    max_queries = check_positive_int(max_queries, "max_queries")
    near_copy_percentile = check_fraction(near_copy_percentile, "near_copy_percentile", high=100.0)
    confidence = check_confidence(confidence)
    rng = check_random_state(random_state)
    train, synthetic, holdout = (t[columns] for t in (train, synthetic, holdout))

    encoder = DistanceEncoder().fit(train)
    enc_train, enc_syn, enc_hold = encoder.transform(train, synthetic, holdout)
    search = {"max_block_mb": max_block_mb}

    syn_q = enc_syn.take(np.sort(sample_rows(len(synthetic), max_queries, rng)))
    hold_q_rows = np.sort(sample_rows(len(holdout), max_queries, rng))
    hold_q = enc_hold.take(hold_q_rows)

    syn_train, _ = nearest_neighbours(syn_q, enc_train, k=2, **search)
    hold_train, _ = nearest_neighbours(hold_q, enc_train, k=2, **search)

    # DCR share on equal-size train and holdout.
    n_eq = min(len(train), len(holdout))
    if len(train) > n_eq:
        train_eq = enc_train.take(np.sort(sample_rows(len(train), n_eq, rng)))
        to_train = nearest_neighbours(syn_q, train_eq, k=1, **search)[0][:, 0]
    else:
        to_train = syn_train[:, 0]
    hold_eq = enc_hold
    if len(holdout) > n_eq:
        hold_eq = enc_hold.take(np.sort(sample_rows(len(holdout), n_eq, rng)))
    to_holdout = nearest_neighbours(syn_q, hold_eq, k=1, **search)[0][:, 0]
    half_count, strict, ties = _share(to_train, to_holdout)
    n_q = len(syn_q)
    share = proportion(half_count, n_q, confidence)

    reference = None
    if len(holdout) >= 4:
        half_a, half_b = split_halves(len(holdout), rng, holdout_groups)
        half_a = np.sort(half_a[:max_queries])
        ref_size = len(half_b)
        train_ref = enc_train.take(np.sort(sample_rows(len(train), ref_size, rng)))
        queries = enc_hold.take(half_a)
        a_train = nearest_neighbours(queries, train_ref, k=1, **search)[0][:, 0]
        a_hold = nearest_neighbours(queries, enc_hold.take(np.sort(half_b)), k=1, **search)[0][:, 0]
        if len(train) >= ref_size:
            reference = proportion(_share(a_train, a_hold)[0], len(half_a), confidence)

    threshold = float(np.percentile(hold_train[:, 0], near_copy_percentile))
    train_h, syn_h, hold_h = row_hashes([train, synthetic, holdout], columns)
    return DCRResult(
        dcr_share=share,
        closer_to_train=strict / n_q,
        ties=ties / n_q,
        reference_share=reference,
        synthetic_dcr=syn_train[:, 0],
        holdout_dcr=hold_train[:, 0],
        synthetic_dcr_quantiles=_quantiles(syn_train[:, 0]),
        holdout_dcr_quantiles=_quantiles(hold_train[:, 0]),
        synthetic_nndr_quantiles=_quantiles(nndr(syn_train)) if syn_train.shape[1] == 2 else {},
        holdout_nndr_quantiles=_quantiles(nndr(hold_train)) if hold_train.shape[1] == 2 else {},
        exact_copies=proportion(int(np.isin(syn_h, train_h).sum()), len(synthetic), confidence),
        holdout_exact_copies=proportion(int(np.isin(hold_h, train_h).sum()), len(holdout), confidence),
        near_copies=proportion(int((syn_train[:, 0] <= threshold).sum()), n_q, confidence),
        holdout_near_copies=float((hold_train[:, 0] <= threshold).mean()),
        near_copy_threshold=threshold,
        near_copy_percentile=near_copy_percentile,
        n_queries=n_q,
        n_train_compared=n_eq,
        n_holdout_compared=n_eq,
    )


def distances_to_closest_record(
    queries: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    fit_on: pd.DataFrame | None = None,
    k: int = 1,
    max_block_mb: float = 128.0,
) -> np.ndarray:
    """Distances from every row of ``queries`` to its ``k`` closest rows of ``reference``.

    The ranges of numeric columns come from ``fit_on`` (default: ``reference``), which makes
    this function the row-level counterpart of SDMetrics' ``calculate_dcr``. Returns an array of
    shape ``(len(queries), k)``.
    """
    columns = check_tables({"queries": queries, "reference": reference})
    fit_on = reference if fit_on is None else fit_on
    encoder = DistanceEncoder().fit(fit_on[columns])
    enc_q, enc_r = encoder.transform(queries[columns], reference[columns])
    return nearest_neighbours(enc_q, enc_r, k=k, max_block_mb=max_block_mb)[0]
