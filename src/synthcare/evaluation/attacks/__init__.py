"""Privacy attack simulations on synthetic data.

Every function takes ``train`` (rows the generator was fitted on), ``synthetic`` and ``holdout``
(real rows it never saw) with the same columns, plus keyword-only options and ``random_state``,
and returns a frozen dataclass. No verdicts here: reports build on these results.

* distances: :func:`dcr_analysis` (DCR share, DCR/NNDR quantiles, exact and near copies),
  :func:`exact_copy_share`, :func:`distances_to_closest_record`;
* membership inference: :func:`distance_membership_attack`, :func:`density_membership_attack`
  (DOMIAS);
* Article 29 WP216 risks as in anonymeter: :func:`singling_out_risk`, :func:`linkability_risk`,
  :func:`inference_risk`.
"""

from synthcare.evaluation.attacks._risk import AttackRisk, Proportion, SuccessRate
from synthcare.evaluation.attacks.distance import (
    DCRResult,
    dcr_analysis,
    distances_to_closest_record,
    exact_copy_share,
)
from synthcare.evaluation.attacks.encoding import DistanceEncoder, EncodedTable
from synthcare.evaluation.attacks.inference import InferenceResult, inference_risk
from synthcare.evaluation.attacks.linkability import LinkabilityResult, linkability_risk
from synthcare.evaluation.attacks.membership import (
    MembershipResult,
    density_membership_attack,
    distance_membership_attack,
)
from synthcare.evaluation.attacks.neighbours import nearest_neighbours
from synthcare.evaluation.attacks.singling_out import (
    Condition,
    Predicate,
    SinglingOutResult,
    singling_out_risk,
)

__all__ = [
    "AttackRisk",
    "Condition",
    "DCRResult",
    "DistanceEncoder",
    "EncodedTable",
    "InferenceResult",
    "LinkabilityResult",
    "MembershipResult",
    "Predicate",
    "Proportion",
    "SinglingOutResult",
    "SuccessRate",
    "dcr_analysis",
    "density_membership_attack",
    "distance_membership_attack",
    "distances_to_closest_record",
    "exact_copy_share",
    "inference_risk",
    "linkability_risk",
    "nearest_neighbours",
    "singling_out_risk",
]
