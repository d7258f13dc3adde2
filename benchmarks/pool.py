"""Running a side script's jobs in parallel processes, with a progress line per finished job."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable


def run(job: Callable, tasks: list, processes: int, describe: Callable[[dict], str]) -> list[dict]:
    """``job`` over ``tasks`` in ``processes`` worker processes, in whatever order they finish:
    prints ``[i/n] describe(record)`` as each one does, and returns the records."""
    records = []
    with multiprocessing.Pool(processes) as pool:
        for i, record in enumerate(pool.imap_unordered(job, tasks), 1):
            records.append(record)
            print(f"[{i}/{len(tasks)}] {describe(record)}", flush=True)
    return records


def scores_line(scores: dict) -> str:
    """The three bar metrics of one scored table, for a progress line."""
    return f"detection {scores['detection_auc']:.3f} TSTR {scores['tstr']:.3f} DCR {scores['dcr_share']:.3f}"
