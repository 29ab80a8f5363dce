"""The scenario schema, format version 1 (see docs/scenario-format.md).

Pydantic models in strict mode: unknown keys are rejected, numbers are not parsed from
strings, and every field states its unit. These models describe what a user wrote; the
plan builder (`sim.model.plan`) turns them into arrays. Cross-file and data-dependent
checks (does a city exist, does a sector exist) happen in `sim.config.loader`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sim.config.distributions import central_of, support_of, uncertain_number, within

FORMAT_VERSION = 1


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Range(Strict):
    """An uncertain number: `low`, `central` and `high` values. A deterministic run uses
    the central value; Monte Carlo samples between low and high (docs/scenario-format.md)."""

    low: float
    central: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.central <= self.high:
            raise PydanticCustomError(
                "range_order",
                "expected low <= central <= high, got {low}, {central}, {high}",
                {"low": self.low, "central": self.central, "high": self.high},
            )
        return self


def values_of(value: Any) -> tuple[float, ...]:
    """(least, central, greatest) value a number can take: for a plain number the number
    alone; the least and greatest are infinite for an untruncated normal or lognormal."""
    if isinstance(value, int | float):
        return (float(value),)
    lo, hi = support_of(value)
    return (lo, central_of(value), hi)


def central(value: Any) -> float:
    """The value a deterministic run uses (docs/scenario-format.md, uncertain numbers)."""
    return central_of(value)


#: The largest magnitude any number in a scenario may have: 1e15 is a thousand times
#: Sweden's yearly GDP in SEK and far above any emission in t CO2e, yet leaves products and
#: sums of such numbers far from floating-point overflow (about 1.8e308).
MAX_MAGNITUDE = 1e15


def _finite(value: Any) -> Any:
    """Every value written is finite and at most MAX_MAGNITUDE in size (an unbounded
    distribution's infinite support is no value written; its parameters are checked)."""
    written = isinstance(value, Range | int | float)
    for v in values_of(value):
        if v != v or (written and v in (float("inf"), float("-inf"))):
            raise PydanticCustomError(
                "finite", "expected a finite number, got {value}", {"value": v}
            )
        if math.isfinite(v) and abs(v) > MAX_MAGNITUDE:
            raise PydanticCustomError(
                "magnitude",
                "expected a number of at most 1e15 in size, got {value}",
                {"value": f"{v:.3g}"},
            )
    return value


def _rate(value: Any) -> Any:
    for v in values_of(value):
        if v < -1.0:
            raise PydanticCustomError(
                "rate",
                "expected a yearly rate of at least -1 (-100 % a year), got {value}: "
                "an index cannot fall below zero",
                {"value": v},
            )
    return value


def _capital(value: Any) -> Any:
    for v in values_of(value):
        if v < 0:
            raise PydanticCustomError(
                "capital",
                "expected a capital cost >= 0, got {value} (a saving is a negative opex)",
                {"value": v},
            )
    return value


_fraction = within("fraction", "a fraction between 0 and 1", 0.0, 1.0)
_non_negative = within("non_negative", "a number >= 0", 0.0, float("inf"))

#: A number that may be uncertain: a plain number, a range `{low, central, high}` (beta-PERT)
#: or a named distribution `{dist: ...}` (docs/scenario-format.md). Every field that could be
#: uncertain uses one of these aliases.
Number = Annotated[uncertain_number(Range), AfterValidator(_finite)]
Fraction = Annotated[uncertain_number(Range), AfterValidator(_finite), AfterValidator(_fraction)]
NonNegative = Annotated[
    uncertain_number(Range), AfterValidator(_finite), AfterValidator(_non_negative)
]

Year = Annotated[int, Field(ge=1900, le=2200)]
#: an annual growth rate: at least -1 (-100 %/yr), so that an index stays >= 0
Rate = Annotated[uncertain_number(Range), AfterValidator(_finite), AfterValidator(_rate)]
#: a capital cost: never negative (a saving is a negative opex)
Capital = Annotated[uncertain_number(Range), AfterValidator(_finite), AfterValidator(_capital)]

_year_time = within("year", "a year between 1900 and 2200", 1900.0, 2200.0)


Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)]
#: a city as written: a kommun code (quote it: '0123') or a name
CityRef = Annotated[str | int, AfterValidator(str)]
SectorId = Annotated[str, StringConstraints(min_length=1)]


