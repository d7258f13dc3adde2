"""Bias audit: does the synthetic table keep, or amplify, the bias of its source?

For each sensitive attribute (given by the user, or suggested from column names such as sex or
age; numeric ones are cut into tertile bands of the real data): subgroup shares real vs
synthetic, the spread of column-shape validity across subgroups, the subgroup-wise loss of
utility, and the equalised-odds difference (largest gap in true- or false-positive rate between
subgroups) of the real-trained and the synthetic-trained model on real test rows. Amplification
is the synthetic-trained model's equalised-odds difference minus the real-trained one's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthcare.evaluation import figures
from synthcare.evaluation.policy import Policy
from synthcare.evaluation.results import Pillar, Table
from synthcare.evaluation.tables import EvaluationData
from synthcare.evaluation.utility import target_models
from synthcare.evaluation.validity import column_metrics

MIN_GROUP = 20  # rows a subgroup needs before its validity or utility is judged
MAX_GROUPS = 8
Z_NOISE = 2.58  # share differences within this many standard errors are sampling noise


def groups_of(column: str, data: EvaluationData, frame: pd.DataFrame) -> pd.Series:
    """Subgroup labels of ``frame`` for a sensitive column (bands learnt on the real data)."""
    real = data.real[column]
    if column in data.numeric and real.nunique() > MAX_GROUPS:
        edges = np.unique(np.round(np.nanquantile(real.to_numpy(float), [1 / 3, 2 / 3]), 1))
        values = frame[column].to_numpy(float)
        codes = np.searchsorted(edges, values, side="right")
        bounds = [-np.inf, *edges, np.inf]
        labels = np.array([f"{column} < {bounds[1]:g}"]
                          + [f"{bounds[k]:g} <= {column} < {bounds[k + 1]:g}" for k in range(1, len(bounds) - 2)]
                          + [f"{column} >= {bounds[-2]:g}"])
        out = pd.Series(labels[codes], index=frame.index, dtype=object)
        out[np.isnan(values)] = "(missing)"
        return out
    top = real.astype(str).where(real.notna(), "(missing)").value_counts().index[: MAX_GROUPS - 1]
    text = frame[column].astype(str).where(frame[column].notna(), "(missing)")
    return text.where(text.isin(top), "(other)").map(lambda v: f"{column} = {v}")


def _shares(g: pd.Series) -> pd.Series:
    return g.value_counts(normalize=True)


def excess_share_difference(p_real: pd.Series, n_real: int, p_other: pd.Series, n_other: int) -> float:
    """Largest difference in a subgroup's share beyond sampling noise (z = 2.58 standard errors)."""
    p = p_real.to_numpy(float)
    se = np.sqrt(np.maximum(p * (1 - p), 1e-12) * (1 / max(n_real, 1) + 1 / max(n_other, 1)))
    excess = np.abs(p - p_other.to_numpy(float)) - Z_NOISE * se
    return float(max(0.0, excess.max())) if len(excess) else float("nan")


def _shape_gap(data: EvaluationData, other: pd.DataFrame, g_real: pd.Series, g_other: pd.Series,
               sensitive: str) -> tuple[float, dict[str, float]]:
    kinds = data.kinds()
    scores = {}
    for grp in g_real.unique():
        r, o = data.real[g_real == grp], other[g_other == grp]
        if len(r) < MIN_GROUP or len(o) < MIN_GROUP:
            continue
        sims = [column_metrics(r[c], o[c], kinds[c])["similarity"] for c in data.columns if c != sensitive]
        sims = [v for v in sims if v == v]
        scores[grp] = float(np.mean(sims)) if sims else float("nan")
    vals = [v for v in scores.values() if v == v]
    return (max(vals) - min(vals) if len(vals) > 1 else float("nan")), scores


