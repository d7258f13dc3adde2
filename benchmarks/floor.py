"""How low can DCR share go on a table of this size? A simulation with a known truth.

    benchmarks/.venv/bin/python benchmarks/floor.py [--datasets a,b] [--reps 8]

DCR share asks whether synthetic rows sit nearer the training rows than new real rows do. Any
generator learns its means, spreads and correlations from the training rows, and their
sampling error goes into every synthetic row. Summed over many columns, that error alone can
put the synthetic rows nearer the training half, with no row copied.

For each benchmark dataset this script builds a stand-in with a known truth: a Gaussian with
the table's own correlation structure (normal scores of all its scored columns, estimated on
both halves), and as many columns and train / holdout rows as the benchmark uses. It then
scores, with the benchmark's own code (scoring.py), generators whose model is exactly right
and only its parameters are learnt from the simulated train rows:

- truth: fresh rows from the true distribution (nothing learnt; the ideal, about 0.5);
- means: the true correlations, the means learnt (sample means);
- Ledoit-Wolf: means and a shrunk covariance learnt (sklearn's LedoitWolf);
- MLE: means and the sample covariance learnt.

On the four tables with several rows per patient the stand-in has patients too: each simulated
patient has as many rows as a real one (the real halves' row counts per patient), and the rows
of a patient share a patient part whose size, column by column, is that column's intra-patient
correlation in the real table (1 for a baseline column repeated on every visit). The halves are
split by patient and detection folds keep a patient's rows together, as in the benchmark; the
generators still learn from and draw rows, as a flat generator does.

Each is repeated with fresh simulated halves (--reps) and written to FLOOR.md and floor.json,
next to cart's mean DCR share from SEEDS.md (seeds.json) on the real table.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pool

HERE = Path(__file__).resolve().parent
GENERATORS = ("truth", "means", "ledoit_wolf", "mle")


def truth_correlation(name: str) -> tuple[np.ndarray, int, int, dict | None]:
    """The correlation of the table's normal scores (both halves, patient key left out), the
    benchmark's train and holdout row counts, and for a patient table its patients' row counts
    on each side and each column's intra-patient correlation (else None)."""
    import benchdata
    import pandas as pd
    from scipy.special import ndtri
    from scipy.stats import rankdata
    from scoring import encode

    train, holdout = benchdata.train_holdout(name)
    key = benchdata.PATIENT_KEYS.get(name)
    table = pd.concat([train, holdout], ignore_index=True).drop(columns=[key] if key else [])
    (values,), _ = encode([table])  # numbers, datetimes as seconds, categories as sorted codes
    scores = np.zeros_like(values)
    for j in range(values.shape[1]):
        present = ~np.isnan(values[:, j])
        scores[present, j] = ndtri(rankdata(values[present, j]) / (present.sum() + 1))
    corr = np.nan_to_num(np.corrcoef(scores, rowvar=False))
    vals, vecs = np.linalg.eigh((corr + corr.T) / 2)
    corr = (vecs * np.clip(vals, 1e-6, None)) @ vecs.T
    d = np.sqrt(np.diag(corr))
    corr = corr / d[:, None] / d[None, :]
    patients = None
    if key is not None:
        ids = pd.concat([train[key], holdout[key]], ignore_index=True).to_numpy()
        patients = {
            "train_sizes": train[key].value_counts(sort=False).to_numpy(),
            "holdout_sizes": holdout[key].value_counts(sort=False).to_numpy(),
            "icc": intra_patient_correlation(scores, ids),
        }
    return corr, len(train), len(holdout), patients