class Growth(Strict):
    """How an index (activity or intensity, 1 in the base year) moves: give one of
    `rate` (annual fractional change, e.g. -0.02 for -2 %/yr; a mapping year -> rate
    makes it change from that year on) or `path` (index values by year, 1 = base year;
    straight lines between the years given, held flat after the last)."""

    rate: Rate | dict[Year, Rate] | None = None
    path: dict[Year, NonNegative] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Growth:
        if (self.rate is None) == (self.path is None):
            raise PydanticCustomError("growth", "give exactly one of 'rate' or 'path'")
        if isinstance(self.rate, dict) and not self.rate:
            raise PydanticCustomError("growth", "'rate' by year needs at least one year")
        if self.path is not None and not self.path:
            raise PydanticCustomError("growth", "'path' needs at least one year")
        return self


class Assumptions(Strict):
    """BAU drivers of one sector: emissions = base-year emissions x activity x intensity."""

    activity: Growth | None = None
    intensity: Growth | None = None


class Bau(Strict):
    """Business-as-usual assumptions. For each city, sector and channel (`activity`,
    `intensity`) the first of these that sets it wins: cities.<city>.<sector>,
    sectors.<sector>, cities.<city>.all, default. A sector's own assumption thus outranks a
    city-wide one; a city overrides a sector only by naming it. Unset means no change."""

    default: Assumptions = Assumptions()
    sectors: dict[SectorId, Assumptions] = {}
    cities: dict[CityRef, dict[SectorId, Assumptions]] = {}


class Need(Strict):
    """What a project must hold to build: slots of a capacity (held while it builds) and
    money from a budget (taken when it starts building)."""

    capacity: Id | Annotated[list[Id], Field(min_length=1)] | None = None
    slots: Annotated[int, Field(ge=1)] = 1  # of each capacity named
    budget: Id | None = None
    money: NonNegative | None = None  # currency; default: the project's capex

    @property
    def capacities(self) -> list[str]:
        if self.capacity is None:
            return []
        return [self.capacity] if isinstance(self.capacity, str) else list(self.capacity)


class Rollout(Strict):
    """When a measure takes effect. Times are in years (2027.5 is 1 July 2027).

    It can begin at `start` once every intervention in `after` is complete, then spends
    `planning` years, waits for what it `needs`, and builds for `build` years during which
    its adoption ramps from 0 to 1 along `shape`; it is retired at `end`.
    """

    start: Annotated[Number, AfterValidator(_year_time)]
    after: list[str] = []  # intervention ids: `id` (same city) or `id@city`
    planning: NonNegative = 0.0
    needs: Need | None = None
    build: NonNegative = 1.0
    shape: Literal["linear", "logistic", "step"] = "linear"
    steepness: Annotated[float, Field(gt=0, le=100)] = 10.0
    end: Annotated[Number, AfterValidator(_year_time)] | None = None


class Capacity(Strict):
    """A limited number of projects that can build at once: a city's project office, a
    national pool of installers shared by several cities."""

    id: Id
    title: str | None = None
    slots: Annotated[int, Field(ge=1)]
    cities: list[CityRef] | Literal["all"]
    per_city: bool = False  # true: each listed city has its own pool of `slots`


class Budget(Strict):
    """Money for projects, refilled at the start of every year from the base year on."""

    id: Id
    title: str | None = None
    per_year: NonNegative  # currency per year
    carry_over: bool = False  # true: unspent money stays; false: each year starts at per_year
    cities: list[CityRef] | Literal["all"]
    per_city: bool = False  # true: each listed city has its own budget of `per_year`


class Cost(Strict):
    """Cost of one project (one city) in the scenario's currency and price year.

    Give totals (`capex`, `opex`) or amounts per tonne of the project's full effect
    (`capex_per_t`: currency per t CO2e/yr the project cuts or removes at full adoption,
    in the base year: its full effect; `opex_per_t`: currency per year per t CO2e/yr of that
    same full effect, paid in proportion to adoption), not both of a kind.
    """

    capex: Capital | None = None  # in total, spent as adoption grows
    opex: Number | None = None  # per year at full adoption; negative is a saving
    capex_per_t: Capital | None = None  # per t CO2e/yr of full effect
    opex_per_t: Number | None = None  # per year, per t CO2e/yr of full effect

    @model_validator(mode="after")
    def _one_of_each(self) -> Cost:
        for kind in ("capex", "opex"):
            if getattr(self, kind) is not None and getattr(self, f"{kind}_per_t") is not None:
                raise PydanticCustomError(
                    "cost", "give '{kind}' or '{kind}_per_t', not both", {"kind": kind}
                )
        return self


