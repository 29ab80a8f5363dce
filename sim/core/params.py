"""The numbers of a design matrix `theta[draw, parameter]` where a plan uses them."""

from __future__ import annotations

import numpy as np


def gather(theta: np.ndarray, idx: np.ndarray, missing: float = 0.0) -> np.ndarray:
    """theta[:, idx] with `missing` where idx is -1 (no number written there); shape
    [draw, *idx.shape]."""
    idx = np.asarray(idx)
    if theta.shape[1] == 0:  # a plan without a single number that could vary
        return np.full((theta.shape[0], *idx.shape), missing)
    # np.take along the parameter axis keeps the result C-contiguous ([draw, ...] with the
    # draw outermost, the layout every kernel takes); theta[:, idx] puts the draw innermost
    none = idx < 0
    out = np.take(theta, np.where(none, 0, idx), axis=1)
    if none.any():
        out[:, none] = missing
    return out
