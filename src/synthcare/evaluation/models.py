"""The models the evaluation trains: gradient-boosted trees on ordinal-coded tables.

Histogram gradient boosting takes missing values and categories natively, is fast on 100k rows and
needs no tuning to be a fair judge; the same settings are used for real and synthetic training
data so that only the data differ.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np


@contextmanager
def one_thread():
    """Fit with one OpenMP thread: the evaluation's models are small, and on a busy 2-core machine
    OpenMP threads waiting for each other cost more than they gain."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def _categorical_mask(is_cat: list[bool]) -> list[bool] | None:
    return list(is_cat) if any(is_cat) else None


def classifier(is_cat: list[bool], seed: int, *, max_iter: int = 150):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=max_iter, learning_rate=0.1, categorical_features=_categorical_mask(is_cat),
        early_stopping=False, random_state=seed,
    )


def regressor(is_cat: list[bool], seed: int, *, max_iter: int = 150):
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        max_iter=max_iter, learning_rate=0.1, categorical_features=_categorical_mask(is_cat),
        early_stopping=False, random_state=seed,
    )


def out_of_fold_scores(x: np.ndarray, y: np.ndarray, is_cat: list[bool], seed: int,
                       *, folds: int = 3, groups: np.ndarray | None = None) -> np.ndarray:
    """Out-of-fold probability of class 1 from a classifier trained on the other folds.

    With ``groups`` (rows of one patient share a number), a patient's rows stay in one fold:
    otherwise the classifier learns patients, not the difference between real and synthetic.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if groups is None:
        splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y)
    else:
        splits = StratifiedGroupKFold(folds, shuffle=True, random_state=seed).split(x, y, groups)
    scores = np.empty(len(y), dtype=float)
    with one_thread():
        for train_idx, test_idx in splits:
            model = classifier(is_cat, seed, max_iter=100).fit(x[train_idx], y[train_idx])
            scores[test_idx] = model.predict_proba(x[test_idx])[:, 1]
    return scores
