"""Distributions of uncertain numbers as a user writes them (docs/sampling.md).

Any number that may be uncertain is written as a plain number, as `{low, central, high}`
(sampled as beta-PERT with those as minimum, mode and maximum) or as a named distribution:

    {dist: uniform, low: .., high: ..}
    {dist: triangular, low: .., mode: .., high: ..}
    {dist: pert, low: .., mode: .., high: .., lambda: 4}
    {dist: normal, mean: .., sd: ..}
    {dist: lognormal, median: .., gsd: ..}      # or any two of median, gsd, p1 .. p99
    {dist: choice, values: [..], weights: [..]}

Every continuous distribution may be truncated with `min` and/or `max`. The models are
strict and frozen like those of `sim.config.schema`, and raise PydanticCustomError so that
`sim.config.validation` reports file, line and key. `to_marginal` turns what was written into
the array-friendly `sim.sampling.Marginal` the sampler uses.

This module does not import `sim.config.schema` (the schema imports it): a range is
recognised by its `low`, `central` and `high` attributes, and `uncertain_number` takes the
schema's range model as an argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, Protocol, Union

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from scipy import stats

from sim.sampling import MIN_MASS, PERT_LAMBDA, Marginal

#: the `dist:` names, in the order the docs list them
DIST_NAMES = ("uniform", "triangular", "pert", "normal", "lognormal", "choice")
#: how much the weights of a choice may miss 1
WEIGHT_TOLERANCE = 1e-9
#: the percentile keys of a lognormal and their probabilities
PERCENTILES = {
    "p1": 0.01,
    "p5": 0.05,
    "p10": 0.10,
    "p25": 0.25,
    "median": 0.50,
    "p75": 0.75,
    "p90": 0.90,
    "p95": 0.95,
    "p99": 0.99,
}


class RangeLike(Protocol):
    """What `sim.config.schema.Range` provides."""

    low: float
    central: float
    high: float


def _error(code: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(code, message, context)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)

    kind: ClassVar[str]

    def marginal(self) -> Marginal:
        """The distribution as the sampler describes it."""
        raise NotImplementedError

    @property
    def central(self) -> float:
        """The value a deterministic run uses (docs/sampling.md)."""
        return self.marginal().central


class _Truncatable(_Spec):
    """A continuous distribution; `min` and `max` (fields of each subclass, written last so
    that their checks see the distribution's parameters) truncate it."""

    def _untruncated(self) -> Marginal:
        raise NotImplementedError

    @classmethod
    def _from(cls, data: dict[str, Any]) -> Marginal | None:
        """The untruncated marginal from the fields validated so far; None if one failed."""
        try:
            fields = {
                f.alias or k: data[k]
                for k, f in cls.model_fields.items()
                if k not in ("dist", "min", "max")
            }
        except KeyError:
            return None
        try:
            return cls.model_construct(**fields)._untruncated()
        except (ValueError, ZeroDivisionError, KeyError, TypeError):
            return None

    def marginal(self) -> Marginal:
        m = self._untruncated()
        lower = -math.inf if self.min is None else self.min  # type: ignore[attr-defined]
        upper = math.inf if self.max is None else self.max  # type: ignore[attr-defined]
        return Marginal(m.kind, m.params, lower, upper)

    @field_validator("min", check_fields=False)
    @classmethod
    def _min(cls, value: float | None, info: ValidationInfo) -> float | None:
        m = cls._from(info.data)
        if value is None or m is None:
            return value
        lo = float(m.scipy().support()[0])
        if value < lo:
            raise _error(
                "truncation",
                "expected 'min' >= {lo}, the least value a {kind} distribution takes"
                " (or no 'min'), got {min}",
                min=value,
                kind=cls.kind,
                lo=lo,
            )
        if value > m.central:
            raise _error(
                "truncation",
                "expected 'min' <= {central}, the central value, got {min}",
                min=value,
                central=m.central,
            )
        return value

    @field_validator("max", check_fields=False)
    @classmethod
    def _max(cls, value: float | None, info: ValidationInfo) -> float | None:
        m = cls._from(info.data)
        if value is None or m is None:
            return value
        low = info.data.get("min")
        if low is not None and not low < value:
            raise _error(
                "truncation", "expected 'max' above 'min' ({min}), got {max}", min=low, max=value
            )
        hi = float(m.scipy().support()[1])
        if value > hi:
            raise _error(
                "truncation",
                "expected 'max' <= {hi}, the greatest value a {kind} distribution takes"
                " (or no 'max'), got {max}",
                max=value,
                kind=cls.kind,
                hi=hi,
            )
        if value < m.central:
            raise _error(
                "truncation",
                "expected 'max' >= {central}, the central value, got {max}",
                max=value,
                central=m.central,
            )
        return value

    @model_validator(mode="after")
    def _mass(self) -> _Truncatable:
        if self.min is None and self.max is None:  # type: ignore[attr-defined]
            return self
        try:
            d = self._untruncated().scipy()
        except ValueError:  # a parameter is wrong; its own check says which
            return self
        lo = -math.inf if self.min is None else self.min  # type: ignore[attr-defined]
        hi = math.inf if self.max is None else self.max  # type: ignore[attr-defined]
        mass = float(max(d.cdf(hi) - d.cdf(lo), d.sf(lo) - d.sf(hi)))
        if not mass >= MIN_MASS:
            raise _error(
                "truncation",
                "expected 'min' and 'max' to keep at least {least} of the distribution's"
                " probability, got {mass}",
                mass=f"{mass:.3g}",
                least=MIN_MASS,
            )
        return self


def _above(field: str, lower: str, strict: bool = True) -> Callable[..., float]:
    """A field validator: the field is above (or at, if not strict) the field `lower`."""

    def check(cls: Any, value: float, info: ValidationInfo) -> float:
        other = info.data.get(lower)
        if other is not None and not (value > other if strict else value >= other):
            raise _error(
                "order",
                "expected '{field}' {op} '{lower}' ({other}), got {value}",
                field=field,
                op=">" if strict else ">=",
                lower=lower,
                other=other,
                value=value,
            )
        return value

    return field_validator(field)(classmethod(check))  # type: ignore[return-value]


def _positive(field: str, what: str, bound: float = 0.0, key: str = "") -> Callable[..., float]:
    """A field validator: the field (written as `key`, default its name) is above `bound`."""

    def check(cls: Any, value: float | None) -> float | None:
        if value is not None and not value > bound:
            raise _error(
                "spread",
                "expected '{field}' > {bound} ({what}), got {value}",
                field=key or field,
                bound=f"{bound:g}",
                what=what,
                value=value,
            )
        return value

    return field_validator(field)(classmethod(check))  # type: ignore[return-value]


def _mode_within(cls: Any, value: float, info: ValidationInfo) -> float:
    low, high = info.data.get("low"), info.data.get("high")
    if low is not None and high is not None and not low <= value <= high:
        raise _error(
            "order",
            "expected 'mode' between 'low' ({low}) and 'high' ({high}), got {mode}",
            low=low,
            high=high,
            mode=value,
        )
    return value


class Uniform(_Truncatable):
    """Every value between `low` and `high` equally likely. Central value: the midpoint."""

    kind: ClassVar[str] = "uniform"
    dist: Literal["uniform"]
    low: float
    high: float
    min: float | None = None
    max: float | None = None

    _high = _above("high", "low")

    def _untruncated(self) -> Marginal:
        return Marginal.uniform(self.low, self.high)


class Triangular(_Truncatable):
    """Triangular on [`low`, `high`] with its peak at `mode`. Central value: the mode."""

    kind: ClassVar[str] = "triangular"
    dist: Literal["triangular"]
    low: float
    high: float
    mode: float
    min: float | None = None
    max: float | None = None

    _high = _above("high", "low")
    _mode = field_validator("mode")(classmethod(_mode_within))

    def _untruncated(self) -> Marginal:
        return Marginal.triangular(self.low, self.mode, self.high)


class Pert(_Truncatable):
    """Beta-PERT on [`low`, `high`] with mode `mode`; `lambda` (default 4) weights the mode:
    the mean is (low + lambda mode + high) / (lambda + 2). Central value: the mode."""

    kind: ClassVar[str] = "pert"
    dist: Literal["pert"]
    low: float
    high: float
    mode: float
    lambda_: float = Field(PERT_LAMBDA, alias="lambda")
    min: float | None = None
    max: float | None = None

    _high = _above("high", "low")
    _mode = field_validator("mode")(classmethod(_mode_within))
    _lambda = _positive("lambda_", "the weight of the mode", key="lambda")

    def _untruncated(self) -> Marginal:
        return Marginal.pert(self.low, self.mode, self.high, self.lambda_)


class Normal(_Truncatable):
    """Normal with mean `mean` and standard deviation `sd`. Central value: the mean."""

    kind: ClassVar[str] = "normal"
    dist: Literal["normal"]
    mean: float
    sd: float
    min: float | None = None
    max: float | None = None

    _sd = _positive("sd", "the standard deviation")

    def _untruncated(self) -> Marginal:
        return Marginal.normal(self.mean, self.sd)


class Lognormal(_Truncatable):
    """Lognormal given by exactly two of: `median`, `gsd` (geometric standard deviation,
    > 1: exp of the sd of ln x) and the percentiles `p1`, `p5`, `p10`, `p25`, `p75`, `p90`,
    `p95`, `p99`. Central value: the median."""

    kind: ClassVar[str] = "lognormal"
    dist: Literal["lognormal"]
    p1: float | None = None
    p5: float | None = None
    p10: float | None = None
    p25: float | None = None
    median: float | None = None
    p75: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None
    gsd: float | None = None
    min: float | None = None
    max: float | None = None

    _gsd = _positive("gsd", "a geometric standard deviation; 1 would be no spread", 1.0)

    @field_validator(*PERCENTILES)
    @classmethod
    def _percentile(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is None:
            return value
        key = info.field_name
        if not value > 0:
            raise _error(
                "spread",
                "expected '{key}' > 0 (a lognormal value), got {value}",
                key=key,
                value=value,
            )
        for lower in PERCENTILES:
            if lower == key:
                break
            other = info.data.get(lower)
            if other is not None and not other < value:
                raise _error(
                    "order",
                    "percentiles grow: expected '{key}' above '{lower}' ({other}), got {value}",
                    key=key,
                    lower=lower,
                    other=other,
                    value=value,
                )
        return value

    @model_validator(mode="after")
    def _two(self) -> Lognormal:
        given = [k for k in (*PERCENTILES, "gsd") if getattr(self, k) is not None]
        if len(given) != 2:
            raise _error(
                "lognormal",
                "give exactly two of median, gsd, p1, p5, p10, p25, p75, p90, p95, p99"
                " (e.g. median and gsd, or p5 and p95), got {given}",
                given=", ".join(given) or "none",
            )
        return self

    @classmethod
    def _from(cls, data: dict[str, Any]) -> Marginal | None:
        given = {k: data.get(k) for k in (*PERCENTILES, "gsd") if data.get(k) is not None}
        if len(given) != 2 or any(k not in data for k in (*PERCENTILES, "gsd")):
            return None
        return cls.model_construct(**given)._untruncated()

    def _untruncated(self) -> Marginal:
        points = [(PERCENTILES[k], getattr(self, k)) for k in PERCENTILES]
        points = [(p, v) for p, v in points if v is not None]
        if self.gsd is not None:
            sigma = math.log(self.gsd)
            (p, v), *_ = points
            mu = math.log(v) - float(stats.norm.ppf(p)) * sigma
        else:
            (p1, v1), (p2, v2) = points
            z1, z2 = float(stats.norm.ppf(p1)), float(stats.norm.ppf(p2))
            sigma = (math.log(v2) - math.log(v1)) / (z2 - z1)
            mu = math.log(v1) - z1 * sigma
        return Marginal.lognormal(math.exp(mu), sigma)


class Choice(_Spec):
    """One of `values`, with probabilities `weights` (default: equal) that add up to 1.
    Central value: the most likely value (the first written among equally likely ones)."""

    kind: ClassVar[str] = "choice"
    dist: Literal["choice"]
    values: Annotated[list[float], Field(min_length=1)]
    weights: list[float] | None = None

    @field_validator("values")
    @classmethod
    def _distinct(cls, value: list[float]) -> list[float]:
        if len(set(value)) != len(value):
            twice = sorted({v for v in value if value.count(v) > 1})
            raise _error("choice", "expected each value once, got {twice} twice", twice=twice)
        return value

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: list[float] | None, info: ValidationInfo) -> list[float] | None:
        if value is None:
            return value
        values = info.data.get("values")
        if values is not None and len(value) != len(values):
            raise _error(
                "choice",
                "expected one weight per value ({n}), got {m}",
                n=len(values),
                m=len(value),
            )
        if any(w < 0 for w in value):
            raise _error("choice", "expected weights >= 0, got {weights}", weights=value)
        total = math.fsum(value)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise _error(
                "choice",
                "expected weights adding up to 1 (within {tol}), got a sum of {total}",
                tol=WEIGHT_TOLERANCE,
                total=repr(total),
            )
        return value

    def marginal(self) -> Marginal:
        return Marginal.choice(self.values, self.weights)


class _UnknownDist(_Spec):
    """What a mapping with an unknown `dist:` validates against: an error at `dist`."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)
    dist: Literal[DIST_NAMES]  # type: ignore[valid-type]


_MODELS: dict[str, type[_Spec]] = {
    "uniform": Uniform,
    "triangular": Triangular,
    "pert": Pert,
    "normal": Normal,
    "lognormal": Lognormal,
    "choice": Choice,
}
# tags start with a capital letter so that sim.config.validation drops them from a location
_TAGS = {kind: model.__name__ for kind, model in _MODELS.items()}


def _tag(value: Any) -> str:
    if isinstance(value, dict):
        if "dist" not in value:
            return "Range"
        dist = value["dist"]
        return _TAGS.get(dist, "Unknown") if isinstance(dist, str) else "Unknown"
    if isinstance(value, _Spec):
        return type(value).__name__
    if isinstance(value, BaseModel):
        return "Range"
    return "float"


def _members() -> list[Any]:
    return [Annotated[model, Tag(model.__name__)] for model in _MODELS.values()] + [
        Annotated[_UnknownDist, Tag("Unknown")]
    ]


#: a named distribution (a mapping with `dist:`)
Distribution = Annotated[
    Union[tuple(_members())],  # noqa: UP007  (a Union built from a list)
    Discriminator(_tag),
]

#: any parsed named distribution (for isinstance checks)
Spec = Uniform | Triangular | Pert | Normal | Lognormal | Choice


def uncertain_number(range_type: type[BaseModel]) -> Any:
    """The type of a number that may be uncertain: a plain number, a `range_type` mapping
    (`{low, central, high}`) or a named distribution. One tagged union: a mapping with
    `dist:` is checked only as that distribution, one without only as a range, so each
    error names the key that is wrong. Use as `Annotated[uncertain_number(Range), ...]`."""
    members = [Annotated[float, Tag("float")], Annotated[range_type, Tag("Range")], *_members()]
    return Annotated[Union[tuple(members)], Discriminator(_tag)]  # noqa: UP007


def _is_range(value: Any) -> bool:
    return all(hasattr(value, k) for k in ("low", "central", "high"))


def to_marginal(value: float | RangeLike | _Spec) -> Marginal:
    """The sampler's description of a number as written: a point mass for a plain number
    (or a range with low == high), beta-PERT (lambda 4) with minimum `low`, mode `central`
    and maximum `high` for a range, the named distribution otherwise."""
    if isinstance(value, _Spec):
        return value.marginal()
    if _is_range(value):
        r: Any = value
        if r.low == r.high:
            return Marginal.point(float(r.central))
        return Marginal.pert(float(r.low), float(r.central), float(r.high), PERT_LAMBDA)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Marginal.point(float(value))
    raise TypeError(f"not a number, range or distribution: {value!r}")


def central_of(value: float | RangeLike | _Spec) -> float:
    """The value a deterministic run uses (for a range: `central`)."""
    return to_marginal(value).central


def support_of(value: float | RangeLike | _Spec) -> tuple[float, float]:
    """The least and greatest value a draw can take; infinite for an unbounded
    distribution that is not truncated."""
    return to_marginal(value).support


#: where a check that must hold in every draw judges an unbounded distribution: its 99.9th
#: percentile, a value it really takes (docs/scenario-format.md section 14)
HIGH_QUANTILE = 0.999


def practical_high(marginal: Marginal) -> float:
    """The greatest value a number takes, or HIGH_QUANTILE's percentile where it has none."""
    top = marginal.support[1]
    return top if math.isfinite(top) else float(marginal.ppf(np.array([HIGH_QUANTILE]))[0])


def within(code: str, expected: str, low: float, high: float) -> Callable[[Any], Any]:
    """An after-validator for a number that may be uncertain: every value it can take lies
    in [low, high] (e.g. `within("fraction", "a fraction between 0 and 1", 0, 1)`). An
    unbounded distribution must be truncated with `min`/`max` to fit."""

    def check(value: Any) -> Any:
        lo, hi = support_of(value)
        if lo >= low and hi <= high:
            return value
        if isinstance(value, _Spec) and not isinstance(value, Choice):
            raise _error(
                code,
                "expected {expected}, got a {kind} distribution reaching {bad}: truncate it"
                " with 'min' and 'max' inside [{low}, {high}] or narrow it",
                expected=expected,
                kind=value.kind,
                bad=lo if lo < low else hi,
                low=f"{low:g}",
                high=f"{high:g}",
            )
        raise _error(
            code,
            "expected {expected}, got {value}",
            expected=expected,
            value=lo if lo < low else hi,
        )

    return check


class RankCorrelation(_Spec):
    """A target Spearman rank correlation between two uncertain parameters, named as in
    the run's parameter table (docs/sampling.md)."""

    between: Annotated[list[str], Field(min_length=2, max_length=2)]
    rank: float

    @field_validator("between")
    @classmethod
    def _two(cls, value: list[str]) -> list[str]:
        if value[0] == value[1]:
            raise _error(
                "correlation", "expected two different parameters, got {name} twice", name=value[0]
            )
        return value

    @field_validator("rank")
    @classmethod
    def _rank(cls, value: float) -> float:
        if not -1.0 < value < 1.0:
            raise _error(
                "correlation",
                "expected a rank correlation strictly between -1 and 1, got {value}",
                value=value,
            )
        return value

    def pair(self) -> tuple[str, str, float]:
        """(name_a, name_b, rank) as `sim.sampling.correlation_matrix` takes it."""
        return (self.between[0], self.between[1], self.rank)
