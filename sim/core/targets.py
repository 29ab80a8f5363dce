"""Reduction targets (docs/model.md section 3)."""

from __future__ import annotations

import numpy as np


def reduction_vs_reference(value: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Fractional reduction of `value` below `reference` (0.8 = 80 % below); NaN where the
    reference is zero."""
    value, reference = np.asarray(value, float), np.asarray(reference, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(reference > 0, 1.0 - value / reference, np.nan)
