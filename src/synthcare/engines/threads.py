"""Growing trees on several cores at once.

scikit-learn grows a tree without holding Python's global lock, so threads share the table
(no copies, no processes to start) and each core grows its own tree. Everything random is
drawn before the work is handed out, so results never depend on how many threads ran.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from synthcare.errors import ParameterError

T = TypeVar("T")
R = TypeVar("R")


def check_jobs(n_jobs: Any, owner: str) -> None:
    """Raise ParameterError unless ``n_jobs`` is None, -1 or a positive int."""
    ok = n_jobs is None or (isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool)
                            and (n_jobs >= 1 or n_jobs == -1))
    if not ok:
        raise ParameterError(
            f"The 'n_jobs' parameter of {owner} must be None, -1 (every core) or a positive int. "
            f"Got {n_jobs!r} instead."
        )


def workers(n_jobs: int | None) -> int:
    """Threads to use for ``n_jobs`` (None: 1; -1: every core this process may use)."""
    if n_jobs is None:
        return 1
    if n_jobs == -1:
        from joblib import effective_n_jobs  # a scikit-learn dependency; counts cgroup limits

        return max(1, int(effective_n_jobs(-1)))
    return int(n_jobs)


def map_in_order(func: Callable[[T], R], items: Sequence[T], n_jobs: int | None) -> list[R]:
    """``[func(item) for item in items]``, run on up to ``n_jobs`` threads."""
    count = min(workers(n_jobs), len(items))
    if count <= 1:
        return [func(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(func, items))
