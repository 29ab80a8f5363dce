"""Adoption curves and their yearly means, in closed form.

A project that starts building at time `s` (years, float) and builds for `b` years has
adoption level L(x) = g((x - s) / b) for s <= x < s + b, 0 before and 1 after, where g is
the ramp shape on [0, 1]; from its end time `e` on, the level is 0 (retired).

The adoption of calendar year t is the mean level over [t, t + 1) (docs/model.md section 4),
computed exactly as G(min(t + 1, e)) - G(min(t, e)) with G the integral of L from the
distant past (for a year wholly after the build that is min(t + 1, e) - t: exactly 1 for a
whole year of full adoption, whose level is 1 throughout). For a ramp of length b,
G(x) = b * H((x - s) / b) during the build and b * H(1) + (x - s - b) after it, where H is
the integral of g from 0:

- linear:    g(u) = u,                             H(u) = u^2 / 2
- logistic:  g(u) = (sig(k (u - 1/2)) - sig(-k/2)) / (sig(k/2) - sig(-k/2)), normalised
             so that g(0) = 0 and g(1) = 1; H(u) = ((softplus(k (u - 1/2)) -
             softplus(-k/2)) / k - u sig(-k/2)) / (sig(k/2) - sig(-k/2)), and H(1) = 1/2
- step:      g(u) = 0 (the measure takes effect whole at completion), H = 0

A build of zero years is a step at `s` for every shape.

`level` is the level itself, vectorized (for tests and plots); `yearly_mean` evaluates the
integral formulas above cell by cell in compiled code, which is what a Monte Carlo batch
needs. The tests check it against numerical integration of `level`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

SHAPES = {"linear": 0, "logistic": 1, "step": 2}
LINEAR, LOGISTIC, STEP = SHAPES["linear"], SHAPES["logistic"], SHAPES["step"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def ramp_level(u: np.ndarray, shape: np.ndarray, k: np.ndarray) -> np.ndarray:
    """g(u) for u in [0, 1] (clipped outside), by shape code, broadcasting."""
    u = np.clip(u, 0.0, 1.0)
    lo, hi = _sigmoid(-0.5 * k), _sigmoid(0.5 * k)
    logistic = (_sigmoid(k * (u - 0.5)) - lo) / (hi - lo)
    step = (u >= 1.0).astype(float)
    return np.where(shape == LINEAR, u, np.where(shape == LOGISTIC, logistic, step))


def level(x, start, build, shape, k, end=np.inf):
    """Adoption level at time x (broadcasting); used by tests and plots."""
    x, start, build = np.asarray(x, float), np.asarray(start, float), np.asarray(build, float)
    safe_b = np.where(build > 0, build, 1.0)
    during = ramp_level((x - start) / safe_b, shape, k)
    out = np.where(x < start, 0.0, np.where(x >= start + build, 1.0, during))
    return np.where(x >= end, 0.0, out)


@njit(cache=True, inline="always")
def _sigmoid1(x):
    return 0.5 * (1.0 + math.tanh(0.5 * x))


@njit(cache=True, inline="always")
def _softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@njit(cache=True)
def _cumulative1(x, s, b, shape, k, sig_lo, sig_hi, sp_lo):
    """G(x) for one project: the integral of its level (without retirement) up to x.
    sig_lo, sig_hi, sp_lo: sig(-k/2), sig(k/2) and softplus(-k/2), the logistic ramp's
    constants (computed once per project, see `_logistic_constants`)."""
    if x <= s:
        return 0.0
    if x >= s + b:
        return (0.0 if shape == STEP else 0.5 * b) + (x - s - b)
    # during the build (so b > 0)
    u = (x - s) / b
    if shape == LINEAR:
        return b * 0.5 * u * u
    if shape == LOGISTIC:
        h = ((_softplus(k * (u - 0.5)) - sp_lo) / k - u * sig_lo) / (sig_hi - sig_lo)
        return b * h
    return 0.0


@njit(cache=True, inline="always")
def _logistic_constants(k):
    return _sigmoid1(-0.5 * k), _sigmoid1(0.5 * k), _softplus(-0.5 * k)


@njit(cache=True, parallel=True)
def _yearly_mean(years, start, build, shape, steepness, end, out):
    n_draw, n_proj = start.shape
    # each project's logistic constants, once (they depend on its steepness alone)
    constants = np.empty((n_proj, 3))
    for p in range(n_proj):
        constants[p, 0], constants[p, 1], constants[p, 2] = _logistic_constants(steepness[p])
    for d in prange(n_draw):
        for p in range(n_proj):
            s, b, e = start[d, p], build[d, p], end[d, p]
            sh, k = shape[p], steepness[p]
            sig_lo, sig_hi, sp_lo = constants[p, 0], constants[p, 1], constants[p, 2]
            # G at the end of the previous year is G at the start of this one: kept, not
            # computed twice (the same call on the same numbers, so the same value)
            prev_x, prev_g = math.nan, 0.0
            for t in range(years.shape[0]):
                lo, hi = min(years[t], e), min(years[t] + 1.0, e)
                if hi <= s or not s < math.inf:
                    out[d, p, t] = 0.0
                    continue
                if lo >= s + b:  # built: the level is 1 until the end, so the mean is hi - lo
                    out[d, p, t] = min(1.0, hi - lo)
                    continue
                if lo == prev_x:
                    g_lo = prev_g
                else:
                    g_lo = _cumulative1(lo, s, b, sh, k, sig_lo, sig_hi, sp_lo)
                g_hi = _cumulative1(hi, s, b, sh, k, sig_lo, sig_hi, sp_lo)
                prev_x, prev_g = hi, g_hi
                out[d, p, t] = min(1.0, max(0.0, g_hi - g_lo))


def yearly_mean(
    years: np.ndarray,
    start: np.ndarray,
    build: np.ndarray,
    shape: np.ndarray,
    steepness: np.ndarray,
    end: np.ndarray,
) -> np.ndarray:
    """Mean adoption over each calendar year [t, t + 1).

    `start`, `build`, `end` are [draw, project] (years; end = inf if never retired; start =
    inf if it never starts), `shape`, `steepness` are [project]; returns [draw, project,
    year], in [0, 1]. Compiled: it runs over every cell of a Monte Carlo batch.
    """
    start = np.ascontiguousarray(start, dtype=float)
    out = np.empty((*start.shape, len(years)))
    _yearly_mean(
        np.ascontiguousarray(years, dtype=float),
        start,
        np.ascontiguousarray(np.broadcast_to(build, start.shape), dtype=float),
        np.ascontiguousarray(shape, dtype=np.int64),
        np.ascontiguousarray(steepness, dtype=float),
        np.ascontiguousarray(np.broadcast_to(end, start.shape), dtype=float),
        out,
    )
    return out
