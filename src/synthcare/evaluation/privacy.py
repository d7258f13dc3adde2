"""Privacy: attack simulations against the synthetic table.

Identifier columns are checked for copied values (a real name or record number in the synthetic
table is a leak whatever else holds). Distance-based checks, membership inference and the three
WP216 attacks (singling out, linkability, attribute inference) come from
:mod:`synthcare.evaluation.attacks`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthcare.errors import SynthcareError
from synthcare.evaluation import figures
from synthcare.evaluation.policy import Policy
from synthcare.evaluation.results import Pillar, Table
from synthcare.evaluation.tables import EvaluationData


def _as_text(series: pd.Series) -> set[str]:
    return {str(v).strip().lower() for v in series.dropna().tolist()}


def _share_in(values: pd.Series, pool: set[str]) -> float:
    text = values.dropna().map(lambda v: str(v).strip().lower())
    return float(text.isin(pool).mean()) if len(text) else 0.0


def identifier_checks(data: EvaluationData, policy: Policy, pillar: Pillar) -> None:
    """Share of synthetic identifier values (names, record numbers) that are real ones.

    Judged against the holdout's share: common first names recur among fresh patients, and a
    holdout that shares patients with the training table is reported.
    """
    rows, worst, worst_ref = [], None, None
    for name, (real, syn, hold) in data.raw_identifiers.items():
        pool = _as_text(real)
        share = _share_in(syn, pool)
        ref = None if hold is None else _share_in(hold, pool)
        if worst is None or share - (ref or 0.0) > worst - (worst_ref or 0.0):
            worst, worst_ref = share, ref
        rows.append([name, data.schema[name].kind, len(pool), share, ref])
        if ref and data.schema[name].kind == "identifier":
            pillar.notes.append(
                f"{ref:.1%} of the holdout's '{name}' values are also in the training table: if these are "
                "patient ids, the holdout shares patients with the training data and is not fresh; split "
                "by patient for a fair reference.")
    if not rows:
        pillar.checks.append(policy.judge(
            "privacy", "identifier_overlap", "Identifier values copied from the real table", None,
            note="no identifier column in both tables"))
        return
    pillar.checks.append(policy.judge(
        "privacy", "identifier_overlap",
        "Share of synthetic identifier values (names, record numbers) that are real ones (column with the "
        "largest excess over the holdout's share)", worst, reference=worst_ref,
        details={"columns": {r[0]: {"synthetic": r[3], "holdout": r[4]} for r in rows}},
    ))
    pillar.tables.append(Table("Identifier columns: share of values that occur in the training table",
                               ["column", "kind", "real distinct values", "synthetic", "holdout"], rows))


N_ATTACKS = 1_000  # attack queries per WP216 attack (capped by the table sizes)
DCR_QUERIES = 3_000  # synthetic rows whose distance to the closest record is measured
MAX_SECRETS = 5  # columns tried as the secret of the inference attack
SINGLING_OUT_ATTEMPTS = 20  # candidate predicates tried per attack query


def _ci(p) -> tuple[float, float]:  # noqa: ANN001
    return (float(p.ci[0]), float(p.ci[1]))


def _distance_checks(data: EvaluationData, policy: Policy, rng: np.random.Generator, pillar: Pillar) -> None:
    from synthcare.evaluation.attacks import dcr_analysis

    j = policy.judge
    dcr = dcr_analysis(data.real, data.synthetic, data.holdout, max_queries=DCR_QUERIES, random_state=rng,
                       holdout_groups=data.groups.get("holdout"))
    pillar.checks.append(j(
        "privacy", "exact_copies", "Share of synthetic rows that are exact copies of a training row",
        dcr.exact_copies.value, reference=dcr.holdout_exact_copies.value, ci=_ci(dcr.exact_copies),
        note="reference: the share of holdout rows that equal a training row",
    ))
    pillar.checks.append(j(
        "privacy", "near_copies", f"Near copies: share of synthetic rows closer to a training row than "
        f"{dcr.near_copy_percentile:g}% of fresh real rows are", dcr.near_copies.value,
        reference=dcr.holdout_near_copies, ci=_ci(dcr.near_copies),
        details={"threshold_distance": dcr.near_copy_threshold},
    ))
    pillar.checks.append(j(
        "privacy", "dcr_share", "DCR share: synthetic rows nearer a training row than a holdout row "
        "(0.5 = no memorisation)", dcr.dcr_share.value, ci=_ci(dcr.dcr_share), baseline=0.5,
        reference=None if dcr.reference_share is None else dcr.reference_share.value,
        details={"queries": dcr.n_queries, "ties": dcr.ties, "closer_to_train_strict": dcr.closer_to_train,
                 "synthetic_dcr_quantiles": dcr.synthetic_dcr_quantiles,
                 "holdout_dcr_quantiles": dcr.holdout_dcr_quantiles,
                 "synthetic_nndr_quantiles": dcr.synthetic_nndr_quantiles,
                 "holdout_nndr_quantiles": dcr.holdout_nndr_quantiles},
    ))
    q = sorted(dcr.synthetic_dcr_quantiles)
    pillar.tables.append(Table(
        "Distance to the closest training record (Gower distance) and nearest/second-nearest ratio: quantiles",
        ["quantile", "DCR synthetic", "DCR holdout", "NNDR synthetic", "NNDR holdout"],
        [[k, dcr.synthetic_dcr_quantiles[k], dcr.holdout_dcr_quantiles.get(k),
          dcr.synthetic_nndr_quantiles.get(k), dcr.holdout_nndr_quantiles.get(k)] for k in q],
    ))
    pillar.figures.append(figures.histograms(
        {"synthetic": dcr.synthetic_dcr, "holdout (fresh real)": dcr.holdout_dcr}, "dcr",
        "Distance of synthetic and of fresh real rows to their closest training row", "distance (Gower)"))


def _membership_checks(data: EvaluationData, policy: Policy, rng: np.random.Generator, pillar: Pillar) -> None:
    from synthcare.evaluation.attacks import density_membership_attack, distance_membership_attack

    curves = {}
    rows = []
    for name, attack, title in (
        ("mia_distance_auc", distance_membership_attack, "distance to the synthetic data"),
        ("mia_density_auc", density_membership_attack, "density ratio synthetic/real (DOMIAS)"),
    ):
        n_targets = min(1000, len(data.real), len(data.holdout) // 2)
        if n_targets < 10:
            pillar.checks.append(policy.judge("privacy", name, f"Membership inference: {title}", None,
                                              note="too few holdout rows for a membership attack"))
            continue
        extra = {"holdout_groups": data.groups.get("holdout")} if attack is density_membership_attack else {}
        res = attack(data.real, data.synthetic, data.holdout, n_targets=n_targets, random_state=rng, **extra)
        pillar.checks.append(policy.judge(
            "privacy", name, f"Membership inference ({title}): ROC AUC telling training patients from "
            "others (0.5 = no better than chance)", res.auc, ci=tuple(res.auc_ci), baseline=0.5,
            details={"tpr_at_1pct_fpr": res.tpr_at_1pct_fpr, "tpr_at_1pct_fpr_ci": list(res.tpr_at_1pct_fpr_ci),
                     "tpr_at_01pct_fpr": res.tpr_at_01pct_fpr,
                     "tpr_at_01pct_fpr_ci": list(res.tpr_at_01pct_fpr_ci),
                     "members": res.n_members, "non_members": res.n_non_members},
        ))
        curves[title.split(" (")[0]] = (res.roc_fpr, res.roc_tpr, res.auc)
        rows.append([title, res.auc, res.tpr_at_1pct_fpr, res.tpr_at_01pct_fpr, res.n_members])
    if rows:
        pillar.tables.append(Table("Membership inference attacks (random guessing: AUC 0.5, TPR = FPR)",
                                   ["attack", "AUC", "TPR at 1% FPR", "TPR at 0.1% FPR", "targets"], rows))
        pillar.figures.append(figures.roc_curves(curves, "mia_roc", "Membership-inference attack ROC curves"))


def _risk_check(policy: Policy, name: str, title: str, results: list[tuple[str, object]], pillar: Pillar) -> None:
    valid = [(label, r) for label, r in results if r is not None]
    if not valid:
        return
    label, worst = max(valid, key=lambda t: t[1].risk)
    pillar.checks.append(policy.judge(
        "privacy", name, title, float(worst.risk), ci=tuple(float(v) for v in worst.risk_ci), baseline=0.0,
        note=f"highest: {label}" if len(valid) > 1 else "",
        details={"main_success": worst.main.value, "baseline_success": worst.baseline.value,
                 "control_success": worst.control.value, "attacks": worst.n_attacks,
                 "baseline_warning": worst.baseline_warning},
    ))


def _wp216_checks(data: EvaluationData, policy: Policy, rng: np.random.Generator, pillar: Pillar) -> None:
    from synthcare.evaluation.attacks import inference_risk, linkability_risk, singling_out_risk

    n_attacks = min(N_ATTACKS, len(data.real), len(data.holdout))
    rows = []

    def run(label: str, fn, **kwargs):  # noqa: ANN001, ANN202
        try:
            res = fn(data.real, data.synthetic, data.holdout, n_attacks=n_attacks, random_state=rng, **kwargs)
        except SynthcareError as exc:
            pillar.notes.append(f"{label}: not measured ({exc})")
            return None
        r = res.risk
        rows.append([label, r.risk, r.risk_ci[0], r.risk_ci[1], r.main.value, r.baseline.value, r.control.value])
        return r

    so = [(f"singling out, {mode}", run(f"singling out ({mode})", singling_out_risk, mode=mode,
                                        max_attempts=SINGLING_OUT_ATTEMPTS * n_attacks))
          for mode in ("univariate", "multivariate")]
    _risk_check(policy, "singling_out_risk", "Singling-out risk (WP216, as anonymeter): predicates that "
                "isolate one training patient", so, pillar)
    link = [("linkability", run("linkability", linkability_risk))]
    _risk_check(policy, "linkability_risk", "Linkability risk (WP216): linking two halves of a training "
                "record through the synthetic data", link, pillar)
    columns = data.columns
    secrets = [c for c in [data.target, *data.sensitive] if c is not None]
    others = [c for c in columns if c not in secrets]
    picked = list(rng.choice(others, min(len(others), max(0, MAX_SECRETS - len(secrets))), replace=False))
    secrets = list(dict.fromkeys(secrets + [str(c) for c in picked]))[:MAX_SECRETS]
    inf = [(f"inference of '{s}'", run(f"inference of '{s}'", inference_risk, secret=s)) for s in secrets]
    _risk_check(policy, "inference_risk", "Attribute-inference risk (WP216): guessing a training patient's "
                "secret column from the others", inf, pillar)
    if rows:
        pillar.tables.append(Table(
            "Article 29 WP216 attacks (anonymeter definitions): risk = (main - control) / (1 - control)",
            ["attack", "risk", "CI low", "CI high", "main success", "baseline success", "control success"], rows))


def evaluate_privacy(data: EvaluationData, policy: Policy, rng: np.random.Generator) -> Pillar:
    pillar = Pillar("privacy")
    identifier_checks(data, policy, pillar)
    if data.holdout is None or len(data.holdout) < 4:
        from synthcare.evaluation.attacks import exact_copy_share

        copies = exact_copy_share(data.real, data.synthetic)
        pillar.checks.append(policy.judge(
            "privacy", "exact_copies", "Share of synthetic rows that are exact copies of a training row",
            copies.value, ci=_ci(copies)))
        pillar.notes.append("No holdout was given: distance, membership and WP216 attacks need real rows "
                            "that were not used for training, so they were not run.")
        for name in ("dcr_share", "mia_distance_auc", "singling_out_risk", "linkability_risk", "inference_risk"):
            pillar.checks.append(policy.judge("privacy", name, name.replace("_", " "), None,
                                              note="needs --holdout"))
        return pillar
    _distance_checks(data, policy, rng, pillar)
    _membership_checks(data, policy, rng, pillar)
    _wp216_checks(data, policy, rng, pillar)
    return pillar
