"""Where one of our engines is told from real data, on one dataset and split: which columns, which
pairs, and which associations it weakens.

    benchmarks/.venv/bin/python benchmarks/diagnose.py DATASET [--split 0] [--seeds 3]
        [--engine cart] [--params JSON] [--pairs 15 [--pair-columns 20]] [--by COLUMN] [--retention]

The benchmark gives one detection AUC per table; this breaks it down, with the benchmark's own
code (``scoring.detection_auc``, the same classifier and folds, one fold shuffle):

- the whole table, per seed, against the reference of the train half scored against the holdout
  half (what new real patients score under the same folds);
- each column alone: synthetic against holdout, synthetic against train, and train against holdout
  (a column whose first figure stands well above its third is off in its own distribution; a
  second figure below 0.5 means the sample follows the train half closer than a fresh draw would);
- with ``--pairs N``, the N pairs of columns whose AUC together most exceeds the higher of the two
  alone (seed 0): a dependency the engine does not keep; on a table wider than ``--pair-columns``
  (default 20), among the columns most told apart alone (wdbc's 465 pairs took over 25 minutes);
- with ``--by COLUMN`` (a column of at most 12 values), for each value of it, every other numeric
  column's mean rank within the train half's values (0-1) in train, holdout and synthetic rows:
  an association the synthetic rows weaken shows as their ranks lying nearer to the overall mean
  than train's and holdout's do;
- with ``--retention``, for every column of 2-4 values, the median share of its associations with
  the numeric columns (gaps in mean rank between its commonest and rarest value) that holdout and
  synthetic rows keep, relative to train.

It writes nothing; it prints markdown. Fitting and scoring run on one thread, so the figures do
not depend on the machine's cores.
"""

from __future__ import annotations

import argparse
import itertools
import json
import warnings

import numpy as np
import pandas as pd

MAX_BY_VALUES = 12
#: --pairs looks at pairs among at most this many columns, those most told apart alone (a wide table
#: has hundreds of pairs, each a classifier fit).
MAX_PAIR_COLUMNS = 20
#: --retention: the rarer value needs this many train rows, and a pair this gap in mean rank in train.
RETENTION_ROWS = 15
RETENTION_GAP = 0.08


def _auc(real: pd.DataFrame, other: pd.DataFrame, columns: list[str], real_groups=None, other_groups=None) -> float:  # noqa: ANN001
    import scoring

    return scoring.detection_auc(real[columns], other[columns], repeats=1, real_groups=real_groups,
                                 synthetic_groups=other_groups)


def _print(frame: pd.DataFrame) -> None:
    from report import table

    print("\n".join(table(list(frame.columns), frame.to_numpy().tolist())))


