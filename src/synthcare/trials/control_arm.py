"""Synthetic control arm: an external control cohort, sampled from a model, matched to a treated arm.

Given a treated arm (real trial patients), optional inclusion criteria and a model trained on
real-world or historical control patients, :func:`build_control_arm`

1. samples a synthetic pool from the model (``pool_factor`` times the controls needed; every row
   satisfies the criteria, which go to ``model.sample(..., conditions=criteria)``),
2. estimates propensity scores and matches ``ratio`` synthetic controls to each treated patient on
   the logit of the propensity, within a caliper (see :mod:`synthcare.trials.balance`),
3. enlarges the pool (doubling, at most ``max_rounds`` times and ``max_pool`` rows) while a treated
   patient lacks a control or a standardised mean difference is at or above ``smd_target``, and
   records every enlargement in the result's notes,
4. compares outcomes: a Cox model of the treatment indicator (hazard ratio and 95% CI), Kaplan-Meier
   curves of both arms and the log-rank test.

Default covariates: the columns the model synthesises that the treated table also has, leaving out
the time and event columns, identifiers, dates and text, outcome-like columns (schema role
``time``/``event``/``target``, or a name with a word such as ``status``, ``event``, ``death``,
``time``, ``recur``, ``censor``, ``outcome``, ``etype``), and columns constant in the treated arm
(an arm label such as ``rx``: nothing to balance). Pass ``covariates`` to choose them yourself.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from synthcare._random import check_random_state, child_seed
from synthcare.engines.base import BaseSynthesizer
from synthcare.errors import DataError, NotFittedError, ParameterError, SynthcareWarning, collect
from synthcare.evaluation.tables import event_indicator
from synthcare.trials import balance

OUTCOME_WORDS = frozenset({
    "time", "futime", "dtime", "rtime", "ptime", "stime", "status", "pstat", "event", "events", "etype",
    "death", "dead", "died", "mortality", "survival", "surv", "censor", "censored", "censoring",
    "recur", "recurrence", "relapse", "outcome", "endpoint",
})
OUTCOME_ROLES = frozenset({"time", "event", "target"})
SMD_TARGET = 0.1
METHODS = ("mahalanobis", "propensity")
TREATED, CONTROL = "treated", "synthetic control"


def outcome_like(name: str, roles: list[str] | tuple[str, ...] = ()) -> bool:
    """Whether a column looks like an outcome (role, or a word of its name in :data:`OUTCOME_WORDS`)."""
    words = set(re.split(r"[^a-z0-9]+", name.lower())) | set(re.findall(r"[a-z]+", name.lower()))
    return bool(set(roles) & OUTCOME_ROLES) or bool(words & OUTCOME_WORDS) or name.lower().endswith("time")


@dataclass(frozen=True)
class HazardRatio:
    """Cox proportional-hazards estimate of treated vs controls."""

    hazard_ratio: float
    ci_low: float
    ci_high: float
    p: float
    n_treated: int
    n_controls: int
    events_treated: int
    events_controls: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def hazard_ratio(treated: pd.DataFrame, controls: pd.DataFrame, *, time: str, event: str,
                 control_weights: np.ndarray | None = None) -> HazardRatio:
    """Hazard ratio of treated (1) vs controls (0) from a Cox model of the treatment indicator alone.

    With ``control_weights`` (variable-ratio matching) the fit is weighted with a robust variance.
    """
    from lifelines import CoxPHFitter

    t = _outcomes(treated, time, event, "treated")
    c = _outcomes(controls, time, event, "control")
    w = np.ones(len(c[0])) if control_weights is None else np.asarray(control_weights, float)
    frame = pd.DataFrame({
        "T": np.r_[t[0], c[0]], "E": np.r_[t[1], c[1]], "arm": np.r_[np.ones(len(t[0])), np.zeros(len(c[0]))],
        "w": np.r_[np.ones(len(t[0])), w],
    })
    if frame["E"].sum() < 2:
        raise DataError(f"Too few events ({int(frame['E'].sum())}) in '{event}' to estimate a hazard ratio.")
    weighted = not np.allclose(frame["w"], 1.0)
    cox = CoxPHFitter().fit(frame if weighted else frame.drop(columns="w"), "T", "E",
                            weights_col="w" if weighted else None, robust=weighted)
    row = cox.summary.loc["arm"]
    return HazardRatio(
        hazard_ratio=float(row["exp(coef)"]), ci_low=float(row["exp(coef) lower 95%"]),
        ci_high=float(row["exp(coef) upper 95%"]), p=float(row["p"]), n_treated=len(t[0]),
        n_controls=len(c[0]), events_treated=int(t[1].sum()), events_controls=int(c[1].sum()),
    )


def _outcomes(frame: pd.DataFrame, time: str, event: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    problems = [f"the {what} table has no column '{c}'" for c in (time, event) if c not in frame.columns]
    collect(problems, DataError, "Cannot compare outcomes:")
    t = pd.to_numeric(frame[time], errors="coerce").to_numpy(float)
    e = event_indicator(frame[event], event).to_numpy(float)
    bad = np.isnan(t) | np.isnan(e) | (t < 0)
    if bad.any():
        raise DataError(f"{int(bad.sum())} row(s) of the {what} table have a missing or negative '{time}' "
                        f"or a missing '{event}'. Remove them or fill them in.")
    return t, e


@dataclass
class ControlArmResult:
    """The matched synthetic control cohort, its balance and the outcome comparison."""

    controls: pd.DataFrame  # matched synthetic controls; 'treated_row' links each to a treated row
    treated: pd.DataFrame  # the treated rows analysed (those with at least one control)
    time: str
    event: str
    covariates: list[str]
    smd_before: dict[str, float]
    smd_after: dict[str, float]
    terms: pd.DataFrame  # per term: smd_before, smd_after
    hazard: HazardRatio
    logrank_p: float
    km: dict[str, tuple[np.ndarray, np.ndarray]]
    propensity: dict[str, np.ndarray]  # logits: treated, pool, matched
    n_treated_input: int
    pool_size: int
    ratio: int
    caliper: float
    method: str
    criteria: str | None
    seed: int | None
    model_fingerprint: dict[str, Any]
    model_rows: int
    engine: str
    notes: list[str] = field(default_factory=list)
    reference: HazardRatio | None = None
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def max_smd_after(self) -> float:
        return max((abs(v) for v in self.smd_after.values()), default=0.0)

    @property
    def max_smd_before(self) -> float:
        return max((abs(v) for v in self.smd_before.values()), default=0.0)

    def summary(self) -> dict[str, Any]:
        h = self.hazard
        out: dict[str, Any] = {
            "hazard_ratio": h.hazard_ratio, "ci_low": h.ci_low, "ci_high": h.ci_high, "p": h.p,
            "logrank_p": self.logrank_p,
            "smd_after": self.max_smd_after, "smd_before": self.max_smd_before, "smd_target": SMD_TARGET,
            "balanced": self.max_smd_after < SMD_TARGET,
            "n_treated": len(self.treated), "n_treated_input": self.n_treated_input,
            "n_controls": len(self.controls), "events_treated": h.events_treated,
            "events_controls": h.events_controls, "ratio": self.ratio, "method": self.method,
            "caliper_logit_sd": self.caliper,
            "pool_size": self.pool_size, "time": self.time, "event": self.event,
            "covariates": self.covariates,
            "smd": {c: {"before": self.smd_before[c], "after": self.smd_after[c]} for c in self.covariates},
            "smd_terms": {str(k): {"before": float(r.smd_before), "after": float(r.smd_after)}
                          for k, r in self.terms.iterrows()},
            "criteria": self.criteria, "seed": self.seed, "engine": self.engine,
            "model_rows": self.model_rows, "model_fingerprint": self.model_fingerprint,
            "notes": self.notes, "created": self.created,
        }
        if self.reference is not None:
            r = self.reference
            out["reference"] = r.to_dict()
            out["ci_overlap"] = bool(r.ci_low <= h.ci_high and h.ci_low <= r.ci_high)
        return _finite(out)


def _finite(value: Any) -> Any:
    """JSON-safe: infinite or NaN floats become None."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


