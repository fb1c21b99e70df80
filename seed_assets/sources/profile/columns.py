"""One column's fit from a sample: nulls, categories, numeric marginals, date shapes, text
patterns. Every figure is an aggregate; a label or level is kept only if it appears at least
`min_count` times, and the ends of a range are means of the `min_count` extreme values, so no
single real value is copied."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from seed_assets.sources.infer import SOURCE_FIELDS
from seed_assets.sources.profile import vocabulary
from seed_assets.spec.models import INTEGER_TYPES, NUMERIC_TYPES, STRING_TYPES, TEMPORAL_TYPES

MAX_LABELS = 50  # more distinct values than this is free text, never a list of categories
MAX_LABEL_SHARE = 0.6  # nor when nearly every row has its own value
QUANTILE_KNOTS = 32
MAX_LEFT_OUT = 0.05  # share of rows in rare numeric levels beyond which levels are no fit
# Providers whose values identify a person or place: never learned as categories.
PERSONAL_PROVIDERS = {
    "name",
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "street_address",
    "address",
    "postcode",
    "company",
    "ssn",
    "iban",
    "credit_card_number",
    "user_name",
    "url",
    "ipv4",
}
GENERIC_PROVIDERS = {"word", "sentence", "paragraph", "catch_phrase", "lexify", "text"}


@dataclass
class Fit:
    fields: dict[str, Any] = field(default_factory=dict)
    why: list[str] = field(default_factory=list)
    category: bool = False  # its labels were written into the spec


def null_fit(series: pd.Series) -> tuple[float, str]:
    n = len(series)
    nulls = int(series.isna().sum())
    fraction = nulls / n if n else 0.0
    return fraction, f"{fraction:.1%} NULL of {n:,} sampled"


def labels_fit(values: pd.Series, min_count: int, column_type: str) -> Fit | None:
    """Repeating values as a choice; None when they do not repeat enough to be categories.

    Labels seen at least `min_count` times keep their shares. Rarer ones are left out, unless
    the column holds a public vocabulary (``vocabulary.py``: country names, state codes):
    then its rare public labels are kept with one even share each, so the set of rare
    labels is public knowledge and no small count is written."""
    counts = values.value_counts()
    total = int(counts.sum())
    if total == 0 or len(counts) > MAX_LABELS or len(counts) > MAX_LABEL_SHARE * total:
        return None
    kept = counts[counts >= min_count]
    rare = counts[counts < min_count]
    spread = _public_rare(counts, rare, min_count) if column_type in STRING_TYPES else rare[:0]
    if kept.sum() + spread.sum() < 0.5 * total:
        return None
    base = kept.sum() + spread.sum()
    even = [spread.sum() / base / len(spread)] * len(spread) if len(spread) else []
    shares = [*(kept / base).tolist(), *even]
    labels = [_plain(v, column_type) for v in [*kept.index, *spread.index]]
    fit = Fit({"choice": dict(zip(labels, (round(float(s), 4) for s in shares), strict=True))})
    _normalise(fit.fields["choice"])
    note = f"{len(kept)} labels seen >= {min_count} times"
    if len(spread):
        note += (
            f"; {len(spread)} rarer labels of a public vocabulary (place names and codes "
            f"Faker ships) share {spread.sum() / total:.1%} of rows evenly"
        )
    dropped = len(rare) - len(spread)
    if dropped:
        note += f"; {dropped} rarer labels ({1 - base / total:.1%} of rows) left out"
    fit.why.append(note)
    fit.category = True
    return fit


def _public_rare(counts: pd.Series, rare: pd.Series, min_count: int) -> pd.Series:
    """The rare labels that may be kept: the column is a vocabulary column, and its rare
    public labels together cover at least `min_count` rows (their combined share is an
    aggregate over that many rows; a single rare row's count is never written)."""
    if rare.empty or not vocabulary.is_vocabulary(counts):
        return rare[:0]
    spread = rare[rare.index.isin(vocabulary.public(rare.index))]
    return spread if spread.sum() >= min_count else rare[:0]


def _normalise(choice: dict) -> None:
    """Rounded shares summing to exactly 1 (the spec checks the sum)."""
    keys = list(choice)
    rest = round(1.0 - sum(choice[k] for k in keys[1:]), 6)
    choice[keys[0]] = rest


def _plain(value: Any, column_type: str) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if column_type in INTEGER_TYPES:
        return int(value)
    if column_type in ("float", "decimal"):
        return float(value)
    if column_type == "boolean":
        return bool(value)
    return str(value)


def range_ends(values: np.ndarray, min_count: int) -> tuple[float, float]:
    """Low and high ends: the means of the `min_count` smallest and largest values."""
    ordered = np.sort(values)
    k = max(1, min(min_count, len(ordered) // 2 or 1))
    return float(ordered[:k].mean()), float(ordered[-k:].mean())


def decimals_used(values: np.ndarray, most: int = 6) -> int:
    for digits in range(most + 1):
        scaled = values * 10**digits
        if np.allclose(scaled, np.round(scaled), atol=1e-6):
            return digits
    return most


def quantile_knots(values: np.ndarray, min_count: int) -> list[float]:
    low, high = range_ends(values, min_count)
    probs = np.linspace(0, 1, QUANTILE_KNOTS + 1)
    knots = np.quantile(values, probs)
    knots[0], knots[-1] = low, high
    knots = np.clip(knots, low, high)
    return [float(f"{k:.6g}") for k in np.maximum.accumulate(knots)]


def numeric_fit(values: pd.Series, column_type: str, min_count: int, scale: int | None) -> Fit:
    array = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=np.float64)
    if len(array) == 0:
        return Fit()
    levels = labels_fit(pd.Series(array), min_count, "float")
    counts = pd.Series(array).value_counts()
    left_out = float(counts[counts < min_count].sum() / len(array))
    # Levels only where the rare ones are a sliver: else the quantile function keeps the
    # whole shape (a mass at 0 and a spread of rarer amounts) without copying a value.
    if levels is not None and len(levels.fields["choice"]) <= 20 and left_out <= MAX_LEFT_OUT:
        if column_type in INTEGER_TYPES:
            levels.fields["choice"] = {int(k): v for k, v in levels.fields["choice"].items()}
        levels.why[0] = "discrete levels: " + levels.why[0]
        return levels
    knots = quantile_knots(array, min_count)
    fit = Fit({"distribution": {"kind": "quantiles", "values": knots}})
    fit.fields["min"], fit.fields["max"] = knots[0], knots[-1]
    if column_type not in INTEGER_TYPES:
        digits = decimals_used(array, scale if scale is not None else 6)
        fit.fields["round"] = digits
        fit.why.append(f"empirical quantiles ({QUANTILE_KNOTS} steps), {digits} decimals")
    else:
        fit.why.append(f"empirical quantiles ({QUANTILE_KNOTS} steps)")
    return fit


def temporal_fit(values: pd.Series, column_type: str, min_count: int) -> Fit:
    stamps = pd.to_datetime(values, errors="coerce", utc=True).dropna().dt.tz_localize(None)
    if stamps.empty:
        return Fit()
    seconds = stamps.astype("datetime64[s]").astype(np.int64).to_numpy().astype(np.float64)
    low, high = range_ends(seconds, min_count)
    start = pd.Timestamp(int(low), unit="s")
    end = pd.Timestamp(int(high), unit="s")
    if column_type == "date":
        start, end = start.normalize(), end.normalize()
    span = max(float(end.value - start.value) / 1e9, 1.0)
    fractions = (seconds - float(start.value) / 1e9) / span
    shape = np.clip(np.quantile(fractions, np.linspace(0, 1, QUANTILE_KNOTS + 1)), 0, 1)
    shape = np.maximum.accumulate(shape)
    shape[0], shape[-1] = 0.0, 1.0
    weekdays = np.bincount(stamps.dt.day_of_week.to_numpy(), minlength=7) / len(stamps)
    fmt = "%Y-%m-%d" if column_type == "date" else "%Y-%m-%dT%H:%M:%S"
    fit = Fit(
        {
            "between": [start.strftime(fmt), end.strftime(fmt)],
            "shape": [round(float(s), 4) for s in shape],
            "weekdays": [round(float(w), 4) for w in weekdays],
        }
    )
    midnight = (stamps.dt.hour == 0) & (stamps.dt.minute == 0) & (stamps.dt.second == 0)
    if column_type != "date" and not midnight.all():  # timestamps that carry a time of day
        hours = np.bincount(stamps.dt.hour.to_numpy(), minlength=24) / len(stamps)
        fit.fields["hours"] = [round(float(h), 4) for h in hours]
    fit.why.append("range (means of the extremes), quantile shape, weekdays and hours")
    return fit


_PLAIN_TEXT = re.compile(
    r"^\s*(N?VARCHAR|N?CHAR|CHARACTER|TEXT|NTEXT|CLOB|STRING|CITEXT|VARCHAR2|NVARCHAR2|"
    r"(TINY|MEDIUM|LONG)TEXT)\b(?!.*\[\])",
    re.I,
)
_SHAPE_CHARS = (re.compile(r"[A-Za-z]"), re.compile(r"[0-9]"))


def text_shape(value: str) -> str:
    """``INV-000123`` -> ``???-######`` (Faker's bothify letters and digits)."""
    return _SHAPE_CHARS[1].sub("#", _SHAPE_CHARS[0].sub("?", value))


def text_fit(values: pd.Series, fields: dict[str, Any]) -> Fit:
    """Text is never copied: a Faker provider (reflection's inference), or, for text with no
    telling name, its dominant format as a bothify pattern."""
    strings = values.dropna().astype(str)
    if strings.empty:
        return Fit()
    fit = Fit()
    provider = fields.get("faker")
    shapes = strings.map(text_shape).value_counts()
    top, share = shapes.index[0], shapes.iloc[0] / len(strings)
    formatted = any(ch in top for ch in "?#") and any(ch not in "?# " for ch in top)
    if provider in GENERIC_PROVIDERS and share >= 0.8 and formatted and "{" not in top:
        fit.fields["faker"] = "bothify"
        fit.fields["params"] = {"text": top, "letters": "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
        fit.why.append(f"format {top!r} in {share:.0%} of rows")
    lengths = strings.str.len()
    fit.why.append(f"length {int(lengths.min())}-{int(lengths.max())}, median {lengths.median():g}")
    return fit


def fit_column(
    series: pd.Series, fields: dict[str, Any], min_count: int
) -> tuple[dict[str, Any], str]:
    """The spec fields and comment of one non-key column, from its sample."""
    kind = fields["type"]
    if kind in STRING_TYPES and not _PLAIN_TEXT.match(fields.get("sql_type") or "TEXT"):
        # An array, tsvector, bytea ... that reflection fills as text: left as reflected.
        return fields, "kept as reflected: a database type the generator fills as text"
    out = {k: v for k, v in fields.items() if k not in _SOURCE_FIELDS}
    fraction, null_why = null_fit(series)
    values = series.dropna()
    fit: Fit | None = None
    if kind == "boolean":
        rate = float(values.astype(bool).mean()) if len(values) else 0.0
        fit = Fit({"rate": round(rate, 4)}, [f"true in {rate:.1%} of rows"])
    elif kind in NUMERIC_TYPES:
        fit = numeric_fit(values, kind, min_count, fields.get("scale"))
    elif kind in TEMPORAL_TYPES:
        fit = temporal_fit(values, kind, min_count)
    elif kind in STRING_TYPES:
        if fields.get("faker") not in PERSONAL_PROVIDERS:
            fit = labels_fit(values.astype(str), min_count, kind)
        if fit is None:
            fit = text_fit(values, fields)
            kept = {k: fields[k] for k in _SOURCE_FIELDS if k in fields}
            out.update(kept if "faker" not in fit.fields else {})
    if fit is None or (not fit.fields and not any(k in out for k in _SOURCE_FIELDS)):
        out.update({k: fields[k] for k in _SOURCE_FIELDS if k in fields})
        fit = fit or Fit()
    out.update(fit.fields)
    out.pop("nullable", None)
    if fraction >= 1:
        out["null_fraction"] = 0.999
    elif fraction > 0:
        out["null_fraction"] = round(fraction, 4)
    else:
        out.pop("null_fraction", None)
    if fraction > 0 and len(values) == 0:
        out["nullable"] = True
    return out, "; ".join(["profiled", *fit.why, null_why])


_SOURCE_FIELDS = (
    *SOURCE_FIELDS,
    "shape",
    "weekdays",
    "hours",
)
