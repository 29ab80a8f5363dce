"""The design matrix of a Monte Carlo run: every random number a run uses comes from here.

A parameter column is described by a `Marginal`: its kind (uniform, triangular, beta-PERT,
normal, lognormal, a discrete choice, or a point mass for a certain number), a parameter
vector and an optional truncation. `design()` draws `theta[draw, parameter]` from a seed:
uniforms in (0, 1) from plain Monte Carlo, a Latin hypercube or a scrambled Sobol sequence
(scipy.stats.qmc), optionally rearranged to target rank correlations (Iman-Conover), then
mapped through each column's inverse CDF (scipy.stats). The design depends only on
(marginals, n_draws, sampler, seed, correlation); no global random state is used. See
docs/sampling.md for the YAML spelling and the choices made here.

Pure numpy/scipy: no YAML, pydantic or xarray.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg, stats
from scipy.stats import qmc

from sim.errors import CitypathsError

#: kinds of marginal; `Marginal.code` is the index of the kind in this tuple
KINDS = ("point", "uniform", "triangular", "pert", "normal", "lognormal", "choice")
#: the samplers `design()` knows
SAMPLERS = ("mc", "lhs", "sobol")
#: default shape parameter of beta-PERT (weight of the mode, Vose 2008)
PERT_LAMBDA = 4.0
#: uniforms are kept in [U_MIN, 1 - U_MIN] so that an unbounded distribution never gives +-inf
U_MIN = 2.0**-53
#: least probability a truncation may keep; less is almost surely a mistake in the input
MIN_MASS = 1e-6

_N_PARAMS = {"point": 1, "uniform": 2, "triangular": 3, "pert": 4, "normal": 2, "lognormal": 2}


class DesignError(CitypathsError, ValueError):
    """A design that cannot be drawn as asked (a Sobol draw count that is not a power of
    two, an impossible correlation matrix, an unknown parameter name).

    `entry` is the index of the offending correlation entry where one is to blame, so that
    the caller can point at the line that wrote it.
    """

    def __init__(self, message: str, entry: int | None = None) -> None:
        self.entry = entry
        super().__init__(message)


@dataclass(frozen=True)
class Marginal:
    """The distribution of one parameter column.

    `params` by kind (all in the parameter's own unit, except where noted):

    - point: (value,)
    - uniform: (low, high)
    - triangular: (low, mode, high)
    - pert: (low, mode, high, lambda); beta on [low, high] with
      alpha = 1 + lambda (mode - low) / (high - low), beta = 1 + lambda (high - mode) / (high - low)
    - normal: (mean, sd)
    - lognormal: (median, sigma) with sigma the sd of the log (1), i.e. ln(geometric sd)
    - choice: (v_1 .. v_k, w_1 .. w_k), values in the order written, weights adding up to 1

    `lower`/`upper` truncate the distribution to [lower, upper] (not for point or choice).
    """

    kind: str
    params: tuple[float, ...]
    lower: float = -math.inf
    upper: float = math.inf

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", tuple(float(p) for p in self.params))
        object.__setattr__(self, "lower", float(self.lower))
        object.__setattr__(self, "upper", float(self.upper))
        problem = self._problem()
        if problem:
            raise ValueError(f"{self.kind} marginal {self.params}: {problem}")

    def _problem(self) -> str | None:
        kind, p = self.kind, self.params
        if kind not in KINDS:
            return f"unknown kind; expected one of {', '.join(KINDS)}"
        if not all(math.isfinite(x) for x in p):
            return "parameters must be finite"
        if kind == "choice":
            k = len(p) // 2
            if k < 1 or len(p) != 2 * k:
                return "expected k values and k weights"
            w = np.asarray(p[k:])
            if (w < 0).any() or abs(w.sum() - 1.0) > 1e-9:
                return "weights must be >= 0 and add up to 1"
            if len(set(p[:k])) != k:
                return "values must be distinct"
        elif len(p) != _N_PARAMS[kind]:
            return f"expected {_N_PARAMS[kind]} parameters"
        high = {"uniform": 1, "triangular": 2, "pert": 2}.get(kind)
        if high is not None and not p[0] < p[high]:
            return "expected low < high"
        if kind in ("triangular", "pert") and not p[0] <= p[1] <= p[2]:
            return "expected low <= mode <= high"
        if kind == "pert" and not p[3] > 0:
            return "expected lambda > 0"
        if kind in ("normal", "lognormal") and not p[1] > 0:
            return "expected a spread > 0"
        if kind == "lognormal" and not p[0] > 0:
            return "expected median > 0"
        truncated = self.lower != -math.inf or self.upper != math.inf
        if truncated and kind in ("point", "choice"):
            return "a point or a choice cannot be truncated"
        if truncated:
            if not self.lower < self.upper:
                return "expected lower < upper"
            lo, hi = self._dist().support()
            if (self.lower != -math.inf and self.lower < lo) or (
                self.upper != math.inf and self.upper > hi
            ):
                return f"truncation [{self.lower}, {self.upper}] outside the support [{lo}, {hi}]"
            if not self.lower <= self.central <= self.upper:
                return f"central value {self.central} outside the truncation"
            if not self.mass >= MIN_MASS:
                return f"the truncation keeps {self.mass:.3g} of the probability"
        return None

    # -- constructors (lower/upper: truncation, in the parameter's unit) --------------------
    @classmethod
    def point(cls, value: float) -> Marginal:
        return cls("point", (value,))

    @classmethod
    def uniform(
        cls, low: float, high: float, *, lower: float = -math.inf, upper: float = math.inf
    ) -> Marginal:
        return cls("uniform", (low, high), lower, upper)

    @classmethod
    def triangular(
        cls,
        low: float,
        mode: float,
        high: float,
        *,
        lower: float = -math.inf,
        upper: float = math.inf,
    ) -> Marginal:
        return cls("triangular", (low, mode, high), lower, upper)

    @classmethod
    def pert(
        cls,
        low: float,
        mode: float,
        high: float,
        lam: float = PERT_LAMBDA,
        *,
        lower: float = -math.inf,
        upper: float = math.inf,
    ) -> Marginal:
        return cls("pert", (low, mode, high, lam), lower, upper)

    @classmethod
    def normal(
        cls, mean: float, sd: float, *, lower: float = -math.inf, upper: float = math.inf
    ) -> Marginal:
        return cls("normal", (mean, sd), lower, upper)

    @classmethod
    def lognormal(
        cls, median: float, sigma: float, *, lower: float = -math.inf, upper: float = math.inf
    ) -> Marginal:
        """`sigma` is the sd of ln(x): ln of the geometric sd."""
        return cls("lognormal", (median, sigma), lower, upper)

    @classmethod
    def choice(cls, values: Sequence[float], weights: Sequence[float] | None = None) -> Marginal:
        """`weights` default to equal."""
        w = [1.0 / len(values)] * len(values) if weights is None else list(weights)
        return cls("choice", (*values, *w))

    # -- properties ------------------------------------------------------------------------
    @property
    def code(self) -> int:
        return KINDS.index(self.kind)

    @property
    def is_certain(self) -> bool:
        return self.kind == "point"

    @property
    def central(self) -> float:
        """The value a deterministic run uses: the value of a point, the midpoint of a
        uniform, the mode of a triangular or PERT, the mean of a normal, the median of a
        lognormal, the most likely value of a choice (the first written among equals).
        Truncation does not move it (docs/sampling.md)."""
        kind, p = self.kind, self.params
        if kind == "uniform":
            return 0.5 * (p[0] + p[1])
        if kind in ("triangular", "pert"):
            return p[1]
        if kind == "choice":
            k = len(p) // 2
            return p[int(np.argmax(p[k:]))]
        return p[0]  # point: value, normal: mean, lognormal: median

    @property
    def support(self) -> tuple[float, float]:
        """The least and greatest value a draw can take (may be infinite)."""
        if self.kind == "point":
            return (self.params[0], self.params[0])
        if self.kind == "choice":
            values = self.params[: len(self.params) // 2]
            return (min(values), max(values))
        # the support of each kind, written out: freezing a scipy distribution to ask costs
        # about a millisecond, and a plan asks it of every number it holds
        p = self.params
        if self.kind in ("uniform", "triangular", "pert"):
            lo, hi = p[0], p[2] if self.kind != "uniform" else p[1]
        elif self.kind == "lognormal":
            lo, hi = 0.0, math.inf
        else:  # normal
            lo, hi = -math.inf, math.inf
        return (max(float(lo), self.lower), min(float(hi), self.upper))

    @property
    def mass(self) -> float:
        """The probability the untruncated distribution gives to [lower, upper]."""
        if self.kind in ("point", "choice"):
            return 1.0
        d = self._dist()
        return float(
            max(d.cdf(self.upper) - d.cdf(self.lower), d.sf(self.lower) - d.sf(self.upper))
        )

    def scipy(self) -> Any:
        """The untruncated distribution as a frozen scipy.stats distribution (continuous
        kinds; a point or a choice has none: see `choice_table`)."""
        if self.kind in ("point", "choice"):
            raise ValueError(f"a {self.kind} has no continuous scipy distribution")
        return self._dist()

    def choice_table(self) -> tuple[np.ndarray, np.ndarray]:
        """A choice's values in ascending order and their probabilities."""
        if self.kind != "choice":
            raise ValueError("not a choice")
        return self._sorted_choice()

    def _dist(self) -> Any:
        cls, kw = _scipy_args(self.kind, np.asarray(self.params)[:, None])
        return cls(**{k: float(v[0]) for k, v in kw.items()})

    def _sorted_choice(self) -> tuple[np.ndarray, np.ndarray]:
        k = len(self.params) // 2
        values, weights = np.asarray(self.params[:k]), np.asarray(self.params[k:])
        order = np.argsort(values, kind="stable")
        return values[order], weights[order] / weights.sum()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at probabilities `u` in (0, 1): the inverse CDF (of the truncated
        distribution where truncated); non-decreasing in u."""
        return from_unit([self], np.asarray(u, float).reshape(-1, 1)).reshape(np.shape(u))


def _scipy_args(kind: str, p: np.ndarray) -> tuple[Any, dict[str, np.ndarray]]:
    """The scipy.stats distribution of a kind and its arguments, one per column of `p`
    ([parameter, column])."""
    if kind == "uniform":
        return stats.uniform, {"loc": p[0], "scale": p[1] - p[0]}
    if kind == "triangular":
        width = p[2] - p[0]
        return stats.triang, {"c": (p[1] - p[0]) / width, "loc": p[0], "scale": width}
    if kind == "pert":
        width = p[2] - p[0]
        return stats.beta, {
            "a": 1.0 + p[3] * (p[1] - p[0]) / width,
            "b": 1.0 + p[3] * (p[2] - p[1]) / width,
            "loc": p[0],
            "scale": width,
        }
    if kind == "normal":
        return stats.norm, {"loc": p[0], "scale": p[1]}
    if kind == "lognormal":
        return stats.lognorm, {"s": p[1], "scale": p[0]}
    raise ValueError(f"no continuous distribution for kind {kind!r}")


def _truncated_ppf(dist: Any, kw: dict[str, np.ndarray], u: np.ndarray, lo, hi) -> np.ndarray:
    """ppf of `dist` truncated to [lo, hi] (arrays per column) at u [draw, column]: u is
    mapped into [F(lo), F(hi)]; where F(lo) > 1/2 through the survival function instead,
    so that a truncation in the upper tail keeps its precision."""
    if np.all(np.isneginf(lo)) and np.all(np.isposinf(hi)):
        return dist.ppf(u, **kw)
    f_lo, f_hi = dist.cdf(lo, **kw), dist.cdf(hi, **kw)
    x = dist.ppf(f_lo + u * (f_hi - f_lo), **kw)
    upper = f_lo > 0.5
    if upper.any():
        sub = {k: v[upper] for k, v in kw.items()}
        s_lo, s_hi = dist.sf(lo[upper], **sub), dist.sf(hi[upper], **sub)
        x[:, upper] = dist.isf(s_lo - u[:, upper] * (s_lo - s_hi), **sub)
    return np.clip(x, lo, hi)


def from_unit(marginals: Sequence[Marginal], u: np.ndarray) -> np.ndarray:
    """Map uniforms `u[draw, parameter]` in [0, 1] to values `theta[draw, parameter]` through
    each column's inverse CDF; columns of one kind go through scipy in one call.

    Point masses give their value whatever u holds. Use this to evaluate a design drawn
    elsewhere on the unit hypercube (e.g. a SALib Saltelli design, docs/sampling.md).
    """
    u = np.clip(np.asarray(u, dtype=float), U_MIN, 1.0 - U_MIN)
    if u.ndim != 2 or u.shape[1] != len(marginals):
        raise ValueError(f"u must be [draw, {len(marginals)}], got {u.shape}")
    theta = np.empty_like(u)
    by_kind: dict[str, list[int]] = {}
    for j, m in enumerate(marginals):
        by_kind.setdefault(m.kind, []).append(j)
    for kind, cols in by_kind.items():
        ms = [marginals[j] for j in cols]
        if kind == "point":
            theta[:, cols] = np.array([m.params[0] for m in ms])
        elif kind == "choice":
            for j, m in zip(cols, ms, strict=True):
                values, weights = m._sorted_choice()
                index = stats.rv_discrete(values=(np.arange(len(values)), weights)).ppf(u[:, j])
                theta[:, j] = values[index.astype(np.int64)]
        else:
            params = np.array([m.params for m in ms]).T  # [parameter, column]
            dist, kw = _scipy_args(kind, params)
            lo = np.array([m.lower for m in ms])
            hi = np.array([m.upper for m in ms])
            theta[:, cols] = _truncated_ppf(dist, kw, u[:, cols], lo, hi)
    return theta


def design_from_unit(marginals: Sequence[Marginal], u: np.ndarray) -> np.ndarray:
    """theta[draw, parameter] from a design drawn elsewhere on the unit hypercube of the
    uncertain columns only: `u[draw, uncertain column]`, columns in the order of
    `uncertain_columns(marginals)`. Certain columns are constant.

    This is how a Saltelli design for Sobol' indices is evaluated: SALib samples
    `{"num_vars": D, "names": [...], "bounds": [[0, 1]] * D}` (D uncertain columns;
    N (2D + 2) rows with second-order indices, N (D + 2) without), this maps its rows
    through the marginals, and SALib analyses the outputs row for row. Sobol' indices
    assume independent inputs: use no correlation there.
    """
    u = np.asarray(u, dtype=float)
    uncertain = uncertain_columns(marginals)
    if u.ndim != 2 or u.shape[1] != len(uncertain):
        raise ValueError(f"u must be [draw, {len(uncertain)} uncertain columns], got {u.shape}")
    full = np.full((u.shape[0], len(marginals)), 0.5)
    full[:, uncertain] = u
    return from_unit(marginals, full)


def central_values(marginals: Sequence[Marginal]) -> np.ndarray:
    """The deterministic design row: every parameter at its central value, [parameter]."""
    return np.array([m.central for m in marginals], dtype=float)


def uncertain_columns(marginals: Sequence[Marginal]) -> np.ndarray:
    """Indices of the columns that are not point masses (the dimensions a sampler fills)."""
    return np.array([j for j, m in enumerate(marginals) if not m.is_certain], dtype=np.int64)


# -- correlation ---------------------------------------------------------------------------
def correlation_matrix(
    names: Sequence[str],
    pairs: Sequence[tuple[str, str, float]],
    marginals: Sequence[Marginal] | None = None,
) -> np.ndarray:
    """The [parameter, parameter] matrix of target Spearman rank correlations from entries
    `(name_a, name_b, rank)`; 1 on the diagonal, 0 where nothing is written.

    Raises DesignError (with `entry`, the index of the entry to blame) for an unknown
    name, a parameter paired with itself, a pair written twice, a rank outside [-1, 1], a
    certain parameter (given `marginals`), or ranks that no joint distribution can have
    (the matrix is not positive definite).
    """
    index = {name: j for j, name in enumerate(names)}
    c = np.eye(len(names))
    seen: dict[tuple[int, int], int] = {}
    for e, (a, b, rank) in enumerate(pairs):
        for name in (a, b):
            if name not in index:
                raise DesignError(f"unknown parameter {name!r} in a rank correlation", e)
            if marginals is not None and marginals[index[name]].is_certain:
                raise DesignError(
                    f"parameter {name!r} is a certain number; only uncertain numbers can be"
                    " correlated",
                    e,
                )
        i, j = sorted((index[a], index[b]))
        if i == j:
            raise DesignError(f"parameter {a!r} correlated with itself", e)
        if (i, j) in seen:
            raise DesignError(
                f"rank correlation between {a!r} and {b!r} written twice (entry {seen[i, j]})",
                e,
            )
        if not (math.isfinite(rank) and -1.0 <= rank <= 1.0):
            raise DesignError(f"expected a rank correlation between -1 and 1, got {rank}", e)
        seen[i, j] = e
        c[i, j] = c[j, i] = rank
    _check_correlation(c, names)
    return c


def _spearman_to_pearson(rank: np.ndarray) -> np.ndarray:
    """The Pearson correlation of a bivariate normal whose Spearman correlation is `rank`
    (Pearson 1907: rho_s = 6/pi arcsin(r/2))."""
    return 2.0 * np.sin(np.pi * rank / 6.0)


def _check_correlation(c: np.ndarray, names: Sequence[str] | None = None) -> np.ndarray:
    """Check a target rank correlation matrix; return the columns it correlates."""
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise DesignError(f"a correlation matrix must be square, got shape {c.shape}")
    if not np.isfinite(c).all():
        raise DesignError("a correlation matrix must hold finite numbers")
    if not np.array_equal(c, c.T):
        raise DesignError("a correlation matrix must be symmetric")
    if not np.all(np.diag(c) == 1.0):
        raise DesignError("a correlation matrix must have 1 on its diagonal")
    if (np.abs(c) > 1.0).any():
        raise DesignError("rank correlations must lie between -1 and 1")
    off = c - np.eye(len(c))
    cols = np.flatnonzero((off != 0).any(axis=0))
    sub = c[np.ix_(cols, cols)]
    for matrix in (sub, _spearman_to_pearson(sub)):
        try:
            np.linalg.cholesky(matrix)
        except np.linalg.LinAlgError:
            who = ", ".join(names[j] for j in cols) if names is not None else f"columns {cols}"
            raise DesignError(
                f"the rank correlations between {who} are impossible together: the matrix is"
                " not positive definite (no |rank| may be 1, and the ranks must be consistent)"
            ) from None
    return cols


def iman_conover(u: np.ndarray, rank: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Reorder the rows of each column of `u[draw, column]` so that the columns' Spearman
    rank correlations approach `rank[column, column]` (Iman and Conover 1982).

    Each column keeps exactly its values (so its marginal and any Latin hypercube
    stratification are untouched); only which values share a draw changes. Van der Waerden
    scores, permuted independently per column, are given the target correlation exactly
    (Cholesky, with the scores' own sample correlation removed first); each column is then
    ranked like its scores. The target is converted to the normal scores' Pearson
    correlation, 2 sin(pi rho / 6)."""
    n, k = u.shape
    if n <= k:
        raise DesignError(
            f"{k} correlated parameters need more than {k} draws for a rank correlation, got {n}"
        )
    scores = stats.norm.ppf(np.arange(1, n + 1) / (n + 1))
    m = np.stack([rng.permutation(scores) for _ in range(k)], axis=1)
    f = np.linalg.cholesky(np.corrcoef(m, rowvar=False))
    p = np.linalg.cholesky(_spearman_to_pearson(rank))
    target = linalg.solve_triangular(f, m.T, lower=True).T @ p.T
    out = np.empty_like(u)
    for j in range(k):
        ranks = np.argsort(np.argsort(target[:, j], kind="stable"), kind="stable")
        out[:, j] = np.sort(u[:, j])[ranks]
    return out


# -- the design ----------------------------------------------------------------------------
def _qmc_rng(cls: type, rng: np.random.Generator) -> dict[str, Any]:
    """scipy >= 1.15 takes `rng=`, older versions `seed=`."""
    return {"rng": rng} if "rng" in inspect.signature(cls).parameters else {"seed": rng}


def unit_design(n_draws: int, d: int, sampler: str, rng: np.random.Generator) -> np.ndarray:
    """Uniforms [draw, dimension] in [0, 1) from the sampler."""
    if sampler == "mc":
        return rng.random((n_draws, d))
    if sampler == "lhs":
        return qmc.LatinHypercube(d, **_qmc_rng(qmc.LatinHypercube, rng)).random(n_draws)
    if sampler == "sobol":
        return qmc.Sobol(d, scramble=True, **_qmc_rng(qmc.Sobol, rng)).random(n_draws)
    raise DesignError(f"unknown sampler {sampler!r}; expected one of {', '.join(SAMPLERS)}")


def design(
    marginals: Sequence[Marginal],
    n_draws: int,
    sampler: str = "lhs",
    seed: int = 0,
    correlation: np.ndarray | None = None,
) -> np.ndarray:
    """The design matrix theta[draw, parameter] of a run, in each parameter's unit.

    `sampler`: "mc" (numpy Generator, PCG64), "lhs" (scipy.stats.qmc.LatinHypercube: each
    column hits each of `n_draws` equal-probability strata once) or "sobol" (scrambled
    scipy.stats.qmc.Sobol; `n_draws` must be a power of two). Only the uncertain columns
    are dimensions of the sampler; certain ones (point masses) are constant. `correlation`
    is a [parameter, parameter] matrix of target Spearman rank correlations (see
    `correlation_matrix`), imposed by Iman-Conover without changing any column's values.

    The result depends only on the arguments: the seed's SeedSequence is split into one
    stream for the sampler and one for the correlation's permutations.
    """
    if sampler not in SAMPLERS:
        raise DesignError(f"unknown sampler {sampler!r}; expected one of {', '.join(SAMPLERS)}")
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 1:
        raise DesignError(f"the number of draws must be a whole number >= 1, got {n_draws!r}")
    if sampler == "sobol" and n_draws & (n_draws - 1):
        lower = 1 << (int(n_draws).bit_length() - 1)
        raise DesignError(
            f"the sobol sampler needs a power of two draws (e.g. {lower} or {2 * lower}), "
            f"got {n_draws}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise DesignError(f"the seed must be a whole number >= 0, got {seed!r}")
    n = int(n_draws)
    sampler_seq, correlation_seq = np.random.SeedSequence(int(seed)).spawn(2)
    uncertain = uncertain_columns(marginals)
    u = np.full((n, len(marginals)), 0.5)
    if len(uncertain):
        u[:, uncertain] = unit_design(
            n, len(uncertain), sampler, np.random.Generator(np.random.PCG64(sampler_seq))
        )
    if correlation is not None:
        c = np.asarray(correlation, dtype=float)
        if c.shape != (len(marginals), len(marginals)):
            raise DesignError(
                f"the correlation matrix must be [{len(marginals)}, {len(marginals)}], "
                f"got {c.shape}"
            )
        cols = _check_correlation(c)
        certain = [int(j) for j in cols if marginals[j].is_certain]
        if certain:
            raise DesignError(f"certain parameters (columns {certain}) cannot be correlated")
        if len(cols):
            rng = np.random.Generator(np.random.PCG64(correlation_seq))
            u[:, cols] = iman_conover(u[:, cols], c[np.ix_(cols, cols)], rng)
    return from_unit(marginals, u)
