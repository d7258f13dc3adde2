"""How long a whole evaluation takes on a 100,000 x 30 table, privacy attacks included.

The table joins flchain (11 columns) and pbcseq (18 columns, without the patient id) side by side,
each bootstrapped to N rows with jitter (as in scaling.py), plus a derived ratio column: 30 mixed
columns with missing values. Train, holdout and a "synthetic" table are three independent
resamples. Runs in its own process and reports wall time per pillar and the process's peak
memory (ru_maxrss). Writes EVALUATE_SPEED.md and evaluate_speed.json.

    .venv/bin/python benchmarks/evaluate_speed.py            # 100,000 rows (the issue's case)
    .venv/bin/python benchmarks/evaluate_speed.py --rows 20000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchdata import data_dir  # noqa: E402
from scaling import resample  # noqa: E402


def wide_table(n_rows: int, seed: int) -> pd.DataFrame:
    fl = pd.read_csv(data_dir() / "flchain.csv")
    pb = pd.read_csv(data_dir() / "pbcseq_longitudinal.csv").drop(columns=["id"])
    pb.columns = [f"pbc_{c}" for c in pb.columns]
    out = pd.concat([resample(fl, n_rows, seed), resample(pb, n_rows, seed + 1)], axis=1)
    out["kappa_lambda_ratio"] = (out["kappa"] / out["lambda"]).round(3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()

    from synthcare.evaluation import evaluate

    t0 = time.perf_counter()
    train, holdout, synthetic = (wide_table(args.rows, seed) for seed in (1, 11, 21))
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = evaluate(train, synthetic, holdout=holdout, target="death", time="futime", event="death",
                      sensitive=["sex"], random_state=0)
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    report.write(args.out / ".cache" / "evaluate_speed" / "REPORT.html")
    write_seconds = time.perf_counter() - t1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "rows": args.rows,
        "columns": train.shape[1],
        "evaluate_seconds": round(seconds, 1),
        "report_write_seconds": round(write_seconds, 1),
        "pillar_seconds": report.meta["seconds"],
        "peak_memory_mb": round(peak_mb),
        "verdict": report.verdict,
        "table_build_seconds": round(build, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    (args.out / "evaluate_speed.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Evaluation speed",
        "",
        f"`synthcare.evaluation.evaluate` on train, holdout and synthetic tables of {args.rows:,} rows x "
        f"{train.shape[1]} columns (flchain + pbcseq resampled with jitter), all four pillars with "
        "target, survival and one sensitive attribute, privacy attacks included. "
        f"Machine: {result['machine']}. Bar (issue 3): under 180 s and 4 GB.",
        "",
        "| step | seconds |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in report.meta["seconds"].items()],
        f"| writing REPORT.html + REPORT.json | {result['report_write_seconds']} |",
        "",
        f"Peak memory of the process: {result['peak_memory_mb']:,} MB.",
        "",
    ]
    (args.out / "EVALUATE_SPEED.md").write_text("\n".join(lines))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
