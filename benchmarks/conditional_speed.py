"""Conditional sampling throughput: rows/second for sampling with and without a condition.

On flchain's train half (benchdata.split), each tool is fitted once, in its own process, and saved;
then each (tool, case) samples N rows in its own process (the model loaded first, not timed), with
a time limit. Every returned table is aligned to the real columns and checked with pandas' `query`
(the same code for every tool): rows returned vs asked and the share that satisfies the condition.

    benchmarks/.venv/bin/python benchmarks/conditional_speed.py                  # cart, GaussianCopula, CTGAN
    benchmarks/.venv/bin/python benchmarks/conditional_speed.py --tools synthcare:cart --fresh

Tools: our default engine (`synthcare:cart`) with `sample(n, conditions=..., random_state=...)`;
SDV GaussianCopula and CTGAN (SDV defaults, CTGAN with --ctgan-epochs) with SDV's own API:
`sample_from_conditions([Condition(num_rows=n, column_values={...})])` for exact values. SDV's
conditions take exact values only, so a range (`age >= 65`) is done by rejection: batches of N rows
(from `sample`, or from `sample_from_conditions` on the exact part of the condition) filtered by the
range, until N rows or the time limit. Writes CONDITIONAL.md and conditional.json (jobs cached in
.cache/conditional/).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import signal
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchdata import align_to, load_dataset, split  # noqa: E402

DATASET = "flchain"
SEED = 0
SAMPLE_SEED = 1
N_ROWS = 5_000
CASE_LIMIT = 120.0  # seconds of sampling per case
LOAD_MARGIN = 120.0  # extra seconds a case process gets for imports and loading the model
FIT_LIMIT = 1800.0
REPEATS = 5  # calls per case at most (the median is reported) ...
REPEAT_BUDGET = 20.0  # ... while the calls so far took less than this many seconds
CTGAN_EPOCHS = 300  # SDV's default
TOOLS = ["synthcare:cart", "sdv_gaussian_copula", "sdv_ctgan"]

# name -> (exact values, range part as a pandas/synthcare query, description).
# The full condition is the exact part (as `col == value`) and the range part joined by `and`.
CASES: dict[str, tuple[dict, str, str]] = {
    "unconditional": ({}, "", "no condition"),
    "common exact": ({"sex": "M"}, "", "one column, exact value"),
    "common range": ({}, "age >= 65", "one column, range"),
    "rare": ({"flc.grp": 10}, "age >= 90", "under 1% of train rows; exact + range"),
    "multi exact": ({"sex": "M", "death": 1, "chapter": "Circulatory"}, "", "three columns, exact values"),
    "multi range": ({"sex": "F", "mgus": 0}, "age >= 70 and creatinine > 1.2", "four columns, exact + ranges"),
}


def _quote(col: str) -> str:
    return col if col.isidentifier() else f"`{col}`"


def condition_text(case: str) -> str:
    """The condition as one string: synthcare's language reads like pandas' query, so it is both."""
    exact, ranges, _ = CASES[case]
    parts = [f"{_quote(c)} == {json.dumps(v)}" for c, v in exact.items()]
    return " and ".join(parts + ([ranges] if ranges else []))


def satisfied(frame: pd.DataFrame, case: str, like: pd.DataFrame) -> np.ndarray:
    """Which rows satisfy the case's condition, by pandas' query on the table aligned to the real one."""
    text = condition_text(case)
    aligned = align_to(frame, like)
    if not text:
        return np.ones(len(aligned), dtype=bool)
    return aligned.eval(text).to_numpy(dtype=bool)


def train_table() -> pd.DataFrame:
    return split(load_dataset(DATASET))[0]


# ----------------------------------------------------------------------------- fit (own process)
def _sdv_synthesizer(tool: str, train: pd.DataFrame, ctgan_epochs: int):
    from generators import _sdv_metadata
    from sdv import single_table

    if tool == "sdv_gaussian_copula":
        return single_table.GaussianCopulaSynthesizer(_sdv_metadata(train))
    return single_table.CTGANSynthesizer(_sdv_metadata(train), epochs=ctgan_epochs)


def fit_job(tool: str, out: Path, ctgan_epochs: int) -> dict:
    train = train_table()
    np.random.seed(SEED)
    if tool.startswith("sdv_"):
        import torch

        torch.manual_seed(SEED)
        start = time.perf_counter()
        model = _sdv_synthesizer(tool, train, ctgan_epochs)
        model.fit({"table": train})
        seconds = time.perf_counter() - start
        model.save(str(out))
    else:
        import synthcare

        start = time.perf_counter()
        model = synthcare.get_engine(tool.split(":", 1)[1])(random_state=SEED).fit(train)
        seconds = time.perf_counter() - start
        out.write_bytes(pickle.dumps(model))
    record = {"status": "ok", "fit_seconds": seconds, "train_rows": len(train)}
    return record | ({"ctgan_epochs": ctgan_epochs} if tool == "sdv_ctgan" else {})


# ----------------------------------------------------------------------------- sample (own process)
def _as_frame(result) -> pd.DataFrame:  # noqa: ANN001 - SDV 2 may return {table name: DataFrame}
    return result["table"] if isinstance(result, dict) else result


def _sdv_sample(model, case: str, n: int, deadline: float) -> tuple[pd.DataFrame, str]:  # noqa: ANN001
    from sdv.sampling import Condition

    exact, ranges, _ = CASES[case]
    if not exact and not ranges:
        return _as_frame(model.sample(num_rows=n)), "sample"
    if not ranges:
        frame = _as_frame(model.sample_from_conditions([Condition(num_rows=n, column_values=exact)]))
        return frame, "sample_from_conditions"
    # SDV's conditions take exact values only: rejection on the range part.
    parts, have, drawn, rounds = [], 0, 0, 0
    while have < n and time.perf_counter() < deadline:
        if exact:
            batch = _as_frame(model.sample_from_conditions([Condition(num_rows=n, column_values=exact)]))
        else:
            batch = _as_frame(model.sample(num_rows=n))
        drawn += len(batch)
        rounds += 1
        keep = batch[align_to(batch, batch).eval(ranges).to_numpy(dtype=bool)]
        parts.append(keep.iloc[: n - have])
        have += min(len(keep), n - have)
    how = ("sample_from_conditions on the exact part" if exact else "sample") + " + filter on the range"
    note = f"{how}: {rounds} batch(es), {drawn:,} rows drawn"
    if have < n:
        note += f"; stopped at the {CASE_LIMIT:.0f} s limit"
    return pd.concat(parts, ignore_index=True), note


def sample_job(tool: str, case: str, model_path: Path, n: int) -> dict:
    train = train_table()
    np.random.seed(SAMPLE_SEED)
    if tool.startswith("sdv_"):
        import torch
        from sdv.utils import load_synthesizer

        torch.manual_seed(SAMPLE_SEED)
        torch.set_num_threads(1)  # on the shared 2 cores, 2 threads were slower and erratic
        model = load_synthesizer(str(model_path))
        model.reset_sampling()  # SDV then seeds its model with its fixed FIXED_RNG_SEED
    else:
        import synthcare  # noqa: F401 - the pickle needs the package

        model = pickle.loads(model_path.read_bytes())
    condition = condition_text(case)
    load_before = os.getloadavg()[0]
    runs: list[float] = []
    returned: list[int] = []
    shares: list[float] = []
    frame, how, status, error, trace = None, "", "ok", "", ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # The first call is cold (lazy imports, caches); repeat while the case stays cheap and
        # report the median. A call that fails ends the case; only the first call's failure is one.
        while len(runs) < REPEATS and sum(runs) < REPEAT_BUDGET:
            start = time.perf_counter()
            try:
                if tool.startswith("sdv_"):
                    frame, how = _sdv_sample(model, case, n, start + CASE_LIMIT)
                else:
                    frame = model.sample(n, conditions=condition or None, random_state=SAMPLE_SEED + len(runs))
                    how = "sample(n, conditions=...)" if condition else "sample(n)"
            except Exception as exc:  # noqa: BLE001 - a tool's failure is a result to record
                if not runs:
                    status, error = "failed", f"{type(exc).__name__}: {exc}"
                    trace = traceback.format_exc(limit=3)[-1500:]
                    runs.append(time.perf_counter() - start)
                break
            runs.append(time.perf_counter() - start)
            returned.append(len(frame))
            if len(frame):
                shares.append(float(satisfied(frame, case, train).mean()))
            if len(runs) == 1 and case == "unconditional":  # how often the model's own rows meet each condition
                model_shares = {c: float(satisfied(frame, c, train).mean()) for c in CASES if c != case}
    record = {
        "status": status,
        "seconds": float(np.median(runs)),
        "seconds_runs": runs,
        "rows_asked": n,
        "rows_returned": min(returned, default=0),
        "method": how,
        "error": error,
        "warnings": sorted({str(w.message).splitlines()[0][:200] for w in caught})[:5],
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }
    if trace:
        record["trace"] = trace
    if shares:
        record["satisfied_share"] = min(shares)
    if case == "unconditional" and status == "ok":
        record["model_shares"] = model_shares
    return record


# ----------------------------------------------------------------------------- orchestration
def run_child(args: list[str], out_json: Path, timeout: float) -> dict:
    """Run this script in a child process group; a timeout or a crash is a result."""
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.unlink(missing_ok=True)
    log = out_json.with_suffix(".log")
    cmd = [sys.executable, str(Path(__file__).resolve()), *args, "--out-json", str(out_json)]
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            out_json.write_text(json.dumps({"status": "timeout", "error": f"killed after {timeout:.0f} s"}))
    if not out_json.exists():
        tail = log.read_text()[-1000:]
        out_json.write_text(json.dumps({"status": "failed", "error": f"exit code {proc.returncode}: {tail}"}))
    return json.loads(out_json.read_text())


def _slug(text: str) -> str:
    return text.replace(":", "-").replace(" ", "_")


def _fmt_rate(r: dict) -> str:
    if r.get("status") != "ok" or not r.get("rows_returned"):
        return "-"
    return f"{r['rows_returned'] / r['seconds']:,.0f}"


def _note(r: dict) -> str:
    bits = []
    if r.get("status") != "ok":
        bits.append(f"**{r.get('status')}**: {r.get('error', '')[:160]}")
    if r.get("method"):
        bits.append(r["method"])
    if len(r.get("seconds_runs", [])) > 1:
        bits.append(f"median of {len(r['seconds_runs'])} calls, first {r['seconds_runs'][0]:.2f} s")
    bits += [f"warning: {w[:120]}" for w in r.get("warnings", [])[:2]]
    return "; ".join(bits).replace("|", "/").replace("\n", " ")


def report(results: list[dict], tools: list[str], train: pd.DataFrame, args: argparse.Namespace) -> None:
    from report import environment, header, table

    env = environment()
    by = {(r["tool"], r["case"]): r for r in results}
    fits = {r["tool"]: r for r in results if r["case"] == "fit"}
    epochs = fits.get("sdv_ctgan", {}).get("ctgan_epochs")
    if not epochs:
        ctgan = "CTGAN not run"
    elif epochs == CTGAN_EPOCHS:
        ctgan = f"CTGAN with SDV's defaults, `epochs={epochs}`"
    else:
        ctgan = f"CTGAN: SDV defaults except `epochs={epochs}` instead of {CTGAN_EPOCHS}, to fit in the time"
    rows = []
    for tool in tools:
        base = by.get((tool, "unconditional"), {})
        base_rate = base["rows_returned"] / base["seconds"] if base.get("status") == "ok" else None
        for case in CASES:
            r = by.get((tool, case))
            if r is None:
                continue
            rate = r["rows_returned"] / r["seconds"] if r.get("status") == "ok" and r.get("rows_returned") else None
            ratio = f"{rate / base_rate:.3f}" if rate and base_rate and case != "unconditional" else "-"
            returned = f"{r.get('rows_returned', 0):,} / {r.get('rows_asked', args.rows):,}"
            share = f"{r['satisfied_share']:.3f}" if "satisfied_share" in r else "-"
            secs = f"{r['seconds']:.2f}" if "seconds" in r and r.get("status") != "timeout" else "-"
            rows.append([tool, case, _fmt_rate(r), ratio, secs, returned, share, _note(r)])
    case_rows = []
    for case, (_, _, what) in CASES.items():
        text = condition_text(case)
        train_share = float(satisfied(train, case, train).mean())
        model_shares = [
            f"{by[(t, 'unconditional')]['model_shares'][case]:.4f}"
            if case != "unconditional" and "model_shares" in by.get((t, "unconditional"), {}) else "-"
            for t in tools
        ]
        case_rows.append([case, f"`` {text} ``" if text else "-", what, f"{train_share:.4f}",
                          f"{int(round(train_share * len(train))):,}", *model_shares])
    fit_rows = [[t, fits[t]["status"], f"{fits[t].get('fit_seconds', float('nan')):.1f}",
                 (fits[t].get("error") or "")[:160].replace("|", "/")] for t in tools if t in fits]
    lines = header(env, "Conditional sampling throughput") + [
        f"`{DATASET}` train half ({len(train):,} rows, `benchdata.split`). Each tool is fitted once in its own "
        f"process; each case then loads the fitted model in a fresh process and asks for {args.rows:,} rows "
        f"({ctgan}). Only the sampling call is timed (imports and loading the model are not), with a limit "
        f"of {CASE_LIMIT:.0f} s per call; the call is repeated up to {REPEATS} times while the calls so far "
        f"took under {REPEAT_BUDGET:.0f} s, and *seconds* is the median (the first call is cold: lazy imports). "
        "rows/s = rows returned / seconds. *ratio* = rows/s over the same tool's unconditional rows/s. "
        "*rows returned* and *satisfied* (share of returned rows that satisfy the condition) are the worst "
        "over the calls; the check is pandas `DataFrame.eval` of the condition on the table aligned to the "
        "real dtypes, the same code for every tool. Seeds fixed: fit 0; synthcare samples with "
        "`random_state=1, 2, ...` per call, SDV with its own fixed seed after `reset_sampling()` "
        "(numpy and torch global seeds set too). Sampling processes run torch with 1 thread (with 2 threads "
        "on the shared cores CTGAN's sampling time varied 2-5x between calls).",
        "",
        "synthcare: `model.sample(n, conditions=<condition>, random_state=k)`. SDV: exact values via "
        "`sample_from_conditions([Condition(num_rows=n, column_values={...})])`; SDV conditions take exact "
        "values only, so a range is met by rejection (batches of n rows from `sample`, or from "
        "`sample_from_conditions` on the exact part, filtered on the range) until n rows or the time limit.",
        "",
        "## Results",
        "",
        *table(["tool", "case", "rows/s", "ratio to unconditional", "seconds", "rows returned / asked",
                "satisfied", "notes"], rows),
        "## Cases",
        "",
        "Share of rows satisfying each condition in the train half and in each tool's unconditional sample.",
        "",
        *table(["case", "condition", "what", "train share", "train rows", *[f"{t} share" for t in tools]],
               case_rows),
        "## Fits",
        "",
        "## Notes",
        "",
        "- SDV 2.0's `CTGANSynthesizer._sample` raises `NotImplementedError` when given conditions, so for "
        "CTGAN `sample_from_conditions` samples unconditionally and keeps matching rows (rejection, at most "
        "`max_tries_per_batch=100` tries per batch); GaussianCopula conditions its copula on the transformed "
        "values. `sample_remaining_columns` runs the same `_sample_with_conditions` as `sample_from_conditions` "
        "(with one row of known values per row asked), so it was not timed separately.",
        "- SDV raises `ValueError: Unable to sample any rows for the given conditions` when a batch ends with "
        "no rows and warns `Only able to sample N rows` when it ends short; either would appear in *notes* "
        "(a failure is a row, not a crash). The rejection loop for ranges checks the time limit between "
        f"batches, so a case can overrun {CASE_LIMIT:.0f} s by one batch; a case process is killed after "
        f"{CASE_LIMIT + LOAD_MARGIN:.0f} s (status `timeout`).",
        "- How fast rejection is depends on how much probability the model gives the condition (the *share* "
        "columns in Cases): an under-trained model (fewer CTGAN epochs) makes range conditions slower.",
        "",
        "Fit times are informational only (wall seconds on the shared machine, not part of the throughput).",
        "",
        *table(["tool", "status", "fit seconds", "error"], fit_rows),
        "Timing caveat: the machine has 2 cores shared with other work; `conditional.json` holds each "
        "case's 1-minute load average before and after.",
        "",
    ]
    (HERE / "CONDITIONAL.md").write_text("\n".join(lines))
    payload = {"environment": env, "dataset": DATASET, "train_rows": len(train), "rows": args.rows,
               "ctgan_epochs": epochs, "case_limit_seconds": CASE_LIMIT, "repeats": REPEATS,
               "repeat_budget_seconds": REPEAT_BUDGET,
               "cases": {c: condition_text(c) for c in CASES}, "results": results}
    (HERE / "conditional.json").write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {HERE / 'CONDITIONAL.md'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", help=f"comma-separated (default: {','.join(TOOLS)})")
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--rows", type=int, default=N_ROWS)
    parser.add_argument("--ctgan-epochs", type=int, default=CTGAN_EPOCHS)
    parser.add_argument("--fresh", action="store_true", help="refit and resample even if cached")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from the cache")
    # internal: one job in this process
    parser.add_argument("--fit", metavar="TOOL", help=argparse.SUPPRESS)
    parser.add_argument("--sample", nargs=2, metavar=("TOOL", "CASE"), help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out-json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.fit or args.sample:
        try:
            if args.fit:
                record = fit_job(args.fit, args.model, args.ctgan_epochs)
            else:
                record = sample_job(*args.sample, args.model, args.rows)
        except Exception:  # noqa: BLE001
            record = {"status": "failed", "error": traceback.format_exc(limit=4)[-2000:]}
        args.out_json.write_text(json.dumps(record, indent=1))
        return

    tools = args.tools.split(",") if args.tools else TOOLS
    cases = args.cases.split(",") if args.cases else list(CASES)
    root = HERE / ".cache" / "conditional"
    train = train_table()
    results = []
    for tool in TOOLS + [t for t in tools if t not in TOOLS]:
        tdir = root / _slug(tool)
        model = tdir / "model.pkl"
        fit_json = tdir / "fit.json"
        if tool in tools and not args.report_only:
            prior = json.loads(fit_json.read_text()) if fit_json.exists() else {}
            stale = prior.get("ctgan_epochs") != args.ctgan_epochs and tool == "sdv_ctgan"
            if args.fresh or prior.get("status") != "ok" or stale or not model.exists():
                print(f"[fit] {tool} ...", flush=True)
                run_child(["--fit", tool, "--model", str(model), "--ctgan-epochs", str(args.ctgan_epochs)],
                          fit_json, FIT_LIMIT)
                for old in tdir.glob("case_*.json"):
                    old.unlink()
        if fit_json.exists():
            results.append({"tool": tool, "case": "fit", **json.loads(fit_json.read_text())})
        fitted = fit_json.exists() and json.loads(fit_json.read_text()).get("status") == "ok"
        for case in CASES:
            out = tdir / f"case_{_slug(case)}.json"
            if tool in tools and case in cases and fitted and not args.report_only and (args.fresh or not out.exists()):
                print(f"[sample] {tool} / {case} ...", flush=True)
                run_child(["--sample", tool, case, "--model", str(model), "--rows", str(args.rows)], out,
                          CASE_LIMIT + LOAD_MARGIN)
            if out.exists():
                rec = {"tool": tool, "case": case, **json.loads(out.read_text())}
                results.append(rec)
                print(f"[done] {tool} / {case}: {rec.get('status')} {rec.get('rows_returned', 0)} rows "
                      f"in {rec.get('seconds', 0):.2f} s", flush=True)
    shown = [t for t in TOOLS + tools if any(r["tool"] == t for r in results)]
    report(results, list(dict.fromkeys(shown)), train, args)


if __name__ == "__main__":
    main()