class SubsectorShare(Strict):
    """A scope read from the city's data: the share of the sector's CO2 that the named
    sub-sector(s) emit (docs/data.md)."""

    subsector: str | Annotated[list[str], Field(min_length=1)]

    @property
    def names(self) -> list[str]:
        return [self.subsector] if isinstance(self.subsector, str) else list(self.subsector)


class SourceScope(Strict):
    """A scope on named sources of the sector (docs/model.md section 2): the measure acts on
    `fraction` of each source named. Sources are declared in the scenario's `sources:` (or
    are the sub-sectors of the data); `other` is the rest of the sector."""

    source: Id | Annotated[list[Id], Field(min_length=1)]
    fraction: Fraction = 1.0  # of each named source

    @property
    def names(self) -> list[str]:
        return [self.source] if isinstance(self.source, str) else list(self.source)


#: what a measure addresses: a share of the whole sector (a number: that share of every source
#: of the sector), sub-sectors of the data, or named sources
Scope = Fraction | SubsectorShare | SourceScope

#: the name of the rest of a split sector: what no declared source covers
OTHER_SOURCE = "other"


def _shares_at_most_one(shares: dict[str, float | Range]) -> dict[str, float | Range]:
    if OTHER_SOURCE in shares:
        raise PydanticCustomError(
            "source_other",
            "'other' is the rest of the sector, computed as 1 minus the shares given; "
            "do not declare it",
        )
    high = sum(values_of(v)[-1] for v in shares.values())
    if high > 1.0 + 1e-9:
        raise PydanticCustomError(
            "source_shares",
            "the shares of a sector's sources add up to {total} (at their high ends), "
            "more than the whole sector (1)",
            {"total": f"{high:.4g}"},
        )
    return shares


class SourceSplit(Strict):
    """A sector of a city split into disjoint sources (plants, fuels): each source's share of
    the sector's emissions in the base year. What the shares leave is the source `other`."""

    shares: Annotated[dict[Id, Fraction], Field(min_length=1), AfterValidator(_shares_at_most_one)]
    source: str  # where the shares come from (documents, reasoning)


class Intervention(Strict):
    """A measure that cuts a share of one sector's emissions in one or more cities."""

    id: Id
    # the measure's name in results (default: the id); entries in different cities may
    # share it, so that a result lines up measures by city and name
    label: Id | None = None
    title: str | None = None
    city: CityRef | list[CityRef]
    sector: SectorId
    # what the measure addresses: a share of the sector, sub-sectors or named sources
    scope: Scope = 1.0
    effect: Fraction  # share of the addressed emissions removed at full adoption
    rollout: Rollout
    cost: Cost = Cost()
    source: str | None = None
    description: str | None = None


class Removal(Strict):
    """A removal (CCS, BECCS, a sink): tonnes taken out per year at full adoption."""

    id: Id
    # the measure's name in results (default: the id); entries in different cities may
    # share it, so that a result lines up measures by city and name
    label: Id | None = None
    title: str | None = None
    city: CityRef | list[CityRef]
    tonnes: NonNegative  # t CO2e per year at full adoption
    # shares of the removal credited to cities of the scenario (a plant serving several
    # municipalities); default: all of it to the city it is in. What the shares leave is
    # credited to no city of the scenario.
    credit: dict[CityRef, Fraction] | None = None
    rollout: Rollout
    cost: Cost = Cost()
    source: str | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _credit(self) -> Removal:
        if self.credit is None:
            return self
        if isinstance(self.city, list):
            raise PydanticCustomError(
                "credit", "'credit' needs the removal in one city: give 'city' as one city"
            )
        high = sum(values_of(v)[-1] for v in self.credit.values())
        if high > 1.0 + 1e-9:
            raise PydanticCustomError(
                "credit",
                "the credited shares add up to {total} (at their high ends), more than the "
                "whole removal (1)",
                {"total": f"{high:.4g}"},
            )
        return self


class Costs(Strict):
    currency: Literal["SEK"] = "SEK"
    price_year: Year  # costs are in money of this year (real terms)
    discount_rate: Annotated[float, Field(gt=-1, le=1)] = 0.035  # per year, real


