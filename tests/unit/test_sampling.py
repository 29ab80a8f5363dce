"""The design matrix (sim/sampling.py): marginals, samplers, correlation, reproducibility.

Expected values come from closed forms written out here (means, CDFs) and are compared with
tolerances derived from the sample size:

- a mean: within 5 standard errors, 5 sd / sqrt(n) (a miss has probability < 1e-6 under
  the hypothesis that the sampler is right; the seed is fixed anyway);
- a whole distribution: the Kolmogorov distance between the sample and the closed-form
  CDF within the DKW bound eps = sqrt(ln(2 / alpha) / (2 n)) with alpha = 1e-6;
- a rank correlation: atanh(r_s) within 5 sqrt(1.06 / (n - 3)) of atanh(target)
  (Fieller, Hartley and Pearson 1957, variance of Fisher's z of a Spearman correlation).
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

from sim.errors import CitypathsError
from sim.sampling import (
    KINDS,
    DesignError,
    Marginal,
    central_values,
    correlation_matrix,
    design,
    design_from_unit,
    from_unit,
    uncertain_columns,
)

N = 20_000
ALPHA = 1e-6
DKW = math.sqrt(math.log(2 / ALPHA) / (2 * N))  # 0.0190 for n = 20 000


def _phi(z):
    """Standard normal CDF from the error function."""
    return 0.5 * (1.0 + special.erf(np.asarray(z) / math.sqrt(2.0)))


def _tri_cdf(x, a, m, b):
    x = np.asarray(x, float)
    left = (x - a) ** 2 / ((b - a) * (m - a))
    right = 1.0 - (b - x) ** 2 / ((b - a) * (b - m))
    return np.clip(np.where(x <= m, left, right), 0.0, 1.0)


# (marginal, closed-form mean, closed-form sd, closed-form CDF)
CASES = {
    "uniform": (
        Marginal.uniform(2.0, 5.0),
        3.5,
        3.0 / math.sqrt(12.0),
        lambda x: np.clip((x - 2.0) / 3.0, 0, 1),
    ),
    "triangular": (
        Marginal.triangular(0.0, 1.0, 4.0),
        5.0 / 3.0,  # (a + m + b) / 3
        math.sqrt((0 + 1 + 16 - 0 - 0 - 4) / 18.0),  # (a²+m²+b²-am-ab-mb)/18
        lambda x: _tri_cdf(x, 0.0, 1.0, 4.0),
    ),
    "pert": (
        # alpha = 1 + 4 * 0.3 = 2.2, beta = 1 + 4 * 0.7 = 3.8 on [0, 1]
        Marginal.pert(0.0, 0.3, 1.0),
        (0.0 + 4 * 0.3 + 1.0) / 6.0,
        math.sqrt(2.2 * 3.8 / (6.0**2 * 7.0)),  # ab / ((a+b)²(a+b+1))
        lambda x: special.betainc(2.2, 3.8, np.clip(x, 0, 1)),
    ),
    "normal": (Marginal.normal(10.0, 2.0), 10.0, 2.0, lambda x: _phi((x - 10.0) / 2.0)),
    "lognormal": (
        Marginal.lognormal(2.0, math.log(1.5)),
        2.0 * math.exp(math.log(1.5) ** 2 / 2),  # median exp(sigma² / 2)
        2.0 * math.exp(math.log(1.5) ** 2 / 2) * math.sqrt(math.exp(math.log(1.5) ** 2) - 1),
        lambda x: _phi(np.log(np.maximum(x, 1e-300) / 2.0) / math.log(1.5)),
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_marginal_mean_and_distribution_match_closed_forms(kind):
    marginal, mean, sd, cdf = CASES[kind]
    x = design([marginal], N, "mc", seed=11)[:, 0]
    assert abs(x.mean() - mean) <= 5 * sd / math.sqrt(N)
    assert stats.kstest(x, cdf).statistic <= DKW


@pytest.mark.parametrize("kind", sorted(CASES))
def test_quantiles_of_an_lhs_design(kind):
    """The empirical CDF at the closed-form quartiles (bounded by DKW as for plain MC;
    a Latin hypercube is only closer)."""
    marginal, _, _, cdf = CASES[kind]
    x = np.sort(design([marginal], N, "lhs", seed=5)[:, 0])
    for p in (0.05, 0.25, 0.5, 0.75, 0.95):
        q = x[int(p * N)]
        assert abs(float(cdf(q)) - p) <= DKW


def test_choice_frequencies_and_order():
    m = Marginal.choice([2040.0, 2030.0, 2035.0], [0.2, 0.3, 0.5])
    x = design([m], N, "mc", seed=3)[:, 0]
    for value, p in ((2030.0, 0.3), (2035.0, 0.5), (2040.0, 0.2)):
        se = math.sqrt(p * (1 - p) / N)
        assert abs(np.mean(x == value) - p) <= 5 * se
    assert set(np.unique(x)) == {2030.0, 2035.0, 2040.0}
    # the inverse CDF runs through the values in ascending order
    u = np.array([0.1, 0.29, 0.31, 0.79, 0.81, 0.99])
    assert m.ppf(u).tolist() == [2030.0, 2030.0, 2035.0, 2035.0, 2040.0, 2040.0]


def test_central_value_of_each_kind():
    """Midpoint of a uniform, mode of a triangular and a PERT, mean of a normal, median of
    a lognormal, the most likely value of a choice (first written among equals)."""
    assert Marginal.point(7.0).central == 7.0
    assert Marginal.uniform(2.0, 5.0).central == 3.5
    assert Marginal.triangular(0.0, 1.0, 4.0).central == 1.0
    assert Marginal.pert(0.0, 0.3, 1.0).central == 0.3
    assert Marginal.normal(10.0, 2.0, lower=9.0).central == 10.0  # truncation does not move it
    assert Marginal.lognormal(2.0, 0.4).central == 2.0
    assert Marginal.choice([3.0, 1.0, 2.0], [0.4, 0.2, 0.4]).central == 3.0
    assert Marginal.choice([1.0, 2.0, 3.0], [0.2, 0.5, 0.3]).central == 2.0
    # the mode of beta(2.2, 3.8) is (a - 1) / (a + b - 2) = 1.2 / 4 = 0.3: the PERT central
    assert Marginal.pert(0.0, 0.3, 1.0).scipy().mean() == pytest.approx(2.2 / 6.0)
    ms = [Marginal.point(7.0), Marginal.uniform(2.0, 5.0), Marginal.lognormal(2.0, 0.4)]
    assert central_values(ms).tolist() == [7.0, 3.5, 2.0]


def test_certain_numbers_are_constant_columns_and_take_no_dimension():
    ms = [Marginal.point(3.0), Marginal.uniform(0.0, 1.0), Marginal.point(-2.5)]
    theta = design(ms, 64, "sobol", seed=1)
    assert np.all(theta[:, 0] == 3.0)
    assert np.all(theta[:, 2] == -2.5)
    assert uncertain_columns(ms).tolist() == [1]
    # the uncertain column is the same as in a design without the certain ones
    alone = design([ms[1]], 64, "sobol", seed=1)
    assert np.array_equal(theta[:, 1], alone[:, 0])
    assert design([Marginal.point(1.0)], 5, "lhs", seed=0).tolist() == [[1.0]] * 5


def _strata(theta, cdfs):
    """The equal-probability stratum of each value, [draw, column]."""
    n = theta.shape[0]
    return np.stack(
        [np.floor(cdf(theta[:, j]) * n).astype(int) for j, cdf in enumerate(cdfs)], axis=1
    )


@pytest.mark.parametrize("sampler", ["lhs", "sobol"])
def test_each_equal_probability_stratum_is_hit_once_per_column(sampler):
    """A Latin hypercube puts one draw in each of n equal-probability strata of every
    column; so does a scrambled Sobol sequence of 2^m points (each one-dimensional
    projection is a (0, m, 1)-net)."""
    n = 256
    kinds = sorted(CASES)
    trunc = Marginal.normal(0.0, 1.0, lower=-0.5, upper=2.0)
    z = _phi(2.0) - _phi(-0.5)
    theta = design([CASES[k][0] for k in kinds] + [trunc], n, sampler, seed=9)
    cdfs = [CASES[k][3] for k in kinds] + [lambda x: (_phi(x) - _phi(-0.5)) / z]
    strata = _strata(theta, cdfs)
    for j in range(theta.shape[1]):
        assert sorted(strata[:, j]) == list(range(n)), j


def test_plain_monte_carlo_is_not_stratified():
    """The check above can fail: n independent uniforms leave ~n/e strata empty."""
    theta = design([Marginal.uniform(0.0, 1.0)], 256, "mc", seed=9)
    assert len(set(np.floor(theta[:, 0] * 256).astype(int))) < 200


def test_truncation_is_respected():
    a, b = -0.5, 2.0
    m = Marginal.normal(0.0, 1.0, lower=a, upper=b)
    x = design([m], N, "mc", seed=21)[:, 0]
    assert x.min() >= a
    assert x.max() <= b
    # truncated normal mean: phi(a) - phi(b) over Phi(b) - Phi(a)
    pdf = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    z = float(_phi(b) - _phi(a))
    mean = (pdf(a) - pdf(b)) / z
    assert abs(x.mean() - mean) <= 5 * 1.0 / math.sqrt(N)  # the truncated sd is below 1
    assert m.support == (a, b)
    assert m.mass == pytest.approx(z, rel=1e-12)


def test_truncation_in_the_upper_tail_of_a_left_skewed_pert():
    """PERT(0, 0.95, 1): alpha = 4.8, beta = 1.2; truncated to [0.9, 1] the interval lies
    above the median, where the sampler maps through the survival function."""
    m = Marginal.pert(0.0, 0.95, 1.0, lower=0.9)
    f = lambda x: special.betainc(4.8, 1.2, np.clip(x, 0, 1))  # noqa: E731
    assert f(0.9) > 0.5
    x = design([m], N, "mc", seed=2)[:, 0]
    assert x.min() >= 0.9
    assert x.max() <= 1.0
    assert stats.kstest(x, lambda t: (f(t) - f(0.9)) / (1 - f(0.9))).statistic <= DKW


def test_unbounded_distributions_never_give_infinity():
    ms = [Marginal.normal(0.0, 1.0), Marginal.lognormal(1.0, 1.0)]
    theta = from_unit(ms, np.array([[0.0, 0.0], [1.0, 1.0]]))
    assert np.isfinite(theta).all()


@pytest.mark.parametrize("sampler", ["mc", "lhs", "sobol"])
def test_same_seed_same_design_other_seed_other_design(sampler):
    ms = [Marginal.pert(0.0, 0.3, 1.0), Marginal.normal(1.0, 0.5), Marginal.choice([1.0, 2.0])]
    c = correlation_matrix(["a", "b", "c"], [("a", "b", 0.5)])
    before = np.random.get_state()[1].copy()  # noqa: NPY002 (checking it is left alone)
    one = design(ms, 128, sampler, seed=7, correlation=c)
    assert np.array_equal(one, design(ms, 128, sampler, seed=7, correlation=c))
    assert not np.array_equal(one[:, :2], design(ms, 128, sampler, seed=8, correlation=c)[:, :2])
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002


def test_sobol_needs_a_power_of_two():
    with pytest.raises(DesignError, match=r"power of two.*512 or 1024.*got 1000"):
        design([Marginal.uniform(0.0, 1.0)], 1000, "sobol", seed=1)
    assert design([Marginal.uniform(0.0, 1.0)], 1024, "sobol", seed=1).shape == (1024, 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sampler": "halton"}, "unknown sampler 'halton'"),
        ({"n_draws": 0}, "number of draws"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_design_arguments_are_user_errors(kwargs, message):
    args = {"n_draws": 8, "sampler": "mc", "seed": 1} | kwargs
    with pytest.raises(DesignError, match=message) as info:
        design([Marginal.uniform(0.0, 1.0)], **args)
    assert isinstance(info.value, CitypathsError)  # the CLI prints it and exits with 2


def _z_tolerance(n):
    return 5 * math.sqrt(1.06 / (n - 3))


@pytest.mark.parametrize("sampler", ["mc", "lhs", "sobol"])
def test_rank_correlations_are_imposed_and_marginals_kept(sampler):
    n = 2048
    names = ["a", "b", "c", "d"]
    ms = [
        Marginal.pert(0.0, 0.3, 1.0),
        Marginal.lognormal(2.0, 0.5),
        Marginal.uniform(2025.0, 2035.0),
        Marginal.normal(0.0, 1.0),
    ]
    targets = {("a", "b"): 0.6, ("b", "c"): -0.3}
    c = correlation_matrix(names, [(a, b, r) for (a, b), r in targets.items()], ms)
    free = design(ms, n, sampler, seed=4)
    tied = design(ms, n, sampler, seed=4, correlation=c)
    for (a, b), r in targets.items():
        i, j = names.index(a), names.index(b)
        achieved = stats.spearmanr(tied[:, i], tied[:, j]).statistic
        assert abs(math.atanh(achieved) - math.atanh(r)) <= _z_tolerance(n)
        # without the correlation the two are independent
        assert abs(math.atanh(stats.spearmanr(free[:, i], free[:, j]).statistic)) <= (
            _z_tolerance(n)
        )
    # a pair not written has target 0
    a_c = stats.spearmanr(tied[:, 0], tied[:, 2]).statistic
    assert abs(math.atanh(a_c)) <= _z_tolerance(n)
    # every column keeps exactly its values; an uncorrelated column keeps its order too
    assert np.array_equal(np.sort(free, axis=0), np.sort(tied, axis=0))
    assert np.array_equal(free[:, 3], tied[:, 3])


def test_lhs_stratification_survives_the_correlation():
    n = 500
    ms = [Marginal.uniform(0.0, 1.0), Marginal.uniform(0.0, 1.0)]
    c = correlation_matrix(["a", "b"], [("a", "b", -0.8)])
    theta = design(ms, n, "lhs", seed=3, correlation=c)
    for j in range(2):
        assert sorted(np.floor(theta[:, j] * n).astype(int)) == list(range(n))


@pytest.mark.parametrize(
    ("pairs", "message", "entry"),
    [
        ([("a", "x", 0.5)], "unknown parameter 'x'", 0),
        ([("a", "b", 0.2), ("a", "a", 0.5)], "'a' correlated with itself", 1),
        ([("a", "b", 0.2), ("b", "a", 0.5)], "written twice", 1),
        ([("a", "b", 1.5)], "between -1 and 1, got 1.5", 0),
        ([("a", "k", 0.5)], "'k' is a certain number", 0),
        # a ~ b and b ~ c strongly, a ~ c strongly opposite: no joint distribution
        ([("a", "b", 0.9), ("b", "c", 0.9), ("a", "c", -0.9)], "not positive definite", None),
        ([("a", "b", 1.0)], "not positive definite", None),
    ],
)
def test_impossible_correlations_are_refused(pairs, message, entry):
    names = ["a", "b", "c", "k"]
    ms = [Marginal.uniform(0.0, 1.0)] * 3 + [Marginal.point(1.0)]
    with pytest.raises(DesignError, match=message) as info:
        correlation_matrix(names, pairs, ms)
    assert info.value.entry == entry


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1.0, 0.5], [0.4, 1.0]], "symmetric"),
        ([[1.0, 0.5], [0.5, 0.9]], "diagonal"),
        ([[1.0, 1.2], [1.2, 1.0]], "between -1 and 1"),
        ([[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 1.0]], r"must be \[2, 2\]"),
    ],
)
def test_a_bad_correlation_matrix_is_refused(matrix, message):
    ms = [Marginal.uniform(0.0, 1.0)] * 2
    with pytest.raises(DesignError, match=message):
        design(ms, 16, "mc", seed=1, correlation=np.array(matrix))


def test_a_correlation_needs_more_draws_than_parameters():
    ms = [Marginal.uniform(0.0, 1.0)] * 3
    c = correlation_matrix(["a", "b", "c"], [("a", "b", 0.5), ("b", "c", 0.5)])
    with pytest.raises(DesignError, match="more than 3 draws"):
        design(ms, 3, "mc", seed=1, correlation=c)


def test_a_certain_column_cannot_be_correlated_through_a_matrix():
    ms = [Marginal.uniform(0.0, 1.0), Marginal.point(2.0)]
    c = np.array([[1.0, 0.5], [0.5, 1.0]])
    with pytest.raises(DesignError, match="certain"):
        design(ms, 16, "mc", seed=1, correlation=c)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("uniform", (2.0, 1.0)), "low < high"),
        (("triangular", (0.0, 2.0, 1.0)), "low <= mode <= high"),
        (("pert", (0.0, 0.5, 1.0, 0.0)), "lambda > 0"),
        (("normal", (0.0, -1.0)), "spread > 0"),
        (("lognormal", (-1.0, 0.5)), "median > 0"),
        (("choice", (1.0, 2.0, 0.5, 0.6)), "add up to 1"),
        (("choice", (1.0, 1.0, 0.5, 0.5)), "distinct"),
        (("gamma", (1.0,)), "unknown kind"),
    ],
)
def test_impossible_marginals_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        Marginal(*args)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lower": 1.0, "upper": 0.0}, "lower < upper"),
        ({"lower": -1.0}, "outside the support"),
        ({"lower": 0.6}, "central value"),
        ({"lower": 0.5, "upper": 0.5 + 1e-9}, "keeps"),
    ],
)
def test_impossible_truncations_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Marginal("pert", (0.0, 0.5, 1.0, 4.0), **kwargs)


def test_kinds_have_stable_codes():
    assert [Marginal.point(1.0).code, Marginal.uniform(0, 1).code] == [0, 1]
    assert KINDS.index("choice") == Marginal.choice([1.0]).code


def test_sampling_stays_pure_numpy():
    source = Path(__file__).resolve().parents[2] / "sim" / "sampling.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    top = {name.split(".")[0] for name in names}
    allowed = {"__future__", "collections", "dataclasses", "inspect", "math", "typing"}
    assert top <= allowed | {"numpy", "scipy", "sim"}
    assert {n for n in names if n.startswith("sim")} <= {"sim.errors"}
    for banned in ("yaml", "pydantic", "xarray", "simpy", "sim.config", "sim.model"):
        assert not any(n == banned or n.startswith(banned + ".") for n in names)


def test_a_design_drawn_elsewhere_on_the_unit_cube():
    """(What a Saltelli design from SALib goes through.) u = 0.5 gives each median; u =
    0.975 the normal's mean + 1.959964 sd; certain columns stay constant."""
    ms = [Marginal.point(4.0), Marginal.normal(10.0, 2.0), Marginal.uniform(0.0, 8.0)]
    theta = design_from_unit(ms, np.array([[0.5, 0.5], [0.975, 0.25]]))
    assert theta[:, 0].tolist() == [4.0, 4.0]
    assert theta[0, 1:] == pytest.approx([10.0, 4.0], rel=1e-12)
    assert theta[1, 1:] == pytest.approx([10.0 + 1.959963984540054 * 2.0, 2.0], rel=1e-12)
    with pytest.raises(ValueError, match="2 uncertain columns"):
        design_from_unit(ms, np.zeros((2, 3)))
