"""``evaluate``: validity, utility, privacy and fairness of a synthetic table, with a verdict."""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from synthcare._random import check_random_state, child_seed
from synthcare._version import __version__
from synthcare.data.io import TableLike
from synthcare.data.schema import Schema
from synthcare.errors import ParameterError
from synthcare.evaluation.policy import Policy, as_policy
from synthcare.evaluation.results import PILLARS, EvaluationReport

Progress = Callable[[int, int, str], None]


def _label(source: Any) -> str:
    return str(source) if isinstance(source, (str, Path)) else f"DataFrame {getattr(source, 'shape', '')}"


def evaluate(
    real: TableLike,
    synthetic: TableLike,
    *,
    holdout: TableLike | None = None,
    target: str | None = None,
    time: str | None = None,
    event: str | None = None,
    sensitive: list[str] | None = None,
    policy: Policy | dict | str | Path | None = None,
    schema: Schema | str | Path | None = None,
    pillars: tuple[str, ...] | list[str] = PILLARS,
    random_state: int | None = 0,
    progress: Progress | None = None,
) -> EvaluationReport:
    """Evaluate ``synthetic`` against the ``real`` rows it was made from.

    Parameters
    ----------
    real, synthetic, holdout : DataFrame or path
        The training table, the synthetic table and (strongly advised) real rows not used for
        training; every score is shown beside the value the holdout gets.
    target : str, optional
        Column to predict for train-synthetic/test-real utility and for the fairness audit.
    time, event : str, optional
        Survival columns (event 0/1, 1/2 or true/false) for C-index, Kaplan-Meier and Cox checks.
    sensitive : list of str, optional
        Attributes for the bias audit; suggested from column names when not given.
    policy : Policy, dict or YAML path, optional
        Thresholds of the verdict (default: :class:`Policy`).
    pillars : sequence of str
        Which of "validity", "utility", "privacy" and "fairness" to evaluate (default: all four).
    random_state : int, optional
        Seed of the subsampling, models and attacks: the same seed gives the same report.
    """
    from synthcare.evaluation.fairness import evaluate_fairness
    from synthcare.evaluation.privacy import evaluate_privacy
    from synthcare.evaluation.tables import prepare
    from synthcare.evaluation.utility import evaluate_utility
    from synthcare.evaluation.validity import evaluate_validity

    unknown = [p for p in pillars if p not in PILLARS]
    if unknown or not pillars:
        raise ParameterError(f"The 'pillars' parameter must list some of {list(PILLARS)}. Got {list(pillars)}.")
    rng = check_random_state(random_state)
    pol = as_policy(policy)
    if isinstance(schema, (str, Path)):
        schema = Schema.load(schema)
    started = _time.perf_counter()
    data = prepare(real, synthetic, holdout, schema=schema, target=target, time=time, event=event,
                   sensitive=sensitive)
    steps = [("validity", evaluate_validity), ("utility", evaluate_utility),
             ("privacy", evaluate_privacy), ("fairness", evaluate_fairness)]
    data.seed = child_seed(rng)
    seeds = {name: child_seed(rng) for name, _ in steps}  # a pillar's result does not depend on the others
    steps = [(name, step) for name, step in steps if name in pillars]
    results, seconds = {}, {}
    for k, (name, step) in enumerate(steps):
        if progress is not None:
            progress(k, len(steps), name)
        t0 = _time.perf_counter()
        results[name] = step(data, pol, check_random_state(seeds[name]))
        seconds[name] = round(_time.perf_counter() - t0, 2)
    if progress is not None:
        progress(len(steps), len(steps), "done")
    meta = {
        "synthcare_version": __version__,
        "inputs": {"real": _label(real), "synthetic": _label(synthetic),
                   "holdout": None if holdout is None else _label(holdout)},
        "data": data.describe(),
        "random_state": random_state,
        "seconds": {**seconds, "total": round(_time.perf_counter() - started, 2)},
        "policy": pol.model_dump(),
    }
    return EvaluationReport(pillars=results, meta=meta)
