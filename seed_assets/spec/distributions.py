"""Distributions a spec names: children per parent (cardinality) and numeric values.

Each accepts a mapping (``{kind: poisson, mean: 1.8, min: 1}``) or the shorthand string
``"poisson(1.8, min=1)"``, whose positional arguments follow the order of ``positional``.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*\((.*)\)\s*$")


def parse_call(text: str, positional_by_kind: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """Parse ``"name(1.8, min=1)"`` into ``{"kind": "name", "mean": 1.8, "min": 1}``."""
    match = _CALL.match(text)
    if not match:
        raise ValueError(f"cannot read distribution {text!r}; write it like 'poisson(15, min=1)'")
    kind, body = match.group(1).lower(), match.group(2).strip()
    if kind not in positional_by_kind:
        known = ", ".join(sorted(positional_by_kind))
        raise ValueError(f"unknown distribution {kind!r} in {text!r}; known: {known}")
    names = positional_by_kind[kind]
    result: dict[str, Any] = {"kind": kind}
    for index, part in enumerate(p.strip() for p in body.split(",") if p.strip()):
        if "=" in part:
            key, value = (s.strip() for s in part.split("=", 1))
        elif index < len(names):
            key, value = names[index], part
        else:
            raise ValueError(f"too many arguments in {text!r}; {kind} takes {', '.join(names)}")
        try:
            result[key] = float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError as exc:
            raise ValueError(f"argument {key}={value!r} in {text!r} is not a number") from exc
    return result


def _shorthand(positional_by_kind: dict[str, tuple[str, ...]]):
    def parse(value: Any) -> Any:
        return parse_call(value, positional_by_kind) if isinstance(value, str) else value

    return parse


def _call_pattern(positional_by_kind: dict[str, tuple[str, ...]]) -> Any:
    """The shorthand ``kind(args)`` as a string type for the JSON Schema."""
    kinds = "|".join(sorted(positional_by_kind))
    pattern = rf"^\s*({kinds})\s*\(.*\)\s*$"
    return Annotated[str, Field(pattern=pattern, title="kind(arguments)")]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    positional: ClassVar[tuple[str, ...]] = ()


# --- children per parent --------------------------------------------------------------------


class _Counts(_Dist):
    min: int = Field(
        0, ge=0, description="The fewest children: draws below are raised to it.", examples=[1]
    )
    max: int | None = Field(
        None, ge=0, description="The most children: draws above are lowered to it.", examples=[50]
    )

    @model_validator(mode="after")
    def _ordered(self):
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self

    def expected_mean(self) -> float:
        """Mean children per parent after clipping to [min, max]: the target checks compare to.

        Each subclass defines ``pmf(upto)``, the probabilities of 0..upto before clipping.
        """
        hi = self.max if self.max is not None else None
        upto = hi if hi is not None else self._tail_bound()
        probs = self.pmf(upto)  # type: ignore[attr-defined]
        total = 0.0
        for k, p in enumerate(probs):
            clipped = max(k, self.min)
            total += p * (min(clipped, hi) if hi is not None else clipped)
        # Mass beyond `upto` (only when max is set) sits at max.
        if hi is not None:
            total += max(0.0, 1.0 - sum(probs)) * hi
        return total

    def _tail_bound(self) -> int:
        return 1000


def _poisson_pmf(mean: float, upto: int) -> list[float]:
    if mean == 0:
        return [1.0] + [0.0] * upto
    return [math.exp(k * math.log(mean) - mean - math.lgamma(k + 1)) for k in range(upto + 1)]


class PoissonCount(_Counts):
    """Poisson(mean) children, clipped to [min, max] (``max(min, X)`` as the tutorial draws)."""

    kind: Literal["poisson"] = "poisson"
    mean: float = Field(gt=0, description="The mean before clipping.", examples=[15])
    positional: ClassVar = ("mean", "min", "max")

    def pmf(self, upto: int) -> list[float]:
        return _poisson_pmf(self.mean, upto)

    def _tail_bound(self) -> int:
        return int(self.mean + 12 * math.sqrt(self.mean) + 20)


class UniformCount(_Counts):
    """Uniformly min..max children (inclusive)."""

    kind: Literal["uniform"] = "uniform"
    max: int = Field(ge=0, description="The most children.", examples=[6])  # type: ignore[assignment]
    positional: ClassVar = ("min", "max")

    def pmf(self, upto: int) -> list[float]:
        width = self.max - self.min + 1
        return [1.0 / width if self.min <= k <= self.max else 0.0 for k in range(upto + 1)]


class FixedCount(_Counts):
    """Exactly n children per parent. Legal, but the cardinality check will call it drift."""

    kind: Literal["fixed"] = "fixed"
    n: int = Field(ge=0, description="The children of every parent.", examples=[3])
    positional: ClassVar = ("n",)

    def pmf(self, upto: int) -> list[float]:
        return [1.0 if k == self.n else 0.0 for k in range(upto + 1)]

    def _tail_bound(self) -> int:
        return self.n


class NegBinomialCount(_Counts):
    """Heavy-tailed counts: negative binomial, this mean and dispersion k (var = m + m²/k)."""

    kind: Literal["negbinom"] = "negbinom"
    mean: float = Field(gt=0, description="The mean before clipping.", examples=[4])
    dispersion: float = Field(
        gt=0, description="k: smaller is more heavy-tailed (variance m + m²/k).", examples=[1.5]
    )
    positional: ClassVar = ("mean", "dispersion", "min", "max")

    def pmf(self, upto: int) -> list[float]:
        k, m = self.dispersion, self.mean
        p = k / (k + m)
        out = []
        for x in range(upto + 1):
            log = math.lgamma(x + k) - math.lgamma(k) - math.lgamma(x + 1)
            out.append(math.exp(log + k * math.log(p) + x * math.log1p(-p)))
        return out

    def _tail_bound(self) -> int:
        var = self.mean + self.mean**2 / self.dispersion
        return int(self.mean + 30 * math.sqrt(var) + 50)


class ZipfCount(_Counts):
    """Power-law counts on 1..max (Zipf with exponent a): most parents few, some very many."""

    kind: Literal["zipf"] = "zipf"
    a: float = Field(
        gt=1, description="The exponent: larger means fewer big families.", examples=[2.5]
    )
    max: int = Field(1000, ge=1, description="The most children.", examples=[40])  # type: ignore[assignment]
    positional: ClassVar = ("a", "min", "max")

    def pmf(self, upto: int) -> list[float]:
        weights = [0.0] + [k ** (-self.a) for k in range(1, self.max + 1)]
        total = sum(weights)
        return [w / total for w in weights[: upto + 1]] + [0.0] * max(0, upto - self.max)


class BernoulliCount(_Counts):
    """Zero or one child, with probability p of one (an optional child such as an invoice)."""

    kind: Literal["bernoulli"] = "bernoulli"
    p: float = Field(ge=0, le=1, description="The probability of one child.", examples=[0.3])
    max: int | None = Field(1, ge=0, description="The most children.", examples=[1])
    positional: ClassVar = ("p",)

    def pmf(self, upto: int) -> list[float]:
        return ([1 - self.p, self.p] + [0.0] * upto)[: upto + 1]


class EmpiricalCount(_Counts):
    """Children per parent as measured: each count with its share of parents (a profile's
    histogram, ``{0: 0.1, 1: 0.5, 4: 0.4}``)."""

    kind: Literal["empirical"] = "empirical"
    counts: dict[int, float] = Field(
        min_length=1,
        description="Share of parents with each number of children; the shares sum to 1.",
        examples=[{0: 0.1, 1: 0.5, 4: 0.4}],
    )
    positional: ClassVar = ()

    @model_validator(mode="after")
    def _shares(self):
        if any(k < 0 for k in self.counts) or any(w < 0 for w in self.counts.values()):
            raise ValueError("counts and shares must not be negative")
        total = sum(self.counts.values())
        if not math.isclose(total, 1.0, abs_tol=1e-3):
            raise ValueError(f"shares sum to {total:g}, not 1")
        return self

    def pmf(self, upto: int) -> list[float]:
        total = sum(self.counts.values())
        out = [0.0] * (upto + 1)
        for k, w in self.counts.items():
            if k <= upto:
                out[k] += w / total
        return out

    def _tail_bound(self) -> int:
        return max(self.counts)


def _by_kind(kinds, positional: dict):
    """A distribution field: one of `kinds` by its `kind`, or the ``name(a, b)`` shorthand."""
    return Annotated[
        kinds,
        Field(discriminator="kind"),
        BeforeValidator(
            _shorthand(positional), json_schema_input_type=_call_pattern(positional) | kinds
        ),
    ]


COUNT_KINDS = (
    PoissonCount,
    UniformCount,
    FixedCount,
    NegBinomialCount,
    ZipfCount,
    BernoulliCount,
    EmpiricalCount,
)
COUNT_POSITIONAL = {cls.model_fields["kind"].default: cls.positional for cls in COUNT_KINDS}

_CountKinds = (
    PoissonCount
    | UniformCount
    | FixedCount
    | NegBinomialCount
    | ZipfCount
    | BernoulliCount
    | EmpiricalCount
)
Cardinality = _by_kind(_CountKinds, COUNT_POSITIONAL)


# --- numeric values -------------------------------------------------------------------------


class UniformValue(_Dist):
    """Uniform between low and high."""

    kind: Literal["uniform"] = "uniform"
    low: float = Field(description="The lowest value.", examples=[1])
    high: float = Field(description="The highest value.", examples=[5])
    positional: ClassVar = ("low", "high")

    @model_validator(mode="after")
    def _ordered(self):
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self


class NormalValue(_Dist):
    """Normal (Gaussian) with this mean and standard deviation."""

    kind: Literal["normal"] = "normal"
    mean: float = Field(description="The mean.", examples=[0])
    sd: float = Field(gt=0, description="The standard deviation.", examples=[100])
    positional: ClassVar = ("mean", "sd")


class LognormalValue(_Dist):
    """exp(Normal(mean, sigma)): the usual shape of money amounts and balances."""

    kind: Literal["lognormal"] = "lognormal"
    mean: float = Field(description="The mean of the underlying normal (log scale).", examples=[6])
    sigma: float = Field(gt=0, description="Its standard deviation (log scale).", examples=[1.5])
    positional: ClassVar = ("mean", "sigma")


class ExponentialValue(_Dist):
    """Exponential with this mean (scale): waiting times, gaps in days."""

    kind: Literal["exponential"] = "exponential"
    scale: float = Field(gt=0, description="The mean.", examples=[10])
    positional: ClassVar = ("scale",)


class PoissonValue(_Dist):
    """Poisson counts with this mean (stock levels, visits)."""

    kind: Literal["poisson"] = "poisson"
    mean: float = Field(gt=0, description="The mean.", examples=[20])
    positional: ClassVar = ("mean",)


class QuantileValue(_Dist):
    """An empirical quantile function: values at equally spaced probabilities 0, 1/k, ..., 1,
    drawn by linear interpolation between them (a profile's fit when no named shape fits)."""

    kind: Literal["quantiles"] = "quantiles"
    values: list[float] = Field(
        min_length=2,
        description="The quantiles at probabilities 0, 1/k, ..., 1, in ascending order.",
        examples=[[0.5, 1.2, 3.0, 9.9]],
    )
    positional: ClassVar = ()

    @model_validator(mode="after")
    def _ascending(self):
        if any(b < a for a, b in zip(self.values, self.values[1:], strict=False)):
            raise ValueError("quantile values must be in ascending order")
        return self


VALUE_KINDS = (
    UniformValue,
    NormalValue,
    LognormalValue,
    ExponentialValue,
    PoissonValue,
    QuantileValue,
)
VALUE_POSITIONAL = {cls.model_fields["kind"].default: cls.positional for cls in VALUE_KINDS}

_ValueKinds = (
    UniformValue | NormalValue | LognormalValue | ExponentialValue | PoissonValue | QuantileValue
)
ValueDistribution = _by_kind(_ValueKinds, VALUE_POSITIONAL)
