"""What the benchmarks share: timing and a simple seeded design of draws."""

from __future__ import annotations

import time

import numpy as np


def timed(fn, repeat: int) -> list[float]:
    """Wall-clock seconds of `repeat` calls of fn."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def sample(plan, n_draw: int, seed: int) -> np.ndarray:
    """theta[draw, parameter]: every uncertain number uniform between its low and high value
    (seeded); certain numbers at their value. Enough to vary what a benchmark times."""
    rng = np.random.default_rng(seed)
    p = plan.params
    theta = np.repeat(p.central_design(), n_draw, axis=0)
    uncertain = ~np.isnan(p.low)
    theta[:, uncertain] = rng.uniform(
        p.low[uncertain], p.high[uncertain], (n_draw, int(uncertain.sum()))
    )
    return theta
