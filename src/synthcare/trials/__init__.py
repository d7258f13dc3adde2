"""Trial designs built from synthetic data: external (synthetic) control arms."""

from __future__ import annotations

from synthcare.trials.control_arm import ControlArmResult, HazardRatio, build_control_arm, hazard_ratio

__all__ = ["ControlArmResult", "HazardRatio", "build_control_arm", "hazard_ratio"]