# ----------------------------------------------------------------------------- checks
def _check_params(**params: Any) -> None:
    for name, value in params.items():
        kind = float if name == "caliper" else int
        allowed = (int, float) if kind is float else (int, np.integer)
        if isinstance(value, bool) or not isinstance(value, allowed) or not value > 0:
            raise ParameterError(f"The '{name}' parameter of build_control_arm must be a positive "
                                 f"{kind.__name__}. Got {value!r} instead.")


def select_covariates(model: BaseSynthesizer, treated: pd.DataFrame, *, time: str, event: str,
                      covariates: list[str] | None = None) -> tuple[list[str], list[str], list[str]]:
    """The covariates to balance, split into (all, numeric, categorical); see the module docstring."""
    schema = model.schema_
    synthesised = {c.name: c for c in schema.columns if c.action == "synthesize"}
    problems = []
    for col, what in ((time, "time"), (event, "event")):
        if col not in treated.columns:
            problems.append(f"the treated table has no {what} column '{col}' (its columns: {list(treated.columns)})")
        if col not in synthesised:
            problems.append(f"the model does not synthesise the {what} column '{col}', so synthetic controls "
                            "would have no outcome; fit the model on a table with it")
    if covariates is None:
        chosen = []
        for name, spec in synthesised.items():
            if name in (time, event) or name not in treated.columns:
                continue
            if spec.kind in ("datetime", "text") or outcome_like(name, spec.roles):
                continue
            if balance.as_text(treated[name]).nunique(dropna=False) <= 1:
                continue  # constant in the treated arm (an arm label): nothing to balance
            chosen.append(name)
        if not chosen and not problems:
            problems.append("no baseline covariate is shared by the model and the treated table; "
                            f"model columns: {list(synthesised)}, treated columns: {list(treated.columns)}")
    else:
        chosen = list(dict.fromkeys(covariates))
        for name in chosen:
            if name in (time, event):
                problems.append(f"'{name}' is the time or event column; it cannot be a covariate")
            elif name not in treated.columns:
                problems.append(f"the treated table has no covariate column '{name}' "
                                f"(its columns: {list(treated.columns)})")
            elif name not in synthesised:
                problems.append(f"the model does not synthesise the covariate '{name}' "
                                f"(it synthesises {list(synthesised)})")
            elif synthesised[name].kind == "datetime":
                problems.append(f"'{name}' is a date; give a numeric covariate derived from it instead")
    collect(problems, DataError, "Cannot build a control arm:")
    numeric, categorical = [], []
    for name in chosen:
        spec = synthesised[name]
        if spec.kind in ("categorical", "boolean", "text"):
            categorical.append(name)
        else:
            numeric.append(name)
    bad = [f"'{c}' holds non-numeric values in the treated table, e.g. {v!r}"
           for c in numeric for v in _non_numeric(treated[c])[:1]]
    collect(bad, DataError, "The treated table does not match the model's column types:")
    return chosen, numeric, categorical


