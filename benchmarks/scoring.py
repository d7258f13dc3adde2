"""The metrics: one code path that scores every generator alike.

All tables are first aligned to the real train table's columns and dtypes
(numbers as float, categories as text, datetimes as datetimes).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from benchdata import align_to
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

SEED = 0
#: The detection folds' shuffle has a seed of its own: with SEED, the same permutation as the
#: subsampling of the real rows, it would undo that shuffle and cut the real side into contiguous
#: blocks of its own row order (harmless on a shuffled table, not on a sorted one).
FOLD_SEED = 1
#: Detection is averaged over this many shuffles of the folds (seeds FOLD_SEED, FOLD_SEED + 1, ...):
#: on tables of a few hundred rows one shuffle moves the AUC by up to 0.03 (lung: SD 0.028 over ten
#: fold seeds for the same synthetic rows), enough to flip a 0.60 bar either way.
FOLD_REPEATS = 5
MAX_NATIVE_CATEGORIES = 255  # HistGradientBoosting's limit for native categorical splits
BLOCK_ROWS = 4096


def _is_categorical(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series))


def as_number(series: pd.Series) -> pd.Series:
    """Numbers as float; datetimes as seconds since the epoch; missing stays NaN."""
    if pd.api.types.is_datetime64_any_dtype(series):
        seconds = series.to_numpy(dtype="datetime64[ns]").astype("int64") / 1e9
        return pd.Series(seconds, index=series.index).where(series.notna())
    return series.astype(float)


def _is_classification(series: pd.Series) -> bool:
    return _is_categorical(series) or series.dropna().nunique() <= 20


def encode(frames: list[pd.DataFrame]) -> tuple[list[np.ndarray], np.ndarray]:
    """Numeric matrices for tree models: numbers as-is (NaN kept), datetimes as seconds,
    categories as ordinal codes fit on the union of all frames (NaN kept as missing).
    Returns the matrices and a mask of columns to treat as categorical."""
    columns = frames[0].columns
    union = pd.concat(frames, ignore_index=True)
    encoded = [np.empty((len(f), len(columns))) for f in frames]
    categorical = np.zeros(len(columns), dtype=bool)
    for j, col in enumerate(columns):
        if _is_categorical(union[col]):
            levels = pd.Index(sorted(union[col].dropna().unique()))
            parts = [
                pd.Series(levels.get_indexer(f[col]), dtype=float).where(f[col].notna().to_numpy())
                for f in frames
            ]
            categorical[j] = len(levels) <= MAX_NATIVE_CATEGORIES
        else:
            parts = [as_number(f[col]) for f in frames]
        for matrix, part in zip(encoded, parts, strict=True):
            matrix[:, j] = np.asarray(part, dtype=float)
    return encoded, categorical


def quality_score(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """SDMetrics QualityReport overall score, with sdtypes taken from the real dtypes."""
    from sdmetrics.reports import QualityReport

    columns = {}
    for col in real.columns:
        if pd.api.types.is_datetime64_any_dtype(real[col]):
            columns[col] = {"sdtype": "datetime"}
        elif _is_categorical(real[col]):
            columns[col] = {"sdtype": "categorical"}
        else:
            columns[col] = {"sdtype": "numerical"}
    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(
            {"table": real}, {"table": synthetic}, {"tables": {"table": {"columns": columns}}}, verbose=False
        )
    return float(report.get_score())


def detection_auc(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    folds: int = 5,
    real_groups: np.ndarray | None = None,
    synthetic_groups: np.ndarray | None = None,
    repeats: int = FOLD_REPEATS,
) -> float:
    """Mean 5-fold ROC AUC of a classifier telling real rows from as many synthetic rows, over
    ``repeats`` shuffles of the folds.

    With ``real_groups`` (each real row's patient) the folds keep a patient's rows together, so
    that the classifier cannot score by recognising a patient it saw in training; synthetic rows
    are each their own group unless ``synthetic_groups`` says otherwise."""
    n = min(len(real), len(synthetic))
    real = real.sample(n=n, random_state=SEED)
    synthetic = synthetic.sample(n=n, random_state=SEED)
    (x_real, x_syn), categorical = encode([real, synthetic])
    x = np.vstack([x_real, x_syn])
    y = np.r_[np.zeros(n), np.ones(n)]
    groups = None
    if real_groups is not None:
        codes_real = pd.factorize(np.asarray(real_groups)[real.index])[0]
        codes_syn = (
            np.arange(n) if synthetic_groups is None else pd.factorize(np.asarray(synthetic_groups)[synthetic.index])[0]
        )
        groups = np.r_[codes_real, codes_syn + codes_real.max() + 1]
    aucs = []
    for repeat in range(repeats):
        seed = FOLD_SEED + repeat
        if groups is None:
            splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y)
        else:
            splits = StratifiedGroupKFold(folds, shuffle=True, random_state=seed).split(x, y, groups)
        for train_idx, test_idx in splits:
            model = HistGradientBoostingClassifier(categorical_features=categorical, random_state=SEED)
            model.fit(x[train_idx], y[train_idx])
            aucs.append(roc_auc_score(y[test_idx], model.predict_proba(x[test_idx])[:, 1]))
    return float(np.mean(aucs))


def utility(fit_on: pd.DataFrame, test_on: pd.DataFrame, target: str) -> float:
    """Fit a HistGradientBoosting model on one table, score it on another: ROC AUC
    (macro one-vs-rest if multiclass) for a classification target, R² for regression."""
    fit_on = fit_on[fit_on[target].notna()]
    test_on = test_on[test_on[target].notna()]
    features = [c for c in fit_on.columns if c != target]
    (x_fit, x_test), categorical = encode([fit_on[features], test_on[features]])
    if not _is_classification(test_on[target]):
        model = HistGradientBoostingRegressor(categorical_features=categorical, random_state=SEED)
        model.fit(x_fit, fit_on[target].astype(float))
        return float(r2_score(test_on[target].astype(float), model.predict(x_test)))
    y_fit = fit_on[target].astype(str).to_numpy()
    y_test = test_on[target].astype(str).to_numpy()
    if len(np.unique(y_fit)) < 2:
        return 0.5
    model = HistGradientBoostingClassifier(categorical_features=categorical, random_state=SEED)
    model.fit(x_fit, y_fit)
    proba = model.predict_proba(x_test)
    column = {label: i for i, label in enumerate(model.classes_)}
    test_classes = np.unique(y_test)
    scored = test_classes[1:] if len(test_classes) == 2 else test_classes
    aucs = []
    for label in scored:
        p = proba[:, column[label]] if label in column else np.zeros(len(y_test))
        aucs.append(roc_auc_score(y_test == label, p))
    return float(np.mean(aucs))


def _distance_matrix(train: pd.DataFrame, frames: list[pd.DataFrame]) -> list[np.ndarray]:
    """Encoding for distances (L1): numbers divided by the train column's robust range
    (5th-95th percentile) with missing as its own indicator; categories one-hot at 0.5 so
    that a mismatch costs 1, missing being one more category; datetimes as numbers."""
    blocks: list[list[np.ndarray]] = [[] for _ in frames]
    for col in train.columns:
        if _is_categorical(train[col]):
            union = pd.concat([f[col] for f in frames], ignore_index=True)
            levels = pd.Index(union.fillna("\0missing").astype(str).unique())
            for out, f in zip(blocks, frames, strict=True):
                codes = levels.get_indexer(f[col].fillna("\0missing").astype(str))
                out.append(0.5 * np.eye(len(levels))[codes])
            continue
        ref = as_number(train[col])
        low, high = np.nanpercentile(ref, [5, 95]) if ref.notna().any() else (0.0, 1.0)
        scale = (high - low) or (np.nanmax(ref) - np.nanmin(ref) if ref.notna().any() else 0) or 1.0
        fill = float(np.nanmedian(ref)) if ref.notna().any() else 0.0
        for out, f in zip(blocks, frames, strict=True):
            values = as_number(f[col])
            out.append(((values.fillna(fill) - fill) / scale).to_numpy()[:, None])
            out.append(values.isna().to_numpy(dtype=float)[:, None])
    return [np.hstack(b) for b in blocks]


def dcr_share(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic_is_holdout: bool = False,
    holdout_groups: np.ndarray | None = None,
) -> float:
    """Share of synthetic rows strictly closer to a train row than to any holdout row
    (ties count half). 0.5 is ideal; above it the generator sits near its training rows.
    When the synthetic table *is* the holdout, each row's own copy is left out, and with
    ``holdout_groups`` (each holdout row's patient) so are the other rows of its patient."""
    x_syn, x_train, x_hold = _distance_matrix(train, [synthetic, train, holdout])
    to_train = NearestNeighbors(n_neighbors=1, metric="manhattan").fit(x_train)
    codes = None
    skip = 1
    if synthetic_is_holdout:
        codes = pd.factorize(np.arange(len(x_hold)) if holdout_groups is None else np.asarray(holdout_groups))[0]
        skip = int(np.bincount(codes).max())
    to_hold = NearestNeighbors(n_neighbors=min(skip + 1, len(x_hold)) if synthetic_is_holdout else 1,
                               metric="manhattan").fit(x_hold)
    closer = 0.0
    for start in range(0, len(x_syn), BLOCK_ROWS):
        block = x_syn[start : start + BLOCK_ROWS]
        d_train = to_train.kneighbors(block)[0][:, 0]
        d_hold, idx_hold = to_hold.kneighbors(block)
        if synthetic_is_holdout:
            # the nearest holdout row of another patient (of another row, without groups)
            other = codes[idx_hold] != codes[start : start + len(block), None]
            first = np.argmax(other, axis=1)
            d_hold = np.where(other.any(axis=1), d_hold[np.arange(len(block)), first], np.inf)
        else:
            d_hold = d_hold[:, 0]
        d_train, d_hold = np.round(d_train, 9), np.round(d_hold, 9)
        closer += np.sum(d_train < d_hold) + 0.5 * np.sum(d_train == d_hold)
    return float(closer / len(x_syn))


def _row_hashes(df: pd.DataFrame) -> pd.Series:
    """A hash per row where NaN equals NaN and 1 equals 1.0."""
    normal = pd.DataFrame(
        {
            col: (df[col] if _is_categorical(df[col]) else as_number(df[col]))
            .astype(str)
            .where(df[col].notna(), "\0missing")
            for col in df.columns
        }
    )
    return pd.util.hash_pandas_object(normal, index=False)


def exact_copy_share(synthetic: pd.DataFrame, train: pd.DataFrame) -> float:
    """Share of synthetic rows identical (on every column) to some train row."""
    return float(_row_hashes(synthetic).isin(set(_row_hashes(train))).mean())


def score(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    target: str,
    synthetic_is_holdout: bool = False,
    key: str | None = None,
    quality: bool = True,
) -> dict:
    """Every metric for one synthetic table.

    Fidelity is judged against the holdout half. For the holdout-as-synthetic ceiling that
    comparison would be of a table with itself, so there it is judged against the train
    half instead: the numbers then say what an independent real sample of the same size
    scores. TSTR's denominator (real train -> holdout) is the same for everyone.

    ``key`` names the patient column of a table with several rows per patient: it is left out
    of every metric, and it groups the real rows in the detection folds and in the ceiling's
    distances (see :func:`detection_auc`, :func:`dcr_share`). ``quality=False`` leaves out the
    SDMetrics score (the slowest metric) for runs that only check the bars.
    """
    groups = {"train": None, "holdout": None, "synthetic": None}
    if key is not None:
        groups = {"train": train[key].to_numpy(), "holdout": holdout[key].to_numpy(),
                  "synthetic": holdout[key].to_numpy() if synthetic_is_holdout else None}
        train, holdout = train.drop(columns=[key]), holdout.drop(columns=[key])
        synthetic = synthetic.drop(columns=[key], errors="ignore")
    holdout = align_to(holdout, train)
    synthetic = align_to(synthetic, train)
    train = align_to(train, train)
    reference = train if synthetic_is_holdout else holdout
    # One thread: OpenMP spin-waiting makes small tree fits crawl when other work shares the cores.
    with threadpool_limits(1):
        return _all_metrics(train, holdout, synthetic, reference, target, synthetic_is_holdout, groups, quality)


def _all_metrics(train, holdout, synthetic, reference, target, synthetic_is_holdout, groups, quality) -> dict:
    reference_groups = groups["train"] if synthetic_is_holdout else groups["holdout"]
    return {
        **({"quality": quality_score(reference, synthetic)} if quality else {}),
        "detection_auc": detection_auc(reference, synthetic, real_groups=reference_groups,
                                       synthetic_groups=groups["synthetic"]),
        "tstr": utility(synthetic, reference, target) / utility(train, holdout, target),
        "dcr_share": dcr_share(synthetic, train, holdout, synthetic_is_holdout, groups["holdout"]),
        "exact_copies": exact_copy_share(synthetic, train),
    }
