"""Validity: does the synthetic table reproduce the real one's distributions and relations?

Per column: Kolmogorov-Smirnov (numeric) or total variation distance with a chi-square test
(categorical), Wasserstein distance in units of the real standard deviation, and the missing-rate
error. The column-shape score is the mean of 1 - KS and 1 - TVD, as SDMetrics' KSComplement and
TVComplement define them (missing values left out; a test cross-checks the two).
Pairs: one association in [0, 1] for every pair of columns (|Spearman|, Cramér's V, correlation
ratio), compared as 1 - |difference| (pair trends), the share of the real data's notable relations
(association >= 0.2) that survive, and normalised mutual information on binned values for
non-linear dependence. Whole table: a gradient-boosting classifier telling real from synthetic
(ROC AUC with a bootstrap interval; 0.5 is ideal) and agreement of 3-way marginals.
Every score is computed the same way for the holdout, the value fresh real data gets.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from synthcare._random import child_seed
from synthcare.evaluation import figures, stats
from synthcare.evaluation.models import out_of_fold_scores
from synthcare.evaluation.policy import Policy
from synthcare.evaluation.results import Pillar, Table
from synthcare.evaluation.tables import EvaluationData, encode_ordinal

PAIR_ROWS = 20_000  # rows used for pairwise statistics (subsampled above this)
DETECTION_ROWS = 10_000  # rows per side for the detection classifier
NOTABLE = 0.2  # a real association at least this strong (and above noise) is a relation to keep
N_TRIPLES = 60


def _subsample(frame: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= n:
        return frame
    return frame.iloc[np.sort(rng.choice(len(frame), n, replace=False))].reset_index(drop=True)


def column_metrics(real: pd.Series, other: pd.Series, kind: str) -> dict[str, float]:
    """Distance between one real and one other column."""
    from scipy import stats as st

    out = {"missing_error": abs(float(real.isna().mean()) - float(other.isna().mean()))}
    r, o = real.dropna(), other.dropna()
    if kind == "numeric":
        if len(r) and len(o):
            ks = st.ks_2samp(r.to_numpy(float), o.to_numpy(float))
            sd = float(r.std()) or 1.0
            out.update(statistic=float(ks.statistic), p_value=float(ks.pvalue),
                       wasserstein=float(st.wasserstein_distance(r, o)) / sd, test="KS")
        else:
            out.update(statistic=float("nan"), p_value=float("nan"), wasserstein=float("nan"), test="KS")
    else:
        d = stats.tvd(r, o)
        counts = pd.concat([r.value_counts(), o.value_counts()], axis=1).fillna(0).to_numpy().T
        counts = counts[:, counts.sum(0) > 0]
        p = float("nan")
        if counts.shape[1] > 1 and counts.sum(1).min() > 0:
            p = float(st.chi2_contingency(counts)[1])
        out.update(statistic=d, p_value=p, wasserstein=float("nan"), test="TVD / chi2")
    out["similarity"] = 1.0 - out["statistic"] if out["statistic"] == out["statistic"] else float("nan")
    return out


def _shapes(data: EvaluationData, other: pd.DataFrame) -> dict[str, dict[str, float]]:
    kinds = data.kinds()
    return {c: column_metrics(data.real[c], other[c], kinds[c]) for c in data.columns}


def _mean_similarity(metrics: dict[str, dict[str, float]]) -> float | None:
    values = [m["similarity"] for m in metrics.values() if m["similarity"] == m["similarity"]]
    return float(np.mean(values)) if values else None


def _by_distance(metrics: dict[str, dict[str, float]]) -> list[str]:
    """Columns from the least to the most similar (unmeasurable ones last)."""
    def key(c: str) -> float:
        d = metrics[c]["statistic"]
        return -d if d == d else 1.0

    return sorted(metrics, key=key)


def _binned(data: EvaluationData, frames: list[pd.DataFrame], bins: int) -> list[pd.DataFrame]:
    kinds = data.kinds()
    coded = [dict() for _ in frames]
    for c in data.columns:
        codes = stats.bin_codes(frames[0][c], [f[c] for f in frames[1:]], kind=kinds[c], bins=bins)
        for d, code in zip(coded, codes):
            d[c] = code
    return [pd.DataFrame(d) for d in coded]


def _mi_matrix(binned: pd.DataFrame, columns: list[str]) -> np.ndarray:
    k = len(columns)
    m = np.eye(k)
    arrays = [binned[c].to_numpy() for c in columns]
    for i, j in itertools.combinations(range(k), 2):
        m[i, j] = m[j, i] = stats.normalized_mutual_information(arrays[i], arrays[j])
    return m


def _three_way(binned: list[pd.DataFrame], columns: list[str], rng: np.random.Generator) -> list[float]:
    """1 - TVD of 3-way binned joint distributions, real vs each other frame, on shared triples."""
    triples = list(itertools.combinations(range(len(columns)), 3))
    if not triples:
        return [float("nan")] * (len(binned) - 1)
    if len(triples) > N_TRIPLES:
        triples = [triples[i] for i in rng.choice(len(triples), N_TRIPLES, replace=False)]
    scores = [[] for _ in binned[1:]]
    for t in triples:
        cols = [columns[i] for i in t]
        keys = []
        for f in binned:
            codes = f[cols].to_numpy(dtype=np.int64)
            keys.append(codes[:, 0] * 10_000 + codes[:, 1] * 100 + codes[:, 2])
        pr = pd.Series(keys[0]).value_counts(normalize=True)
        for s, k in zip(scores, keys[1:]):
            po = pd.Series(k).value_counts(normalize=True)
            j = pd.concat([pr, po], axis=1).fillna(0.0)
            s.append(1.0 - 0.5 * float(np.abs(j.iloc[:, 0] - j.iloc[:, 1]).sum()))
    return [float(np.mean(s)) for s in scores]


def detection(data: EvaluationData, real: str, other: str, rng: np.random.Generator
              ) -> tuple[float, tuple[float, float], np.ndarray, np.ndarray]:
    """Out-of-fold ROC AUC of a classifier telling the ``other`` table from the ``real`` one.

    ``real`` and ``other`` name tables of ``data`` ("real", "synthetic" or "holdout"). Each side is
    subsampled to the same size; a patient's rows stay in one fold (see ``out_of_fold_scores``).
    """
    frames = {"real": data.real, "synthetic": data.synthetic, "holdout": data.holdout}
    n = min(len(frames[real]), len(frames[other]), DETECTION_ROWS)
    picked, groups = [], []
    for k, which in enumerate((real, other)):
        frame = frames[which]
        idx = np.sort(rng.choice(len(frame), n, replace=False)) if len(frame) > n else np.arange(len(frame))
        picked.append(frame.iloc[idx].reset_index(drop=True))
        g = data.groups.get(which, np.arange(len(frame)))[idx]
        groups.append(g * 2 + k)  # the two sides never share a group
    (xr, xo), is_cat = encode_ordinal(picked, data)
    x = np.vstack([xr, xo])
    y = np.r_[np.zeros(len(xr), dtype=int), np.ones(len(xo), dtype=int)]
    scores = out_of_fold_scores(x, y, is_cat, child_seed(rng),
                                groups=np.concatenate(groups) if data.groups else None)
    auc = stats.roc_auc(y, scores)
    ci = stats.bootstrap_ci(stats.roc_auc, (y, scores), rng)
    return auc, ci, y, scores


def _roc_points(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(y, scores)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 200)).astype(int))
    return fpr[keep], tpr[keep]


def evaluate_validity(data: EvaluationData, policy: Policy, rng: np.random.Generator) -> Pillar:
    pillar = Pillar("validity")
    j = policy.judge
    hold = data.holdout
    columns = data.columns
    kinds = data.kinds()

    expected = len(columns) + len(data.missing_in_synthetic)
    pillar.checks.append(j(
        "validity", "column_coverage", "Share of the real table's columns present in the synthetic table",
        len(columns) / expected, reference=None if hold is None else 1.0,
        details={"missing": data.missing_in_synthetic},
    ))

    syn_cols = _shapes(data, data.synthetic)
    hold_cols = _shapes(data, hold) if hold is not None else None
    shape = _mean_similarity(syn_cols)
    shape_ref = None if hold_cols is None else _mean_similarity(hold_cols)
    ranked = _by_distance(syn_cols)
    worst_col = ranked[0]
    pillar.checks.append(j(
        "validity", "column_shapes", "Column shapes: mean of 1 - KS (numeric) and 1 - TVD (categorical)",
        shape, reference=shape_ref, note=f"least similar column: '{worst_col}'",
    ))
    miss = max(m["missing_error"] for m in syn_cols.values())
    miss_ref = None if hold_cols is None else max(m["missing_error"] for m in hold_cols.values())
    pillar.checks.append(j(
        "validity", "missing_rates", "Largest error in a column's missing-value rate", miss,
        reference=miss_ref,
    ))
    rows = []
    for c in columns:
        m = syn_cols[c]
        rows.append([c, kinds[c], m["test"], m["statistic"], m["p_value"], m["wasserstein"],
                     m["missing_error"], None if hold_cols is None else hold_cols[c]["statistic"]])
    pillar.tables.append(Table(
        "Per column: distance real vs synthetic (KS statistic or TVD), test p-value, Wasserstein "
        "distance in real standard deviations, missing-rate error, and the holdout's distance",
        ["column", "kind", "test", "distance", "p-value", "wasserstein/sd", "missing error",
         "holdout distance"], rows,
    ))

    # pairs
    pr = _subsample(data.real, PAIR_ROWS, rng)
    ps = _subsample(data.synthetic, PAIR_ROWS, rng)
    ph = None if hold is None else _subsample(hold, PAIR_ROWS, rng)
    num, cat = data.numeric, data.categorical
    a_real = stats.associations(pr, num, cat, columns)
    a_syn = stats.associations(ps, num, cat, columns)
    a_hold = None if ph is None else stats.associations(ph, num, cat, columns)
    iu = np.triu_indices(len(columns), 1)
    if len(iu[0]):
        ar, as_ = a_real.to_numpy()[iu], a_syn.to_numpy()[iu]
        trend = float(1 - np.abs(ar - as_).mean())
        trend_ref = None if a_hold is None else float(1 - np.abs(ar - a_hold.to_numpy()[iu]).mean())
        pillar.checks.append(j(
            "validity", "pair_trends", "Pair trends: mean 1 - |association difference| over column pairs",
            trend, reference=trend_ref,
        ))
        floor = max(NOTABLE, 3 / np.sqrt(len(pr)))  # above what chance gives on this many rows
        notable = ar >= floor
        if notable.any():
            kept = float(np.mean(np.minimum(as_[notable] / ar[notable], 1.0)))
            kept_ref = None if a_hold is None else float(
                np.mean(np.minimum(a_hold.to_numpy()[iu][notable] / ar[notable], 1.0)))
            pillar.checks.append(j(
                "validity", "relations_kept",
                f"Relations kept: mean share of each notable real association (>= {floor:.2f}) kept",
                kept, reference=kept_ref, details={"notable_pairs": int(notable.sum())},
            ))
        else:
            pillar.checks.append(j("validity", "relations_kept", "Relations kept", None,
                                   note=f"no pair of columns has an association >= {floor:.2f} in the real data"))
        order = np.argsort(-np.abs(ar - as_))[:15]
        pillar.tables.append(Table(
            "Pairs whose association differs most (real vs synthetic vs holdout)",
            ["column A", "column B", "real", "synthetic", "holdout"],
            [[columns[iu[0][k]], columns[iu[1][k]], ar[k], as_[k],
              None if a_hold is None else a_hold.to_numpy()[iu][k]] for k in order],
        ))
        binned = _binned(data, [pr, ps] + ([ph] if ph is not None else []), bins=8)
        mi = [_mi_matrix(b, columns)[iu] for b in binned]
        mi_score = float(1 - np.abs(mi[0] - mi[1]).mean())
        mi_ref = None if ph is None else float(1 - np.abs(mi[0] - mi[2]).mean())
        pillar.checks.append(j(
            "validity", "mutual_information",
            "Non-linear dependence: mean 1 - |normalised mutual information difference| over pairs",
            mi_score, reference=mi_ref,
        ))
        binned5 = _binned(data, [pr, ps] + ([ph] if ph is not None else []), bins=5)
        three = _three_way(binned5, columns, rng)
        pillar.checks.append(j(
            "validity", "three_way_marginals", "3-way marginals: mean 1 - TVD of binned column triples",
            three[0], reference=None if ph is None else three[1],
            note="" if len(columns) >= 3 else "fewer than 3 columns",
        ))
        pillar.figures.append(figures.heatmaps(a_real, a_syn))
    else:
        for name in ("pair_trends", "relations_kept", "mutual_information", "three_way_marginals"):
            pillar.checks.append(j("validity", name, name.replace("_", " "), None,
                                   note="only one column to compare"))

    # Fresh real rows (the holdout) against synthetic ones: a classifier trained on training rows
    # would see the twins of copied rows with the opposite label and score below 0.5.
    auc, ci, y, scores = detection(data, "holdout" if hold is not None else "real", "synthetic", rng)
    curves = {"synthetic vs real": (*_roc_points(y, scores), auc)}
    ref = None
    if hold is not None:
        ref, _, yh, sh = detection(data, "holdout", "real", rng)
        curves["training rows vs holdout"] = (*_roc_points(yh, sh), ref)
    pillar.checks.append(j(
        "validity", "detection_auc", "Detection: ROC AUC of a classifier telling synthetic from real "
        "(0.5 = indistinguishable)", auc, reference=ref, baseline=0.5, ci=ci,
        note="real side: the holdout" if hold is not None else
        "real side: the training rows (no holdout; copies of training rows look real here)",
    ))
    pillar.figures.append(figures.roc_curves(curves, "detection_roc", "Detection classifier ROC curves"))
    shown = [c for c in columns if c in ranked[:24]]
    pillar.figures.insert(0, figures.distributions(data.real, data.synthetic, kinds, shown, hold))
    if len(columns) > len(shown):
        pillar.notes.append(f"The distribution figure shows the {len(shown)} least similar of "
                            f"{len(columns)} columns; the table lists all.")
    return pillar
