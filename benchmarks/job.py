"""One fit+sample job, run in its own process so its time and memory are its own.

    python job.py GENERATOR TRAIN_PICKLE OUT_DIR [--quick]

Writes OUT_DIR/synthetic.csv and OUT_DIR/job.json; `run_job` runs it with a timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pandas as pd

JOB_FILE = "job.json"
SYNTHETIC_FILE = "synthetic.csv"


def _peak_mb() -> float:
    """Peak resident memory of this process and any children it waited for (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _write(out_dir: Path, record: dict) -> None:
    (out_dir / JOB_FILE).write_text(json.dumps(record, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("generator")
    parser.add_argument("train", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()

    from generators import fit_sample_function

    train = pd.read_pickle(args.train)
    fit_sample = fit_sample_function(args.generator)
    baseline_mb = _peak_mb()
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    try:
        synthetic = fit_sample(train, len(train), args.quick)
    except Exception:  # noqa: BLE001 - any generator failure is a result to record
        _write(args.out_dir, {"status": "failed", "error": traceback.format_exc(limit=3)[-2000:]})
        sys.exit(1)
    seconds = time.perf_counter() - start
    peak_mb = _peak_mb()
    synthetic.to_csv(args.out_dir / SYNTHETIC_FILE, index=False)
    _write(
        args.out_dir,
        {
            "status": "ok",
            "seconds": seconds,
            "peak_mb": peak_mb,
            "baseline_mb": baseline_mb,
            "n_rows": len(synthetic),
            "quick": args.quick,
            # 1-minute load average before/after: above the core count means the timing shared the CPU.
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
        },
    )


def run_job(generator: str, train_pickle: Path, out_dir: Path, timeout: float, quick: bool) -> dict:
    """Run one job in a child process group; record a timeout or a crash as such."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / JOB_FILE).unlink(missing_ok=True)
    (out_dir / SYNTHETIC_FILE).unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), generator, str(train_pickle), str(out_dir)]
    if quick:
        cmd.append("--quick")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent))
    with open(out_dir / "job.log", "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            _write(out_dir, {"status": "timeout", "error": f"exceeded {timeout:.0f} s", "seconds": timeout})
    if not (out_dir / JOB_FILE).exists():
        tail = (out_dir / "job.log").read_text()[-1500:]
        _write(out_dir, {"status": "failed", "error": f"exit code {proc.returncode}: {tail}"})
    return json.loads((out_dir / JOB_FILE).read_text())


if __name__ == "__main__":
    main()
