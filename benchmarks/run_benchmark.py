"""Fit every generator on every dataset's train half, score it on the holdout half, and
write RESULTS.md and results.json. Finished jobs are cached in .cache/ (see README.md)."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import traceback
from pathlib import Path

import pandas as pd
from benchdata import PATIENT_KEYS, TARGETS, dataset_names, fingerprint, train_holdout
from generators import HOLDOUT, SYNTHCARE_PREFIX, all_generators
from job import JOB_FILE, SYNTHETIC_FILE, run_job
from report import environment, render
from scoring import score

HERE = Path(__file__).resolve().parent
QUICK_DATASETS = ["lung_ncctg", "diabetes_pima"]
SCORES_FILE = "scores.json"


def _scoring_version() -> str:
    code = b"".join((HERE / name).read_bytes() for name in ("scoring.py", "benchdata.py"))
    return hashlib.sha256(code).hexdigest()[:16]


def _job_dir(root: Path, dataset: str, generator: str) -> Path:
    return root / dataset / generator.replace(":", "-")


def _cached_job(job_dir: Path) -> dict | None:
    path = job_dir / JOB_FILE
    return json.loads(path.read_text()) if path.exists() else None


def _fresh(record: dict | None, train_print: str) -> bool:
    """Whether a cached job finished on this very train half (a job from before the split
    changed, or from before jobs recorded it, is stale and runs again)."""
    return bool(record) and record["status"] in ("ok", "timeout") and record.get("train") == train_print


def _scores(job_dir: Path, train, holdout, synthetic, target, is_holdout: bool, key: str | None) -> dict:
    """Scores for one synthetic table, reused while the scoring code and the table are unchanged."""
    path = job_dir / SCORES_FILE
    version = _scoring_version()
    if path.exists():
        cached = json.loads(path.read_text())
        if cached["version"] == version:
            return cached["scores"]
    scores = score(train, holdout, synthetic, target, synthetic_is_holdout=is_holdout, key=key)
    job_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": version, "scores": scores}, indent=1))
    return scores


def run_jobs(root: Path, datasets: list[str], generators: list[str], args) -> None:
    for dataset in datasets:
        train, _ = train_holdout(dataset)
        train_print = fingerprint(train)
        train_pickle = root / dataset / "train.pkl"
        train_pickle.parent.mkdir(parents=True, exist_ok=True)
        train.to_pickle(train_pickle)
        for generator in generators:
            if generator == HOLDOUT:
                continue
            job_dir = _job_dir(root, dataset, generator)
            cached = _cached_job(job_dir)
            if _fresh(cached, train_print) and not args.fresh:
                print(f"[cached] {dataset} {generator}: {cached['status']}", flush=True)
                continue
            print(f"[run] {dataset} {generator} ...", flush=True)
            (job_dir / SCORES_FILE).unlink(missing_ok=True)
            record = run_job(generator, train_pickle, job_dir, args.timeout, args.quick)
            record["train"] = train_print
            (job_dir / JOB_FILE).write_text(json.dumps(record, indent=1))
            print(
                f"[done] {dataset} {generator}: {record['status']} {record.get('seconds', 0):.1f} s",
                flush=True,
            )


def _cached_generators(root: Path, dataset: str) -> list[str]:
    folder = root / dataset
    names = [p.name for p in sorted(folder.iterdir()) if (p / JOB_FILE).exists()] if folder.exists() else []
    prefix = SYNTHCARE_PREFIX.replace(":", "-")
    return [SYNTHCARE_PREFIX + n.removeprefix(prefix) if n.startswith(prefix) else n for n in names]


def collect(root: Path, datasets: list[str], generators: list[str]) -> tuple[dict, list[dict], list[str]]:
    """Score every cached job of these datasets (run now or earlier), plus the holdout ceiling."""
    cached = {d: _cached_generators(root, d) for d in datasets}
    # a fixed order (ours, then the peers), whatever the selection this run was given
    shown = list(dict.fromkeys([*all_generators(), *generators, *(g for d in datasets for g in cached[d])]))
    shown = [g for g in shown if g in generators or g == HOLDOUT or any(g in cached[d] for d in datasets)]
    shown = [g for g in shown if g != HOLDOUT] + [HOLDOUT]
    infos, results = {}, []
    for dataset in datasets:
        train, holdout = train_holdout(dataset)
        train_print = fingerprint(train)
        key = PATIENT_KEYS.get(dataset)
        target = TARGETS[dataset]
        infos[dataset] = {
            "train_rows": len(train),
            "holdout_rows": len(holdout),
            "columns": train.shape[1] - (key is not None),
            "split": f"by patient (`{key}`)" if key else "by row",
            "target": target,
        }
        for generator in shown:
            job_dir = _job_dir(root, dataset, generator)
            record = {"status": "ok"} if generator == HOLDOUT else _cached_job(job_dir)
            if record is None:
                continue
            if generator != HOLDOUT and not _fresh(record, train_print) and record["status"] != "failed":
                record = {"status": "stale", "error": "fitted on another train half; run it again"}
            result = {"dataset": dataset, "generator": generator, **record}
            if record["status"] == "ok":
                try:
                    synthetic = holdout if generator == HOLDOUT else pd.read_csv(job_dir / SYNTHETIC_FILE)
                    result["scores"] = _scores(
                        job_dir, train, holdout, synthetic, target, generator == HOLDOUT, key
                    )
                except Exception:  # noqa: BLE001 - recorded in the table
                    result["scoring_error"] = traceback.format_exc(limit=2)
            results.append(result)
            print(
                f"[scored] {dataset} {generator}: {result.get('scores') or result.get('scoring_error')}",
                flush=True,
            )
    return infos, results, shown


def write_report(root: Path, generators: list[str], quick: bool) -> None:
    """RESULTS.md and results.json from every cached job (in quick mode under .cache/quick/)."""
    out_dir = root if quick else HERE
    reported = [d for d in dataset_names() if (root / d).exists()]
    infos, results, shown = collect(root, reported, generators)
    notes = [
        (
            "Each generator fits on the train half and samples as many rows; all metrics compare with the "
            "holdout half (see README.md for each column). `holdout` is the ceiling: the holdout half "
            "itself used as the synthetic table (its fidelity is measured against the train half). "
            "Load is the machine's 1-minute load average around each job: on these 2 cores, above 2 "
            "means other work shared the CPU and the time is inflated by it."
        ),
        "",
        "Scaling: see [SCALING.md](SCALING.md).",
    ]
    if len(reported) < len(dataset_names()):
        notes.insert(0, f"**Partial: {len(reported)} of {len(dataset_names())} datasets so far.**\n")
    if quick:
        notes.insert(0, "**QUICK development run: reduced peer epochs; not a result.**\n")
    env = environment()
    (out_dir / "RESULTS.md").write_text(render(env, infos, shown, results, notes))
    (out_dir / "results.json").write_text(
        json.dumps(
            {"environment": env, "quick": quick, "datasets": infos, "results": results}, indent=1, default=str
        )
    )
    print(f"wrote {out_dir / 'RESULTS.md'}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", help="comma-separated dataset names (default: all CSVs)")
    parser.add_argument("--engines", help="comma-separated generators (default: all); see README.md")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="development run: 2 small datasets, few epochs for the peers, "
        "results under .cache/quick/ instead of RESULTS.md",
    )
    parser.add_argument("--fresh", action="store_true", help="rerun the selected jobs even if cached")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per fit+sample job")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from the cache")
    args = parser.parse_args(argv)

    default_datasets = QUICK_DATASETS if args.quick else dataset_names()
    datasets = args.datasets.split(",") if args.datasets else default_datasets
    generators = args.engines.split(",") if args.engines else all_generators()
    unknown = set(datasets) - set(dataset_names())
    if unknown:
        sys.exit(f"unknown datasets: {sorted(unknown)}")
    root = HERE / ".cache" / ("quick" if args.quick else "full")
    if not args.report_only:
        for dataset in datasets:  # report after each dataset, so a long run shows progress
            run_jobs(root, [dataset], generators, args)
            write_report(root, generators, args.quick)
    write_report(root, generators, args.quick)


if __name__ == "__main__":
    main()
