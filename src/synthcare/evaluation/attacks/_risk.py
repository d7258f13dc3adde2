"""Success rates and privacy risks of attacks, as defined by anonymeter.

An attack is a series of Bernoulli trials. Its success rate is estimated with the Wilson score
interval (Wilson 1927): the point estimate is the centre of the interval,
``(k + z^2/2) / (n + z^2)``, and the half-width ``z / (n + z^2) * sqrt(k (n - k) / n + z^2 / 4)``.

The risk of an attack that is also run against a *control* set (real rows not used to train
the generator) is the excess success on the training rows, normalised by what was left to gain:
``risk = (main - control) / (1 - control)``, with its error propagated to first order; risks and
their intervals are clipped to ``[0, 1]``. This follows ``anonymeter.stats.confidence``
(Giomi et al. 2023, "A Unified Framework for Quantifying Privacy Risk in Synthetic Data",
PoPETs), re-implemented here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from synthcare.errors import ParameterError


@dataclass(frozen=True)
class Proportion:
    """A share of trials with its confidence interval.

    Attributes
    ----------
    value : float
        Observed share (successes / trials).
    ci : tuple of float
        Wilson score interval at ``confidence``.
    n : int
        Number of trials.
    confidence : float
        Confidence level of ``ci``.
    """

    value: float
    ci: tuple[float, float]
    n: int
    confidence: float


@dataclass(frozen=True)
class SuccessRate:
    """Wilson estimate of an attack's success rate: centre ``value`` +- ``error``."""

    value: float
    error: float
    n_success: float
    n_attacks: int


@dataclass(frozen=True)
class AttackRisk:
    """Outcome of an attack run against train rows, with a random-guess baseline and a control.

    Attributes
    ----------
    risk : float
        ``(main - control) / (1 - control)`` clipped to [0, 1]; 0 means the synthetic data help
        the attacker no more on the train rows than on rows it never saw.
    risk_ci : tuple of float
        Confidence interval of ``risk`` (clipped to [0, 1]).
    main, baseline, control : SuccessRate
        Success of the attack on train rows, of the random-guess attack, and of the same attack
        on control (holdout) rows.
    n_attacks : int
        Number of attacks (targets or queries) of the main attack.
    confidence : float
        Confidence level of the intervals.
    baseline_warning : bool
        True when the main attack does no better than random guessing (results not trustworthy).
    """

    risk: float
    risk_ci: tuple[float, float]
    main: SuccessRate
    baseline: SuccessRate
    control: SuccessRate
    n_attacks: int
    confidence: float
    baseline_warning: bool


def check_confidence(confidence: object) -> float:
    """A confidence level strictly between 0 and 1."""
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 < confidence < 1:
        raise ParameterError(
            "The 'confidence' parameter must be a number strictly between 0 and 1. "
            f"Got {confidence!r} instead."
        )
    return float(confidence)


def _z(confidence: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 * (1.0 + confidence)))


def success_rate(n_success: float, n_attacks: int, confidence: float = 0.95) -> SuccessRate:
    """Wilson score estimate (centre and half-width) of a success rate."""
    if n_attacks <= 0:
        raise ParameterError(f"Cannot estimate a success rate from {n_attacks} attacks; need at least 1.")
    z = _z(confidence)
    z2 = z * z
    denominator = n_attacks + z2
    centre = (n_success + 0.5 * z2) / denominator
    variance = max(n_success * (n_attacks - n_success) / n_attacks, 0.0)
    error = z / denominator * math.sqrt(variance + 0.25 * z2)
    return SuccessRate(value=centre, error=error, n_success=n_success, n_attacks=n_attacks)


def proportion(n_success: float, n_total: int, confidence: float = 0.95) -> Proportion:
    """Observed share with its Wilson score interval (NaN share for zero trials)."""
    if n_total <= 0:
        return Proportion(value=float("nan"), ci=(float("nan"), float("nan")), n=0, confidence=confidence)
    rate = success_rate(n_success, n_total, confidence)
    low, high = max(rate.value - rate.error, 0.0), min(rate.value + rate.error, 1.0)
    return Proportion(value=n_success / n_total, ci=(low, high), n=int(n_total), confidence=confidence)


def _clip(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def attack_risk(
    main: SuccessRate, baseline: SuccessRate, control: SuccessRate, confidence: float
) -> AttackRisk:
    """Risk = excess of main over control success, normalised; error propagated to first order."""
    if control.value >= 1.0:
        risk, error = 0.0, 1.0
    else:
        risk = (main.value - control.value) / (1.0 - control.value)
        d_main = 1.0 / abs(1.0 - control.value)
        d_control = (main.value - 1.0) / (1.0 - control.value) ** 2
        error = math.sqrt((main.error * d_main) ** 2 + (control.error * d_control) ** 2)
    return AttackRisk(
        risk=_clip(risk),
        risk_ci=(_clip(risk - error), _clip(risk + error)),
        main=main,
        baseline=baseline,
        control=control,
        n_attacks=main.n_attacks,
        confidence=confidence,
        baseline_warning=baseline.value >= main.value,
    )
