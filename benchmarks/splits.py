"""The bars over many train / holdout splits: how often fresh real patients, and our engines, meet them.

    benchmarks/.venv/bin/python benchmarks/splits.py [--engines cart] [--splits 10]
    benchmarks/.venv/bin/python benchmarks/splits.py --trial NAME [--params JSON] [--baseline FILE]

The main benchmark scores one fixed 50/50 split of each dataset. On tables of a hundred or a few
hundred patients the split alone moves every score: the holdout ceiling's DCR share on cgd is
0.33 on the benchmark's split and 0.41-0.60 on others. This script redraws the split (split 0 is
the benchmark's own, split k uses seed SPLIT_SEED + k), and on each one scores, with the
benchmark's code (scoring.py, without the slow SDMetrics quality score):

- ``holdout``: the ceiling, the holdout half taken as the synthetic table, that is new real
  patients that no generator saw, scored as in RESULTS.md (fidelity against the train half, each
  row's own copy, or its patient's rows, left out of the holdout side of DCR);
- each of our ``--engines``, fitted on the train half with seed 0, sampling as many rows.

It writes SPLITS.md and splits.json: per dataset the mean, SD and range of each score and how
many splits meet each bar; and per split whether a generator meets a bar on every dataset at
once, which is what the acceptance check asks of a single run.

A what-if (``--trial NAME``: other engine parameters with ``--params '{"n_trees": 20}'``, or the
current source after a change) scores only the engines, on the same splits, and compares them with
their records in ``--baseline`` (default splits.json, which the trial leaves as it is): it writes
trials/NAME.md and trials/NAME.json and prints the comparison. A change that moves the means by
less than their spread over splits is noise; SPLITS.md shows that spread.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pool

HERE = Path(__file__).resolve().parent
HOLDOUT = "holdout"
METRICS = ("detection_auc", "tstr", "dcr_share", "exact_copies")


def halves(name: str, split: int):  # noqa: ANN201
    """The train and holdout halves of split ``split`` (seed SPLIT_SEED + split; 0 is the benchmark's)."""
    import benchdata

    key = benchdata.PATIENT_KEYS.get(name)
    table = benchdata.load_dataset(name, keep=(key,) if key else ())
    return benchdata.split(table, seed=benchdata.SPLIT_SEED + split, key=key)


def _job(task: tuple[str, str, int, dict]) -> dict:
    generator, name, split, params = task
    warnings.simplefilter("ignore")
    import benchdata
    import scoring
    from seeds import fit_and_score
    from threadpoolctl import threadpool_limits

    train, holdout = halves(name, split)
    if generator == HOLDOUT:
        with threadpool_limits(1):
            scores = scoring.score(train, holdout, holdout, benchdata.TARGETS[name], synthetic_is_holdout=True,
                                   key=benchdata.PATIENT_KEYS.get(name), quality=False)
    else:
        scores = fit_and_score(generator, name, train, holdout, seed=0, quality=False, params=params)
    return {"generator": generator, "dataset": name, "split": split, "scores": scores}


def _bars() -> dict[str, tuple[str, float]]:
    from report import MAX_DCR_SHARE, MAX_DETECTION_AUC, MIN_TSTR

    return {"detection_auc": ("<=", MAX_DETECTION_AUC), "tstr": (">=", MIN_TSTR), "dcr_share": ("<=", MAX_DCR_SHARE)}


def meets(metric: str, values: np.ndarray) -> np.ndarray:
    """Whether each value meets the acceptance bar on ``metric``."""
    op, bar = _bars()[metric]
    return values <= bar if op == "<=" else values >= bar


def _report(records: list[dict]) -> str:
    bars = _bars()
    generators = sorted({r["generator"] for r in records}, key=lambda g: (g != HOLDOUT, g))
    names = sorted({r["dataset"] for r in records})
    splits = sorted({r["split"] for r in records})
    lines = [
        "# The bars over many splits",
        "",
        f"Written by `benchmarks/splits.py`: each dataset split {len(splits)} times into train and holdout halves "
        "(split 0 is the benchmark's own; by patient on the four patient tables), scored by the benchmark's code. "
        "`holdout` is the ceiling: new real patients, the holdout half taken as the synthetic table, scored as in "
        "RESULTS.md. Our engines fit on each train half with seed 0. Cells are mean ± SD (min-max) over the splits, "
        "then how many splits meet the bar. Bars: detection AUC <= "
        f"{bars['detection_auc'][1]}, TSTR >= {bars['tstr'][1]}, DCR share <= {bars['dcr_share'][1]}.",
        "",
        "## Every dataset at once",
        "",
        "The acceptance check asks for the bars on every dataset in one run. Splits on which a generator meets a "
        "bar on all datasets at once (and the datasets it most often misses):",
        "",
        "| generator | detection | TSTR | DCR share | all three | misses most often (DCR) |",
        "|---|---|---|---|---|---|",
    ]
    for g in generators:
        mine = [r for r in records if r["generator"] == g]
        ok = {m: {s: all(meets(m, np.array([r["scores"][m]]))[0] for r in mine if r["split"] == s) for s in splits}
              for m in bars}
        both = sum(all(ok[m][s] for m in bars) for s in splits)
        misses = {n: sum(not meets("dcr_share", np.array([r["scores"]["dcr_share"]]))[0]
                         for r in mine if r["dataset"] == n) for n in names}
        worst = ", ".join(f"{n} {k}/{len(splits)}" for n, k in sorted(misses.items(), key=lambda x: -x[1])[:4] if k)
        cells = [f"{sum(ok[m].values())}/{len(splits)}" for m in bars]
        lines.append(f"| {g} | " + " | ".join(cells) + f" | {both}/{len(splits)} | {worst or '-'} |")
    for metric, label in (("dcr_share", "DCR share"), ("detection_auc", "Detection AUC"), ("tstr", "TSTR")):
        lines += ["", f"## {label} per dataset", "", "| dataset | " + " | ".join(generators) + " |",
                  "|---|" + "---|" * len(generators)]
        for n in names:
            cells = []
            for g in generators:
                v = np.array([r["scores"][metric] for r in records if r["generator"] == g and r["dataset"] == n])
                if v.size == 0:
                    cells.append("-")
                    continue
                cells.append(f"{v.mean():.3f} ± {v.std():.3f} ({v.min():.3f}-{v.max():.3f}), "
                             f"{int(meets(metric, v).sum())}/{v.size}")
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _trial_report(records: list[dict], baseline: list[dict], label: str, params: dict) -> str:
    """A what-if's records against the same generators' records on the same splits in ``baseline``:
    per dataset the mean of each bar metric before -> after, then the mean over datasets and how
    many (dataset, split) pairs meet each bar."""
    before = {(r["generator"], r["dataset"], r["split"]): r["scores"] for r in baseline}
    metrics = list(_bars())
    lines = [f"# Trial: {label}", "",
             f"Written by `benchmarks/splits.py --trial {label}`"
             + (f" with `--params '{json.dumps(params)}'`" if params else " (the source as it was)")
             + ". Each cell: the baseline's mean over the splits -> the trial's, on the same splits.", ""]
    for g in sorted({r["generator"] for r in records}):
        mine = [r for r in records if r["generator"] == g]
        lines += [f"## {g}", "", "| dataset | splits | " + " | ".join(metrics) + " |",
                  "|---|---|" + "---|" * len(metrics)]
        pairs = {m: ([], []) for m in metrics}
        for n in sorted({r["dataset"] for r in mine}):
            rows = [r for r in mine if r["dataset"] == n]
            cells = []
            for m in metrics:
                old = np.array([before[(g, n, r["split"])][m] for r in rows])
                new = np.array([r["scores"][m] for r in rows])
                pairs[m][0].extend(old)
                pairs[m][1].extend(new)
                cells.append(f"{old.mean():.3f} -> {new.mean():.3f}")
            lines.append(f"| {n} | {len(rows)} | " + " | ".join(cells) + " |")
        lines.append("| **mean** | | " + " | ".join(
            f"{np.mean(pairs[m][0]):.4f} -> {np.mean(pairs[m][1]):.4f}" for m in metrics) + " |")
        lines.append("| **meet the bar** | | " + " | ".join(
            f"{int(meets(m, np.array(pairs[m][0])).sum())} -> {int(meets(m, np.array(pairs[m][1])).sum())} "
            f"of {len(pairs[m][0])}" for m in metrics) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="cart", help="comma-separated synthcare engine names ('' for none)")
    parser.add_argument("--datasets", help="comma-separated dataset names (default: all)")
    parser.add_argument("--splits", type=int, default=10, help="splits 0..N-1 (default 10; 0 is the benchmark's)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--report-only", action="store_true", help="rewrite SPLITS.md from splits.json")
    parser.add_argument("--trial", metavar="NAME",
                        help="a what-if: score only the engines and compare them with --baseline (trials/NAME.md)")
    parser.add_argument("--params", default="{}", metavar="JSON",
                        help="engine parameters for a --trial, as a JSON object, e.g. '{\"n_trees\": 20}'")
    parser.add_argument("--baseline", type=Path, default=HERE / "splits.json",
                        help="the records a --trial is compared with (default: splits.json)")
    args = parser.parse_args()
    if args.report_only:
        (HERE / "SPLITS.md").write_text(_report(json.loads((HERE / "splits.json").read_text())))
        return
    if args.splits < 1:
        parser.error(f"--splits must be at least 1, got {args.splits}")
    import benchdata

    try:
        names = benchdata.chosen(args.datasets)
    except ValueError as error:
        parser.error(str(error))
    engines = [e.removeprefix("synthcare:") for e in args.engines.split(",") if e]
    params, baseline = _trial_inputs(parser, args, engines, names)
    generators = engines if args.trial else [HOLDOUT] + engines
    tasks = [(g, n, s, params) for g in generators for n in names for s in range(args.splits)]
    records = pool.run(_job, tasks, args.processes,
                       lambda r: f"{r['generator']} {r['dataset']} split {r['split']}: {pool.scores_line(r['scores'])}")
    records.sort(key=lambda r: (r["generator"], r["dataset"], r["split"]))
    if args.trial:
        folder = HERE / "trials"
        folder.mkdir(exist_ok=True)
        report = _trial_report(records, baseline, args.trial, params)
        (folder / f"{args.trial}.json").write_text(json.dumps({"params": params, "records": records}, indent=1))
        (folder / f"{args.trial}.md").write_text(report + "\n")
        print(report)
        print(f"wrote {folder / (args.trial + '.md')}")
        return
    (HERE / "splits.json").write_text(json.dumps(records, indent=1))
    (HERE / "SPLITS.md").write_text(_report(records))
    print(f"wrote {HERE / 'SPLITS.md'}")


def _trial_inputs(parser: argparse.ArgumentParser, args: argparse.Namespace, engines: list[str],
                  names: list[str]) -> tuple[dict, list[dict]]:
    """A trial's engine parameters (checked by building each engine with them) and its baseline
    records, which must hold every (engine, dataset, split) the trial runs."""
    try:
        params = json.loads(args.params)
    except json.JSONDecodeError as error:
        parser.error(f"--params must be a JSON object, e.g. '{{\"n_trees\": 20}}'; got {args.params!r} ({error})")
    if not isinstance(params, dict):
        parser.error(f"--params must be a JSON object, e.g. '{{\"n_trees\": 20}}'; got {args.params!r}")
    if not args.trial:
        if params:
            parser.error("--params needs --trial NAME: SPLITS.md records the engines' defaults")
        return params, []
    if not engines:
        parser.error("--trial needs at least one engine in --engines")
    if not all(c.isalnum() or c in "-_." for c in args.trial):
        parser.error(f"--trial names a file: use letters, digits, '-', '_' or '.'; got {args.trial!r}")
    import synthcare

    for engine in engines:
        try:
            synthcare.get_engine(engine)(**params)._validate_params()
        except Exception as error:  # noqa: BLE001 - any rejection of the parameters is the user's to fix
            parser.error(f"--params {args.params} does not suit engine '{engine}': {error}")
    if not args.baseline.exists():
        parser.error(f"no baseline at {args.baseline}: run splits.py without --trial first, or pass --baseline")
    baseline = json.loads(args.baseline.read_text())
    have = {(r["generator"], r["dataset"], r["split"]) for r in baseline}
    missing = [(g, n, s) for g in engines for n in names for s in range(args.splits) if (g, n, s) not in have]
    if missing:
        parser.error(f"{args.baseline} lacks {len(missing)} of the trial's runs (first: {missing[0]}); "
                     "rerun splits.py for them, or choose fewer --splits or --datasets")
    return params, baseline


if __name__ == "__main__":
    main()
