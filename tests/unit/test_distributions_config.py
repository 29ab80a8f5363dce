"""Distributions as users write them (sim/config/distributions.py): what each spelling
means, the central value a deterministic run uses, and one located message per impossible
parameter (file, line, key), through the same path as a scenario file
(read_yaml -> pydantic -> sim.config.validation.to_input_error)."""

from __future__ import annotations

import math
import textwrap
from typing import Annotated

import pytest
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from scipy import special

from sim.config.distributions import (
    Lognormal,
    RankCorrelation,
    central_of,
    support_of,
    to_marginal,
    uncertain_number,
    within,
)
from sim.config.schema import Range
from sim.config.validation import to_input_error
from sim.config.yamlio import read_yaml
from sim.errors import InputError
from sim.sampling import Marginal

Fraction = Annotated[
    uncertain_number(Range),
    AfterValidator(within("fraction", "a fraction between 0 and 1", 0.0, 1.0)),
]
Anything = uncertain_number(Range)


class Entry(BaseModel):
    """A stand-in for a scenario section with uncertain numbers."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    x: Anything = 0.0
    effect: Fraction = 0.5
    correlations: list[RankCorrelation] = []


def _load(tmp_path, text: str) -> Entry:
    path = tmp_path / "entry.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    doc = read_yaml(path)
    try:
        return Entry.model_validate(doc.data)
    except ValidationError as exc:
        raise to_input_error(exc, doc.data, doc.loc, Entry) from None


def _line_of(tmp_path, text: str) -> int:
    lines = (tmp_path / "entry.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


# -- what each spelling means ----------------------------------------------------------------
def test_plain_numbers_and_ranges(tmp_path):
    e = _load(tmp_path, "x: 3\neffect: {low: 0.2, central: 0.3, high: 0.6}\n")
    assert to_marginal(e.x) == Marginal.point(3.0)
    # a range is beta-PERT with minimum low, mode central, maximum high and lambda 4
    assert to_marginal(e.effect) == Marginal("pert", (0.2, 0.3, 0.6, 4.0))
    assert central_of(e.effect) == 0.3
    assert support_of(e.effect) == (0.2, 0.6)
    # its mean: (low + 4 central + high) / 6
    assert to_marginal(e.effect).scipy().mean() == pytest.approx((0.2 + 1.2 + 0.6) / 6)
    same = _load(tmp_path, "x: {low: 2, central: 2, high: 2}\n")
    assert to_marginal(same.x) == Marginal.point(2.0)


@pytest.mark.parametrize(
    ("text", "marginal", "central"),
    [
        ("{dist: uniform, low: 1, high: 3}", Marginal.uniform(1, 3), 2.0),
        (
            "{dist: triangular, low: 1, mode: 1.5, high: 3}",
            Marginal.triangular(1, 1.5, 3),
            1.5,
        ),
        ("{dist: pert, low: 1, mode: 2, high: 3}", Marginal.pert(1, 2, 3, 4.0), 2.0),
        ("{dist: pert, low: 1, mode: 2, high: 3, lambda: 6}", Marginal.pert(1, 2, 3, 6.0), 2.0),
        (
            "{dist: pert, low: 1, mode: 2, high: 3, lambda: 6, min: 1.5, max: 2.5}",
            Marginal.pert(1, 2, 3, 6.0, lower=1.5, upper=2.5),
            2.0,
        ),
        ("{dist: normal, mean: 5, sd: 2}", Marginal.normal(5, 2), 5.0),
        ("{dist: normal, mean: 5, sd: 2, min: 0}", Marginal.normal(5, 2, lower=0.0), 5.0),
        ("{dist: lognormal, median: 1.2, gsd: 1.5}", Marginal.lognormal(1.2, math.log(1.5)), 1.2),
        (
            "{dist: choice, values: [2030, 2035, 2040], weights: [0.25, 0.5, 0.25]}",
            Marginal.choice([2030, 2035, 2040], [0.25, 0.5, 0.25]),
            2035.0,
        ),
        ("{dist: choice, values: [1, 2, 4]}", Marginal.choice([1, 2, 4], [1 / 3] * 3), 1.0),
    ],
)
def test_named_distributions(tmp_path, text, marginal, central):
    e = _load(tmp_path, f"x: {text}\n")
    assert to_marginal(e.x) == marginal
    assert central_of(e.x) == central


def test_lognormal_from_two_percentiles():
    """p5 = 0.8, p95 = 1.8: ln x is normal with mu = (ln 0.8 + ln 1.8) / 2 (the median is
    the geometric mean, 1.2) and sigma = (ln 1.8 - ln 0.8) / (2 z_0.95), z_0.95 = 1.6448536."""
    m = to_marginal(Lognormal.model_validate({"dist": "lognormal", "p5": 0.8, "p95": 1.8}))
    median, sigma = m.params
    assert median == pytest.approx(1.2, rel=1e-12)
    assert sigma == pytest.approx(math.log(1.8 / 0.8) / (2 * 1.6448536269514722), rel=1e-12)
    assert m.central == pytest.approx(1.2, rel=1e-12)
    # median and p95: sigma = ln(p95 / median) / z_0.95
    m = to_marginal(Lognormal.model_validate({"dist": "lognormal", "median": 1.2, "p95": 1.8}))
    assert m.params[1] == pytest.approx(math.log(1.5) / 1.6448536269514722, rel=1e-12)
    # gsd and a percentile other than the median: mu = ln p90 - z_0.9 sigma
    m = to_marginal(Lognormal.model_validate({"dist": "lognormal", "p90": 3.0, "gsd": 2.0}))
    z90 = math.sqrt(2) * special.erfinv(0.8)
    assert m.params[0] == pytest.approx(3.0 / 2.0**z90, rel=1e-12)


def test_fraction_rule_on_the_values_a_draw_can_take(tmp_path):
    ok = _load(tmp_path, "effect: {dist: normal, mean: 0.5, sd: 0.2, min: 0, max: 1}\n")
    assert support_of(ok.effect) == (0.0, 1.0)
    with pytest.raises(
        InputError,
        match="got a normal distribution reaching -inf: truncate it with 'min' and 'max'",
    ):
        _load(tmp_path, "effect: {dist: normal, mean: 0.5, sd: 0.2}\n")
    with pytest.raises(InputError, match=r"between 0 and 1, got 1\.2"):
        _load(tmp_path, "effect: {dist: choice, values: [0.5, 1.2]}\n")
    with pytest.raises(InputError, match=r"between 0 and 1, got 1\.5"):
        _load(tmp_path, "effect: {low: 0.5, central: 0.6, high: 1.5}\n")


def test_a_distribution_round_trips_as_a_model_instance():
    """A parsed value given again (e.g. a merged default) keeps its kind."""
    first = Entry.model_validate({"x": {"dist": "normal", "mean": 1.0, "sd": 0.5}})
    again = Entry.model_validate({"x": first.x})
    assert again.x == first.x


# -- impossible parameters: one located message each ---------------------------------------
BAD = [
    # (the value of x in block style, the line text to point at, key, words)
    ("dist: uniform\nlow: 3\nhigh: 1", "high: 1", "x.high", "expected 'high' > 'low' (3.0)"),
    (
        "dist: triangular\nlow: 0\nhigh: 1\nmode: 2",
        "mode: 2",
        "x.mode",
        "expected 'mode' between 'low' (0.0) and 'high' (1.0), got 2.0",
    ),
    ("dist: pert\nlow: 2\nmode: 2\nhigh: 1", "high: 1", "x.high", "expected 'high' > 'low'"),
    ("dist: pert\nlow: 0\nmode: 1\nhigh: 2\nlambda: -1", "lambda:", "x.lambda", "'lambda' > 0"),
    ("dist: normal\nmean: 0\nsd: -0.5", "sd:", "x.sd", "expected 'sd' > 0"),
    ("dist: normal\nmean: 0\nsd: 0", "sd:", "x.sd", "expected 'sd' > 0"),
    ("dist: lognormal\nmedian: 1\ngsd: 0.8", "gsd:", "x.gsd", "expected 'gsd' > 1"),
    ("dist: lognormal\nmedian: -1\ngsd: 2", "median:", "x.median", "expected 'median' > 0"),
    (
        "dist: lognormal\np5: 2\np95: 1",
        "p95:",
        "x.p95",
        "expected 'p95' above 'p5' (2.0), got 1.0",
    ),
    ("dist: lognormal\nmedian: 1", "x:", "x", "give exactly two of median, gsd"),
    ("dist: lognormal\nmedian: 1\ngsd: 2\np95: 3", "x:", "x", "got median, p95, gsd"),
    (
        "dist: choice\nvalues: [1, 2, 3]\nweights: [0.5, 0.3, 0.1]",
        "weights:",
        "x.weights",
        "expected weights adding up to 1 (within 1e-09), got a sum of 0.9",
    ),
    (
        "dist: choice\nvalues: [1, 2]\nweights: [0.5, 0.3, 0.2]",
        "weights:",
        "x.weights",
        "one weight per value (2), got 3",
    ),
    (
        "dist: choice\nvalues: [1, 2]\nweights: [1.5, -0.5]",
        "weights:",
        "x.weights",
        "weights >= 0",
    ),
    (
        "dist: choice\nvalues: [1, 2, 1]",
        "values:",
        "x.values",
        "expected each value once, got [1.0] twice",
    ),
    (
        "dist: lognormal\nmedian: 1\ngsd: 2\nmin: -1",
        "min:",
        "x.min",
        "expected 'min' >= 0.0, the least value a lognormal distribution takes",
    ),
    (
        "dist: uniform\nlow: 0\nhigh: 1\nmax: 2",
        "max:",
        "x.max",
        "expected 'max' <= 1.0, the greatest value a uniform distribution takes",
    ),
    (
        "dist: normal\nmean: 0\nsd: 1\nmin: 0.5",
        "min:",
        "x.min",
        "expected 'min' <= 0.0, the central value, got 0.5",
    ),
    (
        "dist: normal\nmean: 0\nsd: 1\nmin: -1\nmax: -2",
        "max:",
        "x.max",
        "expected 'max' above 'min' (-1.0), got -2.0",
    ),
    (
        # N(0, 1) on [0, 1e-9] keeps 1e-9 / sqrt(2 pi) = 3.99e-10
        "dist: normal\nmean: 0\nsd: 1\nmin: 0\nmax: 1.0e-9",
        "x:",
        "x",
        "to keep at least 1e-06 of the distribution's probability, got 3.99e-10",
    ),
    ("dist: choice\nvalues: [1, 2]\nmin: 0", "min:", "x.min", "unknown key"),
    ("dist: uniform\nlow: 0\nhigh: 1\nmode: 0.5", "mode:", "x.mode", "unknown key"),
    ("dist: pert\nlow: 0\nmode: 1\nhigh: 2\nlambda_: 3", "lambda_:", "x.lambda_", "unknown key"),
    ("dist: gamma\nshape: 2", "dist:", "x.dist", "expected 'uniform', 'triangular', 'pert'"),
    ("dist: normal\nmean: 0\nsd: .inf", "sd:", "x.sd", "expected a finite number"),
    ("dist: normal\nmean: 0", "x:", "x.sd", "required key is missing"),
    ("low: 0\ncentral: 1", "x:", "x.high", "required key is missing"),
]


@pytest.mark.parametrize(("body", "line_text", "key", "words"), BAD, ids=[b[2] for b in BAD])
def test_impossible_parameter_names_its_key(tmp_path, body, line_text, key, words):
    text = "effect: 0.5\nx:\n" + textwrap.indent(body, "  ") + "\n"
    with pytest.raises(InputError) as info:
        _load(tmp_path, text)
    err = info.value
    assert err.path.name == "entry.yaml"
    assert err.key == key
    assert err.line == _line_of(tmp_path, line_text)
    assert words in err.detail


@pytest.mark.parametrize(
    ("item", "key", "words"),
    [
        ("{between: [a, a], rank: 0.5}", "correlations[0].between", "got a twice"),
        ("{between: [a, b], rank: 1.0}", "correlations[0].rank", "strictly between -1 and 1"),
        ("{between: [a, b], rank: -1.5}", "correlations[0].rank", "got -1.5"),
        ("{between: [a, b, c], rank: 0.5}", "correlations[0].between", "at most 2"),
    ],
)
def test_correlation_entries(tmp_path, item, key, words):
    ok = _load(tmp_path, "correlations:\n  - {between: [a, b], rank: -0.4}\n")
    assert ok.correlations[0].pair() == ("a", "b", -0.4)
    with pytest.raises(InputError) as info:
        _load(tmp_path, f"correlations:\n  - {item}\n")
    assert info.value.key == key
    assert words in info.value.detail
