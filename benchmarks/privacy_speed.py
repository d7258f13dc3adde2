"""Speed and peak memory of the privacy attacks on a 100,000 x 30 table.

The table is built from real rows: flchain and covid_testing rows resampled independently and
put side by side (28 columns), continuous columns jittered by 2% of their spread, plus two noise
columns. train, holdout and synthetic are three independent draws of 100,000 rows.

Run: ``nice -n 10 .venv/bin/python benchmarks/privacy_speed.py [n_rows]``
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
JITTER = ["kappa", "lambda", "creatinine", "age", "futime", "covid col_rec_tat", "covid rec_ver_tat"]


def build(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    fl = pd.read_csv(DATA / "flchain.csv")
    cv = pd.read_csv(DATA / "covid_testing.csv").add_prefix("covid ")
    df = pd.concat(
        [
            fl.iloc[rng.integers(0, len(fl), n)].reset_index(drop=True),
            cv.iloc[rng.integers(0, len(cv), n)].reset_index(drop=True),
        ],
        axis=1,
    )
    for col in JITTER:
        df[col] = df[col] + rng.normal(0, 0.02 * np.nanstd(df[col]), n)
    df["noise x"] = rng.normal(size=n)
    df["noise level"] = rng.choice(list("abcdef"), n)
    return df


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    from synthcare.evaluation.attacks import (
        dcr_analysis,
        density_membership_attack,
        distance_membership_attack,
        inference_risk,
        linkability_risk,
        singling_out_risk,
    )

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    train, holdout, synthetic = build(n, 1), build(n, 2), build(n, 3)
    print(f"table: {train.shape[0]} x {train.shape[1]}; peak after build {peak_mb():.0f} MB")
    steps = {
        "dcr_analysis (5,000 queries)": lambda: dcr_analysis(train, synthetic, holdout, random_state=0),
        "distance membership (1,000+1,000 targets)": lambda: distance_membership_attack(
            train, synthetic, holdout, random_state=0
        ),
        "density membership (DOMIAS)": lambda: density_membership_attack(
            train, synthetic, holdout, random_state=0
        ),
        "singling out univariate (2,000)": lambda: singling_out_risk(
            train, synthetic, holdout, mode="univariate", random_state=0
        ),
        "singling out multivariate (2,000)": lambda: singling_out_risk(
            train, synthetic, holdout, mode="multivariate", random_state=0
        ),
        "linkability (2,000)": lambda: linkability_risk(train, synthetic, holdout, random_state=0),
        "inference, secret 'covid result' (2,000)": lambda: inference_risk(
            train, synthetic, holdout, secret="covid result", random_state=0
        ),
    }
    total = 0.0
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        took = time.perf_counter() - start
        total += took
        print(f"{name:45s} {took:7.1f} s   peak RSS {peak_mb():6.0f} MB", flush=True)
    print(f"{'total':45s} {total:7.1f} s   peak RSS {peak_mb():6.0f} MB")


if __name__ == "__main__":
    main()