def _ranks(frame: pd.DataFrame, train: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Each value's share of the train half's known values below it, NaN where missing."""
    out = {}
    for c in columns:
        known = np.sort(train[c].dropna().to_numpy(dtype=float))
        values = frame[c].to_numpy(dtype=float)
        out[c] = np.where(np.isnan(values), np.nan, np.searchsorted(known, values) / max(known.size, 1))
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--split", type=int, default=0, help="split k uses seed SPLIT_SEED + k (0: the benchmark's)")
    parser.add_argument("--seeds", type=int, default=3, help="synthetic samples, seeds 0..N-1 (default 3)")
    parser.add_argument("--engine", default="cart")
    parser.add_argument("--params", default="{}", help="engine parameters as JSON")
    parser.add_argument("--pairs", type=int, default=0, help="show the N pairs that most exceed their columns")
    parser.add_argument("--pair-columns", type=int, default=MAX_PAIR_COLUMNS,
                        help=f"pairs among the K columns most told apart alone (default {MAX_PAIR_COLUMNS}; "
                             "a wide table's every pair takes long)")
    parser.add_argument("--by", default=None, help="a column of few values to break associations down by")
    parser.add_argument("--retention", action="store_true",
                        help="how much of each few-valued column's association with the numeric ones survives")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    import benchdata
    from seeds import fit
    from splits import halves
    from threadpoolctl import threadpool_limits

    if args.dataset not in benchdata.dataset_names():
        parser.error(f"no dataset {args.dataset!r}; choose from {', '.join(benchdata.dataset_names())}")
    if args.pair_columns < 2:
        parser.error(f"--pair-columns must be 2 or more, got {args.pair_columns}")
    if args.seeds < 1:
        parser.error(f"--seeds must be 1 or more, got {args.seeds}")
    try:
        params = json.loads(args.params)
    except json.JSONDecodeError as exc:
        parser.error(f"--params is not JSON ({exc}); example: --params '{{\"n_trees\": 20}}'")
    key = benchdata.PATIENT_KEYS.get(args.dataset)
    train, holdout = halves(args.dataset, args.split)
    table = pd.concat([train, holdout])
    columns = [c for c in train.columns if c != key]
    if args.by is not None and args.by not in columns:
        parser.error(f"--by {args.by!r} is not a column of {args.dataset}; columns: {', '.join(columns)}")
    if args.by is not None and table[args.by].nunique(dropna=False) > MAX_BY_VALUES:
        parser.error(f"--by {args.by!r} has {table[args.by].nunique(dropna=False)} values; "
                     f"pick a column of at most {MAX_BY_VALUES}")
    g_train = train[key].to_numpy() if key else None
    g_hold = holdout[key].to_numpy() if key else None
    T, H = (benchdata.align_to(d[columns], train[columns]) for d in (train, holdout))

    with threadpool_limits(1):
        model = fit(args.engine, args.dataset, train, 0, params)
        samples = [benchdata.align_to(model.sample(len(train), random_state=s)[columns], train[columns])
                   for s in range(args.seeds)]
        whole = [_auc(H, S, columns, g_hold) for S in samples]
        reference = _auc(H, T, columns, g_hold, g_train)
        print(f"# {args.engine} on {args.dataset}, split {args.split}, {args.seeds} seed(s)\n")
        print(f"Whole table: detection AUC {', '.join(f'{a:.3f}' for a in whole)} (mean {np.mean(whole):.3f}); "
              f"train against holdout {reference:.3f}.\n")
        rows = []
        for c in columns:
            rows.append({"column": c,
                         "synthetic vs holdout": np.mean([_auc(H, S, [c], g_hold) for S in samples]),
                         "synthetic vs train": np.mean([_auc(T, S, [c], g_train) for S in samples]),
                         "train vs holdout": _auc(H, T, [c], g_hold, g_train)})
        single = pd.DataFrame(rows).sort_values("synthetic vs holdout", ascending=False)
        print("## Each column alone\n")
        _print(single)
        means = single.drop(columns="column").mean()
        print(f"Means: {', '.join(f'{k} {v:.3f}' for k, v in means.items())}.\n")
        if args.pairs:
            alone = dict(zip(single["column"], single["synthetic vs holdout"]))
            among = list(single["column"])[:args.pair_columns]  # sorted, most told apart first
            if len(among) < len(columns):
                print(f"(pairs among the {len(among)} columns most told apart alone, of {len(columns)}; "
                      "--pair-columns to change)\n")
            lifts = []
            for a, b in itertools.combinations([c for c in columns if c in among], 2):
                both = _auc(H, samples[0], [a, b], g_hold)
                lifts.append({"pair": f"{a} + {b}", "AUC": both,
                              "over the higher alone": both - max(alone[a], alone[b])})
            top = pd.DataFrame(lifts).sort_values("over the higher alone", ascending=False).head(args.pairs)
            print(f"## The {args.pairs} pairs that most exceed their columns (seed 0)\n")
            _print(top)
    if args.by is not None:
        _by(args.by, columns, T, H, samples)
    if args.retention:
        _retention(columns, T, H, samples)


def _retention(columns: list[str], T: pd.DataFrame, H: pd.DataFrame, samples: list[pd.DataFrame]) -> None:
    """Per column of 2-4 values (the rarest held by RETENTION_ROWS train rows or more): the gap in
    mean rank of each numeric column between its most and its least common value, in synthetic
    and holdout rows, as a share of the gap in train rows (pairs whose train gap is at least
    RETENTION_GAP). Holdout's share says how much of an association is real rather than the train
    half's noise; synthetic's well below it means the engine weakens that association."""
    S = pd.concat(samples, ignore_index=True)
    numeric = [c for c in columns if pd.api.types.is_numeric_dtype(T[c]) and T[c].nunique() > 8]
    rows = []
    for by in columns:
        counts = T[by].value_counts()
        if not 2 <= counts.size <= 4 or counts.iloc[-1] < RETENTION_ROWS:
            continue
        common, rare = counts.index[0], counts.index[-1]
        others = [c for c in numeric if c != by]
        gaps = {}
        for label, frame in (("train", T), ("holdout", H), ("synthetic", S)):
            ranks = _ranks(frame, T, others)
            values = frame[by].to_numpy()
            gaps[label] = ranks[values == rare].mean() - ranks[values == common].mean()
        kept = gaps["train"].abs() >= RETENTION_GAP
        if kept.any():
            rows.append({"column": by, "pairs": int(kept.sum()),
                         "holdout / train": float((gaps["holdout"][kept] / gaps["train"][kept]).median()),
                         "synthetic / train": float((gaps["synthetic"][kept] / gaps["train"][kept]).median())})
    if not rows:
        print("## Retention\n\nNo column of 2-4 values goes with a numeric column here.\n")
        return
    out = pd.DataFrame(rows)
    print("## How much of each few-valued column's association with the numeric columns survives (median)\n")
    _print(out)
    print(f"All pairs: holdout / train {out['holdout / train'].median():.2f}, "
          f"synthetic / train {out['synthetic / train'].median():.2f} (median of the columns).\n")


def _by(by: str, columns: list[str], T: pd.DataFrame, H: pd.DataFrame, samples: list[pd.DataFrame]) -> None:
    numeric = [c for c in columns if c != by and pd.api.types.is_numeric_dtype(T[c])]
    S = pd.concat(samples, ignore_index=True)
    parts = {}
    for label, frame in (("train", T), ("holdout", H), ("synthetic", S)):
        ranks = _ranks(frame, T, numeric)
        parts[label] = ranks.groupby(frame[by].fillna("missing").astype(str).to_numpy()).mean()
    out = pd.concat(parts, axis=0).T
    out.columns = [f"{who} {value}" for who, value in out.columns]
    who = ["train", "holdout", "synthetic"]
    order = sorted(out.columns, key=lambda c: (c.split(" ", 1)[1], who.index(c.split(" ")[0])))
    print(f"## Mean rank (0-1, within train's values) of each numeric column, by {by}\n")
    _print(out[order].reset_index().rename(columns={"index": "column"}))


if __name__ == "__main__":
    main()
