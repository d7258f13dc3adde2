"""Membership inference: can an attacker holding the synthetic data tell train rows from others?

Targets are a sample of train rows (members) and as many holdout rows (non-members); each
attack gives every target a score (higher = "was in train"), summarised by the ROC curve: AUC
(0.5 = random guessing, 1 = perfect), and the true-positive rate at 1% and 0.1% false-positive
rate (Carlini et al. 2022, "Membership inference attacks from first principles"), with
stratified bootstrap confidence intervals.

* :func:`distance_membership_attack`: score = minus the distance of the target to its closest
  synthetic row (mixed-type distance of :mod:`~synthcare.evaluation.attacks.encoding`).
* :func:`density_membership_attack`: DOMIAS (van Breugel et al. 2023, "Membership Inference
  Attacks against Synthetic Data through Overfitting Detection", AISTATS): score =
  ``p_synthetic(x) / p_reference(x)``, both densities estimated with Gaussian kernel density
  estimates (a fraction of Scott's bandwidth) in a standardised PCA space of the encoded rows. The reference
  rows are one half of holdout; the non-member targets come from the other half, so reference
  and targets never overlap.

With ``n`` non-members, the TPR at an FPR below ``1/n`` rests on the single highest-scoring
non-member: use enough targets (1000 non-members for 0.1%) before reading it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthcare._random import check_random_state
from synthcare.errors import DataError
from synthcare.evaluation.attacks._risk import check_confidence
from synthcare.evaluation.attacks._tables import (
    check_fraction,
    check_positive_int,
    check_tables,
    sample_rows,
    split_halves,
)
from synthcare.evaluation.attacks.encoding import DistanceEncoder
from synthcare.evaluation.attacks.neighbours import nearest_neighbours

DEFAULT_N_TARGETS = 1_000
ROC_POINTS = 101


@dataclass(frozen=True)
class MembershipResult:
    """ROC summary of a membership-inference attack.

    Attributes
    ----------
    attack : str
        ``"distance"`` or ``"density"``.
    auc, auc_ci : float, tuple
        Area under the ROC curve and its bootstrap interval.
    tpr_at_1pct_fpr, tpr_at_1pct_fpr_ci : float, tuple
        True-positive rate at 1% false-positive rate and its interval.
    tpr_at_01pct_fpr, tpr_at_01pct_fpr_ci : float, tuple
        Same at 0.1%.
    roc_fpr, roc_tpr : ndarray
        The ROC curve at ``ROC_POINTS`` evenly spaced false-positive rates (for plotting).
    n_members, n_non_members : int
        Numbers of targets.
    scores, is_member : ndarray
        Attack score and membership of every target.
    confidence : float
        Level of the intervals.
    """

    attack: str
    auc: float
    auc_ci: tuple[float, float]
    tpr_at_1pct_fpr: float
    tpr_at_1pct_fpr_ci: tuple[float, float]
    tpr_at_01pct_fpr: float
    tpr_at_01pct_fpr_ci: tuple[float, float]
    roc_fpr: np.ndarray
    roc_tpr: np.ndarray
    n_members: int
    n_non_members: int
    scores: np.ndarray
    is_member: np.ndarray
    confidence: float


def _roc(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float, float, np.ndarray]:
    """AUC, TPR at 1% and 0.1% FPR, and TPR on the FPR grid."""
    from sklearn.metrics import roc_auc_score, roc_curve

    fpr, tpr, _ = roc_curve(labels, scores)
    grid = np.linspace(0.0, 1.0, ROC_POINTS)
    # highest TPR reachable without exceeding each FPR (a step function, never interpolated up)
    positions = np.searchsorted(fpr, grid, side="right") - 1
    on_grid = tpr[np.clip(positions, 0, None)]

    def tpr_at(alpha: float) -> float:
        return float(tpr[np.searchsorted(fpr, alpha, side="right") - 1])

    return float(roc_auc_score(labels, scores)), tpr_at(0.01), tpr_at(0.001), on_grid


def roc_summary(
    scores: np.ndarray,
    is_member: np.ndarray,
    *,
    attack: str,
    n_bootstrap: int = 200,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> MembershipResult:
    """ROC summary with stratified bootstrap intervals of attack ``scores`` (higher = member)."""
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(is_member, dtype=bool)
    n_bootstrap = check_positive_int(n_bootstrap, "n_bootstrap")
    confidence = check_confidence(confidence)
    if labels.all() or not labels.any():
        raise DataError("A membership attack needs both members and non-members among its targets.")
    rng = check_random_state(random_state)
    auc, tpr1, tpr01, curve = _roc(scores, labels)
    members, others = np.flatnonzero(labels), np.flatnonzero(~labels)
    boots = np.empty((n_bootstrap, 3))
    for b in range(n_bootstrap):
        rows = np.concatenate([rng.choice(members, members.size), rng.choice(others, others.size)])
        boots[b] = _roc(scores[rows], labels[rows])[:3]
    tail = (1 - confidence) / 2
    low, high = np.quantile(boots, [tail, 1 - tail], axis=0)
    return MembershipResult(
        attack=attack,
        auc=auc,
        auc_ci=(float(low[0]), float(high[0])),
        tpr_at_1pct_fpr=tpr1,
        tpr_at_1pct_fpr_ci=(float(low[1]), float(high[1])),
        tpr_at_01pct_fpr=tpr01,
        tpr_at_01pct_fpr_ci=(float(low[2]), float(high[2])),
        roc_fpr=np.linspace(0.0, 1.0, ROC_POINTS),
        roc_tpr=curve,
        n_members=int(members.size),
        n_non_members=int(others.size),
        scores=scores,
        is_member=labels,
        confidence=confidence,
    )


def _targets(
    train: pd.DataFrame, non_member_pool: pd.DataFrame, n_targets: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    n = min(n_targets, len(train), len(non_member_pool))
    members = train.iloc[sample_rows(len(train), n, rng)]
    others = non_member_pool.iloc[sample_rows(len(non_member_pool), n, rng)]
    targets = pd.concat([members, others], ignore_index=True)
    return targets, np.repeat([True, False], n)


def distance_membership_attack(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    n_targets: int = DEFAULT_N_TARGETS,
    n_bootstrap: int = 200,
    confidence: float = 0.95,
    max_block_mb: float = 128.0,
    random_state: int | np.random.Generator | None = None,
) -> MembershipResult:
    """Membership inference by closeness: score = -(distance to the closest synthetic row).

    ``n_targets`` train rows and as many holdout rows are attacked (fewer if a table is smaller).
    """
    columns = check_tables({"train": train, "synthetic": synthetic, "holdout": holdout})
    n_targets = check_positive_int(n_targets, "n_targets")
    rng = check_random_state(random_state)
    targets, labels = _targets(train[columns], holdout[columns], n_targets, rng)
    encoder = DistanceEncoder().fit(train[columns])
    enc_targets, enc_syn = encoder.transform(targets, synthetic[columns])
    dcr = nearest_neighbours(enc_targets, enc_syn, k=1, max_block_mb=max_block_mb)[0][:, 0]
    return roc_summary(
        -dcr, labels, attack="distance", n_bootstrap=n_bootstrap, confidence=confidence, random_state=rng
    )


def _density_features(encoder: DistanceEncoder, tables: list[pd.DataFrame]) -> list[np.ndarray]:
    encoded = encoder.transform(*tables)
    out = []
    for table in encoded:
        parts = [table.numeric]
        if table.codes.shape[1]:
            parts.append(table.sketch.astype(np.float64))
        out.append(np.hstack(parts))
    return out


def density_membership_attack(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    n_targets: int = DEFAULT_N_TARGETS,
    n_components: int = 10,
    bandwidth_scale: float = 0.3,
    max_density_rows: int = 20_000,
    n_bootstrap: int = 200,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = None,
    holdout_groups: np.ndarray | None = None,
) -> MembershipResult:
    """DOMIAS: score = p_synthetic(x) / p_reference(x) (van Breugel et al. 2023).

    Holdout is split in two halves: the reference rows (density ``p_reference``) and the pool of
    non-member targets. Rows are encoded (numeric coordinates and one-hot sketches of the
    categorical columns), standardised on reference + synthetic, projected on at most
    ``n_components`` principal components, and each density is a Gaussian KDE fitted on at most
    ``max_density_rows`` rows, with ``bandwidth_scale`` times Scott's bandwidth (Scott's rule
    alone over-smooths: on flchain an exact copier gets AUC 0.56 with it, 0.66 with 0.3).
        ``holdout_groups`` (a patient number per holdout row) keeps a patient's rows in one half, so
    the non-member targets have no twin among the reference rows.
    """
    from sklearn.decomposition import PCA
    from sklearn.neighbors import KernelDensity
    from sklearn.preprocessing import StandardScaler

    columns = check_tables(
        {"train": train, "synthetic": synthetic, "holdout": holdout},
        min_rows={"holdout": 4, "synthetic": 2},
    )
    n_targets = check_positive_int(n_targets, "n_targets")
    n_components = check_positive_int(n_components, "n_components")
    bandwidth_scale = check_fraction(bandwidth_scale, "bandwidth_scale", high=float("inf"))
    max_density_rows = check_positive_int(max_density_rows, "max_density_rows", minimum=2)
    rng = check_random_state(random_state)
    train, synthetic, holdout = (t[columns] for t in (train, synthetic, holdout))

    half_a, half_b = split_halves(len(holdout), rng, holdout_groups)
    reference = holdout.iloc[np.sort(half_a)]
    pool = holdout.iloc[np.sort(half_b)]
    targets, labels = _targets(train, pool, n_targets, rng)
    syn_fit = synthetic.iloc[np.sort(sample_rows(len(synthetic), max_density_rows, rng))]
    ref_fit = reference.iloc[np.sort(sample_rows(len(reference), max_density_rows, rng))]

    encoder = DistanceEncoder().fit(train)
    f_syn, f_ref, f_targets = _density_features(encoder, [syn_fit, ref_fit, targets])
    scaler = StandardScaler().fit(np.vstack([f_syn, f_ref]))
    f_syn, f_ref, f_targets = (scaler.transform(f) for f in (f_syn, f_ref, f_targets))
    n_comp = min(n_components, f_syn.shape[1], len(f_syn) + len(f_ref) - 1)
    if n_comp >= 1:
        pca = PCA(n_components=n_comp, random_state=int(rng.integers(2**31 - 1)))
        pca.fit(np.vstack([f_syn, f_ref]))
        f_syn, f_ref, f_targets = (pca.transform(f) for f in (f_syn, f_ref, f_targets))

    def log_density(fit: np.ndarray) -> np.ndarray:
        spread = fit.std(axis=0)
        spread[spread == 0] = 1.0
        scaled_fit, scaled_targets = fit / spread, f_targets / spread
        bandwidth = bandwidth_scale * len(fit) ** (-1.0 / (fit.shape[1] + 4))
        kde = KernelDensity(kernel="gaussian", bandwidth=bandwidth).fit(scaled_fit)
        return kde.score_samples(scaled_targets) - np.log(spread).sum()

    scores = log_density(f_syn) - log_density(f_ref)
    return roc_summary(
        scores, labels, attack="density", n_bootstrap=n_bootstrap, confidence=confidence, random_state=rng
    )
