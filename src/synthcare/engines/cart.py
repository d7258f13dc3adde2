"""Sequential CART synthesis (as in synthpop), with smoothed leaves.

Columns are learnt one after the other: the first from its marginal, each next one from a
decision tree on all columns before it. Sampling walks the same order, drawing each value from
the leaf its synthetic predecessors fall into: class frequencies for discrete columns, a
quantile grid (interpolated, so values are smoothed rather than copied) for continuous ones.
Each bagged tree is pruned on the rows its bootstrap sample left out, so that leaves hold
what generalises rather than what singles out a few training rows.
A continuous column with missing values gets a tree for "is missing" first, so missingness
follows the other columns, and later columns see it. So does a small point mass at either end of
a column's range (a measurement at exactly zero), which the quantile grids would smear.
Two things trees do badly on clinical tables are learnt before them. A column bounded by an earlier
one (recurrence before death, follow-up ending at the close of the study so that later enrolment
means shorter follow-up) is drawn as its gap to that bound, so no row crosses it (at the close of a
study, as the share of the follow-up left that it uses, see
:func:`synthcare.engines.bounds.scales`); a gap that would leave the column's range is drawn again
rather than clipped onto its end, and so is a value that breaks an ordering all training rows keep
(no visit after the end of follow-up, no death after the close of the study for a death time drawn
as its gap to recurrence); a bounded column that is nearly a function of earlier ones (a tumour's
worst area of its worst radius) is linked instead, and keeps its bound as such an ordering. A
continuous column that depends on many earlier ones a little each (a wide laboratory panel) gets
a linear part on normal scores, the trees learning the rest (see :mod:`synthcare.engines.linear`).
On a table of one row per patient, the discrete columns (an outcome, sex, a genotype, a count
of pregnancies) are learnt after the continuous ones: the linear part carries only what
continuous columns tell each other, so a discrete column learnt early would hand its tie to every
later measurement to trees that prune weak ties away, whereas learnt late it is one tree on all of
them at once, with a score on them where it has two classes (see
:meth:`CARTSynthesizer._fit_score`; lung: the outcome drawn after the performance scores rather
than before them). A discrete column that a later time needs stays where it is (an event
indicator says whether the time equals the one before it; a year of enrolment sets the end of
follow-up), and where patients have several rows the table's order is kept, baseline columns
first, but for the signs that change from visit to visit (ascites, a histological stage), which go
after the laboratory values so that scores on the whole panel carry their ties to it (see
:func:`visit_order`), and whose scores also weigh the classes of the signs before them, so that
the signs keep their ties with one another too (see :func:`_indicators`). A discrete column of up
to six classes gets one score per class.
The rows of one sample draw each column from uniform numbers spread evenly over [0, 1) rather
than independently (see ``stratify``), so that the synthetic rows' own sampling noise does not
add to that of the training rows.
Where an identifier column repeats (a patient's visits or events), leaves are counted in patients
rather than rows, and bootstrap samples draw patients, so that no leaf holds one patient's rows
alone (see :func:`synthcare.engines.base.entity_groups`), a value tied only on one patient's
visits is smoothed rather than drawn exactly (see :func:`synthcare.engines.quantiles.untie`), and
such a value counts once, not once per visit, in the size of its grid (see
:func:`synthcare.engines.quantiles.sizes`).
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np

from synthcare._random import child_seed
from synthcare.columns.base import Encoded
from synthcare.engines import bounds, linear, quantiles, threads, trees
from synthcare.engines.base import BaseSynthesizer, Progress
from synthcare.errors import ParameterError

#: Quantile grid points stand for at least this many training rows each (and at most
#: MAX_POINTS are stored per leaf): a finer grid than that would replay single rows. With
#: patients, a value repeated on one patient's visits counts once (see quantiles.sizes).
ROWS_PER_POINT = 8
MAX_POINTS = 256
#: A split that leaves at least this share of a tree's rows on each side is never pruned:
#: it cannot single out a few rows, and on small tables it carries the main dependencies
#: (lung: outcome on survival time), which the noisy out-of-bag loss would otherwise drop.
KEEP_SHARE = 0.2
#: A small point mass at either end of a continuous column (see find_spike) gets its own tree.
SPIKE_ROWS = 5
SPIKE_SHARE = 0.01
SPIKE_RATIO = 2.0
#: Larger point masses are kept by the quantile grids themselves (equal neighbouring points).
SPIKE_MAX_SHARE = 0.1
#: Draws of a value before one still out of range is clipped (see _values_inside).
REDRAWS = 20
#: A column bounded by an earlier one is linked rather than drawn as a gap to it when the link
#: explains at least this share of its variance out of sample, and fewer than ANCHOR_TIES of
#: the rows sit on the bound (see CARTSynthesizer._anchor).
LINK_OVER_ANCHOR = 0.8
ANCHOR_TIES = 0.1
#: On a wide table with many rows, each tree sees only the MAX_PREDICTORS earlier columns that
#: matter most to it, as a pilot tree on PILOT_ROWS rows ranks them (see CARTSynthesizer._screen):
#: growing every tree on all earlier columns costs time that grows with the square of the width.
MAX_PREDICTORS = 30
#: A discrete column of up to this many classes (a missing value counting as one) gets ridge
#: scores among its trees' predictors (see CARTSynthesizer._fit_score), and on a table with
#: several rows per patient, where it is a number that changes from visit to visit (a sign,
#: a grade), it is learnt after the continuous columns (see visit_order).
MAX_SCORED_CLASSES = 6
#: On a table with several rows per patient, each class of an earlier such column with this
#: many rows or more in it and outside it is a candidate in those scores (see _indicators).
MIN_INDICATOR_ROWS = 10
SCREEN_ROWS = 2000
PILOT_ROWS = 5000


class CARTSynthesizer(BaseSynthesizer):
    """Sequential decision trees with smoothed leaves; fast, needs no torch.

    Parameters
    ----------
    min_samples_leaf : int or "auto"
        Fewest training rows in a leaf. ``"auto"`` uses ``max(5, n_rows // 5000)``, which keeps
        model size and fitting time in check on large tables.
    n_quantiles : int
        Points of the quantile grid stored per leaf of a continuous column.
    n_trees : int or "auto"
        Trees per column. With more than one, each grows on a bootstrap sample and every
        synthetic row draws from one of them at random (a bagged conditional distribution,
        smoother and harder to tell from real data). ``"auto"`` uses 10 up to 50,000 rows and
        fewer above, down to 2 from 250,000 rows: fewer trees cost little on large tables, but
        a single tree has no left-out rows to be pruned on (300,000 simulated rows: detection
        AUC 0.64 with one tree, 0.58 with two, in the same time on two cores).
    prune : bool
        With bagged trees, cut back every split that does not predict the rows left out of the
        tree's bootstrap sample better than its parent does (reduced-error pruning), except
        splits that leave a fifth of the rows or more on each side. Splits that only fit a
        few training rows go, so synthetic rows stop retracing them: they sit about as near
        to the training rows as new real rows do. Default True.
    link : bool
        Learn a continuous column as a ridge regression on the normal scores of the continuous
        columns before it plus trees on what is left, wherever that predicts the column better
        out of fold than trees alone (mostly on small, wide tables, where trees see too few rows
        to follow a correlation spread over many columns). Default True.
    stratify : bool
        Draw each column's values for the rows of one sample from uniform numbers spread evenly
        over [0, 1) (one per ``1/n`` stratum, in random order: a Latin hypercube over the rows,
        see :func:`synthcare.engines.quantiles.stratified`) rather than independently. Every
        row has the same distribution either way, so privacy is unchanged (its distance to
        the training rows is what it would be), but a sample's class shares and quantiles stray
        less from the model's: the sampling noise of the synthetic rows no longer adds to that
        of the training rows (mean detection AUC over 10 splits of the 11 benchmark tables 0.619
        -> 0.605; lung, 20 seeds on one split: 0.549 -> 0.508, DCR share 0.568 either way).
        Set it to False where rows must be independent draws, as when the spread between
        several synthetic samples stands for uncertainty. Default True.
    n_jobs : int or None
        Threads that grow a column's trees at once: -1 (default) uses every core, None or 1
        one thread, as in scikit-learn. The model does not depend on it: the same seed gives
        the same trees and the same synthetic rows whatever ``n_jobs`` is.
    random_state : int, Generator or None
        Seeds the tree fitting.
    """

    engine_name = "cart"
    _constraints = {"n_quantiles": (int, 2, 1024)}

    def __init__(
        self,
        *,
        min_samples_leaf: int | str = "auto",
        n_quantiles: int = 16,
        n_trees: int | str = "auto",
        prune: bool = True,
        link: bool = True,
        stratify: bool = True,
        n_jobs: int | None = -1,
        random_state: Any = None,
    ) -> None:
        self.link = link
        self.stratify = stratify
        self.n_jobs = n_jobs
        self.min_samples_leaf = min_samples_leaf
        self.n_trees = n_trees
        self.prune = prune
        self.n_quantiles = n_quantiles
        self.random_state = random_state

    def _validate_params(self) -> None:
        super()._validate_params()
        for name in ("prune", "link", "stratify"):
            if not isinstance(getattr(self, name), bool):
                raise ParameterError(
                    f"The '{name}' parameter of CARTSynthesizer must be a bool. "
                    f"Got {getattr(self, name)!r} instead."
                )
        threads.check_jobs(self.n_jobs, type(self).__name__)
        for name, top in (("min_samples_leaf", None), ("n_trees", 100)):
            value = getattr(self, name)
            bad = isinstance(value, bool) or not isinstance(value, int) or value < 1
            if value != "auto" and (bad or (top is not None and value > top)):
                span = "an int >= 1" if top is None else f"an int in [1, {top}]"
                raise ParameterError(
                    f"The '{name}' parameter of CARTSynthesizer must be 'auto' or {span}. "
                    f"Got {value!r} instead."
                )

    def _tree_count(self, n: int) -> int:
        return max(2, min(10, 500_000 // max(n, 1))) if self.n_trees == "auto" else int(self.n_trees)

    def _leaf_size(self, n: int) -> int:
        return max(5, n // 5000) if self.min_samples_leaf == "auto" else int(self.min_samples_leaf)

    # ------------------------------------------------------------------ fitting
    def _fit_encoded(self, columns: list[Encoded], rng: np.random.Generator, progress: Progress,
                     groups: np.ndarray | None = None) -> None:
        """With ``groups`` (each row's patient), trees grow on bootstrap samples of patients,
        and a leaf holds ``min_samples_leaf`` patients or more, not just rows (see :meth:`_grow`)."""
        columns = visit_order(columns, groups)
        n = len(columns[0].values) if columns else 0
        X = np.column_stack([c.values.astype(float) for c in columns]) if columns else np.empty((n, 0))
        leaf = self._leaf_size(n)
        self.n_trees_ = self._tree_count(n)
        self.columns_ = [
            {"name": c.name, "kind": c.kind, "n_classes": c.n_classes,
             "lower": _finite(c.lower), "upper": _finite(c.upper), **({"step": c.step} if c.step else {})}
            for c in columns
        ]
        self.parts_: dict[str, dict[str, np.ndarray]] = {}
        Z = self._fit_scores(X, columns, groups)
        signs = _indicators(columns, n) if self.link and groups is not None else None
        for j, col in enumerate(columns):
            progress(j, len(columns), col.name)
            preds = X[:, :j]
            y = col.values
            anchor = None
            if col.kind == "continuous":
                envelope = bounds.find_envelope(X, columns, j)
                plain = bounds.find_anchor(X, columns, j)
                anchor = envelope if plain is None else self._anchor(X, Z, j, plain)
                if anchor is not None:
                    i, sign, offset, slope = anchor
                    self.columns_[j].update(anchor=i, sign=sign, offset=offset, slope=slope)
                    if bounds.scales(self.columns_[j], X[~np.isnan(y)]):
                        self.columns_[j]["scaled"] = True
                    y = bounds.to_gap(self.columns_[j], X, y)
                orders = bounds.find_orders(X, columns, j, skip=None if anchor is None else anchor[0])
                if envelope is not None and anchor != envelope:
                    # the end of follow-up as well (a death time drawn as its gap to the time
                    # of recurrence stays before the close of the study)
                    orders.append(list(envelope))
                if orders:
                    self.columns_[j]["orders"] = orders
            if col.kind == "discrete":
                if self.link and 2 <= col.n_classes <= MAX_SCORED_CLASSES:
                    preds = self._fit_score(j, Z, preds, y, col.n_classes, None if signs is None else signs.before(j))
                self._fit_discrete(f"c{j}", preds, y, col.n_classes, leaf, rng, groups)
                continue
            missing = np.isnan(y)
            if missing.any():
                self._fit_discrete(f"c{j}m", preds, missing.astype(np.int64), 2, leaf, rng, groups)
            if missing.all():
                continue
            spike = find_spike(y[~missing])
            if spike is not None:
                self.columns_[j]["spike"] = spike
                at = y[~missing] == spike
                self._fit_discrete(f"c{j}z", preds[~missing], at.astype(np.int64), 2, leaf, rng,
                                   _subset(groups, ~missing))
                missing = missing | (y == spike)  # the continuous part learns the other values
                if missing.all():
                    continue
            if anchor is None and self.link:
                y = self._fit_link(j, Z, preds, missing, y, leaf, rng)
            self._fit_continuous(f"c{j}", preds[~missing], y[~missing], leaf, rng, _subset(groups, ~missing))
        progress(len(columns), len(columns), "done")

    def _anchor(self, X: np.ndarray, Z: np.ndarray | None, j: int, anchor: tuple[int, int, float, float]
                ) -> tuple[int, int, float, float] | None:
        """The ordering ``anchor`` (see :func:`bounds.find_anchor`) if column ``j`` is to be
        drawn as its gap to it, else None. A column the link explains almost wholly (a tumour's
        worst area, nearly a function of its worst radius, is also never below its mean area)
        is left to the link instead, where the rows rarely sit on the bound: trees on the gap
        would blur the function, and the ordering still holds as a learnt one (see
        :func:`bounds.find_orders`). Where many rows sit on the bound (death on the day of
        progression) the gap keeps those ties, and the anchor stays."""
        if Z is None or f"c{j}q" not in self.parts_:
            return anchor
        i = anchor[0]
        present = ~np.isnan(X[:, j])
        if _tied(X, j, i):
            return anchor
        found = self._ridge(j, Z[present], Z[present, j])
        if found is None:
            return anchor
        explained = 1.0 - float(np.mean(found[1] ** 2)) / max(float(np.var(Z[present, j])), 1e-12)
        return None if explained >= LINK_OVER_ANCHOR else anchor

    def _fit_scores(self, X: np.ndarray, columns: list[Encoded], groups: np.ndarray | None = None
                    ) -> np.ndarray | None:
        """Each continuous column's marginal quantile grid (kept as ``c{j}q``; with ``groups``,
        each row's patient, see :meth:`_marginal`) and its values as normal scores (0 where
        missing or not continuous)."""
        if not self.link:
            return None
        Z = np.zeros_like(X)
        for j, col in enumerate(columns):
            kept = ~np.isnan(col.values) if col.kind == "continuous" else np.zeros(len(col.values), dtype=bool)
            spike = find_spike(col.values[kept])
            if spike is not None:  # the spike gets its own tree; the grid is for the other values
                kept &= col.values != spike
            seen = col.values[kept]
            if seen.size < 2:
                continue
            grid = self._marginal(seen.astype(float), _subset(groups, kept))
            self.parts_[f"c{j}q"] = {"grid": grid}
            Z[:, j] = linear.scores(col.values.astype(float), linear.knots(grid))
        return Z

    def _fit_link(self, j: int, Z: np.ndarray, preds: np.ndarray, missing: np.ndarray,
                  y: np.ndarray, leaf: int, rng: np.random.Generator) -> np.ndarray:
        """Column ``j`` as a ridge regression on the normal scores of the continuous columns
        before it, where that explains enough (see :mod:`synthcare.engines.linear`): returns the
        residuals for the trees to learn, or ``y`` itself without a link."""
        if f"c{j}q" not in self.parts_:
            return y
        present = ~missing
        found = self._ridge(j, Z[present], Z[present, j])
        if found is None:
            return y
        from sklearn.tree import DecisionTreeRegressor

        checked = preds[present]
        cols = self._screen(DecisionTreeRegressor, checked, Z[present, j], leaf, rng)
        if not linear.helps(checked if cols is None else checked[:, cols], Z[present, j], found[1], leaf, rng,
                            self.n_jobs):
            return y
        self.parts_[f"c{j}l"], residual = found
        self.columns_[j]["linear"] = True
        out = np.full(y.shape, np.nan)
        out[present] = residual
        return out

    def _fit_score(self, j: int, Z: np.ndarray, preds: np.ndarray, y: np.ndarray, n_classes: int,
                   signs: Signs | None = None) -> np.ndarray:
        """For a column of up to MAX_SCORED_CLASSES classes: ridge scores on the normal scores of
        the continuous columns before it (one for the second class of two, else one per class
        against the rest), kept together as ``c{j}s`` and added to its trees' predictors where
        they explain enough. One split on a score then separates a class as the whole panel
        does (an outcome after a hundred biomarkers; ascites after a liver panel), where single
        columns each tell only a little. With ``signs`` (see :func:`_indicators`; patient tables)
        the earlier signs' classes are candidates too, so a sign drawn after the laboratory values
        keeps its tie with the signs before it (ascites with edema), not only with the panel."""
        found = []
        for k in [1] if n_classes == 2 else range(n_classes):
            part = self._ridge(j, Z, (y == k).astype(float), linear.SCORE_ROWS_PER_PREDICTOR, signs)
            if part is not None:
                found.append(part[0])
        if not found:
            return preds
        self.parts_[f"c{j}s"] = {
            "cols": np.concatenate([p["cols"] for p in found]),
            "coef": np.concatenate([p["coef"] for p in found]),
            "intercept": np.concatenate([p["intercept"] for p in found]),
            "which": np.concatenate([np.full(p["cols"].size, k, dtype=np.int64) for k, p in enumerate(found)]),
        }
        if any("classes" in p for p in found):
            self.parts_[f"c{j}s"]["classes"] = np.concatenate([_classes(p) for p in found])
        return self._with_score(f"c{j}", preds)

    def _ridge(self, j: int, Z: np.ndarray, target: np.ndarray, rows_per_predictor: int = linear.ROWS_PER_PREDICTOR,
               signs: Signs | None = None) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
        """``target`` as a ridge regression on the normal scores ``Z`` of the continuous columns
        before column ``j`` (the most correlated few, see :func:`linear.strongest`), and on the
        standardised class indicators ``signs`` if given: the part to keep and the leave-one-out
        residuals, or None where it explains too little. An indicator's coefficient is kept for
        the plain 0/1 (its centring moves into the intercept) with its class in ``classes``."""
        cols = np.array([i for i in range(j) if f"c{i}q" in self.parts_], dtype=np.int64)
        candidates, classes = Z[:, cols], np.full(cols.size, -1, dtype=np.int64)
        mean, sd = np.zeros(cols.size), np.ones(cols.size)
        if signs is not None:
            candidates = np.column_stack([candidates, signs.scores])
            cols, classes = np.concatenate([cols, signs.cols]), np.concatenate([classes, signs.classes])
            mean, sd = np.concatenate([mean, signs.mean]), np.concatenate([sd, signs.sd])
        if cols.size == 0:
            return None
        chosen = linear.strongest(candidates, target, np.arange(cols.size), rows_per_predictor)
        link = linear.fit(candidates[:, chosen], target)
        if link is None:
            return None
        coef, intercept, residual = link
        part = {"cols": cols[chosen], "coef": coef / sd[chosen],
                "intercept": np.array([intercept - float(np.sum(coef * mean[chosen] / sd[chosen]))])}
        if np.any(classes[chosen] >= 0):
            part["classes"] = classes[chosen]
        return part, residual

    def _with_score(self, key: str, X: np.ndarray) -> np.ndarray:
        """``X`` with the column's ridge scores appended, if it has them (see _fit_score)."""
        if f"{key}s" not in self.parts_:
            return X
        return np.column_stack([X, self._linear_parts(self.parts_[f"{key}s"], X)])

    def _link_mean(self, j: int, preds: np.ndarray) -> np.ndarray:
        """The linear part of column ``j`` for rows whose earlier columns are ``preds``."""
        return self._linear_part(self.parts_[f"c{j}l"], preds)

    def _linear_part(self, part: dict[str, np.ndarray], preds: np.ndarray) -> np.ndarray:
        return self._linear_parts(part, preds)[:, 0]

    def _linear_parts(self, part: dict[str, np.ndarray], preds: np.ndarray) -> np.ndarray:
        """One column per intercept of ``part``: its ridge sum for rows whose earlier columns are
        ``preds`` (``"which"`` says which sum each coefficient belongs to; all the first without it)."""
        out = np.tile(part["intercept"].astype(float), (preds.shape[0], 1))
        for i, c, w, k in zip(part["cols"], part["coef"], _which(part), _classes(part)):
            if k >= 0:  # a sign's class (see _indicators)
                out[:, int(w)] += c * (preds[:, int(i)] == k)
            else:
                out[:, int(w)] += c * linear.scores(preds[:, int(i)], self._knot(int(i)))
        return out

    def _knot(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        return linear.knots(self.parts_[f"c{j}q"]["grid"])

    def _unlink(self, j: int, mean: np.ndarray, residual: np.ndarray) -> np.ndarray:
        from scipy.special import ndtr

        return linear.quantile(ndtr(mean + residual), self._knot(j))

    def _fit_discrete(self, key: str, X: np.ndarray, y: np.ndarray, k: int, leaf: int, rng,
                      groups: np.ndarray | None = None) -> None:
        counts = np.bincount(y, minlength=k).astype(float)
        if X.shape[1] == 0 or np.count_nonzero(counts) == 1 or len(y) < 2 * leaf:
            self.parts_[key] = {"probs": (counts / counts.sum())[None, :]}
            return
        from sklearn.tree import DecisionTreeClassifier

        grown = self._grow(DecisionTreeClassifier, X, y, leaf, rng, groups)
        for t, (model, rows_leaf, n_leaves) in enumerate(grown):
            # class frequencies per leaf, counted from all training rows in it
            probs = np.zeros((n_leaves, k))
            np.add.at(probs, (rows_leaf, y), 1.0)
            probs /= np.maximum(probs.sum(axis=1, keepdims=True), 1.0)
            self.parts_[f"{key}.{t}"] = {**model, "probs": probs}

    def _fit_continuous(self, key: str, X: np.ndarray, y: np.ndarray, leaf: int, rng,
                        groups: np.ndarray | None = None) -> None:
        if X.shape[1] == 0 or len(y) < 2 * leaf:
            self.parts_[key] = {"grid": self._marginal(y, groups)}
            return
        from scipy.stats import rankdata
        from sklearn.tree import DecisionTreeRegressor

        # splits on the rank scale: a few huge values neither rule the splits nor the pruning
        target = rankdata(y) / len(y)
        grown = self._grow(DecisionTreeRegressor, X, target, leaf, rng, groups)
        for t, (model, rows_leaf, n_leaves) in enumerate(grown):
            self.parts_[f"{key}.{t}"] = {**model, "grid": self._grid(rows_leaf, y, n_leaves, groups)}

    def _marginal(self, values: np.ndarray, patients: np.ndarray | None = None) -> np.ndarray:
        """A one-row quantile grid of ``values`` (see :meth:`_grid`)."""
        return self._grid(np.zeros(values.size, dtype=np.int64), values, 1, patients)

    def _grid(self, groups: np.ndarray, values: np.ndarray, n_groups: int,
              patients: np.ndarray | None = None) -> np.ndarray:
        """Quantile grids of ``values`` per group id (a leaf), all as fine as the biggest group
        allows: every point for ROWS_PER_POINT rows or more. With ``patients``, a value repeated
        on one patient's visits counts once, and is no spike (see :func:`quantiles.spread`)."""
        size = int(quantiles.sizes(groups, values, n_groups, patients).max())
        return quantiles.spread(groups, values, n_groups, _points(size, self.n_quantiles), patients)

    def _grow(self, estimator, X: np.ndarray, y: np.ndarray, leaf: int, rng,  # noqa: ANN001, ANN202
              groups: np.ndarray | None = None):
        """Fit ``n_trees`` trees (each on a bootstrap sample when there are several).

        With ``groups`` (each row's patient), the bootstrap samples patients, and every split
        that leaves fewer than ``leaf`` patients on a side is cut back (a patient's ten visits
        would otherwise fill a leaf of "at least five rows" alone, and synthetic rows drawn
        from it would carry that patient's exact values).
        Returns per tree its arrays (with a node -> leaf index map), the leaf index of every
        training row, and the number of leaves. Samples and seeds are drawn first, in order, and
        the trees grown on ``n_jobs`` threads, so the trees do not depend on ``n_jobs``.
        """
        patients = _patients(groups) if groups is not None and self.n_trees_ > 1 else None
        cols = self._screen(estimator, X, y, leaf, rng)
        X_fit = X if cols is None else X[:, cols]
        plans = []
        for _ in range(self.n_trees_):
            if self.n_trees_ == 1:
                rows = slice(None)
            elif patients is None:
                rows = rng.integers(0, len(y), size=len(y))
            else:
                rows = _patient_bootstrap(*patients, rng)
            plans.append((rows, child_seed(rng)))

        def grow(plan: tuple[Any, int]) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
            rows, seed = plan
            model = estimator(min_samples_leaf=leaf, random_state=seed).fit(X_fit[rows], y[rows])
            arrays = trees.from_sklearn(model)
            if self.n_trees_ > 1 and self.prune:
                held_out = np.ones(len(y), dtype=bool)
                held_out[rows] = False
                if held_out.any():
                    loss = _held_out_loss(model, X_fit[held_out], y[held_out])
                    sizes = model.tree_.n_node_samples
                    left, right = arrays["left"], arrays["right"]
                    smaller = np.where(left >= 0, np.minimum(sizes[left], sizes[right]), 0)
                    arrays = trees.prune(arrays, loss, keep=smaller >= KEEP_SHARE * len(y))
                    arrays.pop("kept")
            if cols is not None:  # the tree's columns by their place among all earlier columns
                arrays["feature"] = np.where(arrays["feature"] >= 0, cols[np.maximum(arrays["feature"], 0)],
                                             arrays["feature"]).astype(np.int32)
            if groups is not None:
                arrays = trees.cut_thin(arrays, X, groups, leaf)
            leaf_nodes = trees.leaves(arrays)
            node_to_leaf = np.full(arrays["left"].shape[0], -1, dtype=np.int32)
            node_to_leaf[leaf_nodes] = np.arange(leaf_nodes.size)
            rows_leaf = node_to_leaf[trees.apply(arrays, X)].astype(np.int64)
            return {**arrays, "node_to_leaf": node_to_leaf}, rows_leaf, leaf_nodes.size

        with warnings.catch_warnings():
            # a column of many distinct values (dates, codes) is a valid classification target here
            warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
            return threads.map_in_order(grow, plans, self.n_jobs)

    def _screen(self, estimator, X: np.ndarray, y: np.ndarray, leaf: int,  # noqa: ANN001
                rng: np.random.Generator) -> np.ndarray | None:
        """The columns of ``X`` a column's trees grow on, in order, where ``X`` is wider than
        MAX_PREDICTORS and has SCREEN_ROWS rows or more, else None (all of them): those a pilot
        tree on PILOT_ROWS rows gains most from. A tree's cost grows with the columns it
        searches, and of a hundred earlier columns a tree on many rows uses a few dozen in
        earnest; on small tables trees are cheap and a pilot's ranking too noisy to trust."""
        n, width = X.shape
        if width <= MAX_PREDICTORS or n < SCREEN_ROWS:
            return None
        rows = rng.choice(n, size=min(n, PILOT_ROWS), replace=False)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
            pilot = estimator(min_samples_leaf=leaf, random_state=child_seed(rng)).fit(X[rows], y[rows])
        ranked = np.argsort(-pilot.feature_importances_, kind="stable")
        return np.sort(ranked[:MAX_PREDICTORS])

    # ------------------------------------------------------------------ sampling
    def _draw(self, key: str, field: str, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One value per row of ``X``, from the leaf it falls into in a tree drawn at random:
        a class from the leaf's ``"probs"``, or a value from its quantile ``"grid"``."""
        n = X.shape[0]
        out = np.empty(n)
        u = quantiles.stratified(n, rng) if self.stratify and n > 1 else None
        for rows, table, leaf in self._leaf_rows(key, field, X, rng):
            part = None if u is None else u[rows]
            out[rows] = quantiles.draw_classes(table[leaf], rng, part) if field == "probs" else \
                quantiles.draw(table, rng, leaf, part)
        return out

    def _leaf_rows(self, key: str, field: str, X: np.ndarray, rng: np.random.Generator
                   ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per tree drawn at random, the rows of ``X`` it serves, its ``field`` table (class
        probabilities or quantile grids) and each row's leaf."""
        if key in self.parts_:  # a marginal: one leaf
            return [(np.arange(X.shape[0]), self.parts_[key][field], np.zeros(X.shape[0], dtype=np.int64))]
        X = self._with_score(key, X)
        n_trees = sum(1 for name in self.parts_ if name.rsplit(".", 1)[0] == key)
        which = rng.integers(0, n_trees, size=X.shape[0]) if n_trees > 1 else np.zeros(X.shape[0], int)
        out = []
        for t in range(n_trees):
            part = self.parts_[f"{key}.{t}"]
            rows = np.flatnonzero(which == t)
            out.append((rows, part[field], part["node_to_leaf"][trees.apply(part, X[rows])]))
        return out

    def _draw_column(self, j: int, preds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Column ``j`` for rows whose earlier columns are ``preds``: class codes, or values with
        NaN for missing."""
        meta = self.columns_[j]
        if meta["kind"] == "discrete":
            return self._draw(f"c{j}", "probs", preds, rng).astype(np.int64)
        n = preds.shape[0]
        values = np.full(n, np.nan)
        missing = np.zeros(n, dtype=bool)
        if self._has(f"c{j}m"):
            missing = self._draw(f"c{j}m", "probs", preds, rng) == 1
        at_spike = np.zeros(n, dtype=bool)
        if self._has(f"c{j}z") and (~missing).any():
            at_spike[~missing] = self._draw(f"c{j}z", "probs", preds[~missing], rng) == 1
            spiked = bounds.from_gap(meta, preds[at_spike], np.full(int(at_spike.sum()), meta["spike"]))
            if self._has(f"c{j}"):  # where the spike breaks an ordering, the other values are drawn
                keep = ~self._broken(j, preds[at_spike], spiked)
                at_spike[np.flatnonzero(at_spike)[~keep]] = False
                spiked = spiked[keep]
            values[at_spike] = _clip(spiked, meta)
            missing = missing | at_spike
        if self._has(f"c{j}") and (~missing).any():
            values[~missing] = _clip(self._values_inside(j, preds[~missing], rng), meta)
        return self._on_step(j, preds, values)

    def _on_step(self, j: int, preds: np.ndarray, values: np.ndarray) -> np.ndarray:
        """A whole-number column's values made whole here rather than on output, so that the
        columns after it are drawn for the value the row will show: a year of enrolment drawn as
        1989.6 and shown as 1990 would otherwise let a death time drawn for 1989.6 pass the close
        of the study for 1990. Where rounding would break the column's range or an ordering, the
        value goes to the whole number on the other side (see :func:`bounds.to_step`)."""
        meta = self.columns_[j]
        if not meta.get("step"):
            return values
        lo, hi = bounds.row_limits(meta, preds)
        return bounds.to_step(values, meta["step"], lo[:, None], hi[:, None])

    def _values(self, j: int, preds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Continuous column ``j`` drawn from its trees for rows whose earlier columns are
        ``preds``, through its linear part or from its gap to a bound where it has one."""
        meta = self.columns_[j]
        drawn = self._draw(f"c{j}", "grid", preds, rng)
        if meta.get("linear"):
            drawn = self._unlink(j, self._link_mean(j, preds), drawn)
        return bounds.from_gap(meta, preds, drawn)

    def _values_inside(self, j: int, preds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """:meth:`_values`, a value outside the column's range or breaking an ordering the
        training rows all keep (a visit day after the end of follow-up) being drawn again, up to
        REDRAWS times: the column's distribution cut to what the row allows. Clipping alone
        would pile such rows onto the range's end (a tumour measurement at exactly zero). What
        still breaks an ordering then is set onto its bound."""
        values = self._values(j, preds, rng)
        for _ in range(REDRAWS):
            out = np.flatnonzero(self._broken(j, preds, values))
            if out.size == 0:
                break
            values[out] = self._values(j, preds[out], rng)
        for order in self.columns_[j].get("orders", []):
            ref = bounds.order_bound(order, preds)
            with np.errstate(invalid="ignore"):
                values = np.where(order[1] * (values - ref) < 0, ref, values)
        return values

    def _broken(self, j: int, preds: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per row: whether column ``j``'s value lies outside the column's range or breaks one
        of its orderings with the earlier columns ``preds`` (NaN on either side: no ordering)."""
        meta = self.columns_[j]
        lo = -np.inf if meta["lower"] is None else meta["lower"]
        hi = np.inf if meta["upper"] is None else meta["upper"]
        bad = (values < lo) | (values > hi)
        for order in meta.get("orders", []):
            with np.errstate(invalid="ignore"):
                bad |= order[1] * (values - bounds.order_bound(order, preds)) < 0
        return bad

    def _sample_encoded(self, n: int, rng: np.random.Generator) -> list[Encoded]:
        X = np.empty((n, len(self.columns_)))
        out: list[Encoded] = []
        for j, meta in enumerate(self.columns_):
            values = self._draw_column(j, X[:, :j], rng)
            X[:, j] = values
            if meta["kind"] == "discrete":
                out.append(Encoded(meta["name"], "discrete", values, meta["n_classes"]))
            else:
                out.append(Encoded(meta["name"], "continuous", values))
        return out

    def _sample_conditioned(self, n: int, clauses: list, rng: np.random.Generator,
                            relations: list | None = None) -> tuple[list[Encoded], np.ndarray]:
        """Weighted rows inside a condition's clauses (see :mod:`synthcare.engines.cart_conditions`)."""
        from synthcare.engines.cart_conditions import sample_conditioned

        return sample_conditioned(self, n, clauses, rng, relations)

    def _orderings(self) -> list[tuple[str, str, int]]:
        out = []
        for meta in self.columns_:
            if meta.get("anchor") is not None and (meta.get("offset"), meta.get("slope")) == (0.0, 1.0):
                out.append((meta["name"], self.columns_[meta["anchor"]]["name"], int(meta["sign"])))
            out += [(meta["name"], self.columns_[int(o[0])]["name"], int(o[1]))
                    for o in meta.get("orders", []) if len(o) == 2]
        return out

    def _has(self, key: str) -> bool:
        return key in self.parts_ or f"{key}.0" in self.parts_

    # ------------------------------------------------------------------ state
    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays = {f"{key}/{field}": arr for key, part in self.parts_.items() for field, arr in part.items()}
        return {"columns": self.columns_}, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.columns_ = meta["columns"]
        for j, column in enumerate(self.columns_):
            for order in column.get("orders", []):
                if len(order) not in (2, 4) or not 0 <= int(order[0]) < j or int(order[1]) not in (-1, 1) \
                        or not np.all(np.isfinite(np.asarray(order, dtype=float))):
                    raise ValueError(f"column {j} has an ordering {order!r} that is not a bound by an earlier column")
            if column.get("scaled") is not None and (
                    column["scaled"] is not True or column.get("anchor") is None or bounds.far_end(column) is None):
                raise ValueError(f"column {j} draws its gap as a share of a room it has no end for")
            step = column.get("step")
            if step is not None and not (isinstance(step, (int, float)) and np.isfinite(step) and step > 0):
                raise ValueError(f"column {j} has a value step {step!r}; expected a positive number")
        parts: dict[str, dict[str, np.ndarray]] = {}
        for name, arr in arrays.items():
            key, field = name.split("/", 1)
            parts.setdefault(key, {})[field] = arr
        for key, part in parts.items():
            column = int(key.split(".")[0][1:].rstrip("mqlsz"))
            if "left" in part:
                score = parts.get(key.split(".")[0] + "s")
                trees.check(part, max(column + (0 if score is None else score["intercept"].size), 1))
            if "cols" in part and (part["cols"].size != part["coef"].size or np.any(part["cols"] >= column)
                                   or np.any(part["cols"] < 0)):
                raise ValueError(f"linear part '{key}' refers to columns that do not come before it")
            if "cols" in part:
                sums, which = part["intercept"].size if "intercept" in part else 0, _which(part)
                if sums < 1 or ("which" not in part and sums != 1) or which.size != part["cols"].size \
                        or np.any((which < 0) | (which >= sums)):
                    raise ValueError(f"linear part '{key}' does not say which of its sums each coefficient is in")
                classes = _classes(part)
                if classes.size != part["cols"].size or not all(
                        f"c{i}q" in parts if k < 0 else
                        self.columns_[i]["kind"] == "discrete" and 1 <= k < self.columns_[i]["n_classes"]
                        for i, k in zip(part["cols"].tolist(), classes.tolist())):
                    raise ValueError(f"linear part '{key}' uses a column as a score it has no grid for, "
                                     "or a class that column does not have")
        self.parts_ = parts


def visit_order(columns: list[Encoded], groups: np.ndarray | None = None) -> list[Encoded]:
    """The order columns are learnt and drawn in. Without ``groups`` (one row per patient), the
    discrete columns go after the continuous ones, each group in the table's order, except two
    kinds that a later time needs drawn before it: a column that bounds a time (a year of
    enrolment sets the end of follow-up, see :func:`bounds.find_envelope`), and the columns
    between a time and an earlier time it never passes where ANCHOR_TIES of the rows or more sit
    on that bound (see :func:`bounds.find_anchor`): an event indicator says which patients end
    follow-up on the day progression was censored.
    With ``groups`` (several rows per patient) the table's order, baseline columns first as
    tables have them, except for the visit's signs: a discrete column of numbers with up to
    MAX_SCORED_CLASSES classes that changes within a patient (ascites, edema, a histological
    stage at each visit) goes after the continuous columns, with the same two exceptions (the
    columns between a time and any earlier time it is drawn as its gap to stay, as an event
    number stays between the start and end of its interval). Drawn before the laboratory
    values, a sign handed its tie with each of them to trees that kept a third of it (pbcseq:
    the gap in mean rank of bilirubin, albumin and prothrombin time between visits with and
    without each sign, 0.32 of train's kept by synthetic rows against 0.91 by the holdout
    half); drawn after them, its ridge scores on the whole panel carry it (see
    :meth:`CARTSynthesizer._fit_score`). Output keeps the table's order whatever this is
    (columns decode by name)."""
    discrete = [c.kind == "discrete" for c in columns]
    if groups is not None:  # the visit's signs only
        discrete = [d and c.numeric and c.n_classes <= MAX_SCORED_CLASSES for d, c in zip(discrete, columns)]
        discrete = [d and _changing(c, groups) for d, c in zip(discrete, columns)]
    if not any(discrete):
        return list(columns)
    X = np.column_stack([c.values.astype(float) for c in columns])
    moved = list(discrete)
    for j, c in enumerate(columns):
        if c.kind != "continuous":
            continue
        envelope = bounds.find_envelope(X, columns, j)
        if envelope is not None:
            moved[envelope[0]] = False
        anchor = bounds.find_anchor(X, columns, j)
        if anchor is not None and (groups is not None or _tied(X, j, anchor[0])):
            moved[anchor[0]:j] = [False] * (j - anchor[0])
    return [c for c, m in zip(columns, moved) if not m] + [c for c, m in zip(columns, moved) if m]


def _changing(column: Encoded, groups: np.ndarray) -> bool:
    """Whether ``column`` takes more than one value (missing counting as one) within some patient
    (``groups``: each row's patient)."""
    members, starts, _ = _patients(groups)
    v = column.values.astype(float)[members]
    differs = (v[1:] != v[:-1]) & ~(np.isnan(v[1:]) & np.isnan(v[:-1]))
    differs[starts[1:] - 1] = False  # the first row of the next patient
    return bool(differs.any())


def _which(part: dict[str, np.ndarray]) -> np.ndarray:
    """Which of a linear part's sums each of its coefficients is in (all the first if unsaid)."""
    return part.get("which", np.zeros(part["cols"].size, dtype=np.int64))


def _classes(part: dict[str, np.ndarray]) -> np.ndarray:
    """Per coefficient of a linear part, the class of a discrete column it is the indicator of,
    or -1 for a continuous column's normal score (all of them if unsaid)."""
    return part.get("classes", np.full(part["cols"].size, -1, dtype=np.int64))


class Signs(NamedTuple):
    """Class indicators of discrete columns (see :func:`_indicators`): per indicator its column
    and class, its 0/1 values over the training rows standardised (one column each), and the
    mean and SD they were standardised with."""

    cols: np.ndarray
    classes: np.ndarray
    scores: np.ndarray
    mean: np.ndarray
    sd: np.ndarray

    def before(self, j: int) -> Signs:
        """The indicators of the columns before column ``j``."""
        keep = self.cols < j
        return Signs(self.cols[keep], self.classes[keep], self.scores[:, keep], self.mean[keep], self.sd[keep])


def _indicators(columns: list[Encoded], n: int) -> Signs:
    """The class indicators of the discrete ``columns`` (of ``n`` rows) of up to
    MAX_SCORED_CLASSES classes, all classes but the first, where each side holds
    MIN_INDICATOR_ROWS rows or more."""
    found = []
    for i, col in enumerate(columns):
        if col.kind != "discrete" or col.n_classes > MAX_SCORED_CLASSES:
            continue
        for k in range(1, col.n_classes):
            ind = (col.values == k).astype(float)
            if min(ind.sum(), ind.size - ind.sum()) >= MIN_INDICATOR_ROWS:
                found.append((i, k, ind))
    values = np.column_stack([f[2] for f in found]) if found else np.empty((n, 0))
    mean, sd = values.mean(axis=0), values.std(axis=0)
    return Signs(np.array([f[0] for f in found], dtype=np.int64), np.array([f[1] for f in found], dtype=np.int64),
                 (values - mean) / sd, mean, sd)


def _tied(X: np.ndarray, j: int, i: int) -> bool:
    """Whether ANCHOR_TIES or more of the rows with a value in column ``j`` sit exactly on
    column ``i`` (death on the day of progression; follow-up ending where progression was
    censored)."""
    present = ~np.isnan(X[:, j])
    return bool(np.mean(X[present, j] == X[present, i]) >= ANCHOR_TIES)


def find_spike(values: np.ndarray) -> float | None:
    """The smallest or largest value where it holds a small point mass (a measurement at zero
    or at a detection limit, a gap of zero to a bound), else None: at least SPIKE_ROWS rows and
    SPIKE_SHARE of them, at most SPIKE_MAX_SHARE, and SPIKE_RATIO times as many rows as any
    other value. A grid point stands for ROWS_PER_POINT rows or more and a leaf has 16, so the
    grids smear a mass this small over its neighbourhood, and it would not follow the columns
    it goes with (a tumour with no concavity has zero on all six concavity measures)."""
    if values.size < 2 * SPIKE_ROWS:
        return None
    uniq, counts = np.unique(values, return_counts=True)
    if uniq.size < 3:
        return None
    for i in (0, uniq.size - 1):
        others = np.delete(counts, i).max()
        if counts[i] >= max(SPIKE_ROWS, SPIKE_SHARE * values.size) and counts[i] >= SPIKE_RATIO * others \
                and counts[i] <= SPIKE_MAX_SHARE * values.size:
            return float(uniq[i])
    return None


def _points(rows: int, least: int) -> int:
    """Grid points for a leaf of ``rows`` rows: ``least`` or more, each for ROWS_PER_POINT rows."""
    return int(min(MAX_POINTS, max(least, rows // ROWS_PER_POINT)))


def _held_out_loss(model, X: np.ndarray, y: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """Per node of a fitted sklearn tree: the squared error on rows ``X, y`` (those that reach
    the node) of the node's own prediction (the mean, or the class shares as a Brier score)."""
    path = model.decision_path(X).tocsc().astype(float)
    count = np.asarray(path.sum(axis=0)).ravel()
    value = model.tree_.value[:, 0, :]
    if hasattr(model, "classes_"):
        share = value / np.maximum(value.sum(axis=1, keepdims=True), 1e-12)
        onehot = np.zeros((len(y), share.shape[1]))
        code = np.minimum(np.searchsorted(model.classes_, y), share.shape[1] - 1)
        seen = model.classes_[code] == y  # a class the tree never saw scores as all-wrong
        onehot[np.flatnonzero(seen), code[seen]] = 1.0
        hits = np.asarray(path.T @ onehot)
        return count * (share**2).sum(axis=1) - 2 * (hits * share).sum(axis=1) + count
    mean = value[:, 0]
    s1 = path.T @ y
    s2 = path.T @ (y * y)
    return s2 - 2 * mean * s1 + count * mean**2


def _subset(groups: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    return None if groups is None else groups[rows]


def _patients(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row indices sorted by patient, where each patient's rows start there, and how many."""
    _, codes, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    return np.argsort(codes, kind="stable"), np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes


def _patient_bootstrap(members: np.ndarray, starts: np.ndarray, sizes: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """Row indices of a bootstrap sample of patients (see :func:`_patients`): as many patients
    as there are, drawn with replacement, each with all of its rows."""
    picked = rng.integers(0, sizes.size, size=sizes.size)
    lengths = sizes[picked]
    shift = np.repeat(starts[picked] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return members[shift + np.arange(lengths.sum())]


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _clip(values: np.ndarray, meta: dict[str, Any]) -> np.ndarray:
    lo = -np.inf if meta["lower"] is None else meta["lower"]
    hi = np.inf if meta["upper"] is None else meta["upper"]
    return np.clip(values, lo, hi)
