"""Utility: does a model trained on synthetic data work on real patients?

Train-synthetic/test-real (TSTR) against train-real/test-real (TRTR) on the holdout with the same
gradient-boosting model: ROC AUC for a categorical target (macro one-vs-rest when multi-class), R²
for a numeric one, the ratio with a paired bootstrap interval, and the agreement of permutation
feature importances (Spearman rank correlation). With a time and an event column: Cox models
(lifelines) trained on each table and scored on the holdout by Harrell's C-index, Kaplan-Meier
curves with a log-rank test, and agreement of hazard ratios (do the 95% intervals overlap?).
Without a holdout, 30% of the real rows are held out for TRTR (the synthetic data then saw them
through the generator, so TSTR is optimistic; the report says so).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthcare._random import child_seed
from synthcare.evaluation import figures, stats
from synthcare.evaluation.models import classifier, one_thread, regressor
from synthcare.evaluation.policy import Policy
from synthcare.evaluation.results import Pillar, Table
from synthcare.evaluation.tables import EvaluationData, encode_ordinal

SURVIVAL_ROWS = 10_000  # rows per table for the Cox models (subsampled above this)
IMPORTANCE_ROWS = 1_000  # test rows for permutation importance
TRAIN_ROWS = 50_000  # training rows per model (subsampled above this)
MAX_LEVELS = 10


def _test_split(data: EvaluationData, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    if data.holdout is not None:
        return data.real, data.holdout, ""
    idx = rng.permutation(len(data.real))
    cut = int(len(idx) * 0.7)
    note = ("No holdout was given: 30% of the real rows are the test set, and the synthetic data "
            "was generated from all real rows, so train-synthetic scores are optimistic.")
    return (data.real.iloc[np.sort(idx[:cut])].reset_index(drop=True),
            data.real.iloc[np.sort(idx[cut:])].reset_index(drop=True), note)


class _Scorer:
    """Scores of a model on the test rows for the task: AUC (classification) or R²."""

    def __init__(self, task: str, classes: list) -> None:
        self.task, self.classes = task, classes

    def predictions(self, model, x: np.ndarray) -> np.ndarray:
        if self.task == "regression":
            return model.predict(x)
        proba = np.zeros((len(x), len(self.classes)))
        fitted = list(model.classes_)
        predicted = model.predict_proba(x)
        for k, c in enumerate(self.classes):
            if c in fitted:
                proba[:, k] = predicted[:, fitted.index(c)]
        return proba

    def score(self, y: np.ndarray, pred: np.ndarray) -> float:
        if self.task == "regression":
            ss = float(((y - y.mean()) ** 2).sum())
            return float(1 - ((y - pred) ** 2).sum() / ss) if ss > 0 else float("nan")
        present = [k for k, c in enumerate(self.classes) if (y == c).any()]
        if len(present) < 2:
            return float("nan")
        if len(self.classes) == 2:
            return stats.roc_auc(y == self.classes[1], pred[:, 1])
        return float(np.mean([stats.roc_auc(y == self.classes[k], pred[:, k]) for k in present]))


@dataclass
class Predictions:
    """Predictions on the real test rows of the real- and synthetic-trained models (for fairness)."""

    test: pd.DataFrame
    y: np.ndarray
    real: np.ndarray
    synthetic: np.ndarray
    scorer: _Scorer


def _fit(task: str, is_cat: list[bool], x: np.ndarray, y: np.ndarray, seed: int):
    with one_thread():
        if task == "regression":
            return regressor(is_cat, seed).fit(x, y.astype(float))
        if len(np.unique(y)) < 2:
            return None
        return classifier(is_cat, seed).fit(x, y)


class _Constant:
    """The model of a synthetic table whose target has one class: it predicts that class."""

    def __init__(self, value) -> None:
        self.classes_ = np.array([value])

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.ones((len(x), 1))


@dataclass
class TargetModels:
    """Real- and synthetic-trained models of the target and their predictions on real test rows."""

    features: list[str]
    x_test: np.ndarray
    y_test: np.ndarray
    m_real: Any
    m_syn: Any
    predictions: Predictions
    notes: list[str]


def target_models(data: EvaluationData) -> TargetModels | str:
    """Train the two models once per evaluation (utility and fairness share them); or say why not."""
    if "target_models" in data.cache:
        return data.cache["target_models"]
    rng = np.random.default_rng(data.seed)
    target, task = data.target, data.task
    train, test, note = _test_split(data, rng)
    notes = [note] if note else []
    frames = [train, data.synthetic, test]
    labelled = [f[f[target].notna()].reset_index(drop=True) for f in frames]
    for k in (0, 1):
        if len(labelled[k]) > TRAIN_ROWS:
            keep = np.sort(rng.choice(len(labelled[k]), TRAIN_ROWS, replace=False))
            labelled[k] = labelled[k].iloc[keep].reset_index(drop=True)
            capped = f"Models are trained on at most {TRAIN_ROWS:,} rows sampled from each table."
            if capped not in notes:
                notes.append(capped)
    dropped = [len(f) - len(lab) for f, lab in zip(frames, labelled)]
    if any(dropped):
        notes.append(f"Rows with a missing target left out: real {dropped[0]}, synthetic {dropped[1]}, "
                     f"test {dropped[2]}.")
    features = [c for c in data.columns if c != target]
    result: TargetModels | str
    if not features:
        result = "the target is the only column"
    else:
        (x_real, x_syn, x_test), is_cat = encode_ordinal(labelled, data, features)
        ys = [lab[target].to_numpy() for lab in labelled]
        if task == "regression":
            ys = [y.astype(float) for y in ys]
        classes = sorted(set(ys[0].tolist()) | set(ys[2].tolist())) if task == "classification" else []
        scorer = _Scorer(task, classes)
        seed = child_seed(rng)
        m_real = _fit(task, is_cat, x_real, ys[0], seed)
        m_syn = _fit(task, is_cat, x_syn, ys[1], seed)
        if m_syn is None:
            notes.append(f"The synthetic target '{target}' has a single class: its model predicts it always.")
            m_syn = _Constant(ys[1][0] if len(ys[1]) else classes[0])
        if m_real is None:
            result = f"the real target '{target}' has a single class"
        else:
            preds = Predictions(labelled[2], ys[2], scorer.predictions(m_real, x_test),
                                scorer.predictions(m_syn, x_test), scorer)
            result = TargetModels(features, x_test, ys[2], m_real, m_syn, preds, notes)
    data.cache["target_models"] = result
    return result


def _target_checks(data: EvaluationData, policy: Policy, rng: np.random.Generator, pillar: Pillar) -> None:
    from sklearn.inspection import permutation_importance

    target, task = data.target, data.task
    models = target_models(data)
    if isinstance(models, str):
        pillar.checks.append(policy.judge("utility", "utility_ratio", "Utility ratio", None, note=models))
        return
    pillar.notes.extend(models.notes)
    features, x_test, y_test = models.features, models.x_test, models.y_test
    m_real, m_syn = models.m_real, models.m_syn
    scorer = models.predictions.scorer
    p_real, p_syn = models.predictions.real, models.predictions.synthetic
    seed = child_seed(rng)
    s_real, s_syn = scorer.score(y_test, p_real), scorer.score(y_test, p_syn)

    def ratio(y, a, b):
        den = scorer.score(y, a)
        return scorer.score(y, b) / den if den and den > 0 else float("nan")

    metric = "ROC AUC" if task == "classification" else "R²"
    value = s_syn / s_real if s_real and s_real > 0 else None
    ci = stats.bootstrap_ci(ratio, (y_test, p_real, p_syn), rng, n_boot=100) if value is not None else None
    pillar.checks.append(policy.judge(
        "utility", "utility_ratio",
        f"Train-synthetic/test-real {metric} divided by train-real/test-real {metric} for '{target}'",
        value, reference=None if data.holdout is None else 1.0, ci=ci,
        baseline=(0.5 / s_real if task == "classification" and s_real else 0.0),
        note="" if value is not None else f"the real-trained model has no skill ({metric} {s_real:.3f})",
        details={"task": task, "metric": metric, "train_real_test_real": s_real,
                 "train_synthetic_test_real": s_syn},
    ))
    pillar.tables.append(Table(
        f"Target '{target}' ({task}): {metric} on real test rows",
        ["trained on", metric], [["real", s_real], ["synthetic", s_syn]],
    ))

    if isinstance(m_syn, _Constant) or len(features) < 2:
        pillar.checks.append(policy.judge("utility", "importance_agreement", "Feature-importance agreement",
                                          None, note="needs two features and a fitted synthetic model"))
        return
    n = min(len(x_test), IMPORTANCE_ROWS)
    idx = rng.choice(len(x_test), n, replace=False)

    def scoring(model, x, y):
        return scorer.score(y, scorer.predictions(model, x))

    with one_thread():
        imp = [permutation_importance(m, x_test[idx], y_test[idx], scoring=scoring, n_repeats=2,
                                      random_state=seed).importances_mean for m in (m_real, m_syn)]
    rho = pd.Series(imp[0]).corr(pd.Series(imp[1]), method="spearman")
    pillar.checks.append(policy.judge(
        "utility", "importance_agreement",
        "Feature-importance rank agreement (Spearman) of real- and synthetic-trained models",
        None if rho != rho else float(rho),
    ))
    order = np.argsort(-imp[0])
    pillar.tables.append(Table(
        "Permutation importance on real test rows", ["feature", "real-trained", "synthetic-trained"],
        [[features[k], imp[0][k], imp[1][k]] for k in order],
    ))


def _design(frames: list[pd.DataFrame], data: EvaluationData) -> list[pd.DataFrame]:
    """Cox covariates: numeric standardised with median imputation, categories one-hot."""
    covs = [c for c in data.columns if c not in (data.time, data.event)]
    ref = frames[0]
    parts: list[list[pd.Series]] = [[] for _ in frames]
    for c in covs:
        if c in data.numeric:
            med = ref[c].median()
            sd = ref[c].std()
            if not sd or sd != sd:
                continue
            for p, f in zip(parts, frames):
                p.append(((f[c].fillna(med) - med) / sd).rename(c))
        else:
            levels = ref[c].value_counts().index[1:MAX_LEVELS].tolist()
            for lev in levels:
                for p, f in zip(parts, frames):
                    p.append((f[c] == lev).astype(float).rename(f"{c}={lev}"))
    return [pd.concat(p, axis=1) if p else pd.DataFrame(index=f.index) for p, f in zip(parts, frames)]


def _survival_checks(data: EvaluationData, policy: Policy, rng: np.random.Generator, pillar: Pillar) -> None:
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test
    from lifelines.utils import concordance_index

    time, event = data.time, data.event
    train, test, note = _test_split(data, rng)
    if note and note not in pillar.notes:
        pillar.notes.append(note)
    frames = []
    for f in (train, data.synthetic, test):
        f = f[f[time].notna() & f[event].notna() & (f[time] >= 0)]
        if len(f) > SURVIVAL_ROWS:
            f = f.iloc[np.sort(rng.choice(len(f), SURVIVAL_ROWS, replace=False))]
        frames.append(f.reset_index(drop=True))
    names = ["real", "synthetic", "test"]
    for name, f in zip(names, frames):
        if len(f) < 10 or f[event].sum() < 2:
            pillar.checks.append(policy.judge("utility", "c_index_ratio", "Survival C-index ratio", None,
                                              note=f"the {name} table has too few rows or events"))
            return

    # Kaplan-Meier
    curves, fitted = {}, {}
    for name, f in zip(["real", "synthetic", "holdout" if data.holdout is not None else "test"], frames):
        km = KaplanMeierFitter().fit(f[time], f[event])
        fitted[name] = km
        sf = km.survival_function_.iloc[:, 0]
        curves[name] = (sf.index.to_numpy(float), sf.to_numpy(float))
    # compared up to the 90th percentile of real times: the tail rests on a handful of patients
    times = frames[0][time].to_numpy(float)
    grid = np.unique(times[times <= np.quantile(times, 0.9)])
    s_real = fitted["real"].survival_function_at_times(grid).to_numpy()
    dist = {n: float(np.abs(s_real - km.survival_function_at_times(grid).to_numpy()).max())
            for n, km in fitted.items() if n != "real"}
    other = [n for n in dist if n != "synthetic"][0]
    lr = logrank_test(frames[0][time], frames[1][time], frames[0][event], frames[1][event])
    pillar.checks.append(policy.judge(
        "utility", "km_distance", f"Kaplan-Meier curves: largest gap between real and synthetic survival "
        f"('{time}', '{event}'), up to the 90th percentile of real times", dist["synthetic"],
        reference=dist[other] if data.holdout is not None else None,
        details={"logrank_p_value": float(lr.p_value), "logrank_statistic": float(lr.test_statistic)},
    ))
    pillar.figures.append(figures.km_curves(
        curves, f"Kaplan-Meier curves of '{time}' with event '{event}' (log-rank p = {lr.p_value:.3g}, "
        "real vs synthetic)"))

    # Cox models
    design = _design(frames, data)
    keep = [c for c in design[0].columns if design[0][c].std() > 0 and design[1][c].std() > 0]
    if not keep:
        pillar.checks.append(policy.judge("utility", "c_index_ratio", "Survival C-index ratio", None,
                                          note="no covariate varies in both tables"))
        return
    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, f, d in zip(names, frames, design):
            table = d[keep].assign(_T=f[time].to_numpy(float), _E=f[event].to_numpy(float))
            try:
                fits[name] = CoxPHFitter(penalizer=0.01).fit(table, "_T", "_E")
            except Exception as exc:  # lifelines raises several types on non-convergence
                pillar.notes.append(f"The Cox model on the {name} table did not converge: {exc}")
    if "real" not in fits or "synthetic" not in fits:
        pillar.checks.append(policy.judge("utility", "c_index_ratio", "Survival C-index ratio", None,
                                          note="a Cox model did not converge"))
        return
    test_x = design[2][keep]

    def cindex(model) -> float:
        risk = model.predict_partial_hazard(test_x).to_numpy()
        return float(concordance_index(frames[2][time], -risk, frames[2][event]))

    c_real, c_syn = cindex(fits["real"]), cindex(fits["synthetic"])
    pillar.checks.append(policy.judge(
        "utility", "c_index_ratio", "Survival: C-index on real test rows of a Cox model trained on "
        "synthetic divided by one trained on real", c_syn / c_real if c_real > 0 else None,
        reference=None if data.holdout is None else 1.0, baseline=0.5 / c_real if c_real else None,
        details={"c_index_real": c_real, "c_index_synthetic": c_syn},
    ))
    rows, overlaps = [], []
    z = 1.959963984540054
    for cov in keep:
        row = [cov]
        cis = {}
        for name in ("real", "synthetic", "test"):
            if name not in fits:
                row += [None, None, None]
                continue
            s = fits[name].summary.loc[cov]
            lo, hi = float(np.exp(s["coef"] - z * s["se(coef)"])), float(np.exp(s["coef"] + z * s["se(coef)"]))
            cis[name] = (lo, hi)
            row += [float(np.exp(s["coef"])), lo, hi]
        overlaps.append(cis["real"][0] <= cis["synthetic"][1] and cis["synthetic"][0] <= cis["real"][1])
        rows.append(row)
    ref_overlap = None
    if "test" in fits and data.holdout is not None:
        ref_overlap = float(np.mean([r[4] is not None and r[8] is not None and r[2] <= r[9] and r[8] <= r[3]
                                     for r in rows]))
    pillar.checks.append(policy.judge(
        "utility", "hazard_ratio_agreement", "Cox hazard ratios: share of covariates whose real and "
        "synthetic 95% intervals overlap", float(np.mean(overlaps)), reference=ref_overlap,
    ))
    pillar.tables.append(Table(
        "Cox hazard ratios with 95% intervals (real, synthetic, holdout/test)",
        ["covariate", "HR real", "low", "high", "HR synthetic", "low", "high", "HR holdout", "low", "high"],
        rows,
    ))


def evaluate_utility(data: EvaluationData, policy: Policy, rng: np.random.Generator) -> Pillar:
    pillar = Pillar("utility")
    if data.target is None and data.time is None:
        pillar.notes.append("No --target and no --time/--event given: utility needs an outcome to predict.")
        pillar.checks.append(policy.judge("utility", "utility_ratio", "Utility ratio", None,
                                          note="no target column given"))
        return pillar
    if data.target is not None:
        _target_checks(data, policy, rng, pillar)
    if data.time is not None:
        _survival_checks(data, policy, rng, pillar)
    return pillar
