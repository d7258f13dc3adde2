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


def prune(
    arrays: dict[str, np.ndarray], leaf_loss: np.ndarray, keep: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Collapse every subtree that does not beat its root as a leaf on held-out rows.

    ``leaf_loss[i]`` is the loss on rows the tree did not learn from when node ``i`` predicts
    for all of them (reduced-error pruning). Works bottom-up, so a node is judged against its
    already pruned children; a tie collapses (the simpler tree wins). Nodes flagged in ``keep``
    are never collapsed (their subtrees still may be). Returns compacted arrays
    and, under ``"kept"``, the old id of every new node.
    """
    left, right = arrays["left"], arrays["right"]
    n = left.shape[0]
    best = leaf_loss.astype(float).copy()
    cut = np.zeros(n, dtype=bool)
    for node in range(n - 1, -1, -1):  # children always come after their parent
        if left[node] == -1:
            continue
        below = best[left[node]] + best[right[node]]
        if leaf_loss[node] <= below and (keep is None or not keep[node]):
            cut[node] = True
        else:
            best[node] = below
    return _compact(arrays, cut)


def cut_thin(arrays: dict[str, np.ndarray], X: np.ndarray, groups: np.ndarray, least: int) -> dict[str, np.ndarray]:
    """The tree with every split cut back that sends the rows ``X`` of fewer than ``least``
    distinct ``groups`` (patients) to either side: the split's node becomes a leaf."""
    left, right = arrays["left"], arrays["right"]
    feature, threshold, missing_left = arrays["feature"], arrays["threshold"], arrays["missing_left"]
    distinct = np.zeros(left.shape[0], dtype=np.int64)
    stack = [(0, np.arange(X.shape[0]))]
    while stack:
        node, rows = stack.pop()
        distinct[node] = np.unique(groups[rows]).size
        if left[node] == -1:
            continue
        x = X[rows, feature[node]]
        go_left = np.where(np.isnan(x), bool(missing_left[node]), x <= threshold[node])
        stack.append((left[node], rows[go_left]))
        stack.append((right[node], rows[~go_left]))
    internal = left != -1
    cut = np.zeros(left.shape[0], dtype=bool)
    cut[internal] = np.minimum(distinct[left[internal]], distinct[right[internal]]) < least
    out = _compact(arrays, cut)
    out.pop("kept")
    return out


def _compact(arrays: dict[str, np.ndarray], cut: np.ndarray) -> dict[str, np.ndarray]:
    """The tree with the subtrees below ``cut`` nodes dropped, nodes renumbered in pre-order."""
    left, right = arrays["left"], arrays["right"]
    kept: list[int] = []
    stack = [0]
    while stack:
        node = stack.pop()
        kept.append(node)
        if left[node] != -1 and not cut[node]:
            stack.extend((right[node], left[node]))
    old = np.asarray(kept, dtype=np.int64)
    new_id = np.full(left.shape[0], -1, dtype=np.int32)
    new_id[old] = np.arange(old.size)
    is_leaf = (left[old] == -1) | cut[old]
    out = {field: arrays[field][old].copy() for field in _FIELDS}
    out["left"] = np.where(is_leaf, -1, new_id[np.maximum(left[old], 0)]).astype(np.int32)
    out["right"] = np.where(is_leaf, -1, new_id[np.maximum(right[old], 0)]).astype(np.int32)
    out["feature"][is_leaf] = -2
    out["threshold"][is_leaf] = -2.0
    out["kept"] = old
    return out