PATIENT_KEYS = ("id", "pid", "patient_id", "subject_id")


def _check_one_row_per_patient(frame: pd.DataFrame, model: BaseSynthesizer) -> None:
    """A treated table with a repeated patient identifier (several rows per patient) is refused."""
    keys = [c for c in frame.columns if c.lower() in PATIENT_KEYS]
    keys += [c.name for c in model.schema_.columns if "id" in c.roles and c.name in frame.columns]
    for key in dict.fromkeys(keys):
        repeated = frame[key][frame[key].duplicated() & frame[key].notna()]
        if len(repeated):
            raise DataError(
                f"The treated table has {len(repeated)} repeated value(s) of the patient identifier '{key}' "
                f"(e.g. {repeated.iloc[0]!r}): give one row per patient (for a table with one row per event "
                "type, keep the rows of the endpoint you compare).")


def _non_numeric(series: pd.Series) -> list[Any]:
    coerced = pd.to_numeric(series, errors="coerce")
    return series[coerced.isna() & series.notna()].tolist()


# ----------------------------------------------------------------------------- the pipeline
def build_control_arm(
    model: BaseSynthesizer,
    treated: Any,
    *,
    time: str,
    event: str,
    covariates: list[str] | None = None,
    criteria: str | None = None,
    ratio: int = 1,
    caliper: float = 0.2,
    method: str = "mahalanobis",
    pool_factor: int = 5,
    max_rounds: int = 4,
    max_pool: int = 200_000,
    reference: Any = None,
    random_state: Any = None,
) -> ControlArmResult:
    """Match ``ratio`` synthetic controls from ``model`` to each row of ``treated``; compare outcomes.

    ``treated``: DataFrame or CSV/Parquet path of the treated arm, one row per patient, with the
    covariates, ``time`` and ``event`` (0/1, 1/2 or true/false). ``criteria``: inclusion criteria as a
    condition string (see :mod:`synthcare.sampling.conditions`); every synthetic control meets them.
    ``caliper`` is in standard deviations of the logit of the propensity; ``method`` picks the control
    within it: ``"mahalanobis"`` (nearest in covariates and logit) or ``"propensity"`` (nearest logit).
    ``reference``: an optional real control arm (same columns) whose hazard ratio, against the same
    treated patients, is reported beside the synthetic one.
    """
    from synthcare.data.io import read_table

    if not hasattr(model, "schema_"):
        raise NotFittedError("The model is not fitted; fit it or load one with synthcare.load_model.")
    if method not in METHODS:
        raise ParameterError(f"The 'method' parameter of build_control_arm must be one of {list(METHODS)}. "
                             f"Got {method!r} instead.")
    _check_params(ratio=ratio, caliper=caliper, pool_factor=pool_factor, max_rounds=max_rounds, max_pool=max_pool)
    rng = check_random_state(random_state)
    seed = random_state if isinstance(random_state, int) else None
    frame = read_table(treated).reset_index(drop=True)
    _check_one_row_per_patient(frame, model)
    chosen, numeric, categorical = select_covariates(model, frame, time=time, event=event, covariates=covariates)
    _outcomes(frame, time, event, "treated")  # fail early on missing outcomes
    notes: list[str] = []
    if criteria is not None:
        from synthcare.sampling.conditional import checked_view, compile_condition
        from synthcare.sampling.conditions import mask

        node, specs, *_ = compile_condition(model, criteria)  # a criterion the model cannot honour fails here
        outside = 0
        if set(specs) <= set(frame.columns):
            try:
                outside = int((~mask(node, checked_view(frame, specs))).sum())
            except (TypeError, ValueError) as exc:  # treated values of another type than the model's
                notes.append(f"The treated patients could not be checked against the criteria: {exc}")
        if outside:
            msg = (f"{outside} of {len(frame)} treated patients do not meet the criteria '{criteria}'; "
                   "they were kept (the criteria only restrict the synthetic pool).")
            notes.append(msg)
            warnings.warn(msg, SynthcareWarning, stacklevel=2)

    needed = len(frame) * ratio
    pool = _sample(model, max(pool_factor * needed, 50), criteria, rng)
    rounds = 1
    while True:
        design = balance.Design.fit(pd.concat([frame[chosen], pool[chosen]], ignore_index=True), numeric,
                                    categorical)
        x_t, term_names, owners = design.terms(frame)
        x_p, _, _ = design.terms(pool)
        lt, lp = balance.propensity_logit(x_t, x_p, child_seed(rng))
        width = caliper * float(np.std(np.r_[lt, lp]))
        if method == "mahalanobis":
            z_t, z_p = balance.whitened(np.column_stack([x_t, lt]), np.column_stack([x_p, lp]))
            matches = balance.match(lt, lp, ratio=ratio, caliper=width, treated_terms=z_t, pool_terms=z_p)
        else:
            matches = balance.match(lt, lp, ratio=ratio, caliper=width)
        got = np.array([len(m) for m in matches])
        rows = [j for m in matches for j in m]
        keep_t = got > 0
        weights = np.concatenate([np.full(len(m), ratio / len(m)) for m in matches if m]) if rows else np.zeros(0)
        sd = balance.pooled_sd(x_t, x_p)
        after_terms = balance.smd(x_t[keep_t], x_p[rows], sd, weights / ratio) if rows else np.full(len(sd), np.inf)
        max_after = float(np.max(np.abs(after_terms))) if len(after_terms) else 0.0
        short = int((got < ratio).sum())
        if (short == 0 and max_after < SMD_TARGET) or rounds >= max_rounds or len(pool) >= max_pool:
            break
        grow = min(len(pool), max_pool - len(pool))
        why = (f"{short} treated patient(s) had fewer than {ratio} control(s) within the caliper" if short
               else f"the largest SMD after matching was {max_after:.3f} (target < {SMD_TARGET})")
        notes.append(f"Round {rounds}: {why} with a pool of {len(pool):,}; the pool was enlarged to "
                     f"{len(pool) + grow:,} synthetic rows.")
        pool = pd.concat([pool, _sample(model, grow, criteria, rng)], ignore_index=True)
        rounds += 1

    if not rows:
        raise DataError("No synthetic control could be matched to any treated patient within the caliper. "
                        "Widen --caliper or check that the model describes a comparable population.")
    if short:
        unmatched = int((got == 0).sum())
        msg = (f"After {rounds} round(s) and a pool of {len(pool):,} rows, {short} of {len(frame)} treated "
               f"patients have fewer than {ratio} synthetic control(s) within the caliper "
               f"({caliper} SD of the logit); {unmatched} have none and are left out of the comparison"
               + ("; those with some are kept, their controls weighted up" if ratio > 1 else "")
               + ". Widen --caliper, relax the criteria or use a model of a more similar population.")
        notes.append(msg)
        warnings.warn(msg, SynthcareWarning, stacklevel=2)
    if max_after >= SMD_TARGET:
        worst = term_names[int(np.argmax(np.abs(after_terms)))]
        msg = (f"Balance target not met: the largest standardised mean difference after matching is "
               f"{max_after:.3f} ('{worst}'), target < {SMD_TARGET}.")
        notes.append(msg)
        warnings.warn(msg, SynthcareWarning, stacklevel=2)
    if len(rows) > model.n_rows_ > 0:
        msg = (f"There are more synthetic controls ({len(rows):,}) than real patients the model learnt from "
               f"({model.n_rows_:,}): the confidence interval treats synthetic controls as patients and is too "
               "narrow; prefer a smaller --ratio.")
        notes.append(msg)
        warnings.warn(msg, SynthcareWarning, stacklevel=2)

    before_terms = balance.smd(x_t, x_p, sd)
    treated_rows = np.flatnonzero(keep_t)
    controls = pool.iloc[rows].reset_index(drop=True)
    controls.insert(0, "treated_row", [i for i, m in enumerate(matches) for _ in m])
    controls["propensity_logit"] = lp[rows]
    control_weights = weights if not np.allclose(weights, 1.0) else None
    if control_weights is not None:
        controls["weight"] = weights
    analysed = frame.iloc[treated_rows].reset_index(drop=True)
    hr = hazard_ratio(analysed, controls, time=time, event=event, control_weights=control_weights)
    ref = None
    if reference is not None:
        ref = hazard_ratio(analysed, read_table(reference), time=time, event=event)
    logrank_p, km = _km(analysed, controls, time, event, control_weights)
    terms = pd.DataFrame({"smd_before": before_terms, "smd_after": after_terms}, index=term_names)
    return ControlArmResult(
        controls=controls, treated=analysed, time=time, event=event, covariates=chosen,
        smd_before=balance.by_covariate(before_terms, owners), smd_after=balance.by_covariate(after_terms, owners),
        terms=terms, hazard=hr, logrank_p=logrank_p, km=km,
        propensity={"treated": lt, "pool": lp, "matched": lp[rows]}, n_treated_input=len(frame),
        pool_size=len(pool), ratio=ratio, caliper=caliper, method=method, criteria=criteria, seed=seed,
        model_fingerprint=dict(model.fingerprint_), model_rows=int(model.n_rows_), engine=model.engine_name,
        notes=notes, reference=ref,
    )


def _sample(model: BaseSynthesizer, n: int, criteria: str | None, rng: np.random.Generator) -> pd.DataFrame:
    return model.sample(int(n), conditions=criteria, random_state=rng).reset_index(drop=True)


def _km(treated: pd.DataFrame, controls: pd.DataFrame, time: str, event: str,
        weights: np.ndarray | None) -> tuple[float, dict[str, tuple[np.ndarray, np.ndarray]]]:
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test

    t_t, e_t = _outcomes(treated, time, event, "treated")
    t_c, e_c = _outcomes(controls, time, event, "control")
    w = np.ones(len(t_c)) if weights is None else weights
    curves = {}
    for name, t, e, wt in ((TREATED, t_t, e_t, np.ones(len(t_t))), (CONTROL, t_c, e_c, w)):
        km = KaplanMeierFitter().fit(t, e, weights=wt)
        sf = km.survival_function_
        curves[name] = (sf.index.to_numpy(float), sf.iloc[:, 0].to_numpy(float))
    test = logrank_test(t_t, t_c, e_t, e_c, weights_A=np.ones(len(t_t)), weights_B=w)
    return float(test.p_value), curves
