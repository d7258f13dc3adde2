"""Evaluation results: checks, pillars and the report, with their verdicts.

A :class:`Check` is one measured value beside what fresh real data gets (the holdout reference),
a random baseline where one exists, a confidence interval, the policy threshold and a verdict.
A :class:`Pillar` (validity, utility, privacy, fairness) holds checks, tables and figures; its
verdict is the worst of its checks. The report's verdict is the worst of its pillars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Verdict = Literal["pass", "warn", "fail", "n/a"]
ORDER = {"n/a": -1, "pass": 0, "warn": 1, "fail": 2}
PILLARS = ("validity", "utility", "privacy", "fairness")


def worst(verdicts: list[str]) -> Verdict:
    """The most severe verdict; ``n/a`` when nothing was judged."""
    judged = [v for v in verdicts if v != "n/a"]
    return max(judged, key=ORDER.__getitem__) if judged else "n/a"  # type: ignore[return-value]


def _clean(value: Any) -> Any:
    """JSON-safe value: NaN and infinities become None, numpy scalars become Python ones."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class Check:
    """One judged measurement."""

    name: str
    title: str
    value: float | None
    verdict: Verdict
    threshold: dict[str, Any] | None = None
    reference: float | None = None
    baseline: float | None = None
    ci: tuple[float, float] | None = None
    unit: str = ""
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _clean({
            "name": self.name,
            "title": self.title,
            "value": self.value,
            "reference": self.reference,
            "baseline": self.baseline,
            "ci_low": None if self.ci is None else self.ci[0],
            "ci_high": None if self.ci is None else self.ci[1],
            "threshold": self.threshold,
            "verdict": self.verdict,
            "unit": self.unit,
            "note": self.note,
            "details": self.details,
        })


@dataclass
class Table:
    """A table of evidence shown in the report and stored in the JSON."""

    title: str
    columns: list[str]
    rows: list[list[Any]]

    def to_dict(self) -> dict[str, Any]:
        return _clean({"title": self.title, "columns": self.columns, "rows": self.rows})


@dataclass
class Figure:
    """A rendered figure: a PNG (base64) with a caption; kept out of the JSON."""

    id: str
    caption: str
    png_base64: str


@dataclass
class Pillar:
    """Validity, utility, privacy or fairness: its checks and evidence."""

    name: str
    checks: list[Check] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        return worst([c.verdict for c in self.checks])

    def check(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"pillar '{self.name}' has no check '{name}'")

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "checks": {c.name: c.to_dict() for c in self.checks},
            "tables": [t.to_dict() for t in self.tables],
            "figures": [{"id": f.id, "caption": f.caption} for f in self.figures],
            "notes": list(self.notes),
        }


@dataclass
class EvaluationReport:
    """The whole evaluation: verdict, pillars and what was compared."""

    pillars: dict[str, Pillar]
    meta: dict[str, Any]

    @property
    def verdict(self) -> Verdict:
        return worst([p.verdict for p in self.pillars.values()])

    def headline(self) -> dict[str, Any]:
        """The few numbers a data card carries."""
        picks = {
            "validity": ["detection_auc", "column_shapes", "pair_trends"],
            "utility": ["utility_ratio", "c_index_ratio"],
            "privacy": ["dcr_share", "exact_copies", "mia_distance_auc"],
            "fairness": ["subgroup_shares", "fairness_amplification"],
        }
        out: dict[str, Any] = {}
        for pillar, names in picks.items():
            if pillar not in self.pillars:
                continue
            for check in self.pillars[pillar].checks:
                if check.name in names and check.value is not None:
                    out[f"{pillar}.{check.name}"] = check.value
        return _clean(out)

    def summary(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "pillars": {name: p.verdict for name, p in self.pillars.items()},
            "headline": self.headline(),
        }

    def write(self, path: str | Path) -> tuple[Path, Path]:
        """Write ``REPORT.html`` and ``REPORT.json`` (same name, beside it)."""
        from synthcare.evaluation.report import write_report

        return write_report(self, path)

    def to_dict(self) -> dict[str, Any]:
        return _clean({
            "verdict": self.verdict,
            "pillars": {name: p.to_dict() for name, p in self.pillars.items()},
            "summary": self.summary(),
            "meta": self.meta,
        })