class Target(Strict):
    """A reduction target: emissions in `year` at least `threshold` below `reference_year`."""

    id: Id
    kind: Literal["reduction"] = "reduction"
    # 0.8 means at least 80 % below the reference year; a policy choice, never uncertain
    threshold: Annotated[float, AfterValidator(_finite), AfterValidator(_fraction)]
    reference_year: Year
    year: Year
    basis: Literal["gross", "net"] = "gross"  # net subtracts removals in the target year
    # net basis: removals count up to this share of the reference year's emissions (Sweden's
    # climate framework: at most 15 % of 1990); default: without limit
    max_removals: Annotated[float, AfterValidator(_finite), AfterValidator(_fraction)] | None = None
    sectors: list[SectorId] | None = None  # default: every sector of the scenario
    title: str | None = None
    source: str | None = None  # the decision the target comes from

    @model_validator(mode="after")
    def _cap_on_net(self) -> Target:
        if self.max_removals is not None and self.basis != "net":
            raise PydanticCustomError(
                "max_removals", "'max_removals' applies to a target on the net basis only"
            )
        return self


class Years(Strict):
    base: Year | None = None  # default: the latest year every city has observed
    horizon: Year
    # base-year emissions: the mean of the last n observed years up to the base year
    # (1: the base year alone)
    base_level_years: Annotated[int, Field(ge=1, le=10)] = 1


class Scenario(Strict):
    """A scenario file after `extends:` has been resolved."""

    format: Literal[1] = FORMAT_VERSION
    id: Id
    title: str | None = None
    description: str | None = None
    data: str | None = None  # folder with the baseline data; default: the shipped data
    library: str | None = None  # folder of the intervention library; default: the shipped one
    cities: Annotated[list[CityRef], Field(min_length=1)]
    sectors: list[SectorId] | None = None  # default: every sector in the data
    years: Years
    bau: Bau = Bau()
    # city -> sector -> its split into sources (docs/model.md section 2)
    sources: dict[CityRef, dict[SectorId, SourceSplit]] = {}
    interventions: list[Intervention] = []
    removals: list[Removal] = []
    capacities: list[Capacity] = []
    budgets: list[Budget] = []
    costs: Costs
    targets: list[Target] = []


def _all_optional(model: type[Strict], name: str) -> type[Strict]:
    fields = {k: (f.annotation | None, None) for k, f in model.model_fields.items()}
    return create_model(name, __base__=Strict, __doc__=model.__doc__, **fields)  # type: ignore[call-overload]


#: a rollout in a library entry: every field optional, the scenario gives the rest
PartialRollout = _all_optional(Rollout, "PartialRollout")


class Measure(Strict):
    """An entry of the intervention library (docs/library.md): a scenario's intervention or
    removal with `use: <id>` starts from these values and overrides what it writes."""

    id: Id
    title: str
    kind: Literal["reduction", "removal"] = "reduction"
    description: str | None = None
    sector: SectorId | None = None
    scope: Scope | None = None
    effect: Fraction | None = None
    tonnes: NonNegative | None = None
    rollout: PartialRollout | None = None  # type: ignore[valid-type]
    cost: Cost | None = None
    source: str | None = None


class LibraryFile(Strict):
    format: Literal[1] = FORMAT_VERSION
    currency: Literal["SEK"] = "SEK"
    price_year: Year  # costs of every measure in the file are in money of this year
    measures: Annotated[list[Measure], Field(min_length=1)]


def schema_keys(model: type[BaseModel], path: tuple[Any, ...]) -> list[str] | None:
    """The keys allowed at `path` (as in a validation error's `loc`), or None if unknown.

    Used to tell a user which keys were expected where an unknown one was written.
    """
    import types
    import typing

    current: Any = model
    for key in path:
        while True:
            origin = typing.get_origin(current)
            if origin is Annotated:
                current = typing.get_args(current)[0]
            elif origin in (typing.Union, types.UnionType):
                members = [a for a in typing.get_args(current) if a is not type(None)]
                models = [a for a in members if isinstance(a, type) and issubclass(a, BaseModel)]
                containers = [a for a in members if typing.get_origin(a) in (list, dict)]
                current = (models or containers or members)[0]
            else:
                break
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(key) if isinstance(key, str) else None
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) is list and isinstance(key, int):
            current = typing.get_args(current)[0]
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return None
    while typing.get_origin(current) is Annotated:
        current = typing.get_args(current)[0]
    if typing.get_origin(current) in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(current) if isinstance(a, type)]
        current = next((m for m in models if issubclass(m, BaseModel)), None)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return None
