"""How fit+sample time and peak memory grow with rows: flchain resampled with jitter to
10k, 100k and 1M rows. Writes SCALING.md and scaling.json (cached jobs in .cache/)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from benchdata import load_dataset
from generators import synthcare_generators
from job import JOB_FILE, run_job
from report import environment, header, table

HERE = Path(__file__).resolve().parent
SOURCE = "flchain"
SIZES = [10_000, 100_000, 1_000_000]
QUICK_SIZES = [2_000, 5_000]
PEERS = ["tabular_argn", "sdv_gaussian_copula"]
PEER_SIZES = 2  # peers run the first two sizes; the next only if its estimate fits the timeout
SEED = 0
JITTER = 0.05  # noise as a share of each numeric column's standard deviation


def resample(df: pd.DataFrame, n_rows: int, seed: int = SEED) -> pd.DataFrame:
    """Bootstrap rows, then jitter numeric columns: integer columns stay integers (codes with
    at most 20 values are left alone), every value stays within the column's observed range."""
    rng = np.random.default_rng(seed)
    out = df.iloc[rng.integers(0, len(df), n_rows)].reset_index(drop=True)
    for col in df.columns:
        values = df[col].dropna()
        if not pd.api.types.is_numeric_dtype(values) or values.nunique() <= 1:
            continue
        integer = bool((values == values.round()).all())
        if integer and values.nunique() <= 20:
            continue
        noisy = out[col] + rng.normal(0, JITTER * values.std(), n_rows)
        noisy = noisy.clip(values.min(), values.max())
        out[col] = noisy.round(0 if integer else _decimals(values))
        if integer and not out[col].isna().any():
            out[col] = out[col].astype(df[col].dtype)
    return out


def _decimals(values: pd.Series, most: int = 6) -> int:
    """The fewest decimals that hold every value of a column (at most `most`)."""
    return next((d for d in range(most) if np.allclose(values, values.round(d), rtol=0, atol=1e-9)), most)


def _estimate(prior: list[dict], n_rows: int) -> float | None:
    """Linear extrapolation of seconds from the largest finished size."""
    done = [r for r in prior if r["status"] == "ok"]
    return done[-1]["seconds"] * n_rows / done[-1]["rows"] if done else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engines", help="run only these generators (the table keeps cached others)")
    parser.add_argument("--quick", action="store_true", help="small sizes, few epochs for the peers")
    parser.add_argument("--fresh", action="store_true", help="rerun cached jobs")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per fit+sample job")
    args, _ = parser.parse_known_args(argv)  # run.sh passes the benchmark's args too

    default = synthcare_generators()[1]
    generators = ([default] if default else []) + PEERS
    selected = args.engines.split(",") if args.engines else generators
    sizes = QUICK_SIZES if args.quick else SIZES
    root = HERE / ".cache" / ("quick" if args.quick else "full") / "scaling"
    source = load_dataset(SOURCE)

    results = []
    for generator in generators:
        prior: list[dict] = []
        for i, n_rows in enumerate(sizes):
            job_dir = root / str(n_rows) / generator.replace(":", "-")
            record = json.loads((job_dir / JOB_FILE).read_text()) if (job_dir / JOB_FILE).exists() else None
            estimate = _estimate(prior, n_rows)
            too_long = generator in PEERS and i >= PEER_SIZES and (estimate is None or estimate > args.timeout)
            if too_long and (generator in selected or (record is None and prior)):
                # also when this run did not select the peer, so the table keeps saying why it has no row
                why = "no smaller run finished" if estimate is None else f"estimated {estimate / 60:.0f} min"
                record = {"status": "skipped", "error": f"{why} > {args.timeout / 60:.0f} min timeout"}
            elif generator not in selected:
                if record is None:
                    continue
            elif record is None or args.fresh or record["status"] == "failed":
                data = root / f"{SOURCE}_{n_rows}.pkl"
                if not data.exists():
                    data.parent.mkdir(parents=True, exist_ok=True)
                    resample(source, n_rows).to_pickle(data)
                print(f"[run] scaling {generator} {n_rows} rows ...", flush=True)
                record = run_job(generator, data, job_dir, args.timeout, args.quick)
            record = {"generator": generator, "rows": n_rows, **record}
            print(f"[done] scaling {generator} {n_rows}: {record['status']}", flush=True)
            prior.append(record)
            results.append(record)

    env = environment()
    notes = [
        (
            f"`{SOURCE}` ({len(source)} rows) bootstrapped to each size with {JITTER:g} SD jitter on "
            "numeric columns; each job fits on that table and samples as many rows, in its own process."
        ),
        "",
    ]
    if not default:
        notes.append("Our engines were not importable in this run; the next run picks up the default engine.")
    if args.quick:
        notes.insert(0, "**QUICK development run: small sizes, reduced peer epochs; not a result.**\n")
    rows = [
        [
            r["generator"],
            f"{r['rows']:,}",
            r["status"]
            if r["status"] == "ok"
            else f"{r['status']}: {(r.get('error') or '').strip().splitlines()[-1][:100]}".replace("|", "/"),
            f"{r['seconds']:.1f}" if r["status"] == "ok" else "-",
            f"{r['peak_mb']:.0f}" if r["status"] == "ok" else "-",
            f"{1000 * r['seconds'] / r['rows']:.3f}" if r["status"] == "ok" else "-",
            f"{r['load_before']:.1f} / {r['load_after']:.1f}" if "load_before" in r else "-",
        ]
        for r in results
    ]
    lines = (
        header(env, "synthcare scaling")
        + notes
        + [""]
        + table(
            [
                "generator",
                "rows",
                "status",
                "fit+sample s",
                "peak MB",
                "s per 1k rows",
                "load before / after",
            ],
            rows,
        )
    )
    out_dir = root if args.quick else HERE
    (out_dir / "SCALING.md").write_text("\n".join(lines) + "\n")
    (out_dir / "scaling.json").write_text(json.dumps({"environment": env, "results": results}, indent=1))
    print(f"wrote {out_dir / 'SCALING.md'}")


if __name__ == "__main__":
    main()
