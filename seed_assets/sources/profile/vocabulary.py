"""Public vocabularies: place names and codes that ship with Faker (countries, their ISO codes,
states, provinces, regions, real city names of its locales, currency codes) and its people's
courtesy titles (Mr., Mrs., Dr.).

A label seen fewer than `min_count` times is never copied from the data, because it may say
something about a single row. A label that is also a word of a public vocabulary says nothing
private by itself ("Chile" is in every atlas), so the profiler may keep it, under two guards
(``sources/profile/columns.labels_fit``):

- the column must be a vocabulary column: most of its rows and at least half of its distinct
  labels belong to it, so a private code that happens to spell a state abbreviation is not
  taken for one;
- the rare labels share their combined mass evenly, and only when that mass covers at least
  `min_count` rows, so no rare label's own small count is published.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterable

import pandas as pd

from seed_assets.targets.representable import nested_strings

# Attributes of Faker's address providers (every locale) that list real names, not parts of
# made-up ones (street suffixes and city prefixes are left out).
_PLACE_LISTS = (
    "countries",
    "cities",
    "city_names",
    "real_city_names",
    "metropolitan_cities",
    "states",
    "states_abbr",
    "provinces",
    "provinces_abbr",
    "regions",
    "counties",
    "cantons",
    "departments",
    "districts",
    "municipalities",
    "prefectures",
    "territories_abbr",
    "union_territories",
    "union_territories_abbr",
    "wilayas",
)
# Faker's person providers (every locale): courtesy titles before and after a name.
_PERSON_LISTS = (
    "prefixes",
    "prefixes_female",
    "prefixes_male",
    "suffixes",
    "suffixes_female",
    "suffixes_male",
)
MIN_VOCABULARY_ROWS = 0.8  # of a column's non-null rows, before it counts as one
MIN_VOCABULARY_LABELS = 0.5  # of its distinct labels


@functools.cache
def public_words() -> frozenset[str]:
    """Every place name and code Faker ships (about 40,000), read once."""
    import faker.providers.address as address
    import faker.providers.currency as currency
    import faker.providers.person as person

    words: set[str] = set()
    words.update(address.Provider.alpha_2_country_codes)
    words.update(address.Provider.alpha_3_country_codes)
    words.update(nested_strings(currency.Provider.currencies))
    for package, lists in ((address, _PLACE_LISTS), (person, _PERSON_LISTS)):
        for module in pkgutil.iter_modules(package.__path__):
            provider = importlib.import_module(f"{package.__name__}.{module.name}").Provider
            for name in lists:
                if name in vars(provider):
                    words.update(nested_strings(vars(provider)[name]))
    return frozenset(words)


def is_vocabulary(counts: pd.Series) -> bool:
    """Most rows, and at least half the distinct labels, of these label counts are public
    words (place names, codes, courtesy titles)."""
    if counts.empty or not counts.sum():
        return False
    words = public_words()
    public = counts.index.map(lambda label: str(label) in words).to_numpy(dtype=bool)
    return counts[
        public
    ].sum() >= MIN_VOCABULARY_ROWS * counts.sum() and public.sum() >= MIN_VOCABULARY_LABELS * len(
        counts
    )


def public(labels: Iterable[str]) -> list[str]:
    """The labels that are words of a public vocabulary."""
    words = public_words()
    return [label for label in labels if str(label) in words]
