"""Seed spread of synthcare's engines: the benchmark's scores over several seeds.

    benchmarks/.venv/bin/python benchmarks/seeds.py [--engines cart,gaussian_copula] [--seeds 5]

The main benchmark fits every generator once (peers take minutes per table). On tables of a
few hundred rows one seed is a noisy reading: detection AUC moves by 0.02-0.05 and DCR share by
up to 0.03 from seed to seed. This script refits our engines with seeds 0..N-1 on the same
train half, scores each synthetic table with the same code as the benchmark (scoring.py), and
writes the mean, the standard deviation and the pass count per bar to SEEDS.md and seeds.json.
It runs jobs in parallel processes (one thread each); the times it records are therefore not
comparable with RESULTS.md and are left out.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pool

HERE = Path(__file__).resolve().parent
METRICS = ("detection_auc", "tstr", "dcr_share", "exact_copies", "quality")


def fit(engine: str, name: str, train, seed: int, params: dict | None = None):  # noqa: ANN001, ANN201
    """Our ``engine`` (with ``params``, its defaults otherwise) fitted on the benchmark's ``train``
    half of dataset ``name`` with ``seed``, on one thread per job (jobs run side by side in
    processes; the rows do not depend on ``n_jobs``)."""
    import benchdata

    import synthcare

    key = benchdata.PATIENT_KEYS.get(name)
    fit_on = benchdata.align_to(train, train)
    if key is not None:  # the patient key as it is (whole numbers), not as a float
        fit_on[key] = train[key]
    cls = synthcare.get_engine(engine)
    threads = {"n_jobs": None} if "n_jobs" in cls().get_params() else {}
    return cls(random_state=seed, **threads, **(params or {})).fit(fit_on)


def fit_and_score(engine: str, name: str, train, holdout, seed: int, quality: bool = True,  # noqa: ANN001
                  params: dict | None = None) -> dict:
    """Fit our ``engine`` (see :func:`fit`) on ``train`` with ``seed``, sample as many rows and
    score them against ``holdout`` with the benchmark's code, on one thread."""
    import benchdata
    import scoring
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        model = fit(engine, name, train, seed, params)
        synthetic = model.sample(len(train), random_state=seed)[list(train.columns)]
        return scoring.score(train, holdout, synthetic, benchdata.TARGETS[name],
                             key=benchdata.PATIENT_KEYS.get(name), quality=quality)


def _job(task: tuple[str, str, int]) -> dict:
    engine, name, seed = task
    warnings.simplefilter("ignore")
    import benchdata

    train, holdout = benchdata.train_holdout(name)
    return {"engine": engine, "dataset": name, "seed": seed,
            "scores": fit_and_score(engine, name, train, holdout, seed)}


def _report(records: list[dict], n_seeds: int) -> str:
    from report import MAX_DCR_SHARE, MAX_DETECTION_AUC, MIN_TSTR

    bars = {"detection_auc": ("<=", MAX_DETECTION_AUC), "tstr": (">=", MIN_TSTR), "dcr_share": ("<=", MAX_DCR_SHARE)}
    lines = [
        "# Seed spread of synthcare's engines",
        "",
        f"Written by `benchmarks/seeds.py`: each engine fitted and sampled with seeds 0..{n_seeds - 1} on "
        "the benchmark's train half, scored by the benchmark's code against the holdout half. "
        "Cells are mean ± standard deviation over the seeds; \"passes\" counts the seeds that "
        "meet the bar. Times are not recorded (jobs run in parallel).",
        "",
    ]
    for engine in sorted({r["engine"] for r in records}):
        mine = [r for r in records if r["engine"] == engine]
        names = sorted({r["dataset"] for r in mine})
        lines += [f"## synthcare:{engine}", "",
                  "| dataset | detection AUC | TSTR | DCR share | exact copies | quality | passes (det / TSTR / DCR) |",
                  "|---|---|---|---|---|---|---|"]
        means = []
        for name in names:
            got = {m: np.array([r["scores"][m] for r in mine if r["dataset"] == name]) for m in METRICS}
            means.append([got[m].mean() for m in METRICS])
            passes = []
            for metric, (op, bar) in bars.items():
                ok = got[metric] <= bar if op == "<=" else got[metric] >= bar
                passes.append(f"{int(ok.sum())}/{ok.size}")
            cells = [f"{got[m].mean():.3f} ± {got[m].std():.3f}" for m in METRICS]
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {' / '.join(passes)} |")
        mean = np.mean(means, axis=0)
        lines.append("| **mean** | " + " | ".join(f"{v:.3f}" for v in mean) + " | |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="cart", help="comma-separated synthcare engine names")
    parser.add_argument("--datasets", help="comma-separated dataset names (default: all)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--update", action="store_true",
                        help="keep the other engines' and datasets' records from seeds.json, replace only these")
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    import benchdata

    try:
        names = benchdata.chosen(args.datasets)
    except ValueError as error:
        parser.error(str(error))
    engines = [e.removeprefix("synthcare:") for e in args.engines.split(",")]
    tasks = [(e, n, s) for e in engines for n in names for s in range(args.seeds)]
    records = []
    if args.update and (HERE / "seeds.json").exists():
        rerun = {(e, n) for e, n, _ in tasks}
        kept = [r for r in json.loads((HERE / "seeds.json").read_text()) if (r["engine"], r["dataset"]) not in rerun]
        counts = {sum(1 for r in kept if (r["engine"], r["dataset"]) == key)
                  for key in {(r["engine"], r["dataset"]) for r in kept}}
        if counts - {args.seeds}:
            parser.error(f"seeds.json holds {sorted(counts)} seeds per dataset; "
                         f"--update needs --seeds {sorted(counts)[0]}")
        records = kept
    records += pool.run(_job, tasks, args.processes,
                        lambda r: f"{r['engine']} {r['dataset']} seed {r['seed']}: {pool.scores_line(r['scores'])}")
    records.sort(key=lambda r: (r["engine"], r["dataset"], r["seed"]))
    (HERE / "seeds.json").write_text(json.dumps(records, indent=1))
    (HERE / "SEEDS.md").write_text(_report(records, args.seeds) + "\n")
    print(f"wrote {HERE / 'SEEDS.md'}")


if __name__ == "__main__":
    main()
