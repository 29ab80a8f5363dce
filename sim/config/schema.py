"""The scenario schema, format version 1 (see docs/scenario-format.md).

Pydantic models in strict mode: unknown keys are rejected, numbers are not parsed from
strings, and every field states its unit. These models describe what a user wrote; the
plan builder (`sim.model.plan`) turns them into arrays. Cross-file and data-dependent
checks (does a city exist, does a sector exist) happen in `sim.config.loader`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

FORMAT_VERSION = 1


def _fraction(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise PydanticCustomError(
            "fraction", "expected a fraction between 0 and 1, got {value}", {"value": value}
        )
    return value


def _finite(value: float) -> float:
    if value != value or value in (float("inf"), float("-inf")):
        raise PydanticCustomError(
            "finite", "expected a finite number, got {value}", {"value": value}
        )
    return value


#: A number that a later format version may replace by a distribution (MODEL.md section 5).
#: Every field that could be uncertain uses one of these aliases, so that change is made here.
Number = Annotated[float, AfterValidator(_finite)]
Fraction = Annotated[float, AfterValidator(_finite), AfterValidator(_fraction)]
NonNegative = Annotated[float, AfterValidator(_finite), Field(ge=0)]

Year = Annotated[int, Field(ge=1900, le=2200)]
YearTime = Annotated[float, AfterValidator(_finite), Field(ge=1900, le=2200)]
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)]
#: a city as written: a kommun code (quote it: '0123') or a name
CityRef = Annotated[str | int, AfterValidator(str)]
SectorId = Annotated[str, StringConstraints(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Growth(Strict):
    """How an index (activity or intensity, 1 in the base year) moves: give one of
    `rate` (annual fractional change, e.g. -0.02 for -2 %/yr; a mapping year -> rate
    makes it change from that year on) or `path` (index values by year, 1 = base year;
    straight lines between the years given, held flat after the last)."""

    rate: Number | dict[Year, Number] | None = None
    path: dict[Year, Annotated[float, AfterValidator(_finite), Field(gt=0)]] | None = None

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
    """Business-as-usual assumptions, from general to specific; the most specific that
    sets `activity` (or `intensity`) wins: cities.<city>.<sector> > cities.<city>.all >
    sectors.<sector> > default. Unset means no change (index 1)."""

    default: Assumptions = Assumptions()
    sectors: dict[SectorId, Assumptions] = {}
    cities: dict[CityRef, dict[SectorId, Assumptions]] = {}


class Rollout(Strict):
    """When a measure takes effect. Times are in years (2027.5 is 1 July 2027).

    It can begin at `start`, then spends `planning` years before `build` years during
    which its adoption ramps from 0 to 1 along `shape`; it is retired at `end`.
    """

    start: YearTime
    planning: NonNegative = 0.0
    build: NonNegative = 1.0
    shape: Literal["linear", "logistic", "step"] = "linear"
    steepness: Annotated[float, Field(gt=0, le=100)] = 10.0
    end: YearTime | None = None


class Cost(Strict):
    """Cost of one project (one city) in the scenario's currency and price year."""

    capex: Number = 0.0  # SEK in total, spent as adoption grows
    opex: Number = 0.0  # SEK per year at full adoption; negative is a saving


class Intervention(Strict):
    """A measure that cuts a share of one sector's emissions in one or more cities."""

    id: Id
    title: str | None = None
    city: CityRef | list[CityRef]
    sector: SectorId
    scope: Fraction = 1.0  # share of the sector's emissions the measure addresses
    effect: Fraction  # share of the addressed emissions removed at full adoption
    rollout: Rollout
    cost: Cost = Cost()
    source: str | None = None


class Removal(Strict):
    """A removal (CCS, BECCS, a sink): tonnes taken out per year at full adoption."""

    id: Id
    title: str | None = None
    city: CityRef | list[CityRef]
    tonnes: NonNegative  # t CO2e per year at full adoption
    rollout: Rollout
    cost: Cost = Cost()
    source: str | None = None


class Costs(Strict):
    currency: Literal["SEK"] = "SEK"
    price_year: Year  # costs are in money of this year (real terms)
    discount_rate: Annotated[float, Field(gt=-1, le=1)] = 0.035  # per year, real


class Target(Strict):
    """A reduction target: emissions in `year` at least `threshold` below `reference_year`."""

    id: Id
    kind: Literal["reduction"] = "reduction"
    threshold: Fraction  # 0.8 means at least 80 % below the reference year
    reference_year: Year
    year: Year
    basis: Literal["gross", "net"] = "gross"  # net subtracts removals in the target year
    sectors: list[SectorId] | None = None  # default: every sector of the scenario
    title: str | None = None


class Years(Strict):
    base: Year | None = None  # default: the latest year every city has observed
    horizon: Year


class Scenario(Strict):
    """A scenario file after `extends:` has been resolved."""

    format: Literal[1] = FORMAT_VERSION
    id: Id
    title: str | None = None
    description: str | None = None
    data: str | None = None  # folder with the baseline data; default: the shipped data
    cities: Annotated[list[CityRef], Field(min_length=1)]
    sectors: list[SectorId] | None = None  # default: every sector in the data
    years: Years
    bau: Bau = Bau()
    interventions: list[Intervention] = []
    removals: list[Removal] = []
    costs: Costs
    targets: list[Target] = []


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
