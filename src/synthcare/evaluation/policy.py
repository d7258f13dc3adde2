"""The verdict policy: a threshold per check, with a documented default, loadable from YAML.

Each threshold says which direction is good, where a warning starts and where failure starts.
``relative: true`` judges the value minus what fresh real data (the holdout) gets, for checks
whose ideal depends on the data: exact copies (a table of few distinct rows has real repeats),
column shapes, relations kept, 3-way marginals and detection (on small tables sampling noise
alone moves them a lot, and the holdout shows how much).
Without a holdout a relative check uses ``reference_without_holdout`` instead.

The default policy (``Policy()``; ``synthcare evaluate --policy FILE`` overrides any part)::

    validity:
      detection_auc: {better: lower, warn: 0.15, fail: 0.30, relative: true}
      ...
    privacy:
      dcr_share: {better: lower, warn: 0.60, fail: 0.75}

``Policy().to_yaml()`` writes the whole default out for editing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from synthcare.errors import ParameterError, validation_problems
from synthcare.evaluation.results import Check

Better = Literal["higher", "lower"]


class Threshold(BaseModel):
    """Where a check starts to warn and to fail."""

    model_config = ConfigDict(extra="forbid")

    better: Better = Field(description="'higher' when larger values are better, else 'lower'")
    warn: float = Field(description="a value worse than this warns")
    fail: float = Field(description="a value worse than this fails")
    relative: bool = Field(
        default=False, description="judge the value minus the holdout's value (the reference)"
    )
    reference_without_holdout: float = Field(
        default=0.0, description="for relative checks: the reference assumed when no holdout is given"
    )
    interval: bool = Field(
        default=False,
        description="judge the end of the 95% interval nearest to passing: flag only what the data "
        "show beyond sampling noise (attack risks on small tables vary by 0.1-0.2 by chance)",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Threshold:
        if self.better == "higher" and self.fail > self.warn:
            raise ValueError(f"for 'higher' checks 'fail' ({self.fail}) must be <= 'warn' ({self.warn})")
        if self.better == "lower" and self.fail < self.warn:
            raise ValueError(f"for 'lower' checks 'fail' ({self.fail}) must be >= 'warn' ({self.warn})")
        return self

    def judge(self, value: float | None, reference: float | None = None,
              ci: tuple[float, float] | None = None) -> str:
        """``pass``, ``warn`` or ``fail`` for ``value``; ``n/a`` when there is no value."""
        if value is None or value != value:  # None or NaN
            return "n/a"
        if self.interval and ci is not None and all(v == v for v in ci):
            value = max(ci) if self.better == "higher" else min(ci)
        if self.relative:
            x = value - (self.reference_without_holdout if reference is None else reference)
        else:
            x = value
        if self.better == "higher":
            return "fail" if x < self.fail else "warn" if x < self.warn else "pass"
        return "fail" if x > self.fail else "warn" if x > self.warn else "pass"


def _t(better: Better, warn: float, fail: float, relative: bool = False, without: float = 0.0,
       interval: bool = False) -> Threshold:
    return Threshold(better=better, warn=warn, fail=fail, relative=relative, reference_without_holdout=without,
                     interval=interval)


DEFAULTS: dict[str, dict[str, Threshold]] = {
    "validity": {
        "column_coverage": _t("higher", 1.0, 1.0),
        "column_shapes": _t("higher", -0.075, -0.15, relative=True, without=0.95),
        "missing_rates": _t("lower", 0.10, 0.20),
        "pair_trends": _t("higher", 0.85, 0.75),
        "relations_kept": _t("higher", -0.25, -0.40, relative=True, without=0.95),
        "mutual_information": _t("higher", 0.90, 0.80),
        "three_way_marginals": _t("higher", -0.10, -0.20, relative=True, without=0.9),
        "detection_auc": _t("lower", 0.15, 0.30, relative=True, without=0.5),
    },
    "utility": {
        "utility_ratio": _t("higher", 0.90, 0.80),
        "importance_agreement": _t("higher", 0.50, 0.0),
        "c_index_ratio": _t("higher", 0.90, 0.80),
        "km_distance": _t("lower", 0.10, 0.20),
        "hazard_ratio_agreement": _t("higher", 0.75, 0.50),
    },
    "privacy": {
        "identifier_overlap": _t("lower", 0.02, 0.05, relative=True),
        "exact_copies": _t("lower", 0.005, 0.02, relative=True),
        "near_copies": _t("lower", 0.05, 0.20, relative=True),
        "dcr_share": _t("lower", 0.60, 0.75),
        "mia_distance_auc": _t("lower", 0.60, 0.70),
        "mia_density_auc": _t("lower", 0.60, 0.70),
        "singling_out_risk": _t("lower", 0.10, 0.30, interval=True),
        "linkability_risk": _t("lower", 0.10, 0.30, interval=True),
        "inference_risk": _t("lower", 0.20, 0.40, interval=True),
    },
    "fairness": {
        "subgroup_shares": _t("lower", 0.05, 0.10),
        "subgroup_validity_gap": _t("lower", 0.10, 0.20, relative=True),
        "subgroup_utility_gap": _t("lower", 0.10, 0.20),
        "fairness_amplification": _t("lower", 0.05, 0.15),
    },
}


class Policy(BaseModel):
    """Thresholds per pillar and check; anything not given keeps its default."""

    model_config = ConfigDict(extra="forbid")

    validity: dict[str, Threshold] = Field(default_factory=lambda: dict(DEFAULTS["validity"]))
    utility: dict[str, Threshold] = Field(default_factory=lambda: dict(DEFAULTS["utility"]))
    privacy: dict[str, Threshold] = Field(default_factory=lambda: dict(DEFAULTS["privacy"]))
    fairness: dict[str, Threshold] = Field(default_factory=lambda: dict(DEFAULTS["fairness"]))

    @model_validator(mode="after")
    def _known_and_complete(self) -> Policy:
        for pillar, defaults in DEFAULTS.items():
            given: dict[str, Threshold] = getattr(self, pillar)
            unknown = sorted(set(given) - set(defaults))
            if unknown:
                raise ValueError(
                    f"unknown {pillar} checks {unknown}; known checks are {sorted(defaults)}"
                )
            setattr(self, pillar, {**defaults, **given})
        return self

    def threshold(self, pillar: str, check: str) -> Threshold:
        return getattr(self, pillar)[check]

    def judge(self, pillar: str, name: str, title: str, value: float | None, *,
              reference: float | None = None, note: str = "", **fields: Any) -> Check:
        """A :class:`Check` of ``value`` judged by this policy's threshold for ``pillar.name``."""
        threshold = self.threshold(pillar, name)
        verdict = threshold.judge(value, reference, fields.get("ci"))
        if verdict == "n/a" and not note:
            note = "not measurable on these data"
        return Check(name=name, title=title, value=value, reference=reference, verdict=verdict,
                     threshold=threshold.model_dump(), note=note, **fields)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Policy:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ParameterError(f"A policy must be a mapping of pillars; got {type(data).__name__}.")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = validation_problems(exc, "policy")
            raise ParameterError(f"The policy is not valid: {problems}") from None

    @classmethod
    def load(cls, path: str | Path) -> Policy:
        """Read a policy from a YAML (or JSON) file."""
        import yaml

        path = Path(path)
        if not path.is_file():
            raise ParameterError(f"No policy file at '{path}'. Write one with Policy().to_yaml().")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ParameterError(f"'{path}' is not a valid YAML policy: {exc}") from None
        return cls.from_dict(data)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.model_dump(), sort_keys=False)


def as_policy(policy: Policy | dict[str, Any] | str | Path | None) -> Policy:
    """Accept a Policy, a dict, a YAML path or None (the default)."""
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, (str, Path)):
        return Policy.load(policy)
    return Policy.from_dict(policy)
