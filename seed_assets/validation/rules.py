"""Which checks a table gets (decided from the spec alone) and running them.

The list is known before any data exists, so the Dagster layer can declare one blocking asset
check per rule (``<table>_<rule>``) and the report can say which checks never ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from seed_assets.spec.graph import linked_fks
from seed_assets.spec.models import Spec
from seed_assets.validation import integrity, relations


@dataclass(frozen=True)
class Rule:
    name: str
    engine: str
    description: str
    applies: Callable[[Spec, str], bool]

    def check_name(self, table: str) -> str:
        return f"{table}_{self.name}"


def _always(spec: Spec, table: str) -> bool:
    return True


def _has_fks(spec: Spec, table: str) -> bool:
    return bool(spec.tables[table].foreign_keys)


def _has_via(spec: Spec, table: str) -> bool:
    return any(fk.via for fk in spec.tables[table].foreign_keys)


def _has_after(spec: Spec, table: str) -> bool:
    return any(c.after for c in spec.tables[table].columns.values())


def _has_cardinality(spec: Spec, table: str) -> bool:
    return spec.tables[table].driving_fk is not None or any(
        r.table == table for r in spec.expectations.children_per_parent
    )


def _has_rates(spec: Spec, table: str) -> bool:
    return any(c.rate is not None for c in spec.tables[table].columns.values()) or any(
        r.table == table for r in spec.expectations.rates
    )


def _has_keys(spec: Spec, table: str) -> bool:
    return bool(integrity.unique_keys(spec.tables[table]))


# Fast integrity checks first, the slower libraries last.
RULES: tuple[Rule, ...] = (
    Rule("orphan_fks", "integrity", "FK values with no parent row.", _has_fks),
    Rule(
        "denormalised_fks",
        "integrity",
        "Denormalised FKs equal the value of the row they are copied through.",
        _has_via,
    ),
    Rule(
        "temporal",
        "integrity",
        "Dates not earlier than the parent (or same-row) date they follow.",
        _has_after,
    ),
    Rule(
        "cardinality",
        "integrity",
        "Children per parent: mean within tolerance and the spec's distribution.",
        _has_cardinality,
    ),
    Rule(
        "rare_events",
        "integrity",
        "Rare-event rates within their bounds.",
        _has_rates,
    ),
    Rule(relations.RULE, relations.ENGINE, relations.DESCRIPTION, relations.applies),
    Rule(
        "duplicate_keys",
        "integrity",
        "Primary and unique keys hold each value once.",
        _has_keys,
    ),
    Rule(
        "null_rates",
        "integrity",
        "No nulls in NOT NULL columns; null shares near null_fraction.",
        _always,
    ),
    Rule(
        "pandera_schema",
        "pandera",
        "Pandera schema built from the spec: dtypes, nullability, ranges, allowed values, "
        "uniqueness, same-row rules.",
        _always,
    ),
    Rule(
        "gx_suite",
        "great_expectations",
        "Great Expectations suite built from the spec: column expectations, FK membership, "
        "parent-date order and denormalised FKs after the join, row counts.",
        _always,
    ),
)


def rules_for(spec: Spec, table: str, *, engines: Iterable[str] | None = None) -> list[Rule]:
    """The rules that apply to `table`, in the order they run."""
    chosen = set(engines) if engines is not None else None
    return [
        rule
        for rule in RULES
        if rule.applies(spec, table) and (chosen is None or rule.engine in chosen)
    ]


# -- the links step of a nullable cycle ---------------------------------------------------------

LINK_RULES = ("orphan_fks", "null_rates", "cardinality")


def _links_applies(rule: Rule, spec: Spec, table: str) -> bool:
    fks = linked_fks(spec, table)
    if not fks:
        return False
    if rule.name == "cardinality":
        targets = {fk.references.table for fk in fks}
        return any(
            r.table == table and r.parent in targets for r in spec.expectations.children_per_parent
        )
    return True


def links_rules_for(spec: Spec, table: str) -> list[Rule]:
    """The rules that check `table`'s linked FKs once filled (orphans, null share, and the
    children-per-parent expectations that go through them)."""
    return [r for r in RULES if r.name in LINK_RULES and _links_applies(r, spec, table)]