def _rates(y: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    pos, neg = y == 1, y == 0
    return (float(pred[pos].mean()) if pos.any() else np.nan, float(pred[neg].mean()) if neg.any() else np.nan)


def equalized_odds_difference(y: np.ndarray, pred: np.ndarray, groups: np.ndarray) -> float:
    """Largest gap in true-positive or false-positive rate between subgroups (binary labels)."""
    tprs, fprs = [], []
    for grp in np.unique(groups):
        m = groups == grp
        if (y[m] == 1).sum() < 5 or (y[m] == 0).sum() < 5:
            continue
        tpr, fpr = _rates(y[m], pred[m])
        tprs.append(tpr)
        fprs.append(fpr)
    if len(tprs) < 2:
        return float("nan")
    return float(max(max(tprs) - min(tprs), max(fprs) - min(fprs)))


def evaluate_fairness(data: EvaluationData, policy: Policy, rng: np.random.Generator) -> Pillar:
    pillar = Pillar("fairness")
    j = policy.judge
    if not data.sensitive:
        pillar.notes.append("No sensitive attribute given or recognised (pass --sensitive COL).")
        pillar.checks.append(j("fairness", "subgroup_shares", "Subgroup shares", None,
                               note="no sensitive attribute"))
        return pillar
    if data.sensitive_suggested:
        pillar.notes.append(f"Sensitive attributes suggested from column names: {data.sensitive} "
                            "(choose them with --sensitive).")
    preds = None
    if data.target is not None:
        models = target_models(data)
        if isinstance(models, str):
            pillar.notes.append(f"Subgroup utility and equalised odds are not measured: {models}.")
        else:
            preds = models.predictions
    share_gaps, share_refs, shape_gaps, shape_refs, util_gaps, amps = [], [], [], [], [], []
    share_rows, group_rows, odds_rows = [], [], []
    for s in data.sensitive:
        g_real, g_syn = groups_of(s, data, data.real), groups_of(s, data, data.synthetic)
        pr, ps = _shares(g_real), _shares(g_syn)
        ph = None
        if data.holdout is not None:
            ph = _shares(groups_of(s, data, data.holdout))
        levels = pr.index.union(ps.index)
        share_gaps.append(excess_share_difference(pr.reindex(levels).fillna(0), len(g_real),
                                                  ps.reindex(levels).fillna(0), len(g_syn)))
        if ph is not None:
            share_refs.append(excess_share_difference(pr.reindex(levels).fillna(0), len(g_real),
                                                      ph.reindex(levels).fillna(0), len(data.holdout)))
        for lev in levels:
            share_rows.append([s, lev, float(pr.get(lev, 0.0)), float(ps.get(lev, 0.0)),
                               None if ph is None else float(ph.get(lev, 0.0))])
        gap, per_group = _shape_gap(data, data.synthetic, g_real, g_syn, s)
        shape_gaps.append(gap)
        if data.holdout is not None:
            ref_gap, _ = _shape_gap(data, data.holdout, g_real, groups_of(s, data, data.holdout), s)
            shape_refs.append(ref_gap)
        for grp, score in per_group.items():
            group_rows.append([s, grp, score])
        if preds is not None:
            g_test = groups_of(s, data, preds.test).to_numpy()
            overall = preds.scorer.score(preds.y, preds.real) - preds.scorer.score(preds.y, preds.synthetic)
            losses = []
            for grp in np.unique(g_test):
                m = g_test == grp
                if m.sum() < MIN_GROUP:
                    continue
                a = preds.scorer.score(preds.y[m], preds.real[m])
                b = preds.scorer.score(preds.y[m], preds.synthetic[m])
                if a == a and b == b:
                    losses.append(a - b)
                    odds_rows.append([s, grp, int(m.sum()), a, b])
            if losses and overall == overall:
                util_gaps.append(max(losses) - overall)
            if preds.scorer.task == "classification":
                classes = preds.scorer.classes
                ks = [1] if len(classes) == 2 else range(len(classes))
                eods = []
                for k in ks:
                    y = (preds.y == classes[k]).astype(int)
                    cut = float(np.mean(y))  # predicted positive when the probability beats the base rate
                    e_real = equalized_odds_difference(y, (preds.real[:, k] >= cut).astype(int), g_test)
                    e_syn = equalized_odds_difference(y, (preds.synthetic[:, k] >= cut).astype(int), g_test)
                    if e_real == e_real and e_syn == e_syn:
                        eods.append((e_real, e_syn))
                if eods:
                    e_real, e_syn = max(eods, key=lambda t: t[1] - t[0])
                    amps.append((s, e_real, e_syn))

    def top(values: list[float]) -> float | None:
        vals = [v for v in values if v == v]
        return max(vals) if vals else None

    pillar.checks.append(j(
        "fairness", "subgroup_shares", "Largest difference in a subgroup's share, real vs synthetic, beyond "
        "sampling noise (2.58 standard errors)",
        top(share_gaps), reference=top(share_refs),
    ))
    pillar.checks.append(j(
        "fairness", "subgroup_validity_gap", "Spread of column-shape validity across subgroups "
        "(best minus worst subgroup)", top(shape_gaps), reference=top(shape_refs),
        note="" if top(shape_gaps) is not None else f"needs two subgroups of at least {MIN_GROUP} rows",
    ))
    if preds is not None:
        pillar.checks.append(j(
            "fairness", "subgroup_utility_gap", "Worst subgroup's loss of utility (train-real minus "
            "train-synthetic score) beyond the overall loss", top(util_gaps),
            note="" if util_gaps else f"needs subgroups of at least {MIN_GROUP} test rows",
        ))
        if amps:
            s, e_real, e_syn = max(amps, key=lambda t: t[2] - t[1])
            pillar.checks.append(j(
                "fairness", "fairness_amplification", "Bias amplification: equalised-odds difference "
                "of the synthetic-trained model minus the real-trained one's", e_syn - e_real,
                details={"attribute": s, "equalized_odds_real": e_real, "equalized_odds_synthetic": e_syn,
                         "all": [{"attribute": a, "real": r, "synthetic": y} for a, r, y in amps]},
            ))
        else:
            pillar.checks.append(j("fairness", "fairness_amplification", "Bias amplification", None,
                                   note="needs a categorical target and subgroups with both outcomes"))
    elif data.target is None:
        pillar.notes.append("Subgroup utility and equalised odds need --target.")
    pillar.tables.append(Table("Subgroup shares", ["attribute", "subgroup", "real", "synthetic", "holdout"],
                               share_rows))
    pillar.tables.append(Table("Column-shape validity within each subgroup (synthetic vs real)",
                               ["attribute", "subgroup", "column shapes"], group_rows))
    if odds_rows:
        pillar.tables.append(Table("Utility within each subgroup on real test rows",
                                   ["attribute", "subgroup", "test rows", "real-trained", "synthetic-trained"],
                                   odds_rows))
    if share_rows:
        frame = pd.DataFrame(share_rows, columns=["a", "g", "real", "synthetic", "holdout"]).set_index("g")
        cols = ["real", "synthetic"] + (["holdout"] if data.holdout is not None else [])
        pillar.figures.append(figures.grouped_bars(frame[cols].head(24), "subgroup_shares",
                                                   "Subgroup shares: real vs synthetic", "share"))
    return pillar
