"""The CART engine's parts: quantile grids, pruning, and what they promise."""

from __future__ import annotations

import numpy as np
import pytest

from synthcare.engines import quantiles, trees
from synthcare.engines.registry import get_engine
from synthcare.errors import ParameterError

from .conftest import load


def test_spread_grid_interpolates_small_groups_and_keeps_ties():
    groups = np.array([0, 0, 0, 1, 1, 1, 1])
    values = np.array([3.0, 1.0, 2.0, 5.0, 5.0, 5.0, 9.0])
    grid = quantiles.spread(groups, values, 3, 8)
    assert np.all(np.diff(grid[0]) > 0)  # three distinct values: no point repeated
    assert grid[0].min() >= 1.0 and grid[0].max() <= 3.0
    assert np.sum(grid[1] == 5.0) >= 4  # a value held by most of the group stays a spike
    assert np.isnan(grid[2]).all()  # an empty group


def test_draw_by_row_index_matches_draw_on_copied_rows():
    grids = np.array([[0.0, 1.0, 2.0, 3.0], [10.0, 10.0, 10.0, 11.0]])
    rows = np.array([1, 0, 1, 1, 0])
    by_index = quantiles.draw(grids, np.random.default_rng(3), rows)
    copied = quantiles.draw(grids[rows], np.random.default_rng(3))
    np.testing.assert_array_equal(by_index, copied)


def _stump_tree() -> dict[str, np.ndarray]:
    from sklearn.tree import DecisionTreeRegressor

    X = np.arange(20, dtype=float)[:, None]
    y = np.r_[np.zeros(10), np.ones(10)]
    return trees.from_sklearn(DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, y))


def test_prune_collapses_splits_that_do_not_help_held_out_rows():
    arrays = _stump_tree()
    n = arrays["left"].shape[0]
    assert n > 1
    pruned = trees.prune(arrays, np.zeros(n))  # ties: the simpler tree wins
    assert pruned["left"].tolist() == [-1]
    assert pruned["kept"].tolist() == [0]


def test_prune_keeps_splits_that_help_and_stays_a_valid_tree():
    arrays = _stump_tree()
    n = arrays["left"].shape[0]
    loss = np.zeros(n)
    loss[0] = 10.0  # the root as a leaf is much worse than its children
    pruned = trees.prune(arrays, loss)
    pruned.pop("kept")
    assert pruned["left"][0] != -1
    trees.check(pruned, 1)
    X = np.linspace(0, 19, 50)[:, None]
    assert set(np.unique(trees.apply(pruned, X))) == set(trees.leaves(pruned))


def test_cart_prune_parameter_is_validated():
    with pytest.raises(ParameterError, match="'prune' parameter of CARTSynthesizer must be a bool"):
        get_engine("cart")(prune="yes").fit(load("lung_ncctg"))


def test_cart_draws_values_between_training_values_not_the_values_themselves():
    # small leaves used to replay their rows' exact values (88% of synthetic values on wdbc)
    frame = load("breast_wdbc")
    out = get_engine("cart")(random_state=0).fit(frame).sample(len(frame), random_state=0)
    for column in ("mean area", "worst perimeter"):
        copied = out[column].isin(set(frame[column])).mean()
        assert copied < 0.3, (column, copied)


def test_prune_never_collapses_kept_nodes():
    arrays = _stump_tree()
    n = arrays["left"].shape[0]
    keep = np.zeros(n, dtype=bool)
    keep[0] = True
    pruned = trees.prune(arrays, np.zeros(n), keep=keep)
    assert pruned["left"][0] != -1  # the root split stays, its children's subtrees go
    assert np.sum(pruned["left"] == -1) == 2
