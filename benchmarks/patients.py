"""Patients with several rows: does a generator replay a training patient's baseline?

    benchmarks/.venv/bin/python benchmarks/patients.py [--engines cart,gaussian_copula] [--seeds 3]

pbcseq, cgd, colon and covid_testing repeat each patient's baseline (age, follow-up time, trial
arm, outcome) on every visit, event or test. The main benchmark splits them by patient and
gives every generator the id column; this script asks two things its table does not:

- **replay**: the share of synthetic rows whose *baseline* equals a training patient's on every
  baseline column (the columns constant within every patient, id excluded). The same share for
  the holdout patients (real people the generator never saw) is the chance level.
- **TSTR on new patients**: train-synthetic/test-real as in the main benchmark (on the same
  split by patient), for each engine fitted twice on the train patients: without the id column
  (nothing tells it which rows belong together) and with it (as a user would keep it, marked as
  an identifier).

Writes PATIENTS.md and patients.json.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pool

HERE = Path(__file__).resolve().parent


def baseline_columns(frame: pd.DataFrame, key: str) -> list[str]:
    """Columns holding one value per patient (missing counted as a value)."""
    filled = frame.drop(columns=[key]).astype(str)
    per_patient = filled.groupby(frame[key].to_numpy()).nunique()
    return [c for c in per_patient.columns if (per_patient[c] == 1).all()]


def _tuples(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    return frame[columns].astype(str).agg("\x1f".join, axis=1)


def replay_share(table: pd.DataFrame, train: pd.DataFrame, columns: list[str]) -> float:
    """Share of rows of ``table`` whose values on ``columns`` equal some training row's."""
    return float(_tuples(table, columns).isin(set(_tuples(train, columns))).mean())


def _job(task: tuple[str, str, str, int]) -> dict:
    engine, name, mode, seed = task
    warnings.simplefilter("ignore")
    import benchdata
    import scoring
    from threadpoolctl import threadpool_limits

    import synthcare

    key = benchdata.PATIENT_KEYS[name]
    train_id, holdout_id = benchdata.train_holdout(name)
    train = benchdata.align_to(train_id.drop(columns=[key]), train_id.drop(columns=[key]))
    holdout = benchdata.align_to(holdout_id.drop(columns=[key]), train)
    columns = baseline_columns(pd.concat([train_id, holdout_id], ignore_index=True), key)
    target = benchdata.TARGETS[name]
    with threadpool_limits(1):
        model = synthcare.get_engine(engine)(random_state=seed).fit(train_id if mode == "with id" else train)
        synthetic = model.sample(len(train), random_state=seed).drop(columns=[key], errors="ignore")
        synthetic = benchdata.align_to(synthetic, train)
        tstr = scoring.utility(synthetic, holdout, target) / scoring.utility(train, holdout, target)
    return {
        "engine": engine,
        "dataset": name,
        "mode": mode,
        "seed": seed,
        "baseline_columns": columns,
        "replay": replay_share(synthetic, train, columns),
        "holdout_replay": replay_share(holdout, train, columns),
        "tstr_new_patients": tstr,
        "train_patients": int(train_id[key].nunique()),
        "train_rows": len(train_id),
    }


def _report(records: list[dict]) -> str:
    lines = [
        "# Patients with several rows",
        "",
        "Written by `benchmarks/patients.py` (see its docstring). Split by patient (half the patients "
        "train, half held out). *Replay*: share of synthetic rows whose baseline columns (one value "
        "per patient) all equal a training patient's; the holdout patients' share is the chance "
        "level. *TSTR*: train-synthetic/test-real on the held-out patients. Mean ± SD over seeds.",
        "",
        "| engine | dataset | input | replay | holdout replay | TSTR (new patients) | baseline columns |",
        "|---|---|---|---|---|---|---|",
    ]
    keys = sorted({(r["engine"], r["dataset"], r["mode"]) for r in records},
                  key=lambda k: (k[0], k[1], k[2] != "no id"))
    for engine, name, mode in keys:
        rows = [r for r in records if (r["engine"], r["dataset"], r["mode"]) == (engine, name, mode)]
        replay = np.array([r["replay"] for r in rows])
        tstr = np.array([r["tstr_new_patients"] for r in rows])
        lines.append(
            f"| {engine} | {name} ({rows[0]['train_patients']} patients, {rows[0]['train_rows']} rows) | {mode} "
            f"| {replay.mean():.3f} ± {replay.std():.3f} | {rows[0]['holdout_replay']:.3f} "
            f"| {tstr.mean():.3f} ± {tstr.std():.3f} | {', '.join(rows[0]['baseline_columns'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="cart", help="comma-separated synthcare engine names")
    parser.add_argument("--datasets", help="comma-separated dataset names (default: those with patient ids)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    import benchdata

    try:
        names = benchdata.chosen(args.datasets, sorted(benchdata.PATIENT_KEYS))
    except ValueError as error:
        parser.error(f"{error} (the tables with several rows per patient)")
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    engines = [e.removeprefix("synthcare:") for e in args.engines.split(",")]
    tasks = [(e, n, m, s) for e in engines for n in names for m in ("no id", "with id") for s in range(args.seeds)]
    records = pool.run(_job, tasks, args.processes,
                       lambda r: f"{r['engine']} {r['dataset']} {r['mode']} seed {r['seed']}: replay {r['replay']:.3f} "
                       f"(holdout {r['holdout_replay']:.3f}) TSTR {r['tstr_new_patients']:.3f}")
    records.sort(key=lambda r: (r["engine"], r["dataset"], r["mode"], r["seed"]))
    (HERE / "patients.json").write_text(json.dumps(records, indent=1))
    (HERE / "PATIENTS.md").write_text(_report(records) + "\n")
    print(f"wrote {HERE / 'PATIENTS.md'}")


if __name__ == "__main__":
    main()