def intra_patient_correlation(scores: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Per column, the share of its variance that lies between patients: 1 - pooled
    within-patient variance / total variance, in [0, 1]."""
    import pandas as pd

    dof = len(ids) - len(np.unique(ids))  # rows beyond each patient's first
    if dof == 0:  # one row per patient: nothing is shared
        return np.zeros(scores.shape[1])
    within = pd.DataFrame(scores).groupby(ids).transform(lambda c: c - c.mean()).to_numpy()
    total = scores.var(axis=0, ddof=1)
    icc = 1 - (within**2).sum(axis=0) / dof / np.where(total > 0, total, 1)
    return np.clip(icc, 0.0, 1.0)


def _patient_rows(rng: np.random.Generator, sizes: np.ndarray, between: np.ndarray, within: np.ndarray):
    """Rows of simulated patients (as many as ``sizes``, with that many rows each): a patient
    part drawn once per patient plus a row part per row; and each row's patient number."""
    p = between.shape[0]
    shared = rng.multivariate_normal(np.zeros(p), between, size=len(sizes), method="eigh")
    ids = np.repeat(np.arange(len(sizes)), sizes)
    own = rng.multivariate_normal(np.zeros(p), within, size=int(sizes.sum()), method="eigh")
    return shared[ids] + own, ids


def _job(task: tuple[str, int, tuple[np.ndarray, int, int, dict | None]]) -> dict:
    name, rep, (corr, n_train, n_holdout, patients) = task
    warnings.simplefilter("ignore")
    import pandas as pd
    import scoring
    from sklearn.covariance import LedoitWolf
    from threadpoolctl import threadpool_limits

    p = corr.shape[0]
    rng = np.random.default_rng([rep, p, n_train])
    zero = np.zeros(p)
    holdout_ids = None
    if patients is None:
        train = rng.multivariate_normal(zero, corr, size=n_train)
        holdout = rng.multivariate_normal(zero, corr, size=n_holdout)
    else:
        # between-patient part: the correlation scaled by each column's intra-patient share; the
        # rest within patients (made positive semi-definite), so each row is still N(0, corr)
        root = np.sqrt(patients["icc"])
        between = corr * root[:, None] * root[None, :]
        vals, vecs = np.linalg.eigh(corr - between)
        within = (vecs * np.clip(vals, 0, None)) @ vecs.T
        train, _ = _patient_rows(rng, patients["train_sizes"], between, within)
        holdout, holdout_ids = _patient_rows(rng, patients["holdout_sizes"], between, within)
    mean = train.mean(axis=0)
    models = {
        "truth": (zero, corr),
        "means": (mean, corr),
        "ledoit_wolf": (mean, LedoitWolf().fit(train).covariance_),
        "mle": (mean, np.cov(train, rowvar=False)),
    }
    columns = [f"x{i}" for i in range(p)]
    frame = lambda x: pd.DataFrame(x, columns=columns)  # noqa: E731
    scores = {}
    with threadpool_limits(1):
        for label, (mu, cov) in models.items():
            synthetic = frame(rng.multivariate_normal(mu, cov, size=n_train, method="eigh"))
            scores[label] = {
                "dcr_share": scoring.dcr_share(synthetic, frame(train), frame(holdout)),
                "detection_auc": scoring.detection_auc(frame(holdout), synthetic, real_groups=holdout_ids),
            }
    return {"dataset": name, "rep": rep, "rows": n_train, "columns": p, "scores": scores,
            "patients": None if patients is None else len(patients["train_sizes"])}


def _cart_dcr() -> dict[str, float]:
    path = HERE / "seeds.json"
    if not path.exists():
        return {}
    records = [r for r in json.loads(path.read_text()) if r["engine"] == "cart"]
    out: dict[str, list[float]] = {}
    for r in records:
        out.setdefault(r["dataset"], []).append(r["scores"]["dcr_share"])
    return {name: float(np.mean(v)) for name, v in out.items()}


def _report(records: list[dict], reps: int) -> str:
    from report import MAX_DCR_SHARE, MAX_DETECTION_AUC

    cart = _cart_dcr()
    names = sorted({r["dataset"] for r in records})
    lines = [
        "# How low DCR share can go: a simulation with a known truth",
        "",
        "Written by `benchmarks/floor.py`. Each benchmark table is replaced by a Gaussian stand-in with its own "
        "correlation structure (normal scores of its scored columns) and the benchmark's numbers of columns and of "
        "train and holdout rows. Generators whose model is exactly right learn only its parameters from the simulated "
        "train rows, and are scored by the benchmark's code (`scoring.py`) against the simulated holdout: ",
        "*truth* draws from the true distribution (learns nothing), *means* learns the column means, "
        "*Ledoit-Wolf* the means and a shrunk covariance, *MLE* the means and the sample covariance. "
        f"Cells are mean ± SD over {reps} simulated splits; `cart` is its mean DCR share on the real table over "
        "the seeds in `SEEDS.md`. On the four patient tables (marked with their number of train patients) the "
        "stand-in has patients as the real table does: each with as many rows as a real patient, sharing a patient "
        "part sized by each column's intra-patient correlation in the real table; halves are split and detection "
        "folds grouped by patient, as in the benchmark.",
        "",
        f"DCR share (bar: at most {MAX_DCR_SHARE}):",
        "",
        "| dataset | train rows | columns | cart (real table) | truth | means | Ledoit-Wolf | MLE |",
        "|---|---|---|---|---|---|---|---|",
    ]
    detection = [
        f"Detection AUC of the same synthetic tables (bar: at most {MAX_DETECTION_AUC}):",
        "",
        "| dataset | truth | means | Ledoit-Wolf | MLE |",
        "|---|---|---|---|---|",
    ]
    for name in names:
        mine = [r for r in records if r["dataset"] == name]
        metrics = ("dcr_share", "detection_auc")
        cell = {(g, m): np.array([r["scores"][g][m] for r in mine]) for g in GENERATORS for m in metrics}
        fmt = lambda a: f"{a.mean():.3f} ± {a.std():.3f}"  # noqa: E731
        rows = f"{mine[0]['rows']}" + (f" ({mine[0]['patients']} patients)" if mine[0].get("patients") else "")
        lines.append(
            f"| {name} | {rows} | {mine[0]['columns']} | "
            + (f"{cart[name]:.3f}" if name in cart else "-")
            + " | "
            + " | ".join(fmt(cell[(g, "dcr_share")]) for g in GENERATORS)
            + " |"
        )
        detection.append(f"| {name} | " + " | ".join(fmt(cell[(g, "detection_auc")]) for g in GENERATORS) + " |")
    return "\n".join(lines + [""] + detection + [""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", help="comma-separated dataset names (default: all)")
    parser.add_argument("--reps", type=int, default=8, help="simulated splits per dataset (default 8)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite FLOOR.md from floor.json and seeds.json (after cart's seeds change)")
    args = parser.parse_args()
    if args.report_only:
        records = json.loads((HERE / "floor.json").read_text())
        reps = max(r["rep"] for r in records) + 1
        (HERE / "FLOOR.md").write_text(_report(records, reps) + "\n")
        return
    if args.reps < 1:
        parser.error(f"--reps must be at least 1, got {args.reps}")
    import benchdata

    try:
        names = benchdata.chosen(args.datasets)
    except ValueError as error:
        parser.error(str(error))
    truths = {n: truth_correlation(n) for n in names}  # once per dataset, not per simulated split
    tasks = [(n, r, truths[n]) for n in names for r in range(args.reps)]
    records = pool.run(_job, tasks, args.processes, lambda r: f"{r['dataset']} rep {r['rep']}: DCR "
                       + " ".join(f"{g} {r['scores'][g]['dcr_share']:.3f}" for g in GENERATORS))
    records.sort(key=lambda r: (r["dataset"], r["rep"]))
    (HERE / "floor.json").write_text(json.dumps(records, indent=1))
    (HERE / "FLOOR.md").write_text(_report(records, args.reps) + "\n")
    print(f"wrote {HERE / 'FLOOR.md'}")


if __name__ == "__main__":
    main()
