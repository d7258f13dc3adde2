"""Decision trees as plain arrays: saved without pickle, applied with numpy alone.

A fitted scikit-learn tree is copied into five node arrays. :func:`apply` walks them for many
rows at once, one level per step, so sampling needs neither scikit-learn nor its version.
"""

from __future__ import annotations

import numpy as np

_FIELDS = ("left", "right", "feature", "threshold", "missing_left")


def from_sklearn(estimator) -> dict[str, np.ndarray]:  # noqa: ANN001 - a fitted sklearn tree
    tree = estimator.tree_
    missing = getattr(tree, "missing_go_to_left", None)
    if missing is None:
        missing = np.ones(tree.node_count, dtype=np.uint8)
    return {
        "left": tree.children_left.astype(np.int32),
        "right": tree.children_right.astype(np.int32),
        "feature": tree.feature.astype(np.int32),
        "threshold": tree.threshold.astype(np.float64),
        "missing_left": np.asarray(missing, dtype=np.uint8),
    }


def leaves(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """Node ids of the leaves, in increasing order."""
    return np.flatnonzero(arrays["left"] == -1)


def apply(arrays: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """The leaf node id each row of ``X`` falls into (``NaN`` follows ``missing_left``)."""
    left, right = arrays["left"], arrays["right"]
    feature, threshold, missing_left = arrays["feature"], arrays["threshold"], arrays["missing_left"]
    node = np.zeros(X.shape[0], dtype=np.int64)
    active = np.flatnonzero(left[node] != -1)
    while active.size:
        at = node[active]
        x = X[active, feature[at]]
        go_left = np.where(np.isnan(x), missing_left[at].astype(bool), x <= threshold[at])
        node[active] = np.where(go_left, left[at], right[at])
        active = active[left[node[active]] != -1]
    return node


def check(arrays: dict[str, np.ndarray], n_features: int) -> None:
    """Raise ValueError when the node arrays do not form a valid tree."""
    n = arrays["left"].shape[0]
    for field in _FIELDS:
        if arrays[field].shape != (n,):
            raise ValueError(f"tree field '{field}' has shape {arrays[field].shape}, expected ({n},)")
    internal = arrays["left"] != -1
    kids = np.concatenate([arrays["left"][internal], arrays["right"][internal]])
    if kids.size and (kids.min() <= 0 or kids.max() >= n):
        raise ValueError("tree child index out of range")
    parents = np.flatnonzero(internal)
    if np.any(arrays["left"][internal] <= parents) or np.any(arrays["right"][internal] <= parents):
        raise ValueError("tree children must come after their parent")
    feats = arrays["feature"][internal]
    if feats.size and (feats.min() < 0 or feats.max() >= n_features):
        raise ValueError("tree feature index out of range")
