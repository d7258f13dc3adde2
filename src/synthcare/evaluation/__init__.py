"""Evaluation of synthetic tables: validity, utility, privacy and fairness, with a verdict.

>>> from synthcare.evaluation import evaluate
>>> report = evaluate(train, synthetic, holdout=holdout, target="death")  # doctest: +SKIP
>>> report.verdict, report.write("REPORT.html")  # doctest: +SKIP
"""

from synthcare.evaluation.evaluate import evaluate
from synthcare.evaluation.policy import Policy, Threshold
from synthcare.evaluation.results import Check, EvaluationReport, Pillar

__all__ = ["Check", "EvaluationReport", "Pillar", "Policy", "Threshold", "evaluate"]
